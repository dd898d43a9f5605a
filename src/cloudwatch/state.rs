//! CloudWatch metric state, one [`RegionState`] per account and region.
//!
//! A metric is its key (namespace, name, dimensions sorted by name); its data sit in buckets of
//! one second (high resolution) or one minute (standard), keyed by the bucket's start and unit.
//! A bucket keeps count, sum, minimum and maximum exactly and at most [`RAW_LIMIT`] raw values
//! (with their counts) for percentiles: memory stays bounded however much is put.
//!
//! Each region sits behind one `Mutex`: puts and reads are short synchronous sections and the
//! retention sweep walks a region at a time. Access is closure-only, so no guard is held across
//! an `.await`.

use crate::core::clock::Clock;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Raw values kept per bucket for percentiles; beyond it only the exact aggregates grow.
pub const RAW_LIMIT: usize = 1000;

/// A metric's identity. Dimensions are sorted by name so that the same set matches however sent.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct MetricKey {
    pub namespace: String,
    pub name: String,
    pub dimensions: Vec<(String, String)>,
}

impl MetricKey {
    pub fn new(namespace: &str, name: &str, mut dimensions: Vec<(String, String)>) -> Self {
        dimensions.sort();
        MetricKey {
            namespace: namespace.into(),
            name: name.into(),
            dimensions,
        }
    }

    /// A string that sorts as the key does (pagination tokens resume after it).
    pub fn sort_key(&self) -> String {
        let dims: Vec<String> = self
            .dimensions
            .iter()
            .map(|(n, v)| format!("{n}\u{1}{v}"))
            .collect();
        format!(
            "{}\u{0}{}\u{0}{}",
            self.namespace,
            self.name,
            dims.join("\u{2}")
        )
    }
}

/// The values put into one bucket (or merged over a period).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Bucket {
    #[serde(with = "super::persist::lenient")]
    pub count: f64,
    /// Finite values can add up to infinity: stored as text then ([`super::persist::lenient`]).
    #[serde(with = "super::persist::lenient")]
    pub sum: f64,
    #[serde(with = "super::persist::lenient")]
    pub min: f64,
    #[serde(with = "super::persist::lenient")]
    pub max: f64,
    /// (value, count) pairs, at most [`RAW_LIMIT`].
    pub raw: Vec<(f64, f64)>,
}

impl Bucket {
    /// Adds `value` seen `count` times.
    pub fn add(&mut self, value: f64, count: f64) {
        self.add_stats(count, value * count, value, value);
        if self.raw.len() < RAW_LIMIT {
            self.raw.push((value, count));
        }
    }

    /// Adds a pre-aggregated set (StatisticValues): no raw values to keep.
    pub fn add_stats(&mut self, count: f64, sum: f64, min: f64, max: f64) {
        if self.count == 0.0 {
            (self.min, self.max) = (min, max);
        } else {
            self.min = self.min.min(min);
            self.max = self.max.max(max);
        }
        self.count += count;
        self.sum += sum;
    }

    /// Folds another bucket in (rolling seconds up into minutes, or buckets into a period).
    pub fn merge(&mut self, other: &Bucket) {
        if other.count == 0.0 {
            return;
        }
        self.add_stats(other.count, other.sum, other.min, other.max);
        let room = RAW_LIMIT.saturating_sub(self.raw.len());
        self.raw.extend(other.raw.iter().take(room));
    }
}

/// One metric's data: buckets by (start second, unit), and when it was last put to.
#[derive(Debug, Clone, Default)]
pub struct Series {
    pub buckets: BTreeMap<(i64, String), Bucket>,
    /// Which bucket starts hold 1-second data (rolled up into minutes after three hours).
    pub high_res: std::collections::BTreeSet<i64>,
    pub last_put: f64,
}

/// Everything CloudWatch holds for one account in one region.
#[derive(Debug, Default)]
pub struct RegionState {
    pub clock: Clock,
    pub metrics: BTreeMap<MetricKey, Series>,
    pub account: String,
    pub region: String,
    pub alarms: BTreeMap<String, super::alarm::Alarm>,
    pub composites: BTreeMap<String, super::composite::Composite>,
    /// Alarm history, oldest first; items older than [`HISTORY_KEPT`] are dropped.
    pub history: Vec<super::alarm::HistoryItem>,
    /// The position of `history[0]` among every item the region ever had: positions stay
    /// fixed as old items go (they key the stored items and DescribeAlarmHistory's pages).
    pub history_base: usize,
    /// Alarm actions invoking Application Auto Scaling policies, published on the bus once the
    /// region's lock is released ([`super::actions::Hub::with`]).
    pub outbox: Vec<crate::core::scaling::AlarmActionFact>,
    /// What changed since the last save ([`super::persist`]).
    pub journal: super::persist::Journal,
}

impl RegionState {
    /// Now, in epoch seconds of emulated time.
    pub fn now(&self) -> f64 {
        self.clock.now()
    }

    /// Stores one value (seen `count` times) or, with `stats`, a statistic set.
    pub fn put(&mut self, key: MetricKey, p: &Point) {
        let now = self.now();
        let series = self.metrics.entry(key.clone()).or_default();
        series.last_put = now;
        let step = if p.resolution == 1 { 1 } else { 60 };
        let start = (p.timestamp.floor() as i64).div_euclid(step) * step;
        if step == 1 {
            series.high_res.insert(start);
        }
        let bucket = series.buckets.entry((start, p.unit.clone())).or_default();
        match p.stats {
            Some((count, sum, min, max)) => bucket.add_stats(count, sum, min, max),
            None => p.values.iter().for_each(|(v, c)| bucket.add(*v, *c)),
        }
        self.journal.note_buckets(&key, [start]);
    }
}

/// One datum of PutMetricData (or of the sink), checked.
#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    pub timestamp: f64,
    pub unit: String,
    pub resolution: u32,
    pub values: Vec<(f64, f64)>,
    pub stats: Option<(f64, f64, f64, f64)>,
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

/// How long alarm history is kept, as CloudWatch keeps it: 30 days.
pub const HISTORY_KEPT: f64 = 30.0 * 86_400.0;

impl RegionState {
    /// Drops history items older than [`HISTORY_KEPT`] (items are appended in time order).
    pub fn expire_history(&mut self) {
        let oldest = self.now() - HISTORY_KEPT;
        let gone = self.history.partition_point(|h| h.timestamp < oldest);
        if gone > 0 {
            self.history.drain(..gone);
            self.history_base += gone;
        }
    }
}
