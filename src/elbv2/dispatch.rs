//! The ELBv2 dispatch table: every implemented operation and its function, and every operation
//! of the service model (botocore `elbv2/2015-12-01`), so that the README lists what is missing
//! and a routed but unbuilt operation answers a correct wire error.

use super::api::{listeners, load_balancers, rules, tags, target_groups, targets, Handler};
use super::ElbError;

const OPERATIONS: &[(&str, Handler)] = &[
    ("CreateLoadBalancer", load_balancers::create_load_balancer),
    (
        "DescribeLoadBalancers",
        load_balancers::describe_load_balancers,
    ),
    ("DeleteLoadBalancer", load_balancers::delete_load_balancer),
    (
        "DescribeLoadBalancerAttributes",
        load_balancers::describe_load_balancer_attributes,
    ),
    (
        "ModifyLoadBalancerAttributes",
        load_balancers::modify_load_balancer_attributes,
    ),
    ("CreateTargetGroup", target_groups::create_target_group),
    (
        "DescribeTargetGroups",
        target_groups::describe_target_groups,
    ),
    ("ModifyTargetGroup", target_groups::modify_target_group),
    ("DeleteTargetGroup", target_groups::delete_target_group),
    (
        "DescribeTargetGroupAttributes",
        target_groups::describe_target_group_attributes,
    ),
    (
        "ModifyTargetGroupAttributes",
        target_groups::modify_target_group_attributes,
    ),
    ("CreateListener", listeners::create_listener),
    ("DescribeListeners", listeners::describe_listeners),
    ("ModifyListener", listeners::modify_listener),
    ("DeleteListener", listeners::delete_listener),
    ("CreateRule", rules::create_rule),
    ("DescribeRules", rules::describe_rules),
    ("ModifyRule", rules::modify_rule),
    ("DeleteRule", rules::delete_rule),
    ("SetRulePriorities", rules::set_rule_priorities),
    ("RegisterTargets", targets::register_targets),
    ("DeregisterTargets", targets::deregister_targets),
    ("DescribeTargetHealth", targets::describe_target_health),
    ("AddTags", tags::add_tags),
    ("RemoveTags", tags::remove_tags),
    ("DescribeTags", tags::describe_tags),
];

/// Every operation of the model (facts from botocore's service model).
const MODEL_OPERATIONS: &[&str] = &[
    "AddListenerCertificates",
    "AddTags",
    "AddTrustStoreRevocations",
    "CreateListener",
    "CreateLoadBalancer",
    "CreateRule",
    "CreateTargetGroup",
    "CreateTrustStore",
    "DeleteListener",
    "DeleteLoadBalancer",
    "DeleteRule",
    "DeleteSharedTrustStoreAssociation",
    "DeleteTargetGroup",
    "DeleteTrustStore",
    "DeregisterTargets",
    "DescribeAccountLimits",
    "DescribeCapacityReservation",
    "DescribeListenerAttributes",
    "DescribeListenerCertificates",
    "DescribeListeners",
    "DescribeLoadBalancerAttributes",
    "DescribeLoadBalancers",
    "DescribeRules",
    "DescribeSSLPolicies",
    "DescribeTags",
    "DescribeTargetGroupAttributes",
    "DescribeTargetGroups",
    "DescribeTargetHealth",
    "DescribeTrustStoreAssociations",
    "DescribeTrustStoreRevocations",
    "DescribeTrustStores",
    "GetResourcePolicy",
    "GetTrustStoreCaCertificatesBundle",
    "GetTrustStoreRevocationContent",
    "ModifyCapacityReservation",
    "ModifyIpPools",
    "ModifyListener",
    "ModifyListenerAttributes",
    "ModifyLoadBalancerAttributes",
    "ModifyRule",
    "ModifyTargetGroup",
    "ModifyTargetGroupAttributes",
    "ModifyTrustStore",
    "RegisterTargets",
    "RemoveListenerCertificates",
    "RemoveTags",
    "RemoveTrustStoreRevocations",
    "SetIpAddressType",
    "SetRulePriorities",
    "SetSecurityGroups",
    "SetSubnets",
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
pub fn unsupported(operation: &str) -> ElbError {
    if MODEL_OPERATIONS.contains(&operation) {
        ElbError::InvalidAction(format!("local-ecs does not support {operation} yet."))
    } else {
        ElbError::InvalidAction(format!(
            "The action {operation} is not valid for this web service."
        ))
    }
}

/// Operations that only read: the listeners need no reconciling after them.
pub fn is_read_only(operation: &str) -> bool {
    operation.starts_with("Describe")
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
        assert_eq!(unsupported("SetSubnets").code(), "InvalidAction");
    }
}
