//! Scheduled actions: PutScheduledAction, DescribeScheduledActions, DeleteScheduledAction
//! (<https://docs.aws.amazon.com/autoscaling/application/APIReference/API_PutScheduledAction.html>).
//! The controller fires them ([`crate::appscaling::controller`]).

use super::targets::key;
use super::{page_reply, page_size, parse, required, resume, take_page, target, Env};
use crate::appscaling::schedule;
use crate::appscaling::state::shapes::{ScalableTargetAction, ScheduledAction};
use crate::appscaling::state::{policy_key, target_key, RegionState};
use crate::appscaling::{AasError, AasResult};
use crate::wire::Reply;
use serde::Deserialize;
use serde_json::{Map, Value};

/// AWS's quota of scheduled actions per scalable target.
const MAX_ACTIONS: usize = 200;

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
struct PutRequest {
    service_namespace: Option<String>,
    schedule: Option<String>,
    timezone: Option<String>,
    scheduled_action_name: Option<String>,
    resource_id: Option<String>,
    scalable_dimension: Option<String>,
    start_time: Option<f64>,
    end_time: Option<f64>,
    scalable_target_action: Option<ScalableTargetAction>,
}

pub fn put_scheduled_action(
    st: &mut RegionState,
    _env: &Env,
    input: Map<String, Value>,
) -> AasResult<Reply> {
    let req: PutRequest = parse(input)?;
    let name = required(&req.scheduled_action_name, "ScheduledActionName")?.to_string();
    let k = key(
        &req.service_namespace,
        &req.resource_id,
        &req.scalable_dimension,
    )?;
    target(st, k.namespace, k.resource_id, k.dimension)?;
    let pk = policy_key(&target_key(k.namespace, k.resource_id, k.dimension), &name);
    let existing = st.scheduled.get(&pk).cloned();
    let (text, parsed) = check_put(st, &req, existing.as_ref(), &pk, k.resource_id)?;
    let timezone = req
        .timezone
        .clone()
        .or(existing.as_ref().and_then(|e| e.timezone.clone()));
    let zone = schedule::Zone::named(timezone.as_deref()).map_err(AasError::invalid)?;
    let now = st.now();
    let origin = req.start_time.unwrap_or(now);
    let first = parsed.next_after(now.max(origin) - 0.001, origin, &zone);
    let action = ScheduledAction {
        scheduled_action_name: name.clone(),
        scheduled_action_arn: existing.as_ref().map_or_else(
            || action_arn(st, k.namespace, k.resource_id, &name),
            |e| e.scheduled_action_arn.clone(),
        ),
        service_namespace: k.namespace.into(),
        schedule: text,
        timezone,
        resource_id: k.resource_id.into(),
        scalable_dimension: k.dimension.into(),
        start_time: req.start_time,
        end_time: req.end_time,
        scalable_target_action: req.scalable_target_action.or(existing
            .as_ref()
            .and_then(|e| e.scalable_target_action.clone())),
        creation_time: existing.map_or(now, |e| e.creation_time),
        next_fire: first,
    };
    st.scheduled.insert(pk, action);
    Ok(Reply::empty())
}

/// The schedule (the request's, else the action's own) parsed, and the request's other checks.
fn check_put(
    st: &RegionState,
    req: &PutRequest,
    existing: Option<&ScheduledAction>,
    pk: &str,
    resource_id: &str,
) -> AasResult<(String, schedule::Schedule)> {
    let text = match (&req.schedule, existing) {
        (Some(s), _) => s.clone(),
        (None, Some(e)) => e.schedule.clone(),
        (None, None) => return Err(AasError::missing("Schedule")),
    };
    let parsed = schedule::parse(&text).map_err(AasError::invalid)?;
    check_action(req.scalable_target_action.as_ref())?;
    if let (Some(s), Some(e)) = (req.start_time, req.end_time) {
        if s > e {
            return Err(AasError::invalid("StartTime must be before EndTime"));
        }
    }
    if existing.is_none() && count_for(st, pk) >= MAX_ACTIONS {
        return Err(AasError::LimitExceeded(format!(
            "Maximum number of scheduled actions ({MAX_ACTIONS}) exceeded for scalable target {resource_id}"
        )));
    }
    Ok((text, parsed))
}

fn check_action(action: Option<&ScalableTargetAction>) -> AasResult<()> {
    let Some(a) = action else { return Ok(()) };
    if a.min_capacity.is_some_and(|m| m < 0) || a.max_capacity.is_some_and(|m| m < 0) {
        return Err(AasError::invalid("Capacity values must not be negative"));
    }
    if let (Some(min), Some(max)) = (a.min_capacity, a.max_capacity) {
        if min > max {
            return Err(AasError::invalid(format!(
                "Minimum capacity cannot be greater than maximum capacity: {min} > {max}"
            )));
        }
    }
    Ok(())
}

fn count_for(st: &RegionState, pk: &str) -> usize {
    let prefix = pk.rsplit_once('\u{1}').map_or("", |(p, _)| p);
    st.scheduled
        .keys()
        .filter(|k| k.rsplit_once('\u{1}').is_some_and(|(p, _)| p == prefix))
        .count()
}

/// `arn:aws:autoscaling:<region>:<account>:scheduledAction:<uuid>:resource/<ns>/<id>:scheduledActionName/<name>`.
fn action_arn(st: &RegionState, ns: &str, resource_id: &str, name: &str) -> String {
    let resource = format!(
        "scheduledAction:{}:resource/{ns}/{resource_id}:scheduledActionName/{name}",
        crate::core::ids::uuid()
    );
    crate::core::arn::build("autoscaling", &st.region, &st.account, &resource)
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
struct DeleteRequest {
    service_namespace: Option<String>,
    scheduled_action_name: Option<String>,
    resource_id: Option<String>,
    scalable_dimension: Option<String>,
}

pub fn delete_scheduled_action(
    st: &mut RegionState,
    _env: &Env,
    input: Map<String, Value>,
) -> AasResult<Reply> {
    let req: DeleteRequest = parse(input)?;
    let name = required(&req.scheduled_action_name, "ScheduledActionName")?;
    let k = key(
        &req.service_namespace,
        &req.resource_id,
        &req.scalable_dimension,
    )?;
    let pk = policy_key(&target_key(k.namespace, k.resource_id, k.dimension), name);
    if st.scheduled.remove(&pk).is_none() {
        return Err(AasError::ObjectNotFound(format!(
            "No scheduled action found for service namespace: {}, resource ID: {}, scalable dimension: {}, scheduled action name: {name}",
            k.namespace, k.resource_id, k.dimension
        )));
    }
    Ok(Reply::empty())
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
struct DescribeRequest {
    scheduled_action_names: Vec<String>,
    service_namespace: Option<String>,
    resource_id: Option<String>,
    scalable_dimension: Option<String>,
    max_results: Option<i64>,
    next_token: Option<String>,
}

pub fn describe_scheduled_actions(
    st: &mut RegionState,
    _env: &Env,
    input: Map<String, Value>,
) -> AasResult<Reply> {
    let req: DescribeRequest = parse(input)?;
    let ns = required(&req.service_namespace, "ServiceNamespace")?;
    super::check_namespace(ns)?;
    let size = page_size(req.max_results, 50)?;
    let after = resume(req.next_token.as_deref())?;
    let wanted = st.scheduled.iter().filter(|(_, a)| {
        a.service_namespace == ns
            && (req.scheduled_action_names.is_empty()
                || req
                    .scheduled_action_names
                    .contains(&a.scheduled_action_name))
            && req.resource_id.as_ref().is_none_or(|r| *r == a.resource_id)
            && req
                .scalable_dimension
                .as_ref()
                .is_none_or(|d| *d == a.scalable_dimension)
    });
    let (page, token) = take_page(wanted, after, size);
    Ok(page_reply("ScheduledActions", &page, token))
}
