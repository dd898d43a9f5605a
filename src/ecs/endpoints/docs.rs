//! The task metadata documents in the ECS agent's PascalCase shapes (task metadata endpoint
//! v4, with v3 and v2 answering the same documents): the task with its containers, and one
//! container, built from ECS's own state.

use crate::core::clock::iso8601;
use crate::ecs::agent::spec::{engine_name, labels};
use crate::ecs::state::task::{Container, Task};
use crate::ecs::state::types::TaskDefinition;
use serde_json::{json, Map, Value};

/// What a document is built from.
pub struct Seen<'a> {
    pub task: &'a Task,
    pub td: &'a TaskDefinition,
    pub owner: &'a str,
    pub service_name: Option<&'a str>,
}

fn time(t: Option<f64>) -> Value {
    t.map_or(Value::Null, |s| Value::String(iso8601(s)))
}

fn strip_nulls(mut v: Value) -> Value {
    if let Value::Object(map) = &mut v {
        map.retain(|_, x| !x.is_null());
    }
    v
}

/// `GET ${ECS_CONTAINER_METADATA_URI_V4}/task`.
pub fn task(s: &Seen) -> Value {
    let t = s.task;
    let cpu = t
        .cpu
        .as_deref()
        .and_then(|c| c.parse::<f64>().ok())
        .map(|c| c / 1024.0);
    let memory = t.memory.as_deref().and_then(|m| m.parse::<i64>().ok());
    let mut limits = Map::new();
    if let Some(c) = cpu {
        limits.insert("CPU".into(), json!(c));
    }
    if let Some(m) = memory {
        limits.insert("Memory".into(), json!(m));
    }
    let containers: Vec<Value> = t.containers.iter().map(|c| container(s, c)).collect();
    strip_nulls(json!({
        "Cluster": t.cluster_arn,
        "TaskARN": t.task_arn,
        "Family": s.td.family,
        "Revision": s.td.revision.to_string(),
        "DesiredStatus": t.desired_status.to_string(),
        "KnownStatus": t.last_status.to_string(),
        "Limits": limits,
        "PullStartedAt": time(t.pull_started_at),
        "PullStoppedAt": time(t.pull_stopped_at),
        "ExecutionStoppedAt": time(t.execution_stopped_at),
        "AvailabilityZone": t.availability_zone,
        "LaunchType": t.launch_type.map(|l| l.to_string()),
        "ServiceName": s.service_name,
        "Containers": containers,
    }))
}

fn networks(s: &Seen, c: &Container) -> Value {
    let mode =
        s.td.network_mode
            .map(|m| m.to_string())
            .unwrap_or_else(|| "bridge".into());
    let addresses: Vec<&str> = c
        .network_interfaces
        .iter()
        .filter_map(|n| n.private_ipv4_address.as_deref())
        .collect();
    json!([{ "NetworkMode": mode, "IPv4Addresses": addresses }])
}

/// `GET ${ECS_CONTAINER_METADATA_URI_V4}` (one container).
pub fn container(s: &Seen, c: &Container) -> Value {
    let def =
        s.td.container_definitions
            .iter()
            .find(|d| d.name.as_deref() == Some(c.name.as_str()));
    let log = def.and_then(|d| d.log_configuration.as_ref());
    let health = c.health_status.map(|h| json!({ "status": h.to_string() }));
    let ports: Vec<Value> = c
        .network_bindings
        .iter()
        .map(|b| {
            json!({
                "ContainerPort": b.container_port,
                "Protocol": b.protocol,
                "HostPort": b.host_port,
                "HostIp": b.bind_ip,
            })
        })
        .collect();
    let mut limits = Map::new();
    limits.insert("CPU".into(), json!(def.and_then(|d| d.cpu).unwrap_or(0)));
    if let Some(m) = def.and_then(|d| d.memory) {
        limits.insert("Memory".into(), json!(m));
    }
    strip_nulls(json!({
        "DockerId": c.runtime_id,
        "Name": c.name,
        "DockerName": engine_name(s.td, &c.name, s.task.id()),
        "Image": c.image,
        "ImageID": c.image_digest,
        "Labels": labels(s.task, s.td, &c.name, s.owner),
        "DesiredStatus": s.task.desired_status.to_string(),
        "KnownStatus": c.last_status.to_string(),
        "Limits": limits,
        "CreatedAt": time(Some(s.task.created_at)),
        "StartedAt": time(s.task.started_at),
        "FinishedAt": time(s.task.execution_stopped_at),
        "Type": "NORMAL",
        "ContainerARN": c.container_arn,
        "ExitCode": c.exit_code,
        "LogDriver": log.and_then(|l| l.get("logDriver")).cloned(),
        "LogOptions": log.and_then(|l| l.get("options")).cloned(),
        "Health": health,
        "Ports": if ports.is_empty() { Value::Null } else { Value::Array(ports) },
        "Networks": networks(s, c),
    }))
}
