//! A service's tasks as ELBv2 targets: registered once RUNNING (the facts go out after the
//! region's lock is released), and their health as the deployment and the unhealthy-task
//! replacement read it. Deregistration happens in the task driver, before it stops containers,
//! so that every way a task stops drains it first.

use crate::core::balancing::{TargetChange, TargetHealth, TargetState, TargetsFact};
use crate::core::bus::Fact;
use crate::ecs::rules::load_balancers;
use crate::ecs::state::service::add_event;
use crate::ecs::state::status::{DesiredStatus, TaskStatus};
use crate::ecs::state::task::{RegisteredTarget, Task};
use crate::ecs::state::RegionState;
use std::collections::BTreeMap;

/// What a task's targets say about it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Verdict {
    /// Every target is healthy (or not checked): the task counts as healthy.
    pub healthy: bool,
    /// A target ELBv2 found unhealthy: its group, port and the reason's description.
    pub unhealthy: Option<Unhealthy>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Unhealthy {
    pub target_group_arn: String,
    pub port: u16,
    pub description: String,
}

/// Registers the service's RUNNING tasks that are not registered yet, with the event ECS writes
/// per target group.
pub fn register_running(st: &mut RegionState, arn: &str, now: f64) {
    let Some(service) = st.services.get(arn) else {
        return;
    };
    if service.load_balancers.is_empty() {
        return;
    }
    let entries = load_balancers::entries(&service.load_balancers);
    let due: Vec<(String, Vec<RegisteredTarget>)> = super::service_tasks(st, arn)
        .filter(|t| t.last_status == TaskStatus::Running)
        .filter(|t| t.desired_status == DesiredStatus::Running && t.targets.is_empty())
        .map(|t| {
            (
                t.task_arn.clone(),
                load_balancers::targets_for(st, t, &entries),
            )
        })
        .filter(|(_, targets)| !targets.is_empty())
        .collect();
    let mut per_group: BTreeMap<String, Vec<RegisteredTarget>> = BTreeMap::new();
    for (task_arn, targets) in due {
        for t in &targets {
            per_group
                .entry(t.target_group_arn.clone())
                .or_default()
                .push(t.clone());
        }
        if let Some(task) = st.tasks.get_mut(&task_arn) {
            task.targets = targets;
        }
    }
    for (group, targets) in per_group {
        if let Some(s) = st.services.get_mut(arn) {
            let message = format!(
                "(service {}) registered {} targets in (target-group {group})",
                s.service_name,
                targets.len()
            );
            add_event(s, message, now);
        }
        st.facts
            .push(targets_fact(st, group, TargetChange::Register, targets));
    }
}

/// The fact that registers or deregisters `targets` in `group`.
pub fn targets_fact(
    st: &RegionState,
    group: String,
    change: TargetChange,
    targets: Vec<RegisteredTarget>,
) -> Fact {
    Fact::Targets(TargetsFact {
        account: st.account.clone(),
        region: st.region.clone(),
        target_group_arn: group,
        change,
        targets: targets.into_iter().map(|t| t.spec).collect(),
    })
}

/// The task's standing with its load balancers. Without ELBv2 wired, or without targets, it is
/// healthy; a target ELBv2 has not reported on yet is neither healthy nor unhealthy.
pub fn verdict(st: &RegionState, task: &Task) -> Verdict {
    let Some(groups) = st.fleet.target_groups.get() else {
        return Verdict {
            healthy: true,
            unhealthy: None,
        };
    };
    let mut verdict = Verdict {
        healthy: true,
        unhealthy: None,
    };
    for t in &task.targets {
        let health =
            groups.target_health(&st.account, &st.region, &t.target_group_arn, &t.spec.key);
        match health.as_ref().map(|h| h.state) {
            Some(TargetState::Healthy | TargetState::Unavailable | TargetState::Unused) => {}
            Some(TargetState::Unhealthy) => {
                verdict.healthy = false;
                verdict.unhealthy.get_or_insert(Unhealthy {
                    target_group_arn: t.target_group_arn.clone(),
                    port: t.spec.key.port,
                    description: describe(health.as_ref()),
                });
            }
            _ => verdict.healthy = false,
        }
    }
    verdict
}

fn describe(health: Option<&TargetHealth>) -> String {
    health
        .and_then(|h| h.description.clone().or(h.reason.clone()))
        .unwrap_or_else(|| "Health checks failed".into())
}
