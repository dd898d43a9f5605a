//! UpdateService: a new desired count, definition, network, capacity or placement, and a new
//! PRIMARY deployment when what runs changes (or on `forceNewDeployment`).
//! <https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_UpdateService.html>

use super::{definition, deployment_config, new_deployment, view};
use crate::core::context::RequestContext;
use crate::ecs::rules::launch;
use crate::ecs::state::lookup::active_service;
use crate::ecs::state::service::{DeploymentConfiguration, Service};
use crate::ecs::state::status::{DeploymentStatus, SchedulingStrategy};
use crate::ecs::state::types::{CapacityProviderStrategyItem, TaskDefinition};
use crate::ecs::state::RegionState;
use crate::ecs::{parse, EcsError, EcsResult};
use crate::wire::Reply;
use serde::Deserialize;
use serde_json::{Map, Value};

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct UpdateServiceRequest {
    cluster: Option<String>,
    service: String,
    desired_count: Option<i32>,
    task_definition: Option<String>,
    capacity_provider_strategy: Option<Vec<CapacityProviderStrategyItem>>,
    deployment_configuration: Option<DeploymentConfiguration>,
    network_configuration: Option<Value>,
    placement_constraints: Option<Vec<Value>>,
    placement_strategy: Option<Vec<Value>>,
    platform_version: Option<String>,
    force_new_deployment: bool,
    health_check_grace_period_seconds: Option<i32>,
    enable_execute_command: Option<bool>,
    #[serde(rename = "enableECSManagedTags")]
    enable_ecs_managed_tags: Option<bool>,
    load_balancers: Option<Vec<Value>>,
    propagate_tags: Option<String>,
    service_registries: Option<Vec<Value>>,
}

pub fn update_service(
    st: &mut RegionState,
    _ctx: &RequestContext,
    input: Map<String, Value>,
) -> EcsResult<Reply> {
    let req: UpdateServiceRequest = parse(input)?;
    let arn = active_service(st, req.cluster.as_deref(), &req.service)?;
    let service = st
        .services
        .get(&arn)
        .cloned()
        .ok_or(EcsError::ServiceNotFound)?;
    let new_td = check_update(st, &service, &req)?;
    let redeploy = service.controller_type() != "EXTERNAL"
        && (new_td
            .as_ref()
            .is_some_and(|t| Some(t) != service.task_definition.as_ref())
            || req.network_configuration.is_some()
            || req.capacity_provider_strategy.is_some()
            || req.platform_version.is_some()
            || req.load_balancers.is_some()
            || req.force_new_deployment);
    let daemon = service.scheduling_strategy == SchedulingStrategy::Daemon;
    let config = req
        .deployment_configuration
        .clone()
        .map(|c| deployment_config(Some(c), daemon))
        .transpose()?;
    let now = st.now();
    let s = st.services.get_mut(&arn).ok_or(EcsError::ServiceNotFound)?;
    apply_update(s, req, new_td, config);
    if redeploy {
        for d in &mut s.deployments {
            d.status = DeploymentStatus::Active;
            d.updated_at = now;
        }
        let deployment = new_deployment(s, now);
        s.deployments.insert(0, deployment);
        s.steady = false;
        crate::ecs::scheduler::deployments::record_deployment(st, &arn, now);
    } else if let Some(primary) = s
        .deployments
        .iter_mut()
        .find(|d| d.status == DeploymentStatus::Primary)
    {
        primary.desired_count = s.desired_count;
        primary.updated_at = now;
    }
    st.service_outbox.push(arn.clone());
    Ok(Reply::member("service", &view(st, &arn, true)))
}

/// Checks an update against the service as it stands; returns the new task definition's ARN.
fn check_update(
    st: &RegionState,
    service: &Service,
    req: &UpdateServiceRequest,
) -> EcsResult<Option<String>> {
    if service.scheduling_strategy == SchedulingStrategy::Daemon && req.desired_count.is_some() {
        return Err(EcsError::invalid(
            "The daemon scheduling strategy does not support a desired count for services. Remove the desired count value and try again.",
        ));
    }
    if req.desired_count.is_some_and(|d| d < 0) {
        return Err(EcsError::invalid("desiredCount must be 0 or greater."));
    }
    let new_td = req
        .task_definition
        .as_deref()
        .map(|t| definition(st, t))
        .transpose()?;
    let external = service.controller_type() == "EXTERNAL";
    if external
        && (new_td.is_some() || req.network_configuration.is_some() || req.force_new_deployment)
    {
        return Err(EcsError::invalid("Updating the task definition, network configuration or forcing a deployment is not supported for services using the EXTERNAL deployment controller; use task sets."));
    }
    let constraints = req
        .placement_constraints
        .as_deref()
        .unwrap_or(&service.placement_constraints);
    let strategies = req
        .placement_strategy
        .as_deref()
        .unwrap_or(&service.placement_strategy);
    crate::ecs::rules::placement::validate_placement(constraints, strategies)?;
    if !external {
        check_update_launch(st, service, req, new_td.as_ref())?;
        check_update_load_balancers(st, service, req, new_td.as_ref())?;
    }
    Ok(new_td.map(|td| td.task_definition_arn))
}

/// The launch settings after the update must still fit the (new) task definition.
fn check_update_launch(
    st: &RegionState,
    service: &Service,
    req: &UpdateServiceRequest,
    new_td: Option<&TaskDefinition>,
) -> EcsResult<()> {
    let current = || {
        let key = crate::ecs::state::lookup::resolve_task_definition(
            st,
            service.task_definition.as_deref()?,
        )?;
        st.task_definitions.get(&key).cloned()
    };
    let td = new_td.cloned().or_else(current).unwrap_or_default();
    let strategy = req
        .capacity_provider_strategy
        .clone()
        .or(service.capacity_provider_strategy.clone())
        .unwrap_or_default();
    let launch_type = if strategy.is_empty() {
        service.launch_type
    } else {
        None
    };
    let cluster_name = service.cluster_arn.rsplit('/').next().unwrap_or_default();
    let choice = launch::resolve_launch(st, cluster_name, launch_type, &strategy)?;
    let network = req
        .network_configuration
        .as_ref()
        .or(service.network_configuration.as_ref());
    launch::check_network(st, &td, &choice, network)?;
    Ok(())
}

/// The load balancers after the update must fit the (new) task definition and exist in ELBv2.
fn check_update_load_balancers(
    st: &RegionState,
    service: &Service,
    req: &UpdateServiceRequest,
    new_td: Option<&TaskDefinition>,
) -> EcsResult<()> {
    if req.load_balancers.is_none() && new_td.is_none() {
        return Ok(());
    }
    let current = || {
        let key = crate::ecs::state::lookup::resolve_task_definition(
            st,
            service.task_definition.as_deref()?,
        )?;
        st.task_definitions.get(&key).cloned()
    };
    let Some(td) = new_td.cloned().or_else(current) else {
        return Ok(());
    };
    let entries = req
        .load_balancers
        .as_deref()
        .unwrap_or(&service.load_balancers);
    crate::ecs::rules::load_balancers::validate(st, &td, entries)
}

/// Writes the update's fields onto the service.
fn apply_update(
    s: &mut Service,
    req: UpdateServiceRequest,
    new_td: Option<String>,
    config: Option<DeploymentConfiguration>,
) {
    if let Some(d) = req.desired_count {
        s.desired_count = d;
    }
    if new_td.is_some() {
        s.task_definition = new_td;
    }
    if config.is_some() {
        s.deployment_configuration = config;
    }
    if let Some(cps) = req.capacity_provider_strategy {
        s.capacity_provider_strategy = (!cps.is_empty()).then_some(cps);
        s.launch_type = None;
    }
    s.network_configuration = req.network_configuration.or(s.network_configuration.take());
    s.platform_version = req.platform_version.or(s.platform_version.take());
    s.placement_constraints = req
        .placement_constraints
        .unwrap_or(std::mem::take(&mut s.placement_constraints));
    s.placement_strategy = req
        .placement_strategy
        .unwrap_or(std::mem::take(&mut s.placement_strategy));
    s.health_check_grace_period_seconds = req
        .health_check_grace_period_seconds
        .or(s.health_check_grace_period_seconds);
    s.enable_execute_command = req
        .enable_execute_command
        .unwrap_or(s.enable_execute_command);
    s.enable_ecs_managed_tags = req
        .enable_ecs_managed_tags
        .unwrap_or(s.enable_ecs_managed_tags);
    s.load_balancers = req
        .load_balancers
        .unwrap_or(std::mem::take(&mut s.load_balancers));
    s.propagate_tags = req.propagate_tags.or(s.propagate_tags.take());
    s.service_registries = req
        .service_registries
        .unwrap_or(std::mem::take(&mut s.service_registries));
}
