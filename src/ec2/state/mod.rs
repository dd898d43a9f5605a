//! EC2 state, one [`RegionState`] per account and region, as AWS keeps it.
//!
//! Each region's state sits behind one `Mutex`: invariants span tables (a subnet's addresses and
//! the instances holding them, a VPC and the subnets and groups that keep it from deletion, a
//! launch template and the instances launched from it), and every operation is a short,
//! synchronous critical section. Access is closure-only ([`Store::with`]), so no guard can
//! escape a function or be held across an `.await`.

pub mod instance;
pub mod network;
pub mod template;

use crate::core::bus::InstanceFact;
use crate::core::clock::Clock;
use crate::core::fleet::InstancePhase;
use dashmap::DashMap;
use instance::Instance;
use network::{SecurityGroup, Subnet, Vpc};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use template::LaunchTemplate;

/// Everything EC2 holds for one account in one region.
#[derive(Debug, Clone, Default)]
pub struct RegionState {
    pub account: String,
    pub region: String,
    /// The App's clock: every timestamp and lifecycle timer is read from it.
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
    /// Instances whose phase changed: published on the bus once the lock is released.
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
    /// terminated instances past their retention.
    pub fn settle(&mut self) {
        let now = self.now();
        for inst in self.instances.values_mut() {
            while inst.step(now) {
                self.outbox.push(inst.fact(&self.account, &self.region));
                if inst.phase == InstancePhase::Terminated {
                    if let Some(subnet) = self.subnets.get_mut(&inst.subnet_id) {
                        subnet.release(inst.private_ip);
                    }
                }
            }
        }
        self.instances
            .retain(|_, inst| inst.purge_at.is_none_or(|t| t > now));
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
}

impl Store {
    pub fn new(clock: Clock) -> Self {
        Store {
            regions: DashMap::new(),
            clock,
        }
    }

    /// Runs `f` on the state of `account` in `region` (made on first use, with its default
    /// network), after settling due lifecycle timers so no answer shows a stale phase.
    pub fn with<R>(&self, account: &str, region: &str, f: impl FnOnce(&mut RegionState) -> R) -> R {
        let key = (account.to_string(), region.to_string());
        let cell = self
            .regions
            .entry(key)
            .or_insert_with(|| {
                Arc::new(Mutex::new(RegionState::new(
                    account,
                    region,
                    self.clock.clone(),
                )))
            })
            .clone();
        let mut guard = cell.lock().unwrap_or_else(|p| p.into_inner());
        guard.settle();
        f(&mut guard)
    }

    /// Every (account, region) that has state.
    pub fn keys(&self) -> Vec<(String, String)> {
        self.regions.iter().map(|e| e.key().clone()).collect()
    }

    pub fn clear(&self) {
        self.regions.clear();
    }
}
