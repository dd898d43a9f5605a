//! Tags on scalable targets (the only taggable resource): TagResource, UntagResource,
//! ListTagsForResource, by the target's ARN
//! (<https://docs.aws.amazon.com/autoscaling/application/APIReference/API_TagResource.html>).

use super::{parse, required, Env};
use crate::appscaling::state::RegionState;
use crate::appscaling::{AasError, AasResult};
use crate::wire::Reply;
use serde::Deserialize;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

const MAX_TAGS: usize = 50;

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
struct TagsRequest {
    #[serde(rename = "ResourceARN")]
    resource_arn: Option<String>,
    tags: Option<BTreeMap<String, String>>,
    tag_keys: Option<Vec<String>>,
}

/// AWS's tag rules: keys of 1-128 characters not starting with `aws:`, values up to 256.
pub fn check_tags(tags: &BTreeMap<String, String>) -> AasResult<()> {
    for (k, v) in tags {
        if k.is_empty() || k.chars().count() > 128 || k.starts_with("aws:") {
            return Err(AasError::constraint(
                k,
                "tags",
                "Member must satisfy the tag key rules",
            ));
        }
        if v.chars().count() > 256 {
            return Err(AasError::constraint(
                v,
                "tags",
                "Member must have length less than or equal to 256",
            ));
        }
    }
    Ok(())
}

fn not_found(arn: &str) -> AasError {
    AasError::ResourceNotFound(format!("Resource not found: {arn}"))
}

fn tags_of<'s>(st: &'s mut RegionState, arn: &str) -> AasResult<&'s mut BTreeMap<String, String>> {
    if !arn.starts_with("arn:") || !arn.contains(":scalable-target/") {
        return Err(AasError::invalid(format!("Invalid ResourceARN: {arn}")));
    }
    st.target_by_arn_mut(arn)
        .map(|t| &mut t.tags)
        .ok_or_else(|| not_found(arn))
}

pub fn tag_resource(
    st: &mut RegionState,
    _env: &Env,
    input: Map<String, Value>,
) -> AasResult<Reply> {
    let req: TagsRequest = parse(input)?;
    let arn = required(&req.resource_arn, "ResourceARN")?;
    let new = req.tags.clone().ok_or_else(|| AasError::missing("Tags"))?;
    check_tags(&new)?;
    let tags = tags_of(st, arn)?;
    let total = tags
        .keys()
        .chain(new.keys())
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    if total > MAX_TAGS {
        return Err(AasError::TooManyTags(format!(
            "Too many tags: a resource can have no more than {MAX_TAGS} tags"
        )));
    }
    tags.extend(new);
    Ok(Reply::empty())
}

pub fn untag_resource(
    st: &mut RegionState,
    _env: &Env,
    input: Map<String, Value>,
) -> AasResult<Reply> {
    let req: TagsRequest = parse(input)?;
    let arn = required(&req.resource_arn, "ResourceARN")?;
    let keys = req
        .tag_keys
        .clone()
        .ok_or_else(|| AasError::missing("TagKeys"))?;
    let tags = tags_of(st, arn)?;
    for k in keys {
        tags.remove(&k);
    }
    Ok(Reply::empty())
}

pub fn list_tags_for_resource(
    st: &mut RegionState,
    _env: &Env,
    input: Map<String, Value>,
) -> AasResult<Reply> {
    let req: TagsRequest = parse(input)?;
    let arn = required(&req.resource_arn, "ResourceARN")?;
    let tags = tags_of(st, arn)?;
    Ok(Reply::of(&json!({ "Tags": tags })))
}
