//! Elastic Load Balancing v2 (API version 2015-12-01, AWS Query):
//! <https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/Welcome.html>.
//!
//! Application and network load balancers with a real data plane: every listener binds its port
//! on the listener address (`--listener-host`, default 127.0.0.1) and forwards HTTP/1.1 by its
//! rules, or TCP, to the healthy targets of its target groups; health checks really probe the
//! targets on the App's clock. ECS fills target groups through `Targets` facts and reads health
//! through [`Elbv2::target_groups`]; ELBv2 says when a target's health changes with
//! `TargetHealth` facts.
//!
//! Missing: HTTPS/TLS/UDP listeners (no TLS termination), certificates, trust stores,
//! authenticate actions, lambda and alb target types, gateway load balancers, SetSubnets,
//! SetSecurityGroups, SetIpAddressType, capacity reservations, listener attributes. Those
//! operations answer `InvalidAction`.
//!
//! The rooms: `api/` (handlers, which change state only) → `state/`; `serving` (bound sockets,
//! reconciled right after every change) → `dataplane/` (the proxy); `controller` (facts, health
//! checks, draining) → `health/`; `metrics` (CloudWatch, once a minute) ← `dataplane::meter`.
//! `persist`: the state dir's records, and listeners bound again at restore.

pub mod api;
pub mod controller;
pub mod dataplane;
pub mod dispatch;
pub mod error;
mod facade;
pub mod health;
mod ingress;
pub mod metrics;
mod persist;
#[cfg(test)]
mod persist_tests;
pub mod plans;
pub mod render;
pub mod serving;
pub mod state;

use crate::core::balancing::{Ingresses, TargetGroups};
use crate::core::bus::Bus;
use crate::core::clock::Clock;
use crate::core::context::RequestContext;
use crate::core::fleet::{Networks, View};
use crate::core::metrics::MetricSink;
use crate::core::shutdown::Loops;
use crate::wire::input::Input;
pub use dispatch::{operation_support, Support};
pub use error::{ElbError, ElbResult};
use serde_json::{Map, Value};
use serving::{ListenerStatus, Serving};
use state::Store;
use std::net::IpAddr;
use std::sync::Arc;

/// The service's XML namespace, on every answer.
pub const XMLNS: &str = "http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/";

/// One operation on a region's state. After a change the listeners are reconciled before the
/// answer goes out, so a new listener accepts and a deleted one refuses at once.
fn run(
    store: &Store,
    serving: &Serving,
    networks: &View<dyn Networks>,
    ctx: &RequestContext,
    operation: &str,
    input: Map<String, Value>,
) -> ElbResult<Option<String>> {
    let Some(handler) = dispatch::handler(operation) else {
        return Err(dispatch::unsupported(operation));
    };
    let input = Input::new(input);
    let env = api::Env::new(ctx, networks);
    let result = store.with(&ctx.account, &ctx.region, |st| handler(st, &env, &input));
    if result.is_ok() && !dispatch::is_read_only(operation) {
        serving.sync(store);
    }
    result
}

/// What ELBv2 takes from the App.
pub struct Elbv2Setup {
    pub clock: Clock,
    pub bus: Bus,
    /// EC2's subnets and security groups; empty without EC2.
    pub networks: View<dyn Networks>,
    /// The address listeners bind.
    pub listener_host: IpAddr,
    /// CloudWatch, where the `AWS/ApplicationELB` and `AWS/NetworkELB` metrics go; unwired
    /// without it.
    pub metrics: View<dyn MetricSink>,
}

pub struct Elbv2 {
    store: Arc<Store>,
    serving: Arc<Serving>,
    networks: View<dyn Networks>,
    loops: Loops,
}

impl Elbv2 {
    /// Builds the service and starts its controller (needs a Tokio runtime).
    pub fn new(setup: Elbv2Setup) -> Self {
        let store = Arc::new(Store::new(setup.clock.clone()));
        let serving = Arc::new(Serving::new(setup.listener_host));
        let loops = Loops::new("load balancers");
        let ctl = controller::Controller {
            store: store.clone(),
            serving: serving.clone(),
            bus: setup.bus.clone(),
            clock: setup.clock.clone(),
        };
        controller::spawn(ctl, setup.bus.subscribe(), &loops);
        let publisher = metrics::Publisher {
            store: store.clone(),
            meters: serving.meters.clone(),
            sink: setup.metrics,
            clock: setup.clock.clone(),
        };
        metrics::spawn(publisher, &loops);
        Elbv2 {
            store,
            serving,
            networks: setup.networks,
            loops,
        }
    }

    /// Runs `operation` on the caller's region with the decoded Query input; the XML of the
    /// operation's `Result` element.
    pub fn dispatch(
        &self,
        ctx: &RequestContext,
        operation: &str,
        input: Map<String, Value>,
    ) -> ElbResult<Option<String>> {
        run(
            &self.store,
            &self.serving,
            &self.networks,
            ctx,
            operation,
            input,
        )
    }

    /// Load balancers for ECS's express gateway services.
    pub fn ingresses(&self) -> Arc<dyn Ingresses> {
        Arc::new(ingress::IngressView {
            store: self.store.clone(),
            serving: self.serving.clone(),
            networks: self.networks.clone(),
        })
    }

    /// Target groups as ECS reads them.
    pub fn target_groups(&self) -> Arc<dyn TargetGroups> {
        Arc::new(facade::TargetGroupsView::new(self.store.clone()))
    }

    /// Every listener's socket (the health endpoint).
    pub fn listener_status(&self) -> Vec<ListenerStatus> {
        self.serving.status(&self.store)
    }

    /// Closes every listener and drops all state.
    pub fn reset(&self) {
        self.store.clear();
        self.serving.close_all();
    }

    /// Stops the controller and closes every listener.
    pub async fn shutdown(&self) {
        self.loops.stop().await;
        self.serving.close_all();
    }
}

impl Elbv2 {
    /// Its state in the state dir (`--state-dir`); `None` while it is kept in memory only.
    pub fn durable(&self) -> Option<std::sync::Arc<dyn crate::core::persist::Durable>> {
        Some(Arc::new(persist::Persisted {
            store: self.store.clone(),
            serving: self.serving.clone(),
        }))
    }
}
