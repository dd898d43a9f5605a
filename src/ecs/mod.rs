//! Amazon ECS (API version 2014-11-13, AWS JSON 1.1):
//! <https://docs.aws.amazon.com/AmazonECS/latest/APIReference/Welcome.html>.
//!
//! Every operation of the current ECS model is routed. Requests are validated against the model
//! (required members, types, enums, ranges) before an operation function sees them. Operations
//! whose behaviour arrives with later work (tasks, services, container instances, daemons...)
//! answer a modelled error naming what is missing, never an unknown-operation error.

pub mod agent;
pub mod api;
pub mod dispatch;
pub mod error;
pub mod rules;
pub mod scheduler;
pub mod state;

use crate::core::context::RequestContext;
use crate::model::ServiceModel;
use crate::runtime::SharedRuntime;
use agent::TaskController;
use dispatch::{handler, planned};
pub use dispatch::{operation_support, Support};
pub use error::{EcsError, EcsResult};
use serde_json::{Map, Value};
use state::refs::{ServiceRef, TaskRef};
use state::Store;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

/// The ECS service: its state for every account and region, and the task controller that acts
/// on it.
pub struct Ecs {
    store: Arc<Store>,
    wakes: mpsc::UnboundedSender<TaskRef>,
    service_wakes: mpsc::UnboundedSender<ServiceRef>,
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
        scheduler::controller::spawn(store.clone(), service_rx, wakes.clone());
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
            let service = ServiceRef {
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
        state::types::strip_nulls(&mut output);
        Ok(output)
    }
}

/// Deserializes validated input into an operation's request struct.
pub fn parse<T: serde::de::DeserializeOwned>(input: Map<String, Value>) -> EcsResult<T> {
    serde_json::from_value(Value::Object(input)).map_err(|e| EcsError::Serialization(e.to_string()))
}
