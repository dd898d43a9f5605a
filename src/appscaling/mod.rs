//! Application Auto Scaling (API version 2016-02-06, AWS JSON 1.1, target prefix
//! `AnyScaleFrontendService`, signing name `application-autoscaling`):
//! <https://docs.aws.amazon.com/autoscaling/application/APIReference/Welcome.html>.
//!
//! All 14 operations. Only ECS services are scalable (namespace `ecs`, dimension
//! `ecs:service:DesiredCount`, resource `service/<cluster>/<service>`); other namespaces are
//! answered as for a resource that does not exist. Target-tracking policies create their
//! AlarmHigh and AlarmLow alarms in CloudWatch; step-scaling policies are invoked by the
//! caller's alarms. CloudWatch's alarm actions arrive as facts ([`controller`]), and desired
//! counts go to ECS as facts, so ECS's scheduler starts and stops real tasks. Scheduled actions
//! fire on the house clock.
//!
//! Missing: predictive scaling (PutScalingPolicy refuses it; GetPredictiveScalingForecast
//! answers that no such policy exists) and target tracking's metric-math evaluation beyond what
//! CloudWatch alarms do.
//!
//! The rooms: `api/` (handlers, which change state and queue desired counts) → `state/`;
//! `controller` (alarm actions, scheduled actions) → `scale` → `capacity`/`schedule` (pure);
//! `facade` for ECS's express gateway services.

pub mod api;
pub mod capacity;
pub mod controller;
pub mod dispatch;
pub mod error;
mod facade;
#[cfg(test)]
mod persist_tests;
pub mod scale;
pub mod schedule;
pub mod state;

use crate::core::bus::Bus;
use crate::core::clock::Clock;
use crate::core::context::RequestContext;
use crate::core::scaling::{Alarms, ScalingPolicies, Services};
use crate::core::shutdown::Loops;
use crate::wire::Reply;
pub use api::Env;
pub use dispatch::{operation_support, Support};
pub use error::{AasError, AasResult};
use serde_json::{Map, Value};
use state::Store;
use std::sync::Arc;

/// What Application Auto Scaling takes from the App.
pub struct AppScalingSetup {
    pub clock: Clock,
    pub bus: Bus,
    pub services: Arc<dyn Services>,
    pub alarms: Option<Arc<dyn Alarms>>,
}

/// The Application Auto Scaling service: its state and its controller.
pub struct AppScaling {
    store: Arc<Store>,
    env: Env,
    bus: Bus,
    loops: Loops,
}

impl AppScaling {
    /// Builds the service and starts its controller (needs a Tokio runtime).
    pub fn new(setup: AppScalingSetup) -> Self {
        let store = Arc::new(Store::new(setup.clock));
        let env = Env {
            services: setup.services,
            alarms: setup.alarms,
        };
        let loops = Loops::new("application auto scaling");
        controller::spawn(store.clone(), env.clone(), setup.bus.clone(), &loops);
        AppScaling {
            store,
            env,
            bus: setup.bus,
            loops,
        }
    }

    /// Runs `operation` on the caller's region; desired counts it queued go to ECS afterwards.
    pub fn dispatch(
        &self,
        ctx: &RequestContext,
        operation: &str,
        input: Map<String, Value>,
    ) -> AasResult<Reply> {
        let handler = dispatch::handler(operation).ok_or_else(|| dispatch::unknown(operation))?;
        let (result, out) = self.store.with(&ctx.account, &ctx.region, |st| {
            let result = handler(st, &self.env, input);
            (result, std::mem::take(&mut st.outbox))
        });
        controller::publish(&self.bus, out);
        result
    }

    /// The facade ECS's express gateway services scale through.
    pub fn scaling_policies(&self) -> Arc<dyn ScalingPolicies> {
        Arc::new(facade::Policies::new(
            self.store.clone(),
            self.env.clone(),
            self.bus.clone(),
        ))
    }

    /// Drops every target, policy, scheduled action and activity.
    pub fn reset(&self) {
        self.store.clear();
    }

    /// Stops the controller.
    pub async fn shutdown(&self) {
        self.loops.stop().await;
    }
}

impl AppScaling {
    /// Its state in the state dir (`--state-dir`); `None` while it is kept in memory only.
    pub fn durable(&self) -> Option<std::sync::Arc<dyn crate::core::persist::Durable>> {
        Some(self.store.clone())
    }
}
