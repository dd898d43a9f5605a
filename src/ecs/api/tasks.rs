//! Tasks: RunTask, StartTask, StopTask, DescribeTasks, ListTasks.
//! <https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_RunTask.html> and siblings.
//! Handlers only record desired state; the task controller (`controller`) drives each task
//! through the lifecycle on the container runtime.

use crate::core::context::RequestContext;
use crate::core::pagination::{page_size, resume_after, take_page};
use crate::ecs::rules::launch::{self as launch, Launch, NewTask};
use crate::ecs::rules::placement;
use crate::ecs::state::lookup::find_instance_arn as find_arn;
use crate::ecs::state::lookup::{cluster_arn, find_task};
use crate::ecs::state::status::ContainerInstanceStatus;
use crate::ecs::state::status::DesiredStatus;
use crate::ecs::state::status::LaunchType;
use crate::ecs::state::status::TaskStopCode;
use crate::ecs::state::task::{Task, TaskOverride};
use crate::ecs::state::types::{CapacityProviderStrategyItem, Failure, Tag};
use crate::ecs::state::RegionState;
use crate::ecs::{parse, EcsError, EcsResult};
use crate::wire::Reply;
use serde::Deserialize;
use serde_json::{Map, Value};

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct RunTaskRequest {
    capacity_provider_strategy: Vec<CapacityProviderStrategyItem>,
    cluster: Option<String>,
    count: Option<i32>,
    #[serde(rename = "enableECSManagedTags")]
    enable_ecs_managed_tags: bool,
    enable_execute_command: bool,
    group: Option<String>,
    launch_type: Option<LaunchType>,
    network_configuration: Option<Value>,
    overrides: TaskOverride,
    placement_constraints: Vec<Value>,
    placement_strategy: Vec<Value>,
    propagate_tags: Option<String>,
    started_by: Option<String>,
    tags: Vec<Tag>,
    task_definition: String,
}

pub fn run_task(
    st: &mut RegionState,
    _ctx: &RequestContext,
    input: Map<String, Value>,
) -> EcsResult<Reply> {
    let req: RunTaskRequest = parse(input)?;
    let count = req.count.unwrap_or(1);
    if !(1..=10).contains(&count) {
        return Err(EcsError::invalid("count must be between 1 and 10."));
    }
    let cluster = cluster_arn(st, req.cluster.as_deref())?;
    let cluster_name = cluster.rsplit('/').next().unwrap_or_default().to_string();
    let td = launch::definition_for_launch(st, &req.task_definition)?;
    let launch = launch::resolve_launch(
        st,
        &cluster_name,
        req.launch_type,
        &req.capacity_provider_strategy,
    )?;
    let awsvpc = launch::check_network(st, &td, &launch, req.network_configuration.as_ref())?;
    launch::check_overrides(&td, &req.overrides)?;
    launch::check_roles(st, &td, &req.overrides)?;
    check_started_by(req.started_by.as_deref())?;
    let tags = launch::task_tags(
        req.tags,
        &td,
        req.propagate_tags.as_deref(),
        req.enable_ecs_managed_tags,
        &cluster_name,
    )?;
    // The definition's constraints count towards the limit of ten, as in AWS.
    let mut constraints = td.placement_constraints.clone();
    constraints.extend(req.placement_constraints.iter().cloned());
    placement::validate_placement(&constraints, &req.placement_strategy)?;
    let (instances, failures) = match launch.launch_type {
        LaunchType::Fargate
            if !req.placement_constraints.is_empty() || !req.placement_strategy.is_empty() =>
        {
            return Err(EcsError::invalid("Task placement constraints and strategies are not supported for tasks hosted on Fargate."));
        }
        LaunchType::Fargate => (vec![None; count as usize], Vec::new()),
        _ => {
            let demand = placement::demand(&td);
            let request = placement::PlacementRequest {
                cluster_arn: &cluster,
                demand: &demand,
                count: count as usize,
                constraints: &constraints,
                strategies: &req.placement_strategy,
                group: req.group.as_deref(),
                only: None,
                capacity_provider: launch.capacity_provider.as_deref(),
            };
            let (placed, failures) = placement::place_with(st, &request)?;
            (placed.into_iter().map(Some).collect(), failures)
        }
    };
    let tasks: Vec<Task> = instances
        .into_iter()
        .map(|instance| {
            launch::create_task(
                st,
                new_task(
                    &cluster,
                    &td,
                    &launch,
                    &req.overrides,
                    awsvpc.clone(),
                    instance,
                    req.group.clone(),
                    req.started_by.clone(),
                    tags.clone(),
                    req.enable_execute_command,
                ),
            )
        })
        .collect();
    Ok(Reply::found("tasks", &tasks, &failures))
}

#[allow(clippy::too_many_arguments)]
fn new_task<'a>(
    cluster: &'a str,
    td: &'a crate::ecs::state::types::TaskDefinition,
    launch: &'a Launch,
    overrides: &'a TaskOverride,
    awsvpc: Option<Value>,
    instance: Option<String>,
    group: Option<String>,
    started_by: Option<String>,
    tags: Vec<Tag>,
    exec: bool,
) -> NewTask<'a> {
    NewTask {
        cluster_arn: cluster,
        td,
        launch,
        overrides,
        awsvpc,
        instance,
        group,
        started_by,
        tags,
        enable_execute_command: exec,
    }
}

fn check_started_by(started_by: Option<&str>) -> EcsResult<()> {
    match started_by {
        Some(s) if s.len() > 128 || !s.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_/".contains(&b)) => {
            Err(EcsError::invalid("startedBy can be up to 128 letters, numbers, hyphens, forward slashes and underscores."))
        }
        _ => Ok(()),
    }
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct StartTaskRequest {
    cluster: Option<String>,
    container_instances: Vec<String>,
    #[serde(rename = "enableECSManagedTags")]
    enable_ecs_managed_tags: bool,
    enable_execute_command: bool,
    group: Option<String>,
    network_configuration: Option<Value>,
    overrides: TaskOverride,
    propagate_tags: Option<String>,
    started_by: Option<String>,
    tags: Vec<Tag>,
    task_definition: String,
}

pub fn start_task(
    st: &mut RegionState,
    _ctx: &RequestContext,
    input: Map<String, Value>,
) -> EcsResult<Reply> {
    let req: StartTaskRequest = parse(input)?;
    if req.container_instances.is_empty() || req.container_instances.len() > 10 {
        return Err(EcsError::invalid(
            "containerInstances must list between 1 and 10 container instances.",
        ));
    }
    let cluster = cluster_arn(st, req.cluster.as_deref())?;
    let cluster_name = cluster.rsplit('/').next().unwrap_or_default().to_string();
    let td = launch::definition_for_launch(st, &req.task_definition)?;
    let launch = Launch {
        launch_type: LaunchType::Ec2,
        capacity_provider: None,
    };
    let awsvpc = launch::check_network(st, &td, &launch, req.network_configuration.as_ref())?;
    launch::check_overrides(&td, &req.overrides)?;
    launch::check_roles(st, &td, &req.overrides)?;
    check_started_by(req.started_by.as_deref())?;
    let tags = launch::task_tags(
        req.tags,
        &td,
        req.propagate_tags.as_deref(),
        req.enable_ecs_managed_tags,
        &cluster_name,
    )?;
    let (mut tasks, mut failures) = (Vec::new(), Vec::new());
    for ident in &req.container_instances {
        match find_arn(st, &cluster, ident).filter(|a| {
            st.container_instances
                .get(a)
                .is_some_and(|ci| ci.status == ContainerInstanceStatus::Active)
        }) {
            Some(instance) => tasks.push(launch::create_task(
                st,
                new_task(
                    &cluster,
                    &td,
                    &launch,
                    &req.overrides,
                    awsvpc.clone(),
                    Some(instance),
                    req.group.clone(),
                    req.started_by.clone(),
                    tags.clone(),
                    req.enable_execute_command,
                ),
            )),
            None => failures.push(Failure::new(ident.clone(), "MISSING")),
        }
    }
    Ok(Reply::found("tasks", &tasks, &failures))
}

#[derive(Deserialize)]
struct StopTaskRequest {
    cluster: Option<String>,
    task: String,
    reason: Option<String>,
}

pub fn stop_task(
    st: &mut RegionState,
    _ctx: &RequestContext,
    input: Map<String, Value>,
) -> EcsResult<Reply> {
    let req: StopTaskRequest = parse(input)?;
    let cluster = cluster_arn(st, req.cluster.as_deref())?;
    if req.reason.as_ref().is_some_and(|r| r.len() > 255) {
        return Err(EcsError::invalid("reason can be up to 255 characters."));
    }
    let arn = find_task(st, &cluster, &req.task)
        .ok_or_else(|| EcsError::invalid("The referenced task was not found."))?;
    let task = st
        .tasks
        .get_mut(&arn)
        .ok_or_else(|| EcsError::invalid("The referenced task was not found."))?;
    if task.desired_status != DesiredStatus::Stopped {
        task.desired_status = DesiredStatus::Stopped;
        task.stop_code.get_or_insert(TaskStopCode::UserInitiated);
        task.stopped_reason
            .get_or_insert_with(|| req.reason.unwrap_or_else(|| "Task stopped by user".into()));
        task.version += 1;
        let reply = Reply::member("task", &*task);
        st.outbox.push(arn);
        return Ok(reply);
    }
    Ok(Reply::member("task", &*task))
}

#[derive(Deserialize)]
struct DescribeTasksRequest {
    cluster: Option<String>,
    tasks: Vec<String>,
    #[serde(default)]
    include: Vec<String>,
}

pub fn describe_tasks(
    st: &mut RegionState,
    _ctx: &RequestContext,
    input: Map<String, Value>,
) -> EcsResult<Reply> {
    let req: DescribeTasksRequest = parse(input)?;
    let cluster = cluster_arn(st, req.cluster.as_deref())?;
    if req.tasks.is_empty() || req.tasks.len() > 100 {
        return Err(EcsError::invalid(
            "tasks must list between 1 and 100 tasks.",
        ));
    }
    let with_tags = req.include.iter().any(|i| i == "TAGS");
    let (mut found, mut failures) = (Vec::new(), Vec::new());
    for ident in &req.tasks {
        match find_task(st, &cluster, ident).and_then(|a| st.tasks.get(&a)) {
            Some(task) => {
                let mut task = task.clone();
                if !with_tags {
                    task.tags.clear();
                }
                found.push(task);
            }
            None => failures.push(Failure::new(missing_arn(st, &cluster, ident), "MISSING")),
        }
    }
    Ok(Reply::found("tasks", &found, &failures))
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct ListTasksRequest {
    cluster: Option<String>,
    container_instance: Option<String>,
    family: Option<String>,
    next_token: Option<String>,
    max_results: Option<i32>,
    started_by: Option<String>,
    service_name: Option<String>,
    desired_status: Option<DesiredStatus>,
    launch_type: Option<LaunchType>,
    daemon_name: Option<String>,
}

pub fn list_tasks(
    st: &mut RegionState,
    _ctx: &RequestContext,
    input: Map<String, Value>,
) -> EcsResult<Reply> {
    let req: ListTasksRequest = parse(input)?;
    let cluster = cluster_arn(st, req.cluster.as_deref())?;
    let size = page_size(req.max_results, 100, 100)?;
    let after = resume_after(req.next_token.as_deref())?;
    let instance = match &req.container_instance {
        Some(ident) => Some(find_arn(st, &cluster, ident).ok_or_else(|| {
            EcsError::invalid("The referenced container instance was not found.")
        })?),
        None => None,
    };
    // ECS lists tasks whose desired status is RUNNING unless asked otherwise; PENDING means
    // desired RUNNING but not yet running.
    let desired = req.desired_status.unwrap_or_default();
    let group = req.service_name.map(|s| format!("service:{s}"));
    let daemon_group = req.daemon_name.as_ref().map(|d| format!("daemon:{d}"));
    let matching = st
        .tasks
        .values()
        .filter(|t| t.cluster_arn == cluster)
        .filter(|t| match desired {
            DesiredStatus::Pending => t.desired_status == DesiredStatus::Running && t.is_pending(),
            d => t.desired_status == d,
        })
        .filter(|t| instance.is_none() || t.container_instance_arn == instance)
        .filter(|t| req.family.as_deref().is_none_or(|f| t.family() == f))
        .filter(|t| req.started_by.is_none() || t.started_by == req.started_by)
        .filter(|t| group.is_none() || t.group == group)
        .filter(|t| req.launch_type.is_none() || t.launch_type == req.launch_type)
        .filter(|t| daemon_group.is_none() || t.group == daemon_group)
        .filter(|t| after.as_ref().is_none_or(|a| t.task_arn > *a));
    let (page, token) = take_page(matching, size, |t| t.task_arn.clone());
    let arns: Vec<&str> = page.iter().map(|t| t.task_arn.as_str()).collect();
    Ok(Reply::page("taskArns", &arns, &token))
}

fn missing_arn(st: &RegionState, cluster_arn: &str, ident: &str) -> String {
    if ident.starts_with("arn:") {
        return ident.to_string();
    }
    let cluster_name = cluster_arn.rsplit('/').next().unwrap_or_default();
    st.arn(&format!("task/{cluster_name}/{ident}"))
}
