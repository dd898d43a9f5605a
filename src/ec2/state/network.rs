//! VPCs, subnets, security groups and availability zones as stored, and the default network
//! every account has in every region
//! (<https://docs.aws.amazon.com/vpc/latest/userguide/default-vpc.html>): a `172.31.0.0/16` VPC,
//! one `/20` default subnet per availability zone (`172.31.0.0/20`, `172.31.16.0/20`, …) that
//! maps public addresses on launch, and a `default` security group. Their ids keep AWS's forms
//! but are derived from (account, region, zone), so they are the same after every restart.

use super::RegionState;
use crate::core::ids;
use crate::ec2::cidr::Cidr;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

pub type Tags = BTreeMap<String, String>;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Vpc {
    pub id: String,
    pub cidr: Cidr,
    pub is_default: bool,
    pub tenancy: String,
    pub association_id: String,
    pub dhcp_options_id: String,
    pub tags: Tags,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Subnet {
    pub id: String,
    pub vpc_id: String,
    pub cidr: Cidr,
    pub zone: Zone,
    pub default_for_az: bool,
    pub map_public_ip: bool,
    pub tags: Tags,
    /// Host offsets in use (from the block's first address).
    pub used: BTreeSet<u32>,
}

impl Subnet {
    /// The next free host address, lowest first, or `None` when the subnet is full.
    pub fn allocate(&mut self) -> Option<u32> {
        let free = (0..self.cidr.size().min(u64::from(u32::MAX)) as u32)
            .find(|off| self.cidr.host(*off).is_some() && !self.used.contains(off))?;
        self.used.insert(free);
        self.cidr.host(free)
    }

    /// Takes a specific address, if it is a host of the subnet and free.
    pub fn take(&mut self, addr: u32) -> bool {
        let off = addr.wrapping_sub(self.cidr.base);
        let usable = self.cidr.contains(addr) && self.cidr.host(off).is_some();
        usable && self.used.insert(off)
    }

    pub fn release(&mut self, addr: u32) {
        self.used.remove(&addr.wrapping_sub(self.cidr.base));
    }

    pub fn available(&self) -> u64 {
        self.cidr.usable().saturating_sub(self.used.len() as u64)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SecurityGroup {
    pub id: String,
    pub name: String,
    pub description: String,
    pub vpc_id: String,
    pub tags: Tags,
    pub ingress: Vec<Permission>,
    pub egress: Vec<Permission>,
}

/// One rule set for a protocol and port range, with the peers it allows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Permission {
    /// `tcp`, `udp`, `icmp`, a number, or `-1` for all.
    pub protocol: String,
    pub from_port: Option<i64>,
    pub to_port: Option<i64>,
    /// (CIDR, description).
    pub ipv4: Vec<(String, Option<String>)>,
    pub ipv6: Vec<(String, Option<String>)>,
    /// (group id, description).
    pub groups: Vec<(String, Option<String>)>,
}

impl Permission {
    /// The all-traffic egress rule every new group starts with.
    pub fn allow_all_out() -> Self {
        Permission {
            protocol: "-1".into(),
            from_port: None,
            to_port: None,
            ipv4: vec![("0.0.0.0/0".into(), None)],
            ipv6: Vec::new(),
            groups: Vec::new(),
        }
    }
}

/// An availability zone: its name (`us-east-1a`) and id (`use1-az1`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Zone {
    pub name: String,
    pub id: String,
}

/// The zones of a region: us-east-1 has six (a–f), every other region three (a–c).
pub fn zones(region: &str) -> Vec<Zone> {
    let count = if region == "us-east-1" { 6 } else { 3 };
    let code = region_code(region);
    (0..count)
        .map(|i| Zone {
            name: format!("{region}{}", char::from(b'a' + i as u8)),
            id: format!("{code}-az{}", i + 1),
        })
        .collect()
}

/// The short form zone ids use: `us-east-1` → `use1`, `ap-southeast-2` → `apse2`.
pub fn region_code(region: &str) -> String {
    let mut parts = region.split('-');
    let area = parts.next().unwrap_or("");
    let direction = parts.next().unwrap_or("");
    let number = parts.next().unwrap_or("");
    let dir = match direction {
        "northeast" => "ne",
        "southeast" => "se",
        "northwest" => "nw",
        "southwest" => "sw",
        "central" => "c",
        other => other.get(..1).unwrap_or(""),
    };
    format!("{area}{dir}{number}")
}

/// A stable id with AWS's form (`prefix-` and 17 hex digits) for the given parts: two FNV-1a
/// passes, each finished with SplitMix64's mixer so that parts differing in one character give
/// unrelated ids; fixed across Rust versions and platforms (unlike the standard hasher).
pub fn stable_id(prefix: &str, parts: &[&str]) -> String {
    let fnv = |seed: u64| {
        let mut h = seed;
        for part in parts {
            for b in part.bytes().chain(std::iter::once(0)) {
                h ^= u64::from(b);
                h = h.wrapping_mul(0x0100_0000_01b3);
            }
        }
        h = (h ^ (h >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        h = (h ^ (h >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        h ^ (h >> 31)
    };
    let hex = format!(
        "{:016x}{:016x}",
        fnv(0xcbf2_9ce4_8422_2325),
        fnv(0x8422_2325_cbf2_9ce4)
    );
    format!("{prefix}-{}", &hex[..17])
}

/// Makes the default VPC, its subnets and its `default` group, once per account and region.
pub fn ensure_defaults(state: &mut RegionState) {
    if state.defaults_made {
        return;
    }
    state.defaults_made = true;
    let (account, region) = (state.account.clone(), state.region.clone());
    let Some(block) = Cidr::parse("172.31.0.0/16") else {
        return;
    };
    let vpc_id = stable_id("vpc", &[&account, &region, "default-vpc"]);
    state.vpcs.insert(
        vpc_id.clone(),
        Vpc {
            id: vpc_id.clone(),
            cidr: block,
            is_default: true,
            tenancy: "default".into(),
            association_id: stable_id("vpc-cidr-assoc", &[&account, &region, "default-vpc"]),
            dhcp_options_id: stable_id("dopt", &[&account, &region]),
            tags: Tags::new(),
        },
    );
    for (n, zone) in zones(&region).into_iter().enumerate() {
        let Some(cidr) = block.nth_sub_block(20, n as u32) else {
            continue;
        };
        let id = stable_id("subnet", &[&account, &region, &zone.name]);
        state.subnets.insert(
            id.clone(),
            Subnet {
                id,
                vpc_id: vpc_id.clone(),
                cidr,
                zone,
                default_for_az: true,
                map_public_ip: true,
                tags: Tags::new(),
                used: BTreeSet::new(),
            },
        );
    }
    let group_id = stable_id("sg", &[&account, &region, "default-vpc", "default"]);
    add_default_group(state, &vpc_id, group_id);
}

/// The `default` group every VPC has: all traffic from its own members, all traffic out.
pub fn add_default_group(state: &mut RegionState, vpc_id: &str, group_id: String) {
    let own = Permission {
        protocol: "-1".into(),
        from_port: None,
        to_port: None,
        ipv4: Vec::new(),
        ipv6: Vec::new(),
        groups: vec![(group_id.clone(), None)],
    };
    state.groups.insert(
        group_id.clone(),
        SecurityGroup {
            id: group_id,
            name: "default".into(),
            description: "default VPC security group".into(),
            vpc_id: vpc_id.into(),
            tags: Tags::new(),
            ingress: vec![own],
            egress: vec![Permission::allow_all_out()],
        },
    );
}

/// A fresh random id in AWS's form (`vpc-…`, `subnet-…`, `sg-…`).
pub fn new_id(prefix: &str) -> String {
    ids::short_id(prefix)
}

impl RegionState {
    /// The default VPC, if it still exists.
    pub fn default_vpc(&self) -> Option<&Vpc> {
        self.vpcs.values().find(|v| v.is_default)
    }

    /// The default subnet of zone `zone`, if any.
    pub fn default_subnet(&self, zone: &str) -> Option<&Subnet> {
        self.subnets
            .values()
            .find(|s| s.default_for_az && s.zone.name == zone)
    }

    /// The `default` group of VPC `vpc_id`.
    pub fn default_group(&self, vpc_id: &str) -> Option<&SecurityGroup> {
        self.groups
            .values()
            .find(|g| g.vpc_id == vpc_id && g.name == "default")
    }

    pub fn zone(&self, name: &str) -> Option<Zone> {
        zones(&self.region).into_iter().find(|z| z.name == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::clock::Clock;

    #[test]
    fn zone_names_and_ids() {
        let z = zones("us-east-1");
        assert_eq!(z.len(), 6);
        assert_eq!(
            (z[0].name.as_str(), z[0].id.as_str()),
            ("us-east-1a", "use1-az1")
        );
        assert_eq!(z[5].name, "us-east-1f");
        assert_eq!(zones("eu-west-1")[2].id, "euw1-az3");
        assert_eq!(region_code("ap-southeast-2"), "apse2");
        assert_eq!(region_code("eu-central-1"), "euc1");
    }

    #[test]
    fn default_network_is_stable() {
        let a = RegionState::new("000000000000", "us-east-1", Clock::default());
        let b = RegionState::new("000000000000", "us-east-1", Clock::default());
        let other = RegionState::new("111111111111", "us-east-1", Clock::default());
        assert_eq!(
            a.vpcs.keys().collect::<Vec<_>>(),
            b.vpcs.keys().collect::<Vec<_>>()
        );
        assert_eq!(
            a.subnets.keys().collect::<Vec<_>>(),
            b.subnets.keys().collect::<Vec<_>>()
        );
        assert_ne!(a.vpcs.keys().next(), other.vpcs.keys().next());
        let vpc = a.default_vpc().unwrap();
        // Pinned: the README and users' scripts name these ids.
        assert_eq!(vpc.id, "vpc-4e0c74fc8dab25fbd");
        assert_eq!(
            a.default_subnet("us-east-1a").unwrap().id,
            "subnet-e7faff23f01c7756a"
        );
        assert_eq!(vpc.cidr.to_string(), "172.31.0.0/16");
        let subnet = a.default_subnet("us-east-1b").unwrap();
        assert_eq!(subnet.cidr.to_string(), "172.31.16.0/20");
        assert_eq!(subnet.available(), 4091);
        assert!(a.default_group(&vpc.id).is_some());
        assert_eq!(a.subnets.len(), 6);
    }

    #[test]
    fn addresses_are_handed_out_and_back() {
        let mut s = RegionState::new("0", "eu-west-1", Clock::default());
        let subnet = s
            .subnets
            .values_mut()
            .find(|s| s.zone.name == "eu-west-1a")
            .unwrap();
        let first = subnet.allocate().unwrap();
        assert_eq!(crate::ec2::cidr::ip(first), "172.31.0.4");
        let second = subnet.allocate().unwrap();
        assert!(!subnet.take(second));
        subnet.release(first);
        assert_eq!(subnet.allocate(), Some(first));
        assert!(subnet.take(first + 10));
        assert!(!subnet.take(first - 2), "reserved");
    }
}
