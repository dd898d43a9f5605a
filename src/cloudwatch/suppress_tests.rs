//! A composite's actions under its suppressor's wait and extension periods, on paused time.

use super::*;
use crate::cloudwatch::alarm::evaluate_region;
use crate::cloudwatch::api::alarms::{put_metric_alarm, set_alarm_state};
use crate::cloudwatch::api::composite::put_composite_alarm;
use serde_json::{json, Map};
use std::time::Duration;

const TOPIC: &str = "arn:aws:sns:us-east-1:000000000000:ops";

fn doc(v: Value) -> Map<String, Value> {
    v.as_object().cloned().unwrap()
}

/// Metric alarms `a` (what the composite follows) and `b` (its suppressor), set by hand, and
/// composite `c`: ALARM(a), actions on ALARM and OK, wait 60 s, extension 120 s.
fn region() -> RegionState {
    let mut st = RegionState::default();
    for name in ["a", "b"] {
        let put = json!({"AlarmName": name, "Namespace": "N", "MetricName": "m",
            "Statistic": "Average", "Period": 60, "EvaluationPeriods": 1, "Threshold": 1,
            "ComparisonOperator": "GreaterThanThreshold", "TreatMissingData": "ignore"});
        put_metric_alarm(&mut st, doc(put)).unwrap();
    }
    let put = json!({"AlarmName": "c", "AlarmRule": "ALARM(a)", "AlarmActions": [TOPIC],
        "OKActions": [TOPIC], "ActionsSuppressor": "b", "ActionsSuppressorWaitPeriod": 60,
        "ActionsSuppressorExtensionPeriod": 120});
    put_composite_alarm(&mut st, doc(put)).unwrap();
    st
}

fn set(st: &mut RegionState, name: &str, state: &str) {
    let input = json!({"AlarmName": name, "StateValue": state, "StateReason": "test"});
    set_alarm_state(st, doc(input)).unwrap();
    evaluate_region(st);
}

async fn pass_after(st: &mut RegionState, secs: u64) {
    tokio::time::advance(Duration::from_secs(secs)).await;
    evaluate_region(st);
}

/// The composite's recorded actions so far.
fn actions(st: &RegionState) -> usize {
    let composite = |h: &&crate::cloudwatch::alarm::HistoryItem| h.alarm == "c";
    st.history
        .iter()
        .filter(composite)
        .filter(|h| h.kind == "Action")
        .count()
}

fn by(st: &RegionState) -> SuppressedBy {
    suppressed_by(st, &st.composites["c"], st.now())
}

#[tokio::test(start_paused = true)]
async fn actions_wait_for_the_suppressor_then_run() {
    let mut st = region();
    set(&mut st, "a", "ALARM");
    assert_eq!(st.composites["c"].state, "ALARM");
    assert_eq!((actions(&st), by(&st)), (0, SuppressedBy::WaitPeriod));
    pass_after(&mut st, 30).await;
    assert_eq!(actions(&st), 0, "still within the wait period");
    pass_after(&mut st, 31).await;
    assert_eq!(
        (actions(&st), by(&st)),
        (1, SuppressedBy::None),
        "the wait is over"
    );
}

#[tokio::test(start_paused = true)]
async fn a_suppressor_in_alarm_within_the_wait_suppresses_them() {
    let mut st = region();
    set(&mut st, "a", "ALARM");
    pass_after(&mut st, 10).await;
    set(&mut st, "b", "ALARM");
    assert_eq!(by(&st), SuppressedBy::Alarm);
    pass_after(&mut st, 120).await;
    assert_eq!(actions(&st), 0, "suppressed, not run late");
}

#[tokio::test(start_paused = true)]
async fn the_extension_period_follows_the_suppressor_out_of_alarm() {
    let mut st = region();
    set(&mut st, "b", "ALARM");
    set(&mut st, "a", "ALARM");
    assert_eq!((actions(&st), by(&st)), (0, SuppressedBy::Alarm));
    set(&mut st, "b", "OK");
    assert_eq!(by(&st), SuppressedBy::ExtensionPeriod);
    pass_after(&mut st, 60).await;
    set(&mut st, "a", "OK");
    pass_after(&mut st, 90).await;
    assert_eq!(
        actions(&st),
        0,
        "the change within the extension is suppressed"
    );
    assert_eq!(by(&st), SuppressedBy::None, "the extension is over");
    set(&mut st, "a", "ALARM");
    pass_after(&mut st, 61).await;
    assert_eq!(actions(&st), 1, "after the extension: wait, then run");
}
