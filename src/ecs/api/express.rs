//! Express gateway services (ECS Express Mode): CreateExpressGatewayService,
//! UpdateExpressGatewayService, DeleteExpressGatewayService, DescribeExpressGatewayService
//! (<https://docs.aws.amazon.com/AmazonECS/latest/developerguide/express-service-overview.html>).
//!
//! An express service is an ordinary ECS service (Fargate, awsvpc) built from ECS's own
//! operations: a task definition registered for its primary container, then CreateService with
//! the target group of its ingress. These handlers change ECS's state only; the load balancer
//! and the scaling around them are made before and after by `ecs::express`, which hands the
//! ingress in as the private member [`INGRESS`]. Missing: HTTPS and certificates, the managed
//! security groups, secrets and repository credentials are stored but not used.

use crate::core::context::RequestContext;
use crate::ecs::api::{clusters, services, task_definitions};
use crate::ecs::state::express::ExpressRecord;
use crate::ecs::state::lookup::cluster_arn;
use crate::ecs::state::RegionState;
use crate::ecs::{EcsError, EcsResult};
use crate::wire::Reply;
use serde_json::{json, Map, Value};

/// The member `ecs::express` adds to a create's input: the ingress ELBv2 made (JSON).
pub const INGRESS: &str = "__ingress";
/// The container every express task definition names.
pub const CONTAINER: &str = "main";

fn str_of<'a>(input: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    input.get(key).and_then(Value::as_str)
}

/// The configuration an express service runs, with AWS's defaults filled in.
fn configuration(input: &Map<String, Value>, now: f64, base: Option<&Value>) -> Value {
    let pick = |key: &str, default: Value| {
        input
            .get(key)
            .cloned()
            .or_else(|| base.and_then(|b| b.get(key)).cloned())
            .unwrap_or(default)
    };
    let mut container = pick("primaryContainer", json!({}));
    if container.get("containerPort").is_none() {
        container["containerPort"] = json!(80);
    }
    let mut scaling = pick("scalingTarget", json!({}));
    for (key, default) in [
        ("minTaskCount", json!(1)),
        ("maxTaskCount", json!(1)),
        ("autoScalingMetric", json!("AVERAGE_CPU")),
        ("autoScalingTargetValue", json!(60)),
    ] {
        if scaling.get(key).is_none() {
            scaling[key] = default;
        }
    }
    let mut config = json!({
        "executionRoleArn": pick("executionRoleArn", Value::Null),
        "cpu": pick("cpu", json!("256")),
        "memory": pick("memory", json!("512")),
        "healthCheckPath": pick("healthCheckPath", json!("/ping")),
        "primaryContainer": container,
        "scalingTarget": scaling,
        "createdAt": now,
    });
    for key in ["taskRoleArn", "networkConfiguration"] {
        let value = pick(key, Value::Null);
        if !value.is_null() {
            config[key] = value;
        }
    }
    config
}

/// The task definition of a configuration, as RegisterTaskDefinition takes it.
fn task_definition(family: &str, config: &Value, region: &str) -> Map<String, Value> {
    let c = &config["primaryContainer"];
    let mut container = json!({
        "name": CONTAINER, "image": c["image"], "essential": true,
        "portMappings": [{"containerPort": c["containerPort"], "protocol": "tcp"}],
    });
    for key in ["command", "environment", "secrets", "repositoryCredentials"] {
        if let Some(v) = c.get(key) {
            container[key] = v.clone();
        }
    }
    if let Some(logs) = c.get("awsLogsConfiguration") {
        container["logConfiguration"] = json!({"logDriver": "awslogs", "options": {
            "awslogs-group": logs["logGroup"], "awslogs-stream-prefix": logs["logStreamPrefix"],
            "awslogs-region": region}});
    }
    let mut td = json!({
        "family": family, "networkMode": "awsvpc", "requiresCompatibilities": ["FARGATE"],
        "cpu": config["cpu"], "memory": config["memory"], "containerDefinitions": [container],
        "executionRoleArn": config["executionRoleArn"],
    });
    if let Some(role) = config.get("taskRoleArn") {
        td["taskRoleArn"] = role.clone();
    }
    match td {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// Registers the configuration's task definition; its ARN.
fn register(
    st: &mut RegionState,
    ctx: &RequestContext,
    family: &str,
    config: &Value,
) -> EcsResult<String> {
    let td = task_definition(family, config, &ctx.region);
    task_definitions::register_task_definition(st, ctx, td)?;
    let revision = st.last_revision.get(family).copied().unwrap_or(0);
    st.task_definitions
        .get(&(family.to_string(), revision))
        .map(|td| td.task_definition_arn.clone())
        .ok_or_else(|| EcsError::Server("the task definition was not registered".into()))
}

/// The cluster's ARN; the `default` cluster is made when it is meant and missing, as ECS does.
fn cluster(st: &mut RegionState, ctx: &RequestContext, name: Option<&str>) -> EcsResult<String> {
    match (cluster_arn(st, name), name) {
        (Err(EcsError::ClusterNotFound), None) => {
            let mut input = Map::new();
            input.insert("clusterName".into(), json!("default"));
            clusters::create_cluster(st, ctx, input)?;
            cluster_arn(st, None)
        }
        (found, _) => found,
    }
}

pub fn create_express_gateway_service(
    st: &mut RegionState,
    ctx: &RequestContext,
    mut input: Map<String, Value>,
) -> EcsResult<Reply> {
    let ingress = input.remove(INGRESS).unwrap_or(Value::Null);
    let cluster_arn = cluster(st, ctx, str_of(&input, "cluster"))?;
    let name = str_of(&input, "serviceName")
        .map(str::to_string)
        .unwrap_or_else(|| format!("express-{}", crate::core::ids::hex(4)));
    // Checked before anything is registered, so a refused create leaves no task definition.
    services::free_service_arn(st, &cluster_arn, &name)?;
    let now = st.now();
    let config = configuration(&input, now, None);
    let td_arn = register(st, ctx, &name, &config)?;
    let service = json!({
        "cluster": cluster_arn, "serviceName": name, "taskDefinition": td_arn,
        "desiredCount": config["scalingTarget"]["minTaskCount"], "launchType": "FARGATE",
        "networkConfiguration": {"awsvpcConfiguration": network(&config, &ingress)},
        "loadBalancers": [{"targetGroupArn": ingress["targetGroupArn"],
                           "containerName": CONTAINER,
                           "containerPort": config["primaryContainer"]["containerPort"]}],
        "tags": input.get("tags").cloned().unwrap_or(json!([])),
    });
    services::create_service(st, ctx, as_map(service))?;
    let service_arn = crate::ecs::state::lookup::service_arn(st, Some(&cluster_arn), &name)?;
    let record = ExpressRecord::new(
        &input,
        service_arn.clone(),
        cluster_arn,
        name,
        config,
        ingress,
        td_arn,
        now,
    );
    let view = record.view(false);
    st.express.insert(service_arn, record);
    Ok(Reply::member("service", &view))
}

fn as_map(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// The tasks' awsvpc configuration: the request's, else the load balancer's subnets.
fn network(config: &Value, ingress: &Value) -> Value {
    let given = config.get("networkConfiguration");
    let subnets = given
        .and_then(|n| n.get("subnets"))
        .filter(|s| s.as_array().is_some_and(|a| !a.is_empty()))
        .cloned()
        .unwrap_or_else(|| ingress["subnets"].clone());
    let mut out = json!({"subnets": subnets, "assignPublicIp": "ENABLED"});
    if let Some(groups) = given.and_then(|n| n.get("securityGroups")) {
        out["securityGroups"] = groups.clone();
    }
    out
}

/// The active express service named by `arn`.
fn active<'s>(st: &'s mut RegionState, arn: &str) -> EcsResult<&'s mut ExpressRecord> {
    let record = st.express.get_mut(arn).ok_or(EcsError::ServiceNotFound)?;
    if record.status != "ACTIVE" {
        return Err(EcsError::ServiceNotActive);
    }
    Ok(record)
}

pub fn update_express_gateway_service(
    st: &mut RegionState,
    ctx: &RequestContext,
    input: Map<String, Value>,
) -> EcsResult<Reply> {
    let arn = str_of(&input, "serviceArn").unwrap_or_default().to_string();
    let record = active(st, &arn)?;
    let (name, cluster) = (record.service_name.clone(), record.cluster.clone());
    let now = st.now();
    let config = configuration(&input, now, Some(&st.express[&arn].config));
    let td_arn = register(st, ctx, &name, &config)?;
    let update = json!({"cluster": cluster, "service": name, "taskDefinition": td_arn,
        "networkConfiguration": {"awsvpcConfiguration": network(&config, &st.express[&arn].ingress)}});
    services::update_service(st, ctx, as_map(update))?;
    let record = active(st, &arn)?;
    record.configure(config, td_arn, now);
    Ok(Reply::member("service", &record.updated()))
}

pub fn delete_express_gateway_service(
    st: &mut RegionState,
    ctx: &RequestContext,
    input: Map<String, Value>,
) -> EcsResult<Reply> {
    let arn = str_of(&input, "serviceArn").unwrap_or_default().to_string();
    let record = active(st, &arn)?;
    let delete = json!({"cluster": record.cluster, "service": record.service_name, "force": true});
    services::delete_service(st, ctx, as_map(delete))?;
    let now = st.now();
    let record = active(st, &arn)?;
    record.status = "DRAINING".into();
    record.updated_at = now;
    let view = record.view(false);
    // Described from now on as INACTIVE: its load balancer and scaling are gone with the answer.
    record.status = "INACTIVE".into();
    Ok(Reply::member("service", &view))
}

pub fn describe_express_gateway_service(
    st: &mut RegionState,
    _ctx: &RequestContext,
    input: Map<String, Value>,
) -> EcsResult<Reply> {
    let arn = str_of(&input, "serviceArn").unwrap_or_default();
    let record = st.express.get(arn).ok_or_else(|| {
        EcsError::ResourceNotFound(format!("The express gateway service {arn} was not found."))
    })?;
    let tags = input
        .get("include")
        .and_then(Value::as_array)
        .is_some_and(|i| i.iter().any(|v| v == "TAGS"));
    Ok(Reply::member("service", &record.view(tags)))
}
