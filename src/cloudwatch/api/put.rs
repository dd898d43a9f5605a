//! PutMetricData: AWS's checks on namespace, items, values and timestamps, then the store.

use super::super::error::{CwError, CwResult};
use super::super::read::{self, Doc};
use super::super::state::{MetricKey, Point, RegionState};
use serde_json::{json, Value};

const UNITS: &[&str] = &[
    "Seconds",
    "Microseconds",
    "Milliseconds",
    "Bytes",
    "Kilobytes",
    "Megabytes",
    "Gigabytes",
    "Terabytes",
    "Bits",
    "Kilobits",
    "Megabits",
    "Gigabits",
    "Terabits",
    "Percent",
    "Count",
    "Bytes/Second",
    "Kilobytes/Second",
    "Megabytes/Second",
    "Gigabytes/Second",
    "Terabytes/Second",
    "Bits/Second",
    "Kilobits/Second",
    "Megabits/Second",
    "Gigabits/Second",
    "Terabits/Second",
    "Count/Second",
    "None",
];

pub fn put_metric_data(st: &mut RegionState, input: Doc) -> CwResult<Value> {
    let namespace = read::required_str(&input, "Namespace", "Namespace")?;
    if namespace.starts_with("AWS/") || namespace.len() > 255 {
        return Err(CwError::invalid_value("Namespace", namespace));
    }
    let items = read::objects(&input, "MetricData");
    if items.is_empty() {
        return Err(CwError::missing("MetricData"));
    }
    if items.len() > 1000 {
        return Err(CwError::InvalidParameterValue(
            "The collection MetricData must not have a size greater than 1000.".into(),
        ));
    }
    let now = st.now();
    // Check every item before storing any: a rejected call stores nothing.
    let points = items
        .iter()
        .enumerate()
        .map(|(i, d)| datum(d, &format!("MetricData.member.{}.", i + 1), now))
        .collect::<CwResult<Vec<_>>>()?;
    for (key, point) in points {
        st.put(MetricKey::new(namespace, &key.0, key.1), &point);
    }
    Ok(json!({}))
}

type Named = (String, Vec<(String, String)>);

/// One MetricDatum checked, with `path` (`MetricData.member.N.`) naming it in messages.
pub fn datum(d: &Doc, path: &str, now: f64) -> CwResult<(Named, Point)> {
    let name = read::required_str(d, "MetricName", &format!("{path}MetricName"))?;
    let dims = read::dimensions(d, path)?;
    let timestamp = read::timestamp(d, "Timestamp")?.unwrap_or(now);
    check_time(timestamp, now, &format!("{path}Timestamp"))?;
    let unit = read::str(d, "Unit").unwrap_or("None").to_string();
    if !UNITS.contains(&unit.as_str()) {
        return Err(CwError::invalid_value(&format!("{path}Unit"), &unit));
    }
    let resolution = match read::number(d, "StorageResolution", path)? {
        None => 60,
        Some(r) if r == 1.0 || r == 60.0 => r as u32,
        Some(r) => {
            return Err(CwError::invalid_value(
                &format!("{path}StorageResolution"),
                r,
            ))
        }
    };
    let (values, stats) = values(d, path)?;
    let point = Point {
        timestamp,
        unit,
        resolution,
        values,
        stats,
    };
    Ok(((name.to_string(), dims), point))
}

/// CloudWatch takes data up to two weeks old and up to two hours ahead.
fn check_time(t: f64, now: f64, path: &str) -> CwResult<()> {
    if t < now - 14.0 * 86_400.0 || t > now + 2.0 * 3600.0 {
        return Err(CwError::InvalidParameterValue(format!(
            "The parameter {path} must specify a time no more than two weeks in the past and \
             no more than two hours in the future."
        )));
    }
    Ok(())
}

type Values = (Vec<(f64, f64)>, Option<(f64, f64, f64, f64)>);

/// Exactly one of Value, Values (+ Counts) and StatisticValues.
fn values(d: &Doc, path: &str) -> CwResult<Values> {
    let value = read::number(d, "Value", &format!("{path}Value"))?;
    let listed = read::list(d, "Values");
    let stats = d.get("StatisticValues").and_then(Value::as_object);
    let given = [value.is_some(), !listed.is_empty(), stats.is_some()];
    if given.iter().filter(|g| **g).count() > 1 {
        return Err(CwError::InvalidParameterCombination(format!(
            "The parameters {path}Value, {path}Values and {path}StatisticValues are mutually exclusive \
             and you have specified more than one."
        )));
    }
    if let Some(s) = stats {
        return statistic_values(s, &format!("{path}StatisticValues.")).map(|s| (vec![], Some(s)));
    }
    if let Some(v) = value {
        return Ok((vec![(v, 1.0)], None));
    }
    if listed.is_empty() {
        return Err(CwError::missing(&format!("{path}Value")));
    }
    values_with_counts(d, listed, path).map(|v| (v, None))
}

fn values_with_counts(d: &Doc, listed: &[Value], path: &str) -> CwResult<Vec<(f64, f64)>> {
    if listed.len() > 150 {
        return Err(CwError::InvalidParameterValue(format!(
            "The collection {path}Values must not have a size greater than 150."
        )));
    }
    let counts = read::list(d, "Counts");
    if !counts.is_empty() && counts.len() != listed.len() {
        return Err(CwError::InvalidParameterValue(format!(
            "The parameters {path}Values and {path}Counts must be of the same size."
        )));
    }
    listed
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let value = read::item_number(v, &format!("{path}Values.member.{}", i + 1))?;
            let count = match counts.get(i) {
                Some(c) => read::item_number(c, &format!("{path}Counts.member.{}", i + 1))?,
                None => 1.0,
            };
            Ok((value, count))
        })
        .collect()
}

fn statistic_values(s: &Doc, path: &str) -> CwResult<(f64, f64, f64, f64)> {
    let get = |name: &str| -> CwResult<f64> {
        let at = format!("{path}{name}");
        read::number(s, name, &at)?.ok_or_else(|| CwError::missing(&at))
    };
    let (count, sum, min, max) = (
        get("SampleCount")?,
        get("Sum")?,
        get("Minimum")?,
        get("Maximum")?,
    );
    if count <= 0.0 || min > max {
        return Err(CwError::invalid_value(&format!("{path}SampleCount"), count));
    }
    Ok((count, sum, min, max))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::clock::Clock;

    fn doc(v: Value) -> Doc {
        v.as_object().cloned().unwrap()
    }

    #[test]
    fn validation() {
        let mut st = RegionState {
            clock: Clock::new(1.0),
            ..Default::default()
        };
        let code = |st: &mut RegionState, v: Value| put_metric_data(st, doc(v)).unwrap_err().code();
        assert_eq!(
            code(
                &mut st,
                json!({"Namespace": "AWS/ECS", "MetricData": [{"MetricName": "m", "Value": 1}]})
            ),
            "InvalidParameterValue"
        );
        assert_eq!(
            code(
                &mut st,
                json!({"MetricData": [{"MetricName": "m", "Value": 1}]})
            ),
            "MissingParameter"
        );
        assert_eq!(
            code(
                &mut st,
                json!({"Namespace": "N", "MetricData": [{"MetricName": "m", "Value": 1, "Values": [1]}]})
            ),
            "InvalidParameterCombination"
        );
        assert_eq!(
            code(
                &mut st,
                json!({"Namespace": "N", "MetricData": [{"MetricName": "m", "Value": 1, "Timestamp": 1000}]})
            ),
            "InvalidParameterValue"
        );
        assert_eq!(
            code(
                &mut st,
                json!({"Namespace": "N", "MetricData": [{"MetricName": "m", "Value": 1, "StorageResolution": 10}]})
            ),
            "InvalidParameterValue"
        );
        assert_eq!(
            code(
                &mut st,
                json!({"Namespace": "N", "MetricData": [{"MetricName": "m", "Values": [1, 2], "Counts": [1]}]})
            ),
            "InvalidParameterValue"
        );
        assert!(st.metrics.is_empty());
        put_metric_data(&mut st, doc(json!({"Namespace": "N", "MetricData": [
            {"MetricName": "m", "Values": ["1", "2"], "Counts": ["3", "1"], "Dimensions": [{"Name": "b", "Value": "2"}, {"Name": "a", "Value": "1"}]}]}))).unwrap();
        let (key, series) = st.metrics.iter().next().unwrap();
        assert_eq!(key.dimensions[0].0, "a");
        assert_eq!(series.buckets.values().next().unwrap().sum, 5.0);
    }
}
