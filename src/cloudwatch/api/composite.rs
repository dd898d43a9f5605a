//! PutCompositeAlarm: creates or replaces a composite alarm whose AlarmRule names existing
//! alarms of the same account and region.

use super::super::alarm::{arn, item};
use super::super::composite::{composite_item, local_name, Composite};
use super::super::error::{CwError, CwResult};
use super::super::read::{self, Doc};
use super::super::rule;
use super::super::state::RegionState;
use super::super::suppress::SuppressedBy;
use serde_json::{json, Map, Value};

const CONFIG: &[&str] = &[
    "AlarmName",
    "AlarmDescription",
    "AlarmRule",
    "OKActions",
    "AlarmActions",
    "InsufficientDataActions",
    "ActionsSuppressor",
    "ActionsSuppressorWaitPeriod",
    "ActionsSuppressorExtensionPeriod",
];

fn config(input: &Doc) -> CwResult<Map<String, Value>> {
    let mut config = Map::new();
    for key in CONFIG {
        if let Some(v) = input.get(*key) {
            config.insert(key.to_string(), v.clone());
        }
    }
    for list in ["OKActions", "AlarmActions", "InsufficientDataActions"] {
        config.entry(list).or_insert(json!([]));
    }
    // Numbers arrive as strings over Query: store them as numbers.
    for period in [
        "ActionsSuppressorWaitPeriod",
        "ActionsSuppressorExtensionPeriod",
    ] {
        if let Some(v) = read::number(input, period, period)? {
            config.insert(period.into(), json!(v as i64));
        }
    }
    if config.contains_key("ActionsSuppressor") {
        for period in [
            "ActionsSuppressorWaitPeriod",
            "ActionsSuppressorExtensionPeriod",
        ] {
            if !config.contains_key(period) {
                return Err(CwError::Validation(format!(
                    "{period} is required when ActionsSuppressor is specified."
                )));
            }
        }
    }
    Ok(config)
}

/// The rule, checked: it parses, names only existing alarms, and not the alarm itself.
fn checked_rule(st: &RegionState, name: &str, text: &str) -> CwResult<rule::Rule> {
    if text.is_empty() || text.len() > 10_240 {
        return Err(CwError::invalid_value("AlarmRule", text));
    }
    let parsed = rule::parse(text)
        .map_err(|e| CwError::Validation(format!("Error in alarm rule {text}: {e}.")))?;
    let children: Vec<String> = parsed
        .children()
        .iter()
        .map(|c| local_name(st, c))
        .collect();
    if children.iter().any(|c| c == name) {
        return Err(CwError::Validation(format!(
            "The alarm rule of {name} contains a circular dependency on itself."
        )));
    }
    let missing: Vec<&String> = children
        .iter()
        .filter(|c| !st.alarms.contains_key(*c) && !st.composites.contains_key(*c))
        .collect();
    if !missing.is_empty() {
        let list: Vec<&str> = missing.iter().map(|s| s.as_str()).collect();
        return Err(CwError::Validation(format!(
            "Could not save the composite alarm as alarms [{}] in the alarm rule do not exist",
            list.join(", ")
        )));
    }
    Ok(parsed)
}

pub fn put_composite_alarm(st: &mut RegionState, input: Doc) -> CwResult<Value> {
    let name = read::required_str(&input, "AlarmName", "AlarmName")?.to_string();
    let text = read::required_str(&input, "AlarmRule", "AlarmRule")?;
    if st.alarms.contains_key(&name) {
        return Err(CwError::Validation(format!(
            "The alarm {name} already exists as a metric alarm."
        )));
    }
    let rule = checked_rule(st, &name, text)?;
    let config = config(&input)?;
    let now = st.now();
    let new_tags = super::tags::tags(&input)?;
    let prior = st.composites.remove(&name);
    let alarm = Composite {
        config,
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
        tags: prior.as_ref().map_or(new_tags, |a| a.tags.clone()),
        suppression: Default::default(),
    };
    let (kind, verb) = match prior {
        Some(_) => ("Update", "updated"),
        None => ("Create", "created"),
    };
    let created = alarm.to_json(&arn(st, &name), SuppressedBy::None);
    let data = json!({"version": "1.0", "type": kind, "createdAlarm": created});
    let summary = format!("Alarm \"{name}\" {verb}");
    let h = item(&name, now, "ConfigurationUpdate", summary, data);
    st.history.push(composite_item(h));
    st.composites.insert(name, alarm);
    Ok(json!({}))
}
