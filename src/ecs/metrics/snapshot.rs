//! What one collector pass needs from ECS's state, copied out under the region's lock so no
//! engine call happens while it is held: per active cluster its running tasks (with what they
//! reserve), its services' counts, and its registered EC2 capacity.

use crate::ecs::state::status::{ClusterStatus, ContainerInstanceStatus, TaskStatus};
use crate::ecs::state::types::{Cluster, ContainerInstance};
use crate::ecs::state::{RegionState, Store};
use std::collections::HashMap;

/// Container Insights as the cluster's `containerInsights` setting asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Insights {
    #[default]
    Off,
    On,
    /// `enhanced`: also the per-container performance log events.
    Enhanced,
}

/// The EC2 capacity registered in a cluster (ACTIVE and DRAINING instances, as AWS counts it)
/// and what tasks placed on it reserve.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Capacity {
    pub instances: usize,
    pub cpu_units: f64,
    pub memory_mib: f64,
    pub reserved_cpu: f64,
    pub reserved_memory: f64,
}

#[derive(Debug, Clone, Default)]
pub struct ContainerView {
    pub name: String,
    pub image: String,
    pub runtime_id: Option<String>,
    pub status: String,
    pub cpu_units: f64,
    pub memory_mib: f64,
}

#[derive(Debug, Clone, Default)]
pub struct TaskView {
    pub arn: String,
    pub id: String,
    pub family: String,
    pub revision: String,
    pub service: Option<String>,
    pub launch_type: String,
    /// The container instance's id and EC2 instance id, when on a registered instance.
    pub instance: Option<(String, Option<String>)>,
    pub availability_zone: Option<String>,
    pub cpu_units: f64,
    pub memory_mib: f64,
    /// Epoch seconds.
    pub created_at: f64,
    pub started_at: Option<f64>,
    pub pull_started_at: Option<f64>,
    pub pull_stopped_at: Option<f64>,
    pub containers: Vec<ContainerView>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ServiceView {
    pub name: String,
    pub desired: i32,
    pub running: i32,
    pub pending: i32,
    pub deployments: usize,
    pub task_sets: usize,
}

#[derive(Debug, Clone, Default)]
pub struct ClusterView {
    pub account: String,
    pub region: String,
    pub name: String,
    pub insights: Insights,
    /// RUNNING tasks only.
    pub tasks: Vec<TaskView>,
    pub services: Vec<ServiceView>,
    pub capacity: Capacity,
}

/// Every active cluster in every region.
pub fn take(store: &Store) -> Vec<ClusterView> {
    let mut out = Vec::new();
    for (account, region) in store.keys() {
        store.with(&account, &region, |st| {
            for c in st.clusters.values() {
                if c.status == ClusterStatus::Active {
                    out.push(cluster_view(st, c));
                }
            }
        });
    }
    out
}

fn insights(c: &Cluster) -> Insights {
    let value = c
        .settings
        .iter()
        .find(|s| s.name.as_deref() == Some("containerInsights"))
        .and_then(|s| s.value.as_deref());
    match value {
        Some("enabled") => Insights::On,
        Some("enhanced") => Insights::Enhanced,
        _ => Insights::Off,
    }
}

fn cluster_view(st: &RegionState, c: &Cluster) -> ClusterView {
    let registered: HashMap<&str, &ContainerInstance> = st
        .container_instances
        .values()
        .filter(|ci| ci.cluster_arn == c.cluster_arn && counts(ci))
        .map(|ci| (ci.container_instance_arn.as_str(), ci))
        .collect();
    let mut view = ClusterView {
        account: st.account.clone(),
        region: st.region.clone(),
        name: c.cluster_name.clone(),
        insights: insights(c),
        capacity: capacity(registered.values().copied()),
        ..Default::default()
    };
    for t in st.tasks.values().filter(|t| t.cluster_arn == c.cluster_arn) {
        let on = t
            .container_instance_arn
            .as_deref()
            .and_then(|a| registered.get(a));
        if let (Some(_), Some(book)) = (on, st.task_books.get(&t.task_arn)) {
            if !t.is_stopped() {
                view.capacity.reserved_cpu += book.cpu as f64;
                view.capacity.reserved_memory += book.memory as f64;
            }
        }
        if t.last_status == TaskStatus::Running {
            view.tasks.push(task_view(st, t, on.copied()));
        }
    }
    view.services = st
        .services
        .values()
        .filter(|s| s.cluster_arn == c.cluster_arn && s.status.as_str() == "ACTIVE")
        .map(|s| ServiceView {
            name: s.service_name.clone(),
            desired: s.desired_count,
            running: s.running_count,
            pending: s.pending_count,
            deployments: s.deployments.len(),
            task_sets: s.task_sets.as_ref().map_or(0, Vec::len),
        })
        .collect();
    view
}

/// Only ACTIVE and DRAINING instances count towards a cluster's capacity.
fn counts(ci: &ContainerInstance) -> bool {
    matches!(
        ci.status,
        ContainerInstanceStatus::Active | ContainerInstanceStatus::Draining
    )
}

/// The registered `CPU` and `MEMORY` of these instances.
pub fn capacity<'a>(instances: impl Iterator<Item = &'a ContainerInstance>) -> Capacity {
    let mut cap = Capacity::default();
    for ci in instances {
        cap.instances += 1;
        for r in &ci.registered_resources {
            let value = r
                .integer_value
                .map(f64::from)
                .or(r.long_value.map(|v| v as f64))
                .or(r.double_value)
                .unwrap_or(0.0);
            match r.name.as_deref() {
                Some("CPU") => cap.cpu_units += value,
                Some("MEMORY") => cap.memory_mib += value,
                _ => {}
            }
        }
    }
    cap
}

/// The task-level value, else the sum of its containers'.
pub fn reserved(task_value: Option<&str>, containers: impl Iterator<Item = Option<i32>>) -> f64 {
    task_value
        .and_then(|v| v.parse::<f64>().ok())
        .unwrap_or_else(|| containers.flatten().map(f64::from).sum())
}

fn task_view(
    st: &RegionState,
    t: &crate::ecs::state::task::Task,
    on: Option<&ContainerInstance>,
) -> TaskView {
    let defs = st
        .task_books
        .get(&t.task_arn)
        .map(|b| b.definition.container_definitions.as_slice())
        .unwrap_or_default();
    let service = t.service_arn.as_ref().and_then(|s| st.services.get(s));
    TaskView {
        arn: t.task_arn.clone(),
        id: t.id().to_string(),
        family: t.family().to_string(),
        revision: t
            .task_definition_arn
            .rsplit(':')
            .next()
            .unwrap_or("")
            .into(),
        service: service.map(|s| s.service_name.clone()),
        launch_type: t.launch_type.unwrap_or_default().as_str().into(),
        instance: on.map(|ci| {
            let id = ci.container_instance_arn.rsplit('/').next().unwrap_or("");
            (id.to_string(), ci.ec2_instance_id.clone())
        }),
        availability_zone: t.availability_zone.clone(),
        cpu_units: reserved(t.cpu.as_deref(), defs.iter().map(|d| d.cpu)),
        memory_mib: reserved(
            t.memory.as_deref(),
            defs.iter().map(|d| d.memory.or(d.memory_reservation)),
        ),
        created_at: t.created_at,
        started_at: t.started_at,
        pull_started_at: t.pull_started_at,
        pull_stopped_at: t.pull_stopped_at,
        containers: t
            .containers
            .iter()
            .map(|c| {
                let def = defs
                    .iter()
                    .find(|d| d.name.as_deref() == Some(c.name.as_str()));
                ContainerView {
                    name: c.name.clone(),
                    image: c.image.clone(),
                    runtime_id: c.runtime_id.clone(),
                    status: c.last_status.as_str().into(),
                    cpu_units: def.and_then(|d| d.cpu).map_or(0.0, f64::from),
                    memory_mib: def
                        .and_then(|d| d.memory.or(d.memory_reservation))
                        .map_or(0.0, f64::from),
                }
            })
            .collect(),
    }
}
