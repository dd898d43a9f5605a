//! How DescribeClusters and the other cluster operations show a cluster: the optional parts its
//! `include` asks for, and counters derived from the instance, task and service tables, so that
//! they are always true to the state.

use crate::ecs::state::types::{to_wire, Cluster, KeyValuePair};
use crate::ecs::state::RegionState;
use serde_json::Value;

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

pub(super) fn view(st: &RegionState, cluster: &Cluster, include: &Include) -> Value {
    // Serialized straight from the stored cluster (no clone), then patched: this is on the path
    // of every DescribeClusters.
    let counts = Counts::of(st, &cluster.cluster_arn);
    let mut v = to_wire(cluster);
    let Some(obj) = v.as_object_mut() else {
        return v;
    };
    let running = counts.running_ec2 + counts.running_fargate;
    let pending = counts.pending_ec2 + counts.pending_fargate;
    let active = counts.active_ec2 + counts.active_fargate;
    obj.insert(
        "registeredContainerInstancesCount".into(),
        counts.instances.into(),
    );
    obj.insert("runningTasksCount".into(), running.into());
    obj.insert("pendingTasksCount".into(), pending.into());
    obj.insert("activeServicesCount".into(), active.into());
    let statistics = if include.statistics {
        to_wire(&counts.statistics())
    } else {
        Value::Array(Vec::new())
    };
    obj.insert("statistics".into(), statistics);
    if !include.tags {
        obj.insert("tags".into(), Value::Array(Vec::new()));
    }
    let hidden = [
        (!include.configurations, "configuration"),
        (!include.attachments, "attachments"),
        (!include.settings, "settings"),
    ];
    for (hide, key) in hidden {
        if hide {
            obj.remove(key);
        }
    }
    v
}

/// The cluster as its name currently stands in the state.
pub(super) fn view_named(st: &RegionState, name: &str) -> Value {
    st.clusters
        .get(name)
        .map(|c| view(st, c, &ALL_FIELDS))
        .unwrap_or(Value::Null)
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
            .filter(|ci| ci.cluster_arn == cluster_arn && ci.status != "INACTIVE")
            .count() as i32;
        let mut c = Counts {
            instances,
            ..Counts::default()
        };
        for t in st.tasks.values().filter(|t| t.cluster_arn == cluster_arn) {
            let fargate = t.launch_type.as_deref() == Some("FARGATE");
            match (t.last_status.as_str(), fargate) {
                ("RUNNING", true) => c.running_fargate += 1,
                ("RUNNING", false) => c.running_ec2 += 1,
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
            let fargate = s.launch_type.as_deref() == Some("FARGATE")
                || s.capacity_provider_strategy
                    .iter()
                    .flatten()
                    .any(|i| i.capacity_provider.starts_with("FARGATE"));
            match (s.status.as_str(), fargate) {
                ("ACTIVE", true) => c.active_fargate += 1,
                ("ACTIVE", false) => c.active_ec2 += 1,
                ("DRAINING", true) => c.draining_fargate += 1,
                ("DRAINING", false) => c.draining_ec2 += 1,
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
