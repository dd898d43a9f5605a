//! [`Groups`] for ECS: a group's bounds, desired capacity and members, read from state.

use super::state::group::Lifecycle;
use super::state::Store;
use crate::core::fleet::{GroupInfo, Groups};
use std::sync::Arc;

/// A cheap, clonable read handle on Auto Scaling's groups.
#[derive(Clone)]
pub struct GroupsView {
    store: Arc<Store>,
}

impl GroupsView {
    pub fn new(store: Arc<Store>) -> Self {
        GroupsView { store }
    }
}

impl Groups for GroupsView {
    fn group(&self, account: &str, region: &str, name_or_arn: &str) -> Option<GroupInfo> {
        self.store
            .read(account, region, |st| {
                st.find(name_or_arn).map(|g| GroupInfo {
                    arn: g.arn.clone(),
                    name: g.name.clone(),
                    min_size: g.min_size,
                    max_size: g.max_size,
                    desired_capacity: g.desired_capacity,
                    instances: g
                        .members
                        .iter()
                        .filter(|m| m.lifecycle != Lifecycle::Terminating)
                        .map(|m| (m.instance_id.clone(), m.protected_from_scale_in))
                        .collect(),
                    new_instances_protected_from_scale_in: g.new_instances_protected_from_scale_in,
                })
            })
            .flatten()
    }
}
