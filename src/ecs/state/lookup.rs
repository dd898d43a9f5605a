//! Finding resources by the identifiers requests carry (a name, an id or an ARN), with the
//! errors ECS answers when they are missing. Every room of ECS reads state through these.

use crate::ecs::state::status::{ClusterStatus, ServiceStatus, TaskDefinitionStatus};
use crate::ecs::state::types::{Cluster, TaskDefinition};
use crate::ecs::state::RegionState;
use crate::ecs::{EcsError, EcsResult};

/// The cluster a request means when it names none.
pub const DEFAULT_CLUSTER: &str = "default";

/// A task definition's key: family and revision.
pub type Key = (String, u32);

/// Looks a cluster up by name or ARN, ACTIVE or INACTIVE.
pub fn find_cluster<'a>(st: &'a RegionState, ident: &str) -> Option<&'a Cluster> {
    st.clusters.get(&name_of(st, ident)?)
}

/// The name of an ACTIVE cluster, or ClusterNotFoundException.
pub fn active_name(st: &RegionState, ident: &str) -> EcsResult<String> {
    find_cluster(st, ident)
        .filter(|c| c.status == ClusterStatus::Active)
        .map(|c| c.cluster_name.clone())
        .ok_or(EcsError::ClusterNotFound)
}

/// The ARN of an ACTIVE cluster named by `ident` (default: `default`).
pub fn cluster_arn(st: &RegionState, ident: Option<&str>) -> EcsResult<String> {
    let ident = ident.unwrap_or(DEFAULT_CLUSTER);
    active_cluster(st, ident).map(|(_, arn)| arn)
}

/// The name and ARN of an ACTIVE cluster, or ClusterNotFoundException.
pub fn active_cluster(st: &RegionState, ident: &str) -> EcsResult<(String, String)> {
    find_cluster(st, ident)
        .filter(|c| c.status == ClusterStatus::Active)
        .map(|c| (c.cluster_name.clone(), c.cluster_arn.clone()))
        .ok_or(EcsError::ClusterNotFound)
}

/// A cluster identifier's name: the name itself, or the name in an ARN of this account and region.
fn name_of(st: &RegionState, ident: &str) -> Option<String> {
    match ident.strip_prefix(&st.arn("cluster/")) {
        Some(name) => Some(name.to_string()),
        None if ident.starts_with("arn:") => None,
        None => Some(ident.to_string()),
    }
}

/// The ARN of a container instance of `cluster_arn`, named by its ARN or its id.
pub fn find_instance_arn(st: &RegionState, cluster_arn: &str, ident: &str) -> Option<String> {
    let arn = if ident.starts_with("arn:") {
        ident.to_string()
    } else {
        let cluster_name = cluster_arn.rsplit('/').next().unwrap_or_default();
        st.arn(&format!("container-instance/{cluster_name}/{ident}"))
    };
    st.container_instances
        .get(&arn)
        .filter(|ci| ci.cluster_arn == cluster_arn)
        .map(|_| arn)
}

/// A definition's key from `family` (latest ACTIVE revision), `family:revision` or its ARN.
pub fn resolve_task_definition(st: &RegionState, ident: &str) -> Option<Key> {
    let short = ident
        .strip_prefix(&st.arn("task-definition/"))
        .unwrap_or(ident);
    if short.starts_with("arn:") {
        return None;
    }
    match short.rsplit_once(':') {
        Some((family, rev)) => {
            let key = (family.to_string(), rev.parse().ok()?);
            st.task_definitions.contains_key(&key).then_some(key)
        }
        None => family_range(st, short)
            .rev()
            .find(|(_, td)| td.status == TaskDefinitionStatus::Active)
            .map(|(k, _)| k.clone()),
    }
}

pub fn family_range<'a>(
    st: &'a RegionState,
    family: &str,
) -> std::collections::btree_map::Range<'a, Key, TaskDefinition> {
    st.task_definitions
        .range((family.to_string(), 0)..=(family.to_string(), u32::MAX))
}

/// The ARN for a service identifier (name or ARN) in a cluster.
pub fn service_arn_of(st: &RegionState, cluster_arn: &str, ident: &str) -> String {
    if ident.starts_with("arn:") {
        return ident.to_string();
    }
    let cluster_name = cluster_arn.rsplit('/').next().unwrap_or_default();
    st.arn(&format!("service/{cluster_name}/{ident}"))
}

/// An existing service (any status), or ServiceNotFoundException.
pub fn service_arn(st: &RegionState, cluster: Option<&str>, ident: &str) -> EcsResult<String> {
    let cluster = cluster_arn(st, cluster)?;
    let arn = service_arn_of(st, &cluster, ident);
    match st.services.get(&arn) {
        Some(s) if s.cluster_arn == cluster => Ok(arn),
        _ => Err(EcsError::ServiceNotFound),
    }
}

/// An ACTIVE service, or ServiceNotFoundException / ServiceNotActiveException.
pub fn active_service(st: &RegionState, cluster: Option<&str>, ident: &str) -> EcsResult<String> {
    let arn = service_arn(st, cluster, ident)?;
    match st.services.get(&arn).map(|s| s.status) {
        Some(ServiceStatus::Active) => Ok(arn),
        _ => Err(EcsError::ServiceNotActive),
    }
}

/// A task of the cluster, by ARN (short or long form) or id.
pub fn find_task(st: &RegionState, cluster_arn: &str, ident: &str) -> Option<String> {
    let id = ident.rsplit('/').next().unwrap_or(ident);
    let cluster_name = cluster_arn.rsplit('/').next().unwrap_or_default();
    let arn = st.arn(&format!("task/{cluster_name}/{id}"));
    st.tasks
        .get(&arn)
        .filter(|t| t.cluster_arn == cluster_arn)
        .map(|_| arn)
}
