//! How DescribeClusters and the other cluster operations show a cluster: the optional parts its
//! `include` asks for, and counters derived from the instance, task and service tables, so that
//! they are always true to the state.

use crate::ecs::state::status::LaunchType;
use crate::ecs::state::status::{
    ClusterStatus, ContainerInstanceStatus, ServiceStatus, TaskStatus,
};
use crate::ecs::state::types::{
    CapacityProviderStrategyItem, Cluster, ClusterSetting, KeyValuePair, Tag,
};
use crate::ecs::state::RegionState;
use crate::wire::Reply;
use serde::Serialize;
use serde_json::Value;
use serde_with::skip_serializing_none;

/// Which optional parts of a cluster DescribeClusters shows (its `include`).
#[derive(Default)]
pub(super) struct Include {
    attachments: bool,
    configurations: bool,
    settings: bool,
    statistics: bool,
    tags: bool,
}

pub(super) const ALL_FIELDS: Include = Include {
    attachments: true,
    configurations: true,
    settings: true,
    statistics: true,
    tags: true,
};

impl From<&Vec<String>> for Include {
    fn from(include: &Vec<String>) -> Self {
        let has = |f: &str| include.iter().any(|i| i == f);
        Include {
            attachments: has("ATTACHMENTS"),
            configurations: has("CONFIGURATIONS"),
            settings: has("SETTINGS"),
            statistics: has("STATISTICS"),
            tags: has("TAGS"),
        }
    }
}

/// A cluster as the API shows it, serialized straight from the stored cluster (no clone, no
/// tree): this is on the path of every DescribeClusters.
#[skip_serializing_none]
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct ClusterView<'a> {
    cluster_arn: &'a str,
    cluster_name: &'a str,
    configuration: Option<&'a Value>,
    status: ClusterStatus,
    registered_container_instances_count: i32,
    running_tasks_count: i32,
    pending_tasks_count: i32,
    active_services_count: i32,
    statistics: Vec<KeyValuePair>,
    tags: &'a [Tag],
    settings: Option<&'a [ClusterSetting]>,
    capacity_providers: &'a [String],
    default_capacity_provider_strategy: &'a [CapacityProviderStrategyItem],
    attachments: Option<&'a [Value]>,
    attachments_status: Option<&'a str>,
    service_connect_defaults: Option<&'a Value>,
}

/// An answer carrying one cluster.
#[derive(Serialize)]
pub(super) struct OneCluster<'a> {
    pub cluster: Option<ClusterView<'a>>,
}

pub(super) fn view<'a>(
    st: &RegionState,
    cluster: &'a Cluster,
    include: &Include,
) -> ClusterView<'a> {
    let counts = Counts::of(st, &cluster.cluster_arn);
    ClusterView {
        cluster_arn: &cluster.cluster_arn,
        cluster_name: &cluster.cluster_name,
        configuration: cluster
            .configuration
            .as_ref()
            .filter(|_| include.configurations),
        status: cluster.status,
        registered_container_instances_count: counts.instances,
        running_tasks_count: counts.running_ec2 + counts.running_fargate,
        pending_tasks_count: counts.pending_ec2 + counts.pending_fargate,
        active_services_count: counts.active_ec2 + counts.active_fargate,
        statistics: if include.statistics {
            counts.statistics()
        } else {
            Vec::new()
        },
        tags: if include.tags { &cluster.tags } else { &[] },
        settings: include.settings.then_some(cluster.settings.as_slice()),
        capacity_providers: &cluster.capacity_providers,
        default_capacity_provider_strategy: &cluster.default_capacity_provider_strategy,
        attachments: include
            .attachments
            .then_some(cluster.attachments.as_slice()),
        attachments_status: cluster.attachments_status.as_deref(),
        service_connect_defaults: cluster.service_connect_defaults.as_ref(),
    }
}

/// The answer of an operation on one cluster: the cluster as its name now stands, with every
/// optional part.
pub(super) fn reply_named(st: &RegionState, name: &str) -> Reply {
    let cluster = st.clusters.get(name).map(|c| view(st, c, &ALL_FIELDS));
    Reply::of(&OneCluster { cluster })
}

/// A cluster's counters, derived from the instance and task tables so they are always true.
#[derive(Default)]
struct Counts {
    instances: i32,
    running_ec2: i32,
    running_fargate: i32,
    pending_ec2: i32,
    pending_fargate: i32,
    active_ec2: i32,
    active_fargate: i32,
    draining_ec2: i32,
    draining_fargate: i32,
}

impl Counts {
    fn of(st: &RegionState, cluster_arn: &str) -> Counts {
        let instances = st
            .container_instances
            .values()
            .filter(|ci| {
                ci.cluster_arn == cluster_arn && ci.status != ContainerInstanceStatus::Inactive
            })
            .count() as i32;
        let mut c = Counts {
            instances,
            ..Counts::default()
        };
        for t in st.tasks.values().filter(|t| t.cluster_arn == cluster_arn) {
            let fargate = t.launch_type == Some(LaunchType::Fargate);
            match (t.last_status, fargate) {
                (TaskStatus::Running, true) => c.running_fargate += 1,
                (TaskStatus::Running, false) => c.running_ec2 += 1,
                (_, true) if t.is_pending() => c.pending_fargate += 1,
                (_, false) if t.is_pending() => c.pending_ec2 += 1,
                _ => {}
            }
        }
        for s in st
            .services
            .values()
            .filter(|s| s.cluster_arn == cluster_arn)
        {
            let fargate = s.launch_type == Some(LaunchType::Fargate)
                || s.capacity_provider_strategy
                    .iter()
                    .flatten()
                    .any(|i| i.capacity_provider.starts_with("FARGATE"));
            match (s.status, fargate) {
                (ServiceStatus::Active, true) => c.active_fargate += 1,
                (ServiceStatus::Active, false) => c.active_ec2 += 1,
                (ServiceStatus::Draining, true) => c.draining_fargate += 1,
                (ServiceStatus::Draining, false) => c.draining_ec2 += 1,
                _ => {}
            }
        }
        c
    }

    /// The counters AWS reports under STATISTICS.
    fn statistics(&self) -> Vec<KeyValuePair> {
        [
            ("runningEC2TasksCount", self.running_ec2),
            ("runningFargateTasksCount", self.running_fargate),
            ("pendingEC2TasksCount", self.pending_ec2),
            ("pendingFargateTasksCount", self.pending_fargate),
            ("activeEC2ServiceCount", self.active_ec2),
            ("activeFargateServiceCount", self.active_fargate),
            ("drainingEC2ServiceCount", self.draining_ec2),
            ("drainingFargateServiceCount", self.draining_fargate),
        ]
        .iter()
        .map(|(name, n)| KeyValuePair {
            name: Some(name.to_string()),
            value: Some(n.to_string()),
        })
        .collect()
    }
}
