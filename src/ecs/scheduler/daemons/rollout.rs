//! A daemon deployment's progress: failures counted against it, its circuit breaker (rolling
//! back to the last revision that completed, or stopping when there is none), and its states
//! PENDING → IN_PROGRESS → (bake time) → SUCCESSFUL, or ROLLBACK_IN_PROGRESS →
//! ROLLBACK_SUCCESSFUL.

use crate::ecs::state::daemon::{Daemon, DaemonDeploymentStatus, DaemonRollback, MonitorStatus};
use crate::ecs::state::status::TaskStopCode;
use crate::ecs::state::RegionState;

/// Counts daemon tasks that failed on their own against the deployment rolling them out.
pub(super) fn account_stopped(st: &mut RegionState, daemon: &Daemon) {
    let mut failed = Vec::new();
    for (arn, link) in st.daemons.tasks.iter_mut() {
        let Some(t) = st.tasks.get(arn) else { continue };
        if link.daemon_arn != daemon.daemon_arn || link.seen_stopped || !t.is_stopped() {
            continue;
        }
        link.seen_stopped = true;
        if matches!(
            t.stop_code,
            Some(TaskStopCode::TaskFailedToStart | TaskStopCode::EssentialContainerExited)
        ) {
            failed.push(link.revision_arn.clone());
        }
    }
    for revision in failed {
        count_failure(st, daemon, &revision);
    }
}

/// One failure of `revision` for the daemon's deployment, while it rolls that revision out.
pub(super) fn count_failure(st: &mut RegionState, daemon: &Daemon, revision: &str) {
    let Some(arn) = &daemon.deployment_arn else {
        return;
    };
    if let Some(d) = st.daemons.deployments.get_mut(arn) {
        if d.status == DaemonDeploymentStatus::InProgress
            && d.target_revision.as_deref() == Some(revision)
        {
            d.circuit_breaker.failure_count += 1;
        }
    }
}

/// A daemon task that could not be created on `instance` (its resources are taken): the
/// deployment shows why, and the first failure per instance counts for its circuit breaker (a
/// full instance stays full pass after pass; it is one failure, not one per pass).
pub(super) fn note_unplaceable(
    st: &mut RegionState,
    daemon: &Daemon,
    instance: &str,
    reason: &str,
) {
    let Some(d) = daemon
        .deployment_arn
        .as_ref()
        .and_then(|a| st.daemons.deployments.get_mut(a))
    else {
        return;
    };
    if !d.status.is_live() {
        return;
    }
    d.status_reason = Some(reason.to_string());
    if d.unplaceable.insert(instance.to_string()) && d.status == DaemonDeploymentStatus::InProgress
    {
        d.circuit_breaker.failure_count += 1;
    }
}

/// Trips the circuit breaker of a deployment whose failures reached its threshold: roll back to
/// the last revision that completed, or stop (and start nothing more) if there is none.
pub(super) fn circuit_breaker(st: &mut RegionState, daemon_arn: &str, now: f64) {
    let Some(daemon) = st.daemons.daemons.get(daemon_arn).cloned() else {
        return;
    };
    let Some(arn) = daemon.deployment_arn.clone() else {
        return;
    };
    let good = daemon.last_good_revision.clone();
    let providers = good
        .as_ref()
        .and_then(|g| st.daemons.revisions.get(g))
        .map(|r| r.capacity_provider_arns.clone())
        .unwrap_or_default();
    let Some(d) = st.daemons.deployments.get_mut(&arn) else {
        return;
    };
    let cb = &mut d.circuit_breaker;
    if d.status != DaemonDeploymentStatus::InProgress || cb.failure_count < cb.threshold {
        return;
    }
    cb.status = MonitorStatus::Triggered;
    let reason = "ECS deployment circuit breaker: daemon tasks failed to start.";
    match good.filter(|g| d.target_revision.as_deref() != Some(g.as_str())) {
        Some(good) => {
            d.status = DaemonDeploymentStatus::RollbackInProgress;
            d.status_reason = Some(reason.into());
            d.updated_all_at = None;
            d.rollback = Some(DaemonRollback {
                reason: Some(reason.into()),
                started_at: Some(now),
                rollback_target_daemon_revision_arn: Some(good.clone()),
                rollback_capacity_providers: providers,
            });
            if let Some(daemon) = st.daemons.daemons.get_mut(daemon_arn) {
                daemon.target_revision = good;
            }
        }
        None => {
            d.status = DaemonDeploymentStatus::Stopped;
            d.status_reason = Some(reason.into());
            d.stopped_at = Some(now);
            if let Some(daemon) = st.daemons.daemons.get_mut(daemon_arn) {
                daemon.halted = true;
            }
        }
    }
}

/// Moves the daemon's deployment along; returns whether the daemon is steady.
pub(super) fn progress(st: &mut RegionState, daemon: &Daemon, all_updated: bool, now: f64) -> bool {
    let Some(d) = daemon
        .deployment_arn
        .as_ref()
        .and_then(|a| st.daemons.deployments.get_mut(a))
    else {
        return all_updated;
    };
    if d.status == DaemonDeploymentStatus::Pending {
        d.status = DaemonDeploymentStatus::InProgress;
        d.started_at = Some(now);
    }
    let rolling_back = d.status == DaemonDeploymentStatus::RollbackInProgress;
    if !(d.status == DaemonDeploymentStatus::InProgress || rolling_back) {
        return all_updated;
    }
    if !all_updated {
        d.updated_all_at = None;
        return false;
    }
    let since = *d.updated_all_at.get_or_insert(now);
    let bake = f64::from(d.deployment_configuration.bake_time_in_minutes.unwrap_or(0)) * 60.0;
    if now < since + bake {
        return false;
    }
    d.status = if rolling_back {
        DaemonDeploymentStatus::RollbackSuccessful
    } else {
        DaemonDeploymentStatus::Successful
    };
    d.status_reason = Some(if rolling_back {
        "Rollback completed successfully.".into()
    } else {
        "Deployment completed successfully.".into()
    });
    d.finished_at = Some(now);
    for monitor in [&mut d.circuit_breaker.status, &mut d.alarms.status] {
        if *monitor == MonitorStatus::Monitoring {
            *monitor = MonitorStatus::MonitoringComplete;
        }
    }
    if let Some(daemon) = st.daemons.daemons.get_mut(&daemon.daemon_arn) {
        daemon.last_good_revision = Some(daemon.target_revision.clone());
    }
    true
}
