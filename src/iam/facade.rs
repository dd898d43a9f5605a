//! [`Roles`] over IAM's store: what ECS and STS read of a role, by ARN.

use super::state::Store;
use super::trust::{trusts_service, ECS_TASKS};
use crate::core::identity::{RoleInfo, Roles};
use std::sync::Arc;

pub struct RolesView {
    store: Arc<Store>,
}

impl RolesView {
    pub fn new(store: Arc<Store>) -> Self {
        RolesView { store }
    }
}

impl Roles for RolesView {
    fn role(&self, account: &str, role_arn: &str) -> Option<RoleInfo> {
        self.store
            .with_existing(account, |st| {
                st.roles
                    .values()
                    .find(|r| r.arn == role_arn)
                    .map(|r| RoleInfo {
                        arn: r.arn.clone(),
                        name: r.name.clone(),
                        role_id: r.id.clone(),
                        max_session_duration: r.max_session,
                        trusts_ecs_tasks: trusts_service(&r.trust, ECS_TASKS),
                    })
            })
            .flatten()
    }
}
