//! Managed scaling and managed termination protection of Auto Scaling group capacity providers
//! (<https://docs.aws.amazon.com/AmazonECS/latest/developerguide/cluster-auto-scaling.html>).
//!
//! ECS computes CapacityProviderReservation = M / N × 100, where N is the group's running
//! instances and M the instances its tasks need: the instances running tasks now, plus enough
//! for the tasks its services could not place (each missing task needs its demand; at least
//! `minimumScalingStepSize` and at most `maximumScalingStepSize` instances more per step). The
//! desired capacity that brings the reservation to `targetCapacity` is M × 100 / target,
//! rounded up. ECS publishes it for Auto Scaling (which clamps it to the group's min and max).
//! As with target tracking, a scale-out is published at once and a scale-in only after the
//! lower figure has held for [`SCALE_IN_AFTER`] seconds of the App's clock. With managed
//! termination protection ENABLED, instances running tasks other than daemons are protected
//! from scale-in and idle ones are not.
//!
//! Missing: RunTask with a capacity provider strategy fails placement instead of waiting in
//! PROVISIONING; the instance-size estimate uses the largest registered instance of the group.

use crate::core::bus::{Fact, ProtectFact, ScaleGroupFact};
use crate::core::fleet::GroupInfo;
use crate::ecs::rules::placement::{self, Demand};
use crate::ecs::state::status::{
    CapacityProviderStatus, ContainerInstanceStatus, SchedulingStrategy, ServiceStatus,
};
use crate::ecs::state::types::CapacityProvider;
use crate::ecs::state::RegionState;
use serde_json::Value;
use std::collections::HashMap;

/// How long a lower desired capacity must hold before ECS scales the group in.
pub const SCALE_IN_AFTER: f64 = 15.0 * 60.0;

/// The Auto Scaling group name in a provider's `autoScalingGroupArn` (or the value itself when
/// it is a bare name).
pub fn group_name(cp: &CapacityProvider) -> Option<String> {
    let arn = cp
        .auto_scaling_group_provider
        .as_ref()?
        .get("autoScalingGroupArn")?
        .as_str()?;
    Some(match arn.split_once("autoScalingGroupName/") {
        Some((_, name)) => name.to_string(),
        None => arn.to_string(),
    })
}

/// When a lower desired capacity was first wanted, per provider (the scale-in cooldown).
pub type Lowering = HashMap<(String, String, String), f64>;

/// One pass over the region's capacity providers: the facts to publish.
pub fn plan(st: &RegionState, lowering: &mut Lowering) -> Vec<Fact> {
    let mut facts = Vec::new();
    let now = st.now();
    for cp in st.capacity_providers.values() {
        if cp.status != CapacityProviderStatus::Active {
            continue;
        }
        let (Some(provider), Some(name)) =
            (cp.auto_scaling_group_provider.as_ref(), group_name(cp))
        else {
            continue;
        };
        let Some(group) = st
            .fleet
            .groups
            .get()
            .and_then(|g| g.group(&st.account, &st.region, &name))
        else {
            continue;
        };
        let key = (st.account.clone(), st.region.clone(), cp.name.clone());
        if enabled(provider, "managedScaling") {
            let desired = desired_capacity(st, cp, provider);
            if let Some(fact) = scale(st, &group, desired, now, lowering.entry(key)) {
                facts.push(fact);
            }
        }
        if provider
            .get("managedTerminationProtection")
            .and_then(Value::as_str)
            == Some("ENABLED")
        {
            facts.extend(protect(st, cp, &group));
        }
    }
    facts
}

fn enabled(provider: &Value, what: &str) -> bool {
    provider
        .get(what)
        .and_then(|m| m.get("status"))
        .and_then(Value::as_str)
        == Some("ENABLED")
}

fn scale(
    st: &RegionState,
    group: &GroupInfo,
    desired: u32,
    now: f64,
    since: std::collections::hash_map::Entry<'_, (String, String, String), f64>,
) -> Option<Fact> {
    let fact = |desired| {
        Fact::ScaleGroup(ScaleGroupFact {
            account: st.account.clone(),
            region: st.region.clone(),
            group: group.name.clone(),
            desired_capacity: desired,
        })
    };
    if desired > group.desired_capacity {
        if let std::collections::hash_map::Entry::Occupied(e) = since {
            e.remove();
        }
        return Some(fact(desired));
    }
    if desired == group.desired_capacity {
        if let std::collections::hash_map::Entry::Occupied(e) = since {
            e.remove();
        }
        return None;
    }
    let first = *since.or_insert(now);
    (now - first >= SCALE_IN_AFTER).then(|| fact(desired))
}

/// M × 100 / targetCapacity, rounded up.
pub fn desired_capacity(st: &RegionState, cp: &CapacityProvider, provider: &Value) -> u32 {
    let managed = provider.get("managedScaling");
    let int = |name: &str, default: u64| {
        managed
            .and_then(|m| m.get(name))
            .and_then(Value::as_u64)
            .unwrap_or(default)
    };
    let target = int("targetCapacity", 100).clamp(1, 100);
    let (min_step, max_step) = (
        int("minimumScalingStepSize", 1).max(1),
        int("maximumScalingStepSize", 10_000).max(1),
    );
    let members: Vec<&str> = members(st, cp).collect();
    let busy = members
        .iter()
        .filter(|arn| runs_non_daemon_tasks(st, arn))
        .count() as u64;
    let waiting = waiting_demand(st, &cp.name);
    let extra = if waiting.is_empty() {
        0
    } else {
        let per_instance = largest_member(st, &members);
        instances_for(&waiting, per_instance).clamp(min_step, max_step.max(min_step))
    };
    let m = busy + extra;
    ((m * 100).div_ceil(target)) as u32
}

fn members<'a>(st: &'a RegionState, cp: &'a CapacityProvider) -> impl Iterator<Item = &'a str> {
    st.container_instances
        .values()
        .filter(move |ci| {
            ci.capacity_provider_name.as_deref() == Some(cp.name.as_str())
                && ci.status != ContainerInstanceStatus::Inactive
        })
        .map(|ci| ci.container_instance_arn.as_str())
}

fn runs_non_daemon_tasks(st: &RegionState, instance_arn: &str) -> bool {
    st.tasks.values().any(|t| {
        t.container_instance_arn.as_deref() == Some(instance_arn)
            && !t.is_stopped()
            && !t.service_arn.as_ref().is_some_and(|s| {
                st.services
                    .get(s)
                    .is_some_and(|s| s.scheduling_strategy == SchedulingStrategy::Daemon)
            })
    })
}

/// The demand of every task the provider's replica services still miss.
fn waiting_demand(st: &RegionState, provider: &str) -> Vec<Demand> {
    let mut out = Vec::new();
    for s in st.services.values() {
        if s.status != ServiceStatus::Active || s.scheduling_strategy == SchedulingStrategy::Daemon
        {
            continue;
        }
        let uses = s
            .capacity_provider_strategy
            .iter()
            .flatten()
            .any(|i| i.capacity_provider == provider);
        if !uses {
            continue;
        }
        let live = crate::ecs::scheduler::service_tasks(st, &s.service_arn)
            .filter(|t| !t.is_stopped())
            .count() as i32;
        let missing = (s.desired_count - live).max(0);
        let Some(td) = st
            .task_definitions
            .values()
            .find(|td| s.task_definition.as_deref() == Some(td.task_definition_arn.as_str()))
        else {
            continue;
        };
        let demand = placement::demand(td);
        out.extend(std::iter::repeat_n(demand, missing as usize));
    }
    out
}

/// The registered CPU and memory of the group's largest member (a 2 vCPU / 4 GiB guess
/// before any has registered).
fn largest_member(st: &RegionState, members: &[&str]) -> (i64, i64) {
    members
        .iter()
        .filter_map(|arn| st.container_instances.get(*arn))
        .map(placement::registered_size)
        .max()
        .unwrap_or((2048, 3900))
}

/// How many instances of `size` (cpu, memory) hold these tasks, filled first-fit.
pub fn instances_for(tasks: &[Demand], size: (i64, i64)) -> u64 {
    let mut bins: Vec<(i64, i64)> = Vec::new();
    for t in tasks {
        match bins.iter_mut().find(|(c, m)| *c >= t.cpu && *m >= t.memory) {
            Some(bin) => *bin = (bin.0 - t.cpu, bin.1 - t.memory),
            None => bins.push((size.0 - t.cpu, size.1 - t.memory)),
        }
    }
    bins.len() as u64
}

/// Protect busy members from scale-in, unprotect idle ones, where the group disagrees.
fn protect(st: &RegionState, cp: &CapacityProvider, group: &GroupInfo) -> Vec<Fact> {
    let busy: Vec<String> = members(st, cp)
        .filter(|arn| runs_non_daemon_tasks(st, arn))
        .filter_map(|arn| st.container_instances.get(arn)?.ec2_instance_id.clone())
        .collect();
    let (mut on, mut off) = (Vec::new(), Vec::new());
    for (id, protected) in &group.instances {
        let want = busy.contains(id);
        if want && !protected {
            on.push(id.clone());
        } else if !want && *protected {
            off.push(id.clone());
        }
    }
    [(on, true), (off, false)]
        .into_iter()
        .filter(|(ids, _)| !ids.is_empty())
        .map(|(instance_ids, protected)| {
            Fact::ProtectInstances(ProtectFact {
                account: st.account.clone(),
                region: st.region.clone(),
                group: group.name.clone(),
                instance_ids,
                protected,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn task(cpu: i64, memory: i64) -> Demand {
        Demand {
            cpu,
            memory,
            ports: Vec::new(),
        }
    }

    #[test]
    fn first_fit_counts_instances() {
        assert_eq!(instances_for(&[], (2048, 4000)), 0);
        assert_eq!(instances_for(&vec![task(1024, 1000); 2], (2048, 4000)), 1);
        assert_eq!(instances_for(&vec![task(1024, 1000); 3], (2048, 4000)), 2);
        assert_eq!(instances_for(&vec![task(256, 3000); 3], (2048, 4000)), 3);
    }
}
