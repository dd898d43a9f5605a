//! The CloudWatch dispatch table: every implemented operation and its function, and every
//! operation of the service model (botocore `cloudwatch/2010-08-01`) with the modelled error it
//! answers while unbuilt (the first of InvalidParameterValue, InvalidNextToken, ResourceNotFound,
//! LimitExceeded, InvalidFormat in its error list; InvalidParameterValue, one of CloudWatch's
//! common errors, for an operation that models none), so that the README lists what is missing.

use super::api::{alarms, composite, data, describe, list, put, statistics, tags, Handler};
use super::CwError;

const OPERATIONS: &[(&str, Handler)] = &[
    ("DeleteAlarms", alarms::delete_alarms),
    ("DescribeAlarmHistory", describe::describe_alarm_history),
    ("DescribeAlarms", describe::describe_alarms),
    (
        "DescribeAlarmsForMetric",
        alarms::describe_alarms_for_metric,
    ),
    ("DisableAlarmActions", alarms::disable_alarm_actions),
    ("EnableAlarmActions", alarms::enable_alarm_actions),
    ("PutCompositeAlarm", composite::put_composite_alarm),
    ("PutMetricAlarm", alarms::put_metric_alarm),
    ("SetAlarmState", alarms::set_alarm_state),
    ("TagResource", tags::tag_resource),
    ("UntagResource", tags::untag_resource),
    ("GetMetricData", data::get_metric_data),
    ("GetMetricStatistics", statistics::get_metric_statistics),
    ("ListMetrics", list::list_metrics),
    ("ListTagsForResource", tags::list_tags_for_resource),
    ("PutMetricData", put::put_metric_data),
];

/// Every operation of the model with the code it answers while unbuilt, sorted.
const MODEL_OPERATIONS: &[(&str, &str)] = &[
    ("DeleteAlarmMuteRule", "InvalidParameterValue"),
    ("DeleteAlarms", "ResourceNotFound"),
    ("DeleteAnomalyDetector", "InvalidParameterValue"),
    ("DeleteDashboards", "InvalidParameterValue"),
    ("DeleteInsightRules", "InvalidParameterValue"),
    ("DeleteMetricStream", "InvalidParameterValue"),
    ("DescribeAlarmContributors", "InvalidNextToken"),
    ("DescribeAlarmHistory", "InvalidNextToken"),
    ("DescribeAlarms", "InvalidNextToken"),
    ("DescribeAlarmsForMetric", "InvalidParameterValue"),
    ("DescribeAnomalyDetectors", "InvalidParameterValue"),
    ("DescribeInsightRules", "InvalidNextToken"),
    ("DisableAlarmActions", "InvalidParameterValue"),
    ("DisableInsightRules", "InvalidParameterValue"),
    ("EnableAlarmActions", "InvalidParameterValue"),
    ("EnableInsightRules", "InvalidParameterValue"),
    ("GetAlarmMuteRule", "ResourceNotFoundException"),
    ("GetDashboard", "InvalidParameterValue"),
    ("GetInsightRuleReport", "InvalidParameterValue"),
    ("GetMetricData", "InvalidNextToken"),
    ("GetMetricStatistics", "InvalidParameterValue"),
    ("GetMetricStream", "InvalidParameterValue"),
    ("GetMetricWidgetImage", "InvalidParameterValue"),
    ("GetOTelEnrichment", "InvalidParameterValue"),
    ("ListAlarmMuteRules", "InvalidNextToken"),
    ("ListDashboards", "InvalidParameterValue"),
    ("ListManagedInsightRules", "InvalidParameterValue"),
    ("ListMetricStreams", "InvalidParameterValue"),
    ("ListMetrics", "InvalidParameterValue"),
    ("ListTagsForResource", "InvalidParameterValue"),
    ("PutAlarmMuteRule", "LimitExceeded"),
    ("PutAnomalyDetector", "InvalidParameterValue"),
    ("PutCompositeAlarm", "LimitExceeded"),
    ("PutDashboard", "InvalidParameterValue"),
    ("PutInsightRule", "InvalidParameterValue"),
    ("PutManagedInsightRules", "InvalidParameterValue"),
    ("PutMetricAlarm", "LimitExceeded"),
    ("PutMetricData", "InvalidParameterValue"),
    ("PutMetricStream", "InvalidParameterValue"),
    ("SetAlarmState", "ResourceNotFound"),
    ("StartMetricStreams", "InvalidParameterValue"),
    ("StartOTelEnrichment", "InvalidParameterValue"),
    ("StopMetricStreams", "InvalidParameterValue"),
    ("StopOTelEnrichment", "InvalidParameterValue"),
    ("TagResource", "InvalidParameterValue"),
    ("UntagResource", "InvalidParameterValue"),
];

/// How far local-ecs supports an operation of the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Support {
    Implemented,
    /// Routed; answers a modelled error until its behaviour is built.
    Planned(&'static str),
}

impl Support {
    pub fn describe(self) -> String {
        match self {
            Support::Implemented => "supported".into(),
            Support::Planned(code) => format!("routed; answers {code} (not built yet)"),
        }
    }
}

/// Every operation of the model with its support, sorted by name.
pub fn operation_support() -> Vec<(&'static str, Support)> {
    MODEL_OPERATIONS
        .iter()
        .map(|(op, code)| {
            let support = if handler(op).is_some() {
                Support::Implemented
            } else {
                Support::Planned(code)
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
pub fn unsupported(operation: &str) -> CwError {
    match MODEL_OPERATIONS.iter().find(|(name, _)| *name == operation) {
        Some((op, code)) => CwError::Unbuilt(code, format!("local-ecs does not support {op} yet.")),
        None => CwError::UnknownOperation(format!("Unknown operation {operation}.")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_handler_is_an_operation_of_the_model() {
        for (name, _) in OPERATIONS {
            assert!(MODEL_OPERATIONS.iter().any(|(op, _)| op == name), "{name}");
        }
        let names: Vec<_> = MODEL_OPERATIONS.iter().map(|(op, _)| *op).collect();
        let mut sorted = names.clone();
        sorted.sort();
        assert_eq!(sorted, names);
        assert_eq!(unsupported("PutDashboard").code(), "InvalidParameterValue");
        assert_eq!(unsupported("Nope").code(), "InvalidAction");
    }
}
