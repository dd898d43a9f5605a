//! IPv4 CIDR blocks as VPCs and subnets use them
//! (<https://docs.aws.amazon.com/vpc/latest/userguide/subnet-sizing.html>): parsing, containment,
//! overlap, and the host addresses a subnet hands out. AWS reserves the first four addresses
//! and the last one of every subnet.

use std::fmt;
use std::net::Ipv4Addr;

/// An IPv4 block: its first address and prefix length (host bits are zero).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct Cidr {
    pub base: u32,
    pub prefix: u8,
}

/// Addresses AWS keeps at the start of every subnet (network, router, DNS, future use).
pub const RESERVED_HEAD: u32 = 4;

impl Cidr {
    /// `a.b.c.d/n`, with the host bits zero (as EC2 requires of a VPC or subnet block).
    pub fn parse(text: &str) -> Option<Cidr> {
        let (addr, prefix) = text.split_once('/')?;
        let addr: Ipv4Addr = addr.parse().ok()?;
        let prefix: u8 = prefix.parse().ok().filter(|p| *p <= 32)?;
        let base = u32::from(addr);
        let cidr = Cidr { base, prefix };
        (base & !cidr.mask() == 0).then_some(cidr)
    }

    pub fn mask(&self) -> u32 {
        if self.prefix == 0 {
            0
        } else {
            u32::MAX << (32 - self.prefix)
        }
    }

    /// How many addresses the block spans.
    pub fn size(&self) -> u64 {
        1u64 << (32 - self.prefix)
    }

    pub fn contains_block(&self, other: &Cidr) -> bool {
        other.prefix >= self.prefix && other.base & self.mask() == self.base
    }

    pub fn contains(&self, addr: u32) -> bool {
        addr & self.mask() == self.base
    }

    pub fn overlaps(&self, other: &Cidr) -> bool {
        self.contains_block(other) || other.contains_block(self)
    }

    /// The `n`th block of prefix `prefix` inside this one (`172.31.0.0/16`, 20, 1 →
    /// `172.31.16.0/20`), if it fits.
    pub fn nth_sub_block(&self, prefix: u8, n: u32) -> Option<Cidr> {
        if prefix < self.prefix || prefix > 32 {
            return None;
        }
        let step = 1u64 << (32 - prefix);
        let offset = step.checked_mul(u64::from(n))?;
        (offset < self.size()).then(|| Cidr {
            base: self.base + offset as u32,
            prefix,
        })
    }

    /// Addresses a subnet can hand out (its size less the five AWS reserves).
    pub fn usable(&self) -> u64 {
        self.size().saturating_sub(u64::from(RESERVED_HEAD) + 1)
    }

    /// The host at `offset` from the start, if it is one AWS lets an instance have.
    pub fn host(&self, offset: u32) -> Option<u32> {
        (offset >= RESERVED_HEAD && u64::from(offset) < self.size() - 1).then(|| self.base + offset)
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", Ipv4Addr::from(self.base), self.prefix)
    }
}

/// `a.b.c.d` for an address.
pub fn ip(addr: u32) -> String {
    Ipv4Addr::from(addr).to_string()
}

/// EC2's private DNS name for an address: `ip-a-b-c-d.ec2.internal` in us-east-1,
/// `ip-a-b-c-d.REGION.compute.internal` elsewhere.
pub fn private_dns(addr: u32, region: &str) -> String {
    let dashed = ip(addr).replace('.', "-");
    if region == "us-east-1" {
        format!("ip-{dashed}.ec2.internal")
    } else {
        format!("ip-{dashed}.{region}.compute.internal")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(text: &str) -> Cidr {
        Cidr::parse(text).unwrap()
    }

    #[test]
    fn parsing() {
        assert_eq!(c("172.31.0.0/16").to_string(), "172.31.0.0/16");
        assert_eq!(Cidr::parse("172.31.0.1/16"), None, "host bits set");
        assert_eq!(Cidr::parse("172.31.0.0/33"), None);
        assert_eq!(Cidr::parse("300.1.0.0/16"), None);
        assert_eq!(Cidr::parse("10.0.0.0"), None);
        assert_eq!(c("0.0.0.0/0").size(), 1 << 32);
    }

    #[test]
    fn containment_and_overlap() {
        let vpc = c("10.0.0.0/16");
        assert!(vpc.contains_block(&c("10.0.4.0/24")));
        assert!(!vpc.contains_block(&c("10.1.0.0/24")));
        assert!(!vpc.contains_block(&c("10.0.0.0/8")));
        assert!(c("10.0.0.0/24").overlaps(&c("10.0.0.128/25")));
        assert!(!c("10.0.0.0/25").overlaps(&c("10.0.0.128/25")));
        assert!(vpc.contains(u32::from(Ipv4Addr::new(10, 0, 200, 1))));
    }

    #[test]
    fn default_subnet_blocks() {
        let vpc = c("172.31.0.0/16");
        let blocks: Vec<String> = (0..3)
            .map(|n| vpc.nth_sub_block(20, n).unwrap().to_string())
            .collect();
        assert_eq!(
            blocks,
            ["172.31.0.0/20", "172.31.16.0/20", "172.31.32.0/20"]
        );
        assert_eq!(vpc.nth_sub_block(20, 16), None);
        assert_eq!(vpc.nth_sub_block(8, 0), None);
    }

    #[test]
    fn hosts_skip_what_aws_reserves() {
        let subnet = c("10.0.1.0/28");
        assert_eq!(subnet.usable(), 11);
        assert_eq!(subnet.host(3), None);
        assert_eq!(subnet.host(4).map(ip).as_deref(), Some("10.0.1.4"));
        assert_eq!(subnet.host(14).map(ip).as_deref(), Some("10.0.1.14"));
        assert_eq!(subnet.host(15), None, "broadcast");
        assert_eq!(
            private_dns(u32::from(Ipv4Addr::new(172, 31, 5, 9)), "us-east-1"),
            "ip-172-31-5-9.ec2.internal"
        );
        assert_eq!(
            private_dns(u32::from(Ipv4Addr::new(10, 0, 0, 4)), "eu-west-1"),
            "ip-10-0-0-4.eu-west-1.compute.internal"
        );
    }
}
