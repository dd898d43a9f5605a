//! Facts from other rooms that change a group: ECS managed scaling sets its desired capacity
//! (clamped to the group's bounds, as a scaling policy's adjustment is), ECS managed
//! termination protection protects or releases instances. Instance facts need no reaction of
//! their own: the pass they trigger observes every member.

use super::Controller;
use crate::autoscaling::state::group::cause_time;
use crate::core::bus::{Fact, ProtectFact, ScaleGroupFact};

impl Controller {
    /// Applies `fact`; whether it concerns Auto Scaling (and so calls for a pass).
    pub fn react(&self, fact: &Fact) -> bool {
        match fact {
            Fact::ScaleGroup(f) => self.scale(f),
            Fact::ProtectInstances(f) => self.protect(f),
            Fact::Instance(_) => {}
            _ => return false,
        }
        true
    }

    fn scale(&self, f: &ScaleGroupFact) {
        self.store.with_existing(&f.account, &f.region, |st| {
            let now = st.now();
            let Some(group) = st.find_mut(&f.group).filter(|g| !g.deleting()) else {
                return;
            };
            let desired = f
                .desired_capacity
                .clamp(group.min_size, group.max_size.max(group.min_size));
            if desired != group.desired_capacity {
                group.cause = format!(
                    "At {} ECS managed scaling set the desired capacity, changing the desired capacity from {} to {desired}.",
                    cause_time(now),
                    group.desired_capacity
                );
                group.desired_capacity = desired;
            }
        });
    }

    fn protect(&self, f: &ProtectFact) {
        self.store.with_existing(&f.account, &f.region, |st| {
            let Some(group) = st.find_mut(&f.group) else {
                return;
            };
            for id in &f.instance_ids {
                if let Some(member) = group.member_mut(id) {
                    member.protected_from_scale_in = f.protected;
                }
            }
        });
    }
}
