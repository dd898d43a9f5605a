//! CreateLoadBalancer, DescribeLoadBalancers, DeleteLoadBalancer and the load balancer's
//! attributes. Subnets and security groups are checked against EC2; the load balancer is
//! `provisioning` until its listeners are bound (right after the call that creates it).

use super::{check_name, lb, new_id, not_both, page, tags, Env};
use crate::elbv2::render;
use crate::elbv2::state::model::{LbState, LbType, LoadBalancer, Zone};
use crate::elbv2::state::RegionState;
use crate::elbv2::{ElbError, ElbResult};
use crate::wire::input::Input;
use std::collections::BTreeMap;

fn lb_type(input: &Input) -> ElbResult<LbType> {
    match input.str("Type").unwrap_or("application") {
        "application" => Ok(LbType::Application),
        "network" => Ok(LbType::Network),
        "gateway" => Err(ElbError::coded(
            "InvalidConfigurationRequest",
            "local-ecs does not emulate gateway load balancers",
        )),
        other => Err(ElbError::validation(format!(
            "1 validation error detected: Value '{other}' at 'type' failed to satisfy constraint: Member must satisfy enum value set: [application, gateway, network]"
        ))),
    }
}

/// The subnets' zones and VPC: one subnet per zone, one VPC, and two zones for an ALB.
fn zones(env: &Env, input: &Input, kind: LbType) -> ElbResult<(Vec<Zone>, String)> {
    let mut ids = input.strings("Subnets");
    ids.extend(
        input
            .objects("SubnetMappings")
            .iter()
            .filter_map(|m| m.string("SubnetId")),
    );
    if ids.is_empty() {
        return Err(ElbError::validation(
            "At least one subnet must be specified",
        ));
    }
    let mut zones: Vec<Zone> = Vec::new();
    let mut vpc = String::new();
    for id in &ids {
        let info = env.subnet(id)?;
        let (zone_name, vpc_id) = match info {
            Some(s) => (s.availability_zone, s.vpc_id),
            None => (format!("{}a", env.ctx.region), "vpc-local".to_string()),
        };
        if zones.iter().any(|z| z.zone_name == zone_name) {
            return Err(ElbError::coded(
                "InvalidConfigurationRequest",
                "A load balancer cannot be attached to multiple subnets in the same Availability Zone",
            ));
        }
        if !vpc.is_empty() && vpc != vpc_id {
            return Err(ElbError::coded(
                "InvalidSubnet",
                "The subnets of a load balancer must all be in the same VPC",
            ));
        }
        vpc = vpc_id;
        zones.push(Zone {
            zone_name,
            subnet_id: id.clone(),
        });
    }
    if kind == LbType::Application && zones.len() < 2 {
        return Err(ElbError::validation(
            "At least two subnets in two different Availability Zones must be specified",
        ));
    }
    zones.sort_by(|a, b| a.zone_name.cmp(&b.zone_name));
    Ok((zones, vpc))
}

fn security_groups(env: &Env, input: &Input, vpc: &str) -> ElbResult<Vec<String>> {
    let groups = input.strings("SecurityGroups");
    for g in &groups {
        if let Some(group_vpc) = env.security_group_vpc(g)? {
            if group_vpc != vpc {
                return Err(ElbError::coded(
                    "InvalidSecurityGroup",
                    format!("Security group '{g}' does not belong to VPC '{vpc}'"),
                ));
            }
        }
    }
    Ok(groups)
}

pub fn default_attributes(kind: LbType) -> BTreeMap<String, String> {
    let mut a: BTreeMap<String, String> = [
        ("access_logs.s3.enabled", "false"),
        ("access_logs.s3.bucket", ""),
        ("access_logs.s3.prefix", ""),
        ("deletion_protection.enabled", "false"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let extra: &[(&str, &str)] = match kind {
        LbType::Application => &[
            ("idle_timeout.timeout_seconds", "60"),
            ("routing.http2.enabled", "true"),
            ("routing.http.drop_invalid_header_fields.enabled", "false"),
            ("load_balancing.cross_zone.enabled", "true"),
        ],
        LbType::Network => &[("load_balancing.cross_zone.enabled", "false")],
    };
    a.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    a
}

pub fn create_load_balancer(
    st: &mut RegionState,
    env: &Env,
    input: &Input,
) -> ElbResult<Option<String>> {
    let name = input.required_str("Name")?.to_string();
    check_name("Load balancer", &name)?;
    if name.starts_with("internal-") {
        return Err(ElbError::validation(
            "Load balancer names cannot begin with 'internal-'",
        ));
    }
    let kind = lb_type(input)?;
    let scheme = input.str("Scheme").unwrap_or("internet-facing").to_string();
    if scheme != "internet-facing" && scheme != "internal" {
        return Err(ElbError::validation(format!(
            "Scheme '{scheme}' is not valid"
        )));
    }
    let (zones, vpc_id) = zones(env, input, kind)?;
    let security_groups = security_groups(env, input, &vpc_id)?;
    let new_tags = tags::read(input)?;
    if let Some(existing) = st.lb_by_name(&name) {
        let same = existing.lb_type == kind
            && existing.scheme == scheme
            && existing
                .zones
                .iter()
                .map(|z| &z.subnet_id)
                .eq(zones.iter().map(|z| &z.subnet_id))
            && existing.security_groups == security_groups;
        if !same {
            return Err(ElbError::coded(
                "DuplicateLoadBalancerName",
                format!("A load balancer with the same name '{name}' exists, but with different settings"),
            ));
        }
        let out = existing.clone();
        return Ok(one(&out));
    }
    let id = new_id();
    let arn = crate::core::arn::build(
        "elasticloadbalancing",
        &st.region,
        &st.account,
        &format!("loadbalancer/{}/{name}/{id}", kind.arn_kind()),
    );
    let prefix = if scheme == "internal" {
        "internal-"
    } else {
        ""
    };
    let lb = LoadBalancer {
        dns_name: format!("{prefix}{name}-{}.{}.elb.localhost", &id[..10], st.region),
        arn: arn.clone(),
        name,
        lb_type: kind,
        scheme,
        ip_address_type: input.str("IpAddressType").unwrap_or("ipv4").to_string(),
        vpc_id,
        zones,
        security_groups,
        created: st.now(),
        state: LbState::Provisioning,
        attributes: default_attributes(kind),
    };
    let out = one(&lb);
    st.load_balancers.insert(arn.clone(), lb);
    if !new_tags.is_empty() {
        st.tags.insert(arn, new_tags);
    }
    Ok(out)
}

fn one(lb: &LoadBalancer) -> Option<String> {
    render::list(
        "LoadBalancers",
        std::slice::from_ref(lb),
        None,
        render::load_balancer,
    )
}

pub fn describe_load_balancers(
    st: &mut RegionState,
    _env: &Env,
    input: &Input,
) -> ElbResult<Option<String>> {
    not_both(input, "LoadBalancerArns", "Names")?;
    let arns = input.strings("LoadBalancerArns");
    let names = input.strings("Names");
    let chosen: Vec<&LoadBalancer> = if !arns.is_empty() {
        arns.iter().map(|a| lb(st, a)).collect::<ElbResult<_>>()?
    } else if !names.is_empty() {
        names
            .iter()
            .map(|n| st.lb_by_name(n).ok_or_else(ElbError::lb_not_found))
            .collect::<ElbResult<_>>()?
    } else {
        st.load_balancers.values().collect()
    };
    let items = chosen
        .into_iter()
        .map(|l| (l.arn.clone(), l.clone()))
        .collect();
    let (page, marker) = page(input, items)?;
    Ok(render::list(
        "LoadBalancers",
        &page,
        marker.as_deref(),
        render::load_balancer,
    ))
}

/// Deleting a load balancer deletes its listeners and rules; an unknown one is already gone.
pub fn delete_load_balancer(
    st: &mut RegionState,
    _env: &Env,
    input: &Input,
) -> ElbResult<Option<String>> {
    let arn = input.required_str("LoadBalancerArn")?;
    let Some(lb) = st.load_balancers.get(arn) else {
        return Ok(None);
    };
    if lb
        .attributes
        .get("deletion_protection.enabled")
        .map(String::as_str)
        == Some("true")
    {
        return Err(ElbError::coded(
            "OperationNotPermitted",
            format!(
                "Load balancer '{arn}' cannot be deleted because deletion protection is enabled"
            ),
        ));
    }
    let listeners: Vec<String> = st
        .listeners
        .values()
        .filter(|l| l.load_balancer_arn == arn)
        .map(|l| l.arn.clone())
        .collect();
    for l in &listeners {
        super::listeners::remove(st, l);
    }
    st.load_balancers.remove(arn);
    st.tags.remove(arn);
    Ok(None)
}

pub fn describe_load_balancer_attributes(
    st: &mut RegionState,
    _env: &Env,
    input: &Input,
) -> ElbResult<Option<String>> {
    let lb = lb(st, input.required_str("LoadBalancerArn")?)?;
    Ok(render::attributes(&lb.attributes))
}

fn check_attribute(key: &str, value: &str) -> ElbResult<()> {
    let bad = || {
        ElbError::validation(format!(
            "'{value}' is not a valid value for load balancer attribute '{key}'"
        ))
    };
    if key.ends_with(".enabled") && value != "true" && value != "false" {
        return Err(bad());
    }
    if key == "idle_timeout.timeout_seconds" {
        match value.parse::<u32>() {
            Ok(1..=4000) => {}
            _ => return Err(bad()),
        }
    }
    Ok(())
}

pub fn modify_load_balancer_attributes(
    st: &mut RegionState,
    _env: &Env,
    input: &Input,
) -> ElbResult<Option<String>> {
    let arn = input.required_str("LoadBalancerArn")?.to_string();
    let changes = super::target_groups::read_attributes(input)?;
    let lb = st
        .load_balancers
        .get_mut(&arn)
        .ok_or_else(ElbError::lb_not_found)?;
    for (k, v) in &changes {
        if !lb.attributes.contains_key(k) {
            return Err(ElbError::validation(format!(
                "Load balancer attribute key '{k}' is not recognized"
            )));
        }
        check_attribute(k, v)?;
    }
    lb.attributes.extend(changes);
    Ok(render::attributes(&lb.attributes))
}
