//! What other services may read of IAM: a role by ARN, and whether its trust policy lets ECS
//! tasks assume it. A small read facade (IAM implements it), so ECS and STS never import IAM's
//! state.

/// A role as other services see it.
#[derive(Debug, Clone, PartialEq)]
pub struct RoleInfo {
    pub arn: String,
    pub name: String,
    /// `AROA…`, the first half of an assumed role's `AssumedRoleId`.
    pub role_id: String,
    /// The longest session STS may grant for the role, in seconds.
    pub max_session_duration: u32,
    /// Whether the trust policy lets `ecs-tasks.amazonaws.com` call `sts:AssumeRole`.
    pub trusts_ecs_tasks: bool,
}

/// IAM's roles, read-only.
pub trait Roles: Send + Sync {
    /// The role of `account` with this ARN, if IAM knows it.
    fn role(&self, account: &str, role_arn: &str) -> Option<RoleInfo>;
}

/// No roles at all: for services built without IAM.
pub struct NoRoles;

impl Roles for NoRoles {
    fn role(&self, _account: &str, _role_arn: &str) -> Option<RoleInfo> {
        None
    }
}

/// Temporary credentials as STS issues them.
#[derive(Debug, Clone, PartialEq)]
pub struct IssuedCredentials {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: String,
    /// Emulated epoch seconds.
    pub expiration: f64,
}

/// STS's issuing of role credentials to other services (a task's role): requests signed with
/// the key then act in `account` as the assumed role.
pub trait CredentialIssuer: Send + Sync {
    fn issue(
        &self,
        account: &str,
        role_arn: &str,
        session_name: &str,
        duration_seconds: u32,
    ) -> Option<IssuedCredentials>;
}
