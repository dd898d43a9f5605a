//! Metric-math alarms: PutMetricAlarm with `Metrics` (a MetricDataQuery list, exactly one of
//! them returning data) instead of one metric. Each evaluation runs the queries with
//! GetMetricData's engine ([`super::api::data::evaluate`]) over the alarm's last
//! EvaluationPeriods periods and compares the returned series. The period is the returned
//! query's MetricStat period, or the longest MetricStat period of the list.
//!
//! Anomaly-detection alarms (the `…LowerThreshold`/`…UpperThreshold` operators with a
//! ThresholdMetricId naming an ANOMALY_DETECTION_BAND expression) are refused: local-ecs has no
//! anomaly detection models.

use super::alarm::Alarm;
use super::api::data::{evaluate, queries};
use super::api::expr::Val;
use super::error::{CwError, CwResult};
use super::evaluate::Period;
use super::read::{self, Doc};
use super::state::RegionState;
use serde_json::Value;

/// Members a math alarm must not have, as CloudWatch refuses them.
const SINGLE_METRIC: &[&str] = &[
    "MetricName",
    "Namespace",
    "Statistic",
    "ExtendedStatistic",
    "Dimensions",
    "Period",
    "Unit",
];

pub const ANOMALY_OPERATORS: &[&str] = &[
    "LessThanLowerOrGreaterThanUpperThreshold",
    "LessThanLowerThreshold",
    "GreaterThanUpperThreshold",
];

fn invalid(msg: impl Into<String>) -> CwError {
    CwError::Validation(msg.into())
}

/// Checks the `Metrics` of a PutMetricAlarm input; the alarm's period.
pub fn check(input: &Doc) -> CwResult<i64> {
    for member in SINGLE_METRIC {
        if input.contains_key(*member) {
            return Err(invalid(format!(
                "{member} should not be set if list of Metrics is set."
            )));
        }
    }
    let docs = read::objects(input, "Metrics");
    let parsed = queries(docs, "Metrics")?;
    let returning: Vec<_> = parsed.iter().filter(|q| q.returned).collect();
    if returning.len() != 1 {
        return Err(invalid(
            "Exactly one element of the metrics list should return data.",
        ));
    }
    let period_of = |d: &Doc| {
        d.get("MetricStat")
            .and_then(|m| m.get("Period"))
            .and_then(|p| p.as_f64().or_else(|| p.as_str()?.parse().ok()))
            .map(|p| p as i64)
    };
    let longest = parsed.iter().filter_map(|q| period_of(q.doc)).max();
    let period = period_of(returning[0].doc).or(longest).unwrap_or(60);
    if period < 10 || !(period == 10 || period == 30 || period % 60 == 0) {
        return Err(CwError::InvalidParameterValue(
            "Period must be 10, 30 or a multiple of 60.".into(),
        ));
    }
    Ok(period)
}

/// The anomaly-detection operators need a band local-ecs cannot compute: CloudWatch's own
/// checks first (ThresholdMetricId naming an ANOMALY_DETECTION_BAND expression), then a clear
/// refusal.
pub fn refuse_anomaly_detection(input: &Doc, op: &str) -> CwError {
    let Some(id) = read::str(input, "ThresholdMetricId") else {
        return invalid(format!(
            "ComparisonOperator {op} requires ThresholdMetricId to be set."
        ));
    };
    let band = read::objects(input, "Metrics").into_iter().any(|q| {
        read::str(q, "Id") == Some(id)
            && read::str(q, "Expression").is_some_and(|e| e.contains("ANOMALY_DETECTION_BAND"))
    });
    if !band {
        return invalid(
            "Metrics list must contain exactly one metric matching the ThresholdMetricId parameter",
        );
    }
    invalid(format!(
        "local-ecs does not emulate anomaly detection: ComparisonOperator {op} with an \
         ANOMALY_DETECTION_BAND threshold cannot be evaluated (use a static Threshold)."
    ))
}

/// The returned query's value in each of the alarm's last EvaluationPeriods periods.
pub fn periods(st: &RegionState, alarm: &Alarm, metrics: &[Value]) -> Vec<Period> {
    let p = alarm.rule.period;
    let end = (st.now() as i64).div_euclid(p) * p;
    let start = end - p * alarm.evaluation_periods as i64;
    let docs: Vec<&Doc> = metrics.iter().filter_map(Value::as_object).collect();
    let series = queries(docs, "Metrics").and_then(|qs| {
        let values = evaluate(st, &qs, start as f64, end as f64)?;
        let id = qs.iter().find(|q| q.returned).map(|q| q.id.clone());
        Ok(match id.and_then(|id| values.get(&id).cloned()) {
            Some(Val::Series(s)) => Some(s),
            _ => None,
        })
    });
    let series = series.ok().flatten().unwrap_or_default();
    (0..alarm.evaluation_periods as i64)
        .map(|i| start + i * p)
        .map(|t| (t, series.get(&t).map(|v| (*v, 1.0))))
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::cloudwatch::alarm::evaluate_region;
    use crate::cloudwatch::api::alarms::put_metric_alarm;
    use crate::cloudwatch::state::{MetricKey, Point, RegionState};
    use serde_json::{json, Value};

    fn alarm(metrics: Value, extra: Value) -> serde_json::Map<String, Value> {
        let mut put = json!({"AlarmName": "math", "EvaluationPeriods": 1, "Threshold": 50,
            "ComparisonOperator": "GreaterThanThreshold", "Metrics": metrics});
        put.as_object_mut()
            .unwrap()
            .extend(extra.as_object().cloned().unwrap());
        put.as_object().cloned().unwrap()
    }

    fn metrics(second_returns: bool) -> Value {
        json!([
            {"Id": "m1", "ReturnData": false, "MetricStat": {"Metric": {"Namespace": "N",
                "MetricName": "m"}, "Period": 60, "Stat": "Sum"}},
            {"Id": "e1", "Expression": "m1 * 2", "ReturnData": second_returns},
        ])
    }

    #[test]
    fn a_math_alarm_compares_its_expression() {
        let mut st = RegionState::default();
        put_metric_alarm(&mut st, alarm(metrics(true), json!({}))).unwrap();
        let end = (st.now() as i64).div_euclid(60) * 60;
        let point = Point {
            timestamp: (end - 30) as f64,
            unit: "None".into(),
            resolution: 60,
            values: vec![(30.0, 1.0)],
            stats: None,
        };
        st.put(MetricKey::new("N", "m", vec![]), &point);
        evaluate_region(&mut st);
        let a = &st.alarms["math"];
        assert_eq!((a.state.as_str(), a.last_value), ("ALARM", Some(60.0)));
        let described = a.to_json("arn");
        assert_eq!(described["Metrics"][1]["Expression"], json!("m1 * 2"));
        assert!(described.get("Period").is_none() && described.get("MetricName").is_none());
    }

    #[test]
    fn math_alarms_are_checked_as_cloudwatch_checks_them() {
        let mut st = RegionState::default();
        let err = |st: &mut RegionState, m: Value, extra: Value| {
            put_metric_alarm(st, alarm(m, extra))
                .unwrap_err()
                .message()
                .to_string()
        };
        assert_eq!(
            err(&mut st, metrics(false), json!({})),
            "Exactly one element of the metrics list should return data."
        );
        assert_eq!(
            err(&mut st, metrics(true), json!({"Statistic": "Sum"})),
            "Statistic should not be set if list of Metrics is set."
        );
        let band = json!([{"Id": "ad1", "Expression": "ANOMALY_DETECTION_BAND(m1, 2)"}]);
        let op = json!({"ComparisonOperator": "GreaterThanUpperThreshold",
            "ThresholdMetricId": "ad1"});
        assert!(err(&mut st, band, op).starts_with("local-ecs does not emulate anomaly detection"));
    }
}
