//! CreateTags, DeleteTags and DescribeTags
//! (<https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/Using_Tags.html>) on every resource
//! this service keeps: instances, VPCs, subnets, security groups and launch templates. EC2's
//! rules: at most 50 tags per resource, keys up to 128 characters, values up to 256, and the
//! `aws:` prefix reserved.

use super::page;
use crate::core::context::RequestContext;
use crate::ec2::error::{Ec2Error, Ec2Result};
use crate::ec2::filters::{self, one, Filterable};
use crate::ec2::params::Params;
use crate::ec2::render;
use crate::ec2::state::network::Tags;
use crate::ec2::state::RegionState;
use crate::wire::xml::XmlWriter;

const MAX_TAGS: usize = 50;

/// Checks tags a user asks for (not those EC2 adds itself).
pub fn check_user_tags(tags: &[(String, String)]) -> Ec2Result<()> {
    for (key, value) in tags {
        if key.is_empty() || key.chars().count() > 128 {
            return Err(Ec2Error::InvalidParameterValue(format!(
                "Tag key exceeds the maximum length of 128 characters or is empty: '{key}'"
            )));
        }
        if value.chars().count() > 256 {
            return Err(Ec2Error::InvalidParameterValue(format!(
                "Tag value exceeds the maximum length of 256 characters for key '{key}'"
            )));
        }
        if key.to_ascii_lowercase().starts_with("aws:") {
            return Err(Ec2Error::InvalidParameterValue(
                "Tag keys starting with 'aws:' are reserved for internal use".into(),
            ));
        }
    }
    Ok(())
}

/// The tags of resource `id`, for changing them; the resource kind's own not-found error.
fn tags_mut<'a>(state: &'a mut RegionState, id: &str) -> Ec2Result<&'a mut Tags> {
    let kind = id.split('-').next().unwrap_or("");
    let found = match kind {
        "i" => state.instances.get_mut(id).map(|r| &mut r.tags),
        "vpc" => state.vpcs.get_mut(id).map(|r| &mut r.tags),
        "subnet" => state.subnets.get_mut(id).map(|r| &mut r.tags),
        "sg" => state.groups.get_mut(id).map(|r| &mut r.tags),
        "lt" => state.templates.get_mut(id).map(|r| &mut r.tags),
        _ => return Err(Ec2Error::InvalidId(format!("The ID '{id}' is not valid"))),
    };
    found.ok_or_else(|| match kind {
        "i" => super::instances::not_found(&[id]),
        "vpc" => Ec2Error::InvalidVpcIdNotFound(format!("The vpc ID '{id}' does not exist")),
        "subnet" => {
            Ec2Error::InvalidSubnetIdNotFound(format!("The subnet ID '{id}' does not exist"))
        }
        "sg" => Ec2Error::InvalidGroupNotFound(format!("The security group '{id}' does not exist")),
        _ => Ec2Error::InvalidTemplateIdNotFound(format!(
            "The specified launch template, with template ID {id}, does not exist."
        )),
    })
}

pub fn create_tags(
    state: &mut RegionState,
    _: &RequestContext,
    p: Params<'_>,
) -> Ec2Result<String> {
    let ids = p.strings("ResourceId")?;
    let tags = p.tags("Tag")?;
    if ids.is_empty() {
        return Err(Ec2Error::missing("ResourceId"));
    }
    if tags.is_empty() {
        return Err(Ec2Error::missing("Tag"));
    }
    check_user_tags(&tags)?;
    // Check every resource first, so a failing request changes nothing.
    for id in &ids {
        let current = tags_mut(state, id)?;
        let mut after = current.clone();
        after.extend(tags.iter().cloned());
        if after.len() > MAX_TAGS {
            return Err(Ec2Error::TagLimitExceeded(format!(
                "The maximum number of Tags for a resource has been reached. Resource: {id}"
            )));
        }
    }
    for id in &ids {
        tags_mut(state, id)?.extend(tags.iter().cloned());
    }
    Ok(render::ok_return())
}

pub fn delete_tags(
    state: &mut RegionState,
    _: &RequestContext,
    p: Params<'_>,
) -> Ec2Result<String> {
    let ids = p.strings("ResourceId")?;
    if ids.is_empty() {
        return Err(Ec2Error::missing("ResourceId"));
    }
    // A tag given with a value only goes if the value matches; a key alone always goes; no
    // tags at all removes every tag the user set.
    let mut wanted: Vec<(String, Option<String>)> = Vec::new();
    for t in p.list("Tag")? {
        wanted.push((
            t.required("Key")?.to_string(),
            t.str("Value")?.map(str::to_string),
        ));
    }
    for id in &ids {
        tags_mut(state, id)?;
    }
    for id in &ids {
        let tags = tags_mut(state, id)?;
        if wanted.is_empty() {
            tags.retain(|k, _| k.starts_with("aws:"));
        }
        for (key, value) in &wanted {
            if value.as_ref().is_none_or(|v| tags.get(key) == Some(v)) {
                tags.remove(key);
            }
        }
    }
    Ok(render::ok_return())
}

/// One tag of one resource, as DescribeTags lists and filters them.
struct TagRow {
    id: String,
    kind: &'static str,
    key: String,
    value: String,
    none: Tags,
}

impl Filterable for TagRow {
    fn filter_values(&self, name: &str) -> Option<Vec<String>> {
        Some(match name {
            "resource-id" => one(&self.id),
            "resource-type" => one(self.kind),
            "key" => one(&self.key),
            "value" => one(&self.value),
            _ => return None,
        })
    }

    fn tags(&self) -> &Tags {
        &self.none
    }
}

fn rows(state: &RegionState) -> Vec<TagRow> {
    let mut owners: Vec<(&str, &'static str, &Tags)> = Vec::new();
    owners.extend(
        state
            .instances
            .values()
            .map(|r| (r.id.as_str(), "instance", &r.tags)),
    );
    owners.extend(state.vpcs.values().map(|r| (r.id.as_str(), "vpc", &r.tags)));
    owners.extend(
        state
            .subnets
            .values()
            .map(|r| (r.id.as_str(), "subnet", &r.tags)),
    );
    owners.extend(
        state
            .groups
            .values()
            .map(|r| (r.id.as_str(), "security-group", &r.tags)),
    );
    owners.extend(
        state
            .templates
            .values()
            .map(|r| (r.id.as_str(), "launch-template", &r.tags)),
    );
    owners
        .into_iter()
        .flat_map(|(id, kind, tags)| {
            tags.iter().map(move |(k, v)| TagRow {
                id: id.to_string(),
                kind,
                key: k.clone(),
                value: v.clone(),
                none: Tags::new(),
            })
        })
        .collect()
}

pub fn describe_tags(
    state: &mut RegionState,
    _: &RequestContext,
    p: Params<'_>,
) -> Ec2Result<String> {
    let filters = p.filters()?;
    let all = rows(state);
    let mut matching = filters::select(&filters, all.iter())?;
    matching.sort_by(|a, b| (&a.id, &a.key).cmp(&(&b.id, &b.key)));
    let (page, token) = page(p, matching, (5, 1000), |r| {
        format!("{}\u{1}{}", r.id, r.key)
    })?;
    let mut w = XmlWriter::new();
    w.start("tagSet");
    for row in page {
        w.start("item")
            .element("resourceId", &row.id)
            .element("resourceType", row.kind)
            .element("key", &row.key)
            .element("value", &row.value)
            .end();
    }
    w.end();
    w.optional("nextToken", token.as_deref());
    Ok(w.finish())
}
