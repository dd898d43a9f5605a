//! The stored shapes written as ELBv2's Query XML: `member`-wrapped lists, ISO 8601 timestamps,
//! and actions and conditions in both their legacy and `…Config` forms, as ELBv2 answers.

use super::state::model::{
    Action, ActionKind, HealthCheck, LbState, Listener, LoadBalancer, Rule, RuleCondition,
    TargetGroup,
};
use crate::core::balancing::{TargetHealth, TargetKey, TargetType};
use crate::wire::xml::XmlWriter;
use std::collections::BTreeMap;

/// `<name><member>a</member>…</name>`.
pub fn strings(w: &mut XmlWriter, name: &str, items: &[String]) {
    w.start(name);
    for item in items {
        w.element("member", item);
    }
    w.end();
}

/// A `Result` whose only member is a list, each item written by `item`.
pub fn list<T>(
    name: &str,
    items: &[T],
    marker: Option<&str>,
    item: impl Fn(&mut XmlWriter, &T),
) -> Option<String> {
    let mut w = XmlWriter::new();
    w.start(name);
    for i in items {
        item(&mut w, i);
    }
    w.end();
    w.optional("NextMarker", marker);
    Some(w.finish())
}

/// The hosted zone of ELBv2's DNS names (us-east-1's; a constant is enough for tools that
/// only read it back).
fn hosted_zone(lb: &LoadBalancer) -> &'static str {
    match lb.lb_type {
        super::state::model::LbType::Application => "Z35SXDOTRQ7X7K",
        super::state::model::LbType::Network => "Z26RNL4JYFTOTI",
    }
}

pub fn load_balancer(w: &mut XmlWriter, lb: &LoadBalancer) {
    w.start("member")
        .element("LoadBalancerArn", &lb.arn)
        .element("DNSName", &lb.dns_name)
        .element("CanonicalHostedZoneId", hosted_zone(lb))
        .element("CreatedTime", &crate::core::clock::iso8601(lb.created))
        .element("LoadBalancerName", &lb.name)
        .element("Scheme", &lb.scheme)
        .element("VpcId", &lb.vpc_id);
    w.start("State");
    match &lb.state {
        LbState::Provisioning => w.element("Code", "provisioning"),
        LbState::Active => w.element("Code", "active"),
        LbState::Failed(reason) => w.element("Code", "failed").element("Reason", reason),
    };
    w.end().element("Type", lb.lb_type.as_str());
    w.start("AvailabilityZones");
    for z in &lb.zones {
        w.start("member")
            .element("ZoneName", &z.zone_name)
            .element("SubnetId", &z.subnet_id)
            .start("LoadBalancerAddresses")
            .end()
            .end();
    }
    w.end();
    if !lb.security_groups.is_empty() {
        strings(w, "SecurityGroups", &lb.security_groups);
    }
    w.element("IpAddressType", &lb.ip_address_type).end();
}

fn health_check(w: &mut XmlWriter, h: &HealthCheck) {
    w.element("HealthCheckProtocol", &h.protocol)
        .element("HealthCheckPort", &h.port)
        .element("HealthCheckEnabled", flag(h.enabled))
        .element("HealthCheckIntervalSeconds", &h.interval.to_string())
        .element("HealthCheckTimeoutSeconds", &h.timeout.to_string())
        .element("HealthyThresholdCount", &h.healthy_threshold.to_string())
        .element(
            "UnhealthyThresholdCount",
            &h.unhealthy_threshold.to_string(),
        )
        .optional("HealthCheckPath", h.path.as_deref());
    if let Some(code) = &h.matcher {
        w.start("Matcher").element("HttpCode", code).end();
    }
}

pub fn target_type(t: TargetType) -> &'static str {
    match t {
        TargetType::Instance => "instance",
        TargetType::Ip => "ip",
        TargetType::Lambda => "lambda",
        TargetType::Alb => "alb",
    }
}

pub fn target_group(w: &mut XmlWriter, tg: &TargetGroup, lbs: &[String]) {
    w.start("member")
        .element("TargetGroupArn", &tg.arn)
        .element("TargetGroupName", &tg.name)
        .optional("Protocol", tg.protocol.as_deref())
        .optional("Port", tg.port.map(|p| p.to_string()).as_deref())
        .optional("VpcId", tg.vpc_id.as_deref());
    health_check(w, &tg.health);
    strings(w, "LoadBalancerArns", lbs);
    w.element("TargetType", target_type(tg.target_type))
        .optional("ProtocolVersion", tg.protocol_version.as_deref())
        .element("IpAddressType", &tg.ip_address_type)
        .end();
}

fn flag(b: bool) -> &'static str {
    if b {
        "true"
    } else {
        "false"
    }
}

pub fn actions(w: &mut XmlWriter, name: &str, list: &[Action]) {
    w.start(name);
    for a in list {
        action(w, a);
    }
    w.end();
}

fn action(w: &mut XmlWriter, a: &Action) {
    w.start("member").element("Type", a.type_name());
    match &a.kind {
        ActionKind::Forward {
            target_group_arn,
            groups,
            stickiness,
        } => {
            w.optional("TargetGroupArn", target_group_arn.as_deref());
            w.start("ForwardConfig").start("TargetGroups");
            for g in groups {
                w.start("member")
                    .element("TargetGroupArn", &g.arn)
                    .element("Weight", &g.weight.unwrap_or(1).to_string())
                    .end();
            }
            let (enabled, duration) = stickiness.unwrap_or((false, None));
            w.end()
                .start("TargetGroupStickinessConfig")
                .element("Enabled", flag(enabled));
            w.optional(
                "DurationSeconds",
                duration.map(|d| d.to_string()).as_deref(),
            );
            w.end().end();
        }
        ActionKind::FixedResponse {
            status_code,
            content_type,
            message_body,
        } => {
            w.start("FixedResponseConfig")
                .optional("MessageBody", message_body.as_deref())
                .element("StatusCode", status_code)
                .optional("ContentType", content_type.as_deref())
                .end();
        }
        ActionKind::Redirect {
            protocol,
            port,
            host,
            path,
            query,
            status_code,
        } => {
            w.start("RedirectConfig")
                .element("Protocol", protocol.as_deref().unwrap_or("#{protocol}"))
                .element("Port", port.as_deref().unwrap_or("#{port}"))
                .element("Host", host.as_deref().unwrap_or("#{host}"))
                .element("Path", path.as_deref().unwrap_or("/#{path}"))
                .element("Query", query.as_deref().unwrap_or("#{query}"))
                .element("StatusCode", status_code)
                .end();
        }
    }
    w.optional("Order", a.order.map(|o| o.to_string()).as_deref())
        .end();
}

pub fn listener(w: &mut XmlWriter, l: &Listener) {
    w.start("member")
        .element("ListenerArn", &l.arn)
        .element("LoadBalancerArn", &l.load_balancer_arn)
        .element("Port", &l.port.to_string())
        .element("Protocol", &l.protocol);
    actions(w, "DefaultActions", &l.default_actions);
    w.end();
}

fn condition(w: &mut XmlWriter, c: &RuleCondition) {
    w.start("member").element("Field", &c.field);
    let config = match c.field.as_str() {
        "host-header" => Some("HostHeaderConfig"),
        "path-pattern" => Some("PathPatternConfig"),
        "http-request-method" => Some("HttpRequestMethodConfig"),
        "source-ip" => Some("SourceIpConfig"),
        _ => None,
    };
    if matches!(c.field.as_str(), "host-header" | "path-pattern") {
        strings(w, "Values", &c.values);
    }
    if let Some(config) = config {
        w.start(config);
        strings(w, "Values", &c.values);
        w.end();
    }
    if c.field == "http-header" {
        w.start("HttpHeaderConfig")
            .optional("HttpHeaderName", c.header_name.as_deref());
        strings(w, "Values", &c.values);
        w.end();
    }
    if c.field == "query-string" {
        w.start("QueryStringConfig").start("Values");
        for (key, value) in &c.query {
            w.start("member")
                .optional("Key", key.as_deref())
                .element("Value", value)
                .end();
        }
        w.end().end();
    }
    w.end();
}

/// A rule; `default` carries the listener's default actions for the default rule.
pub fn rule(w: &mut XmlWriter, r: &Rule) {
    w.start("member").element("RuleArn", &r.arn).element(
        "Priority",
        &r.priority.map_or("default".to_string(), |p| p.to_string()),
    );
    w.start("Conditions");
    for c in &r.conditions {
        condition(w, c);
    }
    w.end();
    actions(w, "Actions", &r.actions);
    w.element("IsDefault", flag(r.priority.is_none())).end();
}

pub fn attributes(attrs: &BTreeMap<String, String>) -> Option<String> {
    let mut w = XmlWriter::new();
    w.start("Attributes");
    for (k, v) in attrs {
        w.start("member")
            .element("Key", k)
            .element("Value", v)
            .end();
    }
    w.end();
    Some(w.finish())
}

/// One `TargetHealthDescription`: the target as asked for, its health-check port, its health.
pub fn target_health(
    w: &mut XmlWriter,
    target: &TargetKey,
    zone: Option<&str>,
    health_port: &str,
    health: &TargetHealth,
) {
    w.start("member")
        .start("Target")
        .element("Id", &target.id)
        .element("Port", &target.port.to_string())
        .optional("AvailabilityZone", zone)
        .end()
        .element("HealthCheckPort", health_port)
        .start("TargetHealth")
        .element("State", health.state.as_str())
        .optional("Reason", health.reason.as_deref())
        .optional("Description", health.description.as_deref())
        .end()
        .end();
}
