//! What RunInstances does once its parameters (and any launch template's) are merged into one
//! [`LaunchSpec`]: check the image id's form, the type, the user data, the subnet, zone and
//! groups, then record the instances as pending with addresses from their subnet
//! (<https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_RunInstances.html>). Shared
//! by the RunInstances handler and the [`crate::core::fleet::Instances`] facade, so Auto
//! Scaling's launches are RunInstances' own. No AMI catalogue exists: any well-formed id runs.

use super::error::{Ec2Error, Ec2Result};
use super::instance_types::{self, InstanceType, DEFAULT_TYPE};
use super::state::instance::Instance;
use super::state::network::{Subnet, Tags};
use super::state::template::LaunchSpec;
use super::state::RegionState;
use crate::core::fleet::InstancePhase;
use crate::core::ids;

/// User data may be at most 16 KiB once decoded.
const MAX_USER_DATA: usize = 16 * 1024;
/// The most instances one launch may ask for.
const MAX_COUNT: i64 = 1000;
/// Resource types RunInstances tags.
const TAGGABLE: &[&str] = &[
    "instance",
    "volume",
    "network-interface",
    "spot-instances-request",
    "elastic-gpu",
];

/// One launch: the merged spec, the counts, and where it comes from.
#[derive(Debug, Clone, Default)]
pub struct Launch {
    pub spec: LaunchSpec,
    pub min: i64,
    pub max: i64,
    /// Tags beyond the spec's (Auto Scaling's, a template's `aws:ec2launchtemplate:*`).
    pub extra_tags: Vec<(String, String)>,
    pub client_token: Option<String>,
}

/// Whether `id` has the form of an id with `prefix` (`prefix-` and 8 or 17 hex digits).
pub fn well_formed(id: &str, prefix: &str) -> bool {
    id.strip_prefix(prefix)
        .and_then(|rest| rest.strip_prefix('-'))
        .is_some_and(|hex| {
            matches!(hex.len(), 8 | 17) && hex.bytes().all(|b| b.is_ascii_hexdigit())
        })
}

/// Launches between `min` and `max` instances (as many as the subnet has addresses for, at
/// least `min`); the reservation id and the new instances' ids.
pub fn launch(state: &mut RegionState, req: Launch) -> Ec2Result<(String, Vec<String>)> {
    let (proto, wanted_ip, count) = prototype(state, &req)?;
    let mut launched = Vec::new();
    for index in 0..count {
        let subnet = state
            .subnets
            .get_mut(&proto.subnet_id)
            .ok_or_else(|| Ec2Error::Internal("subnet vanished".into()))?;
        let mut inst = proto.clone();
        inst.private_ip = address(subnet, wanted_ip)?;
        inst.id = ids::short_id("i");
        inst.launch_index = index;
        inst.seq = state.next_seq;
        inst.eni_id = ids::short_id("eni");
        inst.volume_id = ids::short_id("vol");
        inst.mac = format!("0e:{}", ids::mac_address().get(3..).unwrap_or(""));
        let id = inst.id.clone();
        state.next_seq += 1;
        state.instances.insert(id.clone(), inst);
        state.queue_fact(&id);
        launched.push(id);
    }
    Ok((proto.reservation_id, launched))
}

/// Checks a launch and builds what its instances share (each then gets its own id, address
/// and devices); with the address asked for, if any, and how many to launch.
fn prototype(state: &RegionState, req: &Launch) -> Ec2Result<(Instance, Option<u32>, u32)> {
    let spec = &req.spec;
    let image = spec
        .image_id
        .clone()
        .ok_or_else(|| Ec2Error::missing("ImageId"))?;
    if !well_formed(&image, "ami") {
        return Err(Ec2Error::InvalidAmiIdMalformed(format!(
            "Invalid id: \"{image}\" (expecting \"ami-...\")"
        )));
    }
    let itype = instance_type(spec.instance_type.as_deref())?;
    check_user_data(spec.user_data.as_deref())?;
    check_counts(req.min, req.max)?;
    let tags = instance_tags(spec, &req.extra_tags)?;
    let subnet_id = choose_subnet(state, spec)?;
    let (vpc_id, zone, available) = {
        let s = subnet(state, &subnet_id)?;
        (s.vpc_id.clone(), s.zone.clone(), s.available())
    };
    let groups = resolve_groups(state, spec, &vpc_id)?;
    let profile = profile(spec, &state.account)?;
    let wanted_ip = fixed_address(spec, req.max)?;
    if available < req.min as u64 {
        return Err(Ec2Error::InsufficientFreeAddresses(format!(
            "There are not enough free addresses in subnet '{subnet_id}' to satisfy the requested number of instances."
        )));
    }
    let now = state.now();
    let mut proto = Instance {
        id: String::new(),
        reservation_id: ids::short_id("r"),
        seq: 0,
        launch_index: 0,
        image_id: image,
        itype,
        key_name: spec.key_name.clone(),
        launch_time: now,
        zone: zone.name,
        zone_id: zone.id,
        subnet_id,
        vpc_id,
        private_ip: 0,
        groups,
        profile,
        user_data: spec.user_data.clone(),
        tags,
        phase: InstancePhase::Pending,
        due: None,
        reason: String::new(),
        state_reason: Some(("pending".into(), "pending".into())),
        purge_at: None,
        eni_id: String::new(),
        volume_id: String::new(),
        mac: String::new(),
        client_token: req.client_token.clone(),
    };
    proto.begin(InstancePhase::Pending, now);
    Ok((proto, wanted_ip, req.max.min(available as i64) as u32))
}

fn instance_type(name: Option<&str>) -> Ec2Result<InstanceType> {
    let name = name.unwrap_or(DEFAULT_TYPE);
    instance_types::find(name).ok_or_else(|| {
        Ec2Error::InvalidParameterValue(format!("Invalid value '{name}' for InstanceType."))
    })
}

fn check_user_data(data: Option<&str>) -> Ec2Result<()> {
    let Some(data) = data else { return Ok(()) };
    let decoded = crate::wire::base64::decode(data).ok_or_else(|| {
        Ec2Error::InvalidParameterValue("Invalid BASE64 encoding of user data.".into())
    })?;
    if decoded.len() > MAX_USER_DATA {
        return Err(Ec2Error::InvalidParameterValue(format!(
            "User data is limited to {MAX_USER_DATA} bytes"
        )));
    }
    Ok(())
}

fn check_counts(min: i64, max: i64) -> Ec2Result<()> {
    if min < 1 {
        return Err(Ec2Error::InvalidParameterValue(format!(
            "Value ({min}) for parameter minCount is invalid. Expected a positive integer."
        )));
    }
    if max < min {
        return Err(Ec2Error::InvalidParameterValue(format!(
            "Value ({max}) for parameter maxCount is invalid. maxCount must be greater than or equal to minCount."
        )));
    }
    if min > MAX_COUNT {
        return Err(Ec2Error::InstanceLimitExceeded(format!(
            "You have requested more instances ({min}) than your current instance limit of {MAX_COUNT} allows for the specified instance type."
        )));
    }
    Ok(())
}

/// The instance's tags: its tag specifications', then `extra` (which win on a shared key).
fn instance_tags(spec: &LaunchSpec, extra: &[(String, String)]) -> Ec2Result<Tags> {
    for kind in spec.tag_specs.keys() {
        if !TAGGABLE.contains(&kind.as_str()) {
            return Err(Ec2Error::InvalidParameterValue(format!(
                "'{kind}' is not a valid taggable resource type for this operation."
            )));
        }
    }
    let asked = spec.tag_specs.get("instance").cloned().unwrap_or_default();
    super::api::tags::check_user_tags(&asked)?;
    Ok(asked.into_iter().chain(extra.iter().cloned()).collect())
}

fn subnet<'a>(state: &'a RegionState, id: &str) -> Ec2Result<&'a Subnet> {
    state.subnets.get(id).ok_or_else(|| {
        Ec2Error::InvalidSubnetIdNotFound(format!("The subnet ID '{id}' does not exist"))
    })
}

/// The launch's subnet: the interface's or the instance-level one, else the zone's default
/// subnet, else the default VPC's first.
fn choose_subnet(state: &RegionState, spec: &LaunchSpec) -> Ec2Result<String> {
    let nic_subnet = spec.interface.as_ref().and_then(|ni| ni.subnet_id.clone());
    if let Some(ni) = &spec.interface {
        if spec.subnet_id.is_some() {
            return Err(Ec2Error::InvalidParameterCombination(
                "Network interfaces and an instance-level subnet ID may not be specified on the same request".into(),
            ));
        }
        if !spec.group_ids.is_empty() || !spec.group_names.is_empty() {
            return Err(Ec2Error::InvalidParameterCombination(
                "Network interfaces and an instance-level security groups may not be specified on the same request".into(),
            ));
        }
        if ni.device_index.is_some_and(|i| i != 0) {
            return Err(Ec2Error::InvalidParameterValue(
                "The first network interface must have DeviceIndex 0".into(),
            ));
        }
    }
    if let Some(zone) = &spec.zone {
        if state.zone(zone).is_none() {
            return Err(Ec2Error::InvalidParameterValue(format!(
                "Invalid availability zone: [{zone}]"
            )));
        }
    }
    if let Some(id) = nic_subnet.or_else(|| spec.subnet_id.clone()) {
        let s = subnet(state, &id)?;
        if let Some(zone) = spec.zone.as_ref().filter(|z| **z != s.zone.name) {
            return Err(Ec2Error::InvalidParameterValue(format!(
                "The subnet '{id}' is not in availability zone '{zone}'"
            )));
        }
        return Ok(id);
    }
    let vpc = state.default_vpc().ok_or_else(|| {
        Ec2Error::VpcIdNotSpecified("No default VPC for this user. GroupName is only supported for EC2-Classic and default VPC.".into())
    })?;
    let mut defaults: Vec<&Subnet> = state
        .subnets
        .values()
        .filter(|s| s.vpc_id == vpc.id && s.default_for_az)
        .collect();
    defaults.sort_by(|a, b| a.zone.name.cmp(&b.zone.name));
    let pick = match &spec.zone {
        Some(zone) => defaults.into_iter().find(|s| s.zone.name == *zone),
        None => defaults.into_iter().next(),
    };
    pick.map(|s| s.id.clone()).ok_or_else(|| {
        Ec2Error::InvalidParameterValue(
            "No default subnet for the requested availability zone.".into(),
        )
    })
}

/// (id, name) of the launch's groups, all in `vpc_id`; the VPC's `default` group if none.
fn resolve_groups(
    state: &RegionState,
    spec: &LaunchSpec,
    vpc_id: &str,
) -> Ec2Result<Vec<(String, String)>> {
    let ids = match &spec.interface {
        Some(ni) => ni.group_ids.clone(),
        None => spec.group_ids.clone(),
    };
    let mut out = Vec::new();
    for id in &ids {
        let group = state
            .groups
            .get(id)
            .filter(|g| g.vpc_id == vpc_id)
            .ok_or_else(|| {
                Ec2Error::InvalidGroupNotFound(format!(
                    "The security group '{id}' does not exist in VPC '{vpc_id}'"
                ))
            })?;
        out.push((group.id.clone(), group.name.clone()));
    }
    for name in &spec.group_names {
        let group = state
            .groups
            .values()
            .find(|g| g.vpc_id == vpc_id && g.name == *name)
            .ok_or_else(|| {
                Ec2Error::InvalidGroupNotFound(format!(
                    "The security group '{name}' does not exist in VPC '{vpc_id}'"
                ))
            })?;
        out.push((group.id.clone(), group.name.clone()));
    }
    if out.is_empty() {
        if let Some(g) = state.default_group(vpc_id) {
            out.push((g.id.clone(), g.name.clone()));
        }
    }
    out.dedup();
    Ok(out)
}

/// The instance profile's (ARN, id): from its ARN, or its name in the caller's account. The id
/// (`AIPA` and 17 characters) is derived from the ARN, so it is stable.
fn profile(spec: &LaunchSpec, account: &str) -> Ec2Result<Option<(String, String)>> {
    let Some(p) = &spec.profile else {
        return Ok(None);
    };
    let arn = match (&p.arn, &p.name) {
        (Some(arn), _) => {
            if !arn.starts_with("arn:aws:iam::") || !arn.contains(":instance-profile/") {
                return Err(Ec2Error::InvalidParameterValue(format!(
                    "Value ({arn}) for parameter iamInstanceProfile.arn is invalid. Invalid IAM Instance Profile ARN"
                )));
            }
            arn.clone()
        }
        (None, Some(name)) => format!("arn:aws:iam::{account}:instance-profile/{name}"),
        (None, None) => return Ok(None),
    };
    let hex = super::state::network::stable_id("x", &[&arn]);
    let id = format!("AIPA{}", hex[2..].to_ascii_uppercase());
    Ok(Some((arn, id)))
}

fn fixed_address(spec: &LaunchSpec, max: i64) -> Ec2Result<Option<u32>> {
    let text = spec
        .interface
        .as_ref()
        .and_then(|ni| ni.private_ip.clone())
        .or_else(|| spec.private_ip.clone());
    let Some(text) = text else { return Ok(None) };
    if max > 1 {
        return Err(Ec2Error::InvalidParameterCombination(
            "Cannot specify a private IP address when launching more than one instance".into(),
        ));
    }
    let addr: std::net::Ipv4Addr = text
        .parse()
        .map_err(|_| Ec2Error::invalid_value("PrivateIpAddress", &text))?;
    Ok(Some(u32::from(addr)))
}

fn address(subnet: &mut Subnet, wanted: Option<u32>) -> Ec2Result<u32> {
    match wanted {
        Some(addr) if subnet.take(addr) => Ok(addr),
        Some(addr) if subnet.cidr.contains(addr) => Err(Ec2Error::InvalidIpAddressInUse(format!(
            "Address {} is in use.",
            super::cidr::ip(addr)
        ))),
        Some(addr) => Err(Ec2Error::InvalidParameterValue(format!(
            "Address {} does not fall within the subnet's address range",
            super::cidr::ip(addr)
        ))),
        None => subnet.allocate().ok_or_else(|| {
            Ec2Error::InsufficientFreeAddresses(format!(
                "There are not enough free addresses in subnet '{}' to satisfy the requested number of instances.",
                subnet.id
            ))
        }),
    }
}

#[cfg(test)]
mod tests;
