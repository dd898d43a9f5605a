//! AuthorizeSecurityGroupIngress: reads `IpPermissions` (or the older flat `IpProtocol`,
//! `FromPort`, `ToPort`, `CidrIp`, `SourceSecurityGroupName`), normalises protocols as EC2 does
//! (`6` → `tcp`, `17` → `udp`, `1` → `icmp`, `all` is `-1`), refuses a rule that exists
//! (`InvalidPermission.Duplicate`) and stores the rest, merged into the group's rule for the
//! same protocol and ports.

use super::find_group;
use crate::core::context::RequestContext;
use crate::ec2::error::{Ec2Error, Ec2Result};
use crate::ec2::params::Params;
use crate::ec2::state::network::{new_id, Permission};
use crate::ec2::state::RegionState;
use crate::wire::xml::XmlWriter;

/// A protocol as EC2 stores it.
pub fn protocol(text: &str) -> Ec2Result<String> {
    let lower = text.to_ascii_lowercase();
    Ok(match lower.as_str() {
        "tcp" | "6" => "tcp".into(),
        "udp" | "17" => "udp".into(),
        "icmp" | "1" => "icmp".into(),
        "icmpv6" | "58" => "icmpv6".into(),
        "-1" | "all" => "-1".into(),
        n if n.parse::<u8>().is_ok() => n.into(),
        _ => {
            return Err(Ec2Error::InvalidParameterValue(format!(
                "Invalid value '{text}' for IP protocol. Unknown protocol."
            )))
        }
    })
}

fn parse_permission(state: &RegionState, p: Params<'_>, flat: bool) -> Ec2Result<Permission> {
    let proto = protocol(p.required("IpProtocol")?)?;
    let (from, to) = (p.int("FromPort")?, p.int("ToPort")?);
    let (from, to) = match proto.as_str() {
        "-1" => (None, None),
        "tcp" | "udp" => match (from, to) {
            (Some(f), Some(t)) if (0..=65535).contains(&f) && (f..=65535).contains(&t) => {
                (Some(f), Some(t))
            }
            _ => return Err(Ec2Error::InvalidParameterValue(
                "Invalid value 'Must specify both from and to ports with TCP/UDP.' for portRange"
                    .into(),
            )),
        },
        _ => (from.or(Some(-1)), to.or(Some(-1))),
    };
    let mut rule = Permission {
        protocol: proto,
        from_port: from,
        to_port: to,
        ipv4: Vec::new(),
        ipv6: Vec::new(),
        groups: Vec::new(),
    };
    if flat {
        if let Some(cidr) = p.str("CidrIp")?.filter(|s| !s.is_empty()) {
            rule.ipv4.push((cidr.to_string(), None));
        }
        if let Some(name) = p.str("SourceSecurityGroupName")?.filter(|s| !s.is_empty()) {
            rule.groups
                .push((find_group(state, None, Some(name))?.id.clone(), None));
        }
        return Ok(rule);
    }
    for r in p.list("IpRanges")? {
        rule.ipv4.push((
            r.required("CidrIp")?.to_string(),
            r.str("Description")?.map(str::to_string),
        ));
    }
    for r in p.list("Ipv6Ranges")? {
        rule.ipv6.push((
            r.required("CidrIpv6")?.to_string(),
            r.str("Description")?.map(str::to_string),
        ));
    }
    for g in p.list("Groups")? {
        let peer = find_group(state, g.str("GroupId")?, g.str("GroupName")?)?;
        rule.groups
            .push((peer.id.clone(), g.str("Description")?.map(str::to_string)));
    }
    Ok(rule)
}

fn check_cidrs(rule: &Permission) -> Ec2Result<()> {
    for (cidr, _) in &rule.ipv4 {
        let ok = cidr.split_once('/').is_some_and(|(a, n)| {
            a.parse::<std::net::Ipv4Addr>().is_ok() && n.parse::<u8>().is_ok_and(|n| n <= 32)
        });
        if !ok {
            return Err(Ec2Error::InvalidParameterValue(format!(
                "CIDR block {cidr} is malformed"
            )));
        }
    }
    Ok(())
}

fn describe_peer(rule: &Permission) -> String {
    let peer = rule
        .ipv4
        .first()
        .or(rule.ipv6.first())
        .or(rule.groups.first())
        .map(|p| p.0.clone())
        .unwrap_or_default();
    let ports = |p: Option<i64>| p.map_or("-1".to_string(), |p| p.to_string());
    format!(
        "peer: {peer}, {}, from port: {}, to port: {}, ALLOW",
        rule.protocol.to_ascii_uppercase(),
        ports(rule.from_port),
        ports(rule.to_port)
    )
}

/// Adds `rule`'s peers to the group's rule for the same protocol and ports (a new rule when
/// there is none); refuses a peer already allowed.
fn merge(rules: &mut Vec<Permission>, rule: Permission) -> Ec2Result<()> {
    let same = |r: &&mut Permission| {
        r.protocol == rule.protocol && r.from_port == rule.from_port && r.to_port == rule.to_port
    };
    let Some(existing) = rules.iter_mut().find(|r| same(r)) else {
        rules.push(rule);
        return Ok(());
    };
    let dup = rule
        .ipv4
        .iter()
        .any(|p| existing.ipv4.iter().any(|e| e.0 == p.0))
        || rule
            .ipv6
            .iter()
            .any(|p| existing.ipv6.iter().any(|e| e.0 == p.0))
        || rule
            .groups
            .iter()
            .any(|p| existing.groups.iter().any(|e| e.0 == p.0));
    if dup {
        return Err(Ec2Error::InvalidPermissionDuplicate(format!(
            "the specified rule \"{}\" already exists",
            describe_peer(&rule)
        )));
    }
    existing.ipv4.extend(rule.ipv4);
    existing.ipv6.extend(rule.ipv6);
    existing.groups.extend(rule.groups);
    Ok(())
}

pub fn authorize_security_group_ingress(
    state: &mut RegionState,
    _: &RequestContext,
    p: Params<'_>,
) -> Ec2Result<String> {
    let id = find_group(state, p.str("GroupId")?, p.str("GroupName")?)?
        .id
        .clone();
    let mut rules = Vec::new();
    for perm in p.list("IpPermissions")? {
        rules.push(parse_permission(state, perm, false)?);
    }
    if rules.is_empty() {
        rules.push(parse_permission(state, p, true)?);
    }
    for rule in &rules {
        check_cidrs(rule)?;
    }
    let group = state
        .groups
        .get_mut(&id)
        .ok_or_else(|| Ec2Error::Internal("group vanished".into()))?;
    let mut updated = group.ingress.clone();
    for rule in rules.iter().cloned() {
        merge(&mut updated, rule)?;
    }
    group.ingress = updated;
    let mut w = XmlWriter::new();
    w.element("return", "true").start("securityGroupRuleSet");
    for rule in &rules {
        let peers = rule
            .ipv4
            .iter()
            .map(|c| ("cidrIpv4", c))
            .chain(rule.ipv6.iter().map(|c| ("cidrIpv6", c)))
            .chain(rule.groups.iter().map(|c| ("group", c)));
        for (kind, (peer, desc)) in peers {
            w.start("item")
                .element("securityGroupRuleId", &new_id("sgr"))
                .element("groupId", &id)
                .element("groupOwnerId", &state.account)
                .element("isEgress", "false")
                .element("ipProtocol", &rule.protocol)
                .element("fromPort", &rule.from_port.unwrap_or(-1).to_string())
                .element("toPort", &rule.to_port.unwrap_or(-1).to_string());
            if kind == "group" {
                w.start("referencedGroupInfo")
                    .element("groupId", peer)
                    .element("userId", &state.account)
                    .end();
            } else {
                w.element(kind, peer);
            }
            w.optional("description", desc.as_deref()).end();
        }
    }
    w.end();
    Ok(w.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tcp(port: i64, cidr: &str) -> Permission {
        Permission {
            protocol: "tcp".into(),
            from_port: Some(port),
            to_port: Some(port),
            ipv4: vec![(cidr.into(), None)],
            ipv6: Vec::new(),
            groups: Vec::new(),
        }
    }

    #[test]
    fn rules_merge_and_duplicates_are_refused() {
        let mut rules = Vec::new();
        merge(&mut rules, tcp(80, "0.0.0.0/0")).unwrap();
        merge(&mut rules, tcp(80, "10.0.0.0/8")).unwrap();
        merge(&mut rules, tcp(443, "0.0.0.0/0")).unwrap();
        assert_eq!(rules.len(), 2);
        assert_eq!(rules[0].ipv4.len(), 2);
        let err = merge(&mut rules, tcp(80, "10.0.0.0/8")).unwrap_err();
        assert_eq!(err.code(), "InvalidPermission.Duplicate");
        assert_eq!(
            err.message(),
            "the specified rule \"peer: 10.0.0.0/8, TCP, from port: 80, to port: 80, ALLOW\" already exists"
        );
    }

    #[test]
    fn protocols() {
        assert_eq!(protocol("6").unwrap(), "tcp");
        assert_eq!(protocol("ALL").unwrap(), "-1");
        assert_eq!(protocol("50").unwrap(), "50");
        assert!(protocol("carrier-pigeon").is_err());
    }
}
