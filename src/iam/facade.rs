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

#[cfg(test)]
mod tests {
    use crate::core::clock::Clock;
    use crate::core::context::RequestContext;
    use crate::iam::Iam;
    use crate::wire::query::{parse_form, to_document};

    #[test]
    fn roles_read_through_the_facade() {
        let iam = Iam::new(Clock::default());
        let ctx = RequestContext::new("123456789012", "us-east-1");
        let trust = r#"{"Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"Service":"ecs-tasks.amazonaws.com"}}]}"#;
        let mut form = parse_form("RoleName=task&MaxSessionDuration=7200");
        form.insert("AssumeRolePolicyDocument".into(), trust.into());
        iam.dispatch(&ctx, "CreateRole", to_document(&form))
            .unwrap();
        let arn = "arn:aws:iam::123456789012:role/task";
        let role = iam.roles().role("123456789012", arn).unwrap();
        assert_eq!(
            (role.name.as_str(), role.max_session_duration),
            ("task", 7200)
        );
        assert!(role.trusts_ecs_tasks && role.role_id.starts_with("AROA"));
        assert!(iam.roles().role("000000000000", arn).is_none());
        assert!(iam
            .roles()
            .role("123456789012", "arn:aws:iam::123456789012:role/x")
            .is_none());
    }
}
