//! Alarm operations: PutMetricAlarm, DescribeAlarmsForMetric, DeleteAlarms, SetAlarmState and
//! Enable/DisableAlarmActions (the last three for composite alarms too).

use super::super::alarm::{arn, item, transition, Alarm};
use super::super::composite;
use super::super::error::{CwError, CwResult};
use super::super::evaluate::{Decision, Missing, Op, Rule};
use super::super::math_alarm;
use super::super::read::{self, Doc};
use super::super::state::{MetricKey, RegionState};
use super::super::stats::Stat;
use serde_json::{json, Map, Value};

const CONFIG: &[&str] = &[
    "AlarmName",
    "AlarmDescription",
    "OKActions",
    "AlarmActions",
    "InsufficientDataActions",
    "MetricName",
    "Namespace",
    "Statistic",
    "ExtendedStatistic",
    "Dimensions",
    "Period",
    "Unit",
    "EvaluationPeriods",
    "DatapointsToAlarm",
    "Threshold",
    "ComparisonOperator",
    "TreatMissingData",
    "Metrics",
    "ThresholdMetricId",
    "EvaluateLowSampleCountPercentile",
];

fn bad(msg: &str) -> CwError {
    CwError::InvalidParameterValue(msg.to_string())
}

pub fn int(input: &Doc, name: &str) -> CwResult<Option<i64>> {
    Ok(read::number(input, name, name)?.map(|v| v as i64))
}

/// The rule; `math_period` is a math alarm's period (from its Metrics), else Period is read.
fn rule(input: &Doc, stat_name: &str, math_period: Option<i64>) -> CwResult<(Rule, usize)> {
    let period = match math_period {
        Some(p) => p,
        None => int(input, "Period")?.ok_or_else(|| CwError::missing("Period"))?,
    };
    if period < 10 || !(period == 10 || period == 30 || period % 60 == 0) {
        return Err(bad("Period must be 10, 30 or a multiple of 60."));
    }
    let n =
        int(input, "EvaluationPeriods")?.ok_or_else(|| CwError::missing("EvaluationPeriods"))?;
    if n < 1 || n * period > 86_400 {
        return Err(bad(
            "The evaluation period (Period * EvaluationPeriods) must not exceed 1 day.",
        ));
    }
    let m = int(input, "DatapointsToAlarm")?.unwrap_or(n);
    if m < 1 || m > n {
        return Err(bad(
            "DatapointsToAlarm must be less than or equal to EvaluationPeriods.",
        ));
    }
    let op_text = read::required_str(input, "ComparisonOperator", "ComparisonOperator")?;
    let op =
        Op::parse(op_text).ok_or_else(|| CwError::invalid_value("ComparisonOperator", op_text))?;
    let threshold = read::number(input, "Threshold", "Threshold")?
        .ok_or_else(|| CwError::missing("Threshold"))?;
    let missing_text = read::str(input, "TreatMissingData").unwrap_or("missing");
    let missing = Missing::parse(missing_text)
        .ok_or_else(|| CwError::invalid_value("TreatMissingData", missing_text))?;
    let r = Rule {
        op,
        threshold,
        datapoints_to_alarm: m as usize,
        missing,
        statistic: stat_name.into(),
        period,
    };
    Ok((r, n as usize))
}

fn statistic(input: &Doc) -> CwResult<(String, Stat)> {
    match (
        read::str(input, "Statistic"),
        read::str(input, "ExtendedStatistic"),
    ) {
        (Some(s), None) => Stat::parse(s)
            .filter(|st| !matches!(st, Stat::Percentile(_)))
            .map(|st| (s.to_string(), st))
            .ok_or_else(|| CwError::invalid_value("Statistic", s)),
        (None, Some(s)) => Stat::parse(s)
            .filter(|st| matches!(st, Stat::Percentile(_)))
            .map(|st| (s.to_string(), st))
            .ok_or_else(|| CwError::invalid_value("ExtendedStatistic", s)),
        (Some(_), Some(_)) => Err(CwError::InvalidParameterCombination(
            "Exactly one of Statistic or ExtendedStatistic must be specified.".into(),
        )),
        (None, None) => Err(CwError::MissingParameter(
            "Exactly one of Statistic or ExtendedStatistic must be specified.".into(),
        )),
    }
}

/// What a metric alarm watches: one metric and statistic, or (math alarms) its Metrics.
struct Watched {
    key: MetricKey,
    stat_name: String,
    stat: Stat,
    math_period: Option<i64>,
}

fn watched(input: &Doc) -> CwResult<Watched> {
    let op = read::str(input, "ComparisonOperator").unwrap_or_default();
    if math_alarm::ANOMALY_OPERATORS.contains(&op) {
        return Err(math_alarm::refuse_anomaly_detection(input, op));
    }
    if input.contains_key("Metrics") {
        return Ok(Watched {
            key: MetricKey::new("", "", Vec::new()),
            stat_name: String::new(),
            stat: Stat::Average,
            math_period: Some(math_alarm::check(input)?),
        });
    }
    let namespace = read::required_str(input, "Namespace", "Namespace")?;
    let metric = read::required_str(input, "MetricName", "MetricName")?;
    let dims = read::dimensions(input, "")?;
    let (stat_name, stat) = statistic(input)?;
    Ok(Watched {
        key: MetricKey::new(namespace, metric, dims),
        stat_name,
        stat,
        math_period: None,
    })
}

pub fn put_metric_alarm(st: &mut RegionState, input: Doc) -> CwResult<Value> {
    let name = read::required_str(&input, "AlarmName", "AlarmName")?.to_string();
    let w = watched(&input)?;
    let (rule, n) = rule(&input, &w.stat_name, w.math_period)?;
    let mut config = Map::new();
    for key in CONFIG {
        if let Some(v) = input.get(*key) {
            config.insert(key.to_string(), v.clone());
        }
    }
    if w.math_period.is_none() {
        config.insert("Period".into(), json!(rule.period));
    }
    for (key, v) in [
        ("EvaluationPeriods", n as i64),
        ("DatapointsToAlarm", rule.datapoints_to_alarm as i64),
    ] {
        config.insert(key.into(), json!(v));
    }
    config.insert("Threshold".into(), json!(rule.threshold));
    config.insert(
        "TreatMissingData".into(),
        json!(read::str(&input, "TreatMissingData").unwrap_or("missing")),
    );
    for list in ["OKActions", "AlarmActions", "InsufficientDataActions"] {
        config.entry(list).or_insert(json!([]));
    }
    if w.math_period.is_none() {
        config.entry("Dimensions").or_insert(json!([]));
    }
    let now = st.now();
    let new_tags = super::tags::tags(&input)?;
    let prior = st.alarms.remove(&name);
    let alarm = Alarm {
        config,
        key: w.key,
        stat: w.stat,
        metrics: w
            .math_period
            .map(|_| read::list(&input, "Metrics").to_vec()),
        unit: read::string_of(&input, "Unit"),
        evaluation_periods: n,
        rule,
        actions_enabled: read::boolean(&input, "ActionsEnabled").unwrap_or(true),
        state: prior
            .as_ref()
            .map_or("INSUFFICIENT_DATA".into(), |a| a.state.clone()),
        reason: prior
            .as_ref()
            .map_or("Unchecked: Initial alarm creation".into(), |a| {
                a.reason.clone()
            }),
        reason_data: prior.as_ref().and_then(|a| a.reason_data.clone()),
        state_updated: prior.as_ref().map_or(now, |a| a.state_updated),
        config_updated: now,
        tags: match &prior {
            Some(a) => a.tags.clone(),
            None => new_tags,
        },
        last_value: prior.as_ref().and_then(|a| a.last_value),
        invoked: prior.as_ref().and_then(|a| a.invoked),
    };
    let (kind, verb) = if prior.is_some() {
        ("Update", "updated")
    } else {
        ("Create", "created")
    };
    let data =
        json!({"version": "1.0", "type": kind, "createdAlarm": alarm.to_json(&arn(st, &name))});
    st.history.push(item(
        &name,
        now,
        "ConfigurationUpdate",
        format!("Alarm \"{name}\" {verb}"),
        data,
    ));
    st.alarms.insert(name, alarm);
    Ok(json!({}))
}

pub fn describe_alarms_for_metric(st: &mut RegionState, input: Doc) -> CwResult<Value> {
    let namespace = read::required_str(&input, "Namespace", "Namespace")?;
    let metric = read::required_str(&input, "MetricName", "MetricName")?;
    let dims = read::dimensions(&input, "")?;
    let key = MetricKey::new(namespace, metric, dims);
    let want_dims = input.contains_key("Dimensions");
    let alarms: Vec<Value> = st
        .alarms
        .iter()
        .filter(|(_, a)| a.key.namespace == key.namespace && a.key.name == key.name)
        .filter(|(_, a)| !want_dims || a.key.dimensions == key.dimensions)
        .filter(|(_, a)| read::str(&input, "Statistic").is_none_or(|s| a.rule.statistic == s))
        .filter(|(_, a)| {
            int(&input, "Period")
                .ok()
                .flatten()
                .is_none_or(|p| a.rule.period == p)
        })
        .map(|(n, a)| a.to_json(&arn(st, n)))
        .collect();
    Ok(json!({ "MetricAlarms": alarms }))
}

/// Deletes the named alarms, metric or composite (unknown names are skipped, as CloudWatch
/// does); refuses to delete an alarm a remaining composite alarm's rule still names, and more
/// than one composite alarm at a time.
pub fn delete_alarms(st: &mut RegionState, input: Doc) -> CwResult<Value> {
    let names = read::strings(&input, "AlarmNames");
    if names
        .iter()
        .filter(|n| st.composites.contains_key(*n))
        .count()
        > 1
    {
        return Err(CwError::Validation(
            "You can delete no more than one composite alarm in one operation.".into(),
        ));
    }
    for n in &names {
        let parents: Vec<String> = composite::parents_of(st, n)
            .into_iter()
            .filter(|p| !names.contains(p))
            .collect();
        if !parents.is_empty() {
            return Err(CwError::Validation(format!(
                "Could not delete alarm {n} because it is a child of the composite alarm(s) [{}]",
                parents.join(", ")
            )));
        }
    }
    for n in names {
        st.alarms.remove(&n);
        st.composites.remove(&n);
    }
    Ok(json!({}))
}

pub fn set_alarm_state(st: &mut RegionState, input: Doc) -> CwResult<Value> {
    let name = read::required_str(&input, "AlarmName", "AlarmName")?;
    let state = read::required_str(&input, "StateValue", "StateValue")?;
    let reason = read::required_str(&input, "StateReason", "StateReason")?;
    let state = ["OK", "ALARM", "INSUFFICIENT_DATA"]
        .into_iter()
        .find(|s| *s == state)
        .ok_or_else(|| CwError::invalid_value("StateValue", state))?;
    let composite = st.composites.contains_key(name);
    if !st.alarms.contains_key(name) && !composite {
        return Err(CwError::NotFound(
            "ResourceNotFound",
            format!("Alarm {name} does not exist."),
        ));
    }
    let data = match read::str(&input, "StateReasonData") {
        Some(text) => serde_json::from_str(text)
            .map_err(|_| CwError::invalid_value("StateReasonData", text))?,
        None => Value::Null,
    };
    let decision = Decision {
        state,
        reason: reason.to_string(),
        data,
    };
    if composite {
        let data = (!decision.data.is_null()).then_some(decision.data);
        composite::transition(st, name, state, decision.reason, data);
    } else {
        transition(st, name, decision);
    }
    Ok(json!({}))
}

fn set_actions(st: &mut RegionState, input: &Doc, enabled: bool) -> CwResult<Value> {
    for n in read::strings(input, "AlarmNames") {
        if let Some(a) = st.alarms.get_mut(&n) {
            a.actions_enabled = enabled;
        }
        if let Some(c) = st.composites.get_mut(&n) {
            c.actions_enabled = enabled;
        }
    }
    Ok(json!({}))
}

pub fn enable_alarm_actions(st: &mut RegionState, input: Doc) -> CwResult<Value> {
    set_actions(st, &input, true)
}

pub fn disable_alarm_actions(st: &mut RegionState, input: Doc) -> CwResult<Value> {
    set_actions(st, &input, false)
}
