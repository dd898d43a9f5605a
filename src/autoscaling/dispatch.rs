//! The Auto Scaling dispatch table: every implemented operation and its function, and every
//! operation of the service model (botocore `autoscaling/2011-01-01`), so that the README lists
//! what is missing and a routed but unbuilt operation answers a correct wire error.

use super::api::{activities, capacity, describe, groups, tags, Handler};
use super::AsgError;

const OPERATIONS: &[(&str, Handler)] = &[
    ("CreateAutoScalingGroup", groups::create_auto_scaling_group),
    ("UpdateAutoScalingGroup", groups::update_auto_scaling_group),
    ("DeleteAutoScalingGroup", groups::delete_auto_scaling_group),
    (
        "DescribeAutoScalingGroups",
        describe::describe_auto_scaling_groups,
    ),
    (
        "DescribeAutoScalingInstances",
        describe::describe_auto_scaling_instances,
    ),
    ("SetDesiredCapacity", capacity::set_desired_capacity),
    ("SetInstanceProtection", capacity::set_instance_protection),
    (
        "TerminateInstanceInAutoScalingGroup",
        capacity::terminate_instance_in_auto_scaling_group,
    ),
    ("CreateOrUpdateTags", tags::create_or_update_tags),
    ("DeleteTags", tags::delete_tags),
    ("DescribeTags", tags::describe_tags),
    (
        "DescribeScalingActivities",
        activities::describe_scaling_activities,
    ),
];

/// Every operation of the model (facts from botocore's service model).
const MODEL_OPERATIONS: &[&str] = &[
    "AttachInstances",
    "AttachLoadBalancerTargetGroups",
    "AttachLoadBalancers",
    "AttachTrafficSources",
    "BatchDeleteScheduledAction",
    "BatchPutScheduledUpdateGroupAction",
    "CancelInstanceRefresh",
    "CompleteLifecycleAction",
    "CreateAutoScalingGroup",
    "CreateLaunchConfiguration",
    "CreateOrUpdateTags",
    "DeleteAutoScalingGroup",
    "DeleteLaunchConfiguration",
    "DeleteLifecycleHook",
    "DeleteNotificationConfiguration",
    "DeletePolicy",
    "DeleteScheduledAction",
    "DeleteTags",
    "DeleteWarmPool",
    "DescribeAccountLimits",
    "DescribeAdjustmentTypes",
    "DescribeAutoScalingGroups",
    "DescribeAutoScalingInstances",
    "DescribeAutoScalingNotificationTypes",
    "DescribeInstanceRefreshes",
    "DescribeLaunchConfigurations",
    "DescribeLifecycleHookTypes",
    "DescribeLifecycleHooks",
    "DescribeLoadBalancerTargetGroups",
    "DescribeLoadBalancers",
    "DescribeMetricCollectionTypes",
    "DescribeNotificationConfigurations",
    "DescribePolicies",
    "DescribeScalingActivities",
    "DescribeScalingProcessTypes",
    "DescribeScheduledActions",
    "DescribeTags",
    "DescribeTerminationPolicyTypes",
    "DescribeTrafficSources",
    "DescribeWarmPool",
    "DetachInstances",
    "DetachLoadBalancerTargetGroups",
    "DetachLoadBalancers",
    "DetachTrafficSources",
    "DisableMetricsCollection",
    "EnableMetricsCollection",
    "EnterStandby",
    "ExecutePolicy",
    "ExitStandby",
    "GetPredictiveScalingForecast",
    "LaunchInstances",
    "PutLifecycleHook",
    "PutNotificationConfiguration",
    "PutScalingPolicy",
    "PutScheduledUpdateGroupAction",
    "PutWarmPool",
    "RecordLifecycleActionHeartbeat",
    "ResumeProcesses",
    "RollbackInstanceRefresh",
    "SetDesiredCapacity",
    "SetInstanceHealth",
    "SetInstanceProtection",
    "StartInstanceRefresh",
    "SuspendProcesses",
    "TerminateInstanceInAutoScalingGroup",
    "UpdateAutoScalingGroup",
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
pub fn unsupported(operation: &str) -> AsgError {
    if MODEL_OPERATIONS.contains(&operation) {
        AsgError::InvalidAction(format!("local-ecs does not support {operation} yet."))
    } else {
        AsgError::InvalidAction(format!(
            "The action {operation} is not valid for this web service."
        ))
    }
}

/// Operations that only read: they need not wake the controller.
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
        assert_eq!(unsupported("PutScalingPolicy").code(), "InvalidAction");
    }
}
