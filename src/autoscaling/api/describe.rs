//! DescribeAutoScalingGroups and DescribeAutoScalingInstances, and the filters and paging the
//! Describe operations share (`MaxRecords`, an opaque `NextToken`).
//! <https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_DescribeAutoScalingGroups.html>

use super::Env;
use crate::autoscaling::render;
use crate::autoscaling::state::group::Group;
use crate::autoscaling::state::RegionState;
use crate::autoscaling::{AsgError, AsgResult};
use crate::core::pagination::{resume_after, token_after};
use crate::wire::input::Input;
use crate::wire::xml::XmlWriter;

/// The request's filters as (name, accepted values); a name `known` rejects is AWS's error.
pub fn filters(
    input: &Input,
    known: impl Fn(&str) -> bool,
) -> AsgResult<Vec<(String, Vec<String>)>> {
    input
        .objects("Filters")
        .iter()
        .map(|f| {
            let name = f.required_str("Name")?.to_string();
            if !known(&name) {
                return Err(AsgError::validation(format!(
                    "Filter type {name} is not correct. Allowed Filter types are: auto-scaling-group key value propagate-at-launch tag-key tag-value tag:<key>"
                )));
            }
            Ok((name, f.strings("Values")))
        })
        .collect()
}

/// One page of `items` (keyed, in key order) after the request's `NextToken`, at most
/// `MaxRecords` (default `default`, capped at `max`), and the token for the rest.
pub fn page<T>(
    input: &Input,
    items: impl Iterator<Item = (String, T)>,
    default: usize,
    max: usize,
) -> AsgResult<(Vec<T>, Option<String>)> {
    let size = match input.int("MaxRecords")? {
        None => default,
        Some(n) if n >= 1 => (n as usize).min(max),
        Some(n) => {
            return Err(AsgError::validation(format!(
                "1 validation error detected: Value '{n}' at 'maxRecords' failed to satisfy constraint: Member must have value greater than or equal to 1"
            )))
        }
    };
    let after = resume_after(input.str("NextToken"))
        .map_err(|_| AsgError::InvalidNextToken("The token provided is not valid.".into()))?;
    let mut rest = items.filter(|(key, _)| after.as_ref().is_none_or(|a| key > a));
    let mut out = Vec::new();
    let mut last = None;
    for (key, item) in rest.by_ref().take(size) {
        out.push(item);
        last = Some(key);
    }
    let token = match (rest.next(), last) {
        (Some(_), Some(last)) => Some(token_after(&last)),
        _ => None,
    };
    Ok((out, token))
}

fn group_matches(group: &Group, filters: &[(String, Vec<String>)]) -> bool {
    filters.iter().all(|(name, values)| {
        group.tags.iter().any(|t| match name.as_str() {
            "tag-key" => values.contains(&t.key),
            "tag-value" => values.contains(&t.value),
            other => other
                .strip_prefix("tag:")
                .is_some_and(|key| t.key == key && values.contains(&t.value)),
        })
    })
}

pub fn describe_auto_scaling_groups(
    st: &mut RegionState,
    _env: &Env<'_>,
    input: &Input,
) -> AsgResult<Option<String>> {
    let names = input.strings("AutoScalingGroupNames");
    let filters = filters(input, |n| {
        n == "tag-key" || n == "tag-value" || n.starts_with("tag:")
    })?;
    let all = st
        .groups
        .values()
        .filter(|g| names.is_empty() || names.contains(&g.name))
        .filter(|g| group_matches(g, &filters))
        .map(|g| (g.name.clone(), g));
    let (groups, token) = page(input, all, 50, 100)?;
    let mut w = XmlWriter::new();
    w.start("AutoScalingGroups");
    for g in groups {
        render::group(&mut w, g);
    }
    w.end().optional("NextToken", token.as_deref());
    Ok(Some(w.finish()))
}

pub fn describe_auto_scaling_instances(
    st: &mut RegionState,
    _env: &Env<'_>,
    input: &Input,
) -> AsgResult<Option<String>> {
    let ids = input.strings("InstanceIds");
    let mut all: Vec<(String, (&str, _))> = st
        .groups
        .values()
        .flat_map(|g| g.members.iter().map(move |m| (g.name.as_str(), m)))
        .filter(|(_, m)| ids.is_empty() || ids.contains(&m.instance_id))
        .map(|(name, m)| (m.instance_id.clone(), (name, m)))
        .collect();
    all.sort_by(|a, b| a.0.cmp(&b.0));
    let (items, token) = page(input, all.into_iter(), 50, 50)?;
    let mut w = XmlWriter::new();
    w.start("AutoScalingInstances");
    for (name, m) in items {
        render::instance(&mut w, m, Some(name));
    }
    w.end().optional("NextToken", token.as_deref());
    Ok(Some(w.finish()))
}
