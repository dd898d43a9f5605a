//! Amazon ECS (API version 2014-11-13, AWS JSON 1.1):
//! <https://docs.aws.amazon.com/AmazonECS/latest/APIReference/Welcome.html>.
//!
//! Every operation of the current ECS model is routed. Requests are validated against the model
//! (required members, types, enums, ranges) before an operation function sees them. Operations
//! whose behaviour arrives with later work (tasks, services, container instances, daemons...)
//! answer a modelled error naming what is missing, never an unknown-operation error.

pub mod account_settings;
pub mod attributes;
pub mod capacity_providers;
pub mod clusters;
pub mod error;
pub mod pagination;
pub mod state;
pub mod tags;
pub mod task_definitions;
pub mod types;

use crate::edge::RequestContext;
use crate::model::ServiceModel;
pub use error::{EcsError, EcsResult};
use serde_json::{Map, Value};
use state::{RegionState, Store};

/// An operation: region state, the caller, the validated input.
type Handler = fn(&mut RegionState, &RequestContext, Map<String, Value>) -> EcsResult<Value>;

/// The dispatch table: every implemented operation and its function.
const OPERATIONS: &[(&str, Handler)] = &[];

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
            Support::Planned => "routed; answers UnsupportedFeatureException for now",
        }
    }
}

/// Every operation of the model with its support, sorted by name.
pub fn operation_support() -> Vec<(&'static str, Support)> {
    ServiceModel::ecs()
        .operation_names()
        .map(|op| {
            let support = if handler(op).is_some() { Support::Implemented } else { Support::Planned };
            (op, support)
        })
        .collect()
}

fn handler(operation: &str) -> Option<Handler> {
    OPERATIONS.iter().find(|(name, _)| *name == operation).map(|(_, h)| *h)
}

/// The ECS service: its state for every account and region.
#[derive(Default)]
pub struct Ecs {
    store: Store,
}

impl Ecs {
    pub fn new() -> Self {
        Ecs::default()
    }

    pub fn reset(&self) {
        self.store.clear();
    }

    /// Validates `input` against the model and runs the operation.
    pub fn dispatch(&self, ctx: &RequestContext, operation: &str, input: Map<String, Value>) -> EcsResult<Value> {
        let model = ServiceModel::ecs();
        if !model.has_operation(operation) {
            return Err(EcsError::UnknownOperation(format!("Unknown operation {operation}.")));
        }
        model.validate_input(operation, &input)?;
        let Some(handler) = handler(operation) else {
            return Err(EcsError::UnsupportedFeature(format!(
                "local-ecs does not support {operation} yet."
            )));
        };
        self.store.with_region(ctx, |state| handler(state, ctx, input))
    }

    /// Runs `f` on a region's state (for tests and, later, controllers).
    pub fn with_region<R>(&self, ctx: &RequestContext, f: impl FnOnce(&mut RegionState) -> R) -> R {
        self.store.with_region(ctx, f)
    }
}

/// Deserializes validated input into an operation's request struct.
pub fn parse<T: serde::de::DeserializeOwned>(input: Map<String, Value>) -> EcsResult<T> {
    serde_json::from_value(Value::Object(input)).map_err(|e| EcsError::Serialization(e.to_string()))
}
