//! RegisterTargets, DeregisterTargets and DescribeTargetHealth. Targets registered through the
//! API are reached at their own address (ip targets) or on this machine's loopback (instance
//! targets: local-ecs' instances publish their tasks' host ports on the engine's host).

use super::{tg, tg_mut, Env};
use crate::core::balancing::{Reach, TargetKey, TargetSpec, TargetType};
use crate::elbv2::render;
use crate::elbv2::state::model::TargetGroup;
use crate::elbv2::state::targets::{self, health_check_port, health_of, not_registered};
use crate::elbv2::state::RegionState;
use crate::elbv2::{ElbError, ElbResult};
use crate::wire::input::Input;
use crate::wire::xml::XmlWriter;
use std::net::IpAddr;

/// `Targets.member.N`: ids checked against the group's target type, ports defaulted to the
/// group's.
fn read(group: &TargetGroup, input: &Input) -> ElbResult<Vec<(TargetKey, Option<String>)>> {
    let items = input.objects("Targets");
    if items.is_empty() {
        return Err(ElbError::missing("Targets"));
    }
    items
        .iter()
        .map(|t| {
            let id = t.required_str("Id")?.to_string();
            let valid = match group.target_type {
                TargetType::Ip => id.parse::<IpAddr>().is_ok(),
                TargetType::Instance => id.starts_with("i-"),
                _ => true,
            };
            if !valid {
                return Err(ElbError::coded(
                    "InvalidTarget",
                    format!(
                        "The target '{id}' is not a valid {} target",
                        render::target_type(group.target_type)
                    ),
                ));
            }
            let port = super::ranged(t, "Port", 1, 65535)?
                .map(|p| p as u16)
                .or(group.port)
                .ok_or_else(|| ElbError::missing("Port"))?;
            Ok((TargetKey { id, port }, t.string("AvailabilityZone")))
        })
        .collect()
}

pub fn register_targets(
    st: &mut RegionState,
    _env: &Env,
    input: &Input,
) -> ElbResult<Option<String>> {
    let arn = input.required_str("TargetGroupArn")?.to_string();
    let wanted = read(tg(st, &arn)?, input)?;
    let now = st.now();
    let group = tg_mut(st, &arn)?;
    for (key, zone) in wanted {
        targets::register(
            group,
            TargetSpec {
                key,
                availability_zone: zone,
                reach: Reach::Resolve,
            },
            now,
        );
    }
    Ok(None)
}

/// Deregistering a target that is not registered is not an error.
pub fn deregister_targets(
    st: &mut RegionState,
    _env: &Env,
    input: &Input,
) -> ElbResult<Option<String>> {
    let arn = input.required_str("TargetGroupArn")?.to_string();
    let wanted = read(tg(st, &arn)?, input)?;
    let in_use = !st.load_balancers_of(&arn).is_empty();
    let now = st.now();
    let group = tg_mut(st, &arn)?;
    for (key, _) in wanted {
        targets::deregister(group, &key, now, in_use);
    }
    Ok(None)
}

pub fn describe_target_health(
    st: &mut RegionState,
    _env: &Env,
    input: &Input,
) -> ElbResult<Option<String>> {
    let arn = input.required_str("TargetGroupArn")?.to_string();
    let group = tg(st, &arn)?;
    let in_use = !st.load_balancers_of(&arn).is_empty();
    let asked = if input.has("Targets") {
        read(group, input)?
    } else {
        Vec::new()
    };
    let mut w = XmlWriter::new();
    w.start("TargetHealthDescriptions");
    if asked.is_empty() {
        for t in group.targets.values() {
            let h = health_of(group, t, in_use);
            render::target_health(
                &mut w,
                &t.key,
                t.availability_zone.as_deref(),
                &health_check_port(group, &t.key),
                &h,
            );
        }
    } else {
        for (key, zone) in &asked {
            let (h, zone) = match group.targets.get(key) {
                Some(t) => (health_of(group, t, in_use), t.availability_zone.clone()),
                None => (not_registered(), zone.clone()),
            };
            render::target_health(
                &mut w,
                key,
                zone.as_deref(),
                &health_check_port(group, key),
                &h,
            );
        }
    }
    w.end();
    Ok(Some(w.finish()))
}
