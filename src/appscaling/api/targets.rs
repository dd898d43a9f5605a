//! Scalable targets: RegisterScalableTarget, DeregisterScalableTarget, DescribeScalableTargets
//! (<https://docs.aws.amazon.com/autoscaling/application/APIReference/API_RegisterScalableTarget.html>
//! and siblings). Registering an existing target updates only what the request names;
//! registering clamps the service's desired count into the new [min, max], as AWS does.

use super::{
    check_namespace, check_resource, page_reply, page_size, parse, required, resume, take_page, Env,
};
use crate::appscaling::scale::{set_capacity, Direction};
use crate::appscaling::state::shapes::{ScalableTarget, SuspendedState};
use crate::appscaling::state::{target_key, RegionState};
use crate::appscaling::{AasError, AasResult};
use crate::wire::Reply;
use serde::Deserialize;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
struct RegisterRequest {
    service_namespace: Option<String>,
    resource_id: Option<String>,
    scalable_dimension: Option<String>,
    min_capacity: Option<i64>,
    max_capacity: Option<i64>,
    #[serde(rename = "RoleARN")]
    role_arn: Option<String>,
    suspended_state: Option<SuspendedState>,
    tags: Option<BTreeMap<String, String>>,
}

/// The key parts every target-addressed request carries.
pub struct Key<'a> {
    pub namespace: &'a str,
    pub resource_id: &'a str,
    pub dimension: &'a str,
}

pub fn key<'a>(
    namespace: &'a Option<String>,
    resource_id: &'a Option<String>,
    dimension: &'a Option<String>,
) -> AasResult<Key<'a>> {
    let k = Key {
        namespace: required(namespace, "ServiceNamespace")?,
        resource_id: required(resource_id, "ResourceId")?,
        dimension: required(dimension, "ScalableDimension")?,
    };
    check_namespace(k.namespace)?;
    Ok(k)
}

pub fn register_scalable_target(
    st: &mut RegionState,
    env: &Env,
    input: Map<String, Value>,
) -> AasResult<Reply> {
    let req: RegisterRequest = parse(input)?;
    let k = key(
        &req.service_namespace,
        &req.resource_id,
        &req.scalable_dimension,
    )?;
    check_resource(st, env, k.namespace, k.resource_id, k.dimension)?;
    if let Some(tags) = &req.tags {
        super::tags::check_tags(tags)?;
    }
    let tk = target_key(k.namespace, k.resource_id, k.dimension);
    let (min, max) = bounds(st.targets.get(&tk), req.min_capacity, req.max_capacity)?;
    let now = st.now();
    let arn = match st.targets.get_mut(&tk) {
        Some(t) => {
            update(t, &req, min, max);
            t.scalable_target_arn.clone()
        }
        None => {
            let t = new_target(st, &k, &req, min, max, now);
            let arn = t.scalable_target_arn.clone();
            st.targets.insert(tk.clone(), t);
            arn
        }
    };
    clamp_desired(st, env, &tk, req.min_capacity, req.max_capacity);
    Ok(Reply::of(&serde_json::json!({ "ScalableTargetARN": arn })))
}

/// The bounds after the request: a new target needs both; neither may be negative, and min may
/// not exceed max.
fn bounds(
    existing: Option<&ScalableTarget>,
    min: Option<i64>,
    max: Option<i64>,
) -> AasResult<(i64, i64)> {
    let (min, max) = match existing {
        Some(t) => (min.unwrap_or(t.min_capacity), max.unwrap_or(t.max_capacity)),
        None => match (min, max) {
            (Some(a), Some(b)) => (a, b),
            _ => return Err(AasError::invalid(
                "MinCapacity and MaxCapacity are required for registering a new scalable target",
            )),
        },
    };
    if min < 0 || max < 0 {
        return Err(AasError::invalid("Capacity values must not be negative"));
    }
    if min > max {
        return Err(AasError::invalid(format!(
            "Minimum capacity cannot be greater than maximum capacity: {min} > {max}"
        )));
    }
    Ok((min, max))
}

fn update(t: &mut ScalableTarget, req: &RegisterRequest, min: i64, max: i64) {
    t.min_capacity = min;
    t.max_capacity = max;
    if let Some(s) = req.suspended_state {
        t.suspended_state = s;
    }
    if let Some(role) = &req.role_arn {
        t.role_arn = role.clone();
    }
    if let Some(tags) = &req.tags {
        t.tags.extend(tags.clone());
    }
}

fn new_target(
    st: &RegionState,
    k: &Key<'_>,
    req: &RegisterRequest,
    min: i64,
    max: i64,
    now: f64,
) -> ScalableTarget {
    // The service-linked role AWS uses for ECS when none is given.
    let role = format!(
        "arn:aws:iam::{}:role/aws-service-role/ecs.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_ECSService",
        st.account
    );
    let id = format!("{}{}", &crate::core::ids::hex(2), crate::core::ids::hex(16));
    ScalableTarget {
        service_namespace: k.namespace.into(),
        resource_id: k.resource_id.into(),
        scalable_dimension: k.dimension.into(),
        min_capacity: min,
        max_capacity: max,
        role_arn: req.role_arn.clone().unwrap_or(role),
        creation_time: now,
        suspended_state: req.suspended_state.unwrap_or_default(),
        scalable_target_arn: crate::core::arn::build(
            "application-autoscaling",
            &st.region,
            &st.account,
            &format!("scalable-target/{id}"),
        ),
        tags: req.tags.clone().unwrap_or_default(),
        last_scale_out: None,
        last_scale_in: None,
        scale_out_base: None,
    }
}

/// A desired count outside the new bounds moves to the nearest bound.
pub fn clamp_desired(
    st: &mut RegionState,
    env: &Env,
    key: &str,
    new_min: Option<i64>,
    new_max: Option<i64>,
) {
    let Some(t) = st.targets.get(key) else { return };
    let Some(current) = crate::appscaling::scale::current(st, env, &t.resource_id) else {
        return;
    };
    let (min, max) = (t.min_capacity, t.max_capacity);
    if current < min {
        let cause = format!("minimum capacity was set to {}", new_min.unwrap_or(min));
        set_capacity(st, env, key, min, &cause, Some(Direction::Out));
    } else if current > max {
        let cause = format!("maximum capacity was set to {}", new_max.unwrap_or(max));
        set_capacity(st, env, key, max, &cause, Some(Direction::In));
    }
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
struct KeyRequest {
    service_namespace: Option<String>,
    resource_id: Option<String>,
    scalable_dimension: Option<String>,
}

pub fn deregister_scalable_target(
    st: &mut RegionState,
    env: &Env,
    input: Map<String, Value>,
) -> AasResult<Reply> {
    let req: KeyRequest = parse(input)?;
    let k = key(
        &req.service_namespace,
        &req.resource_id,
        &req.scalable_dimension,
    )?;
    let tk = target_key(k.namespace, k.resource_id, k.dimension);
    if st.targets.remove(&tk).is_none() {
        return Err(AasError::no_target(k.namespace, k.resource_id, k.dimension));
    }
    remove_children(st, env, &tk);
    Ok(Reply::empty())
}

/// Deleting a target deletes its policies (and their alarms) and scheduled actions.
pub fn remove_children(st: &mut RegionState, env: &Env, target_key: &str) {
    let prefix = format!("{target_key}\u{1}");
    let policies: Vec<String> = st
        .policies
        .keys()
        .filter(|k| k.starts_with(&prefix))
        .cloned()
        .collect();
    for pk in policies {
        if let Some(p) = st.policies.remove(&pk) {
            super::tracking::delete_alarms(st, env, super::tracking::owned_alarms(&p));
        }
    }
    st.scheduled.retain(|k, _| !k.starts_with(&prefix));
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
struct DescribeRequest {
    service_namespace: Option<String>,
    resource_ids: Vec<String>,
    scalable_dimension: Option<String>,
    max_results: Option<i64>,
    next_token: Option<String>,
}

pub fn describe_scalable_targets(
    st: &mut RegionState,
    _env: &Env,
    input: Map<String, Value>,
) -> AasResult<Reply> {
    let req: DescribeRequest = parse(input)?;
    let ns = required(&req.service_namespace, "ServiceNamespace")?;
    check_namespace(ns)?;
    let size = page_size(req.max_results, 50)?;
    let after = resume(req.next_token.as_deref())?;
    let wanted = st.targets.iter().filter(|(_, t)| {
        t.service_namespace == ns
            && (req.resource_ids.is_empty() || req.resource_ids.contains(&t.resource_id))
            && req
                .scalable_dimension
                .as_ref()
                .is_none_or(|d| *d == t.scalable_dimension)
    });
    let (page, token) = take_page(wanted, after, size);
    Ok(page_reply("ScalableTargets", &page, token))
}
