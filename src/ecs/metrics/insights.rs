//! Container Insights for ECS: the performance log events (embedded metric format, as in
//! CloudWatch's "Container Insights performance log events for Amazon ECS") and the
//! `ECS/ContainerInsights` metrics CloudWatch extracts from their `CloudWatchMetrics` directives.
//! Each minute, for a cluster whose `containerInsights` setting is `enabled` or `enhanced`:
//! - `Type: Task` per running task: `CpuUtilized`/`CpuReserved` (CPU units, unit None),
//!   `MemoryUtilized`/`MemoryReserved` (Megabytes), `NetworkRxBytes`/`NetworkTxBytes`
//!   (Bytes/Second since the previous pass), `StorageReadBytes`/`StorageWriteBytes` (cumulative
//!   Bytes, as AWS notes), with the dimensions `ClusterName`, `ClusterName`+`TaskDefinitionFamily`
//!   and, for a service's task, `ClusterName`+`ServiceName`;
//! - `Type: Service` per active service: `DesiredTaskCount`, `RunningTaskCount`,
//!   `PendingTaskCount`, `DeploymentCount`, `TaskSetCount` per `ClusterName`+`ServiceName`;
//! - `Type: Cluster`: `TaskCount`, `ServiceCount`, `ContainerInstanceCount` per `ClusterName`;
//! - with `enhanced`, `Type: Container` per container (log only: the enhanced per-container and
//!   per-task metrics are not extracted yet).
//!
//! Events of a task on an EC2 container instance go to the stream
//! `AgentTelemetry-<container instance id>`; the rest to `FargateTelemetry-<n>`, one stable
//! number per cluster.

use super::snapshot::{ClusterView, Insights, TaskView};
use super::usage::Usage;
use super::Datum;
use serde_json::{json, Map, Value};

pub const NS: &str = "ECS/ContainerInsights";

/// What was measured for one running task this pass.
#[derive(Debug, Clone, Default)]
pub struct Measured {
    pub task: Usage,
    /// Bytes per second received and sent since the previous pass.
    pub rx_per_s: f64,
    pub tx_per_s: f64,
    /// Per container, in the task's container order.
    pub containers: Vec<Option<Usage>>,
}

/// `/aws/ecs/containerinsights/<cluster>/performance`.
pub fn group(cluster: &str) -> String {
    format!("/aws/ecs/containerinsights/{cluster}/performance")
}

/// The stream for events not tied to a container instance: `FargateTelemetry-<n>`, n stable
/// per cluster (FNV-1a of its name, 4 digits).
pub fn fargate_stream(cluster: &str) -> String {
    let hash = cluster.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    });
    format!("FargateTelemetry-{:04}", hash % 10_000)
}

/// Every performance log event of one cluster this pass, as (stream, event).
pub fn events<'a>(
    c: &ClusterView,
    now_ms: i64,
    measured: impl Fn(&TaskView) -> Option<&'a Measured>,
) -> Vec<(String, Value)> {
    let fargate = fargate_stream(&c.name);
    let mut out = Vec::new();
    for t in &c.tasks {
        let Some(m) = measured(t) else { continue };
        let stream = match &t.instance {
            Some((id, _)) => format!("AgentTelemetry-{id}"),
            None => fargate.clone(),
        };
        out.push((stream.clone(), task_event(c, t, m, now_ms)));
        if c.insights == Insights::Enhanced {
            for (i, ct) in t.containers.iter().enumerate() {
                let u = m.containers.get(i).copied().flatten().unwrap_or_default();
                out.push((stream.clone(), container_event(c, t, ct, &u, now_ms)));
            }
        }
    }
    for s in &c.services {
        out.push((fargate.clone(), service_event(c, s, now_ms)));
    }
    out.push((fargate, cluster_event(c, now_ms)));
    out
}

fn directive(metrics: &[(&str, &str)], dims: Vec<Vec<&str>>) -> Value {
    let metrics: Vec<Value> = metrics
        .iter()
        .map(|(n, u)| json!({"Name": n, "Unit": u}))
        .collect();
    json!([{"Namespace": NS, "Metrics": metrics, "Dimensions": dims}])
}

/// The fields every task and container event shares.
fn task_fields(c: &ClusterView, t: &TaskView, now_ms: i64) -> Map<String, Value> {
    let ms = |s: Option<f64>| s.map(|s| Value::from((s * 1000.0) as i64));
    let mut f = Map::new();
    f.insert("Version".into(), "0".into());
    f.insert("TaskId".into(), t.id.clone().into());
    f.insert("TaskDefinitionFamily".into(), t.family.clone().into());
    f.insert("TaskDefinitionRevision".into(), t.revision.clone().into());
    if let Some((ci, ec2)) = &t.instance {
        f.insert("ContainerInstanceId".into(), ci.clone().into());
        if let Some(ec2) = ec2 {
            f.insert("EC2InstanceId".into(), ec2.clone().into());
        }
    }
    if let Some(s) = &t.service {
        f.insert("ServiceName".into(), s.clone().into());
    }
    f.insert("ClusterName".into(), c.name.clone().into());
    f.insert("AccountID".into(), c.account.clone().into());
    f.insert("Region".into(), c.region.clone().into());
    if let Some(az) = &t.availability_zone {
        f.insert("AvailabilityZone".into(), az.clone().into());
    }
    f.insert("LaunchType".into(), t.launch_type.clone().into());
    for (k, v) in [
        ("PullStartedAt", ms(t.pull_started_at)),
        ("PullStoppedAt", ms(t.pull_stopped_at)),
        ("CreatedAt", ms(Some(t.created_at))),
        ("StartedAt", ms(t.started_at)),
    ] {
        if let Some(v) = v {
            f.insert(k.into(), v);
        }
    }
    f.insert("Timestamp".into(), now_ms.into());
    f
}

fn usage_fields(f: &mut Map<String, Value>, u: &Usage, cpu_reserved: f64, mem_reserved: f64) {
    let n = &u.net;
    for (k, v) in [
        ("CpuUtilized", u.cpu_units()),
        ("CpuReserved", cpu_reserved),
        ("MemoryUtilized", u.memory_mib.round()),
        ("MemoryReserved", mem_reserved),
        ("StorageReadBytes", u.read_bytes),
        ("StorageWriteBytes", u.write_bytes),
        ("NetworkRxBytes", n.rx_bytes),
        ("NetworkRxDropped", n.rx_dropped),
        ("NetworkRxErrors", n.rx_errors),
        ("NetworkRxPackets", n.rx_packets),
        ("NetworkTxBytes", n.tx_bytes),
        ("NetworkTxDropped", n.tx_dropped),
        ("NetworkTxErrors", n.tx_errors),
        ("NetworkTxPackets", n.tx_packets),
    ] {
        f.insert(k.into(), v.into());
    }
}

fn task_event(c: &ClusterView, t: &TaskView, m: &Measured, now_ms: i64) -> Value {
    let mut f = task_fields(c, t, now_ms);
    f.insert("Type".into(), "Task".into());
    f.insert("KnownStatus".into(), "RUNNING".into());
    usage_fields(&mut f, &m.task, t.cpu_units, t.memory_mib);
    // The event's network bytes are the rate since the previous pass, as the metric is.
    f.insert("NetworkRxBytes".into(), m.rx_per_s.into());
    f.insert("NetworkTxBytes".into(), m.tx_per_s.into());
    let mut dims = vec![
        vec!["ClusterName"],
        vec!["ClusterName", "TaskDefinitionFamily"],
    ];
    if t.service.is_some() {
        dims.push(vec!["ClusterName", "ServiceName"]);
    }
    let metrics = [
        ("CpuUtilized", "None"),
        ("CpuReserved", "None"),
        ("MemoryUtilized", "Megabytes"),
        ("MemoryReserved", "Megabytes"),
        ("NetworkRxBytes", "Bytes/Second"),
        ("NetworkTxBytes", "Bytes/Second"),
        ("StorageReadBytes", "Bytes"),
        ("StorageWriteBytes", "Bytes"),
    ];
    f.insert("CloudWatchMetrics".into(), directive(&metrics, dims));
    Value::Object(f)
}

fn container_event(
    c: &ClusterView,
    t: &TaskView,
    ct: &super::snapshot::ContainerView,
    u: &Usage,
    now_ms: i64,
) -> Value {
    let mut f = task_fields(c, t, now_ms);
    f.insert("Type".into(), "Container".into());
    f.insert("ContainerName".into(), ct.name.clone().into());
    f.insert("Image".into(), ct.image.clone().into());
    f.insert("ContainerKnownStatus".into(), ct.status.clone().into());
    usage_fields(&mut f, u, ct.cpu_units, ct.memory_mib);
    Value::Object(f)
}

fn service_event(c: &ClusterView, s: &super::snapshot::ServiceView, now_ms: i64) -> Value {
    let metrics = [
        ("DesiredTaskCount", "Count"),
        ("RunningTaskCount", "Count"),
        ("PendingTaskCount", "Count"),
        ("DeploymentCount", "Count"),
        ("TaskSetCount", "Count"),
    ];
    json!({
        "Version": "0", "Type": "Service", "ServiceName": s.name, "ClusterName": c.name,
        "Timestamp": now_ms,
        "DesiredTaskCount": s.desired, "RunningTaskCount": s.running,
        "PendingTaskCount": s.pending, "DeploymentCount": s.deployments,
        "TaskSetCount": s.task_sets,
        "CloudWatchMetrics": directive(&metrics, vec![vec!["ServiceName", "ClusterName"]]),
    })
}

fn cluster_event(c: &ClusterView, now_ms: i64) -> Value {
    let metrics = [
        ("TaskCount", "Count"),
        ("ContainerInstanceCount", "Count"),
        ("ServiceCount", "Count"),
    ];
    json!({
        "Version": "0", "Type": "Cluster", "ClusterName": c.name, "Timestamp": now_ms,
        "TaskCount": c.tasks.len(), "ContainerInstanceCount": c.capacity.instances,
        "ServiceCount": c.services.len(),
        "CloudWatchMetrics": directive(&metrics, vec![vec!["ClusterName"]]),
    })
}

/// The metrics an event's `CloudWatchMetrics` directives declare, as CloudWatch extracts them
/// from embedded metric format: one datapoint per metric per dimension set.
pub fn extract(event: &Value) -> Vec<Datum> {
    let mut out = Vec::new();
    let directives = event.get("CloudWatchMetrics").and_then(Value::as_array);
    for d in directives.into_iter().flatten() {
        let ns = d.get("Namespace").and_then(Value::as_str).unwrap_or(NS);
        let metrics = d.get("Metrics").and_then(Value::as_array);
        let sets = d.get("Dimensions").and_then(Value::as_array);
        for set in sets.into_iter().flatten().filter_map(Value::as_array) {
            let dims: Option<Vec<(String, String)>> = set
                .iter()
                .filter_map(Value::as_str)
                .map(|k| Some((k.to_string(), event.get(k)?.as_str()?.to_string())))
                .collect();
            let Some(dims) = dims else { continue };
            for m in metrics.into_iter().flatten() {
                let name = m.get("Name").and_then(Value::as_str).unwrap_or_default();
                let unit = m.get("Unit").and_then(Value::as_str).unwrap_or("None");
                if let Some(v) = event.get(name).and_then(Value::as_f64) {
                    out.push(Datum::new(ns, name, &dims, v, unit));
                }
            }
        }
    }
    out
}

#[cfg(test)]
#[path = "insights_tests.rs"]
mod tests;
