//! AWS Security Token Service (API version 2011-06-15, AWS Query):
//! <https://docs.aws.amazon.com/STS/latest/APIReference/welcome.html>.
//!
//! GetCallerIdentity and AssumeRole, enough for tools that ask who they are and for scripts that
//! assume a role. NOTHING is enforced: AssumeRole issues credentials for any role ARN, even one
//! IAM does not know (nothing checks the trust policy, an external id or MFA), and `Policy` /
//! `PolicyArns` are ignored. When IAM does know the role, its `MaxSessionDuration` caps
//! `DurationSeconds`. Issued access keys are remembered so that requests signed with them act in
//! the caller's account and `GetCallerIdentity` answers the assumed role; they never expire here.
//! With `--state-dir` they are kept across restarts (`sessions`), since tasks and scripts hold
//! them.
//!
//! Missing: AssumeRoleWithSAML, AssumeRoleWithWebIdentity, AssumeRoot, GetSessionToken,
//! GetFederationToken, DecodeAuthorizationMessage, GetAccessKeyInfo (`InvalidAction`).

pub mod error;
pub mod ops;
mod sessions;

use crate::core::clock::Clock;
use crate::core::context::RequestContext;
use crate::core::identity::Roles;
use crate::wire::input::Input;
pub use error::{StsError, StsResult};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sessions::Sessions;
use std::sync::Arc;

/// The service's XML namespace, on every answer.
pub const XMLNS: &str = "https://sts.amazonaws.com/doc/2011-06-15/";

/// Every operation of the model (facts from botocore's service model).
const MODEL_OPERATIONS: &[&str] = &[
    "AssumeRole",
    "AssumeRoleWithSAML",
    "AssumeRoleWithWebIdentity",
    "AssumeRoot",
    "DecodeAuthorizationMessage",
    "GetAccessKeyInfo",
    "GetCallerIdentity",
    "GetDelegatedAccessToken",
    "GetFederationToken",
    "GetSessionToken",
    "GetWebIdentityToken",
];

/// Who an issued access key stands for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Session {
    /// The account of the caller that assumed the role: requests signed with the key act in it.
    pub account: String,
    /// `arn:aws:sts::ACCT:assumed-role/ROLE/SESSION`.
    pub arn: String,
    /// `AROA…:SESSION`.
    pub user_id: String,
    /// When the credentials expire (emulated epoch seconds), as answered; kept, not enforced.
    #[serde(default)]
    pub expiration: f64,
}

pub struct Sts {
    /// Issued access keys: each is written once and read whole.
    sessions: Arc<Sessions>,
    roles: Arc<dyn Roles>,
    clock: Clock,
}

impl Sts {
    /// `roles`: IAM's roles, read to cap session durations.
    pub fn new(clock: Clock, roles: Arc<dyn Roles>) -> Self {
        Sts {
            sessions: Arc::default(),
            roles,
            clock,
        }
    }

    pub fn dispatch(
        &self,
        ctx: &RequestContext,
        operation: &str,
        input: Map<String, Value>,
    ) -> StsResult<Option<String>> {
        let input = Input::new(input);
        match operation {
            "GetCallerIdentity" => Ok(Some(ops::get_caller_identity(
                ctx,
                self.session(&ctx.access_key).as_ref(),
            ))),
            "AssumeRole" => {
                let env = ops::Env {
                    ctx,
                    roles: self.roles.as_ref(),
                    now: self.clock.now(),
                };
                let (session, key, xml) = ops::assume_role(&env, &input)?;
                self.sessions.insert(key, session);
                Ok(Some(xml))
            }
            op => Err(unsupported(op)),
        }
    }

    /// The session an access key STS issued stands for.
    pub fn session(&self, access_key: &str) -> Option<Session> {
        self.sessions.get(access_key)
    }

    /// The account requests signed with `access_key` act in, when STS issued the key.
    pub fn account_of(&self, access_key: &str) -> Option<String> {
        self.sessions.get(access_key).map(|s| s.account)
    }

    pub fn reset(&self) {
        self.sessions.clear();
    }

    /// The issuer other services use (ECS, for task roles).
    pub fn issuer(&self) -> Arc<dyn crate::core::identity::CredentialIssuer> {
        Arc::new(Issuer {
            sessions: self.sessions.clone(),
            roles: self.roles.clone(),
            clock: self.clock.clone(),
        })
    }
}

/// Credentials for a task's role, registered like AssumeRole's so that requests signed with
/// them act in the task's account as the role.
struct Issuer {
    sessions: Arc<Sessions>,
    roles: Arc<dyn Roles>,
    clock: Clock,
}

impl crate::core::identity::CredentialIssuer for Issuer {
    fn issue(
        &self,
        account: &str,
        role_arn: &str,
        session_name: &str,
        duration_seconds: u32,
    ) -> Option<crate::core::identity::IssuedCredentials> {
        let (role_account, role_name) = ops::parse_role_arn(role_arn).ok()?;
        let role_id = self
            .roles
            .role(account, role_arn)
            .map_or_else(|| ops::random("AROA", 17), |r| r.role_id);
        let key = ops::random("ASIA", 16);
        let expiration = self.clock.now() + f64::from(duration_seconds);
        self.sessions.insert(
            key.clone(),
            Session {
                account: account.to_string(),
                arn: format!("arn:aws:sts::{role_account}:assumed-role/{role_name}/{session_name}"),
                user_id: format!("{role_id}:{session_name}"),
                expiration,
            },
        );
        Some(crate::core::identity::IssuedCredentials {
            access_key_id: key,
            secret_access_key: ops::secret(40),
            session_token: format!("FwoGZXIvYXdzE{}", ops::secret(200)),
            expiration,
        })
    }
}

/// Every operation of the model, and whether it is built, sorted by name.
pub fn operation_support() -> Vec<(&'static str, bool)> {
    MODEL_OPERATIONS
        .iter()
        .map(|op| (*op, matches!(*op, "AssumeRole" | "GetCallerIdentity")))
        .collect()
}

fn unsupported(operation: &str) -> StsError {
    if MODEL_OPERATIONS.contains(&operation) {
        StsError::InvalidAction(format!("local-ecs does not support {operation} yet."))
    } else {
        StsError::InvalidAction(format!(
            "Could not find operation {operation} for version 2011-06-15"
        ))
    }
}

impl Sts {
    /// Its state in the state dir (`--state-dir`); `None` while it is kept in memory only.
    pub fn durable(&self) -> Option<std::sync::Arc<dyn crate::core::persist::Durable>> {
        Some(self.sessions.clone())
    }
}
