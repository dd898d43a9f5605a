//! All regions' state, saved whole per region in the state dir (`--state-dir`): each region's
//! load balancers, target groups (with their targets), listeners, rules and tags as one record.

use super::RegionState;
use crate::core::clock::Clock;
use crate::core::persist::{Regional, RegionalStore};

pub type Store = RegionalStore<RegionState>;

impl Regional for RegionState {
    const TABLE: &'static str = "elbv2";

    fn restored(&mut self, account: String, region: String, clock: &Clock) {
        (self.account, self.region) = (account, region);
        self.clock = clock.clone();
        let now = self.now();
        // Probes are due at once: health is found again rather than trusted from before.
        for t in self
            .target_groups
            .values_mut()
            .flat_map(|tg| tg.targets.values_mut())
        {
            t.next_probe = now;
        }
    }
}
