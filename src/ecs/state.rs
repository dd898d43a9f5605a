//! ECS state, one [`RegionState`] per account and region, as AWS keeps it.
//!
//! Each region's state sits behind one `Mutex`: invariants span tables (a cluster's counts, the
//! capacity providers a cluster uses, task definitions that services reference), and every
//! operation is a short, synchronous critical section. Access is closure-only, so no guard can
//! escape a function or be held across an `.await`.

use super::types::{AccountSetting, CapacityProvider, Cluster, ContainerInstance, TaskDefinition};
use crate::edge::RequestContext;
use dashmap::DashMap;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

/// Everything ECS holds for one account in one region.
#[derive(Debug, Default)]
pub struct RegionState {
    pub account: String,
    pub region: String,
    /// By cluster name; deleted clusters stay as INACTIVE, as AWS shows them for a while.
    pub clusters: BTreeMap<String, Cluster>,
    /// Custom capacity providers by name (FARGATE and FARGATE_SPOT are built in).
    pub capacity_providers: BTreeMap<String, CapacityProvider>,
    /// By (family, revision): ordered, so listing and paging cost a range walk, not a sort.
    pub task_definitions: BTreeMap<(String, u32), TaskDefinition>,
    /// The last revision handed out per family; revisions are never reused, even after deletion.
    pub last_revision: HashMap<String, u32>,
    /// Explicit account settings, by (setting name, principal ARN; "" for the account default).
    pub account_settings: BTreeMap<(String, String), AccountSetting>,
    /// Container instances by ARN (registered by the agent's API, later by fake EC2). Custom
    /// attributes live on them, as in AWS.
    pub container_instances: BTreeMap<String, ContainerInstance>,
}

impl RegionState {
    pub fn new(account: &str, region: &str) -> Self {
        RegionState {
            account: account.into(),
            region: region.into(),
            ..Default::default()
        }
    }

    /// `arn:aws:ecs:<region>:<account>:<resource>`.
    pub fn arn(&self, resource: &str) -> String {
        format!("arn:aws:ecs:{}:{}:{}", self.region, self.account, resource)
    }
}

/// All regions' state.
#[derive(Default)]
pub struct Store {
    regions: DashMap<(String, String), Arc<Mutex<RegionState>>>,
}

impl Store {
    /// Runs `f` on the caller's region, creating it on first use.
    pub fn with_region<R>(&self, ctx: &RequestContext, f: impl FnOnce(&mut RegionState) -> R) -> R {
        let key = (ctx.account.clone(), ctx.region.clone());
        let region = self
            .regions
            .entry(key)
            .or_insert_with(|| Arc::new(Mutex::new(RegionState::new(&ctx.account, &ctx.region))))
            .clone();
        let mut guard = region
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        f(&mut guard)
    }

    pub fn clear(&self) {
        self.regions.clear();
    }
}
