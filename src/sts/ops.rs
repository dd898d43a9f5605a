//! GetCallerIdentity and AssumeRole, with the identifiers STS hands out: `ASIA` access keys,
//! 40-character secrets, session tokens and `AROA…:SESSION` assumed-role ids.

use super::{Session, StsError, StsResult};
use crate::core::clock::iso8601;
use crate::core::context::RequestContext;
use crate::core::identity::Roles;
use crate::wire::input::Input;
use crate::wire::xml::XmlWriter;

/// What AssumeRole reads beyond its input.
pub struct Env<'a> {
    pub ctx: &'a RequestContext,
    pub roles: &'a dyn Roles,
    pub now: f64,
}

/// The caller: the assumed role for keys STS issued, else the account's root.
pub fn get_caller_identity(ctx: &RequestContext, session: Option<&Session>) -> String {
    let (arn, user_id) = match session {
        Some(s) => (s.arn.clone(), s.user_id.clone()),
        None => (
            format!("arn:aws:iam::{}:root", ctx.account),
            ctx.account.clone(),
        ),
    };
    let mut w = XmlWriter::new();
    w.element("Arn", &arn)
        .element("UserId", &user_id)
        .element("Account", &ctx.account);
    w.finish()
}

/// Issues credentials for the role: the session, its access key and the `Result` XML.
pub fn assume_role(env: &Env, input: &Input) -> StsResult<(Session, String, String)> {
    let role_arn = input
        .required_str("RoleArn")
        .map_err(|_| StsError::missing("RoleArn"))?;
    let (role_account, role_name) = parse_role_arn(role_arn)?;
    let session_name = input
        .required_str("RoleSessionName")
        .map_err(|_| StsError::missing("RoleSessionName"))?;
    check_session_name(session_name)?;
    let role = env.roles.role(&env.ctx.account, role_arn);
    let duration = duration(input, role.as_ref().map(|r| r.max_session_duration))?;
    let role_id = role.map_or_else(|| random("AROA", 17), |r| r.role_id);
    let session = Session {
        account: env.ctx.account.clone(),
        arn: format!("arn:aws:sts::{role_account}:assumed-role/{role_name}/{session_name}"),
        user_id: format!("{role_id}:{session_name}"),
        expiration: env.now + f64::from(duration),
    };
    let key = random("ASIA", 16);
    let mut w = XmlWriter::new();
    w.start("Credentials")
        .element("AccessKeyId", &key)
        .element("SecretAccessKey", &secret(40))
        .element("SessionToken", &format!("FwoGZXIvYXdzE{}", secret(200)))
        .element("Expiration", &iso8601(session.expiration))
        .end()
        .start("AssumedRoleUser")
        .element("AssumedRoleId", &session.user_id)
        .element("Arn", &session.arn)
        .end()
        .element("PackedPolicySize", "0");
    Ok((session, key, w.finish()))
}

/// `arn:aws:iam::ACCT:role/PATH/NAME` → (account, name).
pub(super) fn parse_role_arn(arn: &str) -> StsResult<(&str, &str)> {
    let invalid = || StsError::Validation(format!("{arn} is invalid"));
    if arn.len() < 20 || arn.len() > 2048 {
        return Err(invalid());
    }
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    match parts.as_slice() {
        ["arn", _, "iam", "", account, resource] if resource.starts_with("role/") => {
            let name = resource.rsplit('/').next().unwrap_or("");
            if name.is_empty() {
                return Err(invalid());
            }
            Ok((account, name))
        }
        _ => Err(invalid()),
    }
}

/// `RoleSessionName`: 2–64 characters of `[\w+=,.@-]`.
fn check_session_name(name: &str) -> StsResult<()> {
    let chars_ok = name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c));
    let len = name.chars().count();
    if !chars_ok || !(2..=64).contains(&len) {
        return Err(StsError::Validation(format!(
            "1 validation error detected: Value '{name}' at 'roleSessionName' failed to satisfy constraint: Member must have length between 2 and 64 and satisfy regular expression pattern: [\\w+=,.@-]*"
        )));
    }
    Ok(())
}

/// `DurationSeconds`: 900–43200, default 3600, and no more than the role allows when known.
fn duration(input: &Input, role_max: Option<u32>) -> StsResult<u32> {
    let seconds = match input.int("DurationSeconds")? {
        None => 3600,
        Some(n @ 900..=43200) => n as u32,
        Some(n) => {
            let bound = if n < 900 {
                "greater than or equal to 900"
            } else {
                "less than or equal to 43200"
            };
            return Err(StsError::Validation(format!(
                "1 validation error detected: Value '{n}' at 'durationSeconds' failed to satisfy constraint: Member must have value {bound}"
            )));
        }
    };
    if role_max.is_some_and(|max| seconds > max) {
        return Err(StsError::Validation(
            "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."
                .into(),
        ));
    }
    Ok(seconds)
}

/// A prefix and `n` random upper-case letters and digits (`ASIA…`, `AROA…`).
pub(super) fn random(prefix: &str, n: usize) -> String {
    const CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let tail: String = (0..n)
        .map(|_| char::from(CHARS[usize::from(rand::random::<u8>()) % CHARS.len()]))
        .collect();
    format!("{prefix}{tail}")
}

/// `n` random characters of the base64 alphabet, as secrets and tokens look.
pub(super) fn secret(n: usize) -> String {
    const CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    (0..n)
        .map(|_| char::from(CHARS[usize::from(rand::random::<u8>()) % CHARS.len()]))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::identity::NoRoles;
    use crate::wire::query::{parse_form, to_document};

    fn input(form: &str) -> Input {
        Input::new(to_document(&parse_form(form)))
    }

    #[test]
    fn role_arns_and_session_names() {
        let arn = "arn:aws:iam::123456789012:role/path/to/web";
        assert_eq!(parse_role_arn(arn).unwrap(), ("123456789012", "web"));
        assert!(parse_role_arn("arn:aws:iam::123456789012:user/bob").is_err());
        assert!(parse_role_arn("not-an-arn").is_err());
        assert!(check_session_name("s").is_err());
        assert!(check_session_name("ok-session@x").is_ok());
        assert!(check_session_name("no spaces").is_err());
    }

    #[test]
    fn durations() {
        assert_eq!(duration(&input(""), None).unwrap(), 3600);
        assert!(duration(&input("DurationSeconds=899"), None).is_err());
        assert!(duration(&input("DurationSeconds=43201"), None).is_err());
        assert!(duration(&input("DurationSeconds=7200"), Some(3600)).is_err());
        assert_eq!(
            duration(&input("DurationSeconds=7200"), None).unwrap(),
            7200
        );
    }

    #[test]
    fn assume_role_issues_asia_keys_for_unknown_roles() {
        let ctx = RequestContext::new("123456789012", "us-east-1");
        let env = Env {
            ctx: &ctx,
            roles: &NoRoles,
            now: 0.0,
        };
        let form = "RoleArn=arn:aws:iam::123456789012:role/r&RoleSessionName=s1";
        let (session, key, xml) = assume_role(&env, &input(form)).unwrap();
        assert!(key.starts_with("ASIA") && key.len() == 20);
        assert_eq!(session.arn, "arn:aws:sts::123456789012:assumed-role/r/s1");
        assert!(session.user_id.starts_with("AROA") && session.user_id.ends_with(":s1"));
        assert!(xml.contains("<Expiration>1970-01-01T01:00:00.000Z</Expiration>"));
        let who = get_caller_identity(&ctx, Some(&session));
        assert!(who.contains("assumed-role/r/s1"));
        let root = get_caller_identity(&ctx, None);
        assert!(root.contains("arn:aws:iam::123456789012:root"));
    }
}
