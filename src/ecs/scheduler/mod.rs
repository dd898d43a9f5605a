//! The service scheduler: one reconcile pass for one service, level-triggered and idempotent. It
//! runs under the region's lock and only changes state (starting a task is creating its record;
//! stopping one is setting its desired status); the task controller owns every side effect.
//! <https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-type-ecs.html>
//!
//! A pass: account for tasks that stopped since the last pass (failed tasks feed the deployment
//! circuit breaker), drain a deleted service, replace unhealthy tasks once their grace period
//! has passed, then roll the PRIMARY deployment forward within `minimumHealthyPercent` and
//! `maximumPercent` (REPLICA) or keep one task per container instance (DAEMON), and finally
//! update counts, rollout states and the service's events.

pub mod controller;
pub mod daemons;
pub mod deployments;
mod launch;
mod rolling;
pub mod targets;
pub mod task_sets;

use crate::ecs::state::status::{DeploymentStatus, RolloutState, ServiceStatus};
use crate::ecs::state::status::{DesiredStatus, HealthStatus, TaskStatus};
use crate::ecs::state::status::{SchedulingStrategy, TaskStopCode};
pub(in crate::ecs) use launch::{start_tasks, stop_tasks};
pub use rolling::{plan_replica, Plan};
use rolling::{schedule_daemon, schedule_replica};

use crate::ecs::state::service::add_event;
use crate::ecs::state::service::{Deployment, Service};
use crate::ecs::state::task::Task;
use crate::ecs::state::RegionState;

const UNHEALTHY_REASON: &str = "Task failed container health checks";

/// How long a task must have been RUNNING (and healthy) before a deployment counts it towards
/// completion, so that a revision whose containers crash right after starting trips the circuit
/// breaker instead of completing.
pub const SETTLE_SECONDS: f64 = 3.0;

/// A live task of the service, as the plan sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskView {
    pub arn: String,
    pub deployment: String,
    pub running: bool,
    pub healthy: bool,
    pub unhealthy_past_grace: bool,
    /// The load-balancer target that made it unhealthy, if that is why.
    pub elb_unhealthy: Option<targets::Unhealthy>,
    /// Healthy and RUNNING for at least [`SETTLE_SECONDS`].
    pub settled: bool,
    pub created_at: f64,
    pub instance: Option<String>,
    /// Under scale-in protection (UpdateTaskProtection): no scale-in or deployment stops it.
    pub protected: bool,
}

/// The circuit breaker's threshold: half the desired count, at least 3 and at most 200.
pub fn failure_threshold(desired: i32) -> i32 {
    ((desired.max(0) + 1) / 2).clamp(3, 200)
}

/// One reconcile pass over the service `arn`. Returns whether it is now steady.
pub fn reconcile(st: &mut RegionState, arn: &str, now: f64) -> bool {
    let Some(service) = st.services.get(arn).cloned() else {
        return true;
    };
    if service.status == ServiceStatus::Inactive {
        return true;
    }
    account_stopped(st, &service);
    if service.status == ServiceStatus::Draining {
        return drain(st, arn);
    }
    if service.controller_type() == "EXTERNAL" {
        return crate::ecs::scheduler::task_sets::reconcile(st, arn, now);
    }
    circuit_breaker(st, arn);
    targets::register_running(st, arn, now);
    replace_unhealthy(st, arn, now);
    if st
        .services
        .get(arn)
        .is_some_and(|s| s.scheduling_strategy == SchedulingStrategy::Daemon)
    {
        schedule_daemon(st, arn);
    } else {
        schedule_replica(st, arn, now);
    }
    let steady = settle(st, arn, now);
    crate::ecs::scheduler::deployments::sync(st, arn, now);
    steady
}

/// Tasks of the service, live (desired RUNNING, not stopped) or all.
pub(in crate::ecs) fn service_tasks<'a>(
    st: &'a RegionState,
    arn: &'a str,
) -> impl Iterator<Item = &'a Task> + 'a {
    st.tasks
        .values()
        .filter(move |t| t.service_arn.as_deref() == Some(arn))
}

pub(in crate::ecs) fn live_views(st: &RegionState, service: &Service, now: f64) -> Vec<TaskView> {
    let grace = service.health_check_grace_period_seconds.unwrap_or(0) as f64;
    service_tasks(st, &service.service_arn)
        .filter(|t| !t.is_stopped() && t.desired_status == DesiredStatus::Running)
        .map(|t| {
            let running = t.last_status == TaskStatus::Running;
            let checked = t
                .containers
                .iter()
                .any(|c| c.essential && c.has_health_check);
            let health = t.health_status.unwrap_or_default();
            let elb = targets::verdict(st, t);
            let healthy = running && (!checked || health == HealthStatus::Healthy) && elb.healthy;
            let past_grace = t.started_at.is_some_and(|s| s + grace <= now);
            let elb_unhealthy = elb.unhealthy.filter(|_| running && past_grace);
            TaskView {
                arn: t.task_arn.clone(),
                deployment: t.started_by.clone().unwrap_or_default(),
                running,
                healthy,
                settled: healthy && t.started_at.is_some_and(|s| s + SETTLE_SECONDS <= now),
                unhealthy_past_grace: running
                    && past_grace
                    && (health == HealthStatus::Unhealthy || elb_unhealthy.is_some()),
                elb_unhealthy,
                created_at: t.created_at,
                instance: t.container_instance_arn.clone(),
                protected: t.protected_until.is_some_and(|until| until > now),
            }
        })
        .collect()
}

/// Counts tasks that stopped on their own (not by the scheduler or a user) as failures of their
/// deployment while it is rolling out.
fn account_stopped(st: &mut RegionState, service: &Service) {
    let stopped: Vec<(String, String, Option<TaskStopCode>)> =
        service_tasks(st, &service.service_arn)
            .filter(|t| t.is_stopped() && !service.seen_stopped.contains(&t.task_arn))
            .map(|t| {
                (
                    t.task_arn.clone(),
                    t.started_by.clone().unwrap_or_default(),
                    t.stop_code,
                )
            })
            .collect();
    let Some(s) = st.services.get_mut(&service.service_arn) else {
        return;
    };
    for (task, deployment, code) in stopped {
        s.seen_stopped.insert(task);
        let failed = matches!(
            code,
            Some(TaskStopCode::TaskFailedToStart | TaskStopCode::EssentialContainerExited)
        );
        if let Some(d) = s
            .deployments
            .iter_mut()
            .find(|d| d.id == deployment && d.rollout_state == Some(RolloutState::InProgress))
        {
            if failed {
                d.failed_tasks += 1;
            }
        }
    }
}

/// DRAINING: stop every task; INACTIVE once none is left.
fn drain(st: &mut RegionState, arn: &str) -> bool {
    let now = st.now();
    let live: Vec<String> = service_tasks(st, arn)
        .filter(|t| !t.is_stopped() && t.desired_status == DesiredStatus::Running)
        .map(|t| t.task_arn.clone())
        .collect();
    stop_tasks(st, arn, &live, "Service is being deleted", false);
    let remaining = service_tasks(st, arn).any(|t| !t.is_stopped());
    if let Some(s) = st.services.get_mut(arn) {
        s.running_count = 0;
        s.pending_count = 0;
        if !remaining {
            s.status = ServiceStatus::Inactive;
            s.inactive_at = Some(now);
            s.deployments.iter_mut().for_each(|d| {
                d.running_count = 0;
                d.pending_count = 0;
            });
        }
    }
    !remaining
}

/// Trips the circuit breaker of a PRIMARY deployment whose failures reached the threshold, and
/// rolls back to the last COMPLETED deployment when asked to.
fn circuit_breaker(st: &mut RegionState, arn: &str) {
    let now = st.now();
    let Some(s) = st.services.get_mut(arn) else {
        return;
    };
    let cb = s
        .deployment_configuration
        .as_ref()
        .and_then(|c| c.deployment_circuit_breaker.clone());
    let Some(cb) = cb.filter(|c| c.enable) else {
        return;
    };
    let threshold = failure_threshold(s.desired_count);
    let Some(pi) = s
        .deployments
        .iter()
        .position(|d| d.status == DeploymentStatus::Primary)
    else {
        return;
    };
    let primary = &s.deployments[pi];
    if primary.rollout_state != Some(RolloutState::InProgress) || primary.failed_tasks < threshold {
        return;
    }
    let failed_id = primary.id.clone();
    let name = s.service_name.clone();
    s.deployments[pi].rollout_state = Some(RolloutState::Failed);
    s.deployments[pi].rollout_state_reason =
        Some("ECS deployment circuit breaker: tasks failed to start.".into());
    add_event(
        s,
        format!(
            "(service {name}) (deployment {failed_id}) deployment failed: tasks failed to start."
        ),
        now,
    );
    let target = s.deployments.iter().position(|d| {
        d.status != DeploymentStatus::Primary && d.rollout_state == Some(RolloutState::Completed)
    });
    let (true, Some(ti)) = (cb.rollback, target) else {
        return;
    };
    s.deployments[pi].status = DeploymentStatus::Active;
    let desired = s.desired_count;
    let mut back = s.deployments.remove(ti);
    back.status = DeploymentStatus::Primary;
    back.desired_count = desired;
    back.rollout_state = Some(RolloutState::InProgress);
    back.rollout_state_reason = Some(format!(
        "ECS deployment circuit breaker: rolling back to deploymentId {}.",
        back.id
    ));
    s.task_definition = Some(back.task_definition.clone());
    add_event(
        s,
        format!("(service {name}) rolling back to deployment {}.", back.id),
        now,
    );
    s.deployments.insert(0, back);
}

/// Stops RUNNING tasks that failed their container health checks after the grace period.
fn replace_unhealthy(st: &mut RegionState, arn: &str, now: f64) {
    let Some(service) = st.services.get(arn).cloned() else {
        return;
    };
    let sick: Vec<TaskView> = live_views(st, &service, now)
        .into_iter()
        .filter(|t| t.unhealthy_past_grace)
        .collect();
    for t in &sick {
        let id = t.arn.rsplit('/').next().unwrap_or_default().to_string();
        if let Some(s) = st.services.get_mut(arn) {
            let message = match &t.elb_unhealthy {
                Some(u) => format!(
                    "(service {}) (task {id}) (port {}) is unhealthy in (target-group {}) due to (reason {}).",
                    s.service_name, u.port, u.target_group_arn, u.description
                ),
                None => format!(
                    "(service {}) (task {id}) failed container health checks.",
                    s.service_name
                ),
            };
            add_event(s, message, now);
            if let Some(d) = s
                .deployments
                .iter_mut()
                .find(|d| d.id == t.deployment && d.rollout_state == Some(RolloutState::InProgress))
            {
                d.failed_tasks += 1;
            }
        }
    }
    let (elb, container): (Vec<TaskView>, Vec<TaskView>) =
        sick.into_iter().partition(|t| t.elb_unhealthy.is_some());
    for t in elb {
        let group = t
            .elb_unhealthy
            .map(|u| u.target_group_arn)
            .unwrap_or_default();
        let reason = format!("Task failed ELB health checks in (target-group {group})");
        stop_tasks(st, arn, &[t.arn], &reason, true);
    }
    let arns: Vec<String> = container.into_iter().map(|t| t.arn).collect();
    stop_tasks(st, arn, &arns, UNHEALTHY_REASON, true);
}

/// Updates counts and rollout states, drops drained deployments once the PRIMARY completes, and
/// records the steady-state event on the transition. Returns whether the service is steady.
fn settle(st: &mut RegionState, arn: &str, now: f64) -> bool {
    let Some(service) = st.services.get(arn).cloned() else {
        return true;
    };
    let live = live_views(st, &service, now);
    let count = |id: &str, running: bool| {
        live.iter()
            .filter(|t| t.deployment == id && t.running == running)
            .count() as i32
    };
    let Some(s) = st.services.get_mut(arn) else {
        return true;
    };
    for d in &mut s.deployments {
        d.running_count = count(&d.id, true);
        d.pending_count = count(&d.id, false);
        if d.status != DeploymentStatus::Primary {
            d.desired_count = d.running_count + d.pending_count;
        }
    }
    s.running_count = s.deployments.iter().map(|d| d.running_count).sum();
    s.pending_count = s.deployments.iter().map(|d| d.pending_count).sum();
    let others_left = s
        .deployments
        .iter()
        .any(|d| d.status != DeploymentStatus::Primary && d.running_count + d.pending_count > 0);
    let name = s.service_name.clone();
    let desired = s.desired_count;
    let settled = |d: &Deployment| {
        live.iter()
            .filter(|t| t.deployment == d.id && t.settled)
            .count() as i32
    };
    if let Some(p) = s
        .deployments
        .iter_mut()
        .find(|d| d.status == DeploymentStatus::Primary)
    {
        if p.rollout_state == Some(RolloutState::InProgress)
            && !others_left
            && p.running_count == desired
            && settled(p) == desired
        {
            p.rollout_state = Some(RolloutState::Completed);
            p.rollout_state_reason = Some(format!("ECS deployment {} completed.", p.id));
            p.updated_at = now;
            let id = p.id.clone();
            add_event(
                s,
                format!("(service {name}) (deployment {id}) deployment completed."),
                now,
            );
        }
    }
    let completed = s.deployments.iter().any(|d| {
        d.status == DeploymentStatus::Primary && d.rollout_state == Some(RolloutState::Completed)
    });
    if completed && !others_left {
        s.deployments
            .retain(|d| d.status == DeploymentStatus::Primary);
    }
    // Steady: one deployment, rolled out, and exactly the desired tasks running.
    let steady =
        completed && s.deployments.len() == 1 && s.running_count == desired && s.pending_count == 0;
    if steady && !s.steady {
        add_event(
            s,
            format!("(service {name}) has reached a steady state."),
            now,
        );
    }
    s.steady = steady;
    steady
}
