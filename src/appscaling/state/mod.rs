//! Application Auto Scaling state, one [`RegionState`] per account and region, behind one `Mutex`
//! per region ([`crate::core::regions::Regions`]): a target owns its policies and scheduled
//! actions (deregistering deletes them all at once), so one lock over the region keeps that
//! invariant; every operation and controller step is a short synchronous critical section.

pub mod shapes;
pub mod store;

use crate::core::clock::Clock;
use crate::core::scaling::ScaleServiceFact;
use serde::{Deserialize, Serialize};
use shapes::{ScalableTarget, ScalingActivity, ScalingPolicy, ScheduledAction};
use std::collections::BTreeMap;
pub use store::Store;

/// How many activities a region keeps (AWS keeps six weeks; this bounds memory instead).
pub const ACTIVITY_LIMIT: usize = 10_000;

/// Everything Application Auto Scaling holds for one account in one region.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct RegionState {
    pub account: String,
    pub region: String,
    #[serde(skip)]
    pub clock: Clock,
    /// By [`target_key`], so that describing lists them in a stable order.
    pub targets: BTreeMap<String, ScalableTarget>,
    /// By [`policy_key`].
    pub policies: BTreeMap<String, ScalingPolicy>,
    /// By [`policy_key`] with the action's name.
    pub scheduled: BTreeMap<String, ScheduledAction>,
    /// Oldest first (describing answers newest first).
    pub activities: Vec<ScalingActivity>,
    /// Desired counts for ECS, published after the region's lock is released (transient: it is
    /// emptied before the lock is).
    #[serde(skip)]
    pub outbox: Vec<ScaleServiceFact>,
}

impl RegionState {
    pub fn now(&self) -> f64 {
        self.clock.now()
    }

    pub fn record(&mut self, activity: ScalingActivity) {
        self.activities.push(activity);
        if self.activities.len() > ACTIVITY_LIMIT {
            let excess = self.activities.len() - ACTIVITY_LIMIT;
            self.activities.drain(..excess);
        }
    }

    /// The target a scalable-target ARN names.
    pub fn target_by_arn_mut(&mut self, arn: &str) -> Option<&mut ScalableTarget> {
        self.targets
            .values_mut()
            .find(|t| t.scalable_target_arn == arn)
    }
}

/// A target's key: namespace, resource id and dimension.
pub fn target_key(namespace: &str, resource_id: &str, dimension: &str) -> String {
    format!("{namespace}\u{1}{resource_id}\u{1}{dimension}")
}

/// A policy's (or scheduled action's) key: its target's key and its name.
pub fn policy_key(target_key: &str, name: &str) -> String {
    format!("{target_key}\u{1}{name}")
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
