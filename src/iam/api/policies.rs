//! Managed policies: CreatePolicy, GetPolicy, DeletePolicy, ListPolicies, and attaching them
//! to roles (AttachRolePolicy, DetachRolePolicy, ListAttachedRolePolicies).
//!
//! AWS managed policies (`arn:aws:iam::aws:policy/…`) are accepted by ARN without a catalogue:
//! local-ecs records one the first time it is named, so it lists and attaches like any other.
//! Only one version (`v1`) of a policy exists; policy versions are not built.

use super::roles::{role, role_mut};
use super::{arn, document, name, page, path, read_tags, truncation, unique_id, Env};
use crate::iam::render;
use crate::iam::state::{AccountState, Policy};
use crate::iam::{IamError, IamResult};
use crate::wire::input::Input;
use crate::wire::xml::XmlWriter;

const AWS_MANAGED: &str = "arn:aws:iam::aws:policy";

/// The policy `arn` names: a stored one, or an AWS managed one recorded now.
fn resolve(st: &mut AccountState, arn: &str) -> IamResult<Policy> {
    if let Some(p) = st.policies.get(arn) {
        return Ok(p.clone());
    }
    let Some(rest) = arn.strip_prefix(AWS_MANAGED).filter(|r| r.starts_with('/')) else {
        return Err(IamError::NoSuchEntity(format!(
            "Policy {arn} does not exist or is not attachable."
        )));
    };
    let (path, name) = rest.rsplit_once('/').unwrap_or(("", rest));
    let p = Policy {
        name: name.to_string(),
        id: unique_id("ANPA"),
        arn: arn.to_string(),
        path: format!("{path}/"),
        document: String::new(),
        created: st.now(),
        aws_managed: true,
        ..Default::default()
    };
    st.policies.insert(arn.to_string(), p.clone());
    Ok(p)
}

/// `PolicyArn`, required and shaped like an ARN.
fn policy_arn(input: &Input) -> IamResult<&str> {
    let a = input
        .required_str("PolicyArn")
        .map_err(|_| IamError::missing("PolicyArn"))?;
    if !a.starts_with("arn:") || a.len() < 20 {
        return Err(IamError::InvalidInput(format!("ARN {a} is not valid.")));
    }
    Ok(a)
}

fn one(st: &AccountState, p: &Policy) -> Option<String> {
    let mut w = XmlWriter::new();
    render::policy(&mut w, "Policy", st, p);
    Some(w.finish())
}

pub fn create_policy(st: &mut AccountState, env: &Env, input: &Input) -> IamResult<Option<String>> {
    let name = name(input, "PolicyName", 128)?.to_string();
    let path = path(input, "Path")?;
    let arn = arn(&env.ctx.account, "policy", &path, &name);
    let p = Policy {
        id: unique_id("ANPA"),
        document: document(input, "PolicyDocument")?,
        description: input.string("Description"),
        tags: read_tags(input)?,
        created: st.now(),
        arn: arn.clone(),
        name: name.clone(),
        path,
        aws_managed: false,
    };
    if st
        .policies
        .values()
        .any(|q| !q.aws_managed && q.name == name)
    {
        return Err(IamError::EntityAlreadyExists(format!(
            "A policy called {name} already exists. Duplicate names are not allowed."
        )));
    }
    let out = one(st, &p);
    st.policies.insert(arn, p);
    Ok(out)
}

pub fn get_policy(st: &mut AccountState, _env: &Env, input: &Input) -> IamResult<Option<String>> {
    let arn = policy_arn(input)?;
    let p = resolve(st, arn)
        .map_err(|_| IamError::NoSuchEntity(format!("Policy {arn} was not found.")))?;
    Ok(one(st, &p))
}

pub fn delete_policy(
    st: &mut AccountState,
    _env: &Env,
    input: &Input,
) -> IamResult<Option<String>> {
    let arn = policy_arn(input)?;
    match st.policies.get(arn) {
        Some(p) if !p.aws_managed => {}
        _ => {
            return Err(IamError::NoSuchEntity(format!(
                "Policy {arn} was not found."
            )))
        }
    }
    if st.attachment_count(arn) > 0 {
        return Err(IamError::DeleteConflict(
            "Cannot delete a policy attached to entities.".into(),
        ));
    }
    st.policies.remove(arn);
    Ok(None)
}

/// `Scope` (`All`, `AWS`, `Local`) keeps a policy?
fn in_scope(scope: &str, p: &Policy) -> IamResult<bool> {
    match scope {
        "All" => Ok(true),
        "AWS" => Ok(p.aws_managed),
        "Local" => Ok(!p.aws_managed),
        other => Err(IamError::Validation(format!(
            "1 validation error detected: Value '{other}' at 'scope' failed to satisfy constraint: Member must satisfy enum value set: [All, AWS, Local]"
        ))),
    }
}

pub fn list_policies(
    st: &mut AccountState,
    _env: &Env,
    input: &Input,
) -> IamResult<Option<String>> {
    let scope = input.str("Scope").unwrap_or("All");
    let only_attached = input.bool("OnlyAttached")?.unwrap_or(false);
    let prefix = input.str("PathPrefix").unwrap_or("/");
    let mut items = Vec::new();
    for p in st.policies.values() {
        let attached = !only_attached || st.attachment_count(&p.arn) > 0;
        if in_scope(scope, p)? && attached && p.path.starts_with(prefix) {
            items.push((format!("{}\u{1}{}", p.name, p.arn), p));
        }
    }
    items.sort_by(|a, b| a.0.cmp(&b.0));
    let (policies, marker) = page(input, items)?;
    let mut w = XmlWriter::new();
    w.start("Policies");
    for p in policies {
        render::policy(&mut w, "member", st, p);
    }
    w.end();
    truncation(&mut w, marker.as_deref());
    Ok(Some(w.finish()))
}

pub fn attach_role_policy(
    st: &mut AccountState,
    _env: &Env,
    input: &Input,
) -> IamResult<Option<String>> {
    let arn = policy_arn(input)?.to_string();
    role(st, input)?;
    resolve(st, &arn)?;
    let r = role_mut(st, input)?;
    if !r.attached.contains(&arn) {
        r.attached.push(arn);
    }
    Ok(None)
}

pub fn detach_role_policy(
    st: &mut AccountState,
    _env: &Env,
    input: &Input,
) -> IamResult<Option<String>> {
    let arn = policy_arn(input)?.to_string();
    let r = role_mut(st, input)?;
    let before = r.attached.len();
    r.attached.retain(|a| *a != arn);
    if r.attached.len() == before {
        return Err(IamError::NoSuchEntity(format!(
            "Policy {arn} was not found."
        )));
    }
    Ok(None)
}

pub fn list_attached_role_policies(
    st: &mut AccountState,
    _env: &Env,
    input: &Input,
) -> IamResult<Option<String>> {
    let prefix = input.str("PathPrefix").unwrap_or("/");
    let r = role(st, input)?;
    let items = r
        .attached
        .iter()
        .filter_map(|a| st.policies.get(a))
        .filter(|p| p.path.starts_with(prefix))
        .enumerate()
        .map(|(i, p)| (format!("{i:04}"), p))
        .collect();
    let (policies, marker) = page(input, items)?;
    let mut w = XmlWriter::new();
    w.start("AttachedPolicies");
    for p in policies {
        w.start("member")
            .element("PolicyName", &p.name)
            .element("PolicyArn", &p.arn)
            .end();
    }
    w.end();
    truncation(&mut w, marker.as_deref());
    Ok(Some(w.finish()))
}
