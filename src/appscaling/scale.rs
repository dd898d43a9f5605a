//! Applying a capacity change to a target: the clamp into [min, max], the desired count queued
//! for ECS, and the scaling activity (or not-scaled activity) in AWS's words
//! (<https://docs.aws.amazon.com/autoscaling/application/userguide/application-auto-scaling-scaling-activities.html>).

use super::api::{ecs_names, Env};
use super::capacity::{clamp, NotScaled};
use super::state::shapes::{NotScaledReason, ScalingActivity};
use super::state::RegionState;
use crate::core::scaling::ScaleServiceFact;

/// Which way a dynamic (alarm-driven) change goes; cooldowns are kept per direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Out,
    In,
}

/// The desired count of the target's service now, if it still exists.
pub fn current(st: &RegionState, env: &Env, resource_id: &str) -> Option<i64> {
    let (cluster, service) = ecs_names(resource_id)?;
    env.services
        .counts(&st.account, &st.region, cluster, service)
        .map(|c| i64::from(c.desired))
}

/// Sets the target `key`'s capacity to `wanted` (clamped) for `cause`; records the activity, or
/// a not-scaled one when a dynamic change (`dynamic`: its direction, whose cooldown it starts)
/// changes nothing. True when it scaled.
pub fn set_capacity(
    st: &mut RegionState,
    env: &Env,
    key: &str,
    wanted: i64,
    cause: &str,
    dynamic: Option<Direction>,
) -> bool {
    let Some(t) = st.targets.get(key) else {
        return false;
    };
    let (rid, min, max) = (t.resource_id.clone(), t.min_capacity, t.max_capacity);
    let Some(now_count) = current(st, env, &rid) else {
        return false;
    };
    let now = st.now();
    match clamp(now_count, wanted, min, max) {
        Ok(new) => {
            scale_to(st, &rid, new);
            let activity = activity(st, key, now, scaled(new), cause.to_string());
            st.record(activity);
            if let (Some(t), Some(d)) = (st.targets.get_mut(key), dynamic) {
                match d {
                    Direction::Out => t.last_scale_out = Some(now),
                    Direction::In => t.last_scale_in = Some(now),
                }
            }
            true
        }
        Err(reason) => {
            if dynamic.is_some() {
                let mut a = activity(st, key, now, Outcome::NotScaled, cause.to_string());
                a.not_scaled_reasons = Some(vec![not_scaled(reason, now_count, min, max)]);
                st.record(a);
            }
            false
        }
    }
}

/// Queues the desired count for ECS.
fn scale_to(st: &mut RegionState, resource_id: &str, desired: i64) {
    if let Some((cluster, service)) = ecs_names(resource_id) {
        let fact = ScaleServiceFact {
            account: st.account.clone(),
            region: st.region.clone(),
            cluster: cluster.into(),
            service: service.into(),
            desired_count: desired.max(0) as u32,
        };
        st.outbox.push(fact);
    }
}

fn not_scaled(reason: NotScaled, current: i64, min: i64, max: i64) -> NotScaledReason {
    let (code, min, max) = match reason {
        NotScaled::AtMax => ("AlreadyAtMaxCapacity", None, Some(max)),
        NotScaled::AtMin => ("AlreadyAtMinCapacity", Some(min), None),
        NotScaled::AtDesired => ("AlreadyAtDesiredCapacity", None, None),
    };
    NotScaledReason {
        code: code.into(),
        max_capacity: max,
        min_capacity: min,
        current_capacity: Some(current),
    }
}

/// What an activity says happened.
pub enum Outcome {
    Scaled {
        description: String,
        message: String,
    },
    NotScaled,
}

/// A desired-count change, as ECS's scaling activities word it.
pub fn scaled(desired: i64) -> Outcome {
    Outcome::Scaled {
        description: format!("Setting desired count to {desired}."),
        message: format!(
            "Successfully set desired count to {desired}. Change successfully fulfilled by ecs."
        ),
    }
}

/// An activity on the target `key` that started `now`.
pub fn activity(
    st: &RegionState,
    key: &str,
    now: f64,
    outcome: Outcome,
    cause: String,
) -> ScalingActivity {
    let t = st.targets.get(key);
    let field = |f: fn(&super::state::shapes::ScalableTarget) -> &String| {
        t.map(|t| f(t).clone()).unwrap_or_default()
    };
    let (description, status, message, end) = match outcome {
        Outcome::Scaled {
            description,
            message,
        } => (description, "Successful", Some(message), Some(now)),
        Outcome::NotScaled => (
            "Attempting to scale due to alarm triggered".to_string(),
            "Failed",
            None,
            None,
        ),
    };
    ScalingActivity {
        activity_id: crate::core::ids::uuid(),
        service_namespace: field(|t| &t.service_namespace),
        resource_id: field(|t| &t.resource_id),
        scalable_dimension: field(|t| &t.scalable_dimension),
        description,
        cause,
        start_time: now,
        end_time: end,
        status_code: status.into(),
        status_message: message,
        details: None,
        not_scaled_reasons: None,
    }
}
