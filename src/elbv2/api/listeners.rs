//! CreateListener, DescribeListeners, ModifyListener and DeleteListener. Listeners speak HTTP
//! (application load balancers) or TCP (network load balancers); local-ecs terminates no TLS,
//! so HTTPS, TLS and UDP listeners are refused with a message that says so.

use super::{actions, lb, listener, new_id, page, ranged, Env};
use crate::elbv2::render;
use crate::elbv2::state::model::{Action, LbType, Listener};
use crate::elbv2::state::RegionState;
use crate::elbv2::{ElbError, ElbResult};
use crate::wire::input::Input;

fn check_protocol(kind: LbType, protocol: &str) -> ElbResult<()> {
    let (ours, tls) = match kind {
        LbType::Application => ("HTTP", "HTTPS"),
        LbType::Network => ("TCP", "TLS"),
    };
    if protocol == ours {
        return Ok(());
    }
    let message = if protocol == tls || protocol == "UDP" || protocol == "TCP_UDP" {
        format!("local-ecs does not emulate {protocol} listeners (no TLS termination or UDP); use {ours}")
    } else {
        format!(
            "Protocol '{protocol}' is not supported by {} load balancers",
            kind.as_str()
        )
    };
    Err(ElbError::coded("UnsupportedProtocol", message))
}

/// A target group serves one load balancer: refuse groups another load balancer routes to.
fn check_association(st: &RegionState, lb_arn: &str, actions: &[Action]) -> ElbResult<()> {
    for a in actions {
        for g in a.target_groups() {
            if st.load_balancers_of(g).iter().any(|other| other != lb_arn) {
                return Err(ElbError::coded(
                    "TargetGroupAssociationLimit",
                    format!("The following target groups cannot be associated with more than one load balancer: {g}"),
                ));
            }
        }
    }
    Ok(())
}

pub fn create_listener(
    st: &mut RegionState,
    _env: &Env,
    input: &Input,
) -> ElbResult<Option<String>> {
    let lb_arn = input.required_str("LoadBalancerArn")?.to_string();
    let balancer = lb(st, &lb_arn)?.clone();
    let protocol = input
        .str("Protocol")
        .unwrap_or(match balancer.lb_type {
            LbType::Application => "HTTP",
            LbType::Network => "TCP",
        })
        .to_string();
    check_protocol(balancer.lb_type, &protocol)?;
    let port = ranged(input, "Port", 1, 65535)?.ok_or_else(|| ElbError::missing("Port"))? as u16;
    let network = balancer.lb_type == LbType::Network;
    let default_actions = actions::read(st, input, "DefaultActions", network)?;
    check_association(st, &lb_arn, &default_actions)?;
    if let Some(existing) = st
        .listeners
        .values()
        .find(|l| l.load_balancer_arn == lb_arn && l.port == port)
    {
        if existing.protocol == protocol && existing.default_actions == default_actions {
            return Ok(one(existing));
        }
        return Err(ElbError::coded(
            "DuplicateListener",
            "A listener already exists on this port for this load balancer",
        ));
    }
    let lb_path = lb_arn
        .split_once(":loadbalancer/")
        .map_or("", |(_, p)| p)
        .to_string();
    let listener_id = new_id();
    let arn = crate::core::arn::build(
        "elasticloadbalancing",
        &st.region,
        &st.account,
        &format!("listener/{lb_path}/{listener_id}"),
    );
    let default_rule_arn = crate::core::arn::build(
        "elasticloadbalancing",
        &st.region,
        &st.account,
        &format!("listener-rule/{lb_path}/{listener_id}/{}", new_id()),
    );
    let l = Listener {
        arn: arn.clone(),
        load_balancer_arn: lb_arn,
        port,
        protocol,
        default_actions,
        default_rule_arn,
        bind_error: None,
    };
    let out = one(&l);
    let new_tags = super::tags::read(input)?;
    if !new_tags.is_empty() {
        st.tags.insert(arn.clone(), new_tags);
    }
    st.listeners.insert(arn, l);
    Ok(out)
}

fn one(l: &Listener) -> Option<String> {
    render::list("Listeners", std::slice::from_ref(l), None, render::listener)
}

pub fn describe_listeners(
    st: &mut RegionState,
    _env: &Env,
    input: &Input,
) -> ElbResult<Option<String>> {
    let arns = input.strings("ListenerArns");
    let chosen: Vec<&Listener> = if !arns.is_empty() {
        arns.iter()
            .map(|a| listener(st, a))
            .collect::<ElbResult<_>>()?
    } else if let Some(lb_arn) = input.str("LoadBalancerArn") {
        lb(st, lb_arn)?;
        st.listeners
            .values()
            .filter(|l| l.load_balancer_arn == lb_arn)
            .collect()
    } else {
        return Err(ElbError::validation(
            "You must specify either listener ARNs or a load balancer ARN",
        ));
    };
    let items = chosen
        .into_iter()
        .map(|l| (l.arn.clone(), l.clone()))
        .collect();
    let (page, marker) = page(input, items)?;
    Ok(render::list(
        "Listeners",
        &page,
        marker.as_deref(),
        render::listener,
    ))
}

pub fn modify_listener(
    st: &mut RegionState,
    _env: &Env,
    input: &Input,
) -> ElbResult<Option<String>> {
    let arn = input.required_str("ListenerArn")?.to_string();
    let mut l = listener(st, &arn)?.clone();
    let kind = lb(st, &l.load_balancer_arn)?.lb_type;
    if let Some(p) = input.str("Protocol") {
        check_protocol(kind, p)?;
        l.protocol = p.to_string();
    }
    if let Some(port) = ranged(input, "Port", 1, 65535)? {
        let port = port as u16;
        let taken = st
            .listeners
            .values()
            .any(|o| o.arn != arn && o.load_balancer_arn == l.load_balancer_arn && o.port == port);
        if taken {
            return Err(ElbError::coded(
                "DuplicateListener",
                "A listener already exists on this port for this load balancer",
            ));
        }
        l.port = port;
    }
    if input.has("DefaultActions") {
        l.default_actions = actions::read(st, input, "DefaultActions", kind == LbType::Network)?;
        check_association(st, &l.load_balancer_arn, &l.default_actions)?;
    }
    let out = one(&l);
    st.listeners.insert(arn, l);
    Ok(out)
}

pub fn delete_listener(
    st: &mut RegionState,
    _env: &Env,
    input: &Input,
) -> ElbResult<Option<String>> {
    let arn = input.required_str("ListenerArn")?.to_string();
    listener(st, &arn)?;
    remove(st, &arn);
    Ok(None)
}

/// Removes a listener, its rules and their tags.
pub fn remove(st: &mut RegionState, arn: &str) {
    let rules: Vec<String> = st
        .rules
        .values()
        .filter(|r| r.listener_arn == arn)
        .map(|r| r.arn.clone())
        .collect();
    for r in rules {
        st.rules.remove(&r);
        st.tags.remove(&r);
    }
    st.listeners.remove(arn);
    st.tags.remove(arn);
}
