//! CreateTargetGroup, DescribeTargetGroups, ModifyTargetGroup, DeleteTargetGroup and the group's
//! attributes, with ELBv2's defaults and ranges for health checks.

use super::{check_name, new_id, not_both, page, ranged, tags, tg, Env};
use crate::core::balancing::TargetType;
use crate::elbv2::render;
use crate::elbv2::state::model::{HealthCheck, TargetGroup};
use crate::elbv2::state::RegionState;
use crate::elbv2::{ElbError, ElbResult};
use crate::wire::input::Input;
use std::collections::BTreeMap;

const PROTOCOLS: &[&str] = &["HTTP", "HTTPS", "TCP", "TLS", "UDP", "TCP_UDP"];

fn is_http(protocol: &str) -> bool {
    protocol == "HTTP" || protocol == "HTTPS"
}

fn target_type(input: &Input) -> ElbResult<TargetType> {
    match input.str("TargetType").unwrap_or("instance") {
        "instance" => Ok(TargetType::Instance),
        "ip" => Ok(TargetType::Ip),
        t @ ("lambda" | "alb") => Err(ElbError::coded(
            "InvalidConfigurationRequest",
            format!("local-ecs does not emulate target groups of target type '{t}'"),
        )),
        other => Err(ElbError::validation(format!(
            "1 validation error detected: Value '{other}' at 'targetType' failed to satisfy constraint: Member must satisfy enum value set: [instance, ip, lambda, alb]"
        ))),
    }
}

/// `Matcher.HttpCode`: codes 200–499 as a list (`200,202`) or a range (`200-299`).
fn check_matcher(code: &str) -> ElbResult<()> {
    let ok_code = |c: &str| c.parse::<u16>().is_ok_and(|n| (200..=499).contains(&n));
    let ok = code.split(',').all(|part| match part.split_once('-') {
        Some((a, b)) => ok_code(a) && ok_code(b),
        None => ok_code(part),
    });
    if ok {
        Ok(())
    } else {
        Err(ElbError::validation(format!(
            "Health check matcher HTTP code '{code}' must be within '200-499' code range"
        )))
    }
}

/// The health check of `input` over `base` (a new group's defaults or its current settings).
fn health_check(input: &Input, mut h: HealthCheck) -> ElbResult<HealthCheck> {
    if let Some(p) = input.str("HealthCheckProtocol") {
        if !PROTOCOLS.contains(&p) {
            return Err(ElbError::validation(format!(
                "Health check protocol '{p}' is not valid"
            )));
        }
        if is_http(p) && !is_http(&h.protocol) {
            h.path.get_or_insert_with(|| "/".into());
            h.matcher.get_or_insert_with(|| "200".into());
        }
        h.protocol = p.to_string();
    }
    if let Some(port) = input.str("HealthCheckPort") {
        if port != "traffic-port" && !port.parse::<u16>().is_ok_and(|p| p > 0) {
            return Err(ElbError::validation(format!(
                "Health check port '{port}' is not valid"
            )));
        }
        h.port = port.to_string();
    }
    if let Some(path) = input.str("HealthCheckPath") {
        if !path.starts_with('/') || path.len() > 1024 {
            return Err(ElbError::validation(
                "Health check path must begin with a '/' and be at most 1024 characters",
            ));
        }
        h.path = Some(path.to_string());
    }
    if let Some(enabled) = input.bool("HealthCheckEnabled")? {
        h.enabled = enabled;
    }
    h.interval = ranged(input, "HealthCheckIntervalSeconds", 5, 300)?.unwrap_or(h.interval);
    h.timeout = ranged(input, "HealthCheckTimeoutSeconds", 2, 120)?.unwrap_or(h.timeout);
    h.healthy_threshold =
        ranged(input, "HealthyThresholdCount", 2, 10)?.unwrap_or(h.healthy_threshold);
    h.unhealthy_threshold =
        ranged(input, "UnhealthyThresholdCount", 2, 10)?.unwrap_or(h.unhealthy_threshold);
    if let Some(code) = input.object("Matcher").and_then(|m| m.string("HttpCode")) {
        check_matcher(&code)?;
        h.matcher = Some(code);
    }
    if h.timeout >= h.interval {
        return Err(ElbError::validation(
            "Health check interval must be greater than the timeout.",
        ));
    }
    if !is_http(&h.protocol) {
        h.path = None;
        h.matcher = None;
    }
    Ok(h)
}

fn default_health(protocol: &str) -> HealthCheck {
    let http = is_http(protocol);
    HealthCheck {
        enabled: true,
        protocol: if http {
            protocol.to_string()
        } else {
            "TCP".to_string()
        },
        port: "traffic-port".into(),
        path: http.then(|| "/".to_string()),
        interval: 30,
        timeout: if http { 5 } else { 10 },
        healthy_threshold: 5,
        unhealthy_threshold: 2,
        matcher: http.then(|| "200".to_string()),
    }
}

fn default_attributes(protocol: &str) -> BTreeMap<String, String> {
    let pairs: &[(&str, &str)] = if is_http(protocol) {
        &[
            ("deregistration_delay.timeout_seconds", "300"),
            ("stickiness.enabled", "false"),
            ("stickiness.type", "lb_cookie"),
            ("stickiness.lb_cookie.duration_seconds", "86400"),
            ("stickiness.app_cookie.cookie_name", ""),
            ("stickiness.app_cookie.duration_seconds", "86400"),
            ("slow_start.duration_seconds", "0"),
            ("load_balancing.algorithm.type", "round_robin"),
            (
                "load_balancing.cross_zone.enabled",
                "use_load_balancer_configuration",
            ),
        ]
    } else {
        &[
            ("deregistration_delay.timeout_seconds", "300"),
            (
                "deregistration_delay.connection_termination.enabled",
                "false",
            ),
            ("stickiness.enabled", "false"),
            ("stickiness.type", "source_ip"),
            ("proxy_protocol_v2.enabled", "false"),
            ("preserve_client_ip.enabled", "false"),
            (
                "load_balancing.cross_zone.enabled",
                "use_load_balancer_configuration",
            ),
        ]
    };
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

pub fn create_target_group(
    st: &mut RegionState,
    _env: &Env,
    input: &Input,
) -> ElbResult<Option<String>> {
    let name = input.required_str("Name")?.to_string();
    check_name("Target group", &name)?;
    let kind = target_type(input)?;
    let protocol = input.required_str("Protocol")?.to_string();
    if !PROTOCOLS.contains(&protocol.as_str()) {
        return Err(ElbError::validation(format!(
            "Protocol '{protocol}' is not valid"
        )));
    }
    let port = ranged(input, "Port", 1, 65535)?.ok_or_else(|| ElbError::missing("Port"))? as u16;
    let vpc_id = input.required_str("VpcId")?.to_string();
    let health = health_check(input, default_health(&protocol))?;
    let new_tags = tags::read(input)?;
    let group = TargetGroup {
        arn: String::new(),
        name: name.clone(),
        target_type: kind,
        protocol_version: is_http(&protocol)
            .then(|| input.str("ProtocolVersion").unwrap_or("HTTP1").to_string()),
        attributes: default_attributes(&protocol),
        protocol: Some(protocol),
        port: Some(port),
        vpc_id: Some(vpc_id),
        ip_address_type: input.str("IpAddressType").unwrap_or("ipv4").to_string(),
        health,
        targets: BTreeMap::new(),
    };
    if let Some(existing) = st.tg_by_name(&name) {
        let same = existing.protocol == group.protocol
            && existing.port == group.port
            && existing.vpc_id == group.vpc_id
            && existing.target_type == group.target_type
            && existing.health == group.health;
        if !same {
            return Err(ElbError::coded(
                "DuplicateTargetGroupName",
                format!("A target group with the same name '{name}' exists, but with different settings"),
            ));
        }
        let lbs = st.load_balancers_of(&existing.arn);
        return Ok(one(existing, &lbs));
    }
    let arn = crate::core::arn::build(
        "elasticloadbalancing",
        &st.region,
        &st.account,
        &format!("targetgroup/{name}/{}", new_id()),
    );
    let group = TargetGroup {
        arn: arn.clone(),
        ..group
    };
    let out = one(&group, &[]);
    st.target_groups.insert(arn.clone(), group);
    if !new_tags.is_empty() {
        st.tags.insert(arn, new_tags);
    }
    Ok(out)
}

fn one(tg: &TargetGroup, lbs: &[String]) -> Option<String> {
    let mut w = crate::wire::xml::XmlWriter::new();
    w.start("TargetGroups");
    render::target_group(&mut w, tg, lbs);
    w.end();
    Some(w.finish())
}

pub fn describe_target_groups(
    st: &mut RegionState,
    _env: &Env,
    input: &Input,
) -> ElbResult<Option<String>> {
    not_both(input, "TargetGroupArns", "Names")?;
    let arns = input.strings("TargetGroupArns");
    let names = input.strings("Names");
    let mut chosen: Vec<&TargetGroup> = if !arns.is_empty() {
        arns.iter().map(|a| tg(st, a)).collect::<ElbResult<_>>()?
    } else if !names.is_empty() {
        names
            .iter()
            .map(|n| st.tg_by_name(n).ok_or_else(ElbError::tg_not_found))
            .collect::<ElbResult<_>>()?
    } else {
        st.target_groups.values().collect()
    };
    if let Some(lb) = input.str("LoadBalancerArn") {
        super::lb(st, lb)?;
        chosen.retain(|g| st.load_balancers_of(&g.arn).iter().any(|a| a == lb));
    }
    let items = chosen
        .into_iter()
        .map(|g| (g.arn.clone(), (g.clone(), st.load_balancers_of(&g.arn))))
        .collect();
    let (page, marker) = page(input, items)?;
    Ok(render::list(
        "TargetGroups",
        &page,
        marker.as_deref(),
        |w, (g, lbs)| render::target_group(w, g, lbs),
    ))
}

pub fn modify_target_group(
    st: &mut RegionState,
    _env: &Env,
    input: &Input,
) -> ElbResult<Option<String>> {
    let arn = input.required_str("TargetGroupArn")?.to_string();
    let current = tg(st, &arn)?.health.clone();
    let health = health_check(input, current)?;
    st.target_groups
        .get_mut(&arn)
        .ok_or_else(ElbError::tg_not_found)?
        .health = health;
    let lbs = st.load_balancers_of(&arn);
    Ok(one(tg(st, &arn)?, &lbs))
}

pub fn delete_target_group(
    st: &mut RegionState,
    _env: &Env,
    input: &Input,
) -> ElbResult<Option<String>> {
    let arn = input.required_str("TargetGroupArn")?;
    if !st.target_groups.contains_key(arn) {
        return Ok(None);
    }
    if !st.load_balancers_of(arn).is_empty() {
        return Err(ElbError::coded(
            "ResourceInUse",
            format!("Target group '{arn}' is currently in use by a listener or a rule"),
        ));
    }
    st.target_groups.remove(arn);
    st.tags.remove(arn);
    Ok(None)
}

pub fn describe_target_group_attributes(
    st: &mut RegionState,
    _env: &Env,
    input: &Input,
) -> ElbResult<Option<String>> {
    let g = tg(st, input.required_str("TargetGroupArn")?)?;
    Ok(render::attributes(&g.attributes))
}

/// `Attributes.member.N.Key/Value`.
pub fn read_attributes(input: &Input) -> ElbResult<Vec<(String, String)>> {
    let attrs = input.objects("Attributes");
    if attrs.is_empty() {
        return Err(ElbError::missing("Attributes"));
    }
    attrs
        .iter()
        .map(|a| {
            let key = a.string("Key").ok_or_else(|| ElbError::missing("Key"))?;
            Ok((key, a.string("Value").unwrap_or_default()))
        })
        .collect()
}

fn check_attribute(key: &str, value: &str) -> ElbResult<()> {
    let bad = || {
        ElbError::validation(format!(
            "'{value}' is not a valid value for target group attribute '{key}'"
        ))
    };
    let within = |lo: u32, hi: u32| value.parse::<u32>().is_ok_and(|n| (lo..=hi).contains(&n));
    let ok = match key {
        "deregistration_delay.timeout_seconds" => within(0, 3600),
        "slow_start.duration_seconds" => value == "0" || within(30, 900),
        "stickiness.lb_cookie.duration_seconds" | "stickiness.app_cookie.duration_seconds" => {
            within(1, 604800)
        }
        "stickiness.type" => ["lb_cookie", "app_cookie", "source_ip"].contains(&value),
        "load_balancing.algorithm.type" => {
            ["round_robin", "least_outstanding_requests"].contains(&value)
        }
        k if k.ends_with(".enabled") && k != "load_balancing.cross_zone.enabled" => {
            value == "true" || value == "false"
        }
        _ => true,
    };
    if ok {
        Ok(())
    } else {
        Err(bad())
    }
}

pub fn modify_target_group_attributes(
    st: &mut RegionState,
    _env: &Env,
    input: &Input,
) -> ElbResult<Option<String>> {
    let arn = input.required_str("TargetGroupArn")?.to_string();
    let changes = read_attributes(input)?;
    let g = st
        .target_groups
        .get_mut(&arn)
        .ok_or_else(ElbError::tg_not_found)?;
    for (k, v) in &changes {
        if !g.attributes.contains_key(k) {
            return Err(ElbError::validation(format!(
                "Target group attribute key '{k}' is not recognized"
            )));
        }
        check_attribute(k, v)?;
    }
    g.attributes.extend(changes);
    Ok(render::attributes(&g.attributes))
}
