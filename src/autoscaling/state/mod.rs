//! Auto Scaling state, one [`RegionState`] per account and region.
//!
//! Each region's state sits behind one `Mutex`: a group, its members and its activities change
//! together (a launch adds a member and an activity; a delete waits for members), and every
//! operation and controller step is a short synchronous critical section. Access is
//! closure-only, so no guard escapes a function or is held across an `.await`.

pub mod group;
mod saved;

pub use saved::Store;

use crate::core::clock::Clock;
use group::{Activity, Group};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// How many activities a region keeps (AWS keeps six weeks of them; an emulator keeps a count).
pub const ACTIVITY_LIMIT: usize = 1000;

/// Everything Auto Scaling holds for one account in one region; stored whole, but the clock.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct RegionState {
    pub account: String,
    pub region: String,
    #[serde(skip)]
    pub clock: Clock,
    /// Groups by name (names are unique per account and region).
    pub groups: BTreeMap<String, Group>,
    /// Activities, oldest first; they outlive their group (IncludeDeletedGroups shows them).
    pub activities: Vec<Activity>,
    /// The sequence number of the last activity recorded.
    pub last_seq: u64,
}

impl RegionState {
    pub fn now(&self) -> f64 {
        self.clock.now()
    }

    /// The group named by name or ARN.
    pub fn find(&self, name_or_arn: &str) -> Option<&Group> {
        self.groups
            .get(name_or_arn)
            .or_else(|| self.groups.values().find(|g| g.arn == name_or_arn))
    }

    pub fn find_mut(&mut self, name_or_arn: &str) -> Option<&mut Group> {
        let name = self.find(name_or_arn)?.name.clone();
        self.groups.get_mut(&name)
    }

    /// Records an activity and returns its id.
    pub fn record(&mut self, mut activity: Activity) -> String {
        self.last_seq += 1;
        activity.seq = self.last_seq;
        let id = activity.activity_id.clone();
        self.activities.push(activity);
        if self.activities.len() > ACTIVITY_LIMIT {
            let excess = self.activities.len() - ACTIVITY_LIMIT;
            self.activities.drain(..excess);
        }
        id
    }

    /// Marks an activity finished.
    pub fn finish(&mut self, activity_id: &str, status: &str, message: Option<String>) {
        let now = self.now();
        if let Some(a) = self
            .activities
            .iter_mut()
            .find(|a| a.activity_id == activity_id)
        {
            a.status_code = status.into();
            a.status_message = message;
            a.end_time = Some(now);
            a.progress = 100;
        }
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
