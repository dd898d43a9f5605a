//! The retention controller: every emulated minute, deletes each group's events older than its
//! retention period. It runs on the house clock, so `--time-scale` speeds expiry up as it does
//! every other emulated wait. Level-triggered and idempotent: a pass only compares timestamps.

use super::api::groups::expire;
use super::state::Store;
use crate::core::clock::Clock;
use crate::core::shutdown::Loops;
use std::sync::Arc;
use std::time::Duration;

/// How often (emulated) the sweep runs: retention is counted in days, a minute is precise enough.
pub const SWEEP_EVERY: Duration = Duration::from_secs(60);

/// One pass over every region; how many events went.
pub fn sweep(store: &Store) -> usize {
    let mut removed = 0;
    store.each(|st| {
        let now = st.now_ms();
        removed += st
            .groups
            .values_mut()
            .map(|g| expire(g, now))
            .sum::<usize>();
    });
    removed
}

pub fn spawn(store: Arc<Store>, clock: &Clock, loops: &Loops) {
    let mut interval = clock.interval(SWEEP_EVERY);
    let mut stopping = loops.stopping();
    loops.spawn(async move {
        loop {
            tokio::select! {
                _ = stopping.wait() => return,
                _ = interval.tick() => {
                    let removed = sweep(&store);
                    if removed > 0 {
                        tracing::debug!(removed, "expired log events past retention");
                    }
                }
            }
        }
    });
}
