//! Container instances: RegisterContainerInstance (the ECS agent's call, and later fake EC2's),
//! DescribeContainerInstances, ListContainerInstances, DeregisterContainerInstance,
//! UpdateContainerInstancesState.
//! <https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_RegisterContainerInstance.html>
//! Registering into the `default` cluster creates it, as AWS does for a first instance. The
//! cluster query language of ListContainerInstances' `filter` is `instance_filter`'s.

use crate::core::context::RequestContext;
use crate::core::ids::{hex, short_id};
use crate::core::pagination::{page_size, resume_after, take_page};
use crate::core::tags;
use crate::ecs::api::clusters;
use crate::ecs::rules::placement;
use crate::ecs::rules::query_language::{Filter, InstanceSubjects};
use crate::ecs::state::lookup::cluster_arn;
use crate::ecs::state::lookup::{active_name, find_instance_arn as find_arn};
use crate::ecs::state::status::ContainerInstanceStatus;
use crate::ecs::state::status::TaskStatus;
use crate::ecs::state::types::{Attribute, ContainerInstance, Failure, Resource, Tag};
use crate::ecs::state::RegionState;
use crate::ecs::{parse, EcsError, EcsResult};
use crate::wire::Reply;
use serde::Deserialize;
use serde_json::{json, Map, Value};

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct RegisterRequest {
    cluster: Option<String>,
    instance_identity_document: Option<String>,
    total_resources: Option<Vec<Resource>>,
    version_info: Option<Value>,
    container_instance_arn: Option<String>,
    attributes: Vec<Attribute>,
    tags: Vec<Tag>,
}

pub fn register_container_instance(
    st: &mut RegionState,
    ctx: &RequestContext,
    input: Map<String, Value>,
) -> EcsResult<Reply> {
    let now = st.now();
    let req: RegisterRequest = parse(input)?;
    tags::validate(&req.tags)?;
    let ident = req
        .cluster
        .unwrap_or_else(|| clusters::DEFAULT_CLUSTER.into());
    if ident == clusters::DEFAULT_CLUSTER && active_name(st, &ident).is_err() {
        clusters::create_cluster(st, ctx, Map::new())?;
    }
    let cluster_arn = cluster_arn(st, Some(&ident))?;
    let doc: Value = req
        .instance_identity_document
        .as_deref()
        .and_then(|d| serde_json::from_str(d).ok())
        .unwrap_or(Value::Null);
    let existing = req
        .container_instance_arn
        .as_deref()
        .and_then(|a| find_arn(st, &cluster_arn, a));
    let arn = existing.clone().unwrap_or_else(|| {
        let cluster_name = cluster_arn.rsplit('/').next().unwrap_or_default();
        st.arn(&format!("container-instance/{cluster_name}/{}", hex(16)))
    });
    let resources = req.total_resources.unwrap_or_else(default_resources);
    let mut attributes = standard_attributes(&doc);
    for a in req.attributes {
        attributes.retain(|x| x.name != a.name);
        attributes.push(Attribute {
            target_type: None,
            target_id: None,
            ..a
        });
    }
    let previous = existing.and_then(|a| st.container_instances.remove(&a));
    let instance = ContainerInstance {
        container_instance_arn: arn.clone(),
        ec2_instance_id: doc.get("instanceId").and_then(Value::as_str).map(String::from).or_else(|| Some(short_id("i"))),
        version: previous.as_ref().map_or(1, |p| p.version + 1),
        version_info: Some(req.version_info.unwrap_or_else(|| json!({ "agentVersion": "1.89.0", "agentHash": "local-ecs", "dockerVersion": "DockerVersion: 25.0.0" }))),
        remaining_resources: resources.clone(),
        registered_resources: resources,
        status: ContainerInstanceStatus::Active,
        agent_connected: true,
        capacity_provider_name: crate::ecs::rules::membership::provider_at_registration(st, &cluster_arn, &attributes),
        attributes,
        registered_at: Some(previous.as_ref().and_then(|p| p.registered_at).unwrap_or(now)),
        tags: req.tags,
        cluster_arn,
        ..Default::default()
    };
    st.daemons.wake_cluster(&instance.cluster_arn);
    st.container_instances.insert(arn.clone(), instance);
    Ok(Reply::member("containerInstance", &view_arn(st, &arn)))
}

/// What the agent reports of an instance when it registers.
fn standard_attributes(doc: &Value) -> Vec<Attribute> {
    let attr = |name: &str, value: Option<&str>| Attribute {
        name: name.into(),
        value: value.map(String::from),
        target_type: None,
        target_id: None,
    };
    let mut out = vec![
        attr("ecs.os-type", Some("linux")),
        attr("ecs.os-family", Some("LINUX")),
        attr("ecs.cpu-architecture", Some("x86_64")),
        attr("com.amazonaws.ecs.capability.docker-remote-api.1.44", None),
        attr("ecs.capability.task-eni", None),
        attr("ecs.capability.container-health-check", None),
        attr("ecs.capability.container-ordering", None),
        attr("com.amazonaws.ecs.capability.task-iam-role", None),
        attr("com.amazonaws.ecs.capability.logging-driver.awslogs", None),
    ];
    for (field, name) in [
        ("instanceType", "ecs.instance-type"),
        ("availabilityZone", "ecs.availability-zone"),
        ("imageId", "ecs.ami-id"),
    ] {
        if let Some(v) = doc.get(field).and_then(Value::as_str) {
            out.push(attr(name, Some(v)));
        }
    }
    out
}

fn default_resources() -> Vec<Resource> {
    let int = |name: &str, v: i32| Resource {
        name: Some(name.into()),
        kind: Some("INTEGER".into()),
        double_value: Some(0.0),
        long_value: Some(0),
        integer_value: Some(v),
        string_set_value: None,
    };
    let set = |name: &str, v: &[&str]| Resource {
        name: Some(name.into()),
        kind: Some("STRINGSET".into()),
        double_value: Some(0.0),
        long_value: Some(0),
        integer_value: Some(0),
        string_set_value: Some(v.iter().map(|s| s.to_string()).collect()),
    };
    vec![
        int("CPU", 2048),
        int("MEMORY", 3904),
        set("PORTS", &["22", "2375", "2376", "51678", "51679"]),
        set("PORTS_UDP", &[]),
    ]
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DescribeRequest {
    cluster: Option<String>,
    container_instances: Vec<String>,
    #[serde(default)]
    include: Vec<String>,
}

pub fn describe_container_instances(
    st: &mut RegionState,
    _ctx: &RequestContext,
    input: Map<String, Value>,
) -> EcsResult<Reply> {
    let req: DescribeRequest = parse(input)?;
    let cluster_arn = cluster_arn(st, req.cluster.as_deref())?;
    if req.container_instances.is_empty() {
        return Err(EcsError::invalid("Container Instances cannot be empty."));
    }
    if req.container_instances.len() > 100 {
        return Err(EcsError::invalid(
            "Too many containerInstances: specify 100 or fewer.",
        ));
    }
    let with_tags = req.include.iter().any(|i| i == "TAGS");
    let (mut found, mut failures) = (Vec::new(), Vec::new());
    for ident in &req.container_instances {
        match find_arn(st, &cluster_arn, ident).and_then(|a| st.container_instances.get(&a)) {
            Some(ci) => found.push(view(st, ci, with_tags)),
            None => failures.push(Failure::new(ident.clone(), "MISSING")),
        }
    }
    Ok(Reply::found("containerInstances", &found, &failures))
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct ListRequest {
    cluster: Option<String>,
    filter: Option<String>,
    next_token: Option<String>,
    max_results: Option<i32>,
    status: Option<ContainerInstanceStatus>,
}

pub fn list_container_instances(
    st: &mut RegionState,
    _ctx: &RequestContext,
    input: Map<String, Value>,
) -> EcsResult<Reply> {
    let req: ListRequest = parse(input)?;
    let cluster_arn = cluster_arn(st, req.cluster.as_deref())?;
    let size = page_size(req.max_results, 100, 100)?;
    let after = resume_after(req.next_token.as_deref())?;
    let filter = req.filter.as_deref().map(Filter::parse).transpose()?;
    let matching = st
        .container_instances
        .values()
        .filter(|ci| ci.cluster_arn == cluster_arn)
        .filter(|ci| match &req.status {
            Some(s) => ci.status == *s,
            None => {
                ci.status == ContainerInstanceStatus::Active
                    || ci.status == ContainerInstanceStatus::Draining
            }
        })
        .filter(|ci| {
            filter
                .as_ref()
                .is_none_or(|f| f.matches_with(&subjects(st, ci)))
        })
        .filter(|ci| {
            after
                .as_ref()
                .is_none_or(|a| ci.container_instance_arn > *a)
        });
    let (page, token) = take_page(matching, size, |ci| ci.container_instance_arn.clone());
    let arns: Vec<&str> = page
        .iter()
        .map(|ci| ci.container_instance_arn.as_str())
        .collect();
    Ok(Reply::page("containerInstanceArns", &arns, &token))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DeregisterRequest {
    cluster: Option<String>,
    container_instance: String,
    force: Option<bool>,
}

pub fn deregister_container_instance(
    st: &mut RegionState,
    _ctx: &RequestContext,
    input: Map<String, Value>,
) -> EcsResult<Reply> {
    let req: DeregisterRequest = parse(input)?;
    let cluster_arn = cluster_arn(st, req.cluster.as_deref())?;
    let arn = find_arn(st, &cluster_arn, &req.container_instance)
        .filter(|a| {
            st.container_instances
                .get(a)
                .is_some_and(|ci| ci.status != ContainerInstanceStatus::Inactive)
        })
        .ok_or_else(|| {
            EcsError::invalid("The referenced container instance does not exist in this cluster.")
        })?;
    let busy = st
        .tasks
        .values()
        .any(|t| t.container_instance_arn.as_deref() == Some(arn.as_str()) && !t.is_stopped());
    if busy && !req.force.unwrap_or(false) {
        return Err(EcsError::invalid(
            "Found running tasks on the instance. Stop them or deregister with force.",
        ));
    }
    let ci = st
        .container_instances
        .get_mut(&arn)
        .ok_or_else(|| EcsError::Server("container instance vanished".into()))?;
    ci.status = ContainerInstanceStatus::Inactive;
    ci.agent_connected = false;
    st.daemons.wake_cluster(&cluster_arn);
    Ok(Reply::member("containerInstance", &view_arn(st, &arn)))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct UpdateStateRequest {
    cluster: Option<String>,
    container_instances: Vec<String>,
    status: ContainerInstanceStatus,
}

pub fn update_container_instances_state(
    st: &mut RegionState,
    _ctx: &RequestContext,
    input: Map<String, Value>,
) -> EcsResult<Reply> {
    let req: UpdateStateRequest = parse(input)?;
    if !matches!(
        req.status,
        ContainerInstanceStatus::Active | ContainerInstanceStatus::Draining
    ) {
        return Err(EcsError::invalid(
            "Container instances can only be set to ACTIVE or DRAINING.",
        ));
    }
    let cluster_arn = cluster_arn(st, req.cluster.as_deref())?;
    let (mut updated, mut failures) = (Vec::new(), Vec::new());
    for ident in &req.container_instances {
        let arn = find_arn(st, &cluster_arn, ident);
        let live = arn.and_then(|a| {
            st.container_instances
                .get_mut(&a)
                .filter(|ci| ci.status != ContainerInstanceStatus::Inactive)
        });
        match live {
            Some(ci) => {
                ci.status = req.status;
                ci.version += 1;
                let arn = ci.container_instance_arn.clone();
                updated.push(view_arn(st, &arn));
            }
            None => failures.push(Failure::new(ident.clone(), "MISSING")),
        }
    }
    st.daemons.wake_cluster(&cluster_arn);
    Ok(Reply::found("containerInstances", &updated, &failures))
}

/// The instance as AWS shows it: task counts and remaining resources derived from its tasks.
fn view(st: &RegionState, ci: &ContainerInstance, with_tags: bool) -> ContainerInstance {
    let mut ci = ci.clone();
    let arn = ci.container_instance_arn.clone();
    let on_it = || {
        st.tasks
            .values()
            .filter(|t| t.container_instance_arn.as_deref() == Some(arn.as_str()))
    };
    ci.running_tasks_count = on_it()
        .filter(|t| t.last_status == TaskStatus::Running)
        .count() as i32;
    ci.pending_tasks_count = on_it().filter(|t| t.is_pending()).count() as i32;
    let used = placement::used_on(st, &arn);
    for r in &mut ci.remaining_resources {
        match r.name.as_deref() {
            Some("CPU") => r.integer_value = r.integer_value.map(|v| v - used.cpu as i32),
            Some("MEMORY") => r.integer_value = r.integer_value.map(|v| v - used.memory as i32),
            Some("PORTS") => {
                let ports = r.string_set_value.get_or_insert_with(Vec::new);
                ports.extend(used.ports.iter().cloned());
            }
            _ => {}
        }
    }
    if !with_tags {
        ci.tags.clear();
    }
    ci
}

/// What the cluster query language may ask of an instance: its attributes, id and task groups.
fn subjects<'a>(st: &RegionState, ci: &'a ContainerInstance) -> InstanceSubjects<'a> {
    let groups = st
        .tasks
        .values()
        .filter(|t| {
            !t.is_stopped()
                && t.container_instance_arn.as_deref() == Some(ci.container_instance_arn.as_str())
        })
        .filter_map(|t| t.group.clone())
        .collect();
    InstanceSubjects {
        instance: ci,
        groups,
    }
}

/// The instance named by ARN, viewed.
fn view_arn(st: &RegionState, arn: &str) -> Option<ContainerInstance> {
    st.container_instances.get(arn).map(|ci| view(st, ci, true))
}
