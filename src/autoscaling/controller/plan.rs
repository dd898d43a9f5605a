//! One reconcile pass's decision for one group, as a pure function of the group: which
//! instances to launch (and in which subnets), which to take out of service, which EC2 must
//! still be asked to terminate, and whether a deleted group is gone.
//!
//! Scale-out balances zones: each new instance goes to the zone with the fewest members.
//! Scale-in follows AWS's default termination policy
//! (<https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-termination-policies.html>)
//! simplified: the zone with the most members first, then the oldest instance there (AWS then
//! looks at the oldest launch template and the next billing hour; here every instance of a
//! group comes from one template and there is no billing). Instances protected from scale-in
//! are never chosen, so a group can stay above its desired capacity.

use crate::autoscaling::state::group::{Group, Lifecycle, Member};
use std::collections::BTreeMap;

/// Why a member is taken out of service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Why {
    ScaleIn,
    Unhealthy,
    GroupDeleted,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Plan {
    /// One entry per instance to launch: its subnet (`None`: EC2 chooses).
    pub launch: Vec<Option<String>>,
    pub take_out: Vec<(String, Why)>,
    /// Members already Terminating that EC2 has not been asked to terminate.
    pub send: Vec<String>,
    /// The group was deleted and has no members left.
    pub remove_group: bool,
}

pub fn plan(group: &Group, now: f64) -> Plan {
    let mut plan = Plan {
        send: group
            .members
            .iter()
            .filter(|m| m.lifecycle == Lifecycle::Terminating && !m.terminate_sent)
            .map(|m| m.instance_id.clone())
            .collect(),
        ..Plan::default()
    };
    let leaving = |m: &&Member| m.lifecycle != Lifecycle::Terminating;
    if group.deleting() {
        plan.take_out = group
            .members
            .iter()
            .filter(leaving)
            .map(|m| (m.instance_id.clone(), Why::GroupDeleted))
            .collect();
        plan.remove_group = group.members.is_empty();
        return plan;
    }
    plan.take_out = group
        .members
        .iter()
        .filter(leaving)
        .filter(|m| !m.healthy)
        .map(|m| (m.instance_id.clone(), Why::Unhealthy))
        .collect();
    let active = group.active_count();
    if active < group.desired_capacity && now >= group.retry_at {
        plan.launch = choose_subnets(group, (group.desired_capacity - active) as usize);
    } else if active > group.desired_capacity {
        let excess = (active - group.desired_capacity) as usize;
        let chosen = choose_for_scale_in(group, excess);
        plan.take_out
            .extend(chosen.into_iter().map(|id| (id, Why::ScaleIn)));
    }
    plan
}

/// Active members per zone.
fn zone_counts<'a>(members: impl Iterator<Item = &'a Member>) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for m in members {
        *counts.entry(m.availability_zone.clone()).or_insert(0) += 1;
    }
    counts
}

/// A subnet for each of `count` new instances, filling the emptiest zone first (zones in the
/// order their first subnet was given break ties).
fn choose_subnets(group: &Group, count: usize) -> Vec<Option<String>> {
    if group.subnets.is_empty() {
        return vec![None; count];
    }
    let mut zones: Vec<(&str, &str)> = Vec::new(); // (zone, its first subnet)
    for (subnet, zone) in group.subnets.iter().zip(&group.subnet_zones) {
        if !zones.iter().any(|(z, _)| z == zone) {
            zones.push((zone, subnet));
        }
    }
    let mut counts = zone_counts(group.members.iter().filter(|m| m.is_active()));
    (0..count)
        .map(|_| {
            let (zone, subnet) = zones
                .iter()
                .min_by_key(|(z, _)| counts.get(*z).copied().unwrap_or(0))
                .copied()
                .unwrap_or(("", ""));
            *counts.entry(zone.to_string()).or_insert(0) += 1;
            Some(subnet.to_string())
        })
        .collect()
}

/// Up to `count` unprotected active members: each from the zone with the most active members
/// that still has a candidate, the oldest there.
fn choose_for_scale_in(group: &Group, count: usize) -> Vec<String> {
    let mut counts = zone_counts(group.members.iter().filter(|m| m.is_active()));
    let mut candidates: Vec<&Member> = group
        .members
        .iter()
        .filter(|m| m.is_active() && !m.protected_from_scale_in)
        .collect();
    let mut chosen = Vec::new();
    while chosen.len() < count {
        let best = candidates
            .iter()
            .enumerate()
            .max_by(|(_, a), (_, b)| {
                let zone = |m: &Member| counts.get(&m.availability_zone).copied().unwrap_or(0);
                zone(a)
                    .cmp(&zone(b))
                    .then(b.launched_at.total_cmp(&a.launched_at))
                    .then(b.instance_id.cmp(&a.instance_id))
            })
            .map(|(i, _)| i);
        let Some(i) = best else { break };
        let m = candidates.swap_remove(i);
        if let Some(n) = counts.get_mut(&m.availability_zone) {
            *n -= 1;
        }
        chosen.push(m.instance_id.clone());
    }
    chosen
}

#[cfg(test)]
#[path = "plan_tests.rs"]
mod tests;
