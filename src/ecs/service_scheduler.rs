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

use super::placement;
use super::service_types::{Deployment, Service};
use super::services::add_event;
use super::state::RegionState;
use super::task_launch::{self, Launch, NewTask};
use super::task_types::{Task, TaskOverride};
use super::types::{Tag, TaskDefinition};
use crate::ecs::task_definitions;

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
    /// Healthy and RUNNING for at least [`SETTLE_SECONDS`].
    pub settled: bool,
    pub created_at: f64,
    pub instance: Option<String>,
}

/// What a REPLICA pass decides (pure: see [`plan_replica`]).
#[derive(Debug, Default, PartialEq)]
pub struct Plan {
    pub start: usize,
    pub stop: Vec<String>,
}

/// Rolling update arithmetic for the PRIMARY deployment `primary` (ECS's rules): stop surplus
/// primary tasks; stop old tasks while the healthy count stays at or above the minimum; start
/// primary tasks while the total stays at or below the maximum.
pub fn plan_replica(
    desired: usize,
    min_pct: i32,
    max_pct: i32,
    primary: &str,
    live: &[TaskView],
    may_start: bool,
) -> Plan {
    let max_total = desired * max_pct.max(0) as usize / 100;
    let min_healthy = (desired * min_pct.max(0) as usize).div_ceil(100);
    let (mut new, old): (Vec<&TaskView>, Vec<&TaskView>) =
        live.iter().partition(|t| t.deployment == primary);
    let mut plan = Plan::default();
    if new.len() > desired {
        new.sort_by(|a, b| {
            a.running
                .cmp(&b.running)
                .then(b.created_at.total_cmp(&a.created_at))
        });
        plan.stop
            .extend(new.drain(..new.len() - desired).map(|t| t.arn.clone()));
    }
    let mut healthy = new.iter().chain(old.iter()).filter(|t| t.healthy).count();
    let mut old_left = old.len();
    for t in old.iter().filter(|t| !t.healthy) {
        plan.stop.push(t.arn.clone());
        old_left -= 1;
    }
    for t in old.iter().filter(|t| t.healthy) {
        if healthy > min_healthy {
            plan.stop.push(t.arn.clone());
            healthy -= 1;
            old_left -= 1;
        }
    }
    let total = new.len() + old_left;
    if may_start {
        plan.start = desired
            .saturating_sub(new.len())
            .min(max_total.saturating_sub(total));
    }
    plan
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
    if service.status == "INACTIVE" {
        return true;
    }
    account_stopped(st, &service);
    if service.status == "DRAINING" {
        return drain(st, arn);
    }
    if service.controller_type() == "EXTERNAL" {
        return super::task_sets::reconcile(st, arn, now);
    }
    circuit_breaker(st, arn);
    replace_unhealthy(st, arn, now);
    if st
        .services
        .get(arn)
        .is_some_and(|s| s.scheduling_strategy == "DAEMON")
    {
        schedule_daemon(st, arn);
    } else {
        schedule_replica(st, arn, now);
    }
    let steady = settle(st, arn, now);
    super::service_deployments::sync(st, arn, now);
    steady
}

/// Tasks of the service, live (desired RUNNING, not stopped) or all.
fn service_tasks<'a>(st: &'a RegionState, arn: &'a str) -> impl Iterator<Item = &'a Task> + 'a {
    st.tasks
        .values()
        .filter(move |t| t.service_arn.as_deref() == Some(arn))
}

pub(super) fn live_views(st: &RegionState, service: &Service, now: f64) -> Vec<TaskView> {
    let grace = service.health_check_grace_period_seconds.unwrap_or(0) as f64;
    service_tasks(st, &service.service_arn)
        .filter(|t| !t.is_stopped() && t.desired_status == "RUNNING")
        .map(|t| {
            let running = t.last_status == "RUNNING";
            let checked = t
                .containers
                .iter()
                .any(|c| c.essential && c.has_health_check);
            let health = t.health_status.as_deref().unwrap_or("UNKNOWN");
            TaskView {
                arn: t.task_arn.clone(),
                deployment: t.started_by.clone().unwrap_or_default(),
                running,
                healthy: running && (!checked || health == "HEALTHY"),
                settled: running
                    && (!checked || health == "HEALTHY")
                    && t.started_at.is_some_and(|s| s + SETTLE_SECONDS <= now),
                unhealthy_past_grace: running
                    && health == "UNHEALTHY"
                    && t.started_at.is_some_and(|s| s + grace <= now),
                created_at: t.created_at,
                instance: t.container_instance_arn.clone(),
            }
        })
        .collect()
}

/// Counts tasks that stopped on their own (not by the scheduler or a user) as failures of their
/// deployment while it is rolling out.
fn account_stopped(st: &mut RegionState, service: &Service) {
    let stopped: Vec<(String, String, Option<String>)> = service_tasks(st, &service.service_arn)
        .filter(|t| t.is_stopped() && !service.seen_stopped.contains(&t.task_arn))
        .map(|t| {
            (
                t.task_arn.clone(),
                t.started_by.clone().unwrap_or_default(),
                t.stop_code.clone(),
            )
        })
        .collect();
    let Some(s) = st.services.get_mut(&service.service_arn) else {
        return;
    };
    for (task, deployment, code) in stopped {
        s.seen_stopped.insert(task);
        let failed = matches!(
            code.as_deref(),
            Some("TaskFailedToStart") | Some("EssentialContainerExited")
        );
        if let Some(d) = s
            .deployments
            .iter_mut()
            .find(|d| d.id == deployment && d.rollout_state.as_deref() == Some("IN_PROGRESS"))
        {
            if failed {
                d.failed_tasks += 1;
            }
        }
    }
}

/// DRAINING: stop every task; INACTIVE once none is left.
fn drain(st: &mut RegionState, arn: &str) -> bool {
    let live: Vec<String> = service_tasks(st, arn)
        .filter(|t| !t.is_stopped() && t.desired_status == "RUNNING")
        .map(|t| t.task_arn.clone())
        .collect();
    stop_tasks(st, arn, &live, "Service is being deleted", false);
    let remaining = service_tasks(st, arn).any(|t| !t.is_stopped());
    if let Some(s) = st.services.get_mut(arn) {
        s.running_count = 0;
        s.pending_count = 0;
        if !remaining {
            s.status = "INACTIVE".into();
            s.inactive_at = Some(super::types::now_epoch());
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
    let Some(pi) = s.deployments.iter().position(|d| d.status == "PRIMARY") else {
        return;
    };
    let primary = &s.deployments[pi];
    if primary.rollout_state.as_deref() != Some("IN_PROGRESS") || primary.failed_tasks < threshold {
        return;
    }
    let failed_id = primary.id.clone();
    let name = s.service_name.clone();
    s.deployments[pi].rollout_state = Some("FAILED".into());
    s.deployments[pi].rollout_state_reason =
        Some("ECS deployment circuit breaker: tasks failed to start.".into());
    add_event(
        s,
        format!(
            "(service {name}) (deployment {failed_id}) deployment failed: tasks failed to start."
        ),
    );
    let target = s
        .deployments
        .iter()
        .position(|d| d.status != "PRIMARY" && d.rollout_state.as_deref() == Some("COMPLETED"));
    let (true, Some(ti)) = (cb.rollback, target) else {
        return;
    };
    s.deployments[pi].status = "ACTIVE".into();
    let desired = s.desired_count;
    let mut back = s.deployments.remove(ti);
    back.status = "PRIMARY".into();
    back.desired_count = desired;
    back.rollout_state = Some("IN_PROGRESS".into());
    back.rollout_state_reason = Some(format!(
        "ECS deployment circuit breaker: rolling back to deploymentId {}.",
        back.id
    ));
    s.task_definition = Some(back.task_definition.clone());
    add_event(
        s,
        format!("(service {name}) rolling back to deployment {}.", back.id),
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
            add_event(
                s,
                format!(
                    "(service {}) (task {id}) failed container health checks.",
                    s.service_name
                ),
            );
            if let Some(d) = s
                .deployments
                .iter_mut()
                .find(|d| d.id == t.deployment && d.rollout_state.as_deref() == Some("IN_PROGRESS"))
            {
                d.failed_tasks += 1;
            }
        }
    }
    let arns: Vec<String> = sick.into_iter().map(|t| t.arn).collect();
    stop_tasks(st, arn, &arns, UNHEALTHY_REASON, true);
}

fn schedule_replica(st: &mut RegionState, arn: &str, now: f64) {
    let Some(service) = st.services.get(arn).cloned() else {
        return;
    };
    let Some(primary) = service
        .deployments
        .iter()
        .find(|d| d.status == "PRIMARY")
        .cloned()
    else {
        return;
    };
    let config = service.deployment_configuration.clone();
    let min = config
        .as_ref()
        .and_then(|c| c.minimum_healthy_percent)
        .unwrap_or(100);
    let max = config
        .as_ref()
        .and_then(|c| c.maximum_percent)
        .unwrap_or(200);
    let may_start = primary.rollout_state.as_deref() != Some("FAILED");
    let live = live_views(st, &service, now);
    let plan = plan_replica(
        service.desired_count.max(0) as usize,
        min,
        max,
        &primary.id,
        &live,
        may_start,
    );
    let reason = format!("Scaling activity initiated by (deployment {})", primary.id);
    stop_tasks(st, arn, &plan.stop, &reason, true);
    if plan.start > 0 {
        start_tasks(st, &service, &primary, plan.start, None);
    }
}

/// DAEMON: one PRIMARY task per ACTIVE container instance; old ones are replaced in place.
fn schedule_daemon(st: &mut RegionState, arn: &str) {
    let Some(service) = st.services.get(arn).cloned() else {
        return;
    };
    let Some(primary) = service
        .deployments
        .iter()
        .find(|d| d.status == "PRIMARY")
        .cloned()
    else {
        return;
    };
    let instances: Vec<String> = st
        .container_instances
        .values()
        .filter(|ci| ci.cluster_arn == service.cluster_arn && ci.status == "ACTIVE")
        .map(|ci| ci.container_instance_arn.clone())
        .collect();
    let live = live_views(st, &service, 0.0);
    let mut stop: Vec<String> = live
        .iter()
        .filter(|t| t.instance.as_ref().is_none_or(|i| !instances.contains(i)))
        .map(|t| t.arn.clone())
        .collect();
    let mut start_on = Vec::new();
    for instance in &instances {
        let here: Vec<&TaskView> = live
            .iter()
            .filter(|t| t.instance.as_deref() == Some(instance.as_str()))
            .collect();
        let has_new = here.iter().any(|t| t.deployment == primary.id);
        let old: Vec<String> = here
            .iter()
            .filter(|t| t.deployment != primary.id)
            .map(|t| t.arn.clone())
            .collect();
        if !has_new && old.is_empty() {
            start_on.push(instance.clone());
        }
        stop.extend(old);
    }
    if let Some(s) = st.services.get_mut(arn) {
        s.desired_count = instances.len() as i32;
        if let Some(d) = s.deployments.iter_mut().find(|d| d.status == "PRIMARY") {
            d.desired_count = instances.len() as i32;
        }
    }
    let reason = format!("Scaling activity initiated by (deployment {})", primary.id);
    stop_tasks(st, arn, &stop, &reason, true);
    if primary.rollout_state.as_deref() != Some("FAILED") {
        for instance in start_on {
            start_tasks(st, &service, &primary, 1, Some(instance));
        }
    }
}

/// Asks the task controller to stop tasks, with an event when the scheduler did it.
pub(super) fn stop_tasks(
    st: &mut RegionState,
    arn: &str,
    tasks: &[String],
    reason: &str,
    event: bool,
) {
    let mut stopped = Vec::new();
    for task_arn in tasks {
        let Some(t) = st.tasks.get_mut(task_arn) else {
            continue;
        };
        if t.desired_status == "STOPPED" {
            continue;
        }
        t.desired_status = "STOPPED".into();
        t.stop_code = Some("ServiceSchedulerInitiated".into());
        t.stopped_reason = Some(reason.to_string());
        t.version += 1;
        stopped.push(t.id().to_string());
        st.outbox.push(task_arn.clone());
    }
    if event && !stopped.is_empty() {
        if let Some(s) = st.services.get_mut(arn) {
            let list: Vec<String> = stopped.iter().map(|id| format!("(task {id})")).collect();
            add_event(
                s,
                format!(
                    "(service {}) has stopped {} running tasks: {}.",
                    s.service_name,
                    stopped.len(),
                    list.join(" ")
                ),
            );
        }
    }
}

/// Starts `count` tasks of a deployment (placing EC2 ones; `on` pins the container instance).
pub(super) fn start_tasks(
    st: &mut RegionState,
    service: &Service,
    deployment: &Deployment,
    count: usize,
    on: Option<String>,
) {
    let Some(td) = definition(st, &deployment.task_definition) else {
        return;
    };
    let cluster_name = service
        .cluster_arn
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_string();
    let strategy = deployment
        .capacity_provider_strategy
        .clone()
        .unwrap_or_default();
    let launch = task_launch::resolve_launch(
        st,
        &cluster_name,
        if strategy.is_empty() {
            deployment.launch_type.clone()
        } else {
            None
        },
        &strategy,
    )
    .unwrap_or(Launch {
        launch_type: "EC2".into(),
        capacity_provider: None,
    });
    let instances: Vec<Option<String>> = if launch.launch_type == "FARGATE" {
        vec![None; count]
    } else {
        let demand = placement::demand(&td);
        let mut constraints = td.placement_constraints.clone();
        constraints.extend(service.placement_constraints.iter().cloned());
        let only = on.map(|i| vec![i]);
        let group = service.group();
        let request = placement::PlacementRequest {
            cluster_arn: &service.cluster_arn,
            demand: &demand,
            count,
            constraints: &constraints,
            strategies: &service.placement_strategy,
            group: Some(&group),
            only: only.as_deref(),
        };
        match placement::place_with(st, &request) {
            Ok((placed, _)) => placed.into_iter().map(Some).collect(),
            Err(_) => Vec::new(),
        }
    };
    note_placement(st, service, instances.len() < count);
    let awsvpc = deployment
        .network_configuration
        .as_ref()
        .and_then(|n| n.get("awsvpcConfiguration"))
        .cloned();
    let tags = task_tags(service, &td, &cluster_name);
    let mut started = Vec::new();
    for instance in instances {
        let overrides = TaskOverride::default();
        let task = task_launch::create_task(
            st,
            NewTask {
                cluster_arn: &service.cluster_arn,
                td: &td,
                launch: &launch,
                overrides: &overrides,
                awsvpc: awsvpc.clone(),
                instance,
                group: Some(service.group()),
                started_by: Some(deployment.id.clone()),
                tags: tags.clone(),
                enable_execute_command: service.enable_execute_command,
            },
        );
        if let Some(t) = st.tasks.get_mut(&task.task_arn) {
            t.service_arn = Some(service.service_arn.clone());
        }
        started.push(format!("(task {})", task.id()));
    }
    if let (false, Some(s)) = (
        started.is_empty(),
        st.services.get_mut(&service.service_arn),
    ) {
        add_event(
            s,
            format!(
                "(service {}) has started {} tasks: {}.",
                s.service_name,
                started.len(),
                started.join(" ")
            ),
        );
    }
}

/// The unplaceable event, once per episode, as ECS words it.
fn note_placement(st: &mut RegionState, service: &Service, short: bool) {
    let Some(s) = st.services.get_mut(&service.service_arn) else {
        return;
    };
    if short && !s.unplaceable {
        add_event(s, format!("(service {}) was unable to place a task because no container instance met all of its requirements.", s.service_name));
    }
    s.unplaceable = short;
}

/// A deployment's task definition, even if it has been deregistered since (as ECS allows).
fn definition(st: &RegionState, arn: &str) -> Option<TaskDefinition> {
    let key = task_definitions::resolve(st, arn)?;
    st.task_definitions.get(&key).cloned()
}

/// propagateTags SERVICE / TASK_DEFINITION, and ECS managed tags when enabled.
fn task_tags(service: &Service, td: &TaskDefinition, cluster_name: &str) -> Vec<Tag> {
    let mut tags: Vec<Tag> = match service.propagate_tags.as_deref() {
        Some("SERVICE") => service.tags.clone(),
        Some("TASK_DEFINITION") => td.tags.clone(),
        _ => Vec::new(),
    };
    if service.enable_ecs_managed_tags {
        let tag = |k: &str, v: &str| Tag {
            key: Some(k.into()),
            value: Some(v.into()),
        };
        tags.push(tag("aws:ecs:clusterName", cluster_name));
        tags.push(tag("aws:ecs:serviceName", &service.service_name));
    }
    tags
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
        if d.status != "PRIMARY" {
            d.desired_count = d.running_count + d.pending_count;
        }
    }
    s.running_count = s.deployments.iter().map(|d| d.running_count).sum();
    s.pending_count = s.deployments.iter().map(|d| d.pending_count).sum();
    let others_left = s
        .deployments
        .iter()
        .any(|d| d.status != "PRIMARY" && d.running_count + d.pending_count > 0);
    let name = s.service_name.clone();
    let desired = s.desired_count;
    let settled = |d: &Deployment| {
        live.iter()
            .filter(|t| t.deployment == d.id && t.settled)
            .count() as i32
    };
    if let Some(p) = s.deployments.iter_mut().find(|d| d.status == "PRIMARY") {
        if p.rollout_state.as_deref() == Some("IN_PROGRESS")
            && !others_left
            && p.running_count == desired
            && settled(p) == desired
        {
            p.rollout_state = Some("COMPLETED".into());
            p.rollout_state_reason = Some(format!("ECS deployment {} completed.", p.id));
            p.updated_at = now;
            let id = p.id.clone();
            add_event(
                s,
                format!("(service {name}) (deployment {id}) deployment completed."),
            );
        }
    }
    let completed = s
        .deployments
        .iter()
        .any(|d| d.status == "PRIMARY" && d.rollout_state.as_deref() == Some("COMPLETED"));
    if completed && !others_left {
        s.deployments.retain(|d| d.status == "PRIMARY");
    }
    // Steady: one deployment, rolled out, and exactly the desired tasks running.
    let steady =
        completed && s.deployments.len() == 1 && s.running_count == desired && s.pending_count == 0;
    if steady && !s.steady {
        add_event(s, format!("(service {name}) has reached a steady state."));
    }
    s.steady = steady;
    steady
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(arn: &str, dep: &str, running: bool, healthy: bool) -> TaskView {
        TaskView {
            arn: arn.into(),
            deployment: dep.into(),
            running,
            healthy,
            unhealthy_past_grace: false,
            settled: healthy,
            created_at: 0.0,
            instance: None,
        }
    }

    #[test]
    fn first_deployment_starts_everything() {
        assert_eq!(
            plan_replica(3, 100, 200, "new", &[], true),
            Plan {
                start: 3,
                stop: vec![]
            }
        );
        assert_eq!(plan_replica(3, 100, 200, "new", &[], false).start, 0);
    }

    #[test]
    fn rolling_keeps_the_minimum_healthy() {
        let old = vec![t("o1", "old", true, true), t("o2", "old", true, true)];
        // 200%: start both new ones first, stop nothing while new ones are not healthy.
        assert_eq!(
            plan_replica(2, 100, 200, "new", &old, true),
            Plan {
                start: 2,
                stop: vec![]
            }
        );
        let mut live = old.clone();
        live.push(t("n1", "new", true, true));
        live.push(t("n2", "new", false, false));
        assert_eq!(
            plan_replica(2, 100, 200, "new", &live, true),
            Plan {
                start: 0,
                stop: vec!["o1".into()]
            }
        );
        // 100% max, 50% min: stop one old first, then start one new in its place.
        assert_eq!(
            plan_replica(2, 50, 100, "new", &old, true),
            Plan {
                start: 1,
                stop: vec!["o1".into()]
            }
        );
    }

    #[test]
    fn scale_down_prefers_pending_and_newest() {
        let live = vec![
            t("a", "d", true, true),
            t("b", "d", false, false),
            t("c", "d", true, true),
        ];
        let plan = plan_replica(1, 100, 200, "d", &live, true);
        assert_eq!(plan.stop.len(), 2);
        assert!(plan.stop.contains(&"b".to_string()));
    }

    #[test]
    fn unhealthy_old_tasks_always_go() {
        let live = vec![t("o1", "old", false, false), t("n1", "new", true, true)];
        assert_eq!(
            plan_replica(1, 100, 200, "new", &live, true),
            Plan {
                start: 0,
                stop: vec!["o1".into()]
            }
        );
    }

    #[test]
    fn circuit_breaker_threshold() {
        assert_eq!(failure_threshold(1), 3);
        assert_eq!(failure_threshold(10), 5);
        assert_eq!(failure_threshold(11), 6);
        assert_eq!(failure_threshold(1000), 200);
    }
}
