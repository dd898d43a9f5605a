//! The Application Auto Scaling dispatch table: every operation of the service model (botocore
//! `application-autoscaling/2016-02-06`, 14 operations) and its function. All are built, so the
//! README's table is generated from this list.

use super::api::{activities, forecast, policies, scheduled, tags, targets, Handler};
use super::AasError;

const OPERATIONS: &[(&str, Handler)] = &[
    ("DeleteScalingPolicy", policies::delete_scaling_policy),
    ("DeleteScheduledAction", scheduled::delete_scheduled_action),
    (
        "DeregisterScalableTarget",
        targets::deregister_scalable_target,
    ),
    (
        "DescribeScalableTargets",
        targets::describe_scalable_targets,
    ),
    (
        "DescribeScalingActivities",
        activities::describe_scaling_activities,
    ),
    (
        "DescribeScalingPolicies",
        policies::describe_scaling_policies,
    ),
    (
        "DescribeScheduledActions",
        scheduled::describe_scheduled_actions,
    ),
    (
        "GetPredictiveScalingForecast",
        forecast::get_predictive_scaling_forecast,
    ),
    ("ListTagsForResource", tags::list_tags_for_resource),
    ("PutScalingPolicy", policies::put_scaling_policy),
    ("PutScheduledAction", scheduled::put_scheduled_action),
    ("RegisterScalableTarget", targets::register_scalable_target),
    ("TagResource", tags::tag_resource),
    ("UntagResource", tags::untag_resource),
];

/// How far local-ecs supports an operation of the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Support {
    Implemented,
}

impl Support {
    pub fn describe(self) -> String {
        "supported".into()
    }
}

/// Every operation of the model with its support, sorted by name.
pub fn operation_support() -> Vec<(&'static str, Support)> {
    OPERATIONS
        .iter()
        .map(|(op, _)| (*op, Support::Implemented))
        .collect()
}

pub fn handler(operation: &str) -> Option<Handler> {
    OPERATIONS
        .iter()
        .find(|(name, _)| *name == operation)
        .map(|(_, h)| *h)
}

pub fn unknown(operation: &str) -> AasError {
    AasError::UnknownOperation(format!("Unknown operation {operation}."))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_sorted_and_complete() {
        let names: Vec<_> = OPERATIONS.iter().map(|(op, _)| *op).collect();
        let mut sorted = names.clone();
        sorted.sort();
        assert_eq!(sorted, names);
        assert_eq!(names.len(), 14);
        assert_eq!(unknown("Nope").code(), "UnknownOperationException");
    }
}
