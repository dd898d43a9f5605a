//! [`TargetGroups`] for ECS: a target group's kind and attachments, and a target's health.

use super::state::targets::health_of;
use super::state::Store;
use crate::core::balancing::{TargetGroupInfo, TargetGroups, TargetHealth, TargetKey};
use std::sync::Arc;

#[derive(Clone)]
pub struct TargetGroupsView {
    store: Arc<Store>,
}

impl TargetGroupsView {
    pub fn new(store: Arc<Store>) -> Self {
        TargetGroupsView { store }
    }
}

impl TargetGroups for TargetGroupsView {
    fn target_group(&self, account: &str, region: &str, arn: &str) -> Option<TargetGroupInfo> {
        self.store.read(account, region, |st| {
            let tg = st.target_groups.get(arn)?;
            Some(TargetGroupInfo {
                arn: tg.arn.clone(),
                name: tg.name.clone(),
                target_type: tg.target_type,
                protocol: tg.protocol.clone(),
                port: tg.port,
                vpc_id: tg.vpc_id.clone(),
                load_balancer_arns: st.load_balancers_of(arn),
                deregistration_delay_seconds: tg
                    .attribute_u32("deregistration_delay.timeout_seconds"),
            })
        })?
    }

    fn target_health(
        &self,
        account: &str,
        region: &str,
        arn: &str,
        target: &TargetKey,
    ) -> Option<TargetHealth> {
        self.store.read(account, region, |st| {
            let in_use = !st.load_balancers_of(arn).is_empty();
            let tg = st.target_groups.get(arn)?;
            let t = tg.targets.get(target)?;
            Some(health_of(tg, t, in_use))
        })?
    }
}
