//! The ECS dispatch table: every implemented operation of the model and its function, and the
//! modelled error an operation that is routed but not built yet answers.

use crate::core::context::RequestContext;
use crate::ecs::api::{
    account_settings, agent, attributes, capacity_providers, clusters, container_instances,
    daemons, express, protection, service_deployments, services, tags, task_definitions, task_sets,
    tasks,
};
use crate::ecs::state::RegionState;
use crate::ecs::EcsError;
use crate::ecs::EcsResult;
use crate::model::ServiceModel;
use crate::wire::Reply;
use serde_json::{Map, Value};

/// An operation: region state, the caller, the validated input.
pub type Handler = fn(&mut RegionState, &RequestContext, Map<String, Value>) -> EcsResult<Reply>;

/// The dispatch table: every implemented operation and its function.
const OPERATIONS: &[(&str, Handler)] = &[
    ("GetTaskProtection", protection::get_task_protection),
    ("UpdateTaskProtection", protection::update_task_protection),
    ("CreateCluster", clusters::create_cluster),
    ("DescribeClusters", clusters::describe_clusters),
    ("ListClusters", clusters::list_clusters),
    ("DeleteCluster", clusters::delete_cluster),
    ("UpdateCluster", clusters::update_cluster),
    ("UpdateClusterSettings", clusters::update_cluster_settings),
    (
        "PutClusterCapacityProviders",
        clusters::put_cluster_capacity_providers,
    ),
    (
        "CreateCapacityProvider",
        capacity_providers::create_capacity_provider,
    ),
    (
        "DescribeCapacityProviders",
        capacity_providers::describe_capacity_providers,
    ),
    (
        "UpdateCapacityProvider",
        capacity_providers::update_capacity_provider,
    ),
    (
        "DeleteCapacityProvider",
        capacity_providers::delete_capacity_provider,
    ),
    (
        "RegisterTaskDefinition",
        task_definitions::register_task_definition,
    ),
    (
        "DescribeTaskDefinition",
        task_definitions::describe_task_definition,
    ),
    (
        "ListTaskDefinitions",
        task_definitions::list_task_definitions,
    ),
    (
        "ListTaskDefinitionFamilies",
        task_definitions::list_task_definition_families,
    ),
    (
        "DeregisterTaskDefinition",
        task_definitions::deregister_task_definition,
    ),
    (
        "DeleteTaskDefinitions",
        task_definitions::delete_task_definitions,
    ),
    (
        "CreateExpressGatewayService",
        express::create_express_gateway_service,
    ),
    (
        "UpdateExpressGatewayService",
        express::update_express_gateway_service,
    ),
    (
        "DeleteExpressGatewayService",
        express::delete_express_gateway_service,
    ),
    (
        "DescribeExpressGatewayService",
        express::describe_express_gateway_service,
    ),
    ("CreateService", services::create_service),
    ("UpdateService", services::update_service),
    ("DeleteService", services::delete_service),
    ("DescribeServices", services::describe_services),
    ("ListServices", services::list_services),
    ("CreateTaskSet", task_sets::create_task_set),
    ("UpdateTaskSet", task_sets::update_task_set),
    ("DeleteTaskSet", task_sets::delete_task_set),
    ("DescribeTaskSets", task_sets::describe_task_sets),
    (
        "UpdateServicePrimaryTaskSet",
        task_sets::update_service_primary_task_set,
    ),
    (
        "ListServicesByNamespace",
        services::list_services_by_namespace,
    ),
    ("RunTask", tasks::run_task),
    ("StartTask", tasks::start_task),
    ("StopTask", tasks::stop_task),
    ("DescribeTasks", tasks::describe_tasks),
    ("ListTasks", tasks::list_tasks),
    ("TagResource", tags::tag_resource),
    ("UntagResource", tags::untag_resource),
    ("ListTagsForResource", tags::list_tags_for_resource),
    ("PutAccountSetting", account_settings::put_account_setting),
    (
        "PutAccountSettingDefault",
        account_settings::put_account_setting_default,
    ),
    (
        "ListAccountSettings",
        account_settings::list_account_settings,
    ),
    (
        "DeleteAccountSetting",
        account_settings::delete_account_setting,
    ),
    (
        "RegisterContainerInstance",
        container_instances::register_container_instance,
    ),
    (
        "DescribeContainerInstances",
        container_instances::describe_container_instances,
    ),
    (
        "ListContainerInstances",
        container_instances::list_container_instances,
    ),
    (
        "DeregisterContainerInstance",
        container_instances::deregister_container_instance,
    ),
    (
        "UpdateContainerInstancesState",
        container_instances::update_container_instances_state,
    ),
    ("PutAttributes", attributes::put_attributes),
    ("ListAttributes", attributes::list_attributes),
    ("DeleteAttributes", attributes::delete_attributes),
    (
        "ListServiceDeployments",
        service_deployments::list_service_deployments,
    ),
    (
        "DescribeServiceDeployments",
        service_deployments::describe_service_deployments,
    ),
    (
        "DescribeServiceRevisions",
        service_deployments::describe_service_revisions,
    ),
    (
        "StopServiceDeployment",
        service_deployments::stop_service_deployment,
    ),
    (
        "ContinueServiceDeployment",
        service_deployments::continue_service_deployment,
    ),
    ("SubmitTaskStateChange", agent::submit_task_state_change),
    (
        "SubmitContainerStateChange",
        agent::submit_container_state_change,
    ),
    (
        "SubmitAttachmentStateChanges",
        agent::submit_attachment_state_changes,
    ),
    ("UpdateContainerAgent", agent::update_container_agent),
    ("DiscoverPollEndpoint", agent::discover_poll_endpoint),
    (
        "RegisterDaemonTaskDefinition",
        daemons::register_daemon_task_definition,
    ),
    (
        "DescribeDaemonTaskDefinition",
        daemons::describe_daemon_task_definition,
    ),
    (
        "ListDaemonTaskDefinitions",
        daemons::list_daemon_task_definitions,
    ),
    (
        "DeleteDaemonTaskDefinition",
        daemons::delete_daemon_task_definition,
    ),
    ("CreateDaemon", daemons::create_daemon),
    ("UpdateDaemon", daemons::update_daemon),
    ("DeleteDaemon", daemons::delete_daemon),
    ("DescribeDaemon", daemons::describe_daemon),
    ("ListDaemons", daemons::list_daemons),
    (
        "DescribeDaemonDeployments",
        daemons::describe_daemon_deployments,
    ),
    ("ListDaemonDeployments", daemons::list_daemon_deployments),
    (
        "DescribeDaemonRevisions",
        daemons::describe_daemon_revisions,
    ),
];

/// How far local-ecs supports an operation of the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Support {
    Implemented,
    /// Routed and validated; answers a modelled error until its behaviour is built.
    Planned,
}

impl Support {
    pub fn describe(self) -> &'static str {
        match self {
            Support::Implemented => "supported",
            Support::Planned => "routed and validated; answers a modelled error (not built yet)",
        }
    }
}

/// Every operation of the model with its support, sorted by name.
pub fn operation_support() -> Vec<(&'static str, Support)> {
    ServiceModel::ecs()
        .operation_names()
        .map(|op| {
            let support = if handler(op).is_some() {
                Support::Implemented
            } else {
                Support::Planned
            };
            (op, support)
        })
        .collect()
}

pub fn handler(operation: &str) -> Option<Handler> {
    OPERATIONS
        .iter()
        .find(|(name, _)| *name == operation)
        .map(|(_, h)| *h)
}

/// The modelled error a routed but unbuilt operation answers: UnsupportedFeatureException where
/// the model lists it for the operation, else ClientException.
pub fn planned(model: &ServiceModel, operation: &str) -> EcsError {
    let message = format!("local-ecs does not support {operation} yet.");
    if model
        .operation_errors(operation)
        .contains(&"UnsupportedFeatureException")
    {
        EcsError::UnsupportedFeature(message)
    } else {
        EcsError::Client(message)
    }
}
