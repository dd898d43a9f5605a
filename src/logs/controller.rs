//! The retention controller: every emulated minute, deletes each group's events older than its
//! retention period. It runs on the house clock, so `--time-scale` speeds expiry up as it does
//! every other emulated wait. Level-triggered and idempotent: a pass only compares timestamps.

use super::api::groups::expire;
use super::persist::Ledger;
use crate::core::clock::Clock;
use crate::core::shutdown::Loops;
use std::sync::Arc;
use std::time::Duration;

/// How often (emulated) the sweep runs: retention is counted in days, a minute is precise enough.
pub const SWEEP_EVERY: Duration = Duration::from_secs(60);

/// One pass over every region; how many events went.
pub fn sweep(store: &Ledger) -> usize {
    let mut removed = 0;
    store.each(|st| {
        let now = st.now_ms();
        let mut trimmed = Vec::new();
        for g in st.groups.values_mut() {
            let n = expire(g, now);
            if n > 0 {
                trimmed.push(g.name.clone());
            }
            removed += n;
        }
        for name in trimmed {
            st.note_trimmed(&name);
        }
    });
    removed
}

pub fn spawn(store: Arc<Ledger>, clock: &Clock, loops: &Loops) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logs::state::group::LogStream;
    use serde_json::json;

    fn input(v: serde_json::Value) -> serde_json::Map<String, serde_json::Value> {
        v.as_object().cloned().unwrap()
    }

    #[tokio::test(start_paused = true)]
    async fn events_expire_as_emulated_time_passes() {
        let clock = Clock::new(1.0);
        let store = Arc::new(Ledger::new(clock.clone()));
        let loops = Loops::new("test retention");
        store.with("1", "r", |st| {
            let create = input(json!({ "logGroupName": "g" }));
            crate::logs::api::groups::create_log_group(st, create).unwrap();
            let now = st.now_ms();
            let g = st.group_mut("g").unwrap();
            g.retention_in_days = Some(1);
            g.streams
                .insert("s".into(), LogStream::new("s", &g.arn, now));
            crate::logs::api::events::append(st, "g", "s", vec![(now, "m".into())]).unwrap();
        });
        spawn(store.clone(), &clock, &loops);
        let count =
            |store: &Ledger| store.with("1", "r", |st| st.groups["g"].streams["s"].events.len());
        tokio::time::sleep(Duration::from_secs(3600)).await;
        assert_eq!(count(&store), 1, "an hour later the event is kept");
        tokio::time::sleep(Duration::from_secs(86_400)).await;
        assert_eq!(count(&store), 0, "a day later the sweep has deleted it");
        loops.stop().await;
    }
}
