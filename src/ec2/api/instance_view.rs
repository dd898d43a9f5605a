//! An instance as DescribeInstances and RunInstances show it (the model's `Instance` shape,
//! with its XML names), and the filters DescribeInstances and DescribeInstanceStatus accept.
//! Shown: identity, state and reasons, type, image, key, launch time, placement, networking
//! (subnet, VPC, private address and DNS name, groups, one network interface), instance
//! profile, a root EBS volume, architecture and tags. No public address is shown.

use crate::core::fleet::InstancePhase;
use crate::ec2::cidr;
use crate::ec2::filters::{flag, one, opt, Filterable};
use crate::ec2::render::{self, iso8601};
use crate::ec2::state::instance::Instance;
use crate::ec2::state::network::Tags;
use crate::wire::xml::XmlWriter;
use std::collections::BTreeMap;

/// `<name><code>16</code><name>running</name></name>`.
pub fn state_xml(w: &mut XmlWriter, element: &str, phase: InstancePhase) {
    let (name, code) = phase.name_and_code();
    w.start(element)
        .element("code", &code.to_string())
        .element("name", name)
        .end();
}

/// One `<item>` of an `instancesSet`.
pub fn instance_item(w: &mut XmlWriter, inst: &Instance, region: &str, account: &str) {
    let ip = cidr::ip(inst.private_ip);
    let dns = inst.region_dns(region);
    let launched = iso8601(inst.launch_time);
    // A terminated instance has given back its address, volume and interface.
    let gone = inst.phase == InstancePhase::Terminated;
    w.start("item");
    identity(w, inst, if gone { "" } else { &dns }, &launched);
    if !gone {
        w.element("subnetId", &inst.subnet_id)
            .element("vpcId", &inst.vpc_id)
            .element("privateIpAddress", &ip);
    }
    w.element("sourceDestCheck", "true");
    groups(w, &inst.groups);
    if let Some((code, message)) = &inst.state_reason {
        w.start("stateReason")
            .element("code", code)
            .element("message", message)
            .end();
    }
    w.element("architecture", inst.itype.arch.name())
        .element("rootDeviceType", "ebs")
        .element("rootDeviceName", "/dev/xvda");
    volumes(w, inst, gone, &launched);
    w.element("virtualizationType", "hvm")
        .optional("clientToken", inst.client_token.as_deref());
    render::tag_set(w, "tagSet", &inst.tags);
    w.element("hypervisor", "xen");
    if !gone {
        interface(w, inst, &ip, &dns, account, &launched);
    }
    hardware(w, inst);
    w.end();
}

/// Id, image, state, names, type, launch time, placement and monitoring.
fn identity(w: &mut XmlWriter, inst: &Instance, dns: &str, launched: &str) {
    w.element("instanceId", &inst.id)
        .element("imageId", &inst.image_id);
    state_xml(w, "instanceState", inst.phase);
    w.element("privateDnsName", dns)
        .element("dnsName", "")
        .element("reason", &inst.reason)
        .optional("keyName", inst.key_name.as_deref())
        .element("amiLaunchIndex", &inst.launch_index.to_string())
        .start("productCodes")
        .end()
        .element("instanceType", &inst.itype.name())
        .element("launchTime", launched)
        .start("placement")
        .element("availabilityZoneId", &inst.zone_id)
        .element("availabilityZone", &inst.zone)
        .element("groupName", "")
        .element("tenancy", "default")
        .end()
        .element("platformDetails", "Linux/UNIX")
        .element("usageOperation", "RunInstances")
        .start("monitoring")
        .element("state", "disabled")
        .end();
}

/// Instance profile, CPU and metadata options.
fn hardware(w: &mut XmlWriter, inst: &Instance) {
    if let Some((arn, id)) = &inst.profile {
        w.start("iamInstanceProfile")
            .element("arn", arn)
            .element("id", id)
            .end();
    }
    w.element("ebsOptimized", "false")
        .element("enaSupport", "true")
        .start("cpuOptions")
        .element("coreCount", &inst.itype.cores().to_string())
        .element("threadsPerCore", &inst.itype.threads_per_core.to_string())
        .end()
        .start("metadataOptions")
        .element("state", "applied")
        .element("httpTokens", "required")
        .element("httpPutResponseHopLimit", "2")
        .element("httpEndpoint", "enabled")
        .end()
        .element("bootMode", "uefi-preferred");
}

fn groups(w: &mut XmlWriter, groups: &[(String, String)]) {
    w.start("groupSet");
    for (id, name) in groups {
        w.start("item")
            .element("groupId", id)
            .element("groupName", name)
            .end();
    }
    w.end();
}

fn volumes(w: &mut XmlWriter, inst: &Instance, gone: bool, launched: &str) {
    w.start("blockDeviceMapping");
    if !gone {
        w.start("item")
            .element("deviceName", "/dev/xvda")
            .start("ebs")
            .element("volumeId", &inst.volume_id)
            .element("status", "attached")
            .element("attachTime", launched)
            .element("deleteOnTermination", "true")
            .end()
            .end();
    }
    w.end();
}

fn interface(w: &mut XmlWriter, inst: &Instance, ip: &str, dns: &str, account: &str, at: &str) {
    w.start("networkInterfaceSet")
        .start("item")
        .element("networkInterfaceId", &inst.eni_id)
        .element("subnetId", &inst.subnet_id)
        .element("vpcId", &inst.vpc_id)
        .element("description", "")
        .element("ownerId", account)
        .element("status", "in-use")
        .element("macAddress", &inst.mac)
        .element("privateIpAddress", ip)
        .element("privateDnsName", dns)
        .element("sourceDestCheck", "true");
    groups(w, &inst.groups);
    w.start("attachment")
        .element("attachmentId", &inst.eni_id.replace("eni-", "eni-attach-"))
        .element("deviceIndex", "0")
        .element("status", "attached")
        .element("attachTime", at)
        .element("deleteOnTermination", "true")
        .element("networkCardIndex", "0")
        .end()
        .start("privateIpAddressesSet")
        .start("item")
        .element("privateIpAddress", ip)
        .element("privateDnsName", dns)
        .element("primary", "true")
        .end()
        .end()
        .element("interfaceType", "interface")
        .end()
        .end();
}

impl Filterable for Instance {
    fn filter_values(&self, name: &str) -> Option<Vec<String>> {
        let (state, code) = self.phase.name_and_code();
        Some(match name {
            "instance-id" => one(&self.id),
            "instance-state-name" => one(state),
            "instance-state-code" => one(code.to_string()),
            "instance-type" => one(self.itype.name()),
            "image-id" => one(&self.image_id),
            "subnet-id" => one(&self.subnet_id),
            "vpc-id" => one(&self.vpc_id),
            "availability-zone" => one(&self.zone),
            "key-name" => opt(self.key_name.as_deref()),
            "private-ip-address" => one(cidr::ip(self.private_ip)),
            "reservation-id" => one(&self.reservation_id),
            "architecture" => one(self.itype.arch.name()),
            "instance.group-id" | "group-id" => self.groups.iter().map(|g| g.0.clone()).collect(),
            "instance.group-name" | "group-name" => {
                self.groups.iter().map(|g| g.1.clone()).collect()
            }
            "iam-instance-profile.arn" => opt(self.profile.as_ref().map(|p| p.0.as_str())),
            "network-interface.network-interface-id" => one(&self.eni_id),
            "launch-index" => one(self.launch_index.to_string()),
            "root-device-type" => one("ebs"),
            "client-token" => opt(self.client_token.as_deref()),
            "system-status.status" | "instance-status.status" => one(health(self.phase)),
            "source-dest-check" => flag(true),
            _ => return None,
        })
    }

    fn tags(&self) -> &Tags {
        &self.tags
    }
}

/// The status checks' verdict: `ok` once running, else `not-applicable`.
pub fn health(phase: InstancePhase) -> &'static str {
    if phase == InstancePhase::Running {
        "ok"
    } else {
        "not-applicable"
    }
}

/// Instances grouped by reservation, reservations in the order their first instance comes.
pub fn by_reservation<'a>(instances: &[&'a Instance]) -> Vec<(String, Vec<&'a Instance>)> {
    let mut order: Vec<String> = Vec::new();
    let mut groups: BTreeMap<String, Vec<&Instance>> = BTreeMap::new();
    for inst in instances {
        if !groups.contains_key(&inst.reservation_id) {
            order.push(inst.reservation_id.clone());
        }
        groups
            .entry(inst.reservation_id.clone())
            .or_default()
            .push(inst);
    }
    order
        .into_iter()
        .map(|r| {
            let items = groups.remove(&r).unwrap_or_default();
            (r, items)
        })
        .collect()
}
