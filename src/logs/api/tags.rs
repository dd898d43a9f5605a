//! Tags on log groups: TagResource, UntagResource, ListTagsForResource (by ARN) and the older
//! TagLogGroup, UntagLogGroup, ListTagsLogGroup (by name)
//! (<https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_TagResource.html>
//! and siblings). Only log groups are taggable here (destinations and the rest are not built).

use super::{check_group_name, group, group_mut, parse};
use crate::logs::state::RegionState;
use crate::logs::{LogsError, LogsResult};
use crate::wire::Reply;
use serde::Deserialize;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

const MAX_TAGS: usize = 50;

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct TagsRequest {
    resource_arn: Option<String>,
    log_group_name: Option<String>,
    tags: Option<Value>,
    tag_keys: Vec<String>,
}

/// AWS's tag rules: at most 50, keys of 1-128 characters not starting with `aws:`, values up
/// to 256.
pub fn check_tags(tags: &BTreeMap<String, String>) -> LogsResult<()> {
    if tags.len() > MAX_TAGS {
        return Err(LogsError::invalid(format!(
            "A resource can have no more than {MAX_TAGS} tags."
        )));
    }
    for (k, v) in tags {
        if k.is_empty() || k.chars().count() > 128 || k.starts_with("aws:") {
            return Err(super::constraint(
                k,
                "tags",
                "Member must satisfy the tag key rules",
            ));
        }
        if v.chars().count() > 256 {
            return Err(super::constraint(
                v,
                "tags",
                "Member must have length less than or equal to 256",
            ));
        }
    }
    Ok(())
}

/// The group a request names: by ARN (the new operations) or by name (the old ones).
fn target(req: &TagsRequest, by_arn: bool) -> LogsResult<String> {
    if by_arn {
        let arn = req
            .resource_arn
            .as_deref()
            .ok_or_else(|| LogsError::missing("resourceArn"))?;
        if !arn.starts_with("arn:") || !arn.contains(":log-group:") {
            return Err(LogsError::invalid(format!("Invalid resource ARN: {arn}")));
        }
        return Ok(crate::logs::state::group_name(arn).to_string());
    }
    let name = req
        .log_group_name
        .as_deref()
        .ok_or_else(|| LogsError::missing("logGroupName"))?;
    check_group_name(name, "logGroupName")?;
    Ok(name.to_string())
}

fn tag(st: &mut RegionState, input: Map<String, Value>, by_arn: bool) -> LogsResult<Reply> {
    let req: TagsRequest = parse(input)?;
    let name = target(&req, by_arn)?;
    let new: BTreeMap<String, String> = match req.tags.clone() {
        Some(v) => {
            serde_json::from_value(v).map_err(|e| LogsError::Serialization(e.to_string()))?
        }
        None => return Err(LogsError::missing("tags")),
    };
    let group = group_mut(st, &name)?;
    let mut merged = group.tags.clone();
    merged.extend(new);
    check_tags(&merged)?;
    group.tags = merged;
    st.note_group(&name);
    Ok(Reply::empty())
}

fn untag(st: &mut RegionState, input: Map<String, Value>, by_arn: bool) -> LogsResult<Reply> {
    let req: TagsRequest = parse(input)?;
    let name = target(&req, by_arn)?;
    // UntagLogGroup sends the keys as `tags`, a list; UntagResource as `tagKeys`.
    let keys: Vec<String> = if by_arn {
        req.tag_keys.clone()
    } else {
        match req.tags.clone() {
            Some(v) => {
                serde_json::from_value(v).map_err(|e| LogsError::Serialization(e.to_string()))?
            }
            None => return Err(LogsError::missing("tags")),
        }
    };
    let group = group_mut(st, &name)?;
    for k in keys {
        group.tags.remove(&k);
    }
    st.note_group(&name);
    Ok(Reply::empty())
}

fn list(st: &mut RegionState, input: Map<String, Value>, by_arn: bool) -> LogsResult<Reply> {
    let req: TagsRequest = parse(input)?;
    let name = target(&req, by_arn)?;
    Ok(Reply::member("tags", &group(st, &name)?.tags))
}

pub fn tag_resource(st: &mut RegionState, input: Map<String, Value>) -> LogsResult<Reply> {
    tag(st, input, true)
}

pub fn untag_resource(st: &mut RegionState, input: Map<String, Value>) -> LogsResult<Reply> {
    untag(st, input, true)
}

pub fn list_tags_for_resource(
    st: &mut RegionState,
    input: Map<String, Value>,
) -> LogsResult<Reply> {
    list(st, input, true)
}

pub fn tag_log_group(st: &mut RegionState, input: Map<String, Value>) -> LogsResult<Reply> {
    tag(st, input, false)
}

pub fn untag_log_group(st: &mut RegionState, input: Map<String, Value>) -> LogsResult<Reply> {
    untag(st, input, false)
}

pub fn list_tags_log_group(st: &mut RegionState, input: Map<String, Value>) -> LogsResult<Reply> {
    list(st, input, false)
}
