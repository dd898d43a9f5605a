//! CreateOrUpdateTags, DeleteTags and DescribeTags
//! (<https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-tagging.html>).
//! Tags live on their group; a tag marked PropagateAtLaunch is copied onto instances launched
//! after it is set (instances already running keep theirs, as in AWS).

use super::describe::{filters, page};
use super::{group_mut, Env};
use crate::autoscaling::render;
use crate::autoscaling::state::group::GroupTag;
use crate::autoscaling::state::RegionState;
use crate::autoscaling::{AsgError, AsgResult};
use crate::core::tags::{validate, TagLike, MAX_TAGS};
use crate::wire::input::Input;
use crate::wire::xml::XmlWriter;

impl TagLike for GroupTag {
    fn key(&self) -> &str {
        &self.key
    }
    fn value(&self) -> &str {
        &self.value
    }
}

/// Tags of a request, each for `default_resource` unless it names its own (grouped by resource).
pub fn parse_tags(items: &[Input], default_resource: &str) -> AsgResult<Vec<GroupTag>> {
    let tags = items
        .iter()
        .map(|t| parse_tag(t).map(|(_, tag)| tag))
        .collect::<AsgResult<Vec<_>>>()?;
    if let Some(other) = items
        .iter()
        .filter_map(|t| t.str("ResourceId"))
        .find(|r| *r != default_resource)
    {
        return Err(AsgError::validation(format!(
            "Tag resource id {other} does not match the AutoScalingGroup {default_resource}."
        )));
    }
    validate(&tags)?;
    Ok(tags)
}

fn parse_tag(t: &Input) -> AsgResult<(Option<String>, GroupTag)> {
    if let Some(kind) = t.str("ResourceType").filter(|k| *k != "auto-scaling-group") {
        return Err(AsgError::validation(format!(
            "Invalid resource type {kind}: only auto-scaling-group can be tagged."
        )));
    }
    let tag = GroupTag {
        key: t.required_str("Key")?.to_string(),
        value: t.string("Value").unwrap_or_default(),
        propagate_at_launch: t.bool("PropagateAtLaunch")?.unwrap_or(false),
    };
    Ok((t.string("ResourceId"), tag))
}

/// The request's tags by group name, in order.
fn tags_by_group(input: &Input) -> AsgResult<Vec<(String, GroupTag)>> {
    let items = input.objects("Tags");
    if items.is_empty() {
        return Err(AsgError::missing("Tags"));
    }
    items
        .iter()
        .map(|t| {
            let (resource, tag) = parse_tag(t)?;
            let resource = resource.ok_or_else(|| AsgError::missing("ResourceId"))?;
            validate(std::slice::from_ref(&tag))?;
            Ok((resource, tag))
        })
        .collect()
}

pub fn create_or_update_tags(
    st: &mut RegionState,
    _env: &Env<'_>,
    input: &Input,
) -> AsgResult<Option<String>> {
    let tags = tags_by_group(input)?;
    // Check every group and limit first, so a bad request changes nothing.
    let mut staged = st.groups.clone();
    for (resource, tag) in tags {
        let group = staged
            .get_mut(&resource)
            .ok_or_else(|| AsgError::group_not_found(&resource))?;
        group.tags.retain(|t| t.key != tag.key);
        group.tags.push(tag);
        if group.tags.len() > MAX_TAGS {
            return Err(AsgError::LimitExceeded(format!(
                "The quota of {MAX_TAGS} tags per resource has been exceeded."
            )));
        }
    }
    st.groups = staged;
    Ok(None)
}

pub fn delete_tags(
    st: &mut RegionState,
    _env: &Env<'_>,
    input: &Input,
) -> AsgResult<Option<String>> {
    let tags = tags_by_group(input)?;
    for (resource, _) in &tags {
        group_mut(st, resource)?;
    }
    for (resource, tag) in tags {
        let group = group_mut(st, &resource)?;
        group.tags.retain(|t| t.key != tag.key);
    }
    Ok(None)
}

pub fn describe_tags(
    st: &mut RegionState,
    _env: &Env<'_>,
    input: &Input,
) -> AsgResult<Option<String>> {
    let filters = filters(input, |name| {
        ["auto-scaling-group", "key", "value", "propagate-at-launch"].contains(&name)
    })?;
    let matches = |name: &str, tag: &GroupTag| {
        filters.iter().all(|(filter, values)| {
            let field = match filter.as_str() {
                "auto-scaling-group" => name.to_string(),
                "key" => tag.key.clone(),
                "value" => tag.value.clone(),
                "propagate-at-launch" => tag.propagate_at_launch.to_string(),
                _ => return false,
            };
            values.contains(&field)
        })
    };
    let all = st.groups.values().flat_map(|g| {
        g.tags
            .iter()
            .filter(|t| matches(&g.name, t))
            .map(|t| (format!("{}\u{1}{}", g.name, t.key), (g.name.as_str(), t)))
    });
    let (items, token) = page(input, all, 50, 100)?;
    let mut w = XmlWriter::new();
    w.start("Tags");
    for (name, t) in items {
        render::tag(&mut w, name, &t.key, &t.value, t.propagate_at_launch);
    }
    w.end().optional("NextToken", token.as_deref());
    Ok(Some(w.finish()))
}
