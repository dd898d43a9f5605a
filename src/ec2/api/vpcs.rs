//! CreateVpc, DescribeVpcs and DeleteVpc
//! (<https://docs.aws.amazon.com/vpc/latest/userguide/create-vpc.html>). A VPC has one IPv4
//! block (`/16` to `/28`) and, as on AWS, a `default` security group made with it; it cannot
//! be deleted while subnets, other groups or instances use it. IPv6, IPAM pools and secondary
//! blocks are not emulated.

use super::page;
use crate::core::context::RequestContext;
use crate::ec2::cidr::Cidr;
use crate::ec2::error::{Ec2Error, Ec2Result};
use crate::ec2::filters::{self, flag, one, Filterable};
use crate::ec2::params::Params;
use crate::ec2::render;
use crate::ec2::state::network::{add_default_group, new_id, stable_id, Tags, Vpc};
use crate::ec2::state::RegionState;
use crate::wire::xml::XmlWriter;

/// A block as a VPC or subnet may use it: well formed, `/16` to `/28`.
pub fn parse_block(text: &str, name: &str) -> Ec2Result<Cidr> {
    let cidr = Cidr::parse(text).ok_or_else(|| {
        Ec2Error::InvalidParameterValue(format!(
            "Value ({text}) for parameter {name} is invalid. This is not a valid CIDR block."
        ))
    })?;
    if !(16..=28).contains(&cidr.prefix) {
        return Err(if name == "cidrBlock" {
            Ec2Error::InvalidVpcRange(format!("The CIDR '{text}' is invalid."))
        } else {
            Ec2Error::InvalidSubnetRange(format!("The CIDR '{text}' is invalid."))
        });
    }
    Ok(cidr)
}

pub fn find_vpc<'a>(state: &'a RegionState, id: &str) -> Ec2Result<&'a Vpc> {
    state
        .vpcs
        .get(id)
        .ok_or_else(|| Ec2Error::InvalidVpcIdNotFound(format!("The vpc ID '{id}' does not exist")))
}

pub fn create_vpc(state: &mut RegionState, _: &RequestContext, p: Params<'_>) -> Ec2Result<String> {
    let cidr = parse_block(p.required("CidrBlock")?, "cidrBlock")?;
    let tags: Tags = p
        .tag_specs()?
        .remove("vpc")
        .unwrap_or_default()
        .into_iter()
        .collect();
    super::tags::check_user_tags(&tags.clone().into_iter().collect::<Vec<_>>())?;
    let id = new_id("vpc");
    let vpc = Vpc {
        id: id.clone(),
        cidr,
        is_default: false,
        tenancy: p.str("InstanceTenancy")?.unwrap_or("default").to_string(),
        association_id: new_id("vpc-cidr-assoc"),
        dhcp_options_id: stable_id("dopt", &[&state.account, &state.region]),
        tags,
    };
    let mut w = XmlWriter::new();
    vpc_xml(&mut w, "vpc", &vpc, &state.account);
    state.vpcs.insert(id.clone(), vpc);
    add_default_group(state, &id, new_id("sg"));
    Ok(w.finish())
}

pub fn describe_vpcs(
    state: &mut RegionState,
    _: &RequestContext,
    p: Params<'_>,
) -> Ec2Result<String> {
    let ids = p.strings("VpcId")?;
    let filters = p.filters()?;
    let mut chosen = Vec::new();
    for id in &ids {
        chosen.push(find_vpc(state, id)?);
    }
    if ids.is_empty() {
        chosen = state.vpcs.values().collect();
    }
    let matching = filters::select(&filters, chosen.into_iter())?;
    let (page, token) = page(p, matching, (5, 1000), |v| v.id.clone())?;
    let mut w = XmlWriter::new();
    w.start("vpcSet");
    for vpc in page {
        vpc_xml(&mut w, "item", vpc, &state.account);
    }
    w.end();
    w.optional("nextToken", token.as_deref());
    Ok(w.finish())
}

pub fn delete_vpc(state: &mut RegionState, _: &RequestContext, p: Params<'_>) -> Ec2Result<String> {
    let id = p.required("VpcId")?.to_string();
    find_vpc(state, &id)?;
    let busy = state.subnets.values().any(|s| s.vpc_id == id)
        || state
            .groups
            .values()
            .any(|g| g.vpc_id == id && g.name != "default")
        || state
            .instances
            .values()
            .any(|i| i.vpc_id == id && i.phase != crate::core::fleet::InstancePhase::Terminated);
    if busy {
        return Err(Ec2Error::DependencyViolation(format!(
            "The vpc '{id}' has dependencies and cannot be deleted."
        )));
    }
    state.groups.retain(|_, g| g.vpc_id != id);
    state.vpcs.remove(&id);
    Ok(render::ok_return())
}

fn vpc_xml(w: &mut XmlWriter, element: &str, vpc: &Vpc, account: &str) {
    let block = vpc.cidr.to_string();
    w.start(element)
        .element("vpcId", &vpc.id)
        .element("ownerId", account)
        .element("state", "available")
        .element("cidrBlock", &block)
        .start("cidrBlockAssociationSet")
        .start("item")
        .element("cidrBlock", &block)
        .element("associationId", &vpc.association_id)
        .start("cidrBlockState")
        .element("state", "associated")
        .end()
        .end()
        .end()
        .element("dhcpOptionsId", &vpc.dhcp_options_id)
        .element("instanceTenancy", &vpc.tenancy)
        .element("isDefault", render::flag(vpc.is_default));
    render::tag_set(w, "tagSet", &vpc.tags);
    w.end();
}

impl Filterable for Vpc {
    fn filter_values(&self, name: &str) -> Option<Vec<String>> {
        Some(match name {
            "vpc-id" => one(&self.id),
            "cidr" | "cidr-block-association.cidr-block" => one(self.cidr.to_string()),
            "cidr-block-association.association-id" => one(&self.association_id),
            "cidr-block-association.state" => one("associated"),
            "is-default" => flag(self.is_default),
            "state" => one("available"),
            "dhcp-options-id" => one(&self.dhcp_options_id),
            _ => return None,
        })
    }

    fn tags(&self) -> &Tags {
        &self.tags
    }
}
