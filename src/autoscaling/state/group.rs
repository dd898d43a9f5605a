//! The stored shapes: a group, its members and its scaling activities, with the wire members
//! AWS shows (`AutoScalingGroup`, `Instance`, `Activity` in the service model) and, beside them,
//! what the controller needs to remember.

use crate::core::fleet::TemplateRef;
use serde::{Deserialize, Serialize};

/// The launch template a group launches from, as the request named it.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct TemplateSpec {
    pub id: Option<String>,
    pub name: Option<String>,
    /// `$Default` when the request left it out, as AWS shows it.
    pub version: String,
}

impl TemplateSpec {
    pub fn as_ref(&self) -> TemplateRef {
        TemplateRef {
            id: self.id.clone(),
            name: self.name.clone(),
            version: Some(self.version.clone()),
        }
    }
}

/// How the group names its launch template (AWS echoes the form it was given).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum LaunchSource {
    LaunchTemplate(TemplateSpec),
    /// `MixedInstancesPolicy.LaunchTemplate.LaunchTemplateSpecification` (overrides and the
    /// instances distribution are not kept: every instance comes from the template as is).
    Mixed(TemplateSpec),
}

impl LaunchSource {
    pub fn template(&self) -> &TemplateSpec {
        match self {
            LaunchSource::LaunchTemplate(t) | LaunchSource::Mixed(t) => t,
        }
    }
}

/// A group tag (`TagDescription`): the resource is always the group itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupTag {
    pub key: String,
    pub value: String,
    pub propagate_at_launch: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Lifecycle {
    Pending,
    InService,
    Terminating,
}

impl Lifecycle {
    pub fn as_str(self) -> &'static str {
        match self {
            Lifecycle::Pending => "Pending",
            Lifecycle::InService => "InService",
            Lifecycle::Terminating => "Terminating",
        }
    }
}

/// A member instance (`Instance` in the model).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Member {
    pub instance_id: String,
    pub instance_type: Option<String>,
    pub availability_zone: String,
    pub lifecycle: Lifecycle,
    pub healthy: bool,
    pub protected_from_scale_in: bool,
    pub template: TemplateSpec,
    /// When it was launched (the scale-in order is oldest first).
    pub launched_at: f64,
    /// The activity that launches or terminates it, completed when the instance gets there.
    pub activity_id: Option<String>,
    /// Whether EC2 was asked to terminate it (a Terminating member not yet asked will be).
    pub terminate_sent: bool,
}

impl Member {
    /// Counts toward the group's capacity: not on its way out.
    pub fn is_active(&self) -> bool {
        self.lifecycle != Lifecycle::Terminating && self.healthy
    }
}

/// An Auto Scaling group (`AutoScalingGroup` in the model), and its controller's notes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Group {
    pub name: String,
    pub arn: String,
    pub source: LaunchSource,
    pub min_size: u32,
    pub max_size: u32,
    pub desired_capacity: u32,
    pub default_cooldown: i64,
    pub availability_zones: Vec<String>,
    /// The subnets of `VPCZoneIdentifier`, in the order given.
    pub subnets: Vec<String>,
    /// Each subnet's zone where EC2 knows it (the subnet id itself where it does not).
    pub subnet_zones: Vec<String>,
    pub health_check_type: String,
    pub health_check_grace_period: i64,
    pub created_time: f64,
    /// `Delete in progress` once a delete was accepted.
    pub status: Option<String>,
    pub tags: Vec<GroupTag>,
    pub termination_policies: Vec<String>,
    pub new_instances_protected_from_scale_in: bool,
    pub capacity_rebalance: bool,
    pub max_instance_lifetime: Option<i64>,
    pub default_instance_warmup: Option<i64>,
    pub desired_capacity_type: Option<String>,
    pub context: Option<String>,
    pub placement_group: Option<String>,
    pub service_linked_role_arn: String,
    pub target_group_arns: Vec<String>,
    pub load_balancer_names: Vec<String>,
    pub members: Vec<Member>,
    /// The last change of desired capacity, as the first sentence of an activity's cause.
    pub cause: String,
    /// Launch failures in a row, and when the controller may try again.
    pub launch_failures: u32,
    pub retry_at: f64,
}

impl Group {
    pub fn deleting(&self) -> bool {
        self.status.is_some()
    }

    pub fn member_mut(&mut self, instance_id: &str) -> Option<&mut Member> {
        self.members
            .iter_mut()
            .find(|m| m.instance_id == instance_id)
    }

    /// Members counting toward capacity.
    pub fn active_count(&self) -> u32 {
        self.members.iter().filter(|m| m.is_active()).count() as u32
    }

    /// The tags launched instances carry: those marked PropagateAtLaunch, and the group's name.
    pub fn launch_tags(&self) -> Vec<(String, String)> {
        let mut tags: Vec<(String, String)> = self
            .tags
            .iter()
            .filter(|t| t.propagate_at_launch)
            .map(|t| (t.key.clone(), t.value.clone()))
            .collect();
        tags.push(("aws:autoscaling:groupName".into(), self.name.clone()));
        tags
    }
}

impl Group {
    /// Takes `member` out of service for termination, recording the activity; the controller
    /// then asks EC2 to terminate it.
    pub fn take_out(&mut self, instance_id: &str, cause: String, now: f64) -> Option<Activity> {
        let activity = Activity::start(
            self,
            format!("Terminating EC2 instance: {instance_id}"),
            cause,
            now,
        );
        let member = self.member_mut(instance_id)?;
        member.lifecycle = Lifecycle::Terminating;
        member.activity_id = Some(activity.activity_id.clone());
        Some(activity)
    }
}

/// A scaling activity (`Activity` in the model).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Activity {
    pub activity_id: String,
    pub group_name: String,
    pub group_arn: String,
    pub description: String,
    pub cause: String,
    pub start_time: f64,
    pub end_time: Option<f64>,
    pub status_code: String,
    pub status_message: Option<String>,
    pub progress: u32,
    pub details: String,
    /// Its place in the region's record (set when recorded): the order of the answers.
    pub seq: u64,
}

impl Activity {
    /// An activity of `group` starting now, in progress.
    pub fn start(group: &Group, description: String, cause: String, now: f64) -> Activity {
        Activity {
            activity_id: crate::core::ids::uuid(),
            group_name: group.name.clone(),
            group_arn: group.arn.clone(),
            description,
            cause,
            start_time: now,
            end_time: None,
            status_code: "InProgress".into(),
            status_message: None,
            progress: 0,
            details: String::from("{}"),
            seq: 0,
        }
    }
}

/// An activity cause's time: ISO 8601 to the second, as AWS writes it in causes.
pub fn cause_time(now: f64) -> String {
    let mut t = crate::autoscaling::render::timestamp(now);
    t.replace_range(19..23, "");
    t
}
