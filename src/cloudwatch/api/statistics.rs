//! GetMetricStatistics: one metric (dimensions matched exactly), its data merged into periods,
//! with the statistics and percentiles asked for. At most 1,440 datapoints per call, as AWS.

use super::super::controller::tier_allows;
use super::super::error::{CwError, CwResult};
use super::super::read::{self, Doc};
use super::super::state::{MetricKey, RegionState};
use super::super::stats::{by_period, parse_percentile, Stat};
use serde_json::{json, Map, Value};

pub const MAX_DATAPOINTS: f64 = 1440.0;

pub fn get_metric_statistics(st: &mut RegionState, input: Doc) -> CwResult<Value> {
    let namespace = read::required_str(&input, "Namespace", "Namespace")?;
    let name = read::required_str(&input, "MetricName", "MetricName")?;
    let dims = read::dimensions(&input, "")?;
    let (start, end) = window(&input)?;
    let period = period(&input, "Period")?;
    let simple = read::strings(&input, "Statistics");
    let extended = read::strings(&input, "ExtendedStatistics");
    let stats = statistics(&simple, &extended)?;
    if (end - start) / period as f64 > MAX_DATAPOINTS {
        return Err(CwError::InvalidParameterCombination(format!(
            "You have requested up to {} datapoints, which exceeds the limit of 1440. You may \
             reduce the datapoints requested by increasing Period, or decreasing the time range.",
            ((end - start) / period as f64).ceil()
        )));
    }
    let unit = read::str(&input, "Unit");
    let key = MetricKey::new(namespace, name, dims);
    let points = match st.metrics.get(&key) {
        Some(series) if tier_allows(st.now(), start, period) => {
            by_period(series, start, end, period, unit)
        }
        _ => Default::default(),
    };
    let datapoints: Vec<Value> = points
        .iter()
        .map(|(t, (bucket, u))| datapoint(*t, bucket, u, &stats))
        .collect();
    Ok(json!({ "Label": name, "Datapoints": datapoints }))
}

fn datapoint(
    t: i64,
    b: &super::super::state::Bucket,
    unit: &str,
    stats: &[(String, Stat)],
) -> Value {
    let mut point = Map::new();
    let mut extended = Map::new();
    point.insert("Timestamp".into(), json!(t));
    for (name, stat) in stats {
        let Some(value) = stat.of(b) else { continue };
        match stat {
            Stat::Percentile(_) => extended.insert(name.clone(), json!(value)),
            _ => point.insert(name.clone(), json!(value)),
        };
    }
    if !extended.is_empty() {
        point.insert("ExtendedStatistics".into(), Value::Object(extended));
    }
    point.insert("Unit".into(), json!(unit));
    Value::Object(point)
}

/// StartTime and EndTime, both required, start before end.
pub fn window(input: &Doc) -> CwResult<(f64, f64)> {
    let start =
        read::timestamp(input, "StartTime")?.ok_or_else(|| CwError::missing("StartTime"))?;
    let end = read::timestamp(input, "EndTime")?.ok_or_else(|| CwError::missing("EndTime"))?;
    if start >= end {
        return Err(CwError::InvalidParameterValue(
            "The parameter StartTime must be less than the parameter EndTime.".into(),
        ));
    }
    Ok((start, end))
}

/// A period: 1, 5, 10, 20 or 30 seconds (high-resolution data) or a multiple of 60.
pub fn period(doc: &Doc, path: &str) -> CwResult<i64> {
    let p = read::number(doc, "Period", path)?.ok_or_else(|| CwError::missing(path))?;
    let whole = p.fract() == 0.0 && p >= 1.0;
    let i = p as i64;
    if !whole || !([1, 5, 10, 20, 30].contains(&i) || i % 60 == 0) {
        return Err(CwError::InvalidParameterValue(format!(
            "The parameter {path} must be 1, 5, 10, 20, 30, or a multiple of 60."
        )));
    }
    Ok(i)
}

/// Statistics or ExtendedStatistics (one of them, not both), each named as asked.
fn statistics(simple: &[String], extended: &[String]) -> CwResult<Vec<(String, Stat)>> {
    if simple.is_empty() && extended.is_empty() {
        return Err(CwError::MissingParameter(
            "Must specify either Statistics or ExtendedStatistics.".into(),
        ));
    }
    if !simple.is_empty() && !extended.is_empty() {
        return Err(CwError::InvalidParameterCombination(
            "The parameters Statistics and ExtendedStatistics are mutually exclusive.".into(),
        ));
    }
    let mut out = Vec::new();
    for (i, s) in simple.iter().enumerate() {
        match Stat::parse(s) {
            Some(stat) if !matches!(stat, Stat::Percentile(_)) => out.push((s.clone(), stat)),
            _ => {
                return Err(CwError::invalid_value(
                    &format!("Statistics.member.{}", i + 1),
                    s,
                ))
            }
        }
    }
    for (i, s) in extended.iter().enumerate() {
        let p = parse_percentile(s).ok_or_else(|| {
            CwError::invalid_value(&format!("ExtendedStatistics.member.{}", i + 1), s)
        })?;
        out.push((s.clone(), Stat::Percentile(p)));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::clock::Clock;

    fn doc(v: Value) -> Doc {
        v.as_object().cloned().unwrap()
    }

    #[test]
    fn periods_and_statistics() {
        let mut st = RegionState {
            clock: Clock::new(1.0),
            ..Default::default()
        };
        let now = (st.now() as i64 / 60 * 60) as f64;
        let put = json!({"Namespace": "N", "MetricData": [{"MetricName": "m", "Values": (1..=100).collect::<Vec<_>>(), "Timestamp": now - 30.0, "Unit": "Count"}]});
        super::super::put::put_metric_data(&mut st, doc(put)).unwrap();
        let ask = |stats: Value| {
            json!({"Namespace": "N", "MetricName": "m", "StartTime": now - 600.0, "EndTime": now + 60.0, "Period": 300}).as_object().cloned().map(|mut d| { d.extend(doc(stats)); d }).unwrap()
        };
        let out =
            get_metric_statistics(&mut st, ask(json!({"Statistics": ["Sum", "Maximum"]}))).unwrap();
        assert_eq!(out["Datapoints"][0]["Sum"], json!(5050.0));
        assert_eq!(out["Datapoints"][0]["Unit"], json!("Count"));
        let out =
            get_metric_statistics(&mut st, ask(json!({"ExtendedStatistics": ["p99"]}))).unwrap();
        assert_eq!(
            out["Datapoints"][0]["ExtendedStatistics"]["p99"],
            json!(99.0)
        );
        let err = get_metric_statistics(
            &mut st,
            ask(json!({"Statistics": ["Sum"], "ExtendedStatistics": ["p9"]})),
        )
        .unwrap_err();
        assert_eq!(err.code(), "InvalidParameterCombination");
        let err = get_metric_statistics(&mut st, ask(json!({"Statistics": ["Mean"]}))).unwrap_err();
        assert_eq!(err.code(), "InvalidParameterValue");
        let mut bad = ask(json!({"Statistics": ["Sum"]}));
        bad.insert("Period".into(), json!(90));
        assert_eq!(
            get_metric_statistics(&mut st, bad).unwrap_err().code(),
            "InvalidParameterValue"
        );
    }
}
