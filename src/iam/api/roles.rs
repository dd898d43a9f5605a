//! CreateRole, GetRole, ListRoles, DeleteRole, UpdateAssumeRolePolicy, and TagRole, UntagRole,
//! ListRoleTags. Role names are unique per account regardless of case, as in IAM.

use super::{arn, document, merge_tags, name, page, path, read_tags, truncation, unique_id, Env};
use crate::iam::render;
use crate::iam::state::{AccountState, Role};
use crate::iam::{IamError, IamResult};
use crate::wire::input::Input;
use crate::wire::xml::XmlWriter;

/// The role named by `RoleName`, or `NoSuchEntity`.
pub fn role<'s>(st: &'s AccountState, input: &Input) -> IamResult<&'s Role> {
    let name = name(input, "RoleName", 64)?;
    st.role_key(name)
        .and_then(|k| st.roles.get(&k))
        .ok_or_else(|| IamError::no_such("role", name))
}

pub fn role_mut<'s>(st: &'s mut AccountState, input: &Input) -> IamResult<&'s mut Role> {
    let name = name(input, "RoleName", 64)?;
    st.role_key(name)
        .and_then(|k| st.roles.get_mut(&k))
        .ok_or_else(|| IamError::no_such("role", name))
}

/// `MaxSessionDuration`: 3600–43200 seconds, default 3600.
fn max_session(input: &Input) -> IamResult<u32> {
    match input.int("MaxSessionDuration")? {
        None => Ok(3600),
        Some(n @ 3600..=43200) => Ok(n as u32),
        Some(n) => Err(IamError::Validation(format!(
            "1 validation error detected: Value '{n}' at 'maxSessionDuration' failed to satisfy constraint: Member must have value between 3600 and 43200"
        ))),
    }
}

fn description(input: &Input) -> IamResult<Option<String>> {
    match input.string("Description") {
        Some(d) if d.chars().count() > 1000 => Err(IamError::Validation(
            "1 validation error detected: Value at 'description' failed to satisfy constraint: Member must have length less than or equal to 1000".into(),
        )),
        d => Ok(d),
    }
}

fn one(role: &Role) -> Option<String> {
    let mut w = XmlWriter::new();
    render::role(&mut w, "Role", role);
    Some(w.finish())
}

pub fn create_role(st: &mut AccountState, env: &Env, input: &Input) -> IamResult<Option<String>> {
    let name = name(input, "RoleName", 64)?.to_string();
    let path = path(input, "Path")?;
    let role = Role {
        arn: arn(&env.ctx.account, "role", &path, &name),
        trust: document(input, "AssumeRolePolicyDocument")?,
        description: description(input)?,
        max_session: max_session(input)?,
        tags: read_tags(input)?,
        id: unique_id("AROA"),
        created: st.now(),
        path,
        name: name.clone(),
        ..Default::default()
    };
    if st.role_key(&name).is_some() {
        return Err(IamError::exists("Role", &name));
    }
    let out = one(&role);
    st.roles.insert(name, role);
    Ok(out)
}

pub fn get_role(st: &mut AccountState, _env: &Env, input: &Input) -> IamResult<Option<String>> {
    Ok(one(role(st, input)?))
}

pub fn list_roles(st: &mut AccountState, _env: &Env, input: &Input) -> IamResult<Option<String>> {
    let prefix = input.str("PathPrefix").unwrap_or("/");
    let items = st
        .roles
        .iter()
        .filter(|(_, r)| r.path.starts_with(prefix))
        .map(|(k, r)| (k.clone(), r))
        .collect();
    let (roles, marker) = page(input, items)?;
    let mut w = XmlWriter::new();
    w.start("Roles");
    for r in roles {
        render::role(&mut w, "member", r);
    }
    w.end();
    truncation(&mut w, marker.as_deref());
    Ok(Some(w.finish()))
}

/// IAM refuses to delete a role that still has policies or sits in an instance profile.
pub fn delete_role(st: &mut AccountState, _env: &Env, input: &Input) -> IamResult<Option<String>> {
    let r = role(st, input)?;
    let conflict =
        |what: &str| IamError::DeleteConflict(format!("Cannot delete entity, must {what} first."));
    if !r.inline.is_empty() {
        return Err(conflict("delete policies"));
    }
    if !r.attached.is_empty() {
        return Err(conflict("detach all policies"));
    }
    if st.profiles.values().any(|p| p.roles.contains(&r.name)) {
        return Err(conflict("remove roles from instance profile"));
    }
    let key = r.name.clone();
    st.roles.remove(&key);
    Ok(None)
}

pub fn update_assume_role_policy(
    st: &mut AccountState,
    _env: &Env,
    input: &Input,
) -> IamResult<Option<String>> {
    let doc = document(input, "PolicyDocument")?;
    role_mut(st, input)?.trust = doc;
    Ok(None)
}

pub fn tag_role(st: &mut AccountState, _env: &Env, input: &Input) -> IamResult<Option<String>> {
    let tags = read_tags(input)?;
    if !input.has("Tags") {
        return Err(IamError::missing("Tags"));
    }
    merge_tags(&mut role_mut(st, input)?.tags, tags)?;
    Ok(None)
}

pub fn untag_role(st: &mut AccountState, _env: &Env, input: &Input) -> IamResult<Option<String>> {
    let keys = input.strings("TagKeys");
    role_mut(st, input)?
        .tags
        .retain(|(k, _)| !keys.iter().any(|d| d.eq_ignore_ascii_case(k)));
    Ok(None)
}

pub fn list_role_tags(
    st: &mut AccountState,
    _env: &Env,
    input: &Input,
) -> IamResult<Option<String>> {
    let r = role(st, input)?;
    // Paged in the order the tags were added: the key is the position, zero-padded.
    let items = r
        .tags
        .iter()
        .enumerate()
        .map(|(i, t)| (format!("{i:04}"), t.clone()))
        .collect();
    let (tags, marker) = page(input, items)?;
    let mut w = XmlWriter::new();
    w.start("Tags");
    for (k, v) in &tags {
        w.start("member")
            .element("Key", k)
            .element("Value", v)
            .end();
    }
    w.end();
    truncation(&mut w, marker.as_deref());
    Ok(Some(w.finish()))
}
