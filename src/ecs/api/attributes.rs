//! Custom attributes on container instances: PutAttributes, ListAttributes, DeleteAttributes.
//! <https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_PutAttributes.html>
//! Attributes live on the container instance (DescribeContainerInstances shows them); a target
//! is named by id or ARN. AWS allows ten custom attributes per resource; the agent's own
//! (`ecs.*`, `com.amazonaws.ecs.*`) do not count.

use crate::core::context::RequestContext;
use crate::core::pagination::{page_size, resume_after, take_page};
use crate::ecs::state::lookup::cluster_arn;
use crate::ecs::state::lookup::find_instance_arn as find_arn;
use crate::ecs::state::status::ContainerInstanceStatus;
use crate::ecs::state::types::Attribute;
use crate::ecs::state::RegionState;
use crate::ecs::{parse, EcsError, EcsResult};
use crate::wire::Reply;
use serde::Deserialize;
use serde_json::{Map, Value};

const MAX_CUSTOM: usize = 10;

#[derive(Deserialize)]
struct AttributesRequest {
    cluster: Option<String>,
    attributes: Vec<Attribute>,
}

pub fn put_attributes(
    st: &mut RegionState,
    _ctx: &RequestContext,
    input: Map<String, Value>,
) -> EcsResult<Reply> {
    let req: AttributesRequest = parse(input)?;
    let cluster = cluster_arn(st, req.cluster.as_deref())?;
    let mut targets = Vec::with_capacity(req.attributes.len());
    for attr in &req.attributes {
        validate(attr)?;
        targets.push(target_arn(st, &cluster, attr)?);
    }
    // Check every limit before changing anything, so a refused call changes nothing.
    let mut planned: std::collections::BTreeMap<String, _> = targets
        .iter()
        .filter_map(|t| {
            st.container_instances
                .get(t)
                .map(|ci| (t.clone(), ci.clone()))
        })
        .collect();
    for (attr, target) in req.attributes.iter().zip(&targets) {
        if let Some(ci) = planned.get_mut(target) {
            ci.attributes.retain(|a| a.name != attr.name);
            ci.attributes.push(Attribute {
                target_type: None,
                target_id: None,
                ..attr.clone()
            });
            if ci.attributes.iter().filter(|a| is_custom(&a.name)).count() > MAX_CUSTOM {
                return Err(EcsError::AttributeLimitExceeded(format!(
                    "You can apply up to {MAX_CUSTOM} custom attributes per resource."
                )));
            }
        }
    }
    for target in &targets {
        if let (Some(new), Some(ci)) = (
            planned.remove(target),
            st.container_instances.get_mut(target),
        ) {
            ci.attributes = new.attributes;
        }
    }
    Ok(Reply::member("attributes", &req.attributes))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ListRequest {
    cluster: Option<String>,
    target_type: String,
    attribute_name: Option<String>,
    attribute_value: Option<String>,
    next_token: Option<String>,
    max_results: Option<i32>,
}

pub fn list_attributes(
    st: &mut RegionState,
    _ctx: &RequestContext,
    input: Map<String, Value>,
) -> EcsResult<Reply> {
    let req: ListRequest = parse(input)?;
    let cluster = cluster_arn(st, req.cluster.as_deref())?;
    if req.attribute_value.is_some() && req.attribute_name.is_none() {
        return Err(EcsError::invalid(
            "attributeName must be specified when attributeValue is specified.",
        ));
    }
    let size = page_size(req.max_results, 100, 100)?;
    let after = resume_after(req.next_token.as_deref())?;
    let key = |a: &Attribute| format!("{}\u{1}{}", a.target_id.as_deref().unwrap_or(""), a.name);
    let mut all: Vec<Attribute> = st
        .container_instances
        .values()
        .filter(|ci| ci.cluster_arn == cluster && ci.status != ContainerInstanceStatus::Inactive)
        .flat_map(|ci| {
            ci.attributes.iter().map(|a| Attribute {
                target_type: Some("container-instance".into()),
                target_id: Some(ci.container_instance_arn.clone()),
                ..a.clone()
            })
        })
        .filter(|_| req.target_type == "container-instance")
        .filter(|a| req.attribute_name.as_ref().is_none_or(|n| *n == a.name))
        .filter(|a| req.attribute_value.is_none() || a.value == req.attribute_value)
        .filter(|a| after.as_ref().is_none_or(|k| key(a) > *k))
        .collect();
    all.sort_by_key(key);
    let (page, token) = take_page(all.into_iter(), size, key);
    Ok(Reply::page("attributes", &page, &token))
}

pub fn delete_attributes(
    st: &mut RegionState,
    _ctx: &RequestContext,
    input: Map<String, Value>,
) -> EcsResult<Reply> {
    let req: AttributesRequest = parse(input)?;
    let cluster = cluster_arn(st, req.cluster.as_deref())?;
    let mut targets = Vec::with_capacity(req.attributes.len());
    for attr in &req.attributes {
        targets.push(target_arn(st, &cluster, attr)?);
    }
    for (attr, target) in req.attributes.iter().zip(&targets) {
        if let Some(ci) = st.container_instances.get_mut(target) {
            ci.attributes.retain(|a| a.name != attr.name);
        }
    }
    Ok(Reply::member("attributes", &req.attributes))
}

fn is_custom(name: &str) -> bool {
    !(name.starts_with("ecs.") || name.starts_with("com.amazonaws.ecs."))
}

/// The ARN of the attribute's target, which must be a live container instance of the cluster.
fn target_arn(st: &RegionState, cluster: &str, attr: &Attribute) -> EcsResult<String> {
    let target = attr
        .target_id
        .as_deref()
        .ok_or_else(|| EcsError::invalid("An attribute needs a targetId."))?;
    if attr
        .target_type
        .as_deref()
        .is_some_and(|t| t != "container-instance")
    {
        return Err(EcsError::invalid(
            "The only supported targetType is container-instance.",
        ));
    }
    find_arn(st, cluster, target)
        .filter(|a| {
            st.container_instances
                .get(a)
                .is_some_and(|ci| ci.status != ContainerInstanceStatus::Inactive)
        })
        .ok_or_else(|| EcsError::TargetNotFound(format!("Could not find {target}.")))
}

/// AWS's attribute rules: name 1–128 of letters, digits, `-_./`; value 1–128 of letters,
/// digits, `-_.@/\:` and inner spaces.
fn validate(attr: &Attribute) -> EcsResult<()> {
    let name_ok = (1..=128).contains(&attr.name.len())
        && attr
            .name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./".contains(&b));
    if !name_ok {
        return Err(EcsError::invalid(format!(
            "The attribute name '{}' is not valid.",
            attr.name
        )));
    }
    if let Some(v) = &attr.value {
        let ok = (1..=128).contains(&v.len())
            && v.trim() == v
            && v.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.@/\\: ".contains(&b));
        if !ok {
            return Err(EcsError::invalid(format!(
                "The attribute value '{v}' is not valid."
            )));
        }
    }
    Ok(())
}
