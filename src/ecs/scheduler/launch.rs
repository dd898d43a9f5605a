//! Starting and stopping a service's tasks: records the task controller acts on, placement,
//! tag propagation, and the events ECS writes for them.

use crate::ecs::rules::launch::{Launch, NewTask};
use crate::ecs::rules::placement;
use crate::ecs::state::service::add_event;
use crate::ecs::state::service::{Deployment, Service};
use crate::ecs::state::status::DesiredStatus;
use crate::ecs::state::status::LaunchType;
use crate::ecs::state::status::TaskStopCode;
use crate::ecs::state::task::TaskOverride;
use crate::ecs::state::types::{Tag, TaskDefinition};
use crate::ecs::state::RegionState;

/// Asks the task controller to stop tasks, with an event when the scheduler did it.
pub(in crate::ecs) fn stop_tasks(
    st: &mut RegionState,
    arn: &str,
    tasks: &[String],
    reason: &str,
    event: bool,
) {
    let now = st.now();
    let mut stopped = Vec::new();
    for task_arn in tasks {
        let Some(t) = st.tasks.get_mut(task_arn) else {
            continue;
        };
        if t.desired_status == DesiredStatus::Stopped {
            continue;
        }
        t.desired_status = DesiredStatus::Stopped;
        t.stop_code = Some(TaskStopCode::ServiceSchedulerInitiated);
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
                now,
            );
        }
    }
}

/// Starts `count` tasks of a deployment (placing EC2 ones; `on` pins the container instance).
pub(in crate::ecs) fn start_tasks(
    st: &mut RegionState,
    service: &Service,
    deployment: &Deployment,
    count: usize,
    on: Option<String>,
) {
    let now = st.now();
    let Some(td) = definition(st, &deployment.task_definition) else {
        return;
    };
    if let Some(problem) =
        crate::ecs::rules::launch::role_problem(st, &td, &TaskOverride::default())
    {
        note_launch_failure(st, service, problem, now);
        return;
    }
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
    let launch = crate::ecs::rules::launch::resolve_launch(
        st,
        &cluster_name,
        if strategy.is_empty() {
            deployment.launch_type
        } else {
            None
        },
        &strategy,
    )
    .unwrap_or(Launch {
        launch_type: LaunchType::Ec2,
        capacity_provider: None,
    });
    let instances: Vec<Option<String>> = if launch.launch_type == LaunchType::Fargate {
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
            capacity_provider: launch.capacity_provider.as_deref(),
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
        let task = crate::ecs::rules::launch::create_task(
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
            now,
        );
    }
}

/// The unplaceable event, once per episode, as ECS words it.
fn note_placement(st: &mut RegionState, service: &Service, short: bool) {
    let now = st.now();
    let Some(s) = st.services.get_mut(&service.service_arn) else {
        return;
    };
    if short && !s.unplaceable {
        add_event(s, format!("(service {}) was unable to place a task because no container instance met all of its requirements.", s.service_name), now);
    }
    s.unplaceable = short;
}

/// The event ECS writes when it cannot launch a service's task, once per distinct failure in a
/// row (the scheduler retries every pass).
fn note_launch_failure(st: &mut RegionState, service: &Service, error: String, now: f64) {
    let Some(s) = st.services.get_mut(&service.service_arn) else {
        return;
    };
    let message = format!(
        "(service {}) failed to launch a task with (error {error}).",
        s.service_name
    );
    if s.events.first().map(|e| &e.message) != Some(&message) {
        add_event(s, message, now);
    }
}

/// A deployment's task definition, even if it has been deregistered since (as ECS allows).
fn definition(st: &RegionState, arn: &str) -> Option<TaskDefinition> {
    let key = crate::ecs::state::lookup::resolve_task_definition(st, arn)?;
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
