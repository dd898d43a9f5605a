//! Registering and deregistering targets, and a target's health as DescribeTargetHealth and ECS
//! read it: the stored state, seen through whether the group is in use and health-checked.

use super::model::{Target, TargetGroup};
use crate::core::balancing::{Reach, TargetHealth, TargetKey, TargetSpec, TargetState};

fn health(state: TargetState, reason: &str, description: &str) -> TargetHealth {
    TargetHealth {
        state,
        reason: Some(reason.into()),
        description: Some(description.into()),
    }
}

pub fn not_registered() -> TargetHealth {
    health(
        TargetState::Unused,
        "Target.NotRegistered",
        "Target is not registered to the target group",
    )
}

/// Registers (or re-registers a draining) target; a target already in service is left alone.
/// The first probe is due at once.
pub fn register(tg: &mut TargetGroup, spec: TargetSpec, now: f64) {
    if let Some(t) = tg.targets.get_mut(&spec.key) {
        if t.state != TargetState::Draining {
            if spec.reach != Reach::Resolve {
                t.reach = spec.reach;
            }
            return;
        }
    }
    tg.targets.insert(
        spec.key.clone(),
        Target {
            key: spec.key,
            availability_zone: spec.availability_zone,
            reach: spec.reach,
            state: TargetState::Initial,
            reason: Some("Elb.RegistrationInProgress".into()),
            description: Some("Target registration is in progress".into()),
            passes: 0,
            failures: 0,
            next_probe: now,
            drain_until: None,
        },
    );
}

/// Starts draining a target for the group's deregistration delay; a group in no load
/// balancer's use, or a delay of 0, forgets it at once. Returns whether it was registered.
pub fn deregister(tg: &mut TargetGroup, key: &TargetKey, now: f64, in_use: bool) -> bool {
    let delay = tg.attribute_u32("deregistration_delay.timeout_seconds");
    let Some(t) = tg.targets.get_mut(key) else {
        return false;
    };
    if !in_use || delay == 0 {
        tg.targets.remove(key);
        return true;
    }
    if t.state != TargetState::Draining {
        t.state = TargetState::Draining;
        t.reason = Some("Target.DeregistrationInProgress".into());
        t.description = Some("Target deregistration is in progress".into());
        t.drain_until = Some(now + f64::from(delay));
    }
    true
}

/// Forgets the targets whose draining is over; returns them.
pub fn expire_draining(tg: &mut TargetGroup, now: f64) -> Vec<TargetKey> {
    let done: Vec<TargetKey> = tg
        .targets
        .values()
        .filter(|t| t.drain_until.is_some_and(|until| until <= now))
        .map(|t| t.key.clone())
        .collect();
    for k in &done {
        tg.targets.remove(k);
    }
    done
}

/// A registered target's health as ELBv2 reports it.
pub fn health_of(tg: &TargetGroup, t: &Target, in_use: bool) -> TargetHealth {
    if t.state == TargetState::Draining {
        return stored(t);
    }
    if !in_use {
        return health(
            TargetState::Unused,
            "Target.NotInUse",
            "Target group is not configured to receive traffic from the load balancer",
        );
    }
    if !tg.health.enabled {
        return health(
            TargetState::Unavailable,
            "Target.HealthCheckDisabled",
            "Health checks are disabled",
        );
    }
    stored(t)
}

fn stored(t: &Target) -> TargetHealth {
    TargetHealth {
        state: t.state,
        reason: t.reason.clone(),
        description: t.description.clone(),
    }
}

/// The port a target's health checks go to, as DescribeTargetHealth shows it.
pub fn health_check_port(tg: &TargetGroup, key: &TargetKey) -> String {
    if tg.health.port == "traffic-port" {
        key.port.to_string()
    } else {
        tg.health.port.clone()
    }
}
