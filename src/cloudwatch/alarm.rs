//! Metric alarms as stored: the configuration as sent (answered back by DescribeAlarms), the
//! parsed rule, the state, and the history items. [`evaluate_region`] is the controller's pass.

use super::evaluate::{decide, Decision, Rule};
use super::state::{MetricKey, RegionState};
use super::stats::{by_period, Stat};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// Serialized whole, as its record in the state dir.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Alarm {
    /// The configuration members of MetricAlarm, as sent.
    pub config: Map<String, Value>,
    pub key: MetricKey,
    pub stat: Stat,
    /// A math alarm's MetricDataQuery list (then `key` and `stat` are unused).
    pub metrics: Option<Vec<Value>>,
    pub unit: Option<String>,
    pub evaluation_periods: usize,
    pub rule: Rule,
    pub actions_enabled: bool,
    pub state: String,
    pub reason: String,
    pub reason_data: Option<String>,
    pub state_updated: f64,
    pub config_updated: f64,
    pub tags: BTreeMap<String, String>,
    /// The most recent datapoint of the last evaluation (what scaling actions act on).
    pub last_value: Option<f64>,
    /// When the scaling actions of the current state were last invoked.
    pub invoked: Option<f64>,
}

/// Read back through [`super::persist::StoredItem`], whose words must be known ones.
#[derive(Debug, Clone, Serialize)]
pub struct HistoryItem {
    pub alarm: String,
    /// `MetricAlarm` or `CompositeAlarm`.
    pub alarm_type: &'static str,
    pub timestamp: f64,
    pub kind: &'static str,
    pub summary: String,
    pub data: String,
}

impl HistoryItem {
    pub fn to_json(&self) -> Value {
        json!({
            "AlarmName": self.alarm, "AlarmType": self.alarm_type, "Timestamp": self.timestamp,
            "HistoryItemType": self.kind, "HistorySummary": self.summary,
            "HistoryData": self.data,
        })
    }
}

/// The members every kind of alarm answers beyond its configuration: ARN, state and timestamps.
pub struct Described<'a> {
    pub config: &'a Map<String, Value>,
    pub actions_enabled: bool,
    pub state: &'a str,
    pub reason: &'a str,
    pub reason_data: Option<&'a str>,
    pub state_updated: f64,
    pub config_updated: f64,
}

impl Described<'_> {
    pub fn to_map(&self, arn: &str) -> Map<String, Value> {
        let mut out = self.config.clone();
        out.insert("AlarmArn".into(), json!(arn));
        out.insert("ActionsEnabled".into(), json!(self.actions_enabled));
        out.insert("StateValue".into(), json!(self.state));
        out.insert("StateReason".into(), json!(self.reason));
        if let Some(data) = self.reason_data {
            out.insert("StateReasonData".into(), json!(data));
        }
        out.insert("StateUpdatedTimestamp".into(), json!(self.state_updated));
        out.insert(
            "StateTransitionedTimestamp".into(),
            json!(self.state_updated),
        );
        out.insert(
            "AlarmConfigurationUpdatedTimestamp".into(),
            json!(self.config_updated),
        );
        out
    }
}

impl Alarm {
    pub fn to_json(&self, arn: &str) -> Value {
        Value::Object(
            Described {
                config: &self.config,
                actions_enabled: self.actions_enabled,
                state: &self.state,
                reason: &self.reason,
                reason_data: self.reason_data.as_deref(),
                state_updated: self.state_updated,
                config_updated: self.config_updated,
            }
            .to_map(arn),
        )
    }

    /// The action ARNs for `state`.
    pub fn actions(&self, state: &str) -> Vec<String> {
        let member = match state {
            "ALARM" => "AlarmActions",
            "OK" => "OKActions",
            _ => "InsufficientDataActions",
        };
        match self.config.get(member) {
            Some(Value::Array(items)) => items
                .iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect(),
            _ => Vec::new(),
        }
    }
}

pub fn arn(st: &RegionState, name: &str) -> String {
    format!(
        "arn:aws:cloudwatch:{}:{}:alarm:{name}",
        st.region, st.account
    )
}

/// Moves `name` to a new state (false, a no-op, when unchanged), recording the StateUpdate and,
/// with actions enabled, one Action item per ARN of the new state; invokes its scaling policies.
pub fn transition(st: &mut RegionState, name: &str, d: Decision) -> bool {
    let now = st.now();
    let Some(alarm) = st.alarms.get_mut(name) else {
        return false;
    };
    if alarm.state == d.state {
        return false;
    }
    st.journal.note_alarm(name);
    let alarm = st.alarms.get_mut(name).expect("looked up above");
    let old = json!({"stateValue": alarm.state, "stateReason": alarm.reason});
    let summary = format!("Alarm updated from {} to {}", alarm.state, d.state);
    alarm.state = d.state.to_string();
    alarm.reason = d.reason.clone();
    alarm.reason_data = (!d.data.is_null()).then(|| d.data.to_string());
    alarm.state_updated = now;
    let mut new_state = json!({"stateValue": d.state, "stateReason": d.reason});
    if !d.data.is_null() {
        new_state["stateReasonData"] = d.data.clone();
    }
    let data = json!({"version": "1.0", "oldState": old, "newState": new_state});
    let actions = if alarm.actions_enabled {
        alarm.actions(d.state)
    } else {
        Vec::new()
    };
    st.history
        .push(item(name, now, "StateUpdate", summary, data));
    let invoked = super::actions::invoke(st, name);
    for action in actions {
        st.history
            .push(action_item(name, now, &action, invoked.contains(&action)));
    }
    true
}

/// The Action history item: scaling policies are executed, other actions only recorded.
pub fn action_item(name: &str, now: f64, action: &str, executed: bool) -> HistoryItem {
    let (state, summary) = if executed {
        (
            "Succeeded",
            format!("Successfully executed action {action}"),
        )
    } else {
        ("Recorded", format!("Action recorded: {action}"))
    };
    let data = json!({"actionState": state, "notificationResource": action,
        "stateUpdateTimestamp": (now * 1000.0) as i64});
    item(name, now, "Action", summary, data)
}

pub fn item(name: &str, t: f64, kind: &'static str, summary: String, data: Value) -> HistoryItem {
    HistoryItem {
        alarm: name.to_string(),
        alarm_type: "MetricAlarm",
        timestamp: t,
        kind,
        summary,
        data: data.to_string(),
    }
}

/// The statistic of each of the alarm's last EvaluationPeriods complete periods, oldest first.
pub fn periods(st: &RegionState, alarm: &Alarm) -> Vec<(i64, Option<(f64, f64)>)> {
    if let Some(metrics) = &alarm.metrics {
        return super::math_alarm::periods(st, alarm, metrics);
    }
    let p = alarm.rule.period;
    let end = (st.now() as i64).div_euclid(p) * p;
    let start = end - p * alarm.evaluation_periods as i64;
    let data = st
        .metrics
        .get(&alarm.key)
        .map(|s| by_period(s, start as f64, end as f64, p, alarm.unit.as_deref()));
    (0..alarm.evaluation_periods as i64)
        .map(|i| start + i * p)
        .map(|t| {
            let b = data.as_ref().and_then(|d| d.get(&t)).map(|(b, _)| b);
            let v = b.and_then(|b| alarm.stat.of(b).map(|v| (v, b.count)));
            (t, v)
        })
        .collect()
}

/// The controller's pass: evaluates every metric alarm of the region (an alarm that stays in its
/// state invokes its scaling actions again when they are due), then the composite alarms.
pub fn evaluate_region(st: &mut RegionState) {
    let names: Vec<String> = st.alarms.keys().cloned().collect();
    for name in names {
        let alarm = &st.alarms[&name];
        let periods = periods(st, alarm);
        let decision = decide(&alarm.rule, &periods, st.now());
        let last = periods.iter().rev().find_map(|(_, v)| v.map(|(v, _)| v));
        if let Some(a) = st.alarms.get_mut(&name) {
            if a.last_value != last {
                a.last_value = last;
                st.journal.note_alarm(&name);
            }
        }
        let moved = decision.is_some_and(|d| transition(st, &name, d));
        if !moved {
            super::actions::reinvoke(st, &name);
        }
    }
    super::composite::evaluate_composites(st);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cloudwatch::api::alarms::put_metric_alarm;
    use crate::cloudwatch::state::Point;

    #[test]
    fn a_pass_moves_an_alarm_and_records_history() {
        let mut st = RegionState::default();
        let put = json!({"AlarmName": "a", "Namespace": "N", "MetricName": "m",
            "Statistic": "Average", "Period": 60, "EvaluationPeriods": 1, "Threshold": 80,
            "ComparisonOperator": "GreaterThanOrEqualToThreshold", "AlarmActions": ["arn:x"]});
        put_metric_alarm(&mut st, put.as_object().cloned().unwrap()).unwrap();
        evaluate_region(&mut st);
        assert_eq!(st.alarms["a"].state, "INSUFFICIENT_DATA");
        let end = (st.now() as i64).div_euclid(60) * 60;
        let point = Point {
            timestamp: (end - 30) as f64,
            unit: "None".into(),
            resolution: 60,
            values: vec![(85.0, 1.0)],
            stats: None,
        };
        st.put(MetricKey::new("N", "m", vec![]), &point);
        evaluate_region(&mut st);
        let a = &st.alarms["a"];
        assert_eq!(a.state, "ALARM");
        assert!(a
            .reason
            .starts_with("Threshold Crossed: 1 datapoint [85.0 ("));
        let kinds: Vec<&str> = st.history.iter().map(|h| h.kind).collect();
        assert_eq!(kinds, ["ConfigurationUpdate", "StateUpdate", "Action"]);
        assert_eq!(st.history[2].summary, "Action recorded: arn:x");
    }
}
