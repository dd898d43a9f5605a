//! The task shapes of the ECS API (Task, Container, overrides, attachments) as serde structs with
//! the wire names, plus the bookkeeping local-ecs keeps beside them (`#[serde(default, skip_serializing_if = "crate::core::persist::on_wire")]`).

use crate::ecs::state::status::{ContainerStatus, DesiredStatus, HealthStatus, TaskStatus};
use crate::ecs::state::status::{LaunchType, TaskStopCode};
use crate::ecs::state::types::{Json, KeyValuePair, Tag};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use serde_with::skip_serializing_none;

#[skip_serializing_none]
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ContainerOverride {
    pub name: Option<String>,
    pub command: Option<Vec<String>>,
    pub environment: Option<Vec<KeyValuePair>>,
    pub environment_files: Option<Vec<Value>>,
    pub cpu: Option<i32>,
    pub memory: Option<i32>,
    pub memory_reservation: Option<i32>,
    pub resource_requirements: Option<Vec<Value>>,
}

#[skip_serializing_none]
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct TaskOverride {
    #[serde(default)]
    pub container_overrides: Vec<ContainerOverride>,
    pub cpu: Option<String>,
    #[serde(default)]
    pub inference_accelerator_overrides: Vec<Value>,
    pub execution_role_arn: Option<String>,
    pub memory: Option<String>,
    pub task_role_arn: Option<String>,
    pub ephemeral_storage: Json,
}

#[skip_serializing_none]
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct NetworkBinding {
    #[serde(rename = "bindIP")]
    pub bind_ip: Option<String>,
    pub container_port: Option<i32>,
    pub host_port: Option<i32>,
    pub protocol: Option<String>,
}

#[skip_serializing_none]
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct NetworkInterface {
    pub attachment_id: Option<String>,
    pub private_ipv4_address: Option<String>,
}

#[skip_serializing_none]
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Attachment {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub status: String,
    pub details: Vec<KeyValuePair>,
}

#[skip_serializing_none]
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Container {
    pub container_arn: String,
    pub task_arn: String,
    pub name: String,
    pub image: String,
    pub image_digest: Option<String>,
    pub runtime_id: Option<String>,
    pub last_status: ContainerStatus,
    pub exit_code: Option<i64>,
    pub reason: Option<String>,
    pub network_bindings: Vec<NetworkBinding>,
    pub network_interfaces: Vec<NetworkInterface>,
    pub health_status: Option<HealthStatus>,
    pub managed_agents: Vec<Value>,
    pub cpu: Option<String>,
    pub memory: Option<String>,
    pub memory_reservation: Option<String>,
    /// Whether the task stops when this container stops (from the definition).
    #[serde(default, skip_serializing_if = "crate::core::persist::on_wire")]
    pub essential: bool,
    /// Whether the definition gives it a health check (its health counts for the task's).
    #[serde(default, skip_serializing_if = "crate::core::persist::on_wire")]
    pub has_health_check: bool,
}

#[skip_serializing_none]
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Task {
    pub attachments: Vec<Attachment>,
    pub attributes: Vec<Value>,
    pub availability_zone: Option<String>,
    pub capacity_provider_name: Option<String>,
    pub cluster_arn: String,
    pub connectivity: Option<String>,
    pub connectivity_at: Option<f64>,
    pub container_instance_arn: Option<String>,
    pub containers: Vec<Container>,
    pub cpu: Option<String>,
    pub created_at: f64,
    pub desired_status: DesiredStatus,
    pub enable_execute_command: bool,
    pub execution_stopped_at: Option<f64>,
    pub group: Option<String>,
    pub health_status: Option<HealthStatus>,
    pub inference_accelerators: Vec<Value>,
    pub last_status: TaskStatus,
    pub launch_type: Option<LaunchType>,
    pub memory: Option<String>,
    pub overrides: TaskOverride,
    pub platform_version: Option<String>,
    pub platform_family: Option<String>,
    pub pull_started_at: Option<f64>,
    pub pull_stopped_at: Option<f64>,
    pub started_at: Option<f64>,
    pub started_by: Option<String>,
    pub stop_code: Option<TaskStopCode>,
    pub stopped_at: Option<f64>,
    pub stopped_reason: Option<String>,
    pub stopping_at: Option<f64>,
    pub tags: Vec<Tag>,
    pub task_arn: String,
    pub task_definition_arn: String,
    pub version: i64,
    pub ephemeral_storage: Json,
    pub fargate_ephemeral_storage: Json,
    /// The awsvpc configuration the task was started with (shown through its ENI attachment).
    #[serde(default, skip_serializing_if = "crate::core::persist::on_wire")]
    pub awsvpc: Option<Value>,
    /// The service that started it, whose scheduler hears of its every change.
    #[serde(default, skip_serializing_if = "crate::core::persist::on_wire")]
    pub service_arn: Option<String>,
    /// The address its targets answer on from this machine (the awsvpc sandbox's IP, else its
    /// engine's host); `None` on the simulated runtime. Set when it reaches RUNNING.
    #[serde(default, skip_serializing_if = "crate::core::persist::on_wire")]
    pub reach_host: Option<std::net::IpAddr>,
    /// The ELBv2 targets its service registered for it, to deregister before it stops.
    #[serde(default, skip_serializing_if = "crate::core::persist::on_wire")]
    pub targets: Vec<RegisteredTarget>,
    /// Scale-in protection's end (emulated seconds), if UpdateTaskProtection set it.
    #[serde(default, skip_serializing_if = "crate::core::persist::on_wire")]
    pub protected_until: Option<f64>,
}

/// One target a task was registered as, in one target group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegisteredTarget {
    pub target_group_arn: String,
    pub spec: crate::core::balancing::TargetSpec,
}

impl Task {
    /// The task id: the last segment of its ARN.
    pub fn id(&self) -> &str {
        self.task_arn.rsplit('/').next().unwrap_or(&self.task_arn)
    }

    pub fn is_stopped(&self) -> bool {
        self.last_status == TaskStatus::Stopped
    }

    /// PROVISIONING, PENDING or ACTIVATING: what clusters count as pending.
    pub fn is_pending(&self) -> bool {
        self.last_status < TaskStatus::Running
    }

    /// The family of its task definition (from the ARN).
    pub fn family(&self) -> &str {
        let short = self.task_definition_arn.rsplit('/').next().unwrap_or("");
        short.rsplit_once(':').map_or(short, |(f, _)| f)
    }
}
