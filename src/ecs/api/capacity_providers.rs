//! Capacity providers: the built-in FARGATE and FARGATE_SPOT, and custom ones backed by an Auto
//! Scaling group or ECS Managed Instances (stored and echoed; no EC2 behind them yet).
//! <https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_CreateCapacityProvider.html>

use crate::core::context::RequestContext;
use crate::core::pagination::{page_size, resume_after, take_page};
use crate::core::tags;
use crate::ecs::rules::capacity::BUILT_IN;
use crate::ecs::state::status::{CapacityProviderStatus, ClusterStatus};
use crate::ecs::state::types::{CapacityProvider, Failure, Tag};
use crate::ecs::state::RegionState;
use crate::ecs::{parse, EcsError, EcsResult};
use crate::wire::Reply;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateRequest {
    name: String,
    cluster: Option<String>,
    auto_scaling_group_provider: Option<Map<String, Value>>,
    managed_instances_provider: Option<Value>,
    #[serde(default)]
    tags: Vec<Tag>,
}

pub fn create_capacity_provider(
    st: &mut RegionState,
    _ctx: &RequestContext,
    input: Map<String, Value>,
) -> EcsResult<Reply> {
    let req: CreateRequest = parse(input)?;
    validate_name(&req.name)?;
    tags::validate(&req.tags)?;
    if st
        .capacity_providers
        .get(&req.name)
        .is_some_and(|cp| cp.status == CapacityProviderStatus::Active)
    {
        return Err(EcsError::client(format!(
            "The specified capacity provider already exists. To change the configuration of an existing capacity provider, update the capacity provider. Capacity provider: {}",
            req.name
        )));
    }
    let (kind, cluster) = match (
        &req.auto_scaling_group_provider,
        &req.managed_instances_provider,
    ) {
        (Some(_), None) => ("EC2_AUTOSCALING", None),
        (None, Some(_)) => {
            let ident = req.cluster.as_deref().ok_or_else(|| {
                EcsError::invalid(
                    "A cluster must be specified for a Managed Instances capacity provider.",
                )
            })?;
            let name = crate::ecs::state::lookup::active_name(st, ident)?;
            (
                "MANAGED_INSTANCES",
                st.clusters.get(&name).map(|c| c.cluster_arn.clone()),
            )
        }
        _ => {
            return Err(EcsError::invalid(
                "Specify exactly one of autoScalingGroupProvider or managedInstancesProvider.",
            ))
        }
    };
    let provider = CapacityProvider {
        capacity_provider_arn: st.arn(&format!("capacity-provider/{}", req.name)),
        name: req.name.clone(),
        cluster,
        status: CapacityProviderStatus::Active,
        auto_scaling_group_provider: req.auto_scaling_group_provider.map(asg_defaults),
        managed_instances_provider: req.managed_instances_provider,
        tags: req.tags,
        kind: Some(kind.into()),
        ..Default::default()
    };
    let reply = Reply::member("capacityProvider", &provider);
    st.capacity_providers.insert(req.name, provider);
    Ok(reply)
}

/// Fills the Auto Scaling group provider's defaults as AWS echoes them.
fn asg_defaults(mut asg: Map<String, Value>) -> Value {
    let scaling = asg
        .entry("managedScaling")
        .or_insert_with(|| json!({ "status": "DISABLED" }));
    if let Some(s) = scaling.as_object_mut() {
        s.entry("status").or_insert_with(|| json!("ENABLED"));
        s.entry("targetCapacity").or_insert_with(|| json!(100));
        s.entry("minimumScalingStepSize")
            .or_insert_with(|| json!(1));
        s.entry("maximumScalingStepSize")
            .or_insert_with(|| json!(10000));
        s.entry("instanceWarmupPeriod")
            .or_insert_with(|| json!(300));
    }
    asg.entry("managedTerminationProtection")
        .or_insert_with(|| json!("DISABLED"));
    asg.entry("managedDraining")
        .or_insert_with(|| json!("ENABLED"));
    Value::Object(asg)
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct DescribeRequest {
    capacity_providers: Option<Vec<String>>,
    include: Vec<String>,
    max_results: Option<i32>,
    next_token: Option<String>,
}

/// DescribeCapacityProviders without names: a page of every provider.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ProviderPage<'a, T: Serialize> {
    capacity_providers: &'a [T],
    failures: &'a [Failure],
    #[serde(skip_serializing_if = "Option::is_none")]
    next_token: Option<String>,
}

pub fn describe_capacity_providers(
    st: &mut RegionState,
    _ctx: &RequestContext,
    input: Map<String, Value>,
) -> EcsResult<Reply> {
    let req: DescribeRequest = parse(input)?;
    let with_tags = req.include.iter().any(|i| i == "TAGS");
    let show = |cp: &CapacityProvider| {
        let mut cp = cp.clone();
        if !with_tags {
            cp.tags.clear();
        }
        cp
    };
    if let Some(idents) = req.capacity_providers.filter(|i| !i.is_empty()) {
        let (mut found, mut failures) = (Vec::new(), Vec::new());
        for ident in &idents {
            match lookup(st, ident) {
                Some(cp) => found.push(show(&cp)),
                None => failures.push(Failure::new(arn_for(st, ident), "MISSING")),
            }
        }
        return Ok(Reply::found("capacityProviders", &found, &failures));
    }
    let size = page_size(req.max_results, 10, 10)?;
    let after = resume_after(req.next_token.as_deref())?;
    let all = BUILT_IN
        .iter()
        .filter_map(|n| built_in(st, n))
        .chain(
            st.capacity_providers
                .values()
                .filter(|cp| cp.status == CapacityProviderStatus::Active)
                .cloned(),
        )
        .filter(|cp| after.as_ref().is_none_or(|a| cp.name.as_str() > a.as_str()));
    let mut sorted: Vec<CapacityProvider> = all.collect();
    sorted.sort_by(|a, b| a.name.cmp(&b.name));
    let (page, token) = take_page(sorted.into_iter(), size, |cp| cp.name.clone());
    let page: Vec<CapacityProvider> = page.iter().map(show).collect();
    Ok(Reply::of(&ProviderPage {
        capacity_providers: &page,
        failures: &[],
        next_token: token,
    }))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct UpdateRequest {
    name: String,
    auto_scaling_group_provider: Option<Map<String, Value>>,
    managed_instances_provider: Option<Map<String, Value>>,
}

pub fn update_capacity_provider(
    st: &mut RegionState,
    _ctx: &RequestContext,
    input: Map<String, Value>,
) -> EcsResult<Reply> {
    let req: UpdateRequest = parse(input)?;
    let name = custom_name(st, &req.name)?;
    let cp = st
        .capacity_providers
        .get_mut(&name)
        .ok_or_else(|| not_found(&req.name))?;
    if let Some(update) = req.auto_scaling_group_provider {
        merge_into(&mut cp.auto_scaling_group_provider, update);
    }
    if let Some(update) = req.managed_instances_provider {
        merge_into(&mut cp.managed_instances_provider, update);
    }
    cp.update_status = Some("UPDATE_COMPLETE".into());
    Ok(Reply::member("capacityProvider", &*cp))
}

fn merge_into(target: &mut Option<Value>, update: Map<String, Value>) {
    let obj = target.get_or_insert_with(|| json!({}));
    if let Some(obj) = obj.as_object_mut() {
        for (k, v) in update {
            match (obj.get_mut(&k), v) {
                (Some(Value::Object(old)), Value::Object(new)) => old.extend(new),
                (_, v) => {
                    obj.insert(k, v);
                }
            }
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DeleteRequest {
    capacity_provider: String,
}

pub fn delete_capacity_provider(
    st: &mut RegionState,
    _ctx: &RequestContext,
    input: Map<String, Value>,
) -> EcsResult<Reply> {
    let req: DeleteRequest = parse(input)?;
    let name = custom_name(st, &req.capacity_provider)?;
    if let Some(c) = st
        .clusters
        .values()
        .find(|c| c.status == ClusterStatus::Active && c.capacity_providers.contains(&name))
    {
        return Err(EcsError::invalid(format!(
            "The specified capacity provider is in use and cannot be removed. Disassociate it from cluster {} first.",
            c.cluster_name
        )));
    }
    // AWS answers the provider as it starts going (still ACTIVE, DELETE_IN_PROGRESS) and it is
    // gone once the deletion completes; with no Auto Scaling group to detach, that is at once.
    let mut cp = st
        .capacity_providers
        .remove(&name)
        .ok_or_else(|| not_found(&req.capacity_provider))?;
    cp.update_status = Some("DELETE_IN_PROGRESS".into());
    cp.update_status_reason = None;
    Ok(Reply::member("capacityProvider", &cp))
}

fn built_in(st: &RegionState, name: &str) -> Option<CapacityProvider> {
    BUILT_IN.contains(&name).then(|| CapacityProvider {
        capacity_provider_arn: st.arn(&format!("capacity-provider/{name}")),
        name: name.into(),
        status: CapacityProviderStatus::Active,
        kind: Some(name.into()),
        ..Default::default()
    })
}

/// A provider by name or ARN, built-in or custom.
pub fn lookup(st: &RegionState, ident: &str) -> Option<CapacityProvider> {
    let name = ident
        .strip_prefix(&st.arn("capacity-provider/"))
        .unwrap_or(ident);
    built_in(st, name).or_else(|| st.capacity_providers.get(name).cloned())
}

/// The name of an ACTIVE custom provider; built-in providers cannot be changed.
fn custom_name(st: &RegionState, ident: &str) -> EcsResult<String> {
    let name = ident
        .strip_prefix(&st.arn("capacity-provider/"))
        .unwrap_or(ident);
    if BUILT_IN.contains(&name) {
        return Err(EcsError::invalid(format!(
            "The capacity provider {name} is managed by AWS and cannot be updated or deleted."
        )));
    }
    match st.capacity_providers.get(name) {
        Some(cp) if cp.status == CapacityProviderStatus::Active => Ok(name.to_string()),
        _ => Err(not_found(ident)),
    }
}

fn not_found(ident: &str) -> EcsError {
    EcsError::client(format!(
        "The specified capacity provider does not exist. Capacity provider: {ident}"
    ))
}

fn arn_for(st: &RegionState, ident: &str) -> String {
    if ident.starts_with("arn:") {
        ident.to_string()
    } else {
        st.arn(&format!("capacity-provider/{ident}"))
    }
}

fn validate_name(name: &str) -> EcsResult<()> {
    let chars_ok = name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if name.is_empty() || name.len() > 255 || !chars_ok {
        return Err(EcsError::invalid(
            "The capacity provider name must be 1-255 characters: letters, numbers, underscores and hyphens.",
        ));
    }
    let lower = name.to_ascii_lowercase();
    if ["aws", "ecs", "fargate"]
        .iter()
        .any(|p| lower.starts_with(p))
    {
        return Err(EcsError::invalid(
            "The capacity provider name cannot be prefixed with \"aws\", \"ecs\", or \"fargate\".",
        ));
    }
    Ok(())
}
