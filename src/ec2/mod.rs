//! Amazon EC2 (API version 2016-11-15, EC2 Query protocol):
//! <https://docs.aws.amazon.com/AWSEC2/latest/APIReference/Welcome.html>.
//!
//! Emulated: instances (run from parameters or a launch template, describe with filters and
//! pages, stop, start, terminate, status), instance types with their real vCPUs and memory,
//! launch templates and their versions, tags, the default VPC with a default subnet per zone,
//! VPCs, subnets, security groups with ingress rules, and availability zones. An instance is a
//! record that lives through EC2's states on the App's clock; no machine runs behind it. Its
//! changes are published as [`crate::core::bus::Fact::Instance`] so ECS and Auto Scaling can
//! react, and [`Ec2::networks`] / [`Ec2::instances`] are their read/act facades.
//!
//! Missing: every other operation of the model (answered `UnsupportedOperation`), AMIs as
//! resources (any well-formed `ami-` id runs), public addresses, EBS volumes and network
//! interfaces as resources, IPv6, egress rule changes, `UnknownParameter` checks (parameters
//! local-ecs does not read are ignored).
//!
//! The rooms: `api/` (handlers) → `launch` (what RunInstances does) → `state/` (stored shapes
//! and per-region state); `controller` settles lifecycle timers and publishes facts; `fleet`
//! holds the facades.

pub mod api;
pub mod cidr;
mod controller;
pub mod dispatch;
pub mod error;
pub mod filters;
pub mod fleet;
pub mod instance_types;
pub mod launch;
pub mod params;
#[cfg(test)]
pub(crate) mod persist_tests;
pub mod render;
pub mod state;

use crate::core::bus::Bus;
use crate::core::clock::Clock;
use crate::core::context::RequestContext;
use crate::core::fleet::{Instances, Networks};
use crate::core::shutdown::Loops;
pub use error::{Ec2Error, Ec2Result};
use fleet::Fleet;
use params::Params;
use serde_json::{Map, Value};
use state::Store;
use std::sync::Arc;

/// What EC2 takes from the App.
pub struct Ec2Setup {
    pub clock: Clock,
    pub bus: Bus,
}

/// The EC2 service: its state for every account and region, and its lifecycle controller.
pub struct Ec2 {
    fleet: Fleet,
    loops: Loops,
}

impl Ec2 {
    /// Builds the service and starts its controller (needs a Tokio runtime).
    pub fn new(setup: Ec2Setup) -> Self {
        let store = Arc::new(Store::new(setup.clock.clone()));
        let fleet = Fleet {
            store,
            bus: setup.bus,
        };
        let loops = Loops::new("ec2 lifecycle");
        controller::spawn(fleet.clone(), setup.clock, &loops);
        Ec2 { fleet, loops }
    }

    /// Runs one operation on the caller's region; the answer's body (EC2 XML, without the
    /// envelope). `input` is the request's parameters as
    /// [`crate::wire::query::to_document`] rebuilds them.
    pub fn dispatch(
        &self,
        ctx: &RequestContext,
        operation: &str,
        input: Map<String, Value>,
    ) -> Ec2Result<String> {
        if !dispatch::in_model(operation) {
            return Err(Ec2Error::InvalidAction(format!(
                "The action {operation} is not valid for this web service."
            )));
        }
        let Some(handler) = dispatch::handler(operation) else {
            return Err(Ec2Error::UnsupportedOperation(format!(
                "The operation {operation} is not supported by local-ecs yet."
            )));
        };
        let p = Params(&input);
        let dry_run = p.bool("DryRun")?.unwrap_or(false);
        self.fleet.with(&ctx.account, &ctx.region, |state| {
            if dry_run {
                // The whole request is checked on a copy, so a dry run answers exactly the
                // error the real call would, and changes nothing.
                let mut copy = state.clone();
                handler(&mut copy, ctx, p)?;
                return Err(Ec2Error::DryRunOperation);
            }
            handler(state, ctx, p)
        })
    }

    /// The subnets and groups ECS validates `awsvpc` configurations with.
    pub fn networks(&self) -> Arc<dyn Networks> {
        Arc::new(self.fleet.clone())
    }

    /// Launch, terminate and read instances (Auto Scaling, ECS).
    pub fn instances(&self) -> Arc<dyn Instances> {
        Arc::new(self.fleet.clone())
    }

    /// Drops all state (the default networks are made again on next use).
    pub fn reset(&self) {
        self.fleet.store.clear();
    }

    /// Stops the lifecycle controller.
    pub async fn shutdown(&self) {
        self.loops.stop().await;
    }
}

/// The README's rows: the implemented operations, and one for the rest of the model.
pub fn operation_rows() -> Vec<(String, &'static str)> {
    let mut rows: Vec<(String, &'static str)> = dispatch::implemented()
        .into_iter()
        .map(|op| (op.to_string(), "supported"))
        .collect();
    rows.push((
        format!(
            "the other {} operations of the 2016-11-15 model",
            dispatch::unbuilt_count()
        ),
        "answer UnsupportedOperation (not built)",
    ));
    rows
}

impl Ec2 {
    /// Its state in the state dir (`--state-dir`): a record per account and region. Restored
    /// instances keep their ids, phases and timers; nothing is published for them at load (ECS
    /// restores its container instances itself), only for the transitions they make after it.
    pub fn durable(&self) -> Option<Arc<dyn crate::core::persist::Durable>> {
        Some(Arc::new(state::Saved(self.fleet.store.clone())))
    }
}
