//! Level-triggered mapping of a service's `Deployment`s onto its open service-deployment
//! records. Only open records are touched (a range walk over the service's ARN prefix), so a
//! pass costs little however long the history, and running it twice changes nothing.

use crate::ecs::scheduler::failure_threshold;
use crate::ecs::state::records::{self, CircuitBreakerState, Rollback, ServiceDeployment};
use crate::ecs::state::service::{Deployment, Service};
use crate::ecs::state::status::ServiceDeploymentStatus;
use crate::ecs::state::status::{DeploymentStatus, RolloutState};
use crate::ecs::state::RegionState;

const SUPERSEDED: &str = "The service deployment was superseded by a newer service deployment.";

/// Brings the service-deployment records in line with the service's deployments (called at the
/// end of every scheduler pass; level-triggered).
pub fn sync(st: &mut RegionState, service_arn: &str, now: f64) {
    let Some(service) = st.services.get(service_arn) else {
        return;
    };
    let mut changed = Vec::new();
    for (arn, r) in open_records(st, service_arn) {
        let mut r = r.clone();
        let before = r.clone();
        advance(&mut r, service, now);
        if r != before {
            r.updated_at = now;
            changed.push((arn.clone(), r));
        }
    }
    // Only records that moved are written back (and saved, with a state dir).
    for (arn, r) in changed {
        st.service_deployments.insert(arn, r);
    }
}

/// The service's records still in progress, by ARN.
fn open_records<'a>(
    st: &'a RegionState,
    service_arn: &str,
) -> impl Iterator<Item = (&'a String, &'a ServiceDeployment)> + 'a {
    let prefix = records::deployment_prefix(service_arn);
    st.service_deployments
        .range(prefix.clone()..)
        .take_while(move |(k, _)| k.starts_with(&prefix))
        .filter(|(_, r)| r.status.is_open())
}

/// Stops the service's open records: a new deployment replaces whatever was rolling out.
pub fn supersede(st: &mut RegionState, service_arn: &str, now: f64) {
    let open: Vec<String> = open_records(st, service_arn)
        .map(|(arn, _)| arn.clone())
        .collect();
    for arn in open {
        let Some(r) = st.service_deployments.get_mut(&arn) else {
            continue;
        };
        finish(
            r,
            ServiceDeploymentStatus::Stopped,
            Some(SUPERSEDED.into()),
            now,
        );
        r.updated_at = now;
    }
}

/// One open record's next state.
fn advance(r: &mut ServiceDeployment, s: &Service, now: f64) {
    refresh_counts(r, s);
    let own = s.deployments.iter().find(|d| d.id == r.deployment_id);
    if let Some(d) = own {
        refresh_breaker(r, s, d);
    }
    if let Some(target) = r.rollback_to.clone() {
        return rolling_back(r, s, &target, now);
    }
    let Some(d) = own else {
        return finish(
            r,
            ServiceDeploymentStatus::Stopped,
            Some(SUPERSEDED.into()),
            now,
        );
    };
    match (d.status, d.rollout_state) {
        (_, Some(RolloutState::Completed)) => {
            finish(r, ServiceDeploymentStatus::Successful, None, now)
        }
        (_, Some(RolloutState::Failed)) => failed(r, s, d, now),
        (DeploymentStatus::Primary, _) => {
            if r.status == ServiceDeploymentStatus::Pending {
                r.status = ServiceDeploymentStatus::InProgress;
            }
            r.started_at.get_or_insert(now);
        }
        _ => finish(
            r,
            ServiceDeploymentStatus::Stopped,
            Some(SUPERSEDED.into()),
            now,
        ),
    }
}

/// A FAILED deployment: rolled back by the circuit breaker (the PRIMARY now says so), or stopped
/// where it stands (no rollback configured, or nothing completed to roll back to).
fn failed(r: &mut ServiceDeployment, s: &Service, d: &Deployment, now: f64) {
    let rolled_back_to = s.deployments.iter().find(|p| {
        p.status == DeploymentStatus::Primary
            && p.id != d.id
            && p.rollout_state == Some(RolloutState::InProgress)
            && p.rollout_state_reason.as_deref()
                == Some(
                    format!(
                        "ECS deployment circuit breaker: rolling back to deploymentId {}.",
                        p.id
                    )
                    .as_str(),
                )
    });
    match rolled_back_to {
        Some(p) => {
            start_rollback(r, s, p, now);
            r.status = ServiceDeploymentStatus::RollbackInProgress;
            r.status_reason = d.rollout_state_reason.clone();
        }
        None => finish(
            r,
            ServiceDeploymentStatus::Stopped,
            d.rollout_state_reason.clone(),
            now,
        ),
    }
}

/// Notes a rollback to deployment `to` (its revision becomes the one deployed again).
pub fn start_rollback(r: &mut ServiceDeployment, s: &Service, to: &Deployment, now: f64) {
    r.rollback_to = Some(to.id.clone());
    r.started_at.get_or_insert(now);
    r.rollback = Some(Rollback {
        reason: to.rollout_state_reason.clone(),
        started_at: Some(now),
        service_revision_arn: Some(records::revision_arn(&s.service_arn, &to.id)),
    });
}

/// A rollback ends with the rolled-back-to deployment: completed, failed, or replaced.
fn rolling_back(r: &mut ServiceDeployment, s: &Service, target: &str, now: f64) {
    let t = s
        .deployments
        .iter()
        .find(|d| d.id == target && d.status == DeploymentStatus::Primary);
    match t.map(|t| (t.rollout_state, t)) {
        Some((Some(RolloutState::Completed), _)) => {
            finish(r, ServiceDeploymentStatus::RollbackSuccessful, None, now)
        }
        Some((Some(RolloutState::Failed), t)) => finish(
            r,
            ServiceDeploymentStatus::RollbackFailed,
            t.rollout_state_reason.clone(),
            now,
        ),
        Some(_) => r.status = ServiceDeploymentStatus::RollbackInProgress,
        None => finish(
            r,
            ServiceDeploymentStatus::Stopped,
            Some(SUPERSEDED.into()),
            now,
        ),
    }
}

/// Moves a record to a final status.
fn finish(
    r: &mut ServiceDeployment,
    status: ServiceDeploymentStatus,
    reason: Option<String>,
    now: f64,
) {
    r.status = status;
    if reason.is_some() {
        r.status_reason = reason;
    }
    r.started_at.get_or_insert(now);
    r.finished_at = Some(now);
    if status == ServiceDeploymentStatus::Stopped {
        r.stopped_at = Some(now);
    }
    if let Some(cb) = r.deployment_circuit_breaker.as_mut() {
        if cb.status == "MONITORING" && status == ServiceDeploymentStatus::Successful {
            cb.status = "MONITORING_COMPLETE".into();
        }
    }
}

/// Task counts of the target and source revisions, as their deployments show them now.
fn refresh_counts(r: &mut ServiceDeployment, s: &Service) {
    r.target_service_revision = records::summary(s, &r.target_service_revision.arn);
    for source in &mut r.source_service_revisions {
        *source = records::summary(s, &source.arn);
    }
}

/// The circuit breaker as it watches deployment `d`: DISABLED, MONITORING or TRIGGERED.
fn refresh_breaker(r: &mut ServiceDeployment, s: &Service, d: &Deployment) {
    let enabled = s
        .deployment_configuration
        .as_ref()
        .and_then(|c| c.deployment_circuit_breaker.as_ref())
        .is_some_and(|c| c.enable);
    let tripped = d.rollout_state == Some(RolloutState::Failed)
        && d.rollout_state_reason
            .as_deref()
            .is_some_and(|m| m.contains("circuit breaker"));
    let status = match (enabled, tripped) {
        (_, true) => "TRIGGERED",
        (false, _) => "DISABLED",
        (true, false) => "MONITORING",
    };
    r.deployment_circuit_breaker = Some(CircuitBreakerState {
        status: status.into(),
        failure_count: d.failed_tasks,
        threshold: failure_threshold(s.desired_count),
    });
}
