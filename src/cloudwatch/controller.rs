//! The retention controller: every emulated minute, rolls 1-second buckets older than three
//! hours up into their minute and drops minute buckets older than fifteen days, as CloudWatch's
//! schedule does for its finest resolutions. On the house clock, so `--time-scale` speeds it up.
//! Level-triggered and idempotent: a pass only compares timestamps. Every 10 emulated seconds
//! the same loop evaluates the metric alarms ([`super::alarm::evaluate_region`]).

use super::actions::Hub;
use super::state::RegionState;
use crate::core::clock::Clock;
use crate::core::shutdown::Loops;
use std::time::Duration;

/// How often metric alarms are evaluated (each over its own aligned periods).
pub const EVALUATE_EVERY: Duration = Duration::from_secs(10);
pub const SWEEP_EVERY: Duration = Duration::from_secs(60);
/// How long 1-second data stay at 1-second resolution.
pub const HIGH_RES_KEPT: i64 = 3 * 3600;
/// How long 1-minute data are kept.
pub const MINUTE_KEPT: i64 = 15 * 86_400;

/// One pass over a region: rolls up and drops, then forgets metrics left with no data.
pub fn sweep_region(st: &mut RegionState) {
    let now = st.now() as i64;
    for series in st.metrics.values_mut() {
        let old: Vec<i64> = series
            .high_res
            .range(..now - HIGH_RES_KEPT)
            .copied()
            .collect();
        for start in old {
            series.high_res.remove(&start);
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
        series.buckets.retain(|(t, _), _| *t >= now - MINUTE_KEPT);
    }
    st.metrics.retain(|_, s| !s.buckets.is_empty());
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
            st.put(key.clone(), &point(now - 16.0 * 86_400.0, 60));
            sweep_region(st);
            let s = &st.metrics[&key];
            assert_eq!(s.high_res.len(), 1, "only the recent second stays fine");
            let counts: Vec<f64> = s.buckets.values().map(|b| b.count).collect();
            assert_eq!(
                counts.iter().sum::<f64>(),
                3.0,
                "the 16-day-old value is gone"
            );
        });
    }
}
