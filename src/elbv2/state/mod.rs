//! ELBv2 state, one [`RegionState`] per account and region, behind one `Mutex` each: a listener
//! names its load balancer and target groups, a rule its listener, and deletions check those
//! links, so they change together. Access is closure-only; no guard is held across an `.await`.

pub mod model;
mod remote;
pub mod store;
pub mod targets;

use crate::core::clock::Clock;
use model::{groups_of, Listener, LoadBalancer, Rule, TargetGroup};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
pub use store::Store;

/// Everything ELBv2 holds for one account in one region, keyed by ARN; stored whole.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct RegionState {
    pub account: String,
    pub region: String,
    #[serde(skip)]
    pub clock: Clock,
    pub load_balancers: BTreeMap<String, LoadBalancer>,
    pub target_groups: BTreeMap<String, TargetGroup>,
    pub listeners: BTreeMap<String, Listener>,
    /// Non-default rules (a listener's default rule lives in the listener).
    pub rules: BTreeMap<String, Rule>,
    /// Tags by resource ARN, in the order they were added.
    pub tags: BTreeMap<String, Vec<(String, String)>>,
}

impl RegionState {
    pub fn now(&self) -> f64 {
        self.clock.now()
    }

    /// The load balancers that route to the target group (AWS's `LoadBalancerArns`).
    pub fn load_balancers_of(&self, tg_arn: &str) -> Vec<String> {
        self.load_balancers
            .keys()
            .filter(|lb| groups_of(lb, &self.listeners, &self.rules).contains(tg_arn))
            .cloned()
            .collect()
    }

    pub fn lb_by_name(&self, name: &str) -> Option<&LoadBalancer> {
        self.load_balancers.values().find(|lb| lb.name == name)
    }

    pub fn tg_by_name(&self, name: &str) -> Option<&TargetGroup> {
        self.target_groups.values().find(|tg| tg.name == name)
    }

    /// The rules of a listener, ascending by priority (the default rule is not among them).
    pub fn rules_of(&self, listener_arn: &str) -> Vec<&Rule> {
        let mut rules: Vec<&Rule> = self
            .rules
            .values()
            .filter(|r| r.listener_arn == listener_arn)
            .collect();
        rules.sort_by_key(|r| r.priority);
        rules
    }
}

impl crate::core::regions::RegionScoped for RegionState {
    fn new_region(account: &str, region: &str, clock: &Clock) -> Self {
        RegionState {
            account: account.into(),
            region: region.into(),
            clock: clock.clone(),
            ..Default::default()
        }
    }
}
