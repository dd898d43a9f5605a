//! DescribeAlarms (metric and composite alarms, with AlarmTypes, ChildrenOfAlarmName and
//! ParentsOfAlarmName) and DescribeAlarmHistory.

use super::super::alarm::arn;
use super::super::alarm::HistoryItem;
use super::super::composite::{self, local_name};
use super::super::error::CwResult;
use super::super::read::{self, Doc};
use super::super::state::RegionState;
use super::super::suppress;
use super::alarms::int;
use super::data::position_token;
use crate::core::pagination::token_after;
use serde_json::{json, Value};

/// One alarm of either type, as DescribeAlarms filters it.
struct Entry {
    name: String,
    composite: bool,
    state: String,
    actions: Vec<String>,
}

fn entries(st: &RegionState) -> Vec<Entry> {
    let all_actions = |f: &dyn Fn(&str) -> Vec<String>| -> Vec<String> {
        ["ALARM", "OK", "INSUFFICIENT_DATA"]
            .iter()
            .flat_map(|s| f(s))
            .collect()
    };
    let metric = st.alarms.iter().map(|(n, a)| Entry {
        name: n.clone(),
        composite: false,
        state: a.state.clone(),
        actions: all_actions(&|s| a.actions(s)),
    });
    let composite = st.composites.iter().map(|(n, c)| Entry {
        name: n.clone(),
        composite: true,
        state: c.state.clone(),
        actions: all_actions(&|s| c.actions(s)),
    });
    let mut out: Vec<Entry> = metric.chain(composite).collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

/// The names ChildrenOfAlarmName or ParentsOfAlarmName restrict the answer to, if given.
fn related(st: &RegionState, input: &Doc) -> Option<Vec<String>> {
    if let Some(parent) = read::str(input, "ChildrenOfAlarmName") {
        let children = st.composites.get(parent).map(|c| c.rule.children());
        let names = children.unwrap_or_default();
        return Some(names.iter().map(|c| local_name(st, c)).collect());
    }
    read::str(input, "ParentsOfAlarmName").map(|child| composite::parents_of(st, child))
}

pub fn describe_alarms(st: &mut RegionState, input: Doc) -> CwResult<Value> {
    let names = read::strings(&input, "AlarmNames");
    let prefix = read::str(&input, "AlarmNamePrefix");
    let state = read::str(&input, "StateValue");
    let action = read::str(&input, "ActionPrefix");
    let related = related(st, &input);
    let mut types = read::strings(&input, "AlarmTypes");
    if types.is_empty() {
        // Without AlarmTypes CloudWatch answers metric alarms only, unless asked for relatives.
        types.push("MetricAlarm".into());
        if related.is_some() {
            types.push("CompositeAlarm".into());
        }
    }
    let max = int(&input, "MaxRecords")?.unwrap_or(100).clamp(1, 100) as usize;
    let after = read::str(&input, "NextToken").unwrap_or("");
    let matching: Vec<Entry> = entries(st)
        .into_iter()
        .filter(|e| e.name.as_str() > after)
        .filter(|e| {
            let kind = if e.composite {
                "CompositeAlarm"
            } else {
                "MetricAlarm"
            };
            types.iter().any(|t| t == kind)
        })
        .filter(|e| related.as_ref().is_none_or(|r| r.contains(&e.name)))
        .filter(|e| names.is_empty() || names.contains(&e.name))
        .filter(|e| prefix.is_none_or(|p| e.name.starts_with(p)))
        .filter(|e| state.is_none_or(|s| e.state == s))
        .filter(|e| action.is_none_or(|p| e.actions.iter().any(|x| x.starts_with(p))))
        .collect();
    let (mut metric, mut composites) = (Vec::new(), Vec::new());
    for e in matching.iter().take(max) {
        let a = arn(st, &e.name);
        match e.composite {
            false => metric.push(st.alarms[&e.name].to_json(&a)),
            true => {
                let c = &st.composites[&e.name];
                composites.push(c.to_json(&a, suppress::suppressed_by(st, c, st.now())));
            }
        }
    }
    let mut out = json!({"MetricAlarms": metric, "CompositeAlarms": composites});
    if matching.len() > max {
        out["NextToken"] = json!(matching[max - 1].name);
    }
    Ok(out)
}

pub fn describe_alarm_history(st: &mut RegionState, input: Doc) -> CwResult<Value> {
    let name = read::str(&input, "AlarmName");
    let kind = read::str(&input, "HistoryItemType");
    let types = read::strings(&input, "AlarmTypes");
    let start = read::timestamp(&input, "StartDate")?.unwrap_or(f64::MIN);
    let end = read::timestamp(&input, "EndDate")?.unwrap_or(f64::MAX);
    let max = int(&input, "MaxRecords")?.unwrap_or(100).clamp(1, 100) as usize;
    let ascending = read::str(&input, "ScanBy") == Some("TimestampAscending");
    // Pages resume after an item's position, which stays fixed as old items expire.
    let after = position_token(&input)?;
    let base = st.history_base;
    let positioned = st
        .history
        .iter()
        .enumerate()
        .map(move |(i, h)| (base + i, h));
    let ordered: Box<dyn Iterator<Item = (usize, &HistoryItem)>> = if ascending {
        Box::new(positioned.filter(move |(p, _)| after.is_none_or(|a| *p > a)))
    } else {
        let rev = positioned.rev();
        Box::new(rev.filter(move |(p, _)| after.is_none_or(|a| *p < a)))
    };
    let mut page: Vec<(usize, &HistoryItem)> = ordered
        .filter(|(_, h)| name.is_none_or(|n| h.alarm == n) && kind.is_none_or(|k| h.kind == k))
        .filter(|(_, h)| types.is_empty() || types.iter().any(|t| t == h.alarm_type))
        .filter(|(_, h)| h.timestamp >= start && h.timestamp <= end)
        .take(max + 1)
        .collect();
    let more = page.len() > max;
    page.truncate(max);
    let items: Vec<Value> = page.iter().map(|(_, h)| h.to_json()).collect();
    let mut out = json!({ "AlarmHistoryItems": items });
    if let (true, Some((p, _))) = (more, page.last()) {
        out["NextToken"] = json!(token_after(&p.to_string()));
    }
    Ok(out)
}
