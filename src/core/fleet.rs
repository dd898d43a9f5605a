//! What the compute services tell each other, as plain data and two small read/act facades:
//! EC2 describes its instances and networks ([`InstanceFact`], [`Networks`], [`Instances`]);
//! Auto Scaling describes its groups ([`Groups`]). ECS reads them to validate and place; Auto
//! Scaling launches and terminates instances through [`Instances`]. Changes that another room
//! must act on travel as facts on the bus ([`crate::core::bus::Fact`]), never as calls into a
//! service's internals. Nothing here knows a service's API shapes.

use std::fmt;
use std::sync::Arc;

/// An EC2 instance state, in the order an instance lives through them
/// (<https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/ec2-instance-lifecycle.html>).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum InstancePhase {
    Pending,
    Running,
    Stopping,
    Stopped,
    ShuttingDown,
    Terminated,
}

impl InstancePhase {
    /// EC2's `instance-state-name` and its numeric code.
    pub fn name_and_code(self) -> (&'static str, u16) {
        match self {
            InstancePhase::Pending => ("pending", 0),
            InstancePhase::Running => ("running", 16),
            InstancePhase::ShuttingDown => ("shutting-down", 32),
            InstancePhase::Terminated => ("terminated", 48),
            InstancePhase::Stopping => ("stopping", 64),
            InstancePhase::Stopped => ("stopped", 80),
        }
    }
}

/// An instance as it is after a change: what ECS needs to register it as a container instance
/// (or disconnect or retire it), and what Auto Scaling needs to track its group's members.
#[derive(Debug, Clone, PartialEq)]
pub struct InstanceFact {
    pub account: String,
    pub region: String,
    pub instance_id: String,
    pub phase: InstancePhase,
    pub instance_type: String,
    pub vcpus: u32,
    pub memory_mib: u64,
    pub availability_zone: String,
    pub image_id: String,
    pub subnet_id: Option<String>,
    pub vpc_id: Option<String>,
    pub private_ip: Option<String>,
    /// The user data, base64-decoded (as text, lossily).
    pub user_data: Option<String>,
    pub tags: Vec<(String, String)>,
    /// The IAM instance profile ARN, if any.
    pub instance_profile: Option<String>,
    /// When it was launched, on the App's clock (seconds since the epoch).
    pub launched_at: f64,
}

impl InstanceFact {
    /// The value of tag `key`, if set.
    pub fn tag(&self, key: &str) -> Option<&str> {
        self.tags
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// A subnet as ECS's awsvpc validation and placement need it.
#[derive(Debug, Clone, PartialEq)]
pub struct SubnetInfo {
    pub subnet_id: String,
    pub vpc_id: String,
    pub availability_zone: String,
    pub cidr_block: String,
}

/// EC2's networks, read by other rooms (ECS validates `networkConfiguration` with them).
pub trait Networks: Send + Sync {
    fn subnet(&self, account: &str, region: &str, subnet_id: &str) -> Option<SubnetInfo>;
    /// The VPC of security group `group_id`, if it exists.
    fn security_group_vpc(&self, account: &str, region: &str, group_id: &str) -> Option<String>;
    /// The default VPC's default subnets, one per zone, in zone order.
    fn default_subnets(&self, _account: &str, _region: &str) -> Vec<SubnetInfo> {
        Vec::new()
    }
}

/// Which launch template, and which version of it (`$Latest`, `$Default` or a number).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TemplateRef {
    pub id: Option<String>,
    pub name: Option<String>,
    pub version: Option<String>,
}

/// What Auto Scaling asks EC2 to launch: `count` instances from a launch template.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LaunchRequest {
    pub account: String,
    pub region: String,
    pub template: TemplateRef,
    pub count: u32,
    /// Where to launch, spread in turn (empty: the default VPC's subnets).
    pub subnet_ids: Vec<String>,
    /// Tags for the instances, beyond the template's (e.g. `aws:autoscaling:groupName`).
    pub tags: Vec<(String, String)>,
}

/// EC2's instances, for the rooms that act on them (Auto Scaling) or read them (ECS).
pub trait Instances: Send + Sync {
    /// Launches instances as RunInstances would; their ids, or EC2's error message.
    fn launch(&self, req: &LaunchRequest) -> Result<Vec<String>, String>;
    /// Terminates instances as TerminateInstances would (unknown ids are ignored).
    fn terminate(&self, account: &str, region: &str, instance_ids: &[String]);
    /// One instance as it is now.
    fn instance(&self, account: &str, region: &str, instance_id: &str) -> Option<InstanceFact>;
    /// Whether the launch template exists (by id or name).
    fn template_exists(&self, account: &str, region: &str, template: &TemplateRef) -> bool;
}

/// An Auto Scaling group as ECS's capacity providers need it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct GroupInfo {
    pub arn: String,
    pub name: String,
    pub min_size: u32,
    pub max_size: u32,
    pub desired_capacity: u32,
    /// Member instances that are not terminating, with whether each is protected from scale-in.
    pub instances: Vec<(String, bool)>,
    pub new_instances_protected_from_scale_in: bool,
}

/// Auto Scaling's groups, read by ECS (a capacity provider names one by ARN).
pub trait Groups: Send + Sync {
    /// The group named by ARN or name, if it exists.
    fn group(&self, account: &str, region: &str, name_or_arn: &str) -> Option<GroupInfo>;
}

/// A facade that may not be wired (an App without that service answers as if it had nothing).
pub struct View<T: ?Sized>(Option<Arc<T>>);

impl<T: ?Sized> View<T> {
    pub fn new(inner: Arc<T>) -> Self {
        View(Some(inner))
    }

    pub fn get(&self) -> Option<&T> {
        self.0.as_deref()
    }
}

impl<T: ?Sized> Clone for View<T> {
    fn clone(&self) -> Self {
        View(self.0.clone())
    }
}

impl<T: ?Sized> Default for View<T> {
    fn default() -> Self {
        View(None)
    }
}

impl<T: ?Sized> fmt::Debug for View<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0.is_some() {
            "View(wired)"
        } else {
            "View(none)"
        })
    }
}

/// A facade handed in after its holder was built (two services that read each other), once.
pub struct Late<T: ?Sized>(Arc<std::sync::OnceLock<Arc<T>>>);

impl<T: ?Sized> Late<T> {
    /// Wires it; a second call is ignored (the first facade stays).
    pub fn set(&self, inner: Arc<T>) {
        let _ = self.0.set(inner);
    }

    pub fn get(&self) -> Option<&T> {
        self.0.get().map(|a| a.as_ref())
    }
}

impl<T: ?Sized> Clone for Late<T> {
    fn clone(&self) -> Self {
        Late(self.0.clone())
    }
}

impl<T: ?Sized> Default for Late<T> {
    fn default() -> Self {
        Late(Arc::new(std::sync::OnceLock::new()))
    }
}

impl<T: ?Sized> fmt::Debug for Late<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0.get().is_some() {
            "Late(wired)"
        } else {
            "Late(unset)"
        })
    }
}

/// The facades of the compute services, as a service that reads them holds them.
#[derive(Clone, Default, Debug)]
pub struct Fleet {
    pub networks: View<dyn Networks>,
    pub instances: View<dyn Instances>,
    pub groups: View<dyn Groups>,
    /// ELBv2's target groups (a service's `loadBalancers`).
    pub target_groups: View<dyn crate::core::balancing::TargetGroups>,
    /// CloudWatch Logs (the awslogs log driver).
    pub logs: View<dyn crate::core::logs::LogSink>,
    /// IAM's roles (a task's role must let ECS tasks assume it).
    pub roles: View<dyn crate::core::identity::Roles>,
    /// CloudWatch metrics (the AWS/ECS metrics of services).
    pub metrics: View<dyn crate::core::metrics::MetricSink>,
    /// ELBv2's load balancers as express gateway services make them.
    pub ingresses: View<dyn crate::core::balancing::Ingresses>,
    /// Application Auto Scaling (the scaling of express gateway services). Late: Application
    /// Auto Scaling reads ECS's services, so it is built after ECS and handed in then; unset,
    /// express services answer without scaling.
    pub scaling: Late<dyn crate::core::scaling::ScalingPolicies>,
}
