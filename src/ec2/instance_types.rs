//! The instance types local-ecs knows, with their real vCPU count and memory, as AWS publishes
//! them (<https://docs.aws.amazon.com/ec2/latest/instancetypes/gp.html>, `co.html`, `mo.html`):
//! the common current families t2, t3, t3a, t4g, m5, m5a, m6i, m6g, m7i, m7g, c5, c6i, c6g,
//! c7i, c7g, r5, r6i, r6g, r7i, r7g, sizes nano to 24xlarge, plus m1.small (RunInstances'
//! default type). Larger sizes (metal, 32xlarge and up) and other families are not listed:
//! RunInstances answers `InvalidParameterValue` for them.

/// What DescribeInstanceTypes and an instance's facts say about a type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InstanceType {
    pub family: &'static str,
    pub size: &'static str,
    pub vcpus: u32,
    pub memory_mib: u64,
    pub arch: Arch,
    /// Hyperthreads per core (Graviton and t2 run one thread per core).
    pub threads_per_core: u32,
    pub burstable: bool,
    pub current_generation: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arch {
    X86_64,
    Arm64,
}

impl Arch {
    pub fn name(self) -> &'static str {
        match self {
            Arch::X86_64 => "x86_64",
            Arch::Arm64 => "arm64",
        }
    }
}

impl InstanceType {
    /// `family.size`, e.g. `t3.micro`.
    pub fn name(&self) -> String {
        format!("{}.{}", self.family, self.size)
    }

    pub fn cores(&self) -> u32 {
        (self.vcpus / self.threads_per_core).max(1)
    }

    /// The architectures DescribeInstanceTypes lists (t2 also runs 32-bit AMIs).
    pub fn architectures(&self) -> Vec<&'static str> {
        match (self.arch, self.family == "t2") {
            (Arch::X86_64, true) => vec!["i386", "x86_64"],
            (arch, _) => vec![arch.name()],
        }
    }
}

/// A size, its vCPUs and its GiB (0 GiB stands for the half GiB of a t-family nano).
type Size = (&'static str, u32, u32);

const T2: &[Size] = &[
    ("nano", 1, 0),
    ("micro", 1, 1),
    ("small", 1, 2),
    ("medium", 2, 4),
    ("large", 2, 8),
    ("xlarge", 4, 16),
    ("2xlarge", 8, 32),
];
const T3: &[Size] = &[
    ("nano", 2, 0),
    ("micro", 2, 1),
    ("small", 2, 2),
    ("medium", 2, 4),
    ("large", 2, 8),
    ("xlarge", 4, 16),
    ("2xlarge", 8, 32),
];
/// General purpose on Intel and AMD: 4 GiB per vCPU, large to 24xlarge.
const M_X86: &[Size] = &[
    ("large", 2, 8),
    ("xlarge", 4, 16),
    ("2xlarge", 8, 32),
    ("4xlarge", 16, 64),
    ("8xlarge", 32, 128),
    ("12xlarge", 48, 192),
    ("16xlarge", 64, 256),
    ("24xlarge", 96, 384),
];
/// General purpose on Graviton: 4 GiB per vCPU, medium to 16xlarge.
const M_ARM: &[Size] = &[
    ("medium", 1, 4),
    ("large", 2, 8),
    ("xlarge", 4, 16),
    ("2xlarge", 8, 32),
    ("4xlarge", 16, 64),
    ("8xlarge", 32, 128),
    ("12xlarge", 48, 192),
    ("16xlarge", 64, 256),
];
/// c5 has its own sizes (9x and 18x).
const C5: &[Size] = &[
    ("large", 2, 4),
    ("xlarge", 4, 8),
    ("2xlarge", 8, 16),
    ("4xlarge", 16, 32),
    ("9xlarge", 36, 72),
    ("12xlarge", 48, 96),
    ("18xlarge", 72, 144),
    ("24xlarge", 96, 192),
];
/// Compute optimized on Intel (c6i, c7i): 2 GiB per vCPU.
const C_X86: &[Size] = &[
    ("large", 2, 4),
    ("xlarge", 4, 8),
    ("2xlarge", 8, 16),
    ("4xlarge", 16, 32),
    ("8xlarge", 32, 64),
    ("12xlarge", 48, 96),
    ("16xlarge", 64, 128),
    ("24xlarge", 96, 192),
];
const C_ARM: &[Size] = &[
    ("medium", 1, 2),
    ("large", 2, 4),
    ("xlarge", 4, 8),
    ("2xlarge", 8, 16),
    ("4xlarge", 16, 32),
    ("8xlarge", 32, 64),
    ("12xlarge", 48, 96),
    ("16xlarge", 64, 128),
];
/// Memory optimized on Intel (r5, r6i, r7i): 8 GiB per vCPU.
const R_X86: &[Size] = &[
    ("large", 2, 16),
    ("xlarge", 4, 32),
    ("2xlarge", 8, 64),
    ("4xlarge", 16, 128),
    ("8xlarge", 32, 256),
    ("12xlarge", 48, 384),
    ("16xlarge", 64, 512),
    ("24xlarge", 96, 768),
];
const R_ARM: &[Size] = &[
    ("medium", 1, 8),
    ("large", 2, 16),
    ("xlarge", 4, 32),
    ("2xlarge", 8, 64),
    ("4xlarge", 16, 128),
    ("8xlarge", 32, 256),
    ("12xlarge", 48, 384),
    ("16xlarge", 64, 512),
];

/// (family, architecture, threads per core, burstable, sizes).
const FAMILIES: &[(&str, Arch, u32, bool, &[Size])] = &[
    ("t2", Arch::X86_64, 1, true, T2),
    ("t3", Arch::X86_64, 2, true, T3),
    ("t3a", Arch::X86_64, 2, true, T3),
    ("t4g", Arch::Arm64, 1, true, T3),
    ("m5", Arch::X86_64, 2, false, M_X86),
    ("m5a", Arch::X86_64, 2, false, M_X86),
    ("m6i", Arch::X86_64, 2, false, M_X86),
    ("m7i", Arch::X86_64, 2, false, M_X86),
    ("m6g", Arch::Arm64, 1, false, M_ARM),
    ("m7g", Arch::Arm64, 1, false, M_ARM),
    ("c5", Arch::X86_64, 2, false, C5),
    ("c6i", Arch::X86_64, 2, false, C_X86),
    ("c7i", Arch::X86_64, 2, false, C_X86),
    ("c6g", Arch::Arm64, 1, false, C_ARM),
    ("c7g", Arch::Arm64, 1, false, C_ARM),
    ("r5", Arch::X86_64, 2, false, R_X86),
    ("r6i", Arch::X86_64, 2, false, R_X86),
    ("r7i", Arch::X86_64, 2, false, R_X86),
    ("r6g", Arch::Arm64, 1, false, R_ARM),
    ("r7g", Arch::Arm64, 1, false, R_ARM),
];

/// RunInstances' type when none is given (EC2's documented default).
pub const DEFAULT_TYPE: &str = "m1.small";

/// Every known type, families in table order, sizes smallest first.
pub fn all() -> impl Iterator<Item = InstanceType> {
    let m1 = InstanceType {
        family: "m1",
        size: "small",
        vcpus: 1,
        memory_mib: 1740,
        arch: Arch::X86_64,
        threads_per_core: 1,
        burstable: false,
        current_generation: false,
    };
    FAMILIES
        .iter()
        .flat_map(|(family, arch, tpc, burst, sizes)| {
            sizes.iter().map(move |(size, vcpus, gib)| InstanceType {
                family,
                size,
                vcpus: *vcpus,
                memory_mib: if *gib == 0 {
                    512
                } else {
                    u64::from(*gib) * 1024
                },
                arch: *arch,
                threads_per_core: (*tpc).min(*vcpus),
                burstable: *burst,
                current_generation: true,
            })
        })
        .chain(std::iter::once(m1))
}

/// The type named `name`, if known.
pub fn find(name: &str) -> Option<InstanceType> {
    let (family, size) = name.split_once('.')?;
    all().find(|t| t.family == family && t.size == size)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_sizes() {
        let t3 = find("t3.micro").unwrap();
        assert_eq!((t3.vcpus, t3.memory_mib, t3.cores()), (2, 1024, 1));
        assert_eq!(find("t2.nano").unwrap().memory_mib, 512);
        let m5 = find("m5.24xlarge").unwrap();
        assert_eq!((m5.vcpus, m5.memory_mib), (96, 393_216));
        assert_eq!(find("c5.9xlarge").unwrap().vcpus, 36);
        let g = find("m7g.large").unwrap();
        assert_eq!((g.arch, g.cores(), g.vcpus), (Arch::Arm64, 2, 2));
        assert_eq!(find("r6i.large").unwrap().memory_mib, 16 * 1024);
        assert_eq!(
            find("t2.micro").unwrap().architectures(),
            ["i386", "x86_64"]
        );
        assert!(find("m5.medium").is_none());
        assert!(find("x1e.xlarge").is_none());
        assert!(!find(DEFAULT_TYPE).unwrap().current_generation);
    }

    #[test]
    fn every_listed_family_is_there() {
        for family in [
            "t2", "t3", "t3a", "t4g", "m5", "m5a", "m6i", "m6g", "m7i", "m7g", "c5", "c6i", "c6g",
            "c7i", "c7g", "r5", "r6i", "r6g", "r7i", "r7g",
        ] {
            assert!(all().any(|t| t.family == family), "{family}");
        }
        let names: Vec<String> = all().map(|t| t.name()).collect();
        let mut dedup = names.clone();
        dedup.sort();
        dedup.dedup();
        assert_eq!(names.len(), dedup.len());
    }
}
