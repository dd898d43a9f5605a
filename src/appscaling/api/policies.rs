//! Scaling policies: PutScalingPolicy, DescribeScalingPolicies, DeleteScalingPolicy
//! (<https://docs.aws.amazon.com/autoscaling/application/APIReference/API_PutScalingPolicy.html>).
//! Target tracking creates its two alarms; step scaling is invoked by the caller's own alarms.
//! Predictive scaling is not a policy type ECS targets take here.

use super::targets::key;
use super::{page_reply, page_size, parse, required, resume, take_page, target, Env};
use crate::appscaling::state::shapes::{Alarm, ScalingPolicy};
use crate::appscaling::state::{policy_key, target_key, RegionState};
use crate::appscaling::{AasError, AasResult};
use crate::wire::Reply;
use serde::Deserialize;
use serde_json::{json, Map, Value};

/// AWS's quota of scaling policies per scalable target.
const MAX_POLICIES: usize = 50;

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
struct PutRequest {
    policy_name: Option<String>,
    service_namespace: Option<String>,
    resource_id: Option<String>,
    scalable_dimension: Option<String>,
    policy_type: Option<String>,
    step_scaling_policy_configuration: Option<Value>,
    target_tracking_scaling_policy_configuration: Option<Value>,
    predictive_scaling_policy_configuration: Option<Value>,
}

pub fn put_scaling_policy(
    st: &mut RegionState,
    env: &Env,
    input: Map<String, Value>,
) -> AasResult<Reply> {
    let req: PutRequest = parse(input)?;
    let name = required(&req.policy_name, "PolicyName")?.to_string();
    check_name(&name)?;
    let k = key(
        &req.service_namespace,
        &req.resource_id,
        &req.scalable_dimension,
    )?;
    target(st, k.namespace, k.resource_id, k.dimension)?;
    let kind = req
        .policy_type
        .clone()
        .unwrap_or_else(|| "StepScaling".into());
    let config = check_config(&req, &kind)?;
    let tk = target_key(k.namespace, k.resource_id, k.dimension);
    let pk = policy_key(&tk, &name);
    let existing = st.policies.get(&pk).cloned();
    if existing.is_none() {
        check_quota(st, &tk, k.resource_id)?;
    }
    let arn = existing
        .as_ref()
        .map(|p| p.policy_arn.clone())
        .unwrap_or_else(|| policy_arn(st, k.namespace, k.resource_id, &name));
    let alarms = policy_alarms(
        st,
        env,
        &kind,
        k.resource_id,
        &arn,
        config,
        existing.as_ref(),
    )?;
    let policy = ScalingPolicy {
        policy_arn: arn.clone(),
        policy_name: name,
        service_namespace: k.namespace.into(),
        resource_id: k.resource_id.into(),
        scalable_dimension: k.dimension.into(),
        policy_type: kind.clone(),
        step_scaling_policy_configuration: req.step_scaling_policy_configuration.clone(),
        target_tracking_scaling_policy_configuration: with_defaults(
            req.target_tracking_scaling_policy_configuration.clone(),
        ),
        predictive_scaling_policy_configuration: None,
        creation_time: existing.map_or(st.now(), |p| p.creation_time),
        alarms: alarms.clone(),
    };
    st.policies.insert(pk, policy);
    let mut body = json!({ "PolicyARN": arn });
    if kind == "TargetTrackingScaling" {
        body["Alarms"] = serde_json::to_value(&alarms).unwrap_or_default();
    }
    Ok(Reply::of(&body))
}

/// A new policy must fit the target's quota.
fn check_quota(st: &RegionState, tk: &str, resource_id: &str) -> AasResult<()> {
    let prefix = format!("{tk}\u{1}");
    let count = st
        .policies
        .keys()
        .filter(|k| k.starts_with(&prefix))
        .count();
    if count >= MAX_POLICIES {
        return Err(AasError::LimitExceeded(format!(
            "Maximum number of scaling policies ({MAX_POLICIES}) exceeded for scalable target {resource_id}"
        )));
    }
    Ok(())
}

/// The alarms of the policy after the put: target tracking's own (created or updated, and a
/// replaced target-tracking policy's removed); a step policy keeps listing the caller's alarms
/// that invoke it.
fn policy_alarms(
    st: &RegionState,
    env: &Env,
    kind: &str,
    resource_id: &str,
    arn: &str,
    config: &Value,
    existing: Option<&ScalingPolicy>,
) -> AasResult<Vec<Alarm>> {
    let old = existing
        .map(|p| super::tracking::owned_alarms(p).to_vec())
        .unwrap_or_default();
    if kind == "TargetTrackingScaling" {
        return super::tracking::put_alarms(st, env, resource_id, arn, config, &old);
    }
    super::tracking::delete_alarms(st, env, &old);
    Ok(existing
        .filter(|p| p.policy_type == "StepScaling")
        .map(|p| p.alarms.clone())
        .unwrap_or_default())
}

/// `arn:aws:autoscaling:<region>:<account>:scalingPolicy:<uuid>:resource/<ns>/<id>:policyName/<name>`.
fn policy_arn(st: &RegionState, ns: &str, resource_id: &str, name: &str) -> String {
    let resource = format!(
        "scalingPolicy:{}:resource/{ns}/{resource_id}:policyName/{name}",
        crate::core::ids::uuid()
    );
    crate::core::arn::build("autoscaling", &st.region, &st.account, &resource)
}

fn check_name(name: &str) -> AasResult<()> {
    let len = name.chars().count();
    if !(1..=256).contains(&len) {
        return Err(AasError::constraint(
            name,
            "policyName",
            "Member must have length less than or equal to 256",
        ));
    }
    Ok(())
}

/// The configuration the policy type needs, present and well formed.
fn check_config<'r>(req: &'r PutRequest, kind: &str) -> AasResult<&'r Value> {
    let (config, name) = match kind {
        "TargetTrackingScaling" => (
            &req.target_tracking_scaling_policy_configuration,
            "TargetTrackingScalingPolicyConfiguration",
        ),
        "StepScaling" => (&req.step_scaling_policy_configuration, "StepScalingPolicyConfiguration"),
        "PredictiveScaling" => {
            let _ = &req.predictive_scaling_policy_configuration;
            return Err(AasError::invalid(
                "Predictive scaling policies are not supported for service namespace ecs here",
            ));
        }
        other => {
            return Err(AasError::constraint(
                other,
                "policyType",
                "Member must satisfy enum value set: [PredictiveScaling, StepScaling, TargetTrackingScaling]",
            ))
        }
    };
    let config = config.as_ref().ok_or_else(|| {
        AasError::invalid(format!("{name} must be specified for policy type {kind}"))
    })?;
    if kind == "TargetTrackingScaling"
        && config.get("TargetValue").and_then(Value::as_f64).is_none()
    {
        return Err(AasError::missing(
            "TargetTrackingScalingPolicyConfiguration.TargetValue",
        ));
    }
    if kind == "StepScaling" {
        check_steps(config)?;
    }
    Ok(config)
}

fn check_steps(config: &Value) -> AasResult<()> {
    let steps = config.get("StepAdjustments").and_then(Value::as_array);
    if steps.is_none_or(|s| s.is_empty()) {
        return Err(AasError::invalid(
            "StepAdjustments must be specified for a step scaling policy",
        ));
    }
    let kind = config.get("AdjustmentType").and_then(Value::as_str);
    if !matches!(
        kind,
        Some("ChangeInCapacity" | "PercentChangeInCapacity" | "ExactCapacity")
    ) {
        return Err(AasError::invalid(
            "AdjustmentType must be one of ChangeInCapacity, PercentChangeInCapacity, ExactCapacity",
        ));
    }
    let parsed: Result<Vec<crate::appscaling::capacity::Step>, _> =
        serde_json::from_value(Value::Array(steps.cloned().unwrap_or_default()));
    let parsed = parsed.map_err(|e| AasError::Serialization(e.to_string()))?;
    let unbounded_lower = parsed
        .iter()
        .filter(|s| s.metric_interval_lower_bound.is_none())
        .count();
    let unbounded_upper = parsed
        .iter()
        .filter(|s| s.metric_interval_upper_bound.is_none())
        .count();
    if unbounded_lower > 1 || unbounded_upper > 1 {
        return Err(AasError::invalid(
            "Step adjustments can have at most one null lower bound and one null upper bound",
        ));
    }
    Ok(())
}

/// AWS answers a target-tracking configuration with its cooldowns filled in (300 s for ECS).
fn with_defaults(config: Option<Value>) -> Option<Value> {
    let mut c = config?;
    for member in ["ScaleOutCooldown", "ScaleInCooldown"] {
        if c.get(member).is_none() {
            c[member] = json!(300);
        }
    }
    if c.get("DisableScaleIn").is_none() {
        c["DisableScaleIn"] = json!(false);
    }
    Some(c)
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
struct DeleteRequest {
    policy_name: Option<String>,
    service_namespace: Option<String>,
    resource_id: Option<String>,
    scalable_dimension: Option<String>,
}

pub fn delete_scaling_policy(
    st: &mut RegionState,
    env: &Env,
    input: Map<String, Value>,
) -> AasResult<Reply> {
    let req: DeleteRequest = parse(input)?;
    let name = required(&req.policy_name, "PolicyName")?;
    let k = key(
        &req.service_namespace,
        &req.resource_id,
        &req.scalable_dimension,
    )?;
    let pk = policy_key(&target_key(k.namespace, k.resource_id, k.dimension), name);
    let Some(policy) = st.policies.remove(&pk) else {
        return Err(AasError::ObjectNotFound(format!(
            "No scaling policy found for service namespace: {}, resource ID: {}, scalable dimension: {}, policy name: {name}",
            k.namespace, k.resource_id, k.dimension
        )));
    };
    super::tracking::delete_alarms(st, env, super::tracking::owned_alarms(&policy));
    Ok(Reply::empty())
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
struct DescribeRequest {
    policy_names: Vec<String>,
    service_namespace: Option<String>,
    resource_id: Option<String>,
    scalable_dimension: Option<String>,
    max_results: Option<i64>,
    next_token: Option<String>,
}

pub fn describe_scaling_policies(
    st: &mut RegionState,
    _env: &Env,
    input: Map<String, Value>,
) -> AasResult<Reply> {
    let req: DescribeRequest = parse(input)?;
    let ns = required(&req.service_namespace, "ServiceNamespace")?;
    super::check_namespace(ns)?;
    let size = page_size(req.max_results, 10)?;
    let after = resume(req.next_token.as_deref())?;
    let wanted = st.policies.iter().filter(|(_, p)| {
        p.service_namespace == ns
            && (req.policy_names.is_empty() || req.policy_names.contains(&p.policy_name))
            && req.resource_id.as_ref().is_none_or(|r| *r == p.resource_id)
            && req
                .scalable_dimension
                .as_ref()
                .is_none_or(|d| *d == p.scalable_dimension)
    });
    let (page, token) = take_page(wanted, after, size);
    Ok(page_reply("ScalingPolicies", &page, token))
}
