//! A role's inline policies: PutRolePolicy, GetRolePolicy, DeleteRolePolicy, ListRolePolicies.
//! Documents are only checked to be JSON; nothing evaluates them.

use super::roles::{role, role_mut};
use super::{document, name, page, truncation, Env};
use crate::iam::state::AccountState;
use crate::iam::{IamError, IamResult};
use crate::wire::input::Input;
use crate::wire::query::percent_encode;
use crate::wire::xml::XmlWriter;

pub fn put_role_policy(
    st: &mut AccountState,
    _env: &Env,
    input: &Input,
) -> IamResult<Option<String>> {
    let policy = name(input, "PolicyName", 128)?.to_string();
    let doc = document(input, "PolicyDocument")?;
    role_mut(st, input)?.inline.insert(policy, doc);
    Ok(None)
}

fn no_such_policy(policy: &str) -> IamError {
    IamError::NoSuchEntity(format!(
        "The role policy with name {policy} cannot be found."
    ))
}

pub fn get_role_policy(
    st: &mut AccountState,
    _env: &Env,
    input: &Input,
) -> IamResult<Option<String>> {
    let policy = name(input, "PolicyName", 128)?;
    let r = role(st, input)?;
    let doc = r.inline.get(policy).ok_or_else(|| no_such_policy(policy))?;
    let mut w = XmlWriter::new();
    w.element("RoleName", &r.name)
        .element("PolicyName", policy)
        .element("PolicyDocument", &percent_encode(doc));
    Ok(Some(w.finish()))
}

pub fn delete_role_policy(
    st: &mut AccountState,
    _env: &Env,
    input: &Input,
) -> IamResult<Option<String>> {
    let policy = name(input, "PolicyName", 128)?.to_string();
    let r = role_mut(st, input)?;
    match r.inline.remove(&policy) {
        Some(_) => Ok(None),
        None => Err(no_such_policy(&policy)),
    }
}

pub fn list_role_policies(
    st: &mut AccountState,
    _env: &Env,
    input: &Input,
) -> IamResult<Option<String>> {
    let items = role(st, input)?
        .inline
        .keys()
        .map(|k| (k.clone(), k.clone()))
        .collect();
    let (names, marker) = page(input, items)?;
    let mut w = XmlWriter::new();
    w.start("PolicyNames");
    for n in &names {
        w.element("member", n);
    }
    w.end();
    truncation(&mut w, marker.as_deref());
    Ok(Some(w.finish()))
}
