//! Managed daemons as ECS stores them: daemon task definitions, daemons, their revisions and
//! deployments, as serde structs with the API's wire names, plus the bookkeeping local-ecs keeps
//! beside them (`#[serde(default, skip_serializing_if = "crate::core::persist::on_wire")]`) and the tables they live in.
//! <https://docs.aws.amazon.com/AmazonECS/latest/developerguide/managed-daemons.html>
//!
//! Counts that AWS shows (running tasks per capacity provider, running and draining instances
//! of a deployment's revisions) are not stored: the handlers derive them from the tasks when
//! they answer.

use crate::ecs::state::records::ContainerImage;
use crate::ecs::state::types::{ContainerDefinition, Tag};
use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;

/// A daemon's `status` (the model's `DaemonStatus`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DaemonStatus {
    #[default]
    Active,
    DeleteInProgress,
}

/// A daemon task definition's `status`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DaemonTaskDefinitionStatus {
    #[default]
    Active,
    DeleteInProgress,
    Deleted,
}

/// A daemon deployment's `status`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DaemonDeploymentStatus {
    #[default]
    Pending,
    Successful,
    Stopped,
    StopRequested,
    InProgress,
    RollbackInProgress,
    RollbackSuccessful,
    RollbackFailed,
}

impl DaemonDeploymentStatus {
    /// Whether the deployment is still moving (not finished one way or another).
    pub fn is_live(self) -> bool {
        matches!(
            self,
            Self::Pending | Self::InProgress | Self::RollbackInProgress | Self::StopRequested
        )
    }

    pub fn parse(s: &str) -> Option<Self> {
        serde_json::from_value(serde_json::Value::String(s.to_string())).ok()
    }
}

/// The status of a deployment's circuit breaker or alarms check.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum MonitorStatus {
    Triggered,
    Monitoring,
    MonitoringComplete,
    #[default]
    Disabled,
}

/// `propagateTags` of a daemon.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DaemonPropagateTags {
    Daemon,
    None,
}

#[skip_serializing_none]
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct HostVolume {
    pub source_path: Option<String>,
}

/// A daemon volume: a bind mount of the host (the only kind daemons support).
#[skip_serializing_none]
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct DaemonVolume {
    pub name: Option<String>,
    pub host: Option<HostVolume>,
}

#[skip_serializing_none]
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DaemonTaskDefinition {
    pub daemon_task_definition_arn: String,
    pub family: String,
    pub revision: u32,
    pub task_role_arn: Option<String>,
    pub execution_role_arn: Option<String>,
    /// Only the members of the model's `DaemonContainerDefinition` are kept.
    pub container_definitions: Vec<ContainerDefinition>,
    pub volumes: Vec<DaemonVolume>,
    pub cpu: Option<String>,
    pub memory: Option<String>,
    pub status: DaemonTaskDefinitionStatus,
    pub registered_at: f64,
    pub delete_requested_at: Option<f64>,
    pub registered_by: Option<String>,
    pub pid_mode: Option<String>,
    pub ipc_mode: Option<String>,
    #[serde(default, skip_serializing_if = "crate::core::persist::on_wire")]
    pub tags: Vec<Tag>,
}

#[skip_serializing_none]
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct DaemonAlarmConfiguration {
    pub alarm_names: Option<Vec<String>>,
    pub enable: Option<bool>,
}

#[skip_serializing_none]
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct DaemonDeploymentConfiguration {
    pub drain_percent: Option<f64>,
    pub alarms: Option<DaemonAlarmConfiguration>,
    pub bake_time_in_minutes: Option<i32>,
}

/// Running tasks of one revision on one capacity provider (`DaemonCapacityProvider`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct DaemonCapacityProvider {
    pub arn: String,
    pub running_count: i32,
}

/// A revision with its running tasks (`DaemonRevisionDetail`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct DaemonRevisionDetail {
    pub arn: String,
    pub capacity_providers: Vec<DaemonCapacityProvider>,
    pub total_running_count: i32,
}

/// A daemon: `DaemonDetail` on the wire, with what it was asked to run beside it.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Daemon {
    pub daemon_arn: String,
    pub cluster_arn: String,
    pub status: DaemonStatus,
    /// Filled when described.
    pub current_revisions: Vec<DaemonRevisionDetail>,
    pub deployment_arn: Option<String>,
    pub created_at: f64,
    pub updated_at: f64,
    #[serde(default, skip_serializing_if = "crate::core::persist::on_wire")]
    pub name: String,
    /// The revision every instance should run (the rollback target while rolling back).
    #[serde(default, skip_serializing_if = "crate::core::persist::on_wire")]
    pub target_revision: String,
    /// The last revision a deployment completed with: where a failed deployment rolls back to.
    #[serde(default, skip_serializing_if = "crate::core::persist::on_wire")]
    pub last_good_revision: Option<String>,
    /// A deployment failed with nothing to roll back to: start no more tasks until an update.
    #[serde(default, skip_serializing_if = "crate::core::persist::on_wire")]
    pub halted: bool,
    #[serde(default, skip_serializing_if = "crate::core::persist::on_wire")]
    pub deployment_configuration: DaemonDeploymentConfiguration,
    #[serde(default, skip_serializing_if = "crate::core::persist::on_wire")]
    pub client_token: Option<String>,
    #[serde(default, skip_serializing_if = "crate::core::persist::on_wire")]
    pub tags: Vec<Tag>,
}

/// A snapshot of a daemon's configuration at a deployment (`DaemonRevision`); immutable.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DaemonRevision {
    pub daemon_revision_arn: String,
    pub cluster_arn: String,
    pub daemon_arn: String,
    pub daemon_task_definition_arn: String,
    pub created_at: f64,
    pub container_images: Vec<ContainerImage>,
    pub propagate_tags: Option<DaemonPropagateTags>,
    #[serde(rename = "enableECSManagedTags")]
    pub enable_ecs_managed_tags: bool,
    pub enable_execute_command: bool,
    /// The capacity providers whose instances run it (ARNs).
    #[serde(default, skip_serializing_if = "crate::core::persist::on_wire")]
    pub capacity_provider_arns: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct DeploymentCapacityProvider {
    pub arn: String,
    pub running_instance_count: i32,
    pub draining_instance_count: i32,
}

/// A revision in a deployment, with its instances (`DaemonDeploymentRevisionDetail`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct DeploymentRevisionDetail {
    pub arn: String,
    pub capacity_providers: Vec<DeploymentCapacityProvider>,
    pub total_running_instance_count: i32,
    pub total_draining_instance_count: i32,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct DaemonCircuitBreaker {
    pub failure_count: i32,
    pub status: MonitorStatus,
    pub threshold: i32,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct DaemonDeploymentAlarms {
    pub status: MonitorStatus,
    pub alarm_names: Vec<String>,
    pub triggered_alarm_names: Vec<String>,
}

#[skip_serializing_none]
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct DaemonRollback {
    pub reason: Option<String>,
    pub started_at: Option<f64>,
    pub rollback_target_daemon_revision_arn: Option<String>,
    pub rollback_capacity_providers: Vec<String>,
}

/// A daemon deployment (`DaemonDeployment`); its revision details are filled when described.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DaemonDeployment {
    pub daemon_deployment_arn: String,
    pub cluster_arn: String,
    pub status: DaemonDeploymentStatus,
    pub status_reason: Option<String>,
    pub target_daemon_revision: Option<DeploymentRevisionDetail>,
    pub source_daemon_revisions: Vec<DeploymentRevisionDetail>,
    pub circuit_breaker: DaemonCircuitBreaker,
    pub alarms: DaemonDeploymentAlarms,
    pub rollback: Option<DaemonRollback>,
    pub deployment_configuration: DaemonDeploymentConfiguration,
    pub created_at: f64,
    pub started_at: Option<f64>,
    pub stopped_at: Option<f64>,
    pub finished_at: Option<f64>,
    #[serde(default, skip_serializing_if = "crate::core::persist::on_wire")]
    pub daemon_arn: String,
    /// The revision it deploys; none for the deployment that deletes the daemon.
    #[serde(default, skip_serializing_if = "crate::core::persist::on_wire")]
    pub target_revision: Option<String>,
    #[serde(default, skip_serializing_if = "crate::core::persist::on_wire")]
    pub source_revisions: Vec<String>,
    /// When every instance first ran the target: the bake time counts from here.
    #[serde(default, skip_serializing_if = "crate::core::persist::on_wire")]
    pub updated_all_at: Option<f64>,
    /// Instances where the target's task could not be placed (counted once each).
    #[serde(default, skip_serializing_if = "crate::core::persist::on_wire")]
    pub unplaceable: std::collections::BTreeSet<String>,
}

/// What local-ecs knows of a daemon task beside the task itself.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DaemonTaskLink {
    pub daemon_arn: String,
    pub revision_arn: String,
    /// Its stop has been accounted for (circuit breaker).
    pub seen_stopped: bool,
}

/// Every daemon resource of one account and region.
#[derive(Debug, Default)]
pub struct DaemonTables {
    /// By (family, revision).
    pub task_definitions: crate::core::persist::Tracked<(String, u32), DaemonTaskDefinition>,
    /// The last revision handed out per family; never reused.
    pub last_revision: crate::core::persist::Tracked<String, u32>,
    /// By ARN; a daemon leaves once its deletion has stopped its tasks.
    pub daemons: crate::core::persist::Tracked<String, Daemon>,
    pub revisions: crate::core::persist::Tracked<String, DaemonRevision>,
    pub deployments: crate::core::persist::Tracked<String, DaemonDeployment>,
    /// Daemon tasks by task ARN.
    pub tasks: crate::core::persist::Tracked<String, DaemonTaskLink>,
    /// Daemons to reconcile once the region's lock is released.
    pub outbox: Vec<String>,
}

impl DaemonTables {
    /// Queues one daemon for the daemon scheduler.
    pub fn wake(&mut self, daemon_arn: &str) {
        if !self.outbox.iter().any(|a| a == daemon_arn) {
            self.outbox.push(daemon_arn.to_string());
        }
    }

    /// Queues every daemon of a cluster (its container instances changed).
    pub fn wake_cluster(&mut self, cluster_arn: &str) {
        let arns: Vec<String> = self
            .daemons
            .values()
            .filter(|d| d.cluster_arn == cluster_arn)
            .map(|d| d.daemon_arn.clone())
            .collect();
        for arn in arns {
            self.wake(&arn);
        }
    }
}
