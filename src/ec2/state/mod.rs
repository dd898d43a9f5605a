//! EC2 state, one [`RegionState`] per account and region, as AWS keeps it.
//!
//! Each region's state sits behind one `Mutex`: invariants span tables (a subnet's addresses and
//! the instances holding them, a VPC and the subnets and groups that keep it from deletion, a
//! launch template and the instances launched from it), and every operation is a short,
//! synchronous critical section. Access is closure-only ([`Store::with`]), so no guard can
//! escape a function or be held across an `.await`.

pub mod instance;
pub mod network;
mod saved;
pub use saved::Saved;
pub mod stored;
pub mod template;

use crate::core::bus::InstanceFact;
use crate::core::clock::Clock;
use crate::core::fleet::InstancePhase;
use crate::core::persist::Snapshots;
use dashmap::DashMap;
use instance::Instance;
use network::{SecurityGroup, Subnet, Vpc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use template::LaunchTemplate;

/// Everything EC2 holds for one account in one region. Stored whole (`--state-dir`): the
/// indexes, the clock and the outbox are not, and are made again on load ([`Store::put`]).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RegionState {
    pub account: String,
    pub region: String,
    /// The App's clock: every timestamp and lifecycle timer is read from it.
    #[serde(skip)]
    pub clock: Clock,
    /// Whether the default VPC was made (once: deleting it is final, as on AWS).
    pub defaults_made: bool,
    pub vpcs: BTreeMap<String, Vpc>,
    pub subnets: BTreeMap<String, Subnet>,
    pub groups: BTreeMap<String, SecurityGroup>,
    /// Instances by id; terminated ones stay describable for an hour.
    pub instances: BTreeMap<String, Instance>,
    pub templates: BTreeMap<String, LaunchTemplate>,
    /// Launch order: describes list instances in it.
    pub next_seq: u64,
    /// Instance ids by launch order, so a page of DescribeInstances is a range walk.
    #[serde(skip)]
    pub by_seq: BTreeMap<u64, String>,
    /// Instances with a timer (a transition under way, or a terminated one's retention): the
    /// only ones [`RegionState::settle`] looks at, so a request costs the same at 10 or 10,000.
    #[serde(skip)]
    pub timed: BTreeSet<String>,
    /// Instances whose phase changed: published on the bus once the lock is released.
    #[serde(skip)]
    pub outbox: Vec<InstanceFact>,
}

impl RegionState {
    pub fn new(account: &str, region: &str, clock: Clock) -> Self {
        let mut state = RegionState {
            account: account.into(),
            region: region.into(),
            clock,
            ..Default::default()
        };
        network::ensure_defaults(&mut state);
        state
    }

    pub fn now(&self) -> f64 {
        self.clock.now()
    }

    /// `arn:aws:ec2:<region>:<account>:<resource>`.
    pub fn arn(&self, resource: &str) -> String {
        crate::core::arn::build("ec2", &self.region, &self.account, resource)
    }

    /// Moves every instance whose timer is due to its next phase (a fact for each phase it
    /// passes), gives a terminated instance's address back to its subnet, and forgets
    /// terminated instances past their retention. Whether anything changed.
    pub fn settle(&mut self) -> bool {
        if self.timed.is_empty() {
            return false;
        }
        let facts_before = self.outbox.len();
        let instances_before = self.instances.len();
        let now = self.now();
        let mut done = Vec::new();
        for id in &self.timed {
            let Some(inst) = self.instances.get_mut(id) else {
                done.push(id.clone());
                continue;
            };
            while inst.step(now) {
                self.outbox.push(inst.fact(&self.account, &self.region));
                if inst.phase == InstancePhase::Terminated {
                    if let Some(subnet) = self.subnets.get_mut(&inst.subnet_id) {
                        subnet.release(inst.private_ip);
                    }
                }
            }
            if inst.purge_at.is_some_and(|t| t <= now) {
                let seq = inst.seq;
                self.instances.remove(id);
                self.by_seq.remove(&seq);
                done.push(id.clone());
            } else if inst.due.is_none() && inst.purge_at.is_none() {
                done.push(id.clone());
            }
        }
        for id in done {
            self.timed.remove(&id);
        }
        self.outbox.len() != facts_before || self.instances.len() != instances_before
    }

    /// Records a launched instance (in launch order, with its first timer).
    pub fn insert_instance(&mut self, inst: Instance) {
        self.by_seq.insert(inst.seq, inst.id.clone());
        self.timed.insert(inst.id.clone());
        self.instances.insert(inst.id.clone(), inst);
    }

    /// Queues the fact describing instance `id` as it is now.
    pub fn queue_fact(&mut self, id: &str) {
        if let Some(inst) = self.instances.get(id) {
            let fact = inst.fact(&self.account, &self.region);
            self.outbox.push(fact);
        }
    }
}

/// All regions' state, on one clock.
#[derive(Default)]
pub struct Store {
    regions: DashMap<(String, String), Arc<Mutex<RegionState>>>,
    clock: Clock,
    /// The regions changed since the last save (`--state-dir`).
    pub(crate) snapshots: Snapshots,
}

impl Store {
    pub fn new(clock: Clock) -> Self {
        Store {
            regions: DashMap::new(),
            clock,
            snapshots: Snapshots::default(),
        }
    }

    /// The state of `account` in `region` (made on first use, with its default network), and
    /// whether it was made now.
    fn cell(&self, account: &str, region: &str) -> (Arc<Mutex<RegionState>>, bool) {
        let key = (account.to_string(), region.to_string());
        let mut made = false;
        let cell = self
            .regions
            .entry(key)
            .or_insert_with(|| {
                made = true;
                let state = RegionState::new(account, region, self.clock.clone());
                Arc::new(Mutex::new(state))
            })
            .clone();
        (cell, made)
    }

    /// Runs `f` on the state of `account` in `region`, after settling due lifecycle timers so
    /// no answer shows a stale phase.
    pub fn with<R>(&self, account: &str, region: &str, f: impl FnOnce(&mut RegionState) -> R) -> R {
        let (cell, _) = self.cell(account, region);
        let mut guard = cell.lock().unwrap_or_else(|p| p.into_inner());
        guard.settle();
        let result = f(&mut guard);
        // After the change and under the lock: a save that takes the mark sees the change.
        self.touch(account, region);
        result
    }

    /// Runs a read on a region after settling it, and takes the facts settling queued. Marked
    /// changed only when settling or making the region changed it, so the controllers' reads
    /// and ticks cost no save.
    pub fn read<R>(
        &self,
        account: &str,
        region: &str,
        f: impl FnOnce(&RegionState) -> R,
    ) -> (R, Vec<InstanceFact>) {
        let (cell, made) = self.cell(account, region);
        let mut guard = cell.lock().unwrap_or_else(|p| p.into_inner());
        let settled = guard.settle();
        let result = f(&guard);
        if made || settled {
            self.touch(account, region);
        }
        (result, std::mem::take(&mut guard.outbox))
    }

    /// Every (account, region) that has state.
    pub fn keys(&self) -> Vec<(String, String)> {
        self.regions.iter().map(|e| e.key().clone()).collect()
    }

    pub fn clear(&self) {
        self.regions.clear();
    }
}
