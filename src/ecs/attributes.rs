//! Custom attributes on container instances: PutAttributes, ListAttributes, DeleteAttributes.
//! <https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_PutAttributes.html>
//! A target is a container instance of the cluster, by id or ARN; AWS allows ten custom
//! attributes per resource.

use super::pagination::{page_size, resume_after, take_page};
use super::state::RegionState;
use super::types::{to_wire, Attribute};
use super::{clusters, container_instances, parse, EcsError, EcsResult};
use crate::edge::RequestContext;
use serde::Deserialize;
use serde_json::{json, Map, Value};

const MAX_PER_RESOURCE: usize = 10;

#[derive(Deserialize)]
struct AttributesRequest {
    cluster: Option<String>,
    attributes: Vec<Attribute>,
}

pub fn put_attributes(
    st: &mut RegionState,
    _ctx: &RequestContext,
    input: Map<String, Value>,
) -> EcsResult<Value> {
    let req: AttributesRequest = parse(input)?;
    let cluster_arn = cluster_arn(st, req.cluster.as_deref())?;
    let mut resolved = Vec::with_capacity(req.attributes.len());
    for attr in &req.attributes {
        validate(attr)?;
        resolved.push(resolve_target(st, &cluster_arn, attr)?);
    }
    for target in resolved
        .iter()
        .map(|a| a.target_id.clone().unwrap_or_default())
    {
        let existing = st
            .attributes
            .keys()
            .filter(|(c, t, _)| *c == cluster_arn && *t == target)
            .count();
        let new = resolved
            .iter()
            .filter(|a| a.target_id.as_deref() == Some(target.as_str()))
            .filter(|a| {
                !st.attributes
                    .contains_key(&(cluster_arn.clone(), target.clone(), a.name.clone()))
            })
            .count();
        if existing + new > MAX_PER_RESOURCE {
            return Err(EcsError::AttributeLimitExceeded(format!(
                "You can apply up to {MAX_PER_RESOURCE} custom attributes per resource."
            )));
        }
    }
    for attr in &resolved {
        let key = (
            cluster_arn.clone(),
            attr.target_id.clone().unwrap_or_default(),
            attr.name.clone(),
        );
        st.attributes.insert(key, attr.clone());
    }
    Ok(json!({ "attributes": to_wire(&req.attributes) }))
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
) -> EcsResult<Value> {
    let req: ListRequest = parse(input)?;
    let cluster_arn = cluster_arn(st, req.cluster.as_deref())?;
    if req.attribute_value.is_some() && req.attribute_name.is_none() {
        return Err(EcsError::invalid(
            "attributeName must be specified when attributeValue is specified.",
        ));
    }
    let size = page_size(req.max_results, 100, 100)?;
    let after = resume_after(req.next_token.as_deref())?;
    let key_of = |t: &str, n: &str| format!("{t}\u{1}{n}");
    let matching = st
        .attributes
        .iter()
        .filter(|((c, _, _), a)| {
            *c == cluster_arn && a.target_type.as_deref() == Some(req.target_type.as_str())
        })
        .filter(|(_, a)| req.attribute_name.as_ref().is_none_or(|n| *n == a.name))
        .filter(|(_, a)| req.attribute_value.is_none() || a.value == req.attribute_value)
        .filter(|((_, t, n), _)| after.as_ref().is_none_or(|k| key_of(t, n) > *k));
    let (page, token) = take_page(matching, size, |((_, t, n), _)| key_of(t, n));
    let attributes: Vec<&Attribute> = page.into_iter().map(|(_, a)| a).collect();
    Ok(json!({ "attributes": to_wire(&attributes), "nextToken": token }))
}

pub fn delete_attributes(
    st: &mut RegionState,
    _ctx: &RequestContext,
    input: Map<String, Value>,
) -> EcsResult<Value> {
    let req: AttributesRequest = parse(input)?;
    let cluster_arn = cluster_arn(st, req.cluster.as_deref())?;
    let mut keys = Vec::new();
    for attr in &req.attributes {
        let resolved = resolve_target(st, &cluster_arn, attr)?;
        keys.push((
            cluster_arn.clone(),
            resolved.target_id.unwrap_or_default(),
            resolved.name,
        ));
    }
    for key in keys {
        st.attributes.remove(&key);
    }
    Ok(json!({ "attributes": to_wire(&req.attributes) }))
}

fn cluster_arn(st: &RegionState, ident: Option<&str>) -> EcsResult<String> {
    let name = clusters::active_name(st, ident.unwrap_or(clusters::DEFAULT_CLUSTER))?;
    st.clusters
        .get(&name)
        .map(|c| c.cluster_arn.clone())
        .ok_or(EcsError::ClusterNotFound)
}

/// The attribute with its target checked and named by its full ARN.
fn resolve_target(st: &RegionState, cluster_arn: &str, attr: &Attribute) -> EcsResult<Attribute> {
    let target = attr
        .target_id
        .as_deref()
        .ok_or_else(|| EcsError::invalid("An attribute needs a targetId."))?;
    let target_type = attr.target_type.as_deref().unwrap_or("container-instance");
    let arn = container_instances::find_arn(st, cluster_arn, target)
        .filter(|_| target_type == "container-instance");
    let arn = arn.ok_or_else(|| EcsError::TargetNotFound(format!("Could not find {target}.")))?;
    Ok(Attribute {
        target_id: Some(arn),
        target_type: Some(target_type.into()),
        ..attr.clone()
    })
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
