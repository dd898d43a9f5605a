//! AWS Identity and Access Management (API version 2010-05-08, AWS Query):
//! <https://docs.aws.amazon.com/IAM/latest/APIReference/welcome.html>.
//!
//! Roles (with trust policies, inline policies, attached managed policies and tags), customer
//! managed policies, AWS managed policies accepted by ARN, and instance profiles: enough for
//! ECS task roles and execution roles, and for tools that create them first. IAM is global: state
//! is kept per account, whatever region the request was signed for.
//!
//! NOTHING is enforced: policies are stored and answered back, never evaluated; any access key
//! may call anything. Documents are only checked to be JSON objects.
//!
//! Missing: users, groups, access keys, policy versions, permissions boundaries, service-linked
//! roles, OIDC/SAML providers, UpdateRole and the account-level operations; those answer
//! `InvalidAction`. ECS reads roles through [`Iam::roles`].

pub mod api;
pub mod dispatch;
pub mod error;
mod facade;
mod persist;
pub mod render;
pub mod state;
pub mod trust;

use crate::core::clock::Clock;
use crate::core::context::RequestContext;
use crate::core::identity::Roles;
use crate::wire::input::Input;
pub use dispatch::{operation_support, Support};
pub use error::{IamError, IamResult};
use serde_json::{Map, Value};
use state::Store;
use std::sync::Arc;

/// The service's XML namespace, on every answer.
pub const XMLNS: &str = "https://iam.amazonaws.com/doc/2010-05-08/";

pub struct Iam {
    store: Arc<Store>,
}

impl Iam {
    pub fn new(clock: Clock) -> Self {
        Iam {
            store: Arc::new(Store::new(clock)),
        }
    }

    /// Runs `operation` on the caller's account with the decoded Query input; the XML of the
    /// operation's `Result` element (`None` for operations without output).
    pub fn dispatch(
        &self,
        ctx: &RequestContext,
        operation: &str,
        input: Map<String, Value>,
    ) -> IamResult<Option<String>> {
        let Some(handler) = dispatch::handler(operation) else {
            return Err(dispatch::unsupported(operation));
        };
        let input = Input::new(input);
        let env = api::Env { ctx };
        self.store
            .with(&ctx.account, |st| handler(st, &env, &input))
    }

    /// Roles as ECS and STS read them.
    pub fn roles(&self) -> Arc<dyn Roles> {
        Arc::new(facade::RolesView::new(self.store.clone()))
    }

    pub fn reset(&self) {
        self.store.clear();
    }
}

impl Iam {
    /// Its state in the state dir (`--state-dir`); `None` while it is kept in memory only.
    pub fn durable(&self) -> Option<std::sync::Arc<dyn crate::core::persist::Durable>> {
        Some(Arc::new(persist::Persisted {
            store: self.store.clone(),
        }))
    }
}
