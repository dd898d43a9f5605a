//! What the elastic loop's rooms tell each other: CloudWatch alarms invoke Application Auto
//! Scaling policies ([`AlarmActionFact`]); Application Auto Scaling changes an ECS service's
//! desired count ([`ScaleServiceFact`]) and creates or deletes the alarms of target-tracking
//! policies through [`Alarms`]; it reads a service's counts through [`Services`]. Plain data and
//! two small facades, so no room imports another's state.

use serde_json::{Map, Value};

/// A metric alarm is in `state` and its actions for that state name Application Auto Scaling
/// policies. Published on the transition, and again once a minute (emulated) while the alarm
/// stays in the state, because CloudWatch keeps invoking scaling actions for as long as an alarm
/// remains in the state that names them.
#[derive(Debug, Clone, PartialEq)]
pub struct AlarmActionFact {
    pub account: String,
    pub region: String,
    pub alarm_name: String,
    pub alarm_arn: String,
    /// `ALARM`, `OK` or `INSUFFICIENT_DATA`.
    pub state: String,
    /// The actions of the alarm for that state that are Application Auto Scaling policy ARNs
    /// (`arn:aws:autoscaling:…:scalingPolicy:…:resource/…`).
    pub policy_arns: Vec<String>,
    /// The alarm's threshold (step adjustments are bounded relative to it).
    pub threshold: f64,
    /// The most recent evaluated datapoint, if any (what step scaling and target tracking act on).
    pub value: Option<f64>,
    /// When the alarm was evaluated (epoch seconds, house clock).
    pub timestamp: f64,
}

/// Application Auto Scaling sets the desired count of an ECS service (ECS applies it as
/// UpdateService would, and its scheduler starts or stops real tasks).
#[derive(Debug, Clone, PartialEq)]
pub struct ScaleServiceFact {
    pub account: String,
    pub region: String,
    /// The cluster's name (from the resource id `service/<cluster>/<service>`).
    pub cluster: String,
    /// The service's name.
    pub service: String,
    pub desired_count: u32,
}

/// An ECS service's counts as Application Auto Scaling needs them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServiceCounts {
    pub desired: u32,
    pub running: u32,
    pub pending: u32,
}

/// ECS's services, read by Application Auto Scaling (a scalable target must name a service that
/// exists, and a policy scales from the current desired count).
pub trait Services: Send + Sync {
    /// The counts of service `service` in cluster `cluster` (names), if it exists and is ACTIVE.
    fn counts(
        &self,
        account: &str,
        region: &str,
        cluster: &str,
        service: &str,
    ) -> Option<ServiceCounts>;
}

/// CloudWatch's metric alarms, written by Application Auto Scaling (target tracking creates and
/// deletes its AlarmHigh and AlarmLow alarms itself, as AWS does).
pub trait Alarms: Send + Sync {
    /// Creates or replaces a metric alarm from a PutMetricAlarm input (the same members); its
    /// ARN, or CloudWatch's error message.
    fn put_metric_alarm(
        &self,
        account: &str,
        region: &str,
        input: Map<String, Value>,
    ) -> Result<String, String>;
    /// Deletes the named alarms (unknown names are ignored).
    fn delete_alarms(&self, account: &str, region: &str, names: &[String]);
}

/// Application Auto Scaling as ECS's express gateway services use it: one call registers a
/// service as a scalable target and gives it a target-tracking policy (ECS creates the scaling of
/// an express service itself, as AWS does), another removes both.
pub trait ScalingPolicies: Send + Sync {
    /// Registers `resource_id` (`service/<cluster>/<service>`, dimension
    /// `ecs:service:DesiredCount`) with these bounds, or updates them.
    fn register_service(
        &self,
        account: &str,
        region: &str,
        resource_id: &str,
        min: u32,
        max: u32,
    ) -> Result<(), String>;
    /// Creates or replaces a target-tracking policy on a predefined metric
    /// (`ECSServiceAverageCPUUtilization`, `ECSServiceAverageMemoryUtilization` or
    /// `ALBRequestCountPerTarget` with its `resource_label`); the policy's ARN.
    #[allow(clippy::too_many_arguments)]
    fn put_target_tracking(
        &self,
        account: &str,
        region: &str,
        resource_id: &str,
        policy_name: &str,
        predefined_metric: &str,
        resource_label: Option<&str>,
        target: f64,
    ) -> Result<String, String>;
    /// Deregisters the target and deletes its policies and their alarms (unknown: no-op).
    fn deregister_service(&self, account: &str, region: &str, resource_id: &str);
}
