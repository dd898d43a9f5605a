//! AddTags, RemoveTags and DescribeTags on load balancers, target groups, listeners and rules,
//! with AWS's tag rules; an unknown resource answers the not-found error of its kind.

use super::Env;
use crate::core::tags::{validate, TagLike, MAX_TAGS};
use crate::elbv2::state::RegionState;
use crate::elbv2::{ElbError, ElbResult};
use crate::wire::input::Input;
use crate::wire::xml::XmlWriter;

struct Pair<'a>(&'a str, &'a str);

impl TagLike for Pair<'_> {
    fn key(&self) -> &str {
        self.0
    }
    fn value(&self) -> &str {
        self.1
    }
}

/// `Tags.member.N.Key/Value`, checked.
pub fn read(input: &Input) -> ElbResult<Vec<(String, String)>> {
    let mut tags: Vec<(String, String)> = Vec::new();
    for t in input.objects("Tags") {
        let key = t.string("Key").ok_or_else(|| ElbError::missing("Key"))?;
        if tags.iter().any(|(k, _)| *k == key) {
            return Err(ElbError::coded(
                "DuplicateTagKeys",
                format!("Tag key '{key}' is duplicated"),
            ));
        }
        tags.push((key, t.string("Value").unwrap_or_default()));
    }
    let pairs: Vec<Pair> = tags.iter().map(|(k, v)| Pair(k, v)).collect();
    validate(&pairs)?;
    Ok(tags)
}

/// The resource exists, or the not-found error of its kind.
fn check_resource(st: &RegionState, arn: &str) -> ElbResult<()> {
    let found = st.load_balancers.contains_key(arn)
        || st.target_groups.contains_key(arn)
        || st.listeners.contains_key(arn)
        || st.rules.contains_key(arn)
        || st.listeners.values().any(|l| l.default_rule_arn == arn);
    if found {
        return Ok(());
    }
    let resource = arn.split(':').nth(5).unwrap_or("");
    Err(if resource.starts_with("targetgroup/") {
        ElbError::tg_not_found()
    } else if resource.starts_with("listener-rule/") {
        ElbError::rule_not_found()
    } else if resource.starts_with("listener/") {
        ElbError::listener_not_found()
    } else {
        ElbError::lb_not_found()
    })
}

fn resources(st: &RegionState, input: &Input) -> ElbResult<Vec<String>> {
    let arns = input.strings("ResourceArns");
    if arns.is_empty() {
        return Err(ElbError::missing("ResourceArns"));
    }
    for a in &arns {
        check_resource(st, a)?;
    }
    Ok(arns)
}

pub fn add_tags(st: &mut RegionState, _env: &Env, input: &Input) -> ElbResult<Option<String>> {
    let arns = resources(st, input)?;
    let new = read(input)?;
    if new.is_empty() {
        return Err(ElbError::missing("Tags"));
    }
    for arn in &arns {
        let mut tags = st.tags.get(arn).cloned().unwrap_or_default();
        for (k, v) in &new {
            match tags.iter_mut().find(|(key, _)| key == k) {
                Some(t) => t.1 = v.clone(),
                None => tags.push((k.clone(), v.clone())),
            }
        }
        if tags.len() > MAX_TAGS {
            return Err(ElbError::coded(
                "TooManyTags",
                format!("The resource '{arn}' would have more than {MAX_TAGS} tags"),
            ));
        }
        st.tags.insert(arn.clone(), tags);
    }
    Ok(None)
}

pub fn remove_tags(st: &mut RegionState, _env: &Env, input: &Input) -> ElbResult<Option<String>> {
    let arns = resources(st, input)?;
    let keys = input.strings("TagKeys");
    for arn in &arns {
        if let Some(tags) = st.tags.get_mut(arn) {
            tags.retain(|(k, _)| !keys.contains(k));
        }
    }
    Ok(None)
}

pub fn describe_tags(st: &mut RegionState, _env: &Env, input: &Input) -> ElbResult<Option<String>> {
    let arns = resources(st, input)?;
    let mut w = XmlWriter::new();
    w.start("TagDescriptions");
    for arn in &arns {
        w.start("member").element("ResourceArn", arn).start("Tags");
        for (k, v) in st.tags.get(arn).map(Vec::as_slice).unwrap_or_default() {
            w.start("member")
                .element("Key", k)
                .element("Value", v)
                .end();
        }
        w.end().end();
    }
    w.end();
    Ok(Some(w.finish()))
}
