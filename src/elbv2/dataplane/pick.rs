//! Which target group and which target take a request or connection: weighted group choice,
//! healthy-else-all candidates, round robin per group and cookie stickiness. Pure functions (the
//! random roll is an argument) so the choices are tested without sockets.

use super::cookie;
use super::plan::{ForwardPlan, GroupPlan, PlanTarget, WeightedGroup};
use std::sync::atomic::Ordering;

/// The targets that may take traffic: the healthy ones, or all when none is (ELBv2 fails open
/// rather than refusing every request).
pub(super) fn candidates(group: &GroupPlan) -> Vec<&PlanTarget> {
    let healthy: Vec<&PlanTarget> = group.targets.iter().filter(|t| t.healthy).collect();
    if healthy.is_empty() {
        group.targets.iter().collect()
    } else {
        healthy
    }
}

/// A group by weight, `roll` being any random number; `None` when every weight is 0.
pub(super) fn weighted(groups: &[WeightedGroup], roll: u64) -> Option<&WeightedGroup> {
    let total: u64 = groups.iter().map(|g| u64::from(g.weight)).sum();
    if total == 0 {
        return None;
    }
    let mut point = roll % total;
    groups.iter().find(|g| {
        let weight = u64::from(g.weight);
        if point < weight {
            return true;
        }
        point -= weight;
        false
    })
}

/// The forward's group: the one the group-stickiness cookie names if it still takes traffic,
/// else one by weight.
pub(super) fn group<'f>(
    forward: &'f ForwardPlan,
    sticky: Option<&str>,
    roll: u64,
) -> Option<&'f WeightedGroup> {
    let pinned = forward.group_stickiness.and(sticky).and_then(|value| {
        forward
            .groups
            .iter()
            .find(|g| g.weight > 0 && cookie::group_value(&g.arn) == value)
    });
    pinned.or_else(|| weighted(&forward.groups, roll))
}

/// The next candidate of the group's round robin (shared by every listener forwarding to it).
pub(super) fn round_robin<'t>(
    group: &GroupPlan,
    candidates: &[&'t PlanTarget],
) -> Option<&'t PlanTarget> {
    if candidates.is_empty() {
        return None;
    }
    let turn = group.next.fetch_add(1, Ordering::Relaxed);
    Some(candidates[turn % candidates.len()])
}

/// The target for a request: the one the `AWSALB` cookie names when the group is sticky and it is
/// still a candidate, else the round robin's next; `None` when the group has no target.
pub(super) fn target<'g>(group: &'g GroupPlan, sticky: Option<&str>) -> Option<&'g PlanTarget> {
    let candidates = candidates(group);
    let pinned = group.stickiness.and(sticky).and_then(|value| {
        candidates
            .iter()
            .copied()
            .find(|t| cookie::target_value(&t.key) == value)
    });
    pinned.or_else(|| round_robin(group, &candidates))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::balancing::TargetKey;
    use std::sync::Arc;
    use std::time::Duration;

    fn target(id: &str, healthy: bool) -> PlanTarget {
        PlanTarget {
            key: TargetKey {
                id: id.into(),
                port: 80,
            },
            addr: None,
            healthy,
            zone: None,
        }
    }

    fn group_of(targets: Vec<PlanTarget>) -> GroupPlan {
        GroupPlan {
            arn: "arn:tg/a".into(),
            targets,
            ..GroupPlan::default()
        }
    }

    fn ids(group: &GroupPlan, sticky: Option<&str>, n: usize) -> Vec<String> {
        (0..n)
            .map(|_| super::target(group, sticky).unwrap().key.id.clone())
            .collect()
    }

    #[test]
    fn healthy_targets_take_traffic_and_all_do_when_none_is() {
        let mixed = group_of(vec![target("a", false), target("b", true)]);
        assert_eq!(ids(&mixed, None, 3), ["b", "b", "b"]);
        let sick = group_of(vec![target("a", false), target("b", false)]);
        assert_eq!(ids(&sick, None, 3), ["a", "b", "a"]);
        assert!(super::target(&group_of(vec![]), None).is_none());
    }

    #[test]
    fn round_robin_cycles_through_candidates() {
        let group = group_of(vec![
            target("a", true),
            target("b", true),
            target("c", true),
        ]);
        assert_eq!(ids(&group, None, 4), ["a", "b", "c", "a"]);
    }

    #[test]
    fn stickiness_pins_a_candidate_and_ignores_stale_cookies() {
        let mut group = group_of(vec![target("a", true), target("b", true)]);
        group.stickiness = Some(Duration::from_secs(60));
        let b = cookie::target_value(&group.targets[1].key);
        assert_eq!(ids(&group, Some(&b), 3), ["b", "b", "b"]);
        assert_eq!(ids(&group, Some("bogus"), 2), ["a", "b"]);
        // An unhealthy target named by the cookie is no longer a candidate.
        group.targets[1].healthy = false;
        assert_eq!(ids(&group, Some(&b), 2), ["a", "a"]);
        // Without stickiness the cookie is ignored.
        group.stickiness = None;
        group.targets[1].healthy = true;
        assert_eq!(ids(&group, Some(&b), 2), ["a", "b"]);
    }

    fn weighted_group(arn: &str, weight: u32) -> WeightedGroup {
        WeightedGroup {
            arn: arn.into(),
            weight,
            group: Arc::new(GroupPlan::default()),
            meter: Arc::default(),
        }
    }

    #[test]
    fn groups_are_chosen_by_weight_and_zero_weights_never() {
        let groups = vec![
            weighted_group("a", 1),
            weighted_group("z", 0),
            weighted_group("b", 3),
        ];
        let arns: Vec<&str> = (0..4)
            .map(|roll| weighted(&groups, roll).unwrap().arn.as_str())
            .collect();
        assert_eq!(arns, ["a", "b", "b", "b"]);
        assert!(weighted(&[weighted_group("z", 0)], 7).is_none());
    }

    #[test]
    fn group_stickiness_pins_a_weighted_group() {
        let mut forward = ForwardPlan {
            groups: vec![
                weighted_group("a", 1),
                weighted_group("b", 1),
                weighted_group("c", 0),
            ],
            group_stickiness: Some(Duration::from_secs(60)),
        };
        let b = cookie::group_value("b");
        assert_eq!(group(&forward, Some(&b), 0).unwrap().arn, "b");
        // A group weighted 0 no longer takes pinned traffic.
        let c = cookie::group_value("c");
        assert_eq!(group(&forward, Some(&c), 0).unwrap().arn, "a");
        forward.group_stickiness = None;
        assert_eq!(group(&forward, Some(&b), 0).unwrap().arn, "a");
    }
}
