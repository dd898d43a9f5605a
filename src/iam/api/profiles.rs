//! Instance profiles: CreateInstanceProfile, GetInstanceProfile, DeleteInstanceProfile,
//! AddRoleToInstanceProfile (one role at most, as IAM allows), RemoveRoleFromInstanceProfile,
//! ListInstanceProfiles, ListInstanceProfilesForRole. Nothing hands their roles to instances.

use super::roles::role;
use super::{arn, name, page, path, read_tags, truncation, unique_id, Env};
use crate::iam::render;
use crate::iam::state::{AccountState, InstanceProfile};
use crate::iam::{IamError, IamResult};
use crate::wire::input::Input;
use crate::wire::xml::XmlWriter;

fn profile_name(input: &Input) -> IamResult<&str> {
    name(input, "InstanceProfileName", 128)
}

fn profile_mut<'s>(st: &'s mut AccountState, input: &Input) -> IamResult<&'s mut InstanceProfile> {
    let name = profile_name(input)?;
    st.profiles
        .get_mut(name)
        .ok_or_else(|| IamError::no_such("instance profile", name))
}

fn one(st: &AccountState, p: &InstanceProfile) -> Option<String> {
    let mut w = XmlWriter::new();
    render::profile(&mut w, "InstanceProfile", st, p);
    Some(w.finish())
}

fn list<'a>(
    st: &AccountState,
    input: &Input,
    profiles: impl Iterator<Item = &'a InstanceProfile>,
) -> IamResult<Option<String>> {
    let items = profiles.map(|p| (p.name.clone(), p)).collect();
    let (profiles, marker) = page(input, items)?;
    let mut w = XmlWriter::new();
    w.start("InstanceProfiles");
    for p in profiles {
        render::profile(&mut w, "member", st, p);
    }
    w.end();
    truncation(&mut w, marker.as_deref());
    Ok(Some(w.finish()))
}

pub fn create_instance_profile(
    st: &mut AccountState,
    env: &Env,
    input: &Input,
) -> IamResult<Option<String>> {
    let name = profile_name(input)?.to_string();
    let path = path(input, "Path")?;
    if st.profiles.contains_key(&name) {
        return Err(IamError::exists("Instance Profile", &name));
    }
    let p = InstanceProfile {
        arn: arn(&env.ctx.account, "instance-profile", &path, &name),
        id: unique_id("AIPA"),
        created: st.now(),
        tags: read_tags(input)?,
        roles: Vec::new(),
        name: name.clone(),
        path,
    };
    let out = one(st, &p);
    st.profiles.insert(name, p);
    Ok(out)
}

pub fn get_instance_profile(
    st: &mut AccountState,
    _env: &Env,
    input: &Input,
) -> IamResult<Option<String>> {
    let p = profile_mut(st, input)?.clone();
    Ok(one(st, &p))
}

pub fn delete_instance_profile(
    st: &mut AccountState,
    _env: &Env,
    input: &Input,
) -> IamResult<Option<String>> {
    let p = profile_mut(st, input)?;
    if !p.roles.is_empty() {
        return Err(IamError::DeleteConflict(
            "Cannot delete entity, must remove roles from instance profile first.".into(),
        ));
    }
    let name = p.name.clone();
    st.profiles.remove(&name);
    Ok(None)
}

pub fn add_role_to_instance_profile(
    st: &mut AccountState,
    _env: &Env,
    input: &Input,
) -> IamResult<Option<String>> {
    let role_name = role(st, input)?.name.clone();
    let p = profile_mut(st, input)?;
    if !p.roles.is_empty() {
        return Err(IamError::LimitExceeded(
            "Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1".into(),
        ));
    }
    p.roles.push(role_name);
    Ok(None)
}

pub fn remove_role_from_instance_profile(
    st: &mut AccountState,
    _env: &Env,
    input: &Input,
) -> IamResult<Option<String>> {
    let role_name = role(st, input)?.name.clone();
    let p = profile_mut(st, input)?;
    if !p.roles.contains(&role_name) {
        return Err(IamError::no_such("role", &role_name));
    }
    p.roles.retain(|r| *r != role_name);
    Ok(None)
}

pub fn list_instance_profiles(
    st: &mut AccountState,
    _env: &Env,
    input: &Input,
) -> IamResult<Option<String>> {
    let prefix = input.str("PathPrefix").unwrap_or("/");
    list(
        st,
        input,
        st.profiles.values().filter(|p| p.path.starts_with(prefix)),
    )
}

pub fn list_instance_profiles_for_role(
    st: &mut AccountState,
    _env: &Env,
    input: &Input,
) -> IamResult<Option<String>> {
    let role_name = role(st, input)?.name.clone();
    list(
        st,
        input,
        st.profiles
            .values()
            .filter(|p| p.roles.contains(&role_name)),
    )
}
