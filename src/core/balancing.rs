//! What ECS and ELBv2 share about load balancing: the facts that cross between them and the read
//! facade ECS uses to validate a service's `loadBalancers` and to read its targets' health.
//!
//! The flows (both on the App's bus):
//! - ECS → ELBv2: [`TargetsFact`] with [`TargetChange::Register`] when a service's task reaches
//!   RUNNING, [`TargetChange::Deregister`] when it is about to stop. ECS says where the target
//!   really answers ([`Reach`]), since only it knows the task's engine and network mode.
//! - ELBv2 → ECS: [`TargetHealthFact`] when a target's state changes (healthy, unhealthy,
//!   draining finished…), so the service scheduler reacts without polling.
//!
//! ECS reads the rest through [`TargetGroups`] (level-triggered: a missed fact costs nothing).

use std::net::SocketAddr;

/// A target as ELBv2 keys it: an instance id or IP address, and a port.
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct TargetKey {
    pub id: String,
    pub port: u16,
}

/// Where a target's traffic and health checks really go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Reach {
    /// A socket that answers from this machine (a container's IP on its Docker network, or a
    /// published host port on the engine's host).
    Address(SocketAddr),
    /// A task of the simulated runtime: nothing listens, so health checks pass without a probe
    /// and the listener answers 502 for it.
    Simulated,
    /// Unknown to the registrant: ELBv2 resolves it (an IP target's own address, an instance's
    /// engine host), as for targets registered through the API.
    Resolve,
}

/// One target ECS registers or deregisters.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TargetSpec {
    pub key: TargetKey,
    pub availability_zone: Option<String>,
    pub reach: Reach,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetChange {
    Register,
    Deregister,
}

/// ECS's registration or deregistration of one service task's targets in one target group.
#[derive(Debug, Clone, PartialEq)]
pub struct TargetsFact {
    pub account: String,
    pub region: String,
    pub target_group_arn: String,
    pub change: TargetChange,
    pub targets: Vec<TargetSpec>,
}

/// ELBv2's target states (`TargetHealthStateEnum`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TargetState {
    Initial,
    Healthy,
    Unhealthy,
    Unused,
    Draining,
    Unavailable,
}

impl TargetState {
    pub fn as_str(self) -> &'static str {
        match self {
            TargetState::Initial => "initial",
            TargetState::Healthy => "healthy",
            TargetState::Unhealthy => "unhealthy",
            TargetState::Unused => "unused",
            TargetState::Draining => "draining",
            TargetState::Unavailable => "unavailable",
        }
    }
}

/// A target's health as DescribeTargetHealth reports it.
#[derive(Debug, Clone, PartialEq)]
pub struct TargetHealth {
    pub state: TargetState,
    /// `Elb.InitialHealthChecking`, `Target.ResponseCodeMismatch`…
    pub reason: Option<String>,
    pub description: Option<String>,
}

/// ELBv2's word that a target's state changed.
#[derive(Debug, Clone, PartialEq)]
pub struct TargetHealthFact {
    pub account: String,
    pub region: String,
    pub target_group_arn: String,
    pub target: TargetKey,
    pub health: TargetHealth,
}

/// `TargetTypeEnum`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetType {
    Instance,
    Ip,
    Lambda,
    Alb,
}

/// What ECS needs to know of a target group.
#[derive(Debug, Clone, PartialEq)]
pub struct TargetGroupInfo {
    pub arn: String,
    pub name: String,
    pub target_type: TargetType,
    pub protocol: Option<String>,
    pub port: Option<u16>,
    pub vpc_id: Option<String>,
    /// The load balancers whose listeners or rules forward to it (empty: not attached).
    pub load_balancer_arns: Vec<String>,
    /// `deregistration_delay.timeout_seconds`.
    pub deregistration_delay_seconds: u32,
}

/// ELBv2's target groups as ECS reads them.
pub trait TargetGroups: Send + Sync {
    /// A target group by ARN.
    fn target_group(&self, account: &str, region: &str, arn: &str) -> Option<TargetGroupInfo>;
    /// A registered target's health; `None` when the group or the target is unknown (a
    /// deregistered target is gone once its draining ends).
    fn target_health(
        &self,
        account: &str,
        region: &str,
        arn: &str,
        target: &TargetKey,
    ) -> Option<TargetHealth>;
}

/// What ECS asks of ELBv2 for an express gateway service: an internet-facing application load
/// balancer (shared by the region's express services, as ECS shares them), a target group for
/// the service's container port with its health check path, and a host-header rule to it.
#[derive(Debug, Clone, PartialEq)]
pub struct IngressSpec {
    pub account: String,
    pub region: String,
    /// The express service's name (names the target group and the host).
    pub service_name: String,
    /// Where the load balancer lives (empty: the default VPC's default subnets).
    pub subnets: Vec<String>,
    pub security_groups: Vec<String>,
    pub container_port: u16,
    pub health_check_path: String,
}

/// What ELBv2 made for one express service.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Ingress {
    pub load_balancer_arn: String,
    pub listener_arn: String,
    pub target_group_arn: String,
    pub rule_arn: String,
    /// The host the rule matches (`<service>-<id>.ecs.<region>.localhost`).
    pub host: String,
    /// Where clients reach it: `http://<host>:<listener port>`.
    pub endpoint: String,
    /// The subnets of the load balancer (the service's tasks go there too).
    pub subnets: Vec<String>,
}

/// ELBv2 as ECS's express gateway services build on it.
pub trait Ingresses: Send + Sync {
    /// Makes (or reuses) the shared load balancer and its listener, and a target group and rule
    /// for this service; ELBv2's error message on failure (nothing is left behind).
    fn create_ingress(&self, spec: &IngressSpec) -> Result<Ingress, String>;
    /// Points the group's health check at `path`.
    fn set_health_check_path(&self, account: &str, region: &str, tg_arn: &str, path: &str);
    /// Deletes the rule and target group; the load balancer too once no rule is left on it.
    fn delete_ingress(&self, account: &str, region: &str, ingress: &Ingress);
}
