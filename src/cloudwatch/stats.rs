//! Statistics over buckets: the five simple statistics, percentiles (`p0`–`p100`, nearest rank
//! over the raw values kept) and the bucketing of a series into periods.

use super::state::{Bucket, Series};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Stat {
    SampleCount,
    Average,
    Sum,
    Minimum,
    Maximum,
    Percentile(f64),
}

impl Stat {
    /// Parses `Average`, `p99`, `p99.9`; `None` for anything else.
    pub fn parse(text: &str) -> Option<Stat> {
        Some(match text {
            "SampleCount" => Stat::SampleCount,
            "Average" => Stat::Average,
            "Sum" => Stat::Sum,
            "Minimum" => Stat::Minimum,
            "Maximum" => Stat::Maximum,
            _ => return parse_percentile(text).map(Stat::Percentile),
        })
    }

    /// The statistic of a (non-empty) bucket; `None` for a percentile with no raw values (a
    /// bucket that only ever got StatisticValues).
    pub fn of(self, b: &Bucket) -> Option<f64> {
        Some(match self {
            Stat::SampleCount => b.count,
            Stat::Average => b.sum / b.count,
            Stat::Sum => b.sum,
            Stat::Minimum => b.min,
            Stat::Maximum => b.max,
            Stat::Percentile(p) => return percentile(&b.raw, p),
        })
    }
}

/// `p` followed by a number within 0..=100 (`p99`, `p99.99`).
pub fn parse_percentile(text: &str) -> Option<f64> {
    let number = text.strip_prefix('p')?;
    if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return None;
    }
    number
        .parse::<f64>()
        .ok()
        .filter(|p| (0.0..=100.0).contains(p))
}

/// The nearest-rank percentile of weighted values: the smallest value whose cumulative count
/// reaches `p` percent of the total (`p0` is the minimum).
pub fn percentile(raw: &[(f64, f64)], p: f64) -> Option<f64> {
    let mut sorted: Vec<(f64, f64)> = raw.to_vec();
    sorted.sort_by(|a, b| a.0.total_cmp(&b.0));
    let total: f64 = sorted.iter().map(|(_, c)| c).sum();
    if sorted.is_empty() || total <= 0.0 {
        return None;
    }
    let rank = (p / 100.0 * total).ceil().max(1.0);
    let mut seen = 0.0;
    for (value, count) in &sorted {
        seen += count;
        if seen >= rank {
            return Some(*value);
        }
    }
    sorted.last().map(|(v, _)| *v)
}

/// The series' buckets within `[start, end)` merged into periods of `period` seconds, by the
/// period's start. Periods count from StartTime rounded down to the minute (to the second for
/// sub-minute periods), as CloudWatch aligns them; each carries the unit of its first bucket.
/// `unit`, when given, keeps only buckets put with that unit.
pub fn by_period(
    series: &Series,
    start: f64,
    end: f64,
    period: i64,
    unit: Option<&str>,
) -> BTreeMap<i64, (Bucket, String)> {
    let mut out: BTreeMap<i64, (Bucket, String)> = BTreeMap::new();
    let (from, to) = (start.floor() as i64, end.ceil() as i64);
    let grain = period.min(60);
    let origin = from.div_euclid(grain) * grain;
    for ((t, u), bucket) in series.buckets.range((from, String::new())..) {
        if *t >= to {
            break;
        }
        if (*t as f64) < start || unit.is_some_and(|want| want != u) {
            continue;
        }
        let slot = origin + (t - origin).div_euclid(period) * period;
        let entry = out
            .entry(slot)
            .or_insert_with(|| (Bucket::default(), u.clone()));
        entry.0.merge(bucket);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bucket(values: &[f64]) -> Bucket {
        let mut b = Bucket::default();
        values.iter().for_each(|v| b.add(*v, 1.0));
        b
    }

    #[test]
    fn simple_statistics() {
        let b = bucket(&[4.0, 1.0, 7.0]);
        assert_eq!(Stat::SampleCount.of(&b), Some(3.0));
        assert_eq!(Stat::Sum.of(&b), Some(12.0));
        assert_eq!(Stat::Average.of(&b), Some(4.0));
        assert_eq!(Stat::Minimum.of(&b), Some(1.0));
        assert_eq!(Stat::Maximum.of(&b), Some(7.0));
    }

    #[test]
    fn percentiles_by_nearest_rank_with_counts() {
        let values: Vec<f64> = (1..=100).map(f64::from).collect();
        let b = bucket(&values);
        assert_eq!(Stat::Percentile(99.0).of(&b), Some(99.0));
        assert_eq!(Stat::Percentile(50.0).of(&b), Some(50.0));
        assert_eq!(Stat::Percentile(0.0).of(&b), Some(1.0));
        assert_eq!(Stat::Percentile(100.0).of(&b), Some(100.0));
        // 9 ones and one 10: p90 is 1, p91 is 10.
        let mut w = Bucket::default();
        w.add(1.0, 9.0);
        w.add(10.0, 1.0);
        assert_eq!(percentile(&w.raw, 90.0), Some(1.0));
        assert_eq!(percentile(&w.raw, 91.0), Some(10.0));
        let mut stats_only = Bucket::default();
        stats_only.add_stats(2.0, 3.0, 1.0, 2.0);
        assert_eq!(Stat::Percentile(50.0).of(&stats_only), None);
    }

    #[test]
    fn parsing() {
        assert_eq!(Stat::parse("p99.9"), Some(Stat::Percentile(99.9)));
        assert_eq!(Stat::parse("p101"), None);
        assert_eq!(Stat::parse("p"), None);
        assert_eq!(Stat::parse("Mean"), None);
    }

    #[test]
    fn buckets_merge_into_aligned_periods() {
        let mut s = Series::default();
        for (t, v) in [(60, 1.0), (120, 2.0), (300, 3.0), (360, 4.0)] {
            s.buckets.insert((t, "None".into()), bucket(&[v]));
        }
        let p = by_period(&s, 60.0, 420.0, 300, None);
        let sums: Vec<(i64, f64)> = p.iter().map(|(t, (b, _))| (*t, b.sum)).collect();
        assert_eq!(sums, vec![(60, 6.0), (360, 4.0)]);
        assert!(by_period(&s, 0.0, 400.0, 60, Some("Count")).is_empty());
    }
}
