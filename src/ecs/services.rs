//! Services: CreateService, UpdateService, DeleteService, DescribeServices, ListServices,
//! ListServicesByNamespace. <https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_CreateService.html>
//! Handlers record desired state (a new PRIMARY deployment, a desired count, DRAINING) and queue
//! the service; the service scheduler (`service_scheduler`) starts and stops its tasks.

use super::container_instances::cluster_arn;
use super::pagination::{page_size, resume_after, take_page};
use super::service_types::{
    CircuitBreaker, Deployment, DeploymentConfiguration, Service, ServiceEvent,
};
use super::state::RegionState;
use super::task_launch::{self as launch, uuid};
use super::types::{now_epoch, to_wire, CapacityProviderStrategyItem, Failure, Tag};
use super::{parse, tags, EcsError, EcsResult};
use crate::edge::RequestContext;
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
    launch_type: Option<String>,
    capacity_provider_strategy: Vec<CapacityProviderStrategyItem>,
    platform_version: Option<String>,
    role: Option<String>,
    deployment_configuration: Option<DeploymentConfiguration>,
    placement_constraints: Vec<Value>,
    placement_strategy: Vec<Value>,
    network_configuration: Option<Value>,
    health_check_grace_period_seconds: Option<i32>,
    scheduling_strategy: Option<String>,
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
) -> EcsResult<Value> {
    let req: CreateServiceRequest = parse(input)?;
    let cluster = cluster_arn(st, req.cluster.as_deref())?;
    let cluster_name = cluster.rsplit('/').next().unwrap_or_default().to_string();
    if !super::task_definition_rules::valid_name(&req.service_name) {
        return Err(EcsError::invalid("Service name can be up to 255 letters (uppercase and lowercase), numbers, hyphens, and underscores."));
    }
    let arn = st.arn(&format!("service/{cluster_name}/{}", req.service_name));
    match st.services.get(&arn).map(|s| s.status.as_str()) {
        Some("ACTIVE") => return Err(EcsError::invalid("Creation of service was not idempotent.")),
        Some("DRAINING") => {
            return Err(EcsError::invalid(
                "Unable to Start a service that is still Draining.",
            ))
        }
        _ => {}
    }
    tags::validate(&req.tags)?;
    super::placement::validate_placement(&req.placement_constraints, &req.placement_strategy)?;
    let daemon = req.scheduling_strategy.as_deref() == Some("DAEMON");
    let controller = req
        .deployment_controller
        .as_ref()
        .and_then(|d| d.get("type"))
        .and_then(Value::as_str)
        .unwrap_or("ECS")
        .to_string();
    if daemon && req.desired_count.is_some() {
        return Err(EcsError::invalid(
            "The daemon scheduling strategy does not support a desired count for services.",
        ));
    }
    let desired = if daemon {
        0
    } else {
        req.desired_count.unwrap_or(1)
    };
    if desired < 0 {
        return Err(EcsError::invalid("desiredCount must be 0 or greater."));
    }
    let config = deployment_config(req.deployment_configuration, daemon)?;
    let (td_arn, launch_choice) = if controller == "EXTERNAL" {
        (
            req.task_definition
                .as_deref()
                .map(|t| definition(st, t))
                .transpose()?
                .map(|td| td.task_definition_arn),
            None,
        )
    } else {
        let ident = req.task_definition.as_deref().ok_or_else(|| EcsError::invalid("A task definition must be specified for a service using the ECS deployment controller."))?;
        let td = definition(st, ident)?;
        let choice = launch::resolve_launch(
            st,
            &cluster_name,
            req.launch_type.clone(),
            &req.capacity_provider_strategy,
        )?;
        launch::check_network(&td, &choice, req.network_configuration.as_ref())?;
        if daemon && choice.launch_type == "FARGATE" {
            return Err(EcsError::invalid(
                "The DAEMON scheduling strategy is not supported with the FARGATE launch type.",
            ));
        }
        (Some(td.task_definition_arn), Some(choice))
    };
    let now = now_epoch();
    let launch_type = launch_choice
        .as_ref()
        .filter(|l| l.capacity_provider.is_none())
        .map(|l| l.launch_type.clone())
        .or(req.launch_type.clone());
    let fargate = launch_choice
        .as_ref()
        .is_some_and(|l| l.launch_type == "FARGATE");
    let strategy = (!req.capacity_provider_strategy.is_empty())
        .then(|| req.capacity_provider_strategy.clone());
    let mut service = Service {
        service_arn: arn.clone(),
        service_name: req.service_name.clone(),
        cluster_arn: cluster,
        load_balancers: req.load_balancers,
        service_registries: req.service_registries,
        status: "ACTIVE".into(),
        desired_count: desired,
        launch_type,
        capacity_provider_strategy: strategy,
        platform_version: fargate.then(|| {
            req.platform_version
                .clone()
                .unwrap_or_else(|| "LATEST".into())
        }),
        platform_family: fargate.then(|| "Linux".to_string()),
        task_definition: td_arn,
        deployment_configuration: Some(config),
        task_sets: (controller == "EXTERNAL").then(Vec::new),
        role_arn: req.role,
        created_at: now,
        placement_constraints: req.placement_constraints,
        placement_strategy: req.placement_strategy,
        network_configuration: req.network_configuration,
        health_check_grace_period_seconds: Some(req.health_check_grace_period_seconds.unwrap_or(0)),
        scheduling_strategy: if daemon { "DAEMON" } else { "REPLICA" }.into(),
        deployment_controller: Some(json!({ "type": controller })),
        tags: req.tags,
        created_by: Some(format!("arn:aws:iam::{}:root", st.account)),
        enable_ecs_managed_tags: req.enable_ecs_managed_tags,
        propagate_tags: Some(req.propagate_tags.unwrap_or_else(|| "NONE".into())),
        enable_execute_command: req.enable_execute_command,
        availability_zone_rebalancing: Some(
            req.availability_zone_rebalancing
                .unwrap_or_else(|| "DISABLED".into()),
        ),
        ..Default::default()
    };
    if controller != "EXTERNAL" {
        let deployment = new_deployment(&service, now);
        service.deployments.push(deployment);
    }
    let external = service.controller_type() == "EXTERNAL";
    st.services.insert(arn.clone(), service);
    if !external {
        super::service_deployments::record_deployment(st, &arn, now);
    }
    st.service_outbox.push(arn.clone());
    Ok(json!({ "service": view(st, &arn, true) }))
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
fn definition(st: &RegionState, ident: &str) -> EcsResult<super::types::TaskDefinition> {
    launch::definition_for_launch(st, ident)
}

/// A new PRIMARY deployment of the service's current settings.
pub fn new_deployment(service: &Service, now: f64) -> Deployment {
    let digits: String = (0..19)
        .map(|_| char::from(b'0' + rand::random::<u8>() % 10))
        .collect();
    Deployment {
        id: format!("ecs-svc/{digits}"),
        status: "PRIMARY".into(),
        task_definition: service.task_definition.clone().unwrap_or_default(),
        desired_count: service.desired_count,
        created_at: now,
        updated_at: now,
        capacity_provider_strategy: service.capacity_provider_strategy.clone(),
        launch_type: service.launch_type.clone(),
        platform_version: service.platform_version.clone(),
        platform_family: service.platform_family.clone(),
        network_configuration: service.network_configuration.clone(),
        rollout_state: Some("IN_PROGRESS".into()),
        rollout_state_reason: Some("ECS deployment is in progress.".into()),
        ..Default::default()
    }
}

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
) -> EcsResult<Value> {
    let req: UpdateServiceRequest = parse(input)?;
    let arn = active_service(st, req.cluster.as_deref(), &req.service)?;
    let service = st
        .services
        .get(&arn)
        .cloned()
        .ok_or(EcsError::ServiceNotFound)?;
    let daemon = service.scheduling_strategy == "DAEMON";
    if daemon && req.desired_count.is_some() {
        return Err(EcsError::invalid(
            "The daemon scheduling strategy does not support a desired count for services.",
        ));
    }
    if req.desired_count.is_some_and(|d| d < 0) {
        return Err(EcsError::invalid("desiredCount must be 0 or greater."));
    }
    let external = service.controller_type() == "EXTERNAL";
    let new_td = req
        .task_definition
        .as_deref()
        .map(|t| definition(st, t))
        .transpose()?;
    if external
        && (new_td.is_some() || req.network_configuration.is_some() || req.force_new_deployment)
    {
        return Err(EcsError::invalid("Updating the task definition, network configuration or forcing a deployment is not supported for services using the EXTERNAL deployment controller; use task sets."));
    }
    super::placement::validate_placement(
        req.placement_constraints
            .as_deref()
            .unwrap_or(&service.placement_constraints),
        req.placement_strategy
            .as_deref()
            .unwrap_or(&service.placement_strategy),
    )?;
    let config = match req.deployment_configuration {
        Some(c) => Some(deployment_config(Some(c), daemon)?),
        None => None,
    };
    let cluster_name = service
        .cluster_arn
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_string();
    let td = match &new_td {
        Some(td) => td.clone(),
        None => service
            .task_definition
            .as_deref()
            .and_then(|a| super::task_definitions::resolve(st, a))
            .and_then(|k| st.task_definitions.get(&k).cloned())
            .unwrap_or_default(),
    };
    let strategy = req
        .capacity_provider_strategy
        .clone()
        .or(service.capacity_provider_strategy.clone())
        .unwrap_or_default();
    if !external {
        let choice = launch::resolve_launch(
            st,
            &cluster_name,
            if strategy.is_empty() {
                service.launch_type.clone()
            } else {
                None
            },
            &strategy,
        )?;
        let network = req
            .network_configuration
            .as_ref()
            .or(service.network_configuration.as_ref());
        launch::check_network(&td, &choice, network)?;
    }
    let redeploy = new_td
        .as_ref()
        .is_some_and(|t| Some(&t.task_definition_arn) != service.task_definition.as_ref())
        || req.network_configuration.is_some()
        || req.capacity_provider_strategy.is_some()
        || req.platform_version.is_some()
        || req.force_new_deployment;
    let s = st.services.get_mut(&arn).ok_or(EcsError::ServiceNotFound)?;
    if let Some(d) = req.desired_count {
        s.desired_count = d;
    }
    if let Some(td) = new_td {
        s.task_definition = Some(td.task_definition_arn);
    }
    if let Some(c) = config {
        s.deployment_configuration = Some(c);
    }
    if let Some(n) = req.network_configuration {
        s.network_configuration = Some(n);
    }
    if let Some(cps) = req.capacity_provider_strategy {
        s.capacity_provider_strategy = (!cps.is_empty()).then_some(cps);
        s.launch_type = None;
    }
    if let Some(p) = req.platform_version {
        s.platform_version = Some(p);
    }
    if let Some(v) = req.placement_constraints {
        s.placement_constraints = v;
    }
    if let Some(v) = req.placement_strategy {
        s.placement_strategy = v;
    }
    if let Some(v) = req.health_check_grace_period_seconds {
        s.health_check_grace_period_seconds = Some(v);
    }
    if let Some(v) = req.enable_execute_command {
        s.enable_execute_command = v;
    }
    if let Some(v) = req.enable_ecs_managed_tags {
        s.enable_ecs_managed_tags = v;
    }
    if let Some(v) = req.load_balancers {
        s.load_balancers = v;
    }
    if let Some(v) = req.propagate_tags {
        s.propagate_tags = Some(v);
    }
    if let Some(v) = req.service_registries {
        s.service_registries = v;
    }
    let now = now_epoch();
    if redeploy && !external {
        for d in &mut s.deployments {
            d.status = "ACTIVE".into();
            d.updated_at = now;
        }
        let deployment = new_deployment(s, now);
        s.deployments.insert(0, deployment);
        s.steady = false;
        super::service_deployments::record_deployment(st, &arn, now);
    } else if let Some(primary) = s.deployments.iter_mut().find(|d| d.status == "PRIMARY") {
        primary.desired_count = s.desired_count;
        primary.updated_at = now;
    }
    st.service_outbox.push(arn.clone());
    Ok(json!({ "service": view(st, &arn, true) }))
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
) -> EcsResult<Value> {
    let req: DeleteServiceRequest = parse(input)?;
    let arn = service_arn(st, req.cluster.as_deref(), &req.service)?;
    let s = st.services.get_mut(&arn).ok_or(EcsError::ServiceNotFound)?;
    if s.status == "INACTIVE" {
        return Err(EcsError::ServiceNotActive);
    }
    if s.scheduling_strategy == "REPLICA" && s.desired_count > 0 && !req.force.unwrap_or(false) {
        return Err(EcsError::invalid(
            "The service cannot be stopped while it is scaled above 0.",
        ));
    }
    if s.status == "ACTIVE" {
        s.status = "DRAINING".into();
        s.desired_count = 0;
        for d in &mut s.deployments {
            d.desired_count = 0;
        }
    }
    st.service_outbox.push(arn.clone());
    Ok(json!({ "service": view(st, &arn, true) }))
}

#[derive(Deserialize)]
struct DescribeServicesRequest {
    cluster: Option<String>,
    services: Vec<String>,
    #[serde(default)]
    include: Vec<String>,
}

pub fn describe_services(
    st: &mut RegionState,
    _ctx: &RequestContext,
    input: Map<String, Value>,
) -> EcsResult<Value> {
    let req: DescribeServicesRequest = parse(input)?;
    let cluster = cluster_arn(st, req.cluster.as_deref())?;
    if req.services.is_empty() || req.services.len() > 10 {
        return Err(EcsError::invalid(
            "services must list between 1 and 10 services.",
        ));
    }
    let with_tags = req.include.iter().any(|i| i == "TAGS");
    let (mut found, mut failures) = (Vec::new(), Vec::new());
    for ident in &req.services {
        let arn = arn_of(st, &cluster, ident);
        if st.services.contains_key(&arn) {
            found.push(view(st, &arn, with_tags));
        } else {
            failures.push(Failure::new(arn, "MISSING"));
        }
    }
    Ok(json!({ "services": found, "failures": to_wire(&failures) }))
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct ListServicesRequest {
    cluster: Option<String>,
    next_token: Option<String>,
    max_results: Option<i32>,
    launch_type: Option<String>,
    scheduling_strategy: Option<String>,
}

pub fn list_services(
    st: &mut RegionState,
    _ctx: &RequestContext,
    input: Map<String, Value>,
) -> EcsResult<Value> {
    let req: ListServicesRequest = parse(input)?;
    let cluster = cluster_arn(st, req.cluster.as_deref())?;
    let size = page_size(req.max_results, 10, 100)?;
    let after = resume_after(req.next_token.as_deref())?;
    let matching = st
        .services
        .values()
        .filter(|s| s.cluster_arn == cluster && s.status != "INACTIVE")
        .filter(|s| req.launch_type.is_none() || s.launch_type == req.launch_type)
        .filter(|s| {
            req.scheduling_strategy
                .as_ref()
                .is_none_or(|x| *x == s.scheduling_strategy)
        })
        .filter(|s| after.as_ref().is_none_or(|a| s.service_arn > *a));
    let (page, token) = take_page(matching, size, |s| s.service_arn.clone());
    let arns: Vec<&str> = page.iter().map(|s| s.service_arn.as_str()).collect();
    Ok(json!({ "serviceArns": arns, "nextToken": token }))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ByNamespaceRequest {
    namespace: String,
    next_token: Option<String>,
    max_results: Option<i32>,
}

/// Services of clusters whose Service Connect default namespace is `namespace` (Cloud Map is not
/// emulated, so a namespace no cluster names is NamespaceNotFoundException).
pub fn list_services_by_namespace(
    st: &mut RegionState,
    _ctx: &RequestContext,
    input: Map<String, Value>,
) -> EcsResult<Value> {
    let req: ByNamespaceRequest = parse(input)?;
    let size = page_size(req.max_results, 10, 100)?;
    let after = resume_after(req.next_token.as_deref())?;
    let matches_ns =
        |ns: &str| ns == req.namespace || ns.rsplit('/').next() == Some(req.namespace.as_str());
    let clusters: Vec<String> = st
        .clusters
        .values()
        .filter(|c| {
            c.service_connect_defaults
                .as_ref()
                .and_then(|d| d.get("namespace"))
                .and_then(Value::as_str)
                .is_some_and(matches_ns)
        })
        .map(|c| c.cluster_arn.clone())
        .collect();
    if clusters.is_empty() {
        return Err(EcsError::NamespaceNotFound(format!(
            "Namespace {} not found.",
            req.namespace
        )));
    }
    let matching = st
        .services
        .values()
        .filter(|s| clusters.contains(&s.cluster_arn) && s.status == "ACTIVE")
        .filter(|s| after.as_ref().is_none_or(|a| s.service_arn > *a));
    let (page, token) = take_page(matching, size, |s| s.service_arn.clone());
    let arns: Vec<&str> = page.iter().map(|s| s.service_arn.as_str()).collect();
    Ok(json!({ "serviceArns": arns, "nextToken": token }))
}

/// A service as AWS shows it (tags only when asked for).
pub fn view(st: &RegionState, arn: &str, with_tags: bool) -> Value {
    let Some(s) = st.services.get(arn) else {
        return Value::Null;
    };
    let mut s = s.clone();
    if !with_tags {
        s.tags.clear();
    }
    to_wire(&s)
}

/// The ARN for a service identifier (name or ARN) in a cluster.
fn arn_of(st: &RegionState, cluster_arn: &str, ident: &str) -> String {
    if ident.starts_with("arn:") {
        return ident.to_string();
    }
    let cluster_name = cluster_arn.rsplit('/').next().unwrap_or_default();
    st.arn(&format!("service/{cluster_name}/{ident}"))
}

/// An existing service (any status), or ServiceNotFoundException.
pub fn service_arn(st: &RegionState, cluster: Option<&str>, ident: &str) -> EcsResult<String> {
    let cluster = cluster_arn(st, cluster)?;
    let arn = arn_of(st, &cluster, ident);
    match st.services.get(&arn) {
        Some(s) if s.cluster_arn == cluster => Ok(arn),
        _ => Err(EcsError::ServiceNotFound),
    }
}

/// An ACTIVE service, or ServiceNotFoundException / ServiceNotActiveException.
pub fn active_service(st: &RegionState, cluster: Option<&str>, ident: &str) -> EcsResult<String> {
    let arn = service_arn(st, cluster, ident)?;
    match st.services.get(&arn).map(|s| s.status.as_str()) {
        Some("ACTIVE") => Ok(arn),
        _ => Err(EcsError::ServiceNotActive),
    }
}

/// Adds an event (newest first, at most 100 kept, as ECS keeps them).
pub fn add_event(service: &mut Service, message: String) {
    service.events.insert(
        0,
        ServiceEvent {
            id: uuid(),
            created_at: now_epoch(),
            message,
        },
    );
    service.events.truncate(100);
}
