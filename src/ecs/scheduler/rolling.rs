//! The rolling arithmetic of REPLICA services and the one-task-per-instance rule of DAEMON ones.

use crate::ecs::scheduler::{live_views, start_tasks, stop_tasks, TaskView};
use crate::ecs::state::status::ContainerInstanceStatus;
use crate::ecs::state::status::{DeploymentStatus, RolloutState};
use crate::ecs::state::RegionState;

/// What a REPLICA pass decides (pure: see [`plan_replica`]).
#[derive(Debug, Default, PartialEq)]
pub struct Plan {
    pub start: usize,
    pub stop: Vec<String>,
}

/// Rolling update arithmetic for the PRIMARY deployment `primary` (ECS's rules): stop surplus
/// primary tasks; stop old tasks while the healthy count stays at or above the minimum; start
/// primary tasks while the total stays at or below the maximum.
pub fn plan_replica(
    desired: usize,
    min_pct: i32,
    max_pct: i32,
    primary: &str,
    live: &[TaskView],
    may_start: bool,
) -> Plan {
    let max_total = desired * max_pct.max(0) as usize / 100;
    let min_healthy = (desired * min_pct.max(0) as usize).div_ceil(100);
    let (mut new, old): (Vec<&TaskView>, Vec<&TaskView>) =
        live.iter().partition(|t| t.deployment == primary);
    let mut plan = Plan::default();
    if new.len() > desired {
        // Protected tasks go last and are never taken: a scale-in waits for their protection.
        new.sort_by(|a, b| {
            a.protected
                .cmp(&b.protected)
                .then(a.running.cmp(&b.running))
                .then(b.created_at.total_cmp(&a.created_at))
        });
        let surplus = new.len() - desired;
        let stoppable = new.iter().take(surplus).filter(|t| !t.protected).count();
        plan.stop
            .extend(new.drain(..stoppable).map(|t| t.arn.clone()));
    }
    let mut healthy = new.iter().chain(old.iter()).filter(|t| t.healthy).count();
    let mut old_left = old.len();
    for t in old.iter().filter(|t| !t.healthy) {
        plan.stop.push(t.arn.clone());
        old_left -= 1;
    }
    for t in old.iter().filter(|t| t.healthy && !t.protected) {
        if healthy > min_healthy {
            plan.stop.push(t.arn.clone());
            healthy -= 1;
            old_left -= 1;
        }
    }
    let total = new.len() + old_left;
    if may_start {
        plan.start = desired
            .saturating_sub(new.len())
            .min(max_total.saturating_sub(total));
    }
    plan
}

pub(super) fn schedule_replica(st: &mut RegionState, arn: &str, now: f64) {
    let Some(service) = st.services.get(arn).cloned() else {
        return;
    };
    let Some(primary) = service
        .deployments
        .iter()
        .find(|d| d.status == DeploymentStatus::Primary)
        .cloned()
    else {
        return;
    };
    let config = service.deployment_configuration.clone();
    let min = config
        .as_ref()
        .and_then(|c| c.minimum_healthy_percent)
        .unwrap_or(100);
    let max = config
        .as_ref()
        .and_then(|c| c.maximum_percent)
        .unwrap_or(200);
    let may_start = primary.rollout_state != Some(RolloutState::Failed);
    let mut live = live_views(st, &service, now);
    // Tasks on a DRAINING instance are replaced as an old deployment's are: new ones start
    // elsewhere within maximumPercent, the drained ones stop within minimumHealthyPercent.
    for t in &mut live {
        if on_draining(st, t.instance.as_deref()) {
            t.deployment = DRAINING_INSTANCE.into();
        }
    }
    let plan = plan_replica(
        service.desired_count.max(0) as usize,
        min,
        max,
        &primary.id,
        &live,
        may_start,
    );
    let reason = format!("Scaling activity initiated by (deployment {})", primary.id);
    stop_tasks(st, arn, &plan.stop, &reason, true);
    if plan.start > 0 {
        start_tasks(st, &service, &primary, plan.start, None);
    }
}

/// The stand-in deployment of tasks on DRAINING instances (never a real deployment id).
const DRAINING_INSTANCE: &str = "(draining instance)";

fn on_draining(st: &RegionState, instance: Option<&str>) -> bool {
    instance
        .and_then(|arn| st.container_instances.get(arn))
        .is_some_and(|ci| ci.status == ContainerInstanceStatus::Draining)
}

/// DAEMON: one PRIMARY task per ACTIVE container instance; old ones are replaced in place.
pub(super) fn schedule_daemon(st: &mut RegionState, arn: &str) {
    let Some(service) = st.services.get(arn).cloned() else {
        return;
    };
    let Some(primary) = service
        .deployments
        .iter()
        .find(|d| d.status == DeploymentStatus::Primary)
        .cloned()
    else {
        return;
    };
    let instances: Vec<String> = st
        .container_instances
        .values()
        .filter(|ci| {
            ci.cluster_arn == service.cluster_arn
                && ci.status == ContainerInstanceStatus::Active
                && ci.agent_connected
        })
        .map(|ci| ci.container_instance_arn.clone())
        .collect();
    let live = live_views(st, &service, 0.0);
    let mut stop: Vec<String> = live
        .iter()
        .filter(|t| t.instance.as_ref().is_none_or(|i| !instances.contains(i)))
        .map(|t| t.arn.clone())
        .collect();
    let mut start_on = Vec::new();
    for instance in &instances {
        let here: Vec<&TaskView> = live
            .iter()
            .filter(|t| t.instance.as_deref() == Some(instance.as_str()))
            .collect();
        let has_new = here.iter().any(|t| t.deployment == primary.id);
        let old: Vec<String> = here
            .iter()
            .filter(|t| t.deployment != primary.id)
            .map(|t| t.arn.clone())
            .collect();
        if !has_new && old.is_empty() {
            start_on.push(instance.clone());
        }
        stop.extend(old);
    }
    if let Some(s) = st.services.get_mut(arn) {
        s.desired_count = instances.len() as i32;
        if let Some(d) = s
            .deployments
            .iter_mut()
            .find(|d| d.status == DeploymentStatus::Primary)
        {
            d.desired_count = instances.len() as i32;
        }
    }
    let reason = format!("Scaling activity initiated by (deployment {})", primary.id);
    stop_tasks(st, arn, &stop, &reason, true);
    if primary.rollout_state != Some(RolloutState::Failed) {
        for instance in start_on {
            start_tasks(st, &service, &primary, 1, Some(instance));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ecs::scheduler::failure_threshold;

    fn t(arn: &str, dep: &str, running: bool, healthy: bool) -> TaskView {
        TaskView {
            arn: arn.into(),
            deployment: dep.into(),
            running,
            healthy,
            unhealthy_past_grace: false,
            elb_unhealthy: None,
            settled: healthy,
            created_at: 0.0,
            instance: None,
            protected: false,
        }
    }

    #[test]
    fn protected_tasks_are_never_scaled_in() {
        let mut a = t("a", "d1", true, true);
        a.protected = true;
        let mut b = t("b", "d1", true, true);
        b.protected = true;
        let c = t("c", "d1", true, true);
        let plan = plan_replica(1, 100, 200, "d1", &[a.clone(), b.clone(), c], true);
        assert_eq!(
            plan.stop,
            vec!["c".to_string()],
            "only the unprotected task goes"
        );
        let plan = plan_replica(0, 100, 200, "d1", &[a, b], true);
        assert!(plan.stop.is_empty(), "protection outlasts the scale-in");
        let mut old = t("old", "d0", true, true);
        old.protected = true;
        let plan = plan_replica(1, 0, 200, "d1", &[old, t("new", "d1", true, true)], true);
        assert!(
            plan.stop.is_empty(),
            "a deployment waits for an old protected task"
        );
    }

    #[test]
    fn first_deployment_starts_everything() {
        assert_eq!(
            plan_replica(3, 100, 200, "new", &[], true),
            Plan {
                start: 3,
                stop: vec![]
            }
        );
        assert_eq!(plan_replica(3, 100, 200, "new", &[], false).start, 0);
    }

    #[test]
    fn rolling_keeps_the_minimum_healthy() {
        let old = vec![t("o1", "old", true, true), t("o2", "old", true, true)];
        // 200%: start both new ones first, stop nothing while new ones are not healthy.
        assert_eq!(
            plan_replica(2, 100, 200, "new", &old, true),
            Plan {
                start: 2,
                stop: vec![]
            }
        );
        let mut live = old.clone();
        live.push(t("n1", "new", true, true));
        live.push(t("n2", "new", false, false));
        assert_eq!(
            plan_replica(2, 100, 200, "new", &live, true),
            Plan {
                start: 0,
                stop: vec!["o1".into()]
            }
        );
        // 100% max, 50% min: stop one old first, then start one new in its place.
        assert_eq!(
            plan_replica(2, 50, 100, "new", &old, true),
            Plan {
                start: 1,
                stop: vec!["o1".into()]
            }
        );
    }

    #[test]
    fn scale_down_prefers_pending_and_newest() {
        let live = vec![
            t("a", "d", true, true),
            t("b", "d", false, false),
            t("c", "d", true, true),
        ];
        let plan = plan_replica(1, 100, 200, "d", &live, true);
        assert_eq!(plan.stop.len(), 2);
        assert!(plan.stop.contains(&"b".to_string()));
    }

    #[test]
    fn unhealthy_old_tasks_always_go() {
        let live = vec![t("o1", "old", false, false), t("n1", "new", true, true)];
        assert_eq!(
            plan_replica(1, 100, 200, "new", &live, true),
            Plan {
                start: 0,
                stop: vec!["o1".into()]
            }
        );
    }

    #[test]
    fn circuit_breaker_threshold() {
        assert_eq!(failure_threshold(1), 3);
        assert_eq!(failure_threshold(10), 5);
        assert_eq!(failure_threshold(11), 6);
        assert_eq!(failure_threshold(1000), 200);
    }
}
