//! CreateSecurityGroup, DescribeSecurityGroups, DeleteSecurityGroup and
//! AuthorizeSecurityGroupIngress
//! (<https://docs.aws.amazon.com/vpc/latest/userguide/vpc-security-groups.html>). Rules are
//! stored and described; nothing enforces them (no traffic flows between emulated
//! instances). Egress rule changes and revocations are not built.

use super::page;
use super::vpcs::find_vpc;
use crate::core::context::RequestContext;
use crate::core::fleet::InstancePhase;
use crate::ec2::error::{Ec2Error, Ec2Result};
use crate::ec2::filters::{self, one, Filterable};
use crate::ec2::params::Params;
use crate::ec2::render;
use crate::ec2::state::network::{new_id, Permission, SecurityGroup, Tags};
use crate::ec2::state::RegionState;
use crate::wire::xml::XmlWriter;

mod rules;

pub use rules::authorize_security_group_ingress;

pub fn create_security_group(
    state: &mut RegionState,
    _: &RequestContext,
    p: Params<'_>,
) -> Ec2Result<String> {
    let name = p.required("GroupName")?.to_string();
    let description = p.required("GroupDescription")?.to_string();
    if name.len() > 255 || description.len() > 255 {
        return Err(Ec2Error::InvalidParameterValue(
            "Group names and descriptions may be at most 255 characters".into(),
        ));
    }
    if name.starts_with("sg-") {
        return Err(Ec2Error::InvalidParameterValue(
            "Group names may not be in the format sg-*".into(),
        ));
    }
    if name == "default" {
        return Err(Ec2Error::InvalidGroupReserved(
            "The security group 'default' is reserved".into(),
        ));
    }
    let vpc_id = match p.str("VpcId")?.filter(|s| !s.is_empty()) {
        Some(id) => find_vpc(state, id)?.id.clone(),
        None => state
            .default_vpc()
            .map(|v| v.id.clone())
            .ok_or_else(|| Ec2Error::VpcIdNotSpecified("No default VPC for this user".into()))?,
    };
    if state
        .groups
        .values()
        .any(|g| g.vpc_id == vpc_id && g.name == name)
    {
        return Err(Ec2Error::InvalidGroupDuplicate(format!(
            "The security group '{name}' already exists for VPC '{vpc_id}'"
        )));
    }
    let tags: Tags = p
        .tag_specs()?
        .remove("security-group")
        .unwrap_or_default()
        .into_iter()
        .collect();
    let group = SecurityGroup {
        id: new_id("sg"),
        name,
        description,
        vpc_id,
        tags,
        ingress: Vec::new(),
        egress: vec![Permission::allow_all_out()],
    };
    let mut w = XmlWriter::new();
    w.element("return", "true")
        .element("groupId", &group.id)
        .element(
            "securityGroupArn",
            &state.arn(&format!("security-group/{}", group.id)),
        );
    render::tag_set(&mut w, "tagSet", &group.tags);
    state.groups.insert(group.id.clone(), group);
    Ok(w.finish())
}

/// The group a request names by `GroupId`, or by `GroupName` in the default VPC.
pub fn find_group<'a>(
    state: &'a RegionState,
    id: Option<&str>,
    name: Option<&str>,
) -> Ec2Result<&'a SecurityGroup> {
    match (id.filter(|s| !s.is_empty()), name.filter(|s| !s.is_empty())) {
        (Some(id), _) => state.groups.get(id).ok_or_else(|| {
            Ec2Error::InvalidGroupNotFound(format!("The security group '{id}' does not exist"))
        }),
        (None, Some(name)) => {
            let vpc = state
                .default_vpc()
                .map(|v| v.id.clone())
                .unwrap_or_default();
            state
                .groups
                .values()
                .find(|g| g.vpc_id == vpc && g.name == name)
                .ok_or_else(|| {
                    Ec2Error::InvalidGroupNotFound(format!(
                        "The security group '{name}' does not exist in default VPC '{vpc}'"
                    ))
                })
        }
        (None, None) => Err(Ec2Error::MissingParameter(
            "The request must contain the parameter groupName or groupId".into(),
        )),
    }
}

pub fn describe_security_groups(
    state: &mut RegionState,
    _: &RequestContext,
    p: Params<'_>,
) -> Ec2Result<String> {
    let ids = p.strings("GroupId")?;
    let names = p.strings("GroupName")?;
    let filters = p.filters()?;
    let mut chosen: Vec<&SecurityGroup> = Vec::new();
    for id in &ids {
        chosen.push(find_group(state, Some(id), None)?);
    }
    for name in &names {
        chosen.push(find_group(state, None, Some(name))?);
    }
    if ids.is_empty() && names.is_empty() {
        chosen = state.groups.values().collect();
    }
    chosen.sort_by(|a, b| a.id.cmp(&b.id));
    chosen.dedup_by(|a, b| a.id == b.id);
    let matching = filters::select(&filters, chosen.into_iter())?;
    let (page, token) = page(p, matching, (5, 1000), |g| g.id.clone())?;
    let mut w = XmlWriter::new();
    w.start("securityGroupInfo");
    for group in page {
        group_xml(&mut w, group, state);
    }
    w.end();
    w.optional("nextToken", token.as_deref());
    Ok(w.finish())
}

pub fn delete_security_group(
    state: &mut RegionState,
    _: &RequestContext,
    p: Params<'_>,
) -> Ec2Result<String> {
    let group = find_group(state, p.str("GroupId")?, p.str("GroupName")?)?;
    let id = group.id.clone();
    if group.name == "default" {
        return Err(Ec2Error::CannotDelete(format!(
            "the specified group: \"{id}\" name: \"default\" cannot be deleted by a user"
        )));
    }
    let used = state
        .instances
        .values()
        .any(|i| i.phase != InstancePhase::Terminated && i.groups.iter().any(|(g, _)| *g == id));
    let referenced = state.groups.values().any(|g| {
        g.id != id
            && g.ingress
                .iter()
                .chain(&g.egress)
                .any(|r| r.groups.iter().any(|(peer, _)| *peer == id))
    });
    if used || referenced {
        return Err(Ec2Error::DependencyViolation(format!(
            "resource {id} has a dependent object"
        )));
    }
    state.groups.remove(&id);
    let mut w = XmlWriter::new();
    w.element("return", "true").element("groupId", &id);
    Ok(w.finish())
}

fn group_xml(w: &mut XmlWriter, g: &SecurityGroup, state: &RegionState) {
    w.start("item")
        .element("ownerId", &state.account)
        .element("groupId", &g.id)
        .element("groupName", &g.name)
        .element("groupDescription", &g.description)
        .element("vpcId", &g.vpc_id)
        .element(
            "securityGroupArn",
            &state.arn(&format!("security-group/{}", g.id)),
        );
    permissions_xml(w, "ipPermissions", &g.ingress, &state.account);
    permissions_xml(w, "ipPermissionsEgress", &g.egress, &state.account);
    render::tag_set(w, "tagSet", &g.tags);
    w.end();
}

fn permissions_xml(w: &mut XmlWriter, element: &str, rules: &[Permission], account: &str) {
    w.start(element);
    for r in rules {
        w.start("item")
            .element("ipProtocol", &r.protocol)
            .optional("fromPort", r.from_port.map(|p| p.to_string()).as_deref())
            .optional("toPort", r.to_port.map(|p| p.to_string()).as_deref())
            .start("groups");
        for (peer, desc) in &r.groups {
            w.start("item")
                .element("userId", account)
                .element("groupId", peer)
                .optional("description", desc.as_deref())
                .end();
        }
        w.end().start("ipRanges");
        for (cidr, desc) in &r.ipv4 {
            w.start("item")
                .element("cidrIp", cidr)
                .optional("description", desc.as_deref())
                .end();
        }
        w.end().start("ipv6Ranges");
        for (cidr, desc) in &r.ipv6 {
            w.start("item")
                .element("cidrIpv6", cidr)
                .optional("description", desc.as_deref())
                .end();
        }
        w.end().start("prefixListIds").end().end();
    }
    w.end();
}

impl Filterable for SecurityGroup {
    fn filter_values(&self, name: &str) -> Option<Vec<String>> {
        let ingress = |f: fn(&Permission) -> Vec<String>| -> Vec<String> {
            self.ingress.iter().flat_map(f).collect()
        };
        Some(match name {
            "group-id" => one(&self.id),
            "group-name" => one(&self.name),
            "vpc-id" => one(&self.vpc_id),
            "description" => one(&self.description),
            "ip-permission.protocol" => ingress(|r| vec![r.protocol.clone()]),
            "ip-permission.from-port" => {
                ingress(|r| r.from_port.map(|p| p.to_string()).into_iter().collect())
            }
            "ip-permission.to-port" => {
                ingress(|r| r.to_port.map(|p| p.to_string()).into_iter().collect())
            }
            "ip-permission.cidr" => ingress(|r| r.ipv4.iter().map(|c| c.0.clone()).collect()),
            "ip-permission.group-id" => ingress(|r| r.groups.iter().map(|c| c.0.clone()).collect()),
            _ => return None,
        })
    }

    fn tags(&self) -> &Tags {
        &self.tags
    }
}
