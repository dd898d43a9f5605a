//! CloudWatch Logs state, one [`RegionState`] per account and region.
//!
//! Each region's state sits behind one `Mutex`: a group owns its streams and their events, a
//! delete removes all of them at once, and every operation (and the retention sweep) is a short
//! synchronous critical section. Access is closure-only, so no guard escapes a function or is
//! held across an `.await`.

pub mod group;

use crate::core::clock::Clock;
use group::LogGroup;
use std::collections::BTreeMap;

/// Everything CloudWatch Logs holds for one account in one region.
#[derive(Debug, Default)]
pub struct RegionState {
    pub account: String,
    pub region: String,
    pub clock: Clock,
    /// Groups by name, so that describing lists them in name order as AWS does.
    pub groups: BTreeMap<String, LogGroup>,
    /// The sequence number of the last event stored (event ids and tokens are built from it).
    pub last_seq: u64,
    /// What changed since the last save ([`crate::logs::persist`]).
    pub journal: crate::logs::persist::Journal,
}

impl RegionState {
    /// Now, in epoch milliseconds of emulated time.
    pub fn now_ms(&self) -> i64 {
        (self.clock.now() * 1000.0) as i64
    }

    /// The group named by name or by ARN (with or without the trailing `:*`).
    pub fn group(&self, name_or_arn: &str) -> Option<&LogGroup> {
        self.groups.get(group_name(name_or_arn))
    }

    pub fn group_mut(&mut self, name_or_arn: &str) -> Option<&mut LogGroup> {
        self.groups.get_mut(group_name(name_or_arn))
    }

    pub fn next_seq(&mut self) -> u64 {
        self.last_seq += 1;
        self.last_seq
    }
}

/// A group's name from a name or an ARN `arn:aws:logs:REGION:ACCOUNT:log-group:NAME[:*]`.
pub fn group_name(name_or_arn: &str) -> &str {
    match name_or_arn.split_once(":log-group:") {
        Some((_, rest)) => rest.strip_suffix(":*").unwrap_or(rest),
        None => name_or_arn,
    }
}

/// All regions' state, on one clock.
pub type Store = crate::core::regions::Regions<RegionState>;

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

#[cfg(test)]
mod tests {
    use super::group_name;

    #[test]
    fn groups_are_named_by_name_or_arn() {
        assert_eq!(group_name("/ecs/web"), "/ecs/web");
        assert_eq!(
            group_name("arn:aws:logs:us-east-1:000000000000:log-group:/ecs/web:*"),
            "/ecs/web"
        );
        assert_eq!(
            group_name("arn:aws:logs:us-east-1:000000000000:log-group:/ecs/web"),
            "/ecs/web"
        );
    }
}
