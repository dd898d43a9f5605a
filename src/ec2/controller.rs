//! The lifecycle controller: on a short tick of the App's clock it settles every region
//! (pending → running, stopping → stopped, shutting-down → terminated, forgetting terminated
//! instances after their retention) and publishes the facts each change queued. Requests
//! settle their own region first too, so answers never show a stale phase; the tick makes the
//! facts arrive without anyone asking.

use super::fleet::Fleet;
use crate::core::clock::Clock;
use crate::core::shutdown::Loops;
use std::time::Duration;

/// How often (emulated time) regions are settled: a quarter of a transition's length.
const TICK: Duration = Duration::from_millis(500);

pub fn spawn(fleet: Fleet, clock: Clock, loops: &Loops) {
    let mut stopping = loops.stopping();
    loops.spawn(async move {
        let mut tick = clock.interval(TICK);
        loop {
            tokio::select! {
                _ = stopping.wait() => return,
                _ = tick.tick() => settle_all(&fleet),
            }
        }
    });
}

/// One pass over every region that has state.
pub fn settle_all(fleet: &Fleet) {
    for (account, region) in fleet.store.keys() {
        // `read` settles the region and publishes what changed.
        fleet.read(&account, &region, |_| ());
    }
}
