//! The scaling controller: one loop that turns CloudWatch's alarm actions into capacity changes
//! ([`on_alarm`]) and fires scheduled actions on the house clock ([`on_tick`]). Each step is a
//! short critical section over one region; the desired counts it queues are published to ECS
//! after the lock is released.

use super::api::Env;
use super::capacity::{adjust, pick_step, target_tracking, Step};
use super::scale::{activity, set_capacity, Direction, Outcome};
use super::state::shapes::{ScalingPolicy, ScheduledAction};
use super::state::{target_key, RegionState, Store};
use crate::core::bus::{Bus, Fact, Received, Subscription};
use crate::core::scaling::AlarmActionFact;
use crate::core::shutdown::{Loops, Stopping};
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;

/// How often (emulated) scheduled actions are checked: they fire within this of their time.
const TICK: Duration = Duration::from_secs(10);

/// ECS's default target-tracking cooldowns, in seconds.
const DEFAULT_COOLDOWN: f64 = 300.0;

pub fn spawn(store: Arc<Store>, env: Env, bus: Bus, loops: &Loops) {
    let facts = bus.subscribe();
    loops.spawn(run(store, env, bus, facts, loops.stopping()));
}

async fn run(
    store: Arc<Store>,
    env: Env,
    bus: Bus,
    mut facts: Subscription,
    mut stopping: Stopping,
) {
    let mut tick = store.clock().interval(TICK);
    loop {
        tokio::select! {
            fact = facts.recv() => match fact {
                Some(Received::Fact(fact)) => {
                    if let Fact::AlarmAction(a) = fact.as_ref() {
                        let out = store.with(&a.account, &a.region, |st| {
                            on_alarm(st, &env, a);
                            std::mem::take(&mut st.outbox)
                        });
                        publish(&bus, out);
                    }
                }
                Some(Received::Missed(n)) => tracing::warn!("Application Auto Scaling missed {n} facts"),
                None => return,
            },
            _ = tick.tick() => {
                let mut out = Vec::new();
                store.each(|st| {
                    on_tick(st, &env);
                    out.append(&mut st.outbox);
                });
                publish(&bus, out);
            }
            _ = stopping.wait() => return,
        }
    }
}

pub fn publish(bus: &Bus, facts: Vec<crate::core::scaling::ScaleServiceFact>) {
    for f in facts {
        bus.publish(Fact::ScaleService(f));
    }
}

/// An alarm in ALARM invokes each policy it names.
pub fn on_alarm(st: &mut RegionState, env: &Env, fact: &AlarmActionFact) {
    if fact.state != "ALARM" {
        return;
    }
    for arn in &fact.policy_arns {
        let Some(policy) = st.policies.values_mut().find(|p| p.policy_arn == *arn) else {
            continue;
        };
        remember_alarm(policy, fact);
        let policy = policy.clone();
        invoke(st, env, &policy, fact);
    }
}

/// A step policy lists the alarms that invoke it, as AWS's DescribeScalingPolicies does.
fn remember_alarm(policy: &mut ScalingPolicy, fact: &AlarmActionFact) {
    if !policy
        .alarms
        .iter()
        .any(|a| a.alarm_name == fact.alarm_name)
    {
        policy.alarms.push(super::state::shapes::Alarm {
            alarm_name: fact.alarm_name.clone(),
            alarm_arn: fact.alarm_arn.clone(),
        });
    }
}

/// One policy invoked by one alarm: the capacity it asks for, unless suspended or cooling down.
///
/// Cooldowns as Application Auto Scaling applies them: a scale-in waits out the scale-in
/// cooldown; a scale-out in its cooldown counts the capacity the scale-out that started it
/// added (the ask is made from the capacity before it, and only a larger one acts); a
/// scale-out ends a scale-in cooldown.
fn invoke(st: &mut RegionState, env: &Env, p: &ScalingPolicy, fact: &AlarmActionFact) {
    let key = target_key(&p.service_namespace, &p.resource_id, &p.scalable_dimension);
    let Some(t) = st.targets.get(&key) else {
        return;
    };
    let Some(current) = super::scale::current(st, env, &p.resource_id) else {
        return;
    };
    let Some((mut wanted, direction, cooldown)) = plan(p, fact, current) else {
        return;
    };
    let now = st.now();
    let cooling = |last: Option<f64>| last.is_some_and(|l| now - l < cooldown);
    let mut base = current;
    match direction {
        Direction::In if t.suspended_state.dynamic_scaling_in_suspended => return,
        Direction::In if cooling(t.last_scale_in) => return,
        Direction::Out if t.suspended_state.dynamic_scaling_out_suspended => return,
        Direction::Out if cooling(t.last_scale_out) => {
            base = t.scale_out_base.unwrap_or(current);
            match plan(p, fact, base) {
                Some((from_base, Direction::Out, _)) if from_base > current => wanted = from_base,
                _ => return,
            }
        }
        _ => {}
    }
    let cause = format!(
        "monitor alarm {} in state {} triggered policy {}",
        fact.alarm_name, fact.state, p.policy_name
    );
    let scaled = set_capacity(st, env, &key, wanted, &cause, Some(direction));
    if let (true, Direction::Out, Some(t)) = (scaled, direction, st.targets.get_mut(&key)) {
        t.scale_out_base = Some(base);
        t.last_scale_in = None;
    }
}

/// The capacity a policy asks for on this alarm, its direction and the cooldown that applies.
pub fn plan(
    p: &ScalingPolicy,
    fact: &AlarmActionFact,
    current: i64,
) -> Option<(i64, Direction, f64)> {
    if let Some(c) = &p.target_tracking_scaling_policy_configuration {
        let out = p
            .alarms
            .iter()
            .find(|a| a.alarm_name == fact.alarm_name)
            .map_or(!fact.alarm_name.contains("-AlarmLow-"), |a| {
                a.alarm_name.contains("-AlarmHigh-")
            });
        let target = c.get("TargetValue").and_then(Value::as_f64)?;
        let wanted = target_tracking(current, fact.value, target, out);
        let (member, direction) = if out {
            ("ScaleOutCooldown", Direction::Out)
        } else {
            ("ScaleInCooldown", Direction::In)
        };
        let cooldown = c
            .get(member)
            .and_then(Value::as_f64)
            .unwrap_or(DEFAULT_COOLDOWN);
        return Some((wanted, direction, cooldown));
    }
    let c = p.step_scaling_policy_configuration.as_ref()?;
    let steps: Vec<Step> = serde_json::from_value(c.get("StepAdjustments")?.clone()).ok()?;
    let step = pick_step(&steps, fact.threshold, fact.value)?;
    let kind = c
        .get("AdjustmentType")
        .and_then(Value::as_str)
        .unwrap_or("ChangeInCapacity");
    let magnitude = c.get("MinAdjustmentMagnitude").and_then(Value::as_i64);
    let wanted = adjust(current, kind, step.scaling_adjustment, magnitude);
    let direction = if wanted >= current {
        Direction::Out
    } else {
        Direction::In
    };
    let cooldown = c
        .get("Cooldown")
        .and_then(Value::as_f64)
        .unwrap_or(DEFAULT_COOLDOWN);
    Some((wanted, direction, cooldown))
}

/// Fires every scheduled action whose time has come (and is within its start and end).
pub fn on_tick(st: &mut RegionState, env: &Env) {
    let now = st.now();
    let due: Vec<String> = st
        .scheduled
        .iter()
        .filter(|(_, a)| a.next_fire.is_some_and(|t| t <= now))
        .map(|(k, _)| k.clone())
        .collect();
    for key in due {
        let Some(action) = st.scheduled.get(&key).cloned() else {
            continue;
        };
        let zone = super::schedule::Zone::named(action.timezone.as_deref());
        let next = super::schedule::parse(&action.schedule)
            .ok()
            .zip(zone.ok())
            .and_then(|(s, zone)| {
                let origin = action.start_time.unwrap_or(action.creation_time);
                s.next_after(now, origin, &zone)
            });
        if let Some(a) = st.scheduled.get_mut(&key) {
            a.next_fire = next.filter(|t| action.end_time.is_none_or(|e| *t <= e));
        }
        let in_window = action
            .end_time
            .is_none_or(|e| now <= e + TICK.as_secs_f64());
        if in_window {
            fire(st, env, &action);
        }
    }
}

/// A scheduled action sets the target's min and max; the desired count follows into them.
fn fire(st: &mut RegionState, env: &Env, a: &ScheduledAction) {
    let key = target_key(&a.service_namespace, &a.resource_id, &a.scalable_dimension);
    let Some(t) = st.targets.get_mut(&key) else {
        return;
    };
    if t.suspended_state.scheduled_scaling_suspended {
        return;
    }
    let action = a.scalable_target_action.clone().unwrap_or_default();
    let min = action.min_capacity.unwrap_or(t.min_capacity);
    let max = action.max_capacity.unwrap_or(t.max_capacity);
    // One bound given alone may push the other along, as AWS does.
    let (min, max) = match (action.min_capacity, action.max_capacity) {
        (Some(_), None) => (min, max.max(min)),
        (None, Some(_)) => (min.min(max), max),
        _ => (min, max),
    };
    t.min_capacity = min;
    t.max_capacity = max;
    let words = bounds_words(action.min_capacity, action.max_capacity);
    let now = st.now();
    let cause = format!(
        "scheduled action name {} was triggered",
        a.scheduled_action_name
    );
    let outcome = Outcome::Scaled {
        description: format!("Setting {words}"),
        message: format!("Successfully set {words}"),
    };
    let record = activity(st, &key, now, outcome, cause);
    st.record(record);
    super::api::targets::clamp_desired(st, env, &key, action.min_capacity, action.max_capacity);
}

/// "min capacity to 2 and max capacity to 5" (or one of them).
fn bounds_words(min: Option<i64>, max: Option<i64>) -> String {
    match (min, max) {
        (Some(a), Some(b)) => format!("min capacity to {a} and max capacity to {b}"),
        (Some(a), None) => format!("min capacity to {a}"),
        (None, Some(b)) => format!("max capacity to {b}"),
        (None, None) => "no capacity change".into(),
    }
}

#[cfg(test)]
#[path = "controller_tests.rs"]
mod tests;
