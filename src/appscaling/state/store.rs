//! All regions' state, saved whole per region in the state dir (`--state-dir`): each region's
//! scalable targets (with tags and last scaling times), policies, scheduled actions (with their
//! next firing) and activities as one record. Scheduled actions keep their next firing time and
//! targets their last scaling times, so schedules and cooldowns go on from where they were (an
//! action due while the server was down fires on the first tick). The alarms target-tracking
//! policies created belong to CloudWatch, which keeps its own.

use super::RegionState;
use crate::core::clock::Clock;
use crate::core::persist::{Regional, RegionalStore};

pub type Store = RegionalStore<RegionState>;

impl Regional for RegionState {
    const TABLE: &'static str = "appscaling";

    fn restored(&mut self, account: String, region: String, clock: &Clock) {
        (self.account, self.region) = (account, region);
        self.clock = clock.clone();
    }
}
