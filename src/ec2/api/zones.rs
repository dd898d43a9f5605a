//! DescribeAvailabilityZones
//! (<https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeAvailabilityZones.html>):
//! the region's zones, all `available`. us-east-1 has six (a–f), other regions three (a–c);
//! zone ids follow AWS's form (`use1-az1`) in name order, though AWS maps them per account.
//! Local Zones and Wavelength Zones are not listed.

use crate::core::context::RequestContext;
use crate::ec2::error::{Ec2Error, Ec2Result};
use crate::ec2::filters::{self, one, Filterable};
use crate::ec2::params::Params;
use crate::ec2::state::network::{zones, Tags, Zone};
use crate::ec2::state::RegionState;
use crate::wire::xml::XmlWriter;

struct Row {
    zone: Zone,
    region: String,
    none: Tags,
}

impl Filterable for Row {
    fn filter_values(&self, name: &str) -> Option<Vec<String>> {
        Some(match name {
            "zone-name" => one(&self.zone.name),
            "zone-id" => one(&self.zone.id),
            "state" => one("available"),
            "region-name" | "group-name" | "network-border-group" => one(&self.region),
            "zone-type" => one("availability-zone"),
            "opt-in-status" => one("opt-in-not-required"),
            _ => return None,
        })
    }

    fn tags(&self) -> &Tags {
        &self.none
    }
}

pub fn describe_availability_zones(
    state: &mut RegionState,
    _: &RequestContext,
    p: Params<'_>,
) -> Ec2Result<String> {
    let names = p.strings("ZoneName")?;
    let ids = p.strings("ZoneId")?;
    let filters = p.filters()?;
    let all = zones(&state.region);
    for name in &names {
        if !all.iter().any(|z| z.name == *name) {
            return Err(Ec2Error::InvalidParameterValue(format!(
                "The zone '{name}' does not exist."
            )));
        }
    }
    for id in &ids {
        if !all.iter().any(|z| z.id == *id) {
            return Err(Ec2Error::InvalidParameterValue(format!(
                "The zone ID '{id}' does not exist."
            )));
        }
    }
    let rows: Vec<Row> = all
        .into_iter()
        .filter(|z| {
            names.is_empty() && ids.is_empty() || names.contains(&z.name) || ids.contains(&z.id)
        })
        .map(|zone| Row {
            zone,
            region: state.region.clone(),
            none: Tags::new(),
        })
        .collect();
    let mut w = XmlWriter::new();
    w.start("availabilityZoneInfo");
    for row in filters::select(&filters, rows.iter())? {
        w.start("item")
            .element("zoneName", &row.zone.name)
            .element("zoneId", &row.zone.id)
            .element("zoneState", "available")
            .element("optInStatus", "opt-in-not-required")
            .element("regionName", &row.region)
            .element("groupName", &row.region)
            .element("networkBorderGroup", &row.region)
            .element("zoneType", "availability-zone")
            .start("messageSet")
            .end()
            .end();
    }
    w.end();
    Ok(w.finish())
}
