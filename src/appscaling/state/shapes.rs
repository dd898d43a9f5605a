//! The stored shapes, as Application Auto Scaling answers them (the wire names): describe clones
//! and returns them, and the state dir stores them. Bookkeeping the API does not show is left out
//! of answers and kept in stored records ([`on_wire`]).

use crate::core::persist::on_wire;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use serde_with::skip_serializing_none;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct SuspendedState {
    pub dynamic_scaling_in_suspended: bool,
    pub dynamic_scaling_out_suspended: bool,
    pub scheduled_scaling_suspended: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ScalableTarget {
    pub service_namespace: String,
    pub resource_id: String,
    pub scalable_dimension: String,
    pub min_capacity: i64,
    pub max_capacity: i64,
    #[serde(rename = "RoleARN")]
    pub role_arn: String,
    pub creation_time: f64,
    pub suspended_state: SuspendedState,
    #[serde(rename = "ScalableTargetARN")]
    pub scalable_target_arn: String,
    #[serde(default, skip_serializing_if = "on_wire")]
    pub tags: BTreeMap<String, String>,
    /// When the last dynamic scale-out and scale-in took effect (cooldowns run from them).
    #[serde(default, skip_serializing_if = "on_wire")]
    pub last_scale_out: Option<f64>,
    #[serde(default, skip_serializing_if = "on_wire")]
    pub last_scale_in: Option<f64>,
    /// The capacity before the scale-out that started the scale-out cooldown: a scale-out
    /// asked for within the cooldown is computed from it.
    #[serde(default, skip_serializing_if = "on_wire")]
    pub scale_out_base: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Alarm {
    pub alarm_name: String,
    #[serde(rename = "AlarmARN")]
    pub alarm_arn: String,
}

/// A policy; its configurations are kept as the caller sent them (AWS echoes them back).
#[skip_serializing_none]
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ScalingPolicy {
    #[serde(rename = "PolicyARN")]
    pub policy_arn: String,
    pub policy_name: String,
    pub service_namespace: String,
    pub resource_id: String,
    pub scalable_dimension: String,
    pub policy_type: String,
    pub step_scaling_policy_configuration: Option<Value>,
    pub target_tracking_scaling_policy_configuration: Option<Value>,
    pub predictive_scaling_policy_configuration: Option<Value>,
    pub alarms: Vec<Alarm>,
    pub creation_time: f64,
}

#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ScalableTargetAction {
    pub min_capacity: Option<i64>,
    pub max_capacity: Option<i64>,
}

#[skip_serializing_none]
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ScheduledAction {
    pub scheduled_action_name: String,
    #[serde(rename = "ScheduledActionARN")]
    pub scheduled_action_arn: String,
    pub service_namespace: String,
    pub schedule: String,
    pub timezone: Option<String>,
    pub resource_id: String,
    pub scalable_dimension: String,
    pub start_time: Option<f64>,
    pub end_time: Option<f64>,
    pub scalable_target_action: Option<ScalableTargetAction>,
    pub creation_time: f64,
    /// When it fires next (emulated epoch seconds), `None` once it never will.
    #[serde(default, skip_serializing_if = "on_wire")]
    pub next_fire: Option<f64>,
}

#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct NotScaledReason {
    pub code: String,
    pub max_capacity: Option<i64>,
    pub min_capacity: Option<i64>,
    pub current_capacity: Option<i64>,
}

#[skip_serializing_none]
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ScalingActivity {
    pub activity_id: String,
    pub service_namespace: String,
    pub resource_id: String,
    pub scalable_dimension: String,
    pub description: String,
    pub cause: String,
    pub start_time: f64,
    pub end_time: Option<f64>,
    pub status_code: String,
    pub status_message: Option<String>,
    pub details: Option<String>,
    pub not_scaled_reasons: Option<Vec<NotScaledReason>>,
}

impl ScalingActivity {
    /// A not-scaled activity is shown only with IncludeNotScaledActivities.
    pub fn is_not_scaled(&self) -> bool {
        self.not_scaled_reasons.is_some()
    }
}
