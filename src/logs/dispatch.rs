//! The CloudWatch Logs dispatch table: every implemented operation and its function, and every
//! operation of the service model (botocore `logs/2014-03-28`) with the modelled error it
//! answers while unbuilt, so that the README lists what is missing.

use super::api::{events, filter, groups, read, streams, tags, Handler};
use super::LogsError;

const OPERATIONS: &[(&str, Handler)] = &[
    ("CreateLogGroup", groups::create_log_group),
    ("DescribeLogGroups", groups::describe_log_groups),
    ("DeleteLogGroup", groups::delete_log_group),
    ("PutRetentionPolicy", groups::put_retention_policy),
    ("DeleteRetentionPolicy", groups::delete_retention_policy),
    ("CreateLogStream", streams::create_log_stream),
    ("DescribeLogStreams", streams::describe_log_streams),
    ("DeleteLogStream", streams::delete_log_stream),
    ("PutLogEvents", events::put_log_events),
    ("GetLogEvents", read::get_log_events),
    ("FilterLogEvents", filter::filter_log_events),
    ("TagResource", tags::tag_resource),
    ("UntagResource", tags::untag_resource),
    ("ListTagsForResource", tags::list_tags_for_resource),
    ("TagLogGroup", tags::tag_log_group),
    ("UntagLogGroup", tags::untag_log_group),
    ("ListTagsLogGroup", tags::list_tags_log_group),
];

/// Which modelled error an unbuilt operation answers: the first of InvalidOperationException,
/// InvalidParameterException, ValidationException, ResourceNotFoundException in its error list.
#[derive(Debug, Clone, Copy)]
enum Unbuilt {
    InvalidOperation,
    InvalidParameter,
    Validation,
    NotFound,
}
use Unbuilt::*;

/// Every operation of the model (facts from botocore's service model), sorted.
const MODEL_OPERATIONS: &[(&str, Unbuilt)] = &[
    ("AssociateKmsKey", InvalidParameter),
    ("AssociateSourceToS3TableIntegration", Validation),
    ("CancelExportTask", InvalidOperation),
    ("CancelImportTask", InvalidOperation),
    ("CreateDelivery", Validation),
    ("CreateExportTask", InvalidParameter),
    ("CreateImportTask", InvalidOperation),
    ("CreateLogAnomalyDetector", InvalidParameter),
    ("CreateLogGroup", InvalidParameter),
    ("CreateLogStream", InvalidParameter),
    ("CreateLookupTable", InvalidParameter),
    ("CreateScheduledQuery", Validation),
    ("DeleteAccountPolicy", InvalidParameter),
    ("DeleteDataProtectionPolicy", InvalidParameter),
    ("DeleteDelivery", Validation),
    ("DeleteDeliveryDestination", Validation),
    ("DeleteDeliveryDestinationPolicy", Validation),
    ("DeleteDeliverySource", Validation),
    ("DeleteDestination", InvalidParameter),
    ("DeleteIndexPolicy", InvalidParameter),
    ("DeleteIntegration", InvalidParameter),
    ("DeleteLogAnomalyDetector", InvalidParameter),
    ("DeleteLogGroup", InvalidParameter),
    ("DeleteLogStream", InvalidParameter),
    ("DeleteLookupTable", InvalidParameter),
    ("DeleteMetricFilter", InvalidParameter),
    ("DeleteQueryDefinition", InvalidParameter),
    ("DeleteResourcePolicy", InvalidParameter),
    ("DeleteRetentionPolicy", InvalidParameter),
    ("DeleteScheduledQuery", Validation),
    ("DeleteSubscriptionFilter", InvalidParameter),
    ("DeleteTransformer", InvalidOperation),
    ("DescribeAccountPolicies", InvalidParameter),
    ("DescribeConfigurationTemplates", Validation),
    ("DescribeDeliveries", Validation),
    ("DescribeDeliveryDestinations", Validation),
    ("DescribeDeliverySources", Validation),
    ("DescribeDestinations", InvalidParameter),
    ("DescribeExportTasks", InvalidParameter),
    ("DescribeFieldIndexes", InvalidParameter),
    ("DescribeImportTaskBatches", InvalidOperation),
    ("DescribeImportTasks", InvalidOperation),
    ("DescribeIndexPolicies", InvalidParameter),
    ("DescribeLogGroups", InvalidParameter),
    ("DescribeLogStreams", InvalidParameter),
    ("DescribeLookupTables", InvalidParameter),
    ("DescribeMetricFilters", InvalidParameter),
    ("DescribeQueries", InvalidParameter),
    ("DescribeQueryDefinitions", InvalidParameter),
    ("DescribeResourcePolicies", InvalidParameter),
    ("DescribeSubscriptionFilters", InvalidParameter),
    ("DisassociateKmsKey", InvalidParameter),
    ("DisassociateSourceFromS3TableIntegration", Validation),
    ("FilterLogEvents", InvalidParameter),
    ("GetDataProtectionPolicy", InvalidParameter),
    ("GetDelivery", Validation),
    ("GetDeliveryDestination", Validation),
    ("GetDeliveryDestinationPolicy", Validation),
    ("GetDeliverySource", Validation),
    ("GetIntegration", InvalidParameter),
    ("GetLogAnomalyDetector", InvalidParameter),
    ("GetLogEvents", InvalidParameter),
    ("GetLogFields", InvalidParameter),
    ("GetLogGroupFields", InvalidParameter),
    ("GetLogObject", InvalidOperation),
    ("GetLogRecord", InvalidParameter),
    ("GetLookupTable", InvalidParameter),
    ("GetQueryResults", InvalidParameter),
    ("GetScheduledQuery", Validation),
    ("GetScheduledQueryHistory", Validation),
    ("GetTransformer", InvalidOperation),
    ("ListAggregateLogGroupSummaries", InvalidParameter),
    ("ListAnomalies", InvalidParameter),
    ("ListIntegrations", InvalidParameter),
    ("ListLogAnomalyDetectors", InvalidParameter),
    ("ListLogGroups", InvalidParameter),
    ("ListLogGroupsForQuery", InvalidParameter),
    ("ListScheduledQueries", Validation),
    ("ListSourcesForS3TableIntegration", Validation),
    ("ListTagsForResource", InvalidParameter),
    ("ListTagsLogGroup", NotFound),
    ("PutAccountPolicy", InvalidParameter),
    ("PutBearerTokenAuthentication", InvalidOperation),
    ("PutDataProtectionPolicy", InvalidParameter),
    ("PutDeliveryDestination", Validation),
    ("PutDeliveryDestinationPolicy", Validation),
    ("PutDeliverySource", Validation),
    ("PutDestination", InvalidParameter),
    ("PutDestinationPolicy", InvalidParameter),
    ("PutIndexPolicy", InvalidParameter),
    ("PutIntegration", InvalidParameter),
    ("PutLogEvents", InvalidParameter),
    ("PutLogGroupDeletionProtection", InvalidOperation),
    ("PutMetricFilter", InvalidOperation),
    ("PutQueryDefinition", InvalidParameter),
    ("PutResourcePolicy", InvalidParameter),
    ("PutRetentionPolicy", InvalidParameter),
    ("PutSubscriptionFilter", InvalidOperation),
    ("PutTransformer", InvalidOperation),
    ("StartLiveTail", InvalidOperation),
    ("StartQuery", InvalidParameter),
    ("StopQuery", InvalidParameter),
    ("TagLogGroup", InvalidParameter),
    ("TagResource", InvalidParameter),
    ("TestMetricFilter", InvalidParameter),
    ("TestTransformer", InvalidOperation),
    ("UntagLogGroup", NotFound),
    ("UntagResource", InvalidParameter),
    ("UpdateAnomaly", InvalidParameter),
    ("UpdateDeliveryConfiguration", Validation),
    ("UpdateLogAnomalyDetector", InvalidParameter),
    ("UpdateLookupTable", InvalidParameter),
    ("UpdateScheduledQuery", Validation),
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
        .map(|(op, unbuilt)| {
            let support = if handler(op).is_some() {
                Support::Implemented
            } else {
                Support::Planned(error_for(op, *unbuilt).code())
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
pub fn unsupported(operation: &str) -> LogsError {
    match MODEL_OPERATIONS.iter().find(|(name, _)| *name == operation) {
        Some((op, unbuilt)) => error_for(op, *unbuilt),
        None => LogsError::UnknownOperation(format!("Unknown operation {operation}.")),
    }
}

fn error_for(operation: &str, unbuilt: Unbuilt) -> LogsError {
    let message = format!("local-ecs does not support {operation} yet.");
    match unbuilt {
        InvalidOperation => LogsError::InvalidOperation(message),
        InvalidParameter => LogsError::InvalidParameter(message),
        Validation => LogsError::Validation(message),
        NotFound => LogsError::ResourceNotFound(message),
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
        assert_eq!(
            unsupported("StartQuery").code(),
            "InvalidParameterException"
        );
        assert_eq!(
            unsupported("CancelExportTask").code(),
            "InvalidOperationException"
        );
        assert_eq!(unsupported("Nope").code(), "UnknownOperationException");
    }
}
