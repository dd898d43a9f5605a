//! The daemon scheduler: one reconcile pass for one managed daemon, level-triggered and
//! idempotent, under the region's lock; like the service scheduler it only changes state and
//! the task controller owns every side effect.
//! <https://docs.aws.amazon.com/AmazonECS/latest/developerguide/managed-daemons.html>
//!
//! A pass: account for daemon tasks that stopped (failures feed the deployment's circuit
//! breaker), drain a daemon being deleted, roll a failed deployment back to the last revision
//! that completed, stop tasks on instances that left the daemon (deregistered, of another
//! capacity provider; a DRAINING instance's daemon task goes last, once no other task runs
//! there), then keep one task of the target revision on every eligible instance
//! ([`plan`]), and move the deployment along (PENDING, IN_PROGRESS, bake time, SUCCESSFUL).
//!
//! Missing, and why: AWS replaces a whole instance when its daemon task stops or a revision
//! rolls out (drain, provision, migrate the application tasks); local-ecs has no instances to
//! provision, so it replaces the daemon task in place and leaves the instance and its other
//! tasks alone. Daemon tasks do not hold back other tasks' start on a new instance.

pub mod controller;
mod deploy;
mod launch;
pub mod plan;
mod rollout;

pub use deploy::{record_revision, start_deployment, with_defaults, RevisionSpec};

use crate::ecs::scheduler::SETTLE_SECONDS;
use crate::ecs::state::daemon::{
    Daemon, DaemonDeploymentStatus, DaemonStatus, DaemonTaskDefinitionStatus, MonitorStatus,
};
use crate::ecs::state::status::TaskStatus;
use crate::ecs::state::status::{ContainerInstanceStatus, DesiredStatus, HealthStatus};
use crate::ecs::state::RegionState;
use plan::{Slot, SlotTask};
use rollout::{account_stopped, circuit_breaker, note_unplaceable, progress};

/// One reconcile pass over the daemon `daemon_arn`. Returns whether it is now steady.
pub fn reconcile(st: &mut RegionState, daemon_arn: &str, now: f64) -> bool {
    prune(st);
    let steady = match st.daemons.daemons.get(daemon_arn).cloned() {
        None => true,
        Some(daemon) => {
            account_stopped(st, &daemon);
            if daemon.status == DaemonStatus::DeleteInProgress {
                drain(st, &daemon, now)
            } else {
                circuit_breaker(st, daemon_arn, now);
                schedule(st, daemon_arn, now)
            }
        }
    };
    settle_definitions(st);
    steady
}

/// The ACTIVE container instances of the daemon's cluster that belong to one of its target
/// revision's capacity providers.
pub fn eligible_instances(st: &RegionState, daemon: &Daemon) -> Vec<String> {
    let providers: Vec<&str> = st
        .daemons
        .revisions
        .get(&daemon.target_revision)
        .map(|r| {
            r.capacity_provider_arns
                .iter()
                .map(|a| a.rsplit('/').next().unwrap_or(a))
                .collect()
        })
        .unwrap_or_default();
    st.container_instances
        .values()
        .filter(|ci| {
            ci.cluster_arn == daemon.cluster_arn
                && ci.status == ContainerInstanceStatus::Active
                && ci
                    .capacity_provider_name
                    .as_deref()
                    .is_some_and(|p| providers.contains(&p))
        })
        .map(|ci| ci.container_instance_arn.clone())
        .collect()
}

/// Whether a daemon still runs (or is about to run) the daemon task definition `arn`.
pub fn definition_in_use(st: &RegionState, arn: &str) -> bool {
    let runs = |revision: &str| {
        st.daemons
            .revisions
            .get(revision)
            .is_some_and(|r| r.daemon_task_definition_arn == arn)
    };
    st.daemons
        .daemons
        .values()
        .any(|d| runs(&d.target_revision))
        || st.daemons.tasks.iter().any(|(task, link)| {
            st.tasks.get(task).is_some_and(|t| !t.is_stopped()) && runs(&link.revision_arn)
        })
}

/// The live pass: stop strays, then place, replace and progress.
fn schedule(st: &mut RegionState, daemon_arn: &str, now: f64) -> bool {
    let Some(daemon) = st.daemons.daemons.get(daemon_arn).cloned() else {
        return true;
    };
    let eligible = eligible_instances(st, &daemon);
    stop_strays(st, &daemon, &eligible);
    let slots = slots(st, &daemon, &eligible, now);
    let drain = daemon
        .deployment_configuration
        .drain_percent
        .unwrap_or(25.0);
    let batch = plan::batch_size(eligible.len(), drain);
    let target = daemon.target_revision.clone();
    let p = plan::plan(&target, &slots, batch, !daemon.halted);
    let id = deployment_id(&daemon);
    launch::stop(
        st,
        &p.stop,
        &format!("Daemon deployment {id} replaced the task."),
    );
    if let Some(revision) = st.daemons.revisions.get(&target).cloned() {
        for instance in &p.start_on {
            if let Err(reason) = launch::start_on(st, &daemon, &revision, instance) {
                tracing::debug!(daemon = %daemon.name, %instance, %reason, "daemon task not started");
                note_unplaceable(st, &daemon, instance, &reason);
            }
        }
    }
    let quiet = p.stop.is_empty() && p.start_on.is_empty();
    progress(st, &daemon, p.all_updated && quiet, now) || daemon.halted
}

fn deployment_id(daemon: &Daemon) -> &str {
    daemon
        .deployment_arn
        .as_deref()
        .and_then(|a| a.rsplit('/').next())
        .unwrap_or_default()
}

/// Forgets daemon tasks the task controller has purged.
fn prune(st: &mut RegionState) {
    let tasks = &st.tasks;
    st.daemons.tasks.retain(|arn, _| tasks.contains_key(arn));
}

/// The daemon's tasks that are not stopped: (task ARN, instance, desired RUNNING).
fn unstopped(st: &RegionState, daemon_arn: &str) -> Vec<(String, Option<String>, bool)> {
    st.daemons
        .tasks
        .iter()
        .filter(|(_, l)| l.daemon_arn == daemon_arn)
        .filter_map(|(arn, _)| st.tasks.get(arn))
        .filter(|t| !t.is_stopped())
        .map(|t| {
            let live = t.desired_status == DesiredStatus::Running;
            (t.task_arn.clone(), t.container_instance_arn.clone(), live)
        })
        .collect()
}

/// Stops the daemon's tasks on instances that are no longer eligible; on a DRAINING instance
/// only once no other task is left on it (daemons drain last).
fn stop_strays(st: &mut RegionState, daemon: &Daemon, eligible: &[String]) {
    let mut left = Vec::new();
    let mut draining = Vec::new();
    for (arn, instance, live) in unstopped(st, &daemon.daemon_arn) {
        let Some(instance) = instance.filter(|i| !eligible.contains(i)) else {
            continue;
        };
        if !live {
            continue;
        }
        let status = st.container_instances.get(&instance).map(|ci| ci.status);
        if status == Some(ContainerInstanceStatus::Draining) {
            let others = st.tasks.values().any(|t| {
                !t.is_stopped()
                    && t.container_instance_arn.as_deref() == Some(instance.as_str())
                    && !st.daemons.tasks.contains_key(&t.task_arn)
            });
            if !others {
                draining.push(arn);
            }
        } else {
            left.push(arn);
        }
    }
    launch::stop(st, &draining, "Container instance is draining.");
    launch::stop(
        st,
        &left,
        "The container instance no longer belongs to the daemon's capacity providers.",
    );
}

/// The eligible instances and the daemon's unstopped tasks on each.
fn slots(st: &RegionState, daemon: &Daemon, eligible: &[String], now: f64) -> Vec<Slot> {
    let mut slots: Vec<Slot> = eligible
        .iter()
        .map(|i| Slot {
            instance: i.clone(),
            tasks: Vec::new(),
        })
        .collect();
    for (arn, link) in st.daemons.tasks.iter() {
        let Some(t) = st.tasks.get(arn) else { continue };
        if link.daemon_arn != daemon.daemon_arn || t.is_stopped() {
            continue;
        }
        let Some(slot) = slots
            .iter_mut()
            .find(|s| t.container_instance_arn.as_deref() == Some(s.instance.as_str()))
        else {
            continue;
        };
        let running = t.last_status == TaskStatus::Running;
        let checked = t
            .containers
            .iter()
            .any(|c| c.essential && c.has_health_check);
        let healthy = !checked || t.health_status == Some(HealthStatus::Healthy);
        slot.tasks.push(SlotTask {
            arn: arn.clone(),
            revision: link.revision_arn.clone(),
            running,
            settled: running && healthy && t.started_at.is_some_and(|s| s + SETTLE_SECONDS <= now),
            stopping: t.desired_status == DesiredStatus::Stopped,
        });
    }
    slots
}

/// DELETE_IN_PROGRESS: stop every task; once none is left the deletion's deployment succeeds
/// and the daemon is gone.
fn drain(st: &mut RegionState, daemon: &Daemon, now: f64) -> bool {
    let live: Vec<String> = unstopped(st, &daemon.daemon_arn)
        .into_iter()
        .filter(|(_, _, live)| *live)
        .map(|(arn, _, _)| arn)
        .collect();
    launch::stop(st, &live, "Daemon is being deleted.");
    let remaining = !unstopped(st, &daemon.daemon_arn).is_empty();
    let deployment = daemon
        .deployment_arn
        .as_ref()
        .and_then(|a| st.daemons.deployments.get_mut(a));
    if let Some(d) = deployment {
        if d.status == DaemonDeploymentStatus::Pending {
            d.status = DaemonDeploymentStatus::InProgress;
            d.started_at = Some(now);
        }
        if !remaining && d.status == DaemonDeploymentStatus::InProgress {
            d.status = DaemonDeploymentStatus::Successful;
            d.status_reason = Some("Deployment completed successfully.".into());
            d.finished_at = Some(now);
            d.circuit_breaker.status = MonitorStatus::MonitoringComplete;
        }
    }
    if !remaining {
        st.daemons.daemons.remove(&daemon.daemon_arn);
    }
    !remaining
}

/// DELETE_IN_PROGRESS daemon task definitions that no daemon runs any more become DELETED.
fn settle_definitions(st: &mut RegionState) {
    let pending: Vec<((String, u32), String)> = st
        .daemons
        .task_definitions
        .iter()
        .filter(|(_, d)| d.status == DaemonTaskDefinitionStatus::DeleteInProgress)
        .map(|(k, d)| (k.clone(), d.daemon_task_definition_arn.clone()))
        .collect();
    for (key, arn) in pending {
        if !definition_in_use(st, &arn) {
            if let Some(d) = st.daemons.task_definitions.get_mut(&key) {
                d.status = DaemonTaskDefinitionStatus::Deleted;
            }
        }
    }
}
