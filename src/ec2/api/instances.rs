//! RunInstances and DescribeInstances
//! (<https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_RunInstances.html>,
//! <https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeInstances.html>).
//! A launch from a template lays RunInstances' own parameters over the template version's and
//! tags the instances `aws:ec2launchtemplate:id` / `:version` as EC2 does.

use super::instance_view::{by_reservation, instance_item};
use super::page;
use super::template_view::find_template;
use crate::core::context::RequestContext;
use crate::ec2::error::{Ec2Error, Ec2Result};
use crate::ec2::filters;
use crate::ec2::launch::{self, Launch};
use crate::ec2::params::Params;
use crate::ec2::state::instance::Instance;
use crate::ec2::state::template::LaunchSpec;
use crate::ec2::state::RegionState;
use crate::wire::xml::XmlWriter;

pub fn run_instances(
    state: &mut RegionState,
    _: &RequestContext,
    p: Params<'_>,
) -> Ec2Result<String> {
    let token = p.str("ClientToken")?.filter(|t| !t.is_empty());
    // Idempotency: a token already used answers the reservation it launched, as EC2 does.
    if let Some(earlier) = token.and_then(|t| {
        state
            .instances
            .values()
            .find(|i| i.client_token.as_deref() == Some(t))
    }) {
        let reservation = earlier.reservation_id.clone();
        return Ok(reservation_xml(state, &reservation));
    }
    let min = p
        .int("MinCount")?
        .ok_or_else(|| Ec2Error::missing("MinCount"))?;
    let max = p
        .int("MaxCount")?
        .ok_or_else(|| Ec2Error::missing("MaxCount"))?;
    let own = LaunchSpec::parse(p)?;
    let (spec, extra_tags) = match p.child("LaunchTemplate")? {
        Some(lt) => {
            let template = find_template(
                state,
                lt.str("LaunchTemplateId")?,
                lt.str("LaunchTemplateName")?,
            )?;
            let version = template.version(lt.str("Version")?)?;
            let tags = vec![
                ("aws:ec2launchtemplate:id".to_string(), template.id.clone()),
                (
                    "aws:ec2launchtemplate:version".to_string(),
                    version.number.to_string(),
                ),
            ];
            (own.over(&version.data), tags)
        }
        None => (own, Vec::new()),
    };
    let req = Launch {
        spec,
        min,
        max,
        extra_tags,
        client_token: token.map(str::to_string),
    };
    let (reservation, _) = launch::launch(state, req)?;
    Ok(reservation_xml(state, &reservation))
}

/// RunInstances' answer: the reservation and its instances, in launch order.
fn reservation_xml(state: &RegionState, reservation: &str) -> String {
    let mut members: Vec<&Instance> = state
        .instances
        .values()
        .filter(|i| i.reservation_id == reservation)
        .collect();
    members.sort_by_key(|i| i.seq);
    let mut w = XmlWriter::new();
    w.element("reservationId", reservation)
        .element("ownerId", &state.account)
        .start("groupSet")
        .end()
        .start("instancesSet");
    for inst in members {
        instance_item(&mut w, inst, &state.region, &state.account);
    }
    w.end();
    w.finish()
}

pub fn describe_instances(
    state: &mut RegionState,
    _: &RequestContext,
    p: Params<'_>,
) -> Ec2Result<String> {
    let ids = p.strings("InstanceId")?;
    let filters = p.filters()?;
    if !ids.is_empty() && p.int("MaxResults")?.is_some() {
        return Err(Ec2Error::InvalidParameterCombination(
            "The parameter instancesSet cannot be used with the parameter maxResults".into(),
        ));
    }
    let chosen = named_instances(state, &ids)?;
    let mut matching = filters::select(&filters, chosen.into_iter())?;
    matching.sort_by_key(|i| i.seq);
    let (page, token) = page(p, matching, (5, 1000), |i| format!("{:020}", i.seq))?;
    let mut w = XmlWriter::new();
    w.start("reservationSet");
    for (reservation, items) in by_reservation(&page) {
        w.start("item")
            .element("reservationId", &reservation)
            .element("ownerId", &state.account)
            .start("groupSet")
            .end()
            .start("instancesSet");
        for inst in items {
            instance_item(&mut w, inst, &state.region, &state.account);
        }
        w.end().end();
    }
    w.end();
    w.optional("nextToken", token.as_deref());
    Ok(w.finish())
}

/// The instances `ids` names (all of them when empty): every id must be well formed and known.
pub fn named_instances<'a>(state: &'a RegionState, ids: &[String]) -> Ec2Result<Vec<&'a Instance>> {
    if ids.is_empty() {
        return Ok(state.instances.values().collect());
    }
    check_ids(ids)?;
    let missing: Vec<&str> = ids
        .iter()
        .filter(|id| !state.instances.contains_key(*id))
        .map(String::as_str)
        .collect();
    if !missing.is_empty() {
        return Err(not_found(&missing));
    }
    let mut seen = std::collections::BTreeSet::new();
    Ok(ids
        .iter()
        .filter(|id| seen.insert(id.as_str()))
        .filter_map(|id| state.instances.get(id))
        .collect())
}

/// `InvalidInstanceID.Malformed` for the first id that is not `i-` and 8 or 17 hex digits.
pub fn check_ids(ids: &[String]) -> Ec2Result<()> {
    match ids.iter().find(|id| !launch::well_formed(id, "i")) {
        Some(bad) => Err(Ec2Error::InvalidInstanceIdMalformed(format!(
            "Invalid id: \"{bad}\" (expecting \"i-...\")"
        ))),
        None => Ok(()),
    }
}

/// EC2's wording for one unknown instance id, or several.
pub fn not_found(ids: &[&str]) -> Ec2Error {
    Ec2Error::InvalidInstanceIdNotFound(if ids.len() == 1 {
        format!("The instance ID '{}' does not exist", ids[0])
    } else {
        format!("The instance IDs '{}' do not exist", ids.join(", "))
    })
}
