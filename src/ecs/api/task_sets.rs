//! Task sets for services with the EXTERNAL deployment controller: CreateTaskSet,
//! UpdateTaskSet, DeleteTaskSet, DescribeTaskSets, UpdateServicePrimaryTaskSet.
//! <https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-type-external.html>
//!
//! Handlers record desired state in the service's `taskSets` (a new ACTIVE set, a scale, the
//! PRIMARY, DRAINING) and queue the service; the scheduler pass ([`crate::ecs::scheduler::task_sets`]) keeps each set
//! at `ceil(desiredCount × scale% / 100)` tasks, started by the set's id, and drops drained sets.

use crate::ecs::rules::scale::{checked_scale, computed_count};
use crate::ecs::state::status::LaunchType;
use crate::ecs::state::status::TaskSetStatus;
use crate::wire::Reply;

use crate::core::context::RequestContext;
use crate::core::tags;
use crate::ecs::rules::launch;
use crate::ecs::state::lookup::cluster_arn;
use crate::ecs::state::lookup::{active_service, service_arn};
use crate::ecs::state::service::{Scale, Service, TaskSet};
use crate::ecs::state::types::{CapacityProviderStrategyItem, Failure, Tag};
use crate::ecs::state::RegionState;
use crate::ecs::{parse, EcsError, EcsResult};
use serde::Deserialize;
use serde_json::{Map, Value};

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct CreateTaskSetRequest {
    service: String,
    cluster: String,
    external_id: Option<String>,
    task_definition: String,
    network_configuration: Option<Value>,
    load_balancers: Vec<Value>,
    service_registries: Vec<Value>,
    launch_type: Option<LaunchType>,
    capacity_provider_strategy: Vec<CapacityProviderStrategyItem>,
    platform_version: Option<String>,
    scale: Option<Scale>,
    tags: Vec<Tag>,
}

pub fn create_task_set(
    st: &mut RegionState,
    _ctx: &RequestContext,
    input: Map<String, Value>,
) -> EcsResult<Reply> {
    let req: CreateTaskSetRequest = parse(input)?;
    let arn = external_service(st, &req.cluster, &req.service, true)?;
    let service = st
        .services
        .get(&arn)
        .cloned()
        .ok_or(EcsError::ServiceNotFound)?;
    let td = launch::definition_for_launch(st, &req.task_definition)?;
    tags::validate(&req.tags)?;
    let scale = checked_scale(req.scale.clone(), Some(100.0))?;
    let given_launch = req.launch_type.is_some() || !req.capacity_provider_strategy.is_empty();
    let (launch_type, strategy) = if given_launch {
        (req.launch_type, req.capacity_provider_strategy.clone())
    } else {
        (
            service.launch_type,
            service
                .capacity_provider_strategy
                .clone()
                .unwrap_or_default(),
        )
    };
    let choice = launch::resolve_launch(st, cluster_name(&service), launch_type, &strategy)?;
    let network = req
        .network_configuration
        .clone()
        .or(service.network_configuration.clone());
    launch::check_network(st, &td, &choice, network.as_ref())?;
    let mut set = new_task_set(st, &service, req, scale, &choice, &strategy);
    set.task_definition = td.task_definition_arn;
    set.network_configuration = network;
    let reply = Reply::member("taskSet", &set);
    with_sets(st, &arn, |sets| sets.push(set))?;
    st.service_outbox.push(arn);
    Ok(reply)
}

/// A new ACTIVE, STABILIZING task set of `service` from a validated request.
fn new_task_set(
    st: &RegionState,
    service: &Service,
    req: CreateTaskSetRequest,
    scale: Scale,
    choice: &launch::Launch,
    strategy: &[CapacityProviderStrategyItem],
) -> TaskSet {
    let now = st.now();
    let id = crate::core::ids::deployment_id();
    let fargate = choice.launch_type == LaunchType::Fargate;
    let platform = req
        .platform_version
        .or(service.platform_version.clone())
        .unwrap_or_else(|| "LATEST".into());
    TaskSet {
        task_set_arn: st.arn(&format!(
            "task-set/{}/{}/{id}",
            cluster_name(service),
            service.service_name
        )),
        id,
        service_arn: service.service_arn.clone(),
        cluster_arn: service.cluster_arn.clone(),
        external_id: req.external_id,
        status: TaskSetStatus::Active,
        computed_desired_count: computed_count(service.desired_count, &scale),
        created_at: now,
        updated_at: now,
        launch_type: choice
            .capacity_provider
            .is_none()
            .then_some(choice.launch_type),
        capacity_provider_strategy: (!strategy.is_empty()).then(|| strategy.to_vec()),
        platform_version: fargate.then_some(platform),
        platform_family: fargate.then(|| "Linux".to_string()),
        load_balancers: req.load_balancers,
        service_registries: req.service_registries,
        scale: Some(scale),
        stability_status: Some("STABILIZING".into()),
        stability_status_at: Some(now),
        tags: req.tags,
        ..Default::default()
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct UpdateTaskSetRequest {
    cluster: String,
    service: String,
    task_set: String,
    scale: Scale,
}

pub fn update_task_set(
    st: &mut RegionState,
    _ctx: &RequestContext,
    input: Map<String, Value>,
) -> EcsResult<Reply> {
    let req: UpdateTaskSetRequest = parse(input)?;
    let arn = external_service(st, &req.cluster, &req.service, true)?;
    let scale = checked_scale(Some(req.scale), None)?;
    let desired = st.services.get(&arn).map_or(0, |s| s.desired_count);
    let now = st.now();
    let view = with_set(st, &arn, &req.task_set, |set| {
        not_draining(set)?;
        set.computed_desired_count = computed_count(desired, &scale);
        set.scale = Some(scale);
        set.updated_at = now;
        set.stability_status = Some("STABILIZING".into());
        set.stability_status_at = Some(now);
        Ok(Reply::member("taskSet", &*set))
    })?;
    st.service_outbox.push(arn);
    Ok(view)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DeleteTaskSetRequest {
    cluster: String,
    service: String,
    task_set: String,
    #[serde(default)]
    force: bool,
}

/// DRAINING: the scheduler stops its tasks and removes it once none is left. Without `force`
/// only a set scaled down to zero tasks may be deleted.
pub fn delete_task_set(
    st: &mut RegionState,
    _ctx: &RequestContext,
    input: Map<String, Value>,
) -> EcsResult<Reply> {
    let req: DeleteTaskSetRequest = parse(input)?;
    let arn = external_service(st, &req.cluster, &req.service, true)?;
    let now = st.now();
    let view = with_set(st, &arn, &req.task_set, |set| {
        if set.status != TaskSetStatus::Draining && set.computed_desired_count > 0 && !req.force {
            return Err(EcsError::invalid(format!(
                "The task set {} has not been scaled down to zero; scale it to 0 or use force.",
                set.id
            )));
        }
        if set.status != TaskSetStatus::Draining {
            set.status = TaskSetStatus::Draining;
            set.computed_desired_count = 0;
            set.updated_at = now;
            set.stability_status = Some("STABILIZING".into());
            set.stability_status_at = Some(now);
        }
        Ok(Reply::member("taskSet", &*set))
    })?;
    st.service_outbox.push(arn);
    Ok(view)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DescribeTaskSetsRequest {
    cluster: String,
    service: String,
    task_sets: Option<Vec<String>>,
    #[serde(default)]
    include: Vec<String>,
}

/// All the service's task sets, or the named ones (unknown ones are MISSING failures).
pub fn describe_task_sets(
    st: &mut RegionState,
    _ctx: &RequestContext,
    input: Map<String, Value>,
) -> EcsResult<Reply> {
    let req: DescribeTaskSetsRequest = parse(input)?;
    let arn = external_service(st, &req.cluster, &req.service, false)?;
    let service = st.services.get(&arn).ok_or(EcsError::ServiceNotFound)?;
    let sets = service.task_sets.as_deref().unwrap_or_default();
    let with_tags = req.include.iter().any(|i| i == "TAGS");
    let view = |set: &TaskSet| {
        let mut set = set.clone();
        if !with_tags {
            set.tags.clear();
        }
        set
    };
    let Some(wanted) = req.task_sets else {
        let found: Vec<TaskSet> = sets.iter().map(view).collect();
        return Ok(Reply::found("taskSets", &found, &[] as &[Failure]));
    };
    let (mut found, mut failures) = (Vec::new(), Vec::new());
    for ident in &wanted {
        match sets.iter().find(|s| names(s, ident)) {
            Some(set) => found.push(view(set)),
            None => failures.push(Failure::new(set_arn_of(st, service, ident), "MISSING")),
        }
    }
    Ok(Reply::found("taskSets", &found, &failures))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct UpdatePrimaryRequest {
    cluster: String,
    service: String,
    primary_task_set: String,
}

/// Makes one set PRIMARY (the previous PRIMARY becomes ACTIVE) and carries its settings to the
/// service, as DescribeServices shows them.
pub fn update_service_primary_task_set(
    st: &mut RegionState,
    _ctx: &RequestContext,
    input: Map<String, Value>,
) -> EcsResult<Reply> {
    let req: UpdatePrimaryRequest = parse(input)?;
    let arn = external_service(st, &req.cluster, &req.service, true)?;
    let now = st.now();
    let s = st.services.get_mut(&arn).ok_or(EcsError::ServiceNotFound)?;
    let sets = s.task_sets.get_or_insert_with(Vec::new);
    let i = sets
        .iter()
        .position(|t| names(t, &req.primary_task_set))
        .ok_or(EcsError::TaskSetNotFound)?;
    not_draining(&sets[i])?;
    if sets[i].status != TaskSetStatus::Primary {
        for other in sets
            .iter_mut()
            .filter(|t| t.status == TaskSetStatus::Primary)
        {
            other.status = TaskSetStatus::Active;
            other.updated_at = now;
        }
        sets[i].status = TaskSetStatus::Primary;
        sets[i].updated_at = now;
    }
    let primary = sets[i].clone();
    adopt_primary(s, &primary);
    Ok(Reply::member("taskSet", &primary))
}

/// The service shows its PRIMARY task set's settings.
fn adopt_primary(s: &mut Service, set: &TaskSet) {
    s.task_definition = Some(set.task_definition.clone());
    s.launch_type = set.launch_type;
    s.capacity_provider_strategy = set.capacity_provider_strategy.clone();
    s.platform_version = set.platform_version.clone();
    s.platform_family = set.platform_family.clone();
    s.network_configuration = set.network_configuration.clone();
    s.load_balancers = set.load_balancers.clone();
    s.service_registries = set.service_registries.clone();
}

/// The service (ACTIVE when `active`), which must use the EXTERNAL deployment controller.
fn external_service(
    st: &RegionState,
    cluster: &str,
    service: &str,
    active: bool,
) -> EcsResult<String> {
    cluster_arn(st, Some(cluster))?;
    let arn = if active {
        active_service(st, Some(cluster), service)?
    } else {
        service_arn(st, Some(cluster), service)?
    };
    let controller = st.services.get(&arn).map(|s| s.controller_type());
    if controller != Some("EXTERNAL") {
        return Err(EcsError::invalid(
            "Task sets are only supported for services using the EXTERNAL deployment controller.",
        ));
    }
    Ok(arn)
}

/// Runs `f` on the service's task sets.
fn with_sets<R>(
    st: &mut RegionState,
    arn: &str,
    f: impl FnOnce(&mut Vec<TaskSet>) -> R,
) -> EcsResult<R> {
    let s = st.services.get_mut(arn).ok_or(EcsError::ServiceNotFound)?;
    Ok(f(s.task_sets.get_or_insert_with(Vec::new)))
}

/// Runs `f` on the task set `ident` (id or ARN) of the service, or TaskSetNotFoundException.
fn with_set<R>(
    st: &mut RegionState,
    arn: &str,
    ident: &str,
    f: impl FnOnce(&mut TaskSet) -> EcsResult<R>,
) -> EcsResult<R> {
    with_sets(st, arn, |sets| {
        let set = sets
            .iter_mut()
            .find(|s| names(s, ident))
            .ok_or(EcsError::TaskSetNotFound)?;
        f(set)
    })?
}

fn names(set: &TaskSet, ident: &str) -> bool {
    set.id == ident || set.task_set_arn == ident
}

fn not_draining(set: &TaskSet) -> EcsResult<()> {
    if set.status == TaskSetStatus::Draining {
        return Err(EcsError::invalid(format!(
            "The task set {} is being deleted.",
            set.id
        )));
    }
    Ok(())
}

/// The ARN a task set identifier names in the service.
fn set_arn_of(st: &RegionState, service: &Service, ident: &str) -> String {
    if ident.starts_with("arn:") {
        return ident.to_string();
    }
    st.arn(&format!(
        "task-set/{}/{}/{ident}",
        cluster_name(service),
        service.service_name
    ))
}

fn cluster_name(service: &Service) -> &str {
    service.cluster_arn.rsplit('/').next().unwrap_or_default()
}
