//! Tags: TagResource, UntagResource, ListTagsForResource, and the limits every taggable ECS
//! resource shares. <https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs-using-tags.html>
//! Tags live inside the tagged entity; a resource is found by its ARN.

use crate::core::arn::Arn;
use crate::core::context::RequestContext;
use crate::ecs::state::status::ClusterStatus;
use crate::ecs::state::types::Tag;
use crate::ecs::state::RegionState;
use crate::ecs::{parse, EcsError, EcsResult};
use crate::wire::Reply;
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::core::tags::{validate, MAX_TAGS};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TagRequest {
    resource_arn: String,
    tags: Vec<Tag>,
}

pub fn tag_resource(
    st: &mut RegionState,
    _ctx: &RequestContext,
    input: Map<String, Value>,
) -> EcsResult<Reply> {
    let req: TagRequest = parse(input)?;
    validate(&req.tags)?;
    let current = tags_mut(st, &req.resource_arn, true)?;
    let mut merged = current.clone();
    for tag in req.tags {
        merged.retain(|t| t.key != tag.key);
        merged.push(tag);
    }
    if merged.len() > MAX_TAGS {
        return Err(EcsError::invalid(format!(
            "The maximum number of tags per resource is {MAX_TAGS}."
        )));
    }
    *current = merged;
    Ok(Reply::empty())
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct UntagRequest {
    resource_arn: String,
    tag_keys: Vec<String>,
}

pub fn untag_resource(
    st: &mut RegionState,
    _ctx: &RequestContext,
    input: Map<String, Value>,
) -> EcsResult<Reply> {
    let req: UntagRequest = parse(input)?;
    let current = tags_mut(st, &req.resource_arn, true)?;
    current.retain(|t| !t.key.as_ref().is_some_and(|k| req.tag_keys.contains(k)));
    Ok(Reply::empty())
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ListRequest {
    resource_arn: String,
}

pub fn list_tags_for_resource(
    st: &mut RegionState,
    _ctx: &RequestContext,
    input: Map<String, Value>,
) -> EcsResult<Reply> {
    let req: ListRequest = parse(input)?;
    let tags = tags_mut(st, &req.resource_arn, false)?;
    Ok(Reply::member("tags", &tags))
}

/// The tags of the resource named by `arn`. `for_change` picks the error AWS gives for a missing
/// resource: TagResource/UntagResource say ResourceNotFoundException, ListTagsForResource does not.
fn tags_mut<'a>(
    st: &'a mut RegionState,
    arn: &str,
    for_change: bool,
) -> EcsResult<&'a mut Vec<Tag>> {
    let missing = || {
        if for_change {
            EcsError::ResourceNotFound("The specified resource could not be found.".into())
        } else {
            EcsError::invalid("The specified resource could not be found.")
        }
    };
    let invalid = || EcsError::invalid(format!("Invalid ARN: {arn}"));
    let parsed = Arn::parse(arn)
        .filter(|a| a.service == "ecs")
        .ok_or_else(invalid)?;
    // An ECS ARN of another account or region names nothing here.
    if parsed.account != st.account || parsed.region != st.region {
        return Err(missing());
    }
    let (kind, id) = parsed.resource_type().ok_or_else(invalid)?;
    match kind {
        "cluster" => match st.clusters.get_mut(id) {
            Some(c) if c.status == ClusterStatus::Active => Ok(&mut c.tags),
            Some(_) => Err(EcsError::invalid(
                "The specified cluster is inactive. Specify an active cluster and try again.",
            )),
            None => Err(EcsError::ClusterNotFound),
        },
        "capacity-provider" => st
            .capacity_providers
            .get_mut(id)
            .map(|cp| &mut cp.tags)
            .ok_or_else(missing),
        "task-definition" => {
            let (family, rev) = id.rsplit_once(':').ok_or_else(missing)?;
            let rev: u32 = rev.parse().map_err(|_| missing())?;
            st.task_definitions
                .get_mut(&(family.to_string(), rev))
                .map(|td| &mut td.tags)
                .ok_or_else(missing)
        }
        "daemon" => st
            .daemons
            .daemons
            .get_mut(arn)
            .map(|d| &mut d.tags)
            .ok_or_else(missing),
        "daemon-task-definition" => {
            let (family, rev) = id.rsplit_once(':').ok_or_else(missing)?;
            let rev: u32 = rev.parse().map_err(|_| missing())?;
            st.daemons
                .task_definitions
                .get_mut(&(family.to_string(), rev))
                .map(|d| &mut d.tags)
                .ok_or_else(missing)
        }
        "service" => st
            .services
            .get_mut(arn)
            .map(|s| &mut s.tags)
            .ok_or_else(missing),
        "task-set" => st
            .services
            .values_mut()
            .filter_map(|s| s.task_sets.as_mut())
            .flatten()
            .find(|ts| ts.task_set_arn == arn)
            .map(|ts| &mut ts.tags)
            .ok_or_else(missing),
        "task" | "container-instance" => {
            let arn = arn.to_string();
            let tags = if kind == "task" {
                st.tasks.get_mut(&arn).map(|t| &mut t.tags)
            } else {
                st.container_instances.get_mut(&arn).map(|ci| &mut ci.tags)
            };
            tags.ok_or_else(missing)
        }
        _ => Err(missing()),
    }
}
