//! Auto Scaling's state in the state dir (`--state-dir`): one record per account and region,
//! its [`RegionState`] whole (groups, members, activities and the activity sequence), written
//! only when its bytes changed ([`RegionalStore`]).

use super::RegionState;
use crate::core::clock::Clock;
use crate::core::persist::{Regional, RegionalStore};

/// The longest wait between launch retries (emulated seconds), as the controller backs off.
const MAX_BACKOFF: f64 = 300.0;

/// All regions' state, on one clock, and which regions changed since the last save.
pub type Store = RegionalStore<RegionState>;

impl Regional for RegionState {
    const TABLE: &'static str = "autoscaling";

    /// A launch retry is due within the longest backoff: the clock starts again at the wall
    /// clock's time, which is behind the saved emulated time when `--time-scale` is above 1.
    fn restored(&mut self, account: String, region: String, clock: &Clock) {
        (self.account, self.region) = (account, region);
        self.clock = clock.clone();
        let latest = self.now() + MAX_BACKOFF;
        for group in self.groups.values_mut() {
            group.retry_at = group.retry_at.min(latest);
        }
    }
}
