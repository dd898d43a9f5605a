//! Composite alarms as stored and evaluated. A composite alarm is in ALARM while its
//! [`rule::Rule`] holds over its children's states, OK otherwise, and INSUFFICIENT_DATA until
//! first evaluated. The pass runs after the metric alarms' in the same controller tick, children
//! before parents; composites that depend on each other in a cycle are not evaluated, as
//! CloudWatch stops evaluating when it detects one. Actions are recorded in history only (a
//! composite's actions are SNS, Systems Manager and Lambda ARNs, none emulated); an
//! ActionsSuppressor holds them back as [`super::suppress`] says.

use super::alarm::{action_item, arn, item, HistoryItem};
use super::rule::Rule;
use super::state::RegionState;
use super::suppress::{self, OnChange, SuppressedBy, Suppression};
use crate::core::clock::iso8601;
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BTreeSet};

/// Serialized, a composite is all but its parsed rule, which a restore parses again from the
/// AlarmRule of its configuration ([`Rule`] names states by `&'static str`).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Composite {
    /// The configuration members of CompositeAlarm, as sent.
    pub config: Map<String, Value>,
    #[serde(skip, default = "unparsed")]
    pub rule: Rule,
    pub actions_enabled: bool,
    pub state: String,
    pub reason: String,
    pub reason_data: Option<String>,
    pub state_updated: f64,
    pub config_updated: f64,
    pub tags: BTreeMap<String, String>,
    /// What the suppressor's wait and extension periods leave to do.
    #[serde(default)]
    pub suppression: Suppression,
}

/// The rule of a composite just read, until its AlarmRule is parsed again.
fn unparsed() -> Rule {
    Rule::Const(false)
}

impl Composite {
    pub fn to_json(&self, arn: &str, suppressed: SuppressedBy) -> Value {
        let mut out = super::alarm::Described {
            config: &self.config,
            actions_enabled: self.actions_enabled,
            state: &self.state,
            reason: &self.reason,
            reason_data: self.reason_data.as_deref(),
            state_updated: self.state_updated,
            config_updated: self.config_updated,
        }
        .to_map(arn);
        out.insert("ActionsSuppressedBy".into(), json!(suppressed.name()));
        if let Some(reason) = suppressed.reason() {
            out.insert("ActionsSuppressedReason".into(), json!(reason));
        }
        Value::Object(out)
    }

    pub fn actions(&self, state: &str) -> Vec<String> {
        let member = match state {
            "ALARM" => "AlarmActions",
            "OK" => "OKActions",
            _ => "InsufficientDataActions",
        };
        super::read::strings(&self.config, member)
    }

    pub fn suppressor(&self) -> Option<&str> {
        self.config.get("ActionsSuppressor").and_then(Value::as_str)
    }
}

/// The local name an AlarmRule's reference resolves to (an ARN of this account and region, or
/// a name), whether or not such an alarm exists.
pub fn local_name(st: &RegionState, reference: &str) -> String {
    let prefix = arn(st, "");
    reference
        .strip_prefix(&prefix)
        .unwrap_or(reference)
        .to_string()
}

/// The state of any alarm, metric or composite, by name or ARN.
pub fn state_of(st: &RegionState, reference: &str) -> Option<String> {
    let name = local_name(st, reference);
    st.alarms
        .get(&name)
        .map(|a| a.state.clone())
        .or_else(|| st.composites.get(&name).map(|c| c.state.clone()))
}

/// The composites `name` depends on, directly.
fn composite_children(st: &RegionState, name: &str) -> Vec<String> {
    st.composites[name]
        .rule
        .children()
        .iter()
        .map(|c| local_name(st, c))
        .filter(|c| st.composites.contains_key(c))
        .collect()
}

/// Composite names, children before parents; those on or above a cycle are left out.
pub fn order(st: &RegionState) -> Vec<String> {
    fn visit(
        st: &RegionState,
        n: &str,
        path: &mut BTreeSet<String>,
        done: &mut BTreeMap<String, bool>,
        out: &mut Vec<String>,
    ) -> bool {
        if let Some(ok) = done.get(n) {
            return *ok;
        }
        if !path.insert(n.to_string()) {
            return false;
        }
        let mut ok = true;
        for child in composite_children(st, n) {
            ok &= visit(st, &child, path, done, out);
        }
        path.remove(n);
        done.insert(n.to_string(), ok);
        if ok {
            out.push(n.to_string());
        }
        ok
    }
    let (mut done, mut out) = (BTreeMap::new(), Vec::new());
    for n in st.composites.keys() {
        visit(st, n, &mut BTreeSet::new(), &mut done, &mut out);
    }
    out
}

/// Whether `name` is named in the rule of a composite alarm other than those in `except`.
pub fn parents_of(st: &RegionState, name: &str) -> Vec<String> {
    st.composites
        .iter()
        .filter(|(_, c)| c.rule.children().iter().any(|r| local_name(st, r) == name))
        .map(|(n, _)| n.clone())
        .collect()
}

/// The controller's pass over composites (after the metric alarms').
pub fn evaluate_composites(st: &mut RegionState) {
    let now = st.now();
    for name in order(st) {
        let (due, changed) = suppress::follow(st, &name, now);
        if changed {
            st.journal.note_alarm(&name);
        }
        for a in due {
            let h = composite_item(action_item(&name, now, &a, false));
            st.history.push(h);
        }
        let c = &st.composites[&name];
        let holds = c.rule.eval(&|r| state_of(st, r));
        let state = if holds { "ALARM" } else { "OK" };
        if c.state != state {
            let triggering: Vec<Value> = c
                .rule
                .children()
                .iter()
                .filter_map(|r| {
                    let s = state_of(st, r)?;
                    let a = arn(st, &local_name(st, r));
                    Some(json!({"arn": a, "state": {"value": s}}))
                })
                .collect();
            let reason = match triggering.first() {
                Some(t) => format!(
                    "{} transitioned to {} at {}",
                    t["arn"].as_str().unwrap_or_default(),
                    t["state"]["value"].as_str().unwrap_or_default(),
                    iso8601(st.now())
                ),
                None => format!(
                    "The alarm rule evaluated to {}",
                    holds.to_string().to_uppercase()
                ),
            };
            let data = json!({"triggeringAlarms": triggering});
            transition(st, &name, state, reason, Some(data));
        }
    }
}

/// Moves composite `name` to `state`, recording history as for metric alarms.
pub fn transition(
    st: &mut RegionState,
    name: &str,
    state: &str,
    reason: String,
    data: Option<Value>,
) {
    let now = st.now();
    let Some(c) = st.composites.get(name) else {
        return;
    };
    if c.state == state {
        return;
    }
    let decision = match c.actions_enabled {
        true => suppress::on_change(st, c, now),
        false => OnChange::Suppressed,
    };
    st.journal.note_alarm(name);
    let c = st.composites.get_mut(name).expect("looked up above");
    let old = json!({"stateValue": c.state, "stateReason": c.reason});
    let summary = format!("Alarm updated from {} to {}", c.state, state);
    c.state = state.to_string();
    c.reason = reason.clone();
    c.reason_data = data.as_ref().map(Value::to_string);
    c.state_updated = now;
    let mut new_state = json!({"stateValue": state, "stateReason": reason});
    if let Some(d) = data {
        new_state["stateReasonData"] = d;
    }
    c.suppression.waiting = match decision {
        OnChange::Wait(until) => Some((state.to_string(), until)),
        _ => None,
    };
    let actions = match decision {
        OnChange::Run => c.actions(state),
        _ => Vec::new(),
    };
    let history = json!({"version": "1.0", "oldState": old, "newState": new_state});
    st.history.push(composite_item(item(
        name,
        now,
        "StateUpdate",
        summary,
        history,
    )));
    for a in actions {
        st.history
            .push(composite_item(action_item(name, now, &a, false)));
    }
}

pub fn composite_item(mut h: HistoryItem) -> HistoryItem {
    h.alarm_type = "CompositeAlarm";
    h
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cloudwatch::alarm::evaluate_region;
    use crate::cloudwatch::api::alarms::{delete_alarms, put_metric_alarm, set_alarm_state};
    use crate::cloudwatch::api::composite::put_composite_alarm;

    fn doc(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap()
    }

    fn region() -> RegionState {
        let mut st = RegionState::default();
        for name in ["a", "b"] {
            let put = json!({"AlarmName": name, "Namespace": "N", "MetricName": "m",
                "Statistic": "Average", "Period": 60, "EvaluationPeriods": 1, "Threshold": 1,
                "ComparisonOperator": "GreaterThanThreshold", "TreatMissingData": "ignore"});
            put_metric_alarm(&mut st, doc(put)).unwrap();
        }
        st
    }

    fn set(st: &mut RegionState, name: &str, state: &str) {
        let input = json!({"AlarmName": name, "StateValue": state, "StateReason": "test"});
        set_alarm_state(st, doc(input)).unwrap();
    }

    #[test]
    fn a_composite_follows_its_rule_and_guards_its_children() {
        let mut st = region();
        let put = json!({"AlarmName": "c", "AlarmRule": "ALARM(a) AND NOT ALARM(b)"});
        put_composite_alarm(&mut st, doc(put)).unwrap();
        assert_eq!(st.composites["c"].state, "INSUFFICIENT_DATA");
        set(&mut st, "a", "ALARM");
        evaluate_region(&mut st);
        assert_eq!(st.composites["c"].state, "ALARM");
        set(&mut st, "b", "ALARM");
        evaluate_region(&mut st);
        assert_eq!(st.composites["c"].state, "OK");
        let last = st.history.last().unwrap();
        assert_eq!(
            (last.alarm_type, last.kind),
            ("CompositeAlarm", "StateUpdate")
        );
        let refused = delete_alarms(&mut st, doc(json!({"AlarmNames": ["a"]})));
        assert_eq!(refused.unwrap_err().code(), "ValidationError");
        delete_alarms(&mut st, doc(json!({"AlarmNames": ["c", "a", "nope"]}))).unwrap();
        assert!(st.composites.is_empty() && !st.alarms.contains_key("a"));
    }

    #[test]
    fn unknown_children_and_cycles() {
        let mut st = region();
        let bad = put_composite_alarm(
            &mut st,
            doc(json!({"AlarmName": "c", "AlarmRule": "OK(zz)"})),
        );
        assert!(bad.unwrap_err().message().contains("[zz]"));
        put_composite_alarm(
            &mut st,
            doc(json!({"AlarmName": "c1", "AlarmRule": "TRUE"})),
        )
        .unwrap();
        put_composite_alarm(
            &mut st,
            doc(json!({"AlarmName": "c2", "AlarmRule": "ALARM(c1)"})),
        )
        .unwrap();
        evaluate_region(&mut st);
        assert_eq!(
            st.composites["c2"].state, "ALARM",
            "children are evaluated first"
        );
        let cycle = json!({"AlarmName": "c1", "AlarmRule": "ALARM(c2)"});
        put_composite_alarm(&mut st, doc(cycle)).unwrap();
        assert!(order(&st).is_empty(), "a cycle is not evaluated");
    }
}
