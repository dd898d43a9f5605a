//! Reading listener and rule actions: forward (one group or weighted groups, with group
//! stickiness), fixed-response and redirect, with ELBv2's constraints on each.

use crate::elbv2::state::model::{Action, ActionKind, Weighted};
use crate::elbv2::state::RegionState;
use crate::elbv2::{ElbError, ElbResult};
use crate::wire::input::Input;

const CONTENT_TYPES: &[&str] = &[
    "text/plain",
    "text/css",
    "text/html",
    "application/javascript",
    "application/json",
];

/// The actions of `member` (`DefaultActions` or `Actions`), every forward's groups checked to
/// exist and to take `protocols` (the listener's kind: HTTP groups for an ALB, TCP for an NLB).
pub fn read(
    st: &RegionState,
    input: &Input,
    member: &str,
    network: bool,
) -> ElbResult<Vec<Action>> {
    let items = input.objects(member);
    if items.is_empty() {
        return Err(ElbError::missing(member));
    }
    let mut actions = items
        .iter()
        .map(|a| action(st, a, network))
        .collect::<ElbResult<Vec<_>>>()?;
    actions.sort_by_key(|a| a.order.unwrap_or(u32::MAX));
    if actions.len() != 1 {
        return Err(ElbError::coded(
            "InvalidLoadBalancerAction",
            "Exactly one forward, fixed-response or redirect action must be specified",
        ));
    }
    Ok(actions)
}

fn action(st: &RegionState, a: &Input, network: bool) -> ElbResult<Action> {
    let order = super::ranged(a, "Order", 1, 50000)?;
    let kind = match a.required_str("Type")? {
        "forward" => forward(st, a, network)?,
        t @ ("fixed-response" | "redirect") if network => {
            return Err(ElbError::coded(
                "InvalidLoadBalancerAction",
                format!("The action type '{t}' is not supported on network load balancer listeners"),
            ))
        }
        "fixed-response" => fixed(a)?,
        "redirect" => redirect(a)?,
        t @ ("authenticate-oidc" | "authenticate-cognito") => {
            return Err(ElbError::coded(
                "InvalidLoadBalancerAction",
                format!("local-ecs does not emulate '{t}' actions"),
            ))
        }
        other => {
            return Err(ElbError::validation(format!(
                "1 validation error detected: Value '{other}' at 'type' failed to satisfy constraint: Member must satisfy enum value set: [forward, authenticate-oidc, authenticate-cognito, redirect, fixed-response]"
            )))
        }
    };
    Ok(Action { kind, order })
}

fn forward(st: &RegionState, a: &Input, network: bool) -> ElbResult<ActionKind> {
    let single = a.string("TargetGroupArn");
    let config = a.object("ForwardConfig");
    let mut groups: Vec<Weighted> = config
        .as_ref()
        .map(|c| c.objects("TargetGroups"))
        .unwrap_or_default()
        .iter()
        .map(|g| {
            Ok(Weighted {
                arn: g
                    .string("TargetGroupArn")
                    .ok_or_else(|| ElbError::missing("TargetGroupArn"))?,
                weight: super::ranged(g, "Weight", 0, 999)?,
            })
        })
        .collect::<ElbResult<_>>()?;
    match (&single, groups.is_empty()) {
        (None, true) => {
            return Err(ElbError::validation("A target group ARN must be specified for a forward action"))
        }
        (Some(arn), true) => groups.push(Weighted { arn: arn.clone(), weight: None }),
        (Some(arn), false) if groups.len() != 1 || &groups[0].arn != arn => {
            return Err(ElbError::validation(
                "You cannot specify both a target group ARN and a list of target groups that differ",
            ))
        }
        _ => {}
    }
    if network && groups.len() > 1 {
        return Err(ElbError::coded(
            "InvalidLoadBalancerAction",
            "A network load balancer listener forwards to one target group",
        ));
    }
    for g in &groups {
        let group = st
            .target_groups
            .get(&g.arn)
            .ok_or_else(ElbError::tg_not_found)?;
        let protocol = group.protocol.as_deref().unwrap_or("");
        let http = protocol == "HTTP" || protocol == "HTTPS";
        if http == network {
            return Err(ElbError::coded(
                "IncompatibleProtocols",
                format!("The target group '{}' has the protocol '{protocol}', which is not supported by this load balancer's listeners", g.arn),
            ));
        }
    }
    let stickiness = config
        .as_ref()
        .and_then(|c| c.object("TargetGroupStickinessConfig"))
        .map(|s| -> ElbResult<(bool, Option<u32>)> {
            Ok((
                s.bool("Enabled")?.unwrap_or(false),
                super::ranged(&s, "DurationSeconds", 1, 604800)?,
            ))
        })
        .transpose()?;
    Ok(ActionKind::Forward {
        target_group_arn: single,
        groups,
        stickiness,
    })
}

fn fixed(a: &Input) -> ElbResult<ActionKind> {
    let c = a
        .object("FixedResponseConfig")
        .ok_or_else(|| ElbError::missing("FixedResponseConfig"))?;
    let status = c.required_str("StatusCode")?.to_string();
    let valid = status.len() == 3
        && matches!(status.as_bytes()[0], b'2' | b'4' | b'5')
        && status.bytes().all(|b| b.is_ascii_digit());
    if !valid {
        return Err(ElbError::validation(format!(
            "1 validation error detected: Value '{status}' at 'statusCode' failed to satisfy constraint: Member must satisfy regular expression pattern: ^(2|4|5)\\d\\d$"
        )));
    }
    let content_type = c.string("ContentType");
    if let Some(t) = &content_type {
        if !CONTENT_TYPES.contains(&t.as_str()) {
            return Err(ElbError::validation(format!(
                "Content type '{t}' is not valid"
            )));
        }
    }
    let body = c.string("MessageBody");
    if body.as_ref().is_some_and(|b| b.len() > 1024) {
        return Err(ElbError::validation(
            "The message body of a fixed response can have at most 1024 characters",
        ));
    }
    Ok(ActionKind::FixedResponse {
        status_code: status,
        content_type,
        message_body: body,
    })
}

fn redirect(a: &Input) -> ElbResult<ActionKind> {
    let c = a
        .object("RedirectConfig")
        .ok_or_else(|| ElbError::missing("RedirectConfig"))?;
    let status = c.required_str("StatusCode")?.to_string();
    if status != "HTTP_301" && status != "HTTP_302" {
        return Err(ElbError::validation(format!(
            "1 validation error detected: Value '{status}' at 'statusCode' failed to satisfy constraint: Member must satisfy enum value set: [HTTP_301, HTTP_302]"
        )));
    }
    let protocol = c.string("Protocol");
    if let Some(p) = &protocol {
        if !["HTTP", "HTTPS", "#{protocol}"].contains(&p.as_str()) {
            return Err(ElbError::validation(format!(
                "Redirect protocol '{p}' is not valid"
            )));
        }
    }
    let path = c.string("Path");
    if path.as_ref().is_some_and(|p| !p.starts_with('/')) {
        return Err(ElbError::validation(
            "The redirect path must start with a '/'",
        ));
    }
    Ok(ActionKind::Redirect {
        protocol,
        port: c.string("Port"),
        host: c.string("Host"),
        path,
        query: c.string("Query"),
        status_code: status,
    })
}
