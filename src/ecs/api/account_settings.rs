//! Account settings: PutAccountSetting, PutAccountSettingDefault, ListAccountSettings,
//! DeleteAccountSetting. <https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs-account-settings.html>
//! There is no IAM here: every caller is the account's root user, whose own settings are the
//! account defaults. A setting's effective value is the principal's, else the account default,
//! else AWS's default.

use crate::core::context::RequestContext;
use crate::core::pagination::{page_size, resume_after, take_page};
use crate::ecs::state::types::AccountSetting;
use crate::ecs::state::RegionState;
use crate::ecs::{parse, EcsError, EcsResult};
use crate::wire::Reply;
use serde::Deserialize;
use serde_json::{Map, Value};

/// Each setting, its allowed values, AWS's default, and whether only the account default may set it.
const SETTINGS: &[(&str, &[&str], &str, bool)] = &[
    (
        "serviceLongArnFormat",
        &["enabled", "disabled"],
        "enabled",
        false,
    ),
    (
        "taskLongArnFormat",
        &["enabled", "disabled"],
        "enabled",
        false,
    ),
    (
        "containerInstanceLongArnFormat",
        &["enabled", "disabled"],
        "enabled",
        false,
    ),
    (
        "awsvpcTrunking",
        &["enabled", "disabled"],
        "disabled",
        false,
    ),
    (
        "containerInsights",
        &["enabled", "disabled", "enhanced"],
        "disabled",
        false,
    ),
    (
        "fargateFIPSMode",
        &["enabled", "disabled"],
        "disabled",
        true,
    ),
    ("tagResourceAuthorization", &["on", "off"], "on", false),
    (
        "fargateTaskRetirementWaitPeriod",
        &["0", "7", "14"],
        "7",
        true,
    ),
    ("guardDutyActivate", &["on", "off"], "off", false),
    (
        "defaultLogDriverMode",
        &["blocking", "non-blocking"],
        "non-blocking",
        false,
    ),
    (
        "fargateEventWindows",
        &["enabled", "disabled"],
        "disabled",
        false,
    ),
];

fn root_arn(st: &RegionState) -> String {
    crate::core::arn::account_root(&st.account)
}

/// The effective value of `name` for `principal` ("" = the account's root user).
pub fn effective_value(st: &RegionState, name: &str, principal: &str) -> Option<String> {
    let root = root_arn(st);
    let principal = if principal.is_empty() {
        root.as_str()
    } else {
        principal
    };
    [principal, root.as_str()]
        .iter()
        .find_map(|p| {
            st.account_settings
                .get(&(name.to_string(), p.to_string()))
                .map(|s| s.value.clone())
        })
        .or_else(|| {
            SETTINGS
                .iter()
                .find(|s| s.0 == name)
                .map(|s| s.2.to_string())
        })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PutRequest {
    name: String,
    value: String,
    principal_arn: Option<String>,
}

pub fn put_account_setting(
    st: &mut RegionState,
    _ctx: &RequestContext,
    input: Map<String, Value>,
) -> EcsResult<Reply> {
    let req: PutRequest = parse(input)?;
    let spec = check(&req.name, &req.value)?;
    if spec.3 {
        return Err(EcsError::invalid(format!(
            "The {} account setting can only be changed with PutAccountSettingDefault.",
            req.name
        )));
    }
    if req.name == "guardDutyActivate" {
        return Err(EcsError::invalid(
            "The guardDutyActivate account setting is managed by Amazon GuardDuty.",
        ));
    }
    let principal = req
        .principal_arn
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| root_arn(st));
    Ok(store(st, req.name, req.value, principal))
}

pub fn put_account_setting_default(
    st: &mut RegionState,
    _ctx: &RequestContext,
    input: Map<String, Value>,
) -> EcsResult<Reply> {
    let req: PutRequest = parse(input)?;
    check(&req.name, &req.value)?;
    let principal = root_arn(st);
    Ok(store(st, req.name, req.value, principal))
}

fn store(st: &mut RegionState, name: String, value: String, principal_arn: String) -> Reply {
    let setting = AccountSetting {
        name: name.clone(),
        value,
        principal_arn: principal_arn.clone(),
        kind: Some("user".into()),
    };
    let body = Reply::member("setting", &setting);
    st.account_settings.insert((name, principal_arn), setting);
    body
}

fn check(
    name: &str,
    value: &str,
) -> EcsResult<&'static (&'static str, &'static [&'static str], &'static str, bool)> {
    let spec = SETTINGS
        .iter()
        .find(|s| s.0 == name)
        .ok_or_else(|| EcsError::invalid(format!("Unknown account setting {name}.")))?;
    if !spec.1.contains(&value) {
        return Err(EcsError::invalid(format!(
            "The value '{value}' is not valid for the account setting {name}. Valid values: {}.",
            spec.1.join(", ")
        )));
    }
    // Long ARNs are the only format since 2021; AWS refuses to turn them off.
    if name.ends_with("LongArnFormat") && value == "disabled" {
        return Err(EcsError::invalid(
            "You can no longer disable Long Arn settings.",
        ));
    }
    Ok(spec)
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct ListRequest {
    name: Option<String>,
    value: Option<String>,
    principal_arn: Option<String>,
    effective_settings: bool,
    next_token: Option<String>,
    max_results: Option<i32>,
}

pub fn list_account_settings(
    st: &mut RegionState,
    _ctx: &RequestContext,
    input: Map<String, Value>,
) -> EcsResult<Reply> {
    let req: ListRequest = parse(input)?;
    let size = page_size(req.max_results, 10, 10)?;
    let after = resume_after(req.next_token.as_deref())?;
    let principal = req
        .principal_arn
        .clone()
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| root_arn(st));
    let settings: Vec<AccountSetting> = SETTINGS
        .iter()
        .filter(|s| req.name.as_deref().is_none_or(|n| n == s.0))
        .filter_map(|s| setting_for(st, s.0, &principal, req.effective_settings))
        .filter(|s| req.value.as_deref().is_none_or(|v| v == s.value))
        .filter(|s| after.as_deref().is_none_or(|a| s.name.as_str() > a))
        .collect();
    let mut settings = settings;
    settings.sort_by(|a, b| a.name.cmp(&b.name));
    let (page, token) = take_page(settings.into_iter(), size, |s| s.name.clone());
    Ok(Reply::page("settings", &page, &token))
}

/// The principal's own setting; with `effective`, falling back to the account's and AWS's.
fn setting_for(
    st: &RegionState,
    name: &str,
    principal: &str,
    effective: bool,
) -> Option<AccountSetting> {
    if let Some(own) = st
        .account_settings
        .get(&(name.to_string(), principal.to_string()))
    {
        return Some(own.clone());
    }
    if !effective {
        return None;
    }
    let root = root_arn(st);
    if let Some(default) = st.account_settings.get(&(name.to_string(), root.clone())) {
        return Some(AccountSetting {
            principal_arn: principal.to_string(),
            ..default.clone()
        });
    }
    let spec = SETTINGS.iter().find(|s| s.0 == name)?;
    Some(AccountSetting {
        name: name.into(),
        value: spec.2.into(),
        principal_arn: principal.into(),
        kind: Some("aws_managed".into()),
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DeleteRequest {
    name: String,
    principal_arn: Option<String>,
}

pub fn delete_account_setting(
    st: &mut RegionState,
    _ctx: &RequestContext,
    input: Map<String, Value>,
) -> EcsResult<Reply> {
    let req: DeleteRequest = parse(input)?;
    let spec = SETTINGS
        .iter()
        .find(|s| s.0 == req.name)
        .ok_or_else(|| EcsError::invalid(format!("Unknown account setting {}.", req.name)))?;
    let principal = req
        .principal_arn
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| root_arn(st));
    let removed = st
        .account_settings
        .remove(&(req.name.clone(), principal.clone()));
    let setting = removed.unwrap_or(AccountSetting {
        name: req.name,
        value: spec.2.into(),
        principal_arn: principal,
        kind: Some("aws_managed".into()),
    });
    Ok(Reply::member("setting", &setting))
}
