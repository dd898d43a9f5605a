//! CreateSubnet, DescribeSubnets and DeleteSubnet
//! (<https://docs.aws.amazon.com/vpc/latest/userguide/create-subnets.html>). A subnet's block
//! lies inside its VPC's (`InvalidSubnet.Range`) and overlaps no other subnet of the VPC
//! (`InvalidSubnet.Conflict`); it lives in one zone. IPv6 and Outposts are not emulated.

use super::page;
use super::vpcs::{find_vpc, parse_block};
use crate::core::context::RequestContext;
use crate::core::fleet::InstancePhase;
use crate::ec2::error::{Ec2Error, Ec2Result};
use crate::ec2::filters::{self, flag, one, Filterable};
use crate::ec2::params::Params;
use crate::ec2::render;
use crate::ec2::state::network::{new_id, zones, Subnet, Tags};
use crate::ec2::state::RegionState;
use crate::wire::xml::XmlWriter;
use std::collections::BTreeSet;

pub fn create_subnet(
    state: &mut RegionState,
    _: &RequestContext,
    p: Params<'_>,
) -> Ec2Result<String> {
    let vpc_id = p.required("VpcId")?.to_string();
    let text = p.required("CidrBlock")?;
    let vpc_block = find_vpc(state, &vpc_id)?.cidr;
    let cidr = parse_block(text, "cidrBlock for subnet")?;
    if !vpc_block.contains_block(&cidr) {
        return Err(Ec2Error::InvalidSubnetRange(format!(
            "The CIDR '{text}' is invalid."
        )));
    }
    if state
        .subnets
        .values()
        .any(|s| s.vpc_id == vpc_id && s.cidr.overlaps(&cidr))
    {
        return Err(Ec2Error::InvalidSubnetConflict(format!(
            "The CIDR '{text}' conflicts with another subnet"
        )));
    }
    let zone = pick_zone(state, p)?;
    let tags: Tags = p
        .tag_specs()?
        .remove("subnet")
        .unwrap_or_default()
        .into_iter()
        .collect();
    let subnet = Subnet {
        id: new_id("subnet"),
        vpc_id,
        cidr,
        zone,
        default_for_az: false,
        map_public_ip: false,
        tags,
        used: BTreeSet::new(),
    };
    let mut w = XmlWriter::new();
    subnet_xml(&mut w, "subnet", &subnet, state);
    state.subnets.insert(subnet.id.clone(), subnet);
    Ok(w.finish())
}

/// The zone named by `AvailabilityZone` or `AvailabilityZoneId`, else the region's first.
fn pick_zone(state: &RegionState, p: Params<'_>) -> Ec2Result<crate::ec2::state::network::Zone> {
    let all = zones(&state.region);
    let name = p.str("AvailabilityZone")?.filter(|s| !s.is_empty());
    let id = p.str("AvailabilityZoneId")?.filter(|s| !s.is_empty());
    let found = match (name, id) {
        (Some(n), _) => all.iter().find(|z| z.name == n),
        (None, Some(i)) => all.iter().find(|z| z.id == i),
        (None, None) => all.first(),
    };
    found.cloned().ok_or_else(|| {
        Ec2Error::InvalidParameterValue(format!(
            "Value ({}) for parameter availabilityZone is invalid. Subnets can currently only be created in the following availability zones: {}.",
            name.or(id).unwrap_or(""),
            all.iter().map(|z| z.name.as_str()).collect::<Vec<_>>().join(", ")
        ))
    })
}

pub fn find_subnet<'a>(state: &'a RegionState, id: &str) -> Ec2Result<&'a Subnet> {
    state.subnets.get(id).ok_or_else(|| {
        Ec2Error::InvalidSubnetIdNotFound(format!("The subnet ID '{id}' does not exist"))
    })
}

pub fn describe_subnets(
    state: &mut RegionState,
    _: &RequestContext,
    p: Params<'_>,
) -> Ec2Result<String> {
    let ids = p.strings("SubnetId")?;
    let filters = p.filters()?;
    let mut chosen = Vec::new();
    for id in &ids {
        chosen.push(find_subnet(state, id)?);
    }
    if ids.is_empty() {
        chosen = state.subnets.values().collect();
    }
    let mut matching = filters::select(&filters, chosen.into_iter())?;
    matching
        .sort_by(|a, b| (&a.vpc_id, &a.zone.name, &a.id).cmp(&(&b.vpc_id, &b.zone.name, &b.id)));
    let (page, token) = page(p, matching, (5, 1000), |s| {
        format!("{}\u{1}{}\u{1}{}", s.vpc_id, s.zone.name, s.id)
    })?;
    let mut w = XmlWriter::new();
    w.start("subnetSet");
    for subnet in page {
        subnet_xml(&mut w, "item", subnet, state);
    }
    w.end();
    w.optional("nextToken", token.as_deref());
    Ok(w.finish())
}

pub fn delete_subnet(
    state: &mut RegionState,
    _: &RequestContext,
    p: Params<'_>,
) -> Ec2Result<String> {
    let id = p.required("SubnetId")?.to_string();
    find_subnet(state, &id)?;
    if state
        .instances
        .values()
        .any(|i| i.subnet_id == id && i.phase != InstancePhase::Terminated)
    {
        return Err(Ec2Error::DependencyViolation(format!(
            "The subnet '{id}' has dependencies and cannot be deleted."
        )));
    }
    state.subnets.remove(&id);
    Ok(render::ok_return())
}

fn subnet_xml(w: &mut XmlWriter, element: &str, s: &Subnet, state: &RegionState) {
    w.start(element)
        .element("subnetId", &s.id)
        .element("subnetArn", &state.arn(&format!("subnet/{}", s.id)))
        .element("state", "available")
        .element("ownerId", &state.account)
        .element("vpcId", &s.vpc_id)
        .element("cidrBlock", &s.cidr.to_string())
        .start("ipv6CidrBlockAssociationSet")
        .end()
        .element("availableIpAddressCount", &s.available().to_string())
        .element("availabilityZone", &s.zone.name)
        .element("availabilityZoneId", &s.zone.id)
        .element("defaultForAz", render::flag(s.default_for_az))
        .element("mapPublicIpOnLaunch", render::flag(s.map_public_ip))
        .element("assignIpv6AddressOnCreation", "false")
        .element("mapCustomerOwnedIpOnLaunch", "false")
        .element("enableDns64", "false")
        .element("ipv6Native", "false")
        .start("privateDnsNameOptionsOnLaunch")
        .element("hostnameType", "ip-name")
        .element("enableResourceNameDnsARecord", "false")
        .element("enableResourceNameDnsAAAARecord", "false")
        .end();
    render::tag_set(w, "tagSet", &s.tags);
    w.end();
}

impl Filterable for Subnet {
    fn filter_values(&self, name: &str) -> Option<Vec<String>> {
        Some(match name {
            "subnet-id" => one(&self.id),
            "vpc-id" => one(&self.vpc_id),
            "availability-zone" | "availabilityZone" => one(&self.zone.name),
            "availability-zone-id" | "availabilityZoneId" => one(&self.zone.id),
            "default-for-az" | "defaultForAz" => flag(self.default_for_az),
            "map-public-ip-on-launch" => flag(self.map_public_ip),
            "cidr" | "cidr-block" | "cidrBlock" => one(self.cidr.to_string()),
            "state" => one("available"),
            "available-ip-address-count" => one(self.available().to_string()),
            _ => return None,
        })
    }

    fn tags(&self) -> &Tags {
        &self.tags
    }
}
