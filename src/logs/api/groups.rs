//! Log groups: CreateLogGroup, DescribeLogGroups, DeleteLogGroup, PutRetentionPolicy,
//! DeleteRetentionPolicy
//! (<https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_CreateLogGroup.html>
//! and siblings). The retention period also expires events here at once; the retention
//! controller keeps expiring them as emulated time passes.

use super::{check_group_name, constraint, group_mut, limit, parse};
use crate::core::pagination::{resume_after, token_after};
use crate::logs::state::group::LogGroup;
use crate::logs::state::RegionState;
use crate::logs::{LogsError, LogsResult};
use crate::wire::Reply;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// The retention periods AWS accepts, in days.
pub const RETENTION_DAYS: &[i32] = &[
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
    3288, 3653,
];

const CLASSES: &[&str] = &["STANDARD", "INFREQUENT_ACCESS", "DELIVERY"];

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct CreateLogGroupRequest {
    log_group_name: Option<String>,
    kms_key_id: Option<String>,
    tags: BTreeMap<String, String>,
    log_group_class: Option<String>,
}

pub fn create_log_group(st: &mut RegionState, input: Map<String, Value>) -> LogsResult<Reply> {
    let req: CreateLogGroupRequest = parse(input)?;
    let name = req
        .log_group_name
        .ok_or_else(|| LogsError::missing("logGroupName"))?;
    check_group_name(&name, "logGroupName")?;
    let class = req.log_group_class.unwrap_or_else(|| "STANDARD".into());
    check_class(&class)?;
    super::tags::check_tags(&req.tags)?;
    if st.groups.contains_key(&name) {
        return Err(LogsError::ResourceAlreadyExists(
            "The specified log group already exists".into(),
        ));
    }
    let group = LogGroup {
        arn: format!("arn:aws:logs:{}:{}:log-group:{name}", st.region, st.account),
        name: name.clone(),
        creation_time: st.now_ms(),
        retention_in_days: None,
        kms_key_id: req.kms_key_id,
        log_group_class: class,
        tags: req.tags,
        streams: BTreeMap::new(),
    };
    st.note_group(&name);
    st.groups.insert(name, group);
    Ok(Reply::empty())
}

fn check_class(class: &str) -> LogsResult<()> {
    if CLASSES.contains(&class) {
        return Ok(());
    }
    Err(constraint(
        class,
        "logGroupClass",
        "Member must satisfy enum value set: [STANDARD, INFREQUENT_ACCESS, DELIVERY]",
    ))
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct DescribeLogGroupsRequest {
    log_group_name_prefix: Option<String>,
    log_group_name_pattern: Option<String>,
    log_group_identifiers: Option<Vec<String>>,
    log_group_class: Option<String>,
    next_token: Option<String>,
    limit: Option<i64>,
}

/// A group as DescribeLogGroups shows it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct GroupView<'a> {
    log_group_name: &'a str,
    creation_time: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    retention_in_days: Option<i32>,
    metric_filter_count: u32,
    arn: String,
    stored_bytes: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    kms_key_id: Option<&'a str>,
    log_group_class: &'a str,
    log_group_arn: &'a str,
}

fn view(g: &LogGroup) -> GroupView<'_> {
    GroupView {
        log_group_name: &g.name,
        creation_time: g.creation_time,
        retention_in_days: g.retention_in_days,
        metric_filter_count: 0,
        arn: format!("{}:*", g.arn),
        stored_bytes: g.stored_bytes(),
        kms_key_id: g.kms_key_id.as_deref(),
        log_group_class: &g.log_group_class,
        log_group_arn: &g.arn,
    }
}

pub fn describe_log_groups(st: &mut RegionState, input: Map<String, Value>) -> LogsResult<Reply> {
    let req: DescribeLogGroupsRequest = parse(input)?;
    if req.log_group_name_prefix.is_some() && req.log_group_name_pattern.is_some() {
        return Err(LogsError::invalid(
            "LogGroup name prefix and LogGroup name pattern are mutually exclusive parameters.",
        ));
    }
    if let Some(prefix) = &req.log_group_name_prefix {
        check_group_name(prefix, "logGroupNamePrefix")?;
    }
    if let Some(class) = &req.log_group_class {
        check_class(class)?;
    }
    let size = limit(req.limit, 50, 50)?;
    let after = resume_after(req.next_token.as_deref())?;
    let pattern = req.log_group_name_pattern.map(|p| p.to_lowercase());
    let ids: Option<Vec<&str>> = req.log_group_identifiers.as_ref().map(|ids| {
        ids.iter()
            .map(|i| crate::logs::state::group_name(i))
            .collect()
    });
    let mut matching = st.groups.values().filter(|g| {
        after.as_ref().is_none_or(|a| g.name > *a)
            && req
                .log_group_name_prefix
                .as_ref()
                .is_none_or(|p| g.name.starts_with(p))
            && pattern
                .as_ref()
                .is_none_or(|p| g.name.to_lowercase().contains(p))
            && req
                .log_group_class
                .as_ref()
                .is_none_or(|c| g.log_group_class == *c)
            && ids
                .as_ref()
                .is_none_or(|ids| ids.contains(&g.name.as_str()))
    });
    let page: Vec<GroupView> = matching.by_ref().take(size).map(view).collect();
    let token = match (matching.next(), page.last()) {
        (Some(_), Some(last)) => Some(token_after(last.log_group_name)),
        _ => None,
    };
    Ok(Reply::page("logGroups", &page, &token))
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct GroupRequest {
    log_group_name: Option<String>,
    retention_in_days: Option<i64>,
}

fn named(input: Map<String, Value>) -> LogsResult<(String, Option<i64>)> {
    let req: GroupRequest = parse(input)?;
    let name = req
        .log_group_name
        .ok_or_else(|| LogsError::missing("logGroupName"))?;
    check_group_name(&name, "logGroupName")?;
    Ok((name, req.retention_in_days))
}

pub fn delete_log_group(st: &mut RegionState, input: Map<String, Value>) -> LogsResult<Reply> {
    let (name, _) = named(input)?;
    let group = st
        .groups
        .remove(&name)
        .ok_or_else(LogsError::group_not_found)?;
    st.note_group_deleted(&group);
    Ok(Reply::empty())
}

pub fn put_retention_policy(st: &mut RegionState, input: Map<String, Value>) -> LogsResult<Reply> {
    let (name, days) = named(input)?;
    let days = days.ok_or_else(|| LogsError::missing("retentionInDays"))?;
    let Some(days) = i32::try_from(days)
        .ok()
        .filter(|d| RETENTION_DAYS.contains(d))
    else {
        let set: Vec<String> = RETENTION_DAYS.iter().map(i32::to_string).collect();
        return Err(constraint(
            &days.to_string(),
            "retentionInDays",
            &format!("Member must satisfy enum value set: [{}]", set.join(", ")),
        ));
    };
    let now = st.now_ms();
    let group = group_mut(st, &name)?;
    group.retention_in_days = Some(days);
    expire(group, now);
    st.note_group(&name);
    st.note_trimmed(&name);
    Ok(Reply::empty())
}

pub fn delete_retention_policy(
    st: &mut RegionState,
    input: Map<String, Value>,
) -> LogsResult<Reply> {
    let (name, _) = named(input)?;
    group_mut(st, &name)?.retention_in_days = None;
    st.note_group(&name);
    Ok(Reply::empty())
}

/// The oldest timestamp a group with `days` of retention keeps at `now` (epoch ms).
pub fn retention_cutoff(days: i32, now: i64) -> i64 {
    now - i64::from(days) * 86_400_000
}

/// Deletes the group's events older than its retention period; how many went.
pub fn expire(group: &mut LogGroup, now: i64) -> usize {
    let Some(days) = group.retention_in_days else {
        return 0;
    };
    let cutoff = retention_cutoff(days, now);
    group
        .streams
        .values_mut()
        .map(|s| s.expire_before(cutoff))
        .sum()
}
