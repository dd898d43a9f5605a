//! Launch templates and their versions as EC2 shows them (`LaunchTemplate`,
//! `LaunchTemplateVersion` and `ResponseLaunchTemplateData` in the model), and how a request
//! names a template (by id or by name, with EC2's errors for each).

use crate::ec2::error::{Ec2Error, Ec2Result};
use crate::ec2::filters::{one, Filterable};
use crate::ec2::launch::well_formed;
use crate::ec2::render::{self, iso8601};
use crate::ec2::state::network::Tags;
use crate::ec2::state::template::{LaunchSpec, LaunchTemplate, TemplateVersion};
use crate::ec2::state::RegionState;
use crate::wire::xml::XmlWriter;

/// The template a request names by `LaunchTemplateId` or `LaunchTemplateName` (one of them).
pub fn find_template<'a>(
    state: &'a RegionState,
    id: Option<&str>,
    name: Option<&str>,
) -> Ec2Result<&'a LaunchTemplate> {
    let (id, name) = (id.filter(|s| !s.is_empty()), name.filter(|s| !s.is_empty()));
    match (id, name) {
        (Some(_), Some(_)) => Err(Ec2Error::InvalidParameterCombination(
            "Either a launch template ID or a launch template name must be specified in the request, but not both.".into(),
        )),
        (None, None) => Err(Ec2Error::MissingParameter(
            "The request must contain the parameter launchTemplateName or launchTemplateId".into(),
        )),
        (Some(id), None) => find_by_id(state, id),
        (None, Some(name)) => state.templates.values().find(|t| t.name == name).ok_or_else(|| {
            Ec2Error::InvalidTemplateNameNotFound(format!(
                "The specified launch template, with template name {name}, does not exist."
            ))
        }),
    }
}

pub fn find_by_id<'a>(state: &'a RegionState, id: &str) -> Ec2Result<&'a LaunchTemplate> {
    if !well_formed(id, "lt") {
        return Err(Ec2Error::InvalidTemplateIdMalformed(format!(
            "The specified ID for the launch template is malformed: '{id}'"
        )));
    }
    state.templates.get(id).ok_or_else(|| {
        Ec2Error::InvalidTemplateIdNotFound(format!(
            "The specified launch template, with template ID {id}, does not exist."
        ))
    })
}

/// One `LaunchTemplate` (the element is `launchTemplate` or `item`).
pub fn template_xml(w: &mut XmlWriter, element: &str, t: &LaunchTemplate) {
    w.start(element)
        .element("launchTemplateId", &t.id)
        .element("launchTemplateName", &t.name)
        .element("createTime", &iso8601(t.created))
        .element("createdBy", &t.created_by)
        .element("defaultVersionNumber", &t.default_version.to_string())
        .element("latestVersionNumber", &t.latest_version.to_string());
    render::tag_set(w, "tagSet", &t.tags);
    w.end();
}

/// One `LaunchTemplateVersion`.
pub fn version_xml(w: &mut XmlWriter, element: &str, t: &LaunchTemplate, v: &TemplateVersion) {
    w.start(element)
        .element("launchTemplateId", &t.id)
        .element("launchTemplateName", &t.name)
        .element("versionNumber", &v.number.to_string())
        .optional("versionDescription", v.description.as_deref())
        .element("createTime", &iso8601(v.created))
        .element("createdBy", &t.created_by)
        .element(
            "defaultVersion",
            render::flag(v.number == t.default_version),
        );
    data_xml(w, &v.data);
    w.end();
}

/// `launchTemplateData`: the members local-ecs keeps, with their response names.
fn data_xml(w: &mut XmlWriter, d: &LaunchSpec) {
    w.start("launchTemplateData");
    if let Some(p) = &d.profile {
        w.start("iamInstanceProfile")
            .optional("arn", p.arn.as_deref())
            .optional("name", p.name.as_deref())
            .end();
    }
    if let Some(ni) = &d.interface {
        w.start("networkInterfaceSet").start("item");
        if let Some(b) = ni.associate_public_ip {
            w.element("associatePublicIpAddress", render::flag(b));
        }
        w.optional(
            "deviceIndex",
            ni.device_index.map(|i| i.to_string()).as_deref(),
        )
        .start("groupSet");
        for g in &ni.group_ids {
            w.element("groupId", g);
        }
        w.end()
            .optional("privateIpAddress", ni.private_ip.as_deref())
            .optional("subnetId", ni.subnet_id.as_deref())
            .end()
            .end();
    }
    w.optional("imageId", d.image_id.as_deref())
        .optional("instanceType", d.instance_type.as_deref())
        .optional("keyName", d.key_name.as_deref());
    if let Some(zone) = &d.zone {
        w.start("placement").element("availabilityZone", zone).end();
    }
    w.optional("userData", d.user_data.as_deref());
    if !d.tag_specs.is_empty() {
        w.start("tagSpecificationSet");
        for (kind, tags) in &d.tag_specs {
            w.start("item").element("resourceType", kind);
            render::tag_set(w, "tagSet", &tags.iter().cloned().collect());
            w.end();
        }
        w.end();
    }
    if !d.group_ids.is_empty() {
        render::string_items(w, "securityGroupIdSet", &d.group_ids);
    }
    if !d.group_names.is_empty() {
        render::string_items(w, "securityGroupSet", &d.group_names);
    }
    w.end();
}

impl Filterable for LaunchTemplate {
    fn filter_values(&self, name: &str) -> Option<Vec<String>> {
        Some(match name {
            "launch-template-name" => one(&self.name),
            "create-time" => one(iso8601(self.created)),
            _ => return None,
        })
    }

    fn tags(&self) -> &Tags {
        &self.tags
    }
}
