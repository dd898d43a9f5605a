//! The stored resources of ELBv2: load balancers, target groups with their targets, listeners and
//! rules, with actions and conditions kept as the API takes them (they are rendered back as sent
//! and compiled into data-plane plans).

use super::remote::{ReachDef, TargetKeyDef, TargetStateDef, TargetTypeDef};
use crate::core::balancing::{Reach, TargetKey, TargetState, TargetType};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum LbType {
    Application,
    Network,
}

impl LbType {
    pub fn as_str(self) -> &'static str {
        match self {
            LbType::Application => "application",
            LbType::Network => "network",
        }
    }

    /// The ARN's kind segment (`loadbalancer/app/…`, `loadbalancer/net/…`).
    pub fn arn_kind(self) -> &'static str {
        match self {
            LbType::Application => "app",
            LbType::Network => "net",
        }
    }
}

/// `LoadBalancerStateEnum` with its reason.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum LbState {
    Provisioning,
    Active,
    Failed(String),
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Zone {
    pub zone_name: String,
    pub subnet_id: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LoadBalancer {
    pub arn: String,
    pub name: String,
    pub lb_type: LbType,
    pub scheme: String,
    pub ip_address_type: String,
    pub vpc_id: String,
    pub zones: Vec<Zone>,
    pub security_groups: Vec<String>,
    pub dns_name: String,
    pub created: f64,
    pub state: LbState,
    pub attributes: BTreeMap<String, String>,
}

/// A health check's settings (`HealthCheck*` members of a target group).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HealthCheck {
    pub enabled: bool,
    pub protocol: String,
    /// `traffic-port` or a port number.
    pub port: String,
    pub path: Option<String>,
    pub interval: u32,
    pub timeout: u32,
    pub healthy_threshold: u32,
    pub unhealthy_threshold: u32,
    /// `Matcher.HttpCode` (`200`, `200,202`, `200-299`); `None` for TCP.
    pub matcher: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Target {
    #[serde(with = "TargetKeyDef")]
    pub key: TargetKey,
    pub availability_zone: Option<String>,
    #[serde(with = "ReachDef")]
    pub reach: Reach,
    #[serde(with = "TargetStateDef")]
    pub state: TargetState,
    pub reason: Option<String>,
    pub description: Option<String>,
    /// Consecutive results of the same kind, toward a threshold. Not stored: they change with
    /// every probe (the record would be rewritten each time), and a restored target counts anew
    /// from its stored state.
    #[serde(skip)]
    pub passes: u32,
    #[serde(skip)]
    pub failures: u32,
    /// When the next probe is due (emulated seconds). Not stored: a restored target is probed
    /// at once, so its health reflects what answers now.
    #[serde(skip)]
    pub next_probe: f64,
    /// When a draining target is forgotten.
    pub drain_until: Option<f64>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TargetGroup {
    pub arn: String,
    pub name: String,
    #[serde(with = "TargetTypeDef")]
    pub target_type: TargetType,
    pub protocol: Option<String>,
    pub protocol_version: Option<String>,
    pub port: Option<u16>,
    pub vpc_id: Option<String>,
    pub ip_address_type: String,
    pub health: HealthCheck,
    pub attributes: BTreeMap<String, String>,
    #[serde(with = "super::remote::targets")]
    pub targets: BTreeMap<TargetKey, Target>,
}

impl TargetGroup {
    pub fn attribute_u32(&self, key: &str) -> u32 {
        self.attributes
            .get(key)
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    }
}

/// One target group of a forward action, with its weight.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Weighted {
    pub arn: String,
    pub weight: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ActionKind {
    Forward {
        /// Set when the request named a single `TargetGroupArn`.
        target_group_arn: Option<String>,
        groups: Vec<Weighted>,
        /// `TargetGroupStickinessConfig`: enabled and its duration.
        stickiness: Option<(bool, Option<u32>)>,
    },
    FixedResponse {
        status_code: String,
        content_type: Option<String>,
        message_body: Option<String>,
    },
    Redirect {
        protocol: Option<String>,
        port: Option<String>,
        host: Option<String>,
        path: Option<String>,
        query: Option<String>,
        status_code: String,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Action {
    pub kind: ActionKind,
    pub order: Option<u32>,
}

impl Action {
    pub fn type_name(&self) -> &'static str {
        match self.kind {
            ActionKind::Forward { .. } => "forward",
            ActionKind::FixedResponse { .. } => "fixed-response",
            ActionKind::Redirect { .. } => "redirect",
        }
    }

    /// The target groups it forwards to.
    pub fn target_groups(&self) -> Vec<&str> {
        match &self.kind {
            ActionKind::Forward { groups, .. } => groups.iter().map(|g| g.arn.as_str()).collect(),
            _ => Vec::new(),
        }
    }
}

/// A rule condition: `values` for host-header, path-pattern, http-request-method and
/// source-ip; `header_name` and `values` for http-header; `query` for query-string.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleCondition {
    pub field: String,
    pub values: Vec<String>,
    pub header_name: Option<String>,
    pub query: Vec<(Option<String>, String)>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Rule {
    pub arn: String,
    pub listener_arn: String,
    /// `None` for the default rule.
    pub priority: Option<u32>,
    pub conditions: Vec<RuleCondition>,
    pub actions: Vec<Action>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Listener {
    pub arn: String,
    pub load_balancer_arn: String,
    pub port: u16,
    pub protocol: String,
    pub default_actions: Vec<Action>,
    pub default_rule_arn: String,
    /// Why the port could not be bound, if it could not. Not stored: it is about this run's
    /// socket, found again when the listener is bound at restore.
    #[serde(skip)]
    pub bind_error: Option<String>,
}

/// Every target group some listener or rule of `lb` forwards to.
pub fn groups_of(
    lb_arn: &str,
    listeners: &BTreeMap<String, Listener>,
    rules: &BTreeMap<String, Rule>,
) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for l in listeners.values().filter(|l| l.load_balancer_arn == lb_arn) {
        for a in &l.default_actions {
            out.extend(a.target_groups().into_iter().map(str::to_string));
        }
        for r in rules.values().filter(|r| r.listener_arn == l.arn) {
            for a in &r.actions {
                out.extend(a.target_groups().into_iter().map(str::to_string));
            }
        }
    }
    out
}
