//! The service shapes of the ECS API (Service, Deployment, ServiceEvent, TaskSet) as serde
//! structs with the wire names, plus the scheduler's bookkeeping beside them (`#[serde(default, skip_serializing_if = "crate::core::persist::on_wire")]`).

use crate::core::ids::uuid;
use crate::ecs::state::status::{DeploymentStatus, RolloutState, ServiceStatus, TaskSetStatus};
use crate::ecs::state::status::{LaunchType, SchedulingStrategy};
use crate::ecs::state::types::{CapacityProviderStrategyItem, Json, Tag};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use serde_with::skip_serializing_none;
use std::collections::BTreeSet;

#[skip_serializing_none]
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CircuitBreaker {
    pub enable: bool,
    pub rollback: bool,
}

#[skip_serializing_none]
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct DeploymentConfiguration {
    pub deployment_circuit_breaker: Option<CircuitBreaker>,
    pub maximum_percent: Option<i32>,
    pub minimum_healthy_percent: Option<i32>,
    pub alarms: Json,
    pub strategy: Option<String>,
    pub bake_time_in_minutes: Option<i32>,
    pub lifecycle_hooks: Option<Vec<Value>>,
    pub linear_configuration: Json,
    pub canary_configuration: Json,
}

#[skip_serializing_none]
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ServiceEvent {
    pub id: String,
    pub created_at: f64,
    pub message: String,
}

#[skip_serializing_none]
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Deployment {
    pub id: String,
    pub status: DeploymentStatus,
    pub task_definition: String,
    pub desired_count: i32,
    pub pending_count: i32,
    pub running_count: i32,
    pub failed_tasks: i32,
    pub created_at: f64,
    pub updated_at: f64,
    pub capacity_provider_strategy: Option<Vec<CapacityProviderStrategyItem>>,
    pub launch_type: Option<LaunchType>,
    pub platform_version: Option<String>,
    pub platform_family: Option<String>,
    pub network_configuration: Json,
    pub rollout_state: Option<RolloutState>,
    pub rollout_state_reason: Option<String>,
    pub volume_configurations: Option<Vec<Value>>,
}

#[skip_serializing_none]
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Scale {
    pub value: Option<f64>,
    pub unit: Option<String>,
}

#[skip_serializing_none]
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct TaskSet {
    pub id: String,
    pub task_set_arn: String,
    pub service_arn: String,
    pub cluster_arn: String,
    pub started_by: Option<String>,
    pub external_id: Option<String>,
    pub status: TaskSetStatus,
    pub task_definition: String,
    pub computed_desired_count: i32,
    pub pending_count: i32,
    pub running_count: i32,
    pub created_at: f64,
    pub updated_at: f64,
    pub launch_type: Option<LaunchType>,
    pub capacity_provider_strategy: Option<Vec<CapacityProviderStrategyItem>>,
    pub platform_version: Option<String>,
    pub platform_family: Option<String>,
    pub network_configuration: Json,
    pub load_balancers: Vec<Value>,
    pub service_registries: Vec<Value>,
    pub scale: Option<Scale>,
    pub stability_status: Option<String>,
    pub stability_status_at: Option<f64>,
    pub tags: Vec<Tag>,
}

#[skip_serializing_none]
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Service {
    pub service_arn: String,
    pub service_name: String,
    pub cluster_arn: String,
    pub load_balancers: Vec<Value>,
    pub service_registries: Vec<Value>,
    pub status: ServiceStatus,
    pub desired_count: i32,
    pub running_count: i32,
    pub pending_count: i32,
    pub launch_type: Option<LaunchType>,
    pub capacity_provider_strategy: Option<Vec<CapacityProviderStrategyItem>>,
    pub platform_version: Option<String>,
    pub platform_family: Option<String>,
    pub task_definition: Option<String>,
    pub deployment_configuration: Option<DeploymentConfiguration>,
    pub task_sets: Option<Vec<TaskSet>>,
    pub deployments: Vec<Deployment>,
    pub role_arn: Option<String>,
    pub events: Vec<ServiceEvent>,
    pub created_at: f64,
    pub placement_constraints: Vec<Value>,
    pub placement_strategy: Vec<Value>,
    pub network_configuration: Json,
    pub health_check_grace_period_seconds: Option<i32>,
    pub scheduling_strategy: SchedulingStrategy,
    pub deployment_controller: Option<Value>,
    pub tags: Vec<Tag>,
    pub created_by: Option<String>,
    #[serde(rename = "enableECSManagedTags")]
    pub enable_ecs_managed_tags: bool,
    pub propagate_tags: Option<String>,
    pub enable_execute_command: bool,
    pub availability_zone_rebalancing: Option<String>,
    /// Stopped tasks the scheduler has already accounted for (failures, events).
    #[serde(default, skip_serializing_if = "crate::core::persist::on_wire")]
    pub seen_stopped: BTreeSet<String>,
    /// Whether the last reconcile found the service steady (events fire on the transition).
    #[serde(default, skip_serializing_if = "crate::core::persist::on_wire")]
    pub steady: bool,
    /// Whether the last reconcile could not place a task (the event fires on the transition).
    #[serde(default, skip_serializing_if = "crate::core::persist::on_wire")]
    pub unplaceable: bool,
    /// When the service became INACTIVE (for retention).
    #[serde(default, skip_serializing_if = "crate::core::persist::on_wire")]
    pub inactive_at: Option<f64>,
}

impl Service {
    pub fn controller_type(&self) -> &str {
        self.deployment_controller
            .as_ref()
            .and_then(|d| d.get("type"))
            .and_then(Value::as_str)
            .unwrap_or("ECS")
    }

    /// The group its tasks carry.
    pub fn group(&self) -> String {
        format!("service:{}", self.service_name)
    }
}

/// Adds an event (newest first, at most 100 kept, as ECS keeps them).
pub fn add_event(service: &mut Service, message: String, now: f64) {
    service.events.insert(
        0,
        ServiceEvent {
            id: uuid(),
            created_at: now,
            message,
        },
    );
    service.events.truncate(100);
}
