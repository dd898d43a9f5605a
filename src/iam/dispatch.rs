//! The IAM dispatch table: every implemented operation and its function, and every operation
//! of the service model (botocore `iam/2010-05-08`), so that the README lists what is missing
//! and a routed but unbuilt operation answers a correct wire error.

use super::api::{inline, policies, profiles, roles, Handler};
use super::IamError;

const OPERATIONS: &[(&str, Handler)] = &[
    ("CreateRole", roles::create_role),
    ("GetRole", roles::get_role),
    ("ListRoles", roles::list_roles),
    ("DeleteRole", roles::delete_role),
    ("UpdateAssumeRolePolicy", roles::update_assume_role_policy),
    ("TagRole", roles::tag_role),
    ("UntagRole", roles::untag_role),
    ("ListRoleTags", roles::list_role_tags),
    ("PutRolePolicy", inline::put_role_policy),
    ("GetRolePolicy", inline::get_role_policy),
    ("DeleteRolePolicy", inline::delete_role_policy),
    ("ListRolePolicies", inline::list_role_policies),
    ("CreatePolicy", policies::create_policy),
    ("GetPolicy", policies::get_policy),
    ("DeletePolicy", policies::delete_policy),
    ("ListPolicies", policies::list_policies),
    ("AttachRolePolicy", policies::attach_role_policy),
    ("DetachRolePolicy", policies::detach_role_policy),
    (
        "ListAttachedRolePolicies",
        policies::list_attached_role_policies,
    ),
    ("CreateInstanceProfile", profiles::create_instance_profile),
    ("GetInstanceProfile", profiles::get_instance_profile),
    ("DeleteInstanceProfile", profiles::delete_instance_profile),
    (
        "AddRoleToInstanceProfile",
        profiles::add_role_to_instance_profile,
    ),
    (
        "RemoveRoleFromInstanceProfile",
        profiles::remove_role_from_instance_profile,
    ),
    ("ListInstanceProfiles", profiles::list_instance_profiles),
    (
        "ListInstanceProfilesForRole",
        profiles::list_instance_profiles_for_role,
    ),
];

/// Every operation of the model (facts from botocore's service model).
const MODEL_OPERATIONS: &[&str] = &[
    "AcceptDelegationRequest",
    "AddClientIDToOpenIDConnectProvider",
    "AddRoleToInstanceProfile",
    "AddUserToGroup",
    "AssociateDelegationRequest",
    "AttachGroupPolicy",
    "AttachRolePolicy",
    "AttachUserPolicy",
    "ChangePassword",
    "CreateAccessKey",
    "CreateAccountAlias",
    "CreateDelegationRequest",
    "CreateGroup",
    "CreateInstanceProfile",
    "CreateLoginProfile",
    "CreateOpenIDConnectProvider",
    "CreatePolicy",
    "CreatePolicyVersion",
    "CreateRole",
    "CreateSAMLProvider",
    "CreateServiceLinkedRole",
    "CreateServiceSpecificCredential",
    "CreateUser",
    "CreateVirtualMFADevice",
    "DeactivateMFADevice",
    "DeleteAccessKey",
    "DeleteAccountAlias",
    "DeleteAccountPasswordPolicy",
    "DeleteGroup",
    "DeleteGroupPolicy",
    "DeleteInstanceProfile",
    "DeleteLoginProfile",
    "DeleteOpenIDConnectProvider",
    "DeletePolicy",
    "DeletePolicyVersion",
    "DeleteRole",
    "DeleteRolePermissionsBoundary",
    "DeleteRolePolicy",
    "DeleteSAMLProvider",
    "DeleteSSHPublicKey",
    "DeleteServerCertificate",
    "DeleteServiceLinkedRole",
    "DeleteServiceSpecificCredential",
    "DeleteSigningCertificate",
    "DeleteUser",
    "DeleteUserPermissionsBoundary",
    "DeleteUserPolicy",
    "DeleteVirtualMFADevice",
    "DetachGroupPolicy",
    "DetachRolePolicy",
    "DetachUserPolicy",
    "DisableOrganizationsRootCredentialsManagement",
    "DisableOrganizationsRootSessions",
    "DisableOutboundWebIdentityFederation",
    "EnableMFADevice",
    "EnableOrganizationsRootCredentialsManagement",
    "EnableOrganizationsRootSessions",
    "EnableOutboundWebIdentityFederation",
    "GenerateCredentialReport",
    "GenerateOrganizationsAccessReport",
    "GenerateServiceLastAccessedDetails",
    "GetAccessKeyLastUsed",
    "GetAccountAuthorizationDetails",
    "GetAccountPasswordPolicy",
    "GetAccountSummary",
    "GetContextKeysForCustomPolicy",
    "GetContextKeysForPrincipalPolicy",
    "GetCredentialReport",
    "GetDelegationRequest",
    "GetGroup",
    "GetGroupPolicy",
    "GetHumanReadableSummary",
    "GetInstanceProfile",
    "GetLoginProfile",
    "GetMFADevice",
    "GetOpenIDConnectProvider",
    "GetOrganizationsAccessReport",
    "GetOutboundWebIdentityFederationInfo",
    "GetPolicy",
    "GetPolicyVersion",
    "GetRole",
    "GetRolePolicy",
    "GetSAMLProvider",
    "GetSSHPublicKey",
    "GetServerCertificate",
    "GetServiceLastAccessedDetails",
    "GetServiceLastAccessedDetailsWithEntities",
    "GetServiceLinkedRoleDeletionStatus",
    "GetUser",
    "GetUserPolicy",
    "ListAccessKeys",
    "ListAccountAliases",
    "ListAttachedGroupPolicies",
    "ListAttachedRolePolicies",
    "ListAttachedUserPolicies",
    "ListDelegationRequests",
    "ListEntitiesForPolicy",
    "ListGroupPolicies",
    "ListGroups",
    "ListGroupsForUser",
    "ListInstanceProfileTags",
    "ListInstanceProfiles",
    "ListInstanceProfilesForRole",
    "ListMFADeviceTags",
    "ListMFADevices",
    "ListOpenIDConnectProviderTags",
    "ListOpenIDConnectProviders",
    "ListOrganizationsFeatures",
    "ListPolicies",
    "ListPoliciesGrantingServiceAccess",
    "ListPolicyTags",
    "ListPolicyVersions",
    "ListRolePolicies",
    "ListRoleTags",
    "ListRoles",
    "ListSAMLProviderTags",
    "ListSAMLProviders",
    "ListSSHPublicKeys",
    "ListServerCertificateTags",
    "ListServerCertificates",
    "ListServiceSpecificCredentials",
    "ListSigningCertificates",
    "ListUserPolicies",
    "ListUserTags",
    "ListUsers",
    "ListVirtualMFADevices",
    "PutGroupPolicy",
    "PutRolePermissionsBoundary",
    "PutRolePolicy",
    "PutUserPermissionsBoundary",
    "PutUserPolicy",
    "RejectDelegationRequest",
    "RemoveClientIDFromOpenIDConnectProvider",
    "RemoveRoleFromInstanceProfile",
    "RemoveUserFromGroup",
    "ResetServiceSpecificCredential",
    "ResyncMFADevice",
    "SendDelegationToken",
    "SetDefaultPolicyVersion",
    "SetSecurityTokenServicePreferences",
    "SimulateCustomPolicy",
    "SimulatePrincipalPolicy",
    "TagInstanceProfile",
    "TagMFADevice",
    "TagOpenIDConnectProvider",
    "TagPolicy",
    "TagRole",
    "TagSAMLProvider",
    "TagServerCertificate",
    "TagUser",
    "UntagInstanceProfile",
    "UntagMFADevice",
    "UntagOpenIDConnectProvider",
    "UntagPolicy",
    "UntagRole",
    "UntagSAMLProvider",
    "UntagServerCertificate",
    "UntagUser",
    "UpdateAccessKey",
    "UpdateAccountPasswordPolicy",
    "UpdateAssumeRolePolicy",
    "UpdateDelegationRequest",
    "UpdateGroup",
    "UpdateLoginProfile",
    "UpdateOpenIDConnectProviderThumbprint",
    "UpdateRole",
    "UpdateRoleDescription",
    "UpdateSAMLProvider",
    "UpdateSSHPublicKey",
    "UpdateServerCertificate",
    "UpdateServiceSpecificCredential",
    "UpdateSigningCertificate",
    "UpdateUser",
    "UploadSSHPublicKey",
    "UploadServerCertificate",
    "UploadSigningCertificate",
];

/// How far local-ecs supports an operation of the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Support {
    Implemented,
    /// Routed; answers `InvalidAction` until its behaviour is built.
    Planned,
}

impl Support {
    pub fn describe(self) -> &'static str {
        match self {
            Support::Implemented => "supported",
            Support::Planned => "routed; answers InvalidAction (not built yet)",
        }
    }
}

/// Every operation of the model with its support, sorted by name.
pub fn operation_support() -> Vec<(&'static str, Support)> {
    MODEL_OPERATIONS
        .iter()
        .map(|op| {
            let support = if handler(op).is_some() {
                Support::Implemented
            } else {
                Support::Planned
            };
            (*op, support)
        })
        .collect()
}

pub fn handler(operation: &str) -> Option<Handler> {
    OPERATIONS
        .iter()
        .find(|(name, _)| *name == operation)
        .map(|(_, h)| *h)
}

/// The error for an operation with no handler: unbuilt (in the model) or unknown.
pub fn unsupported(operation: &str) -> IamError {
    if MODEL_OPERATIONS.contains(&operation) {
        IamError::InvalidAction(format!("local-ecs does not support {operation} yet."))
    } else {
        IamError::InvalidAction(format!(
            "The action {operation} is not valid for this web service."
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_handler_is_an_operation_of_the_model() {
        for (name, _) in OPERATIONS {
            assert!(MODEL_OPERATIONS.contains(name), "{name}");
        }
        let mut sorted = MODEL_OPERATIONS.to_vec();
        sorted.sort();
        assert_eq!(sorted, MODEL_OPERATIONS);
        assert_eq!(unsupported("CreateUser").code(), "InvalidAction");
    }
}
