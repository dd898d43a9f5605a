//! The records behind the service-deployment operations: `ServiceRevision` and
//! `ServiceDeployment` as serde structs with the wire names, their ARNs, and how a revision is
//! captured from a service and one of its deployments.

use crate::ecs::state::service::{Deployment, DeploymentConfiguration, Service};
use crate::ecs::state::status::{LaunchType, ServiceDeploymentStatus};
use crate::ecs::state::types::{CapacityProviderStrategyItem, Json};
use crate::ecs::state::RegionState;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use serde_with::skip_serializing_none;

#[skip_serializing_none]
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ContainerImage {
    pub container_name: Option<String>,
    pub image_digest: Option<String>,
    pub image: Option<String>,
}

#[skip_serializing_none]
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ServiceRevision {
    pub service_revision_arn: String,
    pub service_arn: String,
    pub cluster_arn: String,
    pub task_definition: String,
    pub capacity_provider_strategy: Option<Vec<CapacityProviderStrategyItem>>,
    pub launch_type: Option<LaunchType>,
    pub platform_version: Option<String>,
    pub platform_family: Option<String>,
    pub load_balancers: Vec<Value>,
    pub service_registries: Vec<Value>,
    pub network_configuration: Json,
    pub container_images: Vec<ContainerImage>,
    pub volume_configurations: Option<Vec<Value>>,
    pub created_at: f64,
}

#[skip_serializing_none]
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct RevisionSummary {
    pub arn: String,
    pub requested_task_count: i32,
    pub running_task_count: i32,
    pub pending_task_count: i32,
}

#[skip_serializing_none]
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Rollback {
    pub reason: Option<String>,
    pub started_at: Option<f64>,
    pub service_revision_arn: Option<String>,
}

#[skip_serializing_none]
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct CircuitBreakerState {
    pub status: String,
    pub failure_count: i32,
    pub threshold: i32,
}

#[skip_serializing_none]
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ServiceDeployment {
    pub service_deployment_arn: String,
    pub service_arn: String,
    pub cluster_arn: String,
    pub created_at: f64,
    pub started_at: Option<f64>,
    pub finished_at: Option<f64>,
    pub stopped_at: Option<f64>,
    pub updated_at: f64,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub source_service_revisions: Vec<RevisionSummary>,
    pub target_service_revision: RevisionSummary,
    pub status: ServiceDeploymentStatus,
    pub status_reason: Option<String>,
    pub deployment_configuration: Option<DeploymentConfiguration>,
    pub rollback: Option<Rollback>,
    pub deployment_circuit_breaker: Option<CircuitBreakerState>,
    pub alarms: Json,
    /// The `Deployment.id` (of the service) this record follows.
    #[serde(default, skip_serializing_if = "crate::core::persist::on_wire")]
    pub deployment_id: String,
    /// The `Deployment.id` a rollback of this deployment went back to.
    #[serde(default, skip_serializing_if = "crate::core::persist::on_wire")]
    pub rollback_to: Option<String>,
}

/// `...:service-revision/<cluster>/<service>/<n>`: the numeric id is the deployment id's digits,
/// so a revision and the deployment that introduced it name each other.
pub fn revision_arn(service_arn: &str, deployment_id: &str) -> String {
    let digits = deployment_id.rsplit('/').next().unwrap_or_default();
    format!(
        "{}/{digits}",
        service_arn.replacen(":service/", ":service-revision/", 1)
    )
}

/// The `Deployment.id` whose revision `revision_arn` is.
pub fn deployment_of_revision(revision_arn: &str) -> String {
    format!(
        "ecs-svc/{}",
        revision_arn.rsplit('/').next().unwrap_or_default()
    )
}

/// The ARN prefix (ending in `/`) of a service's service deployments.
pub fn deployment_prefix(service_arn: &str) -> String {
    format!(
        "{}/",
        service_arn.replacen(":service/", ":service-deployment/", 1)
    )
}

/// The ARN prefix (ending in `/`) of a service's revisions.
pub fn revision_prefix(service_arn: &str) -> String {
    format!(
        "{}/",
        service_arn.replacen(":service/", ":service-revision/", 1)
    )
}

/// A new service deployment ARN: a random 22-character id, as ECS issues them.
pub fn new_deployment_arn(service_arn: &str) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
    let id: String = (0..22)
        .map(|_| char::from(ALPHABET[usize::from(rand::random::<u8>() % 64)]))
        .collect();
    format!("{}{id}", deployment_prefix(service_arn))
}

/// The revision a deployment of `service` runs, with the images of its task definition.
pub fn capture_revision(
    st: &RegionState,
    service: &Service,
    d: &Deployment,
    now: f64,
) -> ServiceRevision {
    let td = crate::ecs::state::lookup::resolve_task_definition(st, &d.task_definition)
        .and_then(|k| st.task_definitions.get(&k));
    let container_images = td
        .map(|td| {
            td.container_definitions
                .iter()
                .map(|c| ContainerImage {
                    container_name: c.name.clone(),
                    image_digest: None,
                    image: c.image.clone(),
                })
                .collect()
        })
        .unwrap_or_default();
    ServiceRevision {
        service_revision_arn: revision_arn(&service.service_arn, &d.id),
        service_arn: service.service_arn.clone(),
        cluster_arn: service.cluster_arn.clone(),
        task_definition: d.task_definition.clone(),
        capacity_provider_strategy: d.capacity_provider_strategy.clone(),
        launch_type: d.launch_type,
        platform_version: d.platform_version.clone(),
        platform_family: d.platform_family.clone(),
        load_balancers: service.load_balancers.clone(),
        service_registries: service.service_registries.clone(),
        network_configuration: d.network_configuration.clone(),
        container_images,
        volume_configurations: d.volume_configurations.clone(),
        created_at: now,
    }
}

/// A revision's task counts as a deployment of the service shows them (zero once it is gone).
pub fn summary(service: &Service, revision_arn: &str) -> RevisionSummary {
    let id = deployment_of_revision(revision_arn);
    let d = service.deployments.iter().find(|d| d.id == id);
    RevisionSummary {
        arn: revision_arn.to_string(),
        requested_task_count: d.map_or(0, |d| d.desired_count),
        running_task_count: d.map_or(0, |d| d.running_count),
        pending_task_count: d.map_or(0, |d| d.pending_count),
    }
}
