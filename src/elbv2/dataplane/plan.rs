//! What a listener needs to serve a request, compiled by the controller from the region's state
//! every time a listener, rule, target group or target health changes. A listener holds its plan
//! behind a lock and swaps it whole, so a request never sees half an update and the proxy never
//! touches the service's state.

use super::meter::{GroupMeter, LbMeter};
use crate::core::balancing::TargetKey;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::AtomicUsize;
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListenerProtocol {
    /// HTTP/1.1, rules and actions (application load balancers).
    Http,
    /// Bytes spliced to one target per connection (network load balancers).
    Tcp,
}

/// One listener's routing: the rules by priority, the default rule last.
#[derive(Debug)]
pub struct ListenerPlan {
    pub protocol: ListenerProtocol,
    /// The listener's port as clients see it (`X-Forwarded-Port`).
    pub port: u16,
    /// Non-default rules ascending by priority, then the default rule (no conditions).
    pub rules: Vec<RulePlan>,
    /// The load balancer's `idle_timeout.timeout_seconds`.
    pub idle_timeout: Duration,
    /// Where the load balancer's own answers and flows are counted.
    pub meter: Arc<LbMeter>,
}

#[derive(Debug)]
pub struct RulePlan {
    /// All must match (an empty list always matches).
    pub conditions: Vec<Condition>,
    pub action: ActionPlan,
}

/// A rule condition as ELBv2 evaluates it: values of one condition are alternatives (OR).
/// Host and path patterns and header values take `*` (any run) and `?` (one character);
/// host, header names and values compare case-insensitively, paths and query strings
/// case-sensitively.
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    HostHeader(Vec<String>),
    PathPattern(Vec<String>),
    HttpHeader {
        name: String,
        values: Vec<String>,
    },
    HttpRequestMethod(Vec<String>),
    /// Key (None: any key) and value patterns.
    QueryString(Vec<(Option<String>, String)>),
    /// CIDR blocks matched against the client's address.
    SourceIp(Vec<(IpAddr, u8)>),
}

#[derive(Debug)]
pub enum ActionPlan {
    Forward(ForwardPlan),
    FixedResponse {
        status: u16,
        content_type: Option<String>,
        body: Option<String>,
    },
    /// Components hold `#{protocol}`, `#{host}`, `#{port}`, `#{path}`, `#{query}` as ELBv2's
    /// redirect action takes them; `status` is 301 or 302.
    Redirect {
        protocol: String,
        host: String,
        port: String,
        path: String,
        query: String,
        status: u16,
    },
}

#[derive(Debug)]
pub struct ForwardPlan {
    pub groups: Vec<WeightedGroup>,
    /// Group-level stickiness of a forward over several groups (`TargetGroupStickinessConfig`).
    pub group_stickiness: Option<Duration>,
}

#[derive(Debug)]
pub struct WeightedGroup {
    pub arn: String,
    pub weight: u32,
    pub group: Arc<GroupPlan>,
    /// Where this group's requests behind this load balancer are counted.
    pub meter: Arc<GroupMeter>,
}

/// A target group as the data plane sees it. Shared by every listener forwarding to it, so the
/// round robin is per group as on ELBv2.
#[derive(Debug, Default)]
pub struct GroupPlan {
    pub arn: String,
    pub targets: Vec<PlanTarget>,
    /// `stickiness.enabled` with `stickiness.type` lb_cookie: the cookie's lifetime.
    pub stickiness: Option<Duration>,
    /// The next target of the round robin.
    pub next: AtomicUsize,
}

/// A registered, non-draining target.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanTarget {
    pub key: TargetKey,
    /// Where its traffic goes; `None` for a simulated target (answered 502).
    pub addr: Option<SocketAddr>,
    /// Healthy targets take the traffic; when none is, all take it (fail open).
    pub healthy: bool,
    /// Its Availability Zone, when known (ECS's tasks, `AvailabilityZone` on registration):
    /// where its requests count by zone.
    pub zone: Option<Arc<str>>,
}
