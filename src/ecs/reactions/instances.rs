//! What ECS does when an EC2 instance changes state, as the ECS agent on it and ECS's own
//! bookkeeping would: a running instance registers as a container instance of the cluster its
//! `/etc/ecs/ecs.config` names (the agent's RegisterContainerInstance call, with the resources
//! and attributes of its type); a stopped one has its agent disconnected and its tasks stopped;
//! a terminated one is deregistered (INACTIVE) and its tasks stopped.
//! <https://docs.aws.amazon.com/AmazonECS/latest/developerguide/launch_container_instance.html>

use super::ecs_config::{self, EcsConfig};
use crate::core::context::RequestContext;
use crate::core::fleet::{InstanceFact, InstancePhase};
use crate::ecs::api::clusters::DEFAULT_CLUSTER;
use crate::ecs::api::container_instances::register_container_instance;
use crate::ecs::rules::launch::DOCKER_HOST_ATTRIBUTE;
use crate::ecs::rules::membership::GROUP_ATTRIBUTE;
use crate::ecs::state::status::{ContainerInstanceStatus, DesiredStatus, TaskStopCode};
use crate::ecs::state::types::{Attribute, Resource, Tag};
use crate::ecs::state::RegionState;
use crate::ecs::EcsError;
use serde_json::{json, Map, Value};

/// The instance tag naming the Docker engine that hosts its tasks.
pub const DOCKER_HOST_TAG: &str = "local-ecs:docker-host";
/// The instance tag that keeps an instance out of ECS (value `none`): it runs no agent.
pub const AGENT_TAG: &str = "local-ecs:agent";
/// The ports the agent reserves on every instance unless `ECS_RESERVED_PORTS` says otherwise.
pub const AGENT_PORTS: [u16; 5] = [22, 2375, 2376, 51678, 51679];
/// The share of an instance's memory its kernel and platform keep (an m4.large's 8,192 MiB
/// registers as about 7,985 MiB).
const KERNEL_SHARE: f64 = 0.025;

/// What became of a fact.
#[derive(Debug, PartialEq)]
pub enum Outcome {
    /// Nothing for ECS to do (no agent, or already in that state).
    Ignored,
    /// Registered or reconnected; the cluster's services may now place tasks.
    Joined(String),
    /// Disconnected or deregistered; the cluster's services must replace its tasks.
    Left(String),
    /// Its cluster does not exist (yet): the agent keeps retrying.
    NoCluster,
}

/// Applies one instance fact to the region's state.
pub fn on_instance(st: &mut RegionState, fact: &InstanceFact) -> Outcome {
    if fact.tag(AGENT_TAG) == Some("none") {
        return Outcome::Ignored;
    }
    match fact.phase {
        InstancePhase::Running => join(st, fact),
        InstancePhase::Stopping | InstancePhase::Stopped => {
            leave(st, fact, ContainerInstanceStatus::Active, "stopped")
        }
        InstancePhase::ShuttingDown | InstancePhase::Terminated => {
            leave(st, fact, ContainerInstanceStatus::Inactive, "terminated")
        }
        InstancePhase::Pending => Outcome::Ignored,
    }
}

/// The container instance of `instance_id` that is not INACTIVE, if any.
pub fn live_instance_arn(st: &RegionState, instance_id: &str) -> Option<String> {
    st.container_instances
        .values()
        .find(|ci| {
            ci.ec2_instance_id.as_deref() == Some(instance_id)
                && ci.status != ContainerInstanceStatus::Inactive
        })
        .map(|ci| ci.container_instance_arn.clone())
}

fn join(st: &mut RegionState, fact: &InstanceFact) -> Outcome {
    if let Some(arn) = live_instance_arn(st, &fact.instance_id) {
        let Some(ci) = st.container_instances.get_mut(&arn) else {
            return Outcome::Ignored;
        };
        if ci.agent_connected {
            return Outcome::Ignored;
        }
        ci.agent_connected = true;
        ci.version += 1;
        return Outcome::Joined(ci.cluster_arn.clone());
    }
    let config = ecs_config::parse(fact.user_data.as_deref().unwrap_or(""));
    let cluster = config
        .cluster
        .clone()
        .unwrap_or_else(|| DEFAULT_CLUSTER.into());
    let ctx = RequestContext::new(&fact.account, &fact.region);
    match register_container_instance(st, &ctx, registration(fact, &cluster, &config)) {
        Ok(_) => {}
        Err(EcsError::ClusterNotFound) => return Outcome::NoCluster,
        Err(err) => {
            tracing::warn!(instance = %fact.instance_id, "registration refused: {err:?}");
            return Outcome::Ignored;
        }
    }
    match live_instance_arn(st, &fact.instance_id).and_then(|a| st.container_instances.get(&a)) {
        Some(ci) => Outcome::Joined(ci.cluster_arn.clone()),
        None => Outcome::Ignored,
    }
}

/// The agent's RegisterContainerInstance request for this instance.
fn registration(fact: &InstanceFact, cluster: &str, config: &EcsConfig) -> Map<String, Value> {
    let identity = json!({
        "accountId": fact.account,
        "region": fact.region,
        "instanceId": fact.instance_id,
        "instanceType": fact.instance_type,
        "availabilityZone": fact.availability_zone,
        "imageId": fact.image_id,
        "privateIp": fact.private_ip,
        "architecture": if fact.instance_type.contains("g.") { "arm64" } else { "x86_64" },
    });
    let mut attributes: Vec<Attribute> = config
        .attributes
        .iter()
        .map(|(k, v)| attribute(k, v))
        .collect();
    if let Some(vpc) = &fact.vpc_id {
        attributes.push(attribute("ecs.vpc-id", vpc));
    }
    if let Some(subnet) = &fact.subnet_id {
        attributes.push(attribute("ecs.subnet-id", subnet));
    }
    // Registration gives the instance its group's capacity provider (rules::membership).
    if let Some(group) = fact.tag("aws:autoscaling:groupName") {
        attributes.push(attribute(GROUP_ATTRIBUTE, group));
    }
    if let Some(host) = fact.tag(DOCKER_HOST_TAG) {
        attributes.push(attribute(DOCKER_HOST_ATTRIBUTE, host));
    }
    let tags: Vec<Tag> = config
        .tags
        .iter()
        .map(|(k, v)| Tag {
            key: Some(k.clone()),
            value: Some(v.clone()),
        })
        .collect();
    let input = json!({
        "cluster": cluster,
        "instanceIdentityDocument": identity.to_string(),
        "totalResources": resources(fact, config),
        "attributes": attributes,
        "tags": tags,
    });
    match input {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

fn attribute(name: &str, value: &str) -> Attribute {
    Attribute {
        name: name.into(),
        value: Some(value.into()),
        target_type: None,
        target_id: None,
    }
}

/// CPU = vCPUs × 1024; MEMORY = the type's MiB less the kernel's share and ECS_RESERVED_MEMORY;
/// PORTS = the agent's reserved ports.
pub fn resources(fact: &InstanceFact, config: &EcsConfig) -> Vec<Resource> {
    let memory = (fact.memory_mib as f64 * (1.0 - KERNEL_SHARE)) as i64;
    let memory = (memory - config.reserved_memory as i64).max(0);
    let ports: Vec<String> = config
        .reserved_ports
        .clone()
        .unwrap_or_else(|| AGENT_PORTS.to_vec())
        .iter()
        .map(u16::to_string)
        .collect();
    let int = |name: &str, v: i64| Resource {
        name: Some(name.into()),
        kind: Some("INTEGER".into()),
        double_value: Some(0.0),
        long_value: Some(0),
        integer_value: Some(v.clamp(0, i32::MAX as i64) as i32),
        string_set_value: None,
    };
    let set = |name: &str, v: Vec<String>| Resource {
        name: Some(name.into()),
        kind: Some("STRINGSET".into()),
        double_value: Some(0.0),
        long_value: Some(0),
        integer_value: Some(0),
        string_set_value: Some(v),
    };
    vec![
        int("CPU", fact.vcpus as i64 * 1024),
        int("MEMORY", memory),
        set("PORTS", ports),
        set("PORTS_UDP", Vec::new()),
    ]
}

fn leave(
    st: &mut RegionState,
    fact: &InstanceFact,
    status: ContainerInstanceStatus,
    what: &str,
) -> Outcome {
    let Some(arn) = live_instance_arn(st, &fact.instance_id) else {
        return Outcome::Ignored;
    };
    let cluster = match st.container_instances.get_mut(&arn) {
        Some(ci) if ci.agent_connected || status != ci.status => {
            ci.agent_connected = false;
            ci.status = status;
            ci.version += 1;
            ci.cluster_arn.clone()
        }
        _ => return Outcome::Ignored,
    };
    let reason = format!("Host EC2 (instance {}) {what}.", fact.instance_id);
    stop_tasks_on(st, &arn, &reason);
    Outcome::Left(cluster)
}

/// Stops every task on the container instance (the host is gone, so are its containers).
fn stop_tasks_on(st: &mut RegionState, instance_arn: &str, reason: &str) {
    for t in st.tasks.values_mut() {
        if t.container_instance_arn.as_deref() != Some(instance_arn)
            || t.is_stopped()
            || t.desired_status == DesiredStatus::Stopped
        {
            continue;
        }
        t.desired_status = DesiredStatus::Stopped;
        t.stop_code = Some(TaskStopCode::TerminationNotice);
        t.stopped_reason = Some(reason.to_string());
        t.version += 1;
        st.outbox.push(t.task_arn.clone());
    }
}
