//! The retention controller: every emulated minute, keeps CloudWatch's schedule — 1-second data
//! for three hours, then rolled up into their minute; 1-minute data for fifteen days, then
//! 5-minute aggregates up to 63 days, then 1-hour aggregates up to 455 days, then dropped. On the
//! house clock, so `--time-scale` speeds it up. Reads over old ranges ask for a period the tier
//! holds ([`tier_allows`]), or get no datapoints, as CloudWatch answers.
//! Level-triggered and idempotent: a pass only compares timestamps. Every 10 emulated seconds
//! the same loop evaluates the metric alarms ([`super::alarm::evaluate_region`]).

use super::actions::Hub;
use super::state::RegionState;
use crate::core::clock::Clock;
use crate::core::shutdown::Loops;
use std::collections::BTreeSet;
use std::time::Duration;

/// How often metric alarms are evaluated (each over its own aligned periods).
pub const EVALUATE_EVERY: Duration = Duration::from_secs(10);
pub const SWEEP_EVERY: Duration = Duration::from_secs(60);
/// How long 1-second data stay at 1-second resolution.
pub const HIGH_RES_KEPT: i64 = 3 * 3600;
/// How long 1-minute data are kept at that resolution.
pub const MINUTE_KEPT: i64 = 15 * 86_400;
/// How long 5-minute aggregates are kept.
pub const FIVE_MINUTES_KEPT: i64 = 63 * 86_400;
/// How long 1-hour aggregates are kept (then data are gone).
pub const HOUR_KEPT: i64 = 455 * 86_400;

/// Whether a read from `start` at `period` can be answered: older than fifteen days it needs a
/// multiple of 300 seconds, older than 63 days a multiple of 3,600.
pub fn tier_allows(now: f64, start: f64, period: i64) -> bool {
    let age = now - start;
    if age > FIVE_MINUTES_KEPT as f64 {
        period % 3600 == 0
    } else if age > MINUTE_KEPT as f64 {
        period % 300 == 0
    } else {
        true
    }
}

/// Merges every bucket starting before `before` into the bucket of its `step`-aligned start;
/// the starts it changed.
fn roll_up(series: &mut super::state::Series, before: i64, step: i64) -> BTreeSet<i64> {
    let mut changed = BTreeSet::new();
    let keys: Vec<(i64, String)> = series
        .buckets
        .range(..(before, String::new()))
        .filter(|((t, _), _)| t.rem_euclid(step) != 0)
        .map(|(k, _)| k.clone())
        .collect();
    for key in keys {
        if let Some(b) = series.buckets.remove(&key) {
            let slot = (key.0.div_euclid(step) * step, key.1);
            changed.extend([key.0, slot.0]);
            series.buckets.entry(slot).or_default().merge(&b);
        }
    }
    changed
}

/// One pass over a region: rolls up and drops, then forgets metrics left with no data and
/// alarm history past its 30 days. The buckets it changed are noted for the next save.
pub fn sweep_region(st: &mut RegionState) {
    let now = st.now() as i64;
    for (metric, series) in st.metrics.iter_mut() {
        let mut changed = BTreeSet::new();
        let old: Vec<i64> = series
            .high_res
            .range(..now - HIGH_RES_KEPT)
            .copied()
            .collect();
        for start in old {
            series.high_res.remove(&start);
            changed.extend([start, start.div_euclid(60) * 60]);
            let keys: Vec<_> = series
                .buckets
                .range((start, String::new())..(start + 1, String::new()))
                .map(|(k, _)| k.clone())
                .collect();
            for key in keys {
                if let Some(b) = series.buckets.remove(&key) {
                    let minute = (start.div_euclid(60) * 60, key.1);
                    series.buckets.entry(minute).or_default().merge(&b);
                }
            }
        }
        changed.extend(roll_up(series, now - MINUTE_KEPT, 300));
        changed.extend(roll_up(series, now - FIVE_MINUTES_KEPT, 3600));
        let oldest = (now - HOUR_KEPT, String::new());
        let kept = series.buckets.split_off(&oldest);
        changed.extend(series.buckets.keys().map(|(t, _)| *t));
        series.buckets = kept;
        st.journal.note_buckets(metric, changed);
    }
    st.metrics.retain(|_, s| !s.buckets.is_empty());
    st.expire_history();
}

pub fn spawn(hub: Hub, clock: &Clock, loops: &Loops) {
    let mut interval = clock.interval(SWEEP_EVERY);
    let mut alarms = clock.interval(EVALUATE_EVERY);
    let mut stopping = loops.stopping();
    loops.spawn(async move {
        loop {
            tokio::select! {
                _ = stopping.wait() => return,
                _ = interval.tick() => hub.each(sweep_region),
                _ = alarms.tick() => hub.each(super::alarm::evaluate_region),
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cloudwatch::state::{MetricKey, Point, Store};

    fn point(t: f64, resolution: u32) -> Point {
        Point {
            timestamp: t,
            unit: "None".into(),
            resolution,
            values: vec![(1.0, 1.0)],
            stats: None,
        }
    }

    #[test]
    fn seconds_roll_up_and_minutes_expire() {
        let store = Store::new(Clock::new(1.0));
        store.with("1", "r", |st| {
            let now = st.now().floor();
            let key = MetricKey::new("N", "m", vec![]);
            st.put(key.clone(), &point(now - 4.0 * 3600.0, 1));
            st.put(key.clone(), &point(now - 4.0 * 3600.0 + 1.0, 1));
            st.put(key.clone(), &point(now - 10.0, 1));
            st.put(key.clone(), &point(now - 456.0 * 86_400.0, 60));
            sweep_region(st);
            let s = &st.metrics[&key];
            assert_eq!(s.high_res.len(), 1, "only the recent second stays fine");
            let counts: Vec<f64> = s.buckets.values().map(|b| b.count).collect();
            assert_eq!(
                counts.iter().sum::<f64>(),
                3.0,
                "the 456-day-old value is gone"
            );
        });
    }

    #[test]
    fn old_minutes_become_five_minutes_then_hours() {
        let store = Store::new(Clock::new(1.0));
        store.with("1", "r", |st| {
            let day = 86_400.0;
            let base = (st.now() / 3600.0).floor() * 3600.0;
            let key = MetricKey::new("N", "m", vec![]);
            for minute in 0..10 {
                st.put(
                    key.clone(),
                    &point(base - 20.0 * day + 60.0 * minute as f64, 60),
                );
                st.put(
                    key.clone(),
                    &point(base - 70.0 * day + 60.0 * minute as f64, 60),
                );
            }
            sweep_region(st);
            sweep_region(st);
            let s = &st.metrics[&key];
            let starts: Vec<i64> = s.buckets.keys().map(|(t, _)| *t).collect();
            let (old, older) = ((base - 20.0 * day) as i64, (base - 70.0 * day) as i64);
            assert_eq!(
                starts,
                [older, old, old + 300],
                "one hour, two 5-minute buckets"
            );
            let counts: Vec<f64> = s.buckets.values().map(|b| b.count).collect();
            assert_eq!(counts, [10.0, 5.0, 5.0]);
            let now = st.now();
            assert!(
                tier_allows(now, now - 20.0 * day, 300) && !tier_allows(now, now - 20.0 * day, 60)
            );
            assert!(
                tier_allows(now, now - 70.0 * day, 3600)
                    && !tier_allows(now, now - 70.0 * day, 300)
            );
        });
    }
}
