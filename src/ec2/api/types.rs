//! DescribeInstanceTypes
//! (<https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeInstanceTypes.html>)
//! over the table in [`crate::ec2::instance_types`]: vCPUs (with cores and threads), memory,
//! architectures, generation and burstability. Storage, network and GPU details are not shown.

use super::page;
use crate::core::context::RequestContext;
use crate::ec2::error::{Ec2Error, Ec2Result};
use crate::ec2::filters::{self, flag, one, Filterable};
use crate::ec2::instance_types::{self, InstanceType};
use crate::ec2::params::Params;
use crate::ec2::render;
use crate::ec2::state::network::Tags;
use crate::ec2::state::RegionState;
use crate::wire::xml::XmlWriter;

/// A type as filters see it (types have no tags).
struct Row(InstanceType, Tags);

impl Filterable for Row {
    fn filter_values(&self, name: &str) -> Option<Vec<String>> {
        let t = &self.0;
        Some(match name {
            "instance-type" => one(t.name()),
            "vcpu-info.default-vcpus" => one(t.vcpus.to_string()),
            "vcpu-info.default-cores" => one(t.cores().to_string()),
            "vcpu-info.default-threads-per-core" => one(t.threads_per_core.to_string()),
            "memory-info.size-in-mib" => one(t.memory_mib.to_string()),
            "processor-info.supported-architecture" => {
                t.architectures().into_iter().map(str::to_string).collect()
            }
            "current-generation" => flag(t.current_generation),
            "burstable-performance-supported" => flag(t.burstable),
            "free-tier-eligible" => flag(matches!(t.name().as_str(), "t2.micro" | "t3.micro")),
            "hypervisor" => one("nitro"),
            "supported-usage-class" => vec!["on-demand".into(), "spot".into()],
            _ => return None,
        })
    }

    fn tags(&self) -> &Tags {
        &self.1
    }
}

pub fn describe_instance_types(
    _: &mut RegionState,
    _: &RequestContext,
    p: Params<'_>,
) -> Ec2Result<String> {
    let names = p.strings("InstanceType")?;
    let filters = p.filters()?;
    let mut rows = Vec::new();
    for name in &names {
        let t = instance_types::find(name).ok_or_else(|| {
            Ec2Error::InvalidParameterValue(format!(
                "The following supplied instance types do not exist: [{name}]"
            ))
        })?;
        rows.push(Row(t, Tags::new()));
    }
    if names.is_empty() {
        rows = instance_types::all().map(|t| Row(t, Tags::new())).collect();
    }
    let matching: Vec<&Row> = filters::select(&filters, rows.iter())?;
    let (page, token) = page(p, matching, (5, 100), |r| r.0.name())?;
    let mut w = XmlWriter::new();
    w.start("instanceTypeSet");
    for row in page {
        item(&mut w, &row.0);
    }
    w.end();
    w.optional("nextToken", token.as_deref());
    Ok(w.finish())
}

fn item(w: &mut XmlWriter, t: &InstanceType) {
    let archs: Vec<String> = t.architectures().into_iter().map(str::to_string).collect();
    w.start("item")
        .element("instanceType", &t.name())
        .element("currentGeneration", render::flag(t.current_generation))
        .element(
            "freeTierEligible",
            render::flag(matches!(t.name().as_str(), "t2.micro" | "t3.micro")),
        );
    render::string_items(
        w,
        "supportedUsageClasses",
        &["on-demand".into(), "spot".into()],
    );
    render::string_items(w, "supportedRootDeviceTypes", &["ebs".into()]);
    render::string_items(w, "supportedVirtualizationTypes", &["hvm".into()]);
    w.element("bareMetal", "false")
        .element("hypervisor", "nitro")
        .start("processorInfo");
    render::string_items(w, "supportedArchitectures", &archs);
    w.end()
        .start("vCpuInfo")
        .element("defaultVCpus", &t.vcpus.to_string())
        .element("defaultCores", &t.cores().to_string())
        .element("defaultThreadsPerCore", &t.threads_per_core.to_string())
        .end()
        .start("memoryInfo")
        .element("sizeInMiB", &t.memory_mib.to_string())
        .end()
        .element("instanceStorageSupported", "false")
        .element("burstablePerformanceSupported", render::flag(t.burstable))
        .element("hibernationSupported", "false")
        .element("dedicatedHostsSupported", "false")
        .element("autoRecoverySupported", "true")
        .end();
}
