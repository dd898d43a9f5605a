//! Amazon EC2 Auto Scaling (API version 2011-01-01, AWS Query):
//! <https://docs.aws.amazon.com/autoscaling/ec2/APIReference/Welcome.html>.
//!
//! Groups launch instances from EC2 launch templates through the [`Instances`] facade and keep
//! as many InService and Pending members as their desired capacity: scaling out across zones,
//! scaling in by a simplified default termination policy that never takes an instance protected
//! from scale-in, replacing instances stopped or terminated outside the group, and recording
//! scaling activities with AWS's descriptions and causes. ECS reads groups through
//! [`AutoScaling::groups`] and drives them with `ScaleGroup` and `ProtectInstances` facts.
//!
//! Missing: launch configurations, scaling policies and scheduled actions, lifecycle hooks,
//! warm pools, instance refresh, standby, attach/detach, load balancer registration, health
//! checks other than EC2 state, cooldowns, notifications and metrics collection. Those
//! operations answer `InvalidAction`.
//!
//! The rooms: `api/` (handlers, which change state only) → `state/`; `controller/` (the pass
//! that launches and terminates) → `state/`. [`AutoScaling::dispatch`] wakes the controller
//! after the region's lock is released.

pub mod api;
pub mod controller;
pub mod dispatch;
pub mod error;
mod facade;
#[cfg(test)]
mod persist_tests;
pub mod render;
pub mod state;

use crate::core::bus::Bus;
use crate::core::clock::Clock;
use crate::core::context::RequestContext;
use crate::core::fleet::{Groups, Instances, Networks, View};
use crate::core::shutdown::Loops;
use crate::wire::input::Input;
pub use dispatch::{operation_support, Support};
pub use error::{AsgError, AsgResult};
use serde_json::{Map, Value};
use state::Store;
use std::sync::Arc;
use tokio::sync::Notify;

/// The service's XML namespace, on every answer.
pub const XMLNS: &str = "http://autoscaling.amazonaws.com/doc/2011-01-01/";

/// What Auto Scaling takes from the App.
pub struct AutoScalingSetup {
    pub clock: Clock,
    pub bus: Bus,
    /// EC2's instances (launch, terminate, describe, templates); empty without EC2.
    pub instances: View<dyn Instances>,
    /// EC2's subnets (a group's zones); empty without EC2.
    pub networks: View<dyn Networks>,
}

/// The Auto Scaling service: its state for every account and region and its group controller.
pub struct AutoScaling {
    store: Arc<Store>,
    instances: View<dyn Instances>,
    networks: View<dyn Networks>,
    wake: Arc<Notify>,
    loops: Loops,
}

impl AutoScaling {
    /// Builds the service and starts its controller (needs a Tokio runtime).
    pub fn new(setup: AutoScalingSetup) -> Self {
        let store = Arc::new(Store::new(setup.clock.clone()));
        let wake = Arc::new(Notify::new());
        let loops = Loops::new("auto scaling groups");
        let controller = controller::Controller {
            store: store.clone(),
            instances: setup.instances.clone(),
        };
        controller::spawn(
            controller,
            setup.clock,
            wake.clone(),
            setup.bus.subscribe(),
            &loops,
        );
        AutoScaling {
            store,
            instances: setup.instances,
            networks: setup.networks,
            wake,
            loops,
        }
    }

    /// Runs `operation` on the caller's region with the decoded Query input; the XML of the
    /// operation's `Result` element (`None` for operations without output).
    pub fn dispatch(
        &self,
        ctx: &RequestContext,
        operation: &str,
        input: Map<String, Value>,
    ) -> AsgResult<Option<String>> {
        let Some(handler) = dispatch::handler(operation) else {
            return Err(dispatch::unsupported(operation));
        };
        let input = Input::new(input);
        let env = api::Env::new(ctx, &self.instances, &self.networks);
        let result = self
            .store
            .with(&ctx.account, &ctx.region, |st| handler(st, &env, &input));
        if result.is_ok() && !dispatch::is_read_only(operation) {
            self.wake.notify_one();
        }
        result
    }

    /// Groups as ECS reads them (capacity providers).
    pub fn groups(&self) -> Arc<dyn Groups> {
        Arc::new(facade::GroupsView::new(self.store.clone()))
    }

    /// Drops every group and activity (EC2's reset removes the instances).
    pub fn reset(&self) {
        self.store.clear();
    }

    /// Stops the group controller (nothing is launched or terminated afterwards).
    pub async fn shutdown(&self) {
        self.loops.stop().await;
    }
}

impl AutoScaling {
    /// Its state in the state dir (`--state-dir`): a record per account and region. Restored
    /// groups keep their members, so the controller's first pass after a start finds them at
    /// their desired capacity (EC2, restored first, still knows their instances) and launches
    /// nothing.
    pub fn durable(&self) -> Option<Arc<dyn crate::core::persist::Durable>> {
        Some(self.store.clone())
    }
}
