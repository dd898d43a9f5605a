//! The operations: ListServiceDeployments, DescribeServiceDeployments,
//! DescribeServiceRevisions and StopServiceDeployment.
//! <https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_StopServiceDeployment.html>

use crate::core::context::RequestContext;
use crate::core::pagination::{page_size, resume_after, take_page};
use crate::ecs::state::lookup as services;
use crate::ecs::state::records::{self, ServiceDeployment};
use crate::ecs::state::service::add_event;
use crate::ecs::state::service::{Deployment, Service};
use crate::ecs::state::status::ServiceDeploymentStatus;
use crate::ecs::state::status::{DeploymentStatus, RolloutState, ServiceStatus};
use crate::ecs::state::types::Failure;
use crate::ecs::state::RegionState;
use crate::ecs::{parse, EcsError, EcsResult};
use crate::wire::Reply;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use serde_with::skip_serializing_none;
use std::collections::BTreeMap;

#[derive(Deserialize, Default)]
#[serde(default)]
struct CreatedAt {
    before: Option<f64>,
    after: Option<f64>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct ListRequest {
    service: String,
    cluster: Option<String>,
    status: Vec<ServiceDeploymentStatus>,
    created_at: Option<CreatedAt>,
    next_token: Option<String>,
    max_results: Option<i32>,
}

/// A service's deployments, newest first, filtered by status and creation time.
pub fn list_service_deployments(
    st: &mut RegionState,
    _ctx: &RequestContext,
    input: Map<String, Value>,
) -> EcsResult<Reply> {
    let req: ListRequest = parse(input)?;
    let service_arn = services::service_arn(st, req.cluster.as_deref(), &req.service)?;
    let size = page_size(req.max_results, 20, 100)?;
    let after = resume_after(req.next_token.as_deref())?
        .map(|k| parse_key(&k))
        .transpose()?;
    let window = req.created_at.unwrap_or_default();
    let prefix = records::deployment_prefix(&service_arn);
    let mut matching: Vec<&ServiceDeployment> = st
        .service_deployments
        .range(prefix.clone()..)
        .take_while(|(k, _)| k.starts_with(&prefix))
        .map(|(_, r)| r)
        .filter(|r| req.status.is_empty() || req.status.contains(&r.status))
        // At the millisecond, the precision clients send timestamps back with.
        .filter(|r| {
            window
                .before
                .is_none_or(|b| millis(r.created_at) < millis(b))
        })
        .filter(|r| {
            window
                .after
                .is_none_or(|a| millis(r.created_at) > millis(a))
        })
        .collect();
    matching.sort_by(|a, b| newest_first(a).cmp_key(&newest_first(b)));
    let rest = matching
        .into_iter()
        .filter(|r| after.as_ref().is_none_or(|k| newest_first(r).is_after(k)));
    let (page, token) = take_page(rest, size, |r| {
        format!("{}|{}", r.created_at, r.service_deployment_arn)
    });
    let briefs: Vec<Brief> = page.iter().map(|r| brief(r)).collect();
    Ok(Reply::page("serviceDeployments", &briefs, &token))
}

/// The listing order: newest first, ties by ARN (descending).
struct Key(f64, String);

impl Key {
    fn cmp_key(&self, other: &Key) -> std::cmp::Ordering {
        other
            .0
            .total_cmp(&self.0)
            .then_with(|| other.1.cmp(&self.1))
    }

    fn is_after(&self, other: &Key) -> bool {
        self.cmp_key(other) == std::cmp::Ordering::Greater
    }
}

fn newest_first(r: &ServiceDeployment) -> Key {
    Key(r.created_at, r.service_deployment_arn.clone())
}

/// The key a nextToken carries: `<createdAt>|<arn>`.
fn parse_key(key: &str) -> EcsResult<Key> {
    let invalid =
        || EcsError::invalid("Invalid token: the nextToken is not one this service issued.");
    let (at, arn) = key.split_once('|').ok_or_else(invalid)?;
    let at: f64 = at.parse().map_err(|_| invalid())?;
    Ok(Key(at, arn.to_string()))
}

/// A ServiceDeploymentBrief, borrowed from its record.
#[skip_serializing_none]
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Brief<'a> {
    service_deployment_arn: &'a str,
    service_arn: &'a str,
    cluster_arn: &'a str,
    started_at: Option<f64>,
    created_at: f64,
    finished_at: Option<f64>,
    target_service_revision_arn: &'a str,
    status: ServiceDeploymentStatus,
    status_reason: Option<&'a str>,
}

fn brief(r: &ServiceDeployment) -> Brief<'_> {
    Brief {
        service_deployment_arn: &r.service_deployment_arn,
        service_arn: &r.service_arn,
        cluster_arn: &r.cluster_arn,
        started_at: r.started_at,
        created_at: r.created_at,
        finished_at: r.finished_at,
        target_service_revision_arn: &r.target_service_revision.arn,
        status: r.status,
        status_reason: r.status_reason.as_deref(),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DescribeDeploymentsRequest {
    service_deployment_arns: Vec<String>,
}

pub fn describe_service_deployments(
    st: &mut RegionState,
    _ctx: &RequestContext,
    input: Map<String, Value>,
) -> EcsResult<Reply> {
    let req: DescribeDeploymentsRequest = parse(input)?;
    let (found, failures) = lookup(
        &st.service_deployments,
        &req.service_deployment_arns,
        "serviceDeploymentArns",
    )?;
    Ok(Reply::found("serviceDeployments", &found, &failures))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DescribeRevisionsRequest {
    service_revision_arns: Vec<String>,
}

pub fn describe_service_revisions(
    st: &mut RegionState,
    _ctx: &RequestContext,
    input: Map<String, Value>,
) -> EcsResult<Reply> {
    let req: DescribeRevisionsRequest = parse(input)?;
    let (found, failures) = lookup(
        &st.service_revisions,
        &req.service_revision_arns,
        "serviceRevisionArns",
    )?;
    Ok(Reply::found("serviceRevisions", &found, &failures))
}

/// Up to 20 records by ARN; unknown ones are MISSING failures.
fn lookup<'a, T: Serialize>(
    table: &'a BTreeMap<String, T>,
    arns: &[String],
    member: &str,
) -> EcsResult<(Vec<&'a T>, Vec<Failure>)> {
    if arns.is_empty() || arns.len() > 20 {
        return Err(EcsError::invalid(format!(
            "{member} must list between 1 and 20 ARNs."
        )));
    }
    let (mut found, mut failures) = (Vec::new(), Vec::new());
    for arn in arns {
        match table.get(arn) {
            Some(r) => found.push(r),
            None => failures.push(Failure::new(arn.clone(), "MISSING")),
        }
    }
    Ok((found, failures))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct StopRequest {
    service_deployment_arn: String,
    stop_type: Option<String>,
}

/// Stops an ongoing service deployment: ROLLBACK (the default) deploys the last completed
/// revision again; ABORT stops it where it stands. Stopping one already being stopped or rolled
/// back is a no-op, as the developer guide says; a finished one is a ConflictException.
pub fn stop_service_deployment(
    st: &mut RegionState,
    _ctx: &RequestContext,
    input: Map<String, Value>,
) -> EcsResult<Reply> {
    let req: StopRequest = parse(input)?;
    let arn = req.service_deployment_arn;
    let r = st.service_deployments.get(&arn).ok_or_else(|| {
        EcsError::ServiceDeploymentNotFound(format!("The service deployment {arn} does not exist."))
    })?;
    let answer = Reply::member("serviceDeploymentArn", &arn);
    match r.status {
        ServiceDeploymentStatus::Pending | ServiceDeploymentStatus::InProgress => {}
        s if s.is_open() => return Ok(answer),
        s => {
            return Err(EcsError::Conflict(format!(
                "The service deployment is {s}; only an ongoing service deployment can be stopped."
            )))
        }
    }
    let (service_arn, deployment_id) = (r.service_arn.clone(), r.deployment_id.clone());
    let now = st.now();
    if req.stop_type.as_deref() == Some("ABORT") {
        abort(st, &arn, &service_arn, &deployment_id, now)?;
    } else {
        roll_back(st, &arn, &service_arn, &deployment_id, now)?;
    }
    st.service_outbox.push(service_arn);
    Ok(answer)
}

/// The service and the index of its PRIMARY deployment `id` while that one is rolling out.
fn rolling_primary<'a>(
    st: &'a mut RegionState,
    service_arn: &str,
    id: &str,
) -> EcsResult<(&'a mut Service, usize)> {
    let conflict = || EcsError::Conflict("The service deployment is no longer in progress.".into());
    let s = st
        .services
        .get_mut(service_arn)
        .filter(|s| s.status == ServiceStatus::Active)
        .ok_or_else(conflict)?;
    let pi = s
        .deployments
        .iter()
        .position(|d| {
            d.id == id
                && d.status == DeploymentStatus::Primary
                && d.rollout_state == Some(RolloutState::InProgress)
        })
        .ok_or_else(conflict)?;
    Ok((s, pi))
}

/// Fails the PRIMARY deployment and makes the last COMPLETED one PRIMARY again (as the circuit
/// breaker's rollback does).
fn roll_back(
    st: &mut RegionState,
    arn: &str,
    service_arn: &str,
    id: &str,
    now: f64,
) -> EcsResult<()> {
    let (s, pi) = rolling_primary(st, service_arn, id)?;
    let ti = s
        .deployments
        .iter()
        .position(|d| {
            d.status != DeploymentStatus::Primary
                && d.rollout_state == Some(RolloutState::Completed)
        })
        .ok_or_else(|| {
            EcsError::Conflict("There is no completed service revision to roll back to.".into())
        })?;
    let failed = &mut s.deployments[pi];
    failed.status = DeploymentStatus::Active;
    failed.rollout_state = Some(RolloutState::Failed);
    failed.rollout_state_reason = Some("Service deployment stopped on request.".into());
    failed.updated_at = now;
    let back = promote(s, ti, now);
    let service = s.clone();
    if let Some(r) = st.service_deployments.get_mut(arn) {
        crate::ecs::scheduler::deployments::sync::start_rollback(r, &service, &back, now);
        r.status = ServiceDeploymentStatus::RollbackRequested;
        r.status_reason = Some("Service deployment rollback requested.".into());
        r.updated_at = now;
    }
    Ok(())
}

/// Makes deployment `ti` PRIMARY again, rolling out anew; returns it.
fn promote(s: &mut Service, ti: usize, now: f64) -> Deployment {
    let mut back = s.deployments.remove(ti);
    back.status = DeploymentStatus::Primary;
    back.desired_count = s.desired_count;
    back.rollout_state = Some(RolloutState::InProgress);
    back.rollout_state_reason = Some(format!(
        "ECS deployment rolling back to deploymentId {}.",
        back.id
    ));
    back.updated_at = now;
    s.task_definition = Some(back.task_definition.clone());
    s.steady = false;
    let message = format!(
        "(service {}) rolling back to deployment {}.",
        s.service_name, back.id
    );
    add_event(s, message, now);
    s.deployments.insert(0, back.clone());
    back
}

/// Fails the PRIMARY deployment where it stands: no new tasks start for it.
fn abort(st: &mut RegionState, arn: &str, service_arn: &str, id: &str, now: f64) -> EcsResult<()> {
    let (s, pi) = rolling_primary(st, service_arn, id)?;
    let d = &mut s.deployments[pi];
    d.rollout_state = Some(RolloutState::Failed);
    d.rollout_state_reason = Some("Service deployment stopped on request.".into());
    d.updated_at = now;
    let message = format!(
        "(service {}) (deployment {id}) deployment stopped.",
        s.service_name
    );
    add_event(s, message, now);
    if let Some(r) = st.service_deployments.get_mut(arn) {
        r.status = ServiceDeploymentStatus::StopRequested;
        r.status_reason = Some("Service deployment stop requested.".into());
        r.started_at.get_or_insert(now);
        r.updated_at = now;
    }
    Ok(())
}

/// Epoch seconds as whole milliseconds.
fn millis(secs: f64) -> i64 {
    (secs * 1000.0).round() as i64
}
