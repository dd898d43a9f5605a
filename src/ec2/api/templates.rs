//! Launch template operations
//! (<https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/manage-launch-template-versions.html>):
//! create a template (version 1, the default), add versions (optionally from a source version),
//! describe templates and versions (`$Latest`, `$Default`, numbers, a min/max range), change
//! the default version, delete versions (never the default) and templates.
//! Template data is not checked against existing resources until a launch uses it, as on AWS.

use super::page;
use super::template_view::{find_by_id, find_template, template_xml, version_xml};
use crate::core::context::RequestContext;
use crate::ec2::error::{Ec2Error, Ec2Result};
use crate::ec2::filters;
use crate::ec2::params::Params;
use crate::ec2::state::network::{new_id, Tags};
use crate::ec2::state::template::{LaunchSpec, LaunchTemplate, TemplateVersion};
use crate::ec2::state::RegionState;
use crate::wire::xml::XmlWriter;
use std::collections::BTreeMap;

/// How many versions one template may have.
const MAX_VERSIONS: u64 = 10_000;

fn check_name(name: &str) -> Ec2Result<()> {
    let ok = (3..=128).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "().-/_".contains(c));
    if ok {
        Ok(())
    } else {
        Err(Ec2Error::InvalidTemplateNameMalformed(
            "A launch template name must be between 3 and 128 characters, and may contain letters, numbers, and the following characters: - ( ) . / _.'".into(),
        ))
    }
}

fn template_data(p: Params<'_>) -> Ec2Result<LaunchSpec> {
    let data = p
        .child("LaunchTemplateData")?
        .ok_or_else(|| Ec2Error::missing("LaunchTemplateData"))?;
    let spec = LaunchSpec::parse(data)?;
    for tags in spec.tag_specs.values() {
        super::tags::check_user_tags(tags)?;
    }
    Ok(spec)
}

pub fn create_launch_template(
    state: &mut RegionState,
    _: &RequestContext,
    p: Params<'_>,
) -> Ec2Result<String> {
    let name = p.required("LaunchTemplateName")?;
    check_name(name)?;
    let data = template_data(p)?;
    if state.templates.values().any(|t| t.name == name) {
        return Err(Ec2Error::InvalidTemplateNameAlreadyExists(
            "Launch template name already in use.".into(),
        ));
    }
    let tags: Tags = p
        .tag_specs()?
        .remove("launch-template")
        .unwrap_or_default()
        .into_iter()
        .collect();
    let now = state.now();
    let template = LaunchTemplate {
        id: new_id("lt"),
        name: name.to_string(),
        created: now,
        created_by: format!("arn:aws:iam::{}:root", state.account),
        default_version: 1,
        latest_version: 1,
        versions: BTreeMap::from([(
            1,
            TemplateVersion {
                number: 1,
                description: p.str("VersionDescription")?.map(str::to_string),
                created: now,
                data,
            },
        )]),
        tags,
    };
    let mut w = XmlWriter::new();
    template_xml(&mut w, "launchTemplate", &template);
    state.templates.insert(template.id.clone(), template);
    Ok(w.finish())
}

pub fn create_launch_template_version(
    state: &mut RegionState,
    _: &RequestContext,
    p: Params<'_>,
) -> Ec2Result<String> {
    let data = template_data(p)?;
    let template = find_template(
        state,
        p.str("LaunchTemplateId")?,
        p.str("LaunchTemplateName")?,
    )?;
    let data = match p.str("SourceVersion")? {
        Some(source) => data.over(&template.version(Some(source))?.data),
        None => data,
    };
    if template.latest_version >= MAX_VERSIONS {
        return Err(Ec2Error::InvalidParameterValue(format!(
            "A launch template can have at most {MAX_VERSIONS} versions."
        )));
    }
    let id = template.id.clone();
    let now = state.now();
    let description = p.str("VersionDescription")?.map(str::to_string);
    let template = state
        .templates
        .get_mut(&id)
        .ok_or_else(|| Ec2Error::Internal("template vanished".into()))?;
    template.latest_version += 1;
    let number = template.latest_version;
    let version = TemplateVersion {
        number,
        description,
        created: now,
        data,
    };
    let mut w = XmlWriter::new();
    version_xml(&mut w, "launchTemplateVersion", template, &version);
    template.versions.insert(number, version);
    Ok(w.finish())
}

pub fn describe_launch_templates(
    state: &mut RegionState,
    _: &RequestContext,
    p: Params<'_>,
) -> Ec2Result<String> {
    let ids = p.strings("LaunchTemplateId")?;
    let names = p.strings("LaunchTemplateName")?;
    let filters = p.filters()?;
    let mut chosen: Vec<&LaunchTemplate> = Vec::new();
    for id in &ids {
        chosen.push(find_by_id(state, id)?);
    }
    for name in &names {
        chosen.push(find_template(state, None, Some(name))?);
    }
    if ids.is_empty() && names.is_empty() {
        chosen = state.templates.values().collect();
    }
    let mut matching = filters::select(&filters, chosen.into_iter())?;
    matching.sort_by(|a, b| {
        (a.created, &a.id)
            .partial_cmp(&(b.created, &b.id))
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    matching.dedup_by(|a, b| a.id == b.id);
    let (page, token) = page(p, matching, (1, 200), |t| {
        format!("{:020.3}\u{1}{}", t.created, t.id)
    })?;
    let mut w = XmlWriter::new();
    w.start("launchTemplates");
    for t in page {
        template_xml(&mut w, "item", t);
    }
    w.end();
    w.optional("nextToken", token.as_deref());
    Ok(w.finish())
}

pub fn describe_launch_template_versions(
    state: &mut RegionState,
    _: &RequestContext,
    p: Params<'_>,
) -> Ec2Result<String> {
    let template = find_template(
        state,
        p.str("LaunchTemplateId")?,
        p.str("LaunchTemplateName")?,
    )?;
    let asked = p.strings("LaunchTemplateVersion")?;
    let bound = |name: &str| -> Ec2Result<Option<u64>> {
        p.str(name)?
            .map(|v| template.version_number(Some(v)))
            .transpose()
    };
    let (min, max) = (bound("MinVersion")?, bound("MaxVersion")?);
    let mut chosen: Vec<&TemplateVersion> = Vec::new();
    if asked.is_empty() {
        chosen.extend(
            template
                .versions
                .values()
                .filter(|v| min.is_none_or(|m| v.number >= m) && max.is_none_or(|m| v.number <= m)),
        );
    }
    for spec in &asked {
        let number = template.version_number(Some(spec))?;
        let version = template
            .versions
            .get(&number)
            .ok_or_else(|| template.no_version(number))?;
        if !chosen.iter().any(|v| v.number == number) {
            chosen.push(version);
        }
    }
    let (page, token) = page(p, chosen, (1, 200), |v| format!("{:020}", v.number))?;
    let mut w = XmlWriter::new();
    w.start("launchTemplateVersionSet");
    for v in page {
        version_xml(&mut w, "item", template, v);
    }
    w.end();
    w.optional("nextToken", token.as_deref());
    Ok(w.finish())
}

pub fn modify_launch_template(
    state: &mut RegionState,
    _: &RequestContext,
    p: Params<'_>,
) -> Ec2Result<String> {
    let template = find_template(
        state,
        p.str("LaunchTemplateId")?,
        p.str("LaunchTemplateName")?,
    )?;
    let id = template.id.clone();
    let default = match p.str("SetDefaultVersion")? {
        Some(v) => {
            let n = template.version_number(Some(v))?;
            if !template.versions.contains_key(&n) {
                return Err(template.no_version(n));
            }
            Some(n)
        }
        None => None,
    };
    let template = state
        .templates
        .get_mut(&id)
        .ok_or_else(|| Ec2Error::Internal("template vanished".into()))?;
    if let Some(n) = default {
        template.default_version = n;
    }
    let mut w = XmlWriter::new();
    template_xml(&mut w, "launchTemplate", template);
    Ok(w.finish())
}

pub fn delete_launch_template(
    state: &mut RegionState,
    _: &RequestContext,
    p: Params<'_>,
) -> Ec2Result<String> {
    let template = find_template(
        state,
        p.str("LaunchTemplateId")?,
        p.str("LaunchTemplateName")?,
    )?;
    let id = template.id.clone();
    let mut w = XmlWriter::new();
    template_xml(&mut w, "launchTemplate", template);
    state.templates.remove(&id);
    Ok(w.finish())
}

pub fn delete_launch_template_versions(
    state: &mut RegionState,
    _: &RequestContext,
    p: Params<'_>,
) -> Ec2Result<String> {
    let template = find_template(
        state,
        p.str("LaunchTemplateId")?,
        p.str("LaunchTemplateName")?,
    )?;
    let id = template.id.clone();
    let asked = p.strings("LaunchTemplateVersion")?;
    if asked.is_empty() {
        return Err(Ec2Error::missing("LaunchTemplateVersion"));
    }
    let template = state
        .templates
        .get_mut(&id)
        .ok_or_else(|| Ec2Error::Internal("template vanished".into()))?;
    let mut done = Vec::new();
    let mut failed = Vec::new();
    for spec in &asked {
        let outcome = match spec.parse::<u64>() {
            Err(_) => Err(("launchTemplateVersionDoesNotExist", "The version number is not valid")),
            Ok(n) if n == template.default_version => Err((
                "unexpectedError",
                "Cannot delete the default version of a launch template; delete the template or change its default version first",
            )),
            Ok(n) if template.versions.remove(&n).is_none() => Err((
                "launchTemplateVersionDoesNotExist",
                "The specified launch template version does not exist",
            )),
            Ok(n) => Ok(n),
        };
        match outcome {
            Ok(n) => done.push(n),
            Err(e) => failed.push((spec.clone(), e)),
        }
    }
    let mut w = XmlWriter::new();
    w.start("successfullyDeletedLaunchTemplateVersionSet");
    for n in done {
        w.start("item")
            .element("launchTemplateId", &template.id)
            .element("launchTemplateName", &template.name)
            .element("versionNumber", &n.to_string())
            .end();
    }
    w.end()
        .start("unsuccessfullyDeletedLaunchTemplateVersionSet");
    for (spec, (code, message)) in failed {
        w.start("item")
            .element("launchTemplateId", &template.id)
            .element("launchTemplateName", &template.name)
            .optional(
                "versionNumber",
                spec.parse::<u64>().ok().map(|n| n.to_string()).as_deref(),
            )
            .start("responseError")
            .element("code", code)
            .element("message", message)
            .end()
            .end();
    }
    w.end();
    Ok(w.finish())
}
