//! ECS state, one [`RegionState`] per account and region, as AWS keeps it.
//!
//! Each region's state sits behind one `Mutex`: invariants span tables (a cluster's counts, the
//! capacity providers a cluster uses, task definitions that services reference), and every
//! operation is a short, synchronous critical section. Access is closure-only, so no guard can
//! escape a function or be held across an `.await`.

pub mod daemon;
pub mod durable;
pub mod express;
pub mod lookup;
pub mod records;
pub mod refs;
pub mod service;
pub mod status;
pub mod task;
pub mod types;

use crate::core::clock::Clock;
use crate::core::context::RequestContext;
use crate::core::fleet::Fleet;
use crate::core::persist::Tracked;
use crate::ecs::state::service::Service;
use crate::ecs::state::task::Task;
use crate::ecs::state::types::{
    AccountSetting, CapacityProvider, Cluster, ContainerInstance, TaskDefinition,
};
use dashmap::DashMap;
use records::{ServiceDeployment, ServiceRevision};
use std::sync::{Arc, Mutex};

/// Everything ECS holds for one account in one region.
#[derive(Debug, Default)]
pub struct RegionState {
    pub account: String,
    pub region: String,
    /// The App's clock: every timestamp ECS writes is read from it.
    pub clock: Clock,
    /// EC2's networks and instances and Auto Scaling's groups, as ECS reads them.
    pub fleet: Fleet,
    /// By cluster name; deleted clusters stay as INACTIVE, as AWS shows them for a while.
    pub clusters: Tracked<String, Cluster>,
    /// Custom capacity providers by name (FARGATE and FARGATE_SPOT are built in).
    pub capacity_providers: Tracked<String, CapacityProvider>,
    /// By (family, revision): ordered, so listing and paging cost a range walk, not a sort.
    pub task_definitions: Tracked<(String, u32), TaskDefinition>,
    /// The last revision handed out per family; revisions are never reused, even after deletion.
    pub last_revision: Tracked<String, u32>,
    /// Explicit account settings, by (setting name, principal ARN; "" for the account default).
    pub account_settings: Tracked<(String, String), AccountSetting>,
    /// Container instances by ARN (registered by the agent's API, later by fake EC2). Custom
    /// attributes live on them, as in AWS.
    pub container_instances: Tracked<String, ContainerInstance>,
    /// Tasks by ARN; stopped ones stay describable until the controller purges them.
    pub tasks: Tracked<String, Task>,
    /// What local-ecs itself tracks per task beside the AWS shape, by task ARN.
    pub task_books: Tracked<String, TaskBook>,
    /// Tasks whose desired state changed: the dispatcher hands them to the task controller.
    pub outbox: Vec<String>,
    /// Facts for other services, published once the region's lock is released.
    pub facts: Vec<crate::core::bus::Fact>,
    /// Services by ARN; deleted ones stay describable as INACTIVE for a while.
    pub services: Tracked<String, Service>,
    /// Services whose desired state changed: handed to the service scheduler.
    pub service_outbox: Vec<String>,
    /// Service deployment records by ARN (ARNs group them by service, for range walks).
    pub service_deployments: Tracked<String, ServiceDeployment>,
    /// Service revisions by ARN.
    pub service_revisions: Tracked<String, ServiceRevision>,
    /// Cloud Map namespace ARNs by name: the HTTP namespaces ECS creates when a cluster's
    /// Service Connect defaults name one (Cloud Map itself is not emulated).
    pub namespaces: Tracked<String, String>,
    /// Managed daemons: their task definitions, revisions, deployments and tasks.
    pub daemons: daemon::DaemonTables,
    /// Express gateway services by service ARN (their ECS services are in `services`).
    pub express: Tracked<String, express::ExpressRecord>,
    /// EC2 instances whose agent waits for its cluster to exist (by instance id, since when):
    /// the agent retries registering until it does, across restarts of local-ecs too.
    pub awaiting_cluster: Tracked<String, f64>,
}

/// Bookkeeping for one task that AWS does not show.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct TaskBook {
    /// The task definition as it was when the task started (it may be deleted later).
    pub definition: TaskDefinition,
    /// Resources reserved on its container instance (EC2): cpu units, MiB, static host ports.
    pub cpu: i64,
    pub memory: i64,
    pub ports: Vec<String>,
    /// The Docker engine of its container instance, when that is not the local one: the
    /// instance's `local-ecs.docker-host` attribute (`tcp://host:port` or `unix:///path`).
    pub docker_host: Option<String>,
}

impl RegionState {
    pub fn new(account: &str, region: &str) -> Self {
        RegionState {
            account: account.into(),
            region: region.into(),
            ..Default::default()
        }
    }

    /// Now on the App's clock (emulated seconds since the epoch).
    pub fn now(&self) -> f64 {
        self.clock.now()
    }

    /// `arn:aws:ecs:<region>:<account>:<resource>`.
    pub fn arn(&self, resource: &str) -> String {
        crate::core::arn::build("ecs", &self.region, &self.account, resource)
    }
}

/// All regions' state, on one clock.
#[derive(Default)]
pub struct Store {
    regions: DashMap<(String, String), Arc<Mutex<RegionState>>>,
    clock: Clock,
    fleet: Fleet,
    /// Whether this server answers at 169.254.170.2 (containers then get the endpoints' env).
    endpoints_served: std::sync::atomic::AtomicBool,
    /// A task's address on the endpoints network → its ARN (task metadata v2 knows callers by it).
    endpoint_ips: DashMap<String, String>,
    /// `AWS_ENDPOINT_URL` for task containers, when local-ecs answers AWS requests from tasks.
    task_api_url: std::sync::RwLock<Option<String>>,
}

impl Store {
    pub fn new(clock: Clock, fleet: Fleet) -> Self {
        Store {
            regions: DashMap::new(),
            clock,
            fleet,
            endpoints_served: Default::default(),
            endpoint_ips: DashMap::new(),
            task_api_url: Default::default(),
        }
    }

    pub fn task_api_url(&self) -> Option<String> {
        self.task_api_url
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    pub fn set_task_api_url(&self, url: Option<String>) {
        *self.task_api_url.write().unwrap_or_else(|p| p.into_inner()) = url;
    }

    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    pub fn fleet(&self) -> &Fleet {
        &self.fleet
    }

    pub fn endpoints_served(&self) -> bool {
        self.endpoints_served
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    pub fn set_endpoints_served(&self, served: bool) {
        self.endpoints_served
            .store(served, std::sync::atomic::Ordering::Relaxed);
    }

    /// Remembers (or, with `None`, forgets) the task behind an endpoints-network address.
    pub fn set_endpoint_ip(&self, ip: &str, task_arn: Option<&str>) {
        match task_arn {
            Some(arn) => {
                self.endpoint_ips.insert(ip.to_string(), arn.to_string());
            }
            None => {
                self.endpoint_ips.remove(ip);
            }
        }
    }

    pub fn endpoint_task(&self, ip: &str) -> Option<String> {
        self.endpoint_ips.get(ip).map(|a| a.value().clone())
    }

    /// Runs `f` on the caller's region, creating it on first use.
    pub fn with_region<R>(&self, ctx: &RequestContext, f: impl FnOnce(&mut RegionState) -> R) -> R {
        self.with(&ctx.account, &ctx.region, f)
    }

    /// Runs `f` on the state of `account` in `region`, creating it on first use.
    pub fn with<R>(&self, account: &str, region: &str, f: impl FnOnce(&mut RegionState) -> R) -> R {
        let key = (account.to_string(), region.to_string());
        let region = self
            .regions
            .entry(key)
            .or_insert_with(|| {
                let mut state = RegionState::new(account, region);
                state.clock = self.clock.clone();
                state.fleet = self.fleet.clone();
                Arc::new(Mutex::new(state))
            })
            .clone();
        let mut guard = region
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        f(&mut guard)
    }

    pub fn clear(&self) {
        self.regions.clear();
    }

    /// Every (account, region) that has state.
    pub fn keys(&self) -> Vec<(String, String)> {
        self.regions.iter().map(|e| e.key().clone()).collect()
    }
}
