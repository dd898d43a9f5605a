//! Services: CreateService, UpdateService, DeleteService, DescribeServices, ListServices,
//! ListServicesByNamespace. <https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_CreateService.html>
//! Handlers record desired state (a new PRIMARY deployment, a desired count, DRAINING) and queue
//! the service; the service scheduler (`crate::ecs::scheduler`) starts and stops its tasks.

mod lookup;
mod queries;
mod update;

pub use lookup::view;
pub use queries::{describe_services, list_services, list_services_by_namespace};
pub use update::update_service;

use crate::core::context::RequestContext;
use crate::core::tags;
use crate::ecs::rules::launch::{self as launch, Launch};
use crate::ecs::rules::load_balancers;
use crate::ecs::state::lookup::{cluster_arn, service_arn};
use crate::ecs::state::service::{CircuitBreaker, Deployment, DeploymentConfiguration, Service};
use crate::ecs::state::status::{DeploymentStatus, RolloutState, ServiceStatus};
use crate::ecs::state::status::{LaunchType, SchedulingStrategy};
use crate::ecs::state::types::{CapacityProviderStrategyItem, Tag};
use crate::ecs::state::RegionState;
use crate::ecs::{parse, EcsError, EcsResult};
use crate::wire::Reply;
use serde::Deserialize;
use serde_json::{json, Map, Value};

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct CreateServiceRequest {
    cluster: Option<String>,
    service_name: String,
    task_definition: Option<String>,
    load_balancers: Vec<Value>,
    service_registries: Vec<Value>,
    desired_count: Option<i32>,
    launch_type: Option<LaunchType>,
    capacity_provider_strategy: Vec<CapacityProviderStrategyItem>,
    platform_version: Option<String>,
    role: Option<String>,
    deployment_configuration: Option<DeploymentConfiguration>,
    placement_constraints: Vec<Value>,
    placement_strategy: Vec<Value>,
    network_configuration: Option<Value>,
    health_check_grace_period_seconds: Option<i32>,
    scheduling_strategy: Option<SchedulingStrategy>,
    deployment_controller: Option<Value>,
    tags: Vec<Tag>,
    #[serde(rename = "enableECSManagedTags")]
    enable_ecs_managed_tags: bool,
    propagate_tags: Option<String>,
    enable_execute_command: bool,
    availability_zone_rebalancing: Option<String>,
}

pub fn create_service(
    st: &mut RegionState,
    _ctx: &RequestContext,
    input: Map<String, Value>,
) -> EcsResult<Reply> {
    let req: CreateServiceRequest = parse(input)?;
    let cluster = cluster_arn(st, req.cluster.as_deref())?;
    let arn = free_service_arn(st, &cluster, &req.service_name)?;
    check_create(&req)?;
    let (td_arn, choice) = resolve_create(st, &cluster, &req)?;
    if let Some(td) = td_arn.as_deref() {
        load_balancers::validate(st, &definition(st, td)?, &req.load_balancers)?;
    }
    let now = st.now();
    let mut service = build_service(st, arn.clone(), cluster, req, td_arn, choice, now)?;
    let external = service.controller_type() == "EXTERNAL";
    if !external {
        let deployment = new_deployment(&service, now);
        service.deployments.push(deployment);
    }
    st.services.insert(arn.clone(), service);
    if !external {
        crate::ecs::scheduler::deployments::record_deployment(st, &arn, now);
    }
    st.service_outbox.push(arn.clone());
    Ok(Reply::member("service", &view(st, &arn, true)))
}

/// The new service's ARN, if its name is valid and not taken by an ACTIVE or DRAINING service.
pub fn free_service_arn(st: &RegionState, cluster: &str, name: &str) -> EcsResult<String> {
    if !crate::ecs::rules::task_definition::valid_name(name) {
        return Err(EcsError::invalid("Service name can be up to 255 letters (uppercase and lowercase), numbers, hyphens, and underscores."));
    }
    let cluster_name = cluster.rsplit('/').next().unwrap_or_default();
    let arn = st.arn(&format!("service/{cluster_name}/{name}"));
    match st.services.get(&arn).map(|s| s.status) {
        Some(ServiceStatus::Active) => {
            Err(EcsError::invalid("Creation of service was not idempotent."))
        }
        Some(ServiceStatus::Draining) => Err(EcsError::invalid(
            "Unable to Start a service that is still Draining.",
        )),
        _ => Ok(arn),
    }
}

fn controller_of(req: &CreateServiceRequest) -> String {
    let kind = req
        .deployment_controller
        .as_ref()
        .and_then(|d| d.get("type"));
    kind.and_then(Value::as_str).unwrap_or("ECS").to_string()
}

fn check_create(req: &CreateServiceRequest) -> EcsResult<()> {
    tags::validate(&req.tags)?;
    crate::ecs::rules::placement::validate_placement(
        &req.placement_constraints,
        &req.placement_strategy,
    )?;
    let daemon = req.scheduling_strategy == Some(SchedulingStrategy::Daemon);
    if daemon && req.desired_count.is_some() {
        return Err(EcsError::invalid(
            "The daemon scheduling strategy does not support a desired count for services. Remove the desired count value and try again.",
        ));
    }
    if req.desired_count.is_some_and(|d| d < 0) {
        return Err(EcsError::invalid("desiredCount must be 0 or greater."));
    }
    Ok(())
}

/// The task definition and launch settings a new service uses; EXTERNAL services may have
/// neither (their task sets bring them).
fn resolve_create(
    st: &RegionState,
    cluster: &str,
    req: &CreateServiceRequest,
) -> EcsResult<(Option<String>, Option<Launch>)> {
    if controller_of(req) == "EXTERNAL" {
        let td = req
            .task_definition
            .as_deref()
            .map(|t| definition(st, t))
            .transpose()?;
        return Ok((td.map(|td| td.task_definition_arn), None));
    }
    let ident = req.task_definition.as_deref().ok_or_else(|| {
        EcsError::invalid("A task definition must be specified for a service using the ECS deployment controller.")
    })?;
    let td = definition(st, ident)?;
    let cluster_name = cluster.rsplit('/').next().unwrap_or_default();
    let strategy = &req.capacity_provider_strategy;
    let choice = launch::resolve_launch(st, cluster_name, req.launch_type, strategy)?;
    launch::check_network(st, &td, &choice, req.network_configuration.as_ref())?;
    if req.scheduling_strategy == Some(SchedulingStrategy::Daemon)
        && choice.launch_type == LaunchType::Fargate
    {
        return Err(EcsError::invalid(
            "The DAEMON scheduling strategy is not supported with the FARGATE launch type.",
        ));
    }
    Ok((Some(td.task_definition_arn), Some(choice)))
}

/// The service record, with AWS's defaults filled in.
fn build_service(
    st: &RegionState,
    arn: String,
    cluster: String,
    req: CreateServiceRequest,
    td_arn: Option<String>,
    choice: Option<Launch>,
    now: f64,
) -> EcsResult<Service> {
    let daemon = req.scheduling_strategy == Some(SchedulingStrategy::Daemon);
    let controller = controller_of(&req);
    let launch_type = match &choice {
        Some(l) if l.capacity_provider.is_none() => Some(l.launch_type),
        _ => req.launch_type,
    };
    let fargate = choice
        .as_ref()
        .is_some_and(|l| l.launch_type == LaunchType::Fargate);
    let strategy = req.capacity_provider_strategy;
    Ok(Service {
        service_arn: arn,
        service_name: req.service_name,
        cluster_arn: cluster,
        load_balancers: req.load_balancers,
        service_registries: req.service_registries,
        status: ServiceStatus::Active,
        desired_count: if daemon {
            0
        } else {
            req.desired_count.unwrap_or(1)
        },
        launch_type,
        capacity_provider_strategy: (!strategy.is_empty()).then_some(strategy),
        platform_version: fargate.then(|| req.platform_version.unwrap_or_else(|| "LATEST".into())),
        platform_family: fargate.then(|| "Linux".to_string()),
        task_definition: td_arn,
        deployment_configuration: Some(deployment_config(req.deployment_configuration, daemon)?),
        task_sets: (controller == "EXTERNAL").then(Vec::new),
        role_arn: req.role,
        created_at: now,
        placement_constraints: req.placement_constraints,
        placement_strategy: req.placement_strategy,
        network_configuration: req.network_configuration,
        health_check_grace_period_seconds: Some(req.health_check_grace_period_seconds.unwrap_or(0)),
        scheduling_strategy: if daemon {
            SchedulingStrategy::Daemon
        } else {
            SchedulingStrategy::Replica
        },
        deployment_controller: Some(json!({ "type": controller })),
        tags: req.tags,
        created_by: Some(crate::core::arn::account_root(&st.account)),
        enable_ecs_managed_tags: req.enable_ecs_managed_tags,
        propagate_tags: Some(req.propagate_tags.unwrap_or_else(|| "NONE".into())),
        enable_execute_command: req.enable_execute_command,
        availability_zone_rebalancing: Some(
            req.availability_zone_rebalancing
                .unwrap_or_else(|| "DISABLED".into()),
        ),
        ..Default::default()
    })
}

/// AWS's defaults and limits: REPLICA 200/100, DAEMON 100/0; circuit breaker off.
fn deployment_config(
    given: Option<DeploymentConfiguration>,
    daemon: bool,
) -> EcsResult<DeploymentConfiguration> {
    let mut c = given.unwrap_or(DeploymentConfiguration {
        deployment_circuit_breaker: None,
        maximum_percent: None,
        minimum_healthy_percent: None,
        alarms: None,
        strategy: None,
        bake_time_in_minutes: None,
        lifecycle_hooks: None,
        linear_configuration: None,
        canary_configuration: None,
    });
    let max = *c
        .maximum_percent
        .get_or_insert(if daemon { 100 } else { 200 });
    let min = *c
        .minimum_healthy_percent
        .get_or_insert(if daemon { 0 } else { 100 });
    if !(0..=100).contains(&min) {
        return Err(EcsError::invalid(
            "minimumHealthyPercent must be between 0 and 100.",
        ));
    }
    if !(100..=200).contains(&max) {
        return Err(EcsError::invalid(
            "maximumPercent must be between 100 and 200.",
        ));
    }
    c.deployment_circuit_breaker.get_or_insert(CircuitBreaker {
        enable: false,
        rollback: false,
    });
    c.strategy.get_or_insert_with(|| "ROLLING".into());
    Ok(c)
}

/// A task definition a service may use: ACTIVE for new deployments.
fn definition(
    st: &RegionState,
    ident: &str,
) -> EcsResult<crate::ecs::state::types::TaskDefinition> {
    launch::definition_for_launch(st, ident)
}

/// A new PRIMARY deployment of the service's current settings.
pub fn new_deployment(service: &Service, now: f64) -> Deployment {
    let id = crate::core::ids::deployment_id();
    Deployment {
        rollout_state_reason: Some(format!("ECS deployment {id} in progress.")),
        id,
        status: DeploymentStatus::Primary,
        task_definition: service.task_definition.clone().unwrap_or_default(),
        desired_count: service.desired_count,
        created_at: now,
        updated_at: now,
        capacity_provider_strategy: service.capacity_provider_strategy.clone(),
        launch_type: service.launch_type,
        platform_version: service.platform_version.clone(),
        platform_family: service.platform_family.clone(),
        network_configuration: service.network_configuration.clone(),
        rollout_state: Some(RolloutState::InProgress),
        ..Default::default()
    }
}

#[derive(Deserialize)]
struct DeleteServiceRequest {
    cluster: Option<String>,
    service: String,
    force: Option<bool>,
}

pub fn delete_service(
    st: &mut RegionState,
    _ctx: &RequestContext,
    input: Map<String, Value>,
) -> EcsResult<Reply> {
    let req: DeleteServiceRequest = parse(input)?;
    let arn = service_arn(st, req.cluster.as_deref(), &req.service)?;
    let s = st.services.get_mut(&arn).ok_or(EcsError::ServiceNotFound)?;
    if s.status == ServiceStatus::Inactive {
        return Err(EcsError::ServiceNotActive);
    }
    if s.scheduling_strategy == SchedulingStrategy::Replica
        && s.desired_count > 0
        && !req.force.unwrap_or(false)
    {
        return Err(EcsError::invalid(
            "The service cannot be stopped while it is scaled above 0.",
        ));
    }
    if s.status == ServiceStatus::Active {
        s.status = ServiceStatus::Draining;
        s.desired_count = 0;
        for d in &mut s.deployments {
            d.desired_count = 0;
        }
    }
    st.service_outbox.push(arn.clone());
    Ok(Reply::member("service", &view(st, &arn, true)))
}
