//! The scheduler pass for a service with the EXTERNAL deployment controller: each ACTIVE or
//! PRIMARY task set is kept at its computed desired count (tasks started by the set's id, in
//! the service's group); a DRAINING set has its tasks stopped and is removed once none is left.
//! Counts and stability are then brought up to date on the sets and the service.

use crate::ecs::rules::scale::computed_count;
use crate::ecs::scheduler::{live_views, start_tasks, stop_tasks, TaskView};
use crate::ecs::state::service::add_event;
use crate::ecs::state::service::{Deployment, Service, TaskSet};
use crate::ecs::state::status::{DeploymentStatus, TaskSetStatus};
use crate::ecs::state::RegionState;

const UNHEALTHY_REASON: &str = "Task failed container health checks";

/// One scheduler pass for an EXTERNAL service: keeps each task set at its computed desired
/// count. Returns whether the service is steady (every set steady, none draining).
pub fn reconcile(st: &mut RegionState, service_arn: &str, now: f64) -> bool {
    let Some(service) = st.services.get(service_arn).cloned() else {
        return true;
    };
    for set in service.task_sets.as_deref().unwrap_or_default() {
        schedule_set(st, &service, set, now);
    }
    settle(st, service_arn, now)
}

/// Stops what the set must lose (unhealthy tasks, the surplus, everything when DRAINING) and
/// starts what it lacks.
fn schedule_set(st: &mut RegionState, service: &Service, set: &TaskSet, now: f64) {
    let arn = &service.service_arn;
    let live: Vec<TaskView> = live_views(st, service, now)
        .into_iter()
        .filter(|t| t.deployment == set.id)
        .collect();
    let reason = format!("Scaling activity initiated by (deployment {})", set.id);
    if set.status == TaskSetStatus::Draining {
        let all: Vec<String> = live.into_iter().map(|t| t.arn).collect();
        stop_tasks(st, arn, &all, &reason, true);
        return;
    }
    let (sick, mut healthy): (Vec<TaskView>, Vec<TaskView>) =
        live.into_iter().partition(|t| t.unhealthy_past_grace);
    let sick: Vec<String> = sick.into_iter().map(|t| t.arn).collect();
    stop_tasks(st, arn, &sick, UNHEALTHY_REASON, true);
    let desired = computed_count(
        service.desired_count,
        &set.scale.clone().unwrap_or_default(),
    )
    .max(0) as usize;
    if healthy.len() > desired {
        // Pending ones first, then the newest.
        healthy.sort_by(|a, b| {
            a.running
                .cmp(&b.running)
                .then(b.created_at.total_cmp(&a.created_at))
        });
        let surplus: Vec<String> = healthy
            .drain(..healthy.len() - desired)
            .map(|t| t.arn)
            .collect();
        stop_tasks(st, arn, &surplus, &reason, true);
    } else if healthy.len() < desired {
        start_tasks(
            st,
            service,
            &as_deployment(set),
            desired - healthy.len(),
            None,
        );
    }
}

/// The launch settings of a task set in the shape the scheduler starts tasks from.
fn as_deployment(set: &TaskSet) -> Deployment {
    Deployment {
        id: set.id.clone(),
        // A draining set launches nothing (see above); its tasks count as an old deployment's.
        status: match set.status {
            TaskSetStatus::Primary => DeploymentStatus::Primary,
            TaskSetStatus::Active => DeploymentStatus::Active,
            TaskSetStatus::Draining => DeploymentStatus::Inactive,
        },
        task_definition: set.task_definition.clone(),
        capacity_provider_strategy: set.capacity_provider_strategy.clone(),
        launch_type: set.launch_type,
        platform_version: set.platform_version.clone(),
        platform_family: set.platform_family.clone(),
        network_configuration: set.network_configuration.clone(),
        ..Default::default()
    }
}

/// What a pass counts for one set: running, pending, and its tasks not stopped yet (live or
/// on their way down).
struct SetCounts {
    running: i32,
    pending: i32,
    alive: i32,
}

fn count_set(st: &RegionState, live: &[TaskView], service_arn: &str, id: &str) -> SetCounts {
    let mine = || live.iter().filter(|t| t.deployment == id);
    SetCounts {
        running: mine().filter(|t| t.running).count() as i32,
        pending: mine().filter(|t| !t.running).count() as i32,
        alive: st
            .tasks
            .values()
            .filter(|t| {
                t.service_arn.as_deref() == Some(service_arn)
                    && t.started_by.as_deref() == Some(id)
                    && !t.is_stopped()
            })
            .count() as i32,
    }
}

/// Updates counts and stability, removes drained sets, sums the service's counts and records
/// the steady-state event on the transition. Returns whether the service is steady.
fn settle(st: &mut RegionState, arn: &str, now: f64) -> bool {
    let Some(service) = st.services.get(arn).cloned() else {
        return true;
    };
    let live = live_views(st, &service, now);
    let sets = service.task_sets.clone().unwrap_or_default();
    let counts: Vec<SetCounts> = sets
        .iter()
        .map(|set| count_set(st, &live, arn, &set.id))
        .collect();
    let Some(s) = st.services.get_mut(arn) else {
        return true;
    };
    let desired = s.desired_count;
    let mut kept = Vec::new();
    let mut steady = true;
    for (mut set, c) in sets.into_iter().zip(counts) {
        if set.status == TaskSetStatus::Draining && c.alive == 0 {
            continue;
        }
        steady &= settle_set(&mut set, &c, desired, now);
        kept.push(set);
    }
    s.running_count = kept.iter().map(|t| t.running_count).sum();
    s.pending_count = kept.iter().map(|t| t.pending_count).sum();
    s.task_sets = Some(kept);
    if steady && !s.steady {
        let name = s.service_name.clone();
        add_event(
            s,
            format!("(service {name}) has reached a steady state."),
            now,
        );
    }
    s.steady = steady;
    steady
}

/// One set's counts and stability: STEADY_STATE when exactly the computed desired count runs
/// and nothing else of it is pending or stopping. Returns whether it is steady.
fn settle_set(set: &mut TaskSet, c: &SetCounts, desired: i32, now: f64) -> bool {
    if set.status != TaskSetStatus::Draining {
        set.computed_desired_count =
            computed_count(desired, &set.scale.clone().unwrap_or_default());
    }
    set.running_count = c.running;
    set.pending_count = c.pending;
    let steady = set.status != TaskSetStatus::Draining
        && c.running == set.computed_desired_count
        && c.pending == 0
        && c.alive == c.running;
    let status = if steady {
        "STEADY_STATE"
    } else {
        "STABILIZING"
    };
    if set.stability_status.as_deref() != Some(status) {
        set.stability_status = Some(status.into());
        set.stability_status_at = Some(now);
    }
    steady
}
