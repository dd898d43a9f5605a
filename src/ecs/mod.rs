//! Amazon ECS (API version 2014-11-13, AWS JSON 1.1):
//! <https://docs.aws.amazon.com/AmazonECS/latest/APIReference/Welcome.html>.
//!
//! Every operation of the current ECS model is routed. Requests are validated against the model
//! (required members, types, enums, ranges) before an operation function sees them. Operations
//! whose behaviour arrives with later work (tasks, services, container instances, daemons...)
//! answer a modelled error naming what is missing, never an unknown-operation error.

pub mod account_settings;
pub mod agent_api;
pub mod attributes;
pub mod capacity_providers;
pub mod cluster_view;
pub mod clusters;
pub mod container_instances;
pub mod controller;
pub mod error;
pub mod ids;
pub mod instance_filter;
pub mod pagination;
pub mod placement;
pub mod service_deployments;
pub mod service_scheduler;
pub mod service_types;
pub mod services;
pub mod state;
pub mod tags;
pub mod task_definition_rules;
pub mod task_definitions;
pub mod task_launch;
pub mod task_sets;
pub mod task_types;
pub mod tasks;
pub mod types;

use crate::edge::RequestContext;
use crate::model::ServiceModel;
use crate::runtime::SharedRuntime;
use controller::{TaskController, TaskRef};
pub use error::{EcsError, EcsResult};
use serde_json::{Map, Value};
use state::{RegionState, Store};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

/// An operation: region state, the caller, the validated input.
type Handler = fn(&mut RegionState, &RequestContext, Map<String, Value>) -> EcsResult<Value>;

/// The dispatch table: every implemented operation and its function.
const OPERATIONS: &[(&str, Handler)] = &[
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
    ("DiscoverPollEndpoint", agent_api::discover_poll_endpoint),
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

fn handler(operation: &str) -> Option<Handler> {
    OPERATIONS
        .iter()
        .find(|(name, _)| *name == operation)
        .map(|(_, h)| *h)
}

/// The ECS service: its state for every account and region, and the task controller that acts
/// on it.
pub struct Ecs {
    store: Arc<Store>,
    wakes: mpsc::UnboundedSender<TaskRef>,
    service_wakes: mpsc::UnboundedSender<controller::services::ServiceRef>,
    controller: TaskController,
}

impl Ecs {
    /// Builds the service and starts its controllers on `runtime` (needs a Tokio runtime).
    /// `owner` labels every container it creates; stopped tasks are kept for `retention`.
    pub fn new(runtime: SharedRuntime, owner: String, retention: Duration) -> Self {
        let store = Arc::new(Store::default());
        let (wakes, rx) = mpsc::unbounded_channel();
        let (service_wakes, service_rx) = mpsc::unbounded_channel();
        let controller = TaskController::spawn(
            store.clone(),
            runtime,
            owner,
            retention,
            rx,
            service_wakes.clone(),
        );
        controller::services::spawn(store.clone(), service_rx, wakes.clone());
        Ecs {
            store,
            wakes,
            service_wakes,
            controller,
        }
    }

    pub fn controller(&self) -> &TaskController {
        &self.controller
    }

    /// Drops all state and removes every container this server created.
    pub async fn reset(&self) {
        self.store.clear();
        self.controller.remove_owned_containers().await;
    }

    /// Validates `input` against the model and runs the operation.
    pub fn dispatch(
        &self,
        ctx: &RequestContext,
        operation: &str,
        input: Map<String, Value>,
    ) -> EcsResult<Value> {
        let model = ServiceModel::ecs();
        if !model.has_operation(operation) {
            return Err(EcsError::UnknownOperation(format!(
                "Unknown operation {operation}."
            )));
        }
        model.validate_input(operation, &input)?;
        let Some(handler) = handler(operation) else {
            return Err(planned(model, operation));
        };
        let (result, queued, services) = self.store.with_region(ctx, |state| {
            let result = handler(state, ctx, input);
            let queued = std::mem::take(&mut state.outbox);
            (result, queued, std::mem::take(&mut state.service_outbox))
        });
        for service_arn in services {
            let service = controller::services::ServiceRef {
                account: ctx.account.clone(),
                region: ctx.region.clone(),
                service_arn,
            };
            let _ = self.service_wakes.send(service);
        }
        for task_arn in queued {
            let task = TaskRef {
                account: ctx.account.clone(),
                region: ctx.region.clone(),
                task_arn,
            };
            let _ = self.wakes.send(task);
        }
        let mut output = result?;
        types::strip_nulls(&mut output);
        Ok(output)
    }
}

/// The modelled error a routed but unbuilt operation answers: UnsupportedFeatureException where
/// the model lists it for the operation, else ClientException.
fn planned(model: &ServiceModel, operation: &str) -> EcsError {
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

/// Deserializes validated input into an operation's request struct.
pub fn parse<T: serde::de::DeserializeOwned>(input: Map<String, Value>) -> EcsResult<T> {
    serde_json::from_value(Value::Object(input)).map_err(|e| EcsError::Serialization(e.to_string()))
}
