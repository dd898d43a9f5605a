//! Compiling a listener's data-plane plan from the region's state: its rules in order with the
//! default last, each forward's target groups with their routable targets and stickiness.

use super::dataplane::meter::{LbMeter, Meters};
use super::dataplane::plan::{
    ActionPlan, Condition, ForwardPlan, GroupPlan, ListenerPlan, ListenerProtocol, PlanTarget,
    RulePlan, WeightedGroup,
};
use super::state::model::{Action, ActionKind, Listener, RuleCondition, TargetGroup};
use super::state::RegionState;
use crate::core::balancing::{Reach, TargetState, TargetType};
use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// The group plans of the last compilation, reused while unchanged so that a group's round
/// robin carries on across recompilations.
#[derive(Default)]
pub struct GroupCache(HashMap<String, Arc<GroupPlan>>);

impl GroupCache {
    fn get(&mut self, tg: &TargetGroup) -> Arc<GroupPlan> {
        let targets = routable(tg);
        let stickiness = sticky(tg);
        if let Some(old) = self.0.get(&tg.arn) {
            if old.targets == targets && old.stickiness == stickiness {
                return old.clone();
            }
        }
        let next = self
            .0
            .get(&tg.arn)
            .map_or(0, |g| g.next.load(Ordering::Relaxed));
        let plan = Arc::new(GroupPlan {
            arn: tg.arn.clone(),
            targets,
            stickiness,
            next: AtomicUsize::new(next),
        });
        self.0.insert(tg.arn.clone(), plan.clone());
        plan
    }
}

/// Where a target's traffic goes: ECS's word, else an ip target's own address, else (an
/// instance target registered through the API) the engine's host, this machine.
pub fn address(tg: &TargetGroup, reach: Reach, id: &str, port: u16) -> Option<SocketAddr> {
    match reach {
        Reach::Address(a) => Some(a),
        Reach::Simulated => None,
        Reach::Resolve => match tg.target_type {
            TargetType::Ip => id
                .parse::<IpAddr>()
                .ok()
                .map(|ip| SocketAddr::new(ip, port)),
            _ => Some(SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), port)),
        },
    }
}

fn routable(tg: &TargetGroup) -> Vec<PlanTarget> {
    tg.targets
        .values()
        .filter(|t| t.state != TargetState::Draining)
        .map(|t| PlanTarget {
            key: t.key.clone(),
            addr: address(tg, t.reach, &t.key.id, t.key.port),
            healthy: t.state == TargetState::Healthy || !tg.health.enabled,
            zone: t.availability_zone.as_deref().map(Arc::from),
        })
        .collect()
}

fn sticky(tg: &TargetGroup) -> Option<Duration> {
    let on = tg.attributes.get("stickiness.enabled").map(String::as_str) == Some("true")
        && tg.attributes.get("stickiness.type").map(String::as_str) == Some("lb_cookie");
    on.then(|| {
        Duration::from_secs(u64::from(
            tg.attribute_u32("stickiness.lb_cookie.duration_seconds"),
        ))
    })
}

pub fn compile(
    st: &RegionState,
    l: &Listener,
    cache: &mut GroupCache,
    meters: &Meters,
) -> ListenerPlan {
    let meter = meters.load_balancer(&l.load_balancer_arn);
    let mut rules: Vec<RulePlan> = st
        .rules_of(&l.arn)
        .into_iter()
        .map(|r| RulePlan {
            conditions: r.conditions.iter().map(condition).collect(),
            action: action(st, &r.actions, cache, &meter),
        })
        .collect();
    rules.push(RulePlan {
        conditions: Vec::new(),
        action: action(st, &l.default_actions, cache, &meter),
    });
    // An NLB has no idle-timeout attribute: its TCP flows idle out after 350 s.
    let idle = st
        .load_balancers
        .get(&l.load_balancer_arn)
        .and_then(|lb| lb.attributes.get("idle_timeout.timeout_seconds"))
        .and_then(|v| v.parse().ok())
        .unwrap_or(350);
    ListenerPlan {
        protocol: if l.protocol == "TCP" {
            ListenerProtocol::Tcp
        } else {
            ListenerProtocol::Http
        },
        port: l.port,
        rules,
        idle_timeout: Duration::from_secs(idle),
        meter,
    }
}

fn condition(c: &RuleCondition) -> Condition {
    match c.field.as_str() {
        "host-header" => Condition::HostHeader(c.values.clone()),
        "http-header" => Condition::HttpHeader {
            name: c.header_name.clone().unwrap_or_default(),
            values: c.values.clone(),
        },
        "http-request-method" => Condition::HttpRequestMethod(c.values.clone()),
        "query-string" => Condition::QueryString(c.query.clone()),
        "source-ip" => Condition::SourceIp(
            c.values
                .iter()
                .filter_map(|v| super::api::conditions::parse_cidr(v).ok())
                .collect(),
        ),
        _ => Condition::PathPattern(c.values.clone()),
    }
}

/// The terminal action of a rule (the last in order).
fn action(
    st: &RegionState,
    actions: &[Action],
    cache: &mut GroupCache,
    meter: &LbMeter,
) -> ActionPlan {
    let Some(a) = actions.last() else {
        return fixed(503, "No action");
    };
    match &a.kind {
        ActionKind::Forward {
            groups, stickiness, ..
        } => ActionPlan::Forward(ForwardPlan {
            groups: groups
                .iter()
                .filter_map(|g| {
                    let tg = st.target_groups.get(&g.arn)?;
                    Some(WeightedGroup {
                        arn: g.arn.clone(),
                        weight: g.weight.unwrap_or(1),
                        group: cache.get(tg),
                        meter: meter.group(&g.arn),
                    })
                })
                .collect(),
            group_stickiness: stickiness
                .filter(|(on, _)| *on)
                .map(|(_, d)| Duration::from_secs(u64::from(d.unwrap_or(3600)))),
        }),
        ActionKind::FixedResponse {
            status_code,
            content_type,
            message_body,
        } => ActionPlan::FixedResponse {
            status: status_code.parse().unwrap_or(200),
            content_type: content_type.clone(),
            body: message_body.clone(),
        },
        ActionKind::Redirect {
            protocol,
            port,
            host,
            path,
            query,
            status_code,
        } => ActionPlan::Redirect {
            protocol: protocol.clone().unwrap_or("#{protocol}".into()),
            host: host.clone().unwrap_or("#{host}".into()),
            port: port.clone().unwrap_or("#{port}".into()),
            path: path.clone().unwrap_or("/#{path}".into()),
            query: query.clone().unwrap_or("#{query}".into()),
            status: if status_code == "HTTP_301" { 301 } else { 302 },
        },
    }
}

fn fixed(status: u16, body: &str) -> ActionPlan {
    ActionPlan::FixedResponse {
        status,
        content_type: Some("text/plain".into()),
        body: Some(body.into()),
    }
}
