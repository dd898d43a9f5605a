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
        let next = super::schedule::parse(&action.schedule).ok().and_then(|s| {
            let origin = action.start_time.unwrap_or(action.creation_time);
            s.next_after(now, origin)
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
mod tests {
    use super::*;
    use crate::appscaling::api::{policies, scheduled, targets};
    use crate::core::regions::RegionScoped;
    use crate::core::scaling::{ServiceCounts, Services};
    use serde_json::json;
    use std::sync::atomic::{AtomicU32, Ordering};

    /// One ECS service, `service/c/s`, whose desired count the test sets.
    struct OneService(AtomicU32);

    impl Services for OneService {
        fn counts(&self, _: &str, _: &str, c: &str, s: &str) -> Option<ServiceCounts> {
            let desired = self.0.load(Ordering::SeqCst);
            (c == "c" && s == "s").then_some(ServiceCounts {
                desired,
                running: desired,
                pending: 0,
            })
        }
    }

    fn setup(desired: u32) -> (RegionState, Env, Arc<OneService>) {
        let svc = Arc::new(OneService(AtomicU32::new(desired)));
        let env = Env {
            services: svc.clone(),
            alarms: None,
        };
        let mut st = RegionState::new_region("1", "r", &crate::core::clock::Clock::new(1.0));
        let target = json!({"ServiceNamespace": "ecs", "ResourceId": "service/c/s",
            "ScalableDimension": "ecs:service:DesiredCount", "MinCapacity": 1, "MaxCapacity": 6});
        targets::register_scalable_target(&mut st, &env, obj(target)).unwrap();
        (st, env, svc)
    }

    fn obj(v: serde_json::Value) -> serde_json::Map<String, serde_json::Value> {
        v.as_object().cloned().unwrap()
    }

    fn fact(st: &RegionState, alarm: &str, value: Option<f64>, threshold: f64) -> AlarmActionFact {
        AlarmActionFact {
            account: "1".into(),
            region: "r".into(),
            alarm_name: alarm.into(),
            alarm_arn: String::new(),
            state: "ALARM".into(),
            policy_arns: st.policies.values().map(|p| p.policy_arn.clone()).collect(),
            threshold,
            value,
            timestamp: 0.0,
        }
    }

    fn desired_in(st: &mut RegionState) -> Vec<u32> {
        std::mem::take(&mut st.outbox)
            .iter()
            .map(|f| f.desired_count)
            .collect()
    }

    #[test]
    fn target_tracking_scales_out_then_in_from_its_alarms() {
        let (mut st, env, svc) = setup(2);
        let put = json!({"PolicyName": "cpu", "ServiceNamespace": "ecs", "ResourceId": "service/c/s",
            "ScalableDimension": "ecs:service:DesiredCount", "PolicyType": "TargetTrackingScaling",
            "TargetTrackingScalingPolicyConfiguration": {"TargetValue": 50.0, "ScaleOutCooldown": 0,
                "ScaleInCooldown": 0, "PredefinedMetricSpecification":
                    {"PredefinedMetricType": "ECSServiceAverageCPUUtilization"}}});
        policies::put_scaling_policy(&mut st, &env, obj(put)).unwrap();
        let alarms = st.policies.values().next().unwrap().alarms.clone();
        let high = alarms
            .iter()
            .find(|a| a.alarm_name.contains("-AlarmHigh-"))
            .unwrap();
        let low = alarms
            .iter()
            .find(|a| a.alarm_name.contains("-AlarmLow-"))
            .unwrap();
        let f = fact(&st, &high.alarm_name, Some(90.0), 50.0);
        on_alarm(&mut st, &env, &f);
        assert_eq!(desired_in(&mut st), vec![4]);
        let last = st.activities.last().unwrap();
        assert_eq!(last.description, "Setting desired count to 4.");
        assert!(
            last.cause.ends_with("in state ALARM triggered policy cpu"),
            "{}",
            last.cause
        );
        svc.0.store(4, Ordering::SeqCst);
        let f = fact(&st, &low.alarm_name, Some(20.0), 45.0);
        on_alarm(&mut st, &env, &f);
        assert_eq!(desired_in(&mut st), vec![2]);
        st.targets
            .values_mut()
            .next()
            .unwrap()
            .suspended_state
            .dynamic_scaling_in_suspended = true;
        let f = fact(&st, &low.alarm_name, Some(1.0), 45.0);
        on_alarm(&mut st, &env, &f);
        assert!(desired_in(&mut st).is_empty(), "scale-in suspended");
    }

    #[test]
    fn step_scaling_respects_its_cooldown_and_max() {
        let (mut st, env, svc) = setup(3);
        let put = json!({"PolicyName": "step", "ServiceNamespace": "ecs", "ResourceId": "service/c/s",
            "ScalableDimension": "ecs:service:DesiredCount", "PolicyType": "StepScaling",
            "StepScalingPolicyConfiguration": {"AdjustmentType": "ChangeInCapacity", "Cooldown": 600,
                "StepAdjustments": [{"MetricIntervalLowerBound": 0.0, "ScalingAdjustment": 5}]}});
        policies::put_scaling_policy(&mut st, &env, obj(put)).unwrap();
        let f = fact(&st, "mine", Some(80.0), 70.0);
        on_alarm(&mut st, &env, &f);
        assert_eq!(desired_in(&mut st), vec![6], "clamped to max");
        svc.0.store(6, Ordering::SeqCst);
        let f = fact(&st, "mine", Some(80.0), 70.0);
        on_alarm(&mut st, &env, &f);
        assert!(desired_in(&mut st).is_empty(), "in cooldown");
        let listed = &st.policies.values().next().unwrap().alarms;
        assert_eq!(listed.len(), 1, "the invoking alarm is listed once");
    }

    #[test]
    fn a_larger_scale_out_in_cooldown_adds_only_the_difference() {
        let (mut st, env, svc) = setup(4);
        st.targets.values_mut().next().unwrap().max_capacity = 20;
        let put = json!({"PolicyName": "step", "ServiceNamespace": "ecs", "ResourceId": "service/c/s",
            "ScalableDimension": "ecs:service:DesiredCount", "PolicyType": "StepScaling",
            "StepScalingPolicyConfiguration": {"AdjustmentType": "ChangeInCapacity", "Cooldown": 600,
                "StepAdjustments": [
                    {"MetricIntervalLowerBound": 0.0, "MetricIntervalUpperBound": 10.0, "ScalingAdjustment": 2},
                    {"MetricIntervalLowerBound": 10.0, "ScalingAdjustment": 3}]}});
        policies::put_scaling_policy(&mut st, &env, obj(put)).unwrap();
        let f = fact(&st, "mine", Some(75.0), 70.0);
        on_alarm(&mut st, &env, &f);
        assert_eq!(desired_in(&mut st), vec![6], "4 + 2");
        svc.0.store(6, Ordering::SeqCst);
        let f = fact(&st, "mine", Some(75.0), 70.0);
        on_alarm(&mut st, &env, &f);
        assert!(
            desired_in(&mut st).is_empty(),
            "the same step again: 4 + 2 is not above 6"
        );
        let f = fact(&st, "mine", Some(95.0), 70.0);
        on_alarm(&mut st, &env, &f);
        assert_eq!(
            desired_in(&mut st),
            vec![7],
            "the larger step counts the 2 added: 4 + 3"
        );
        svc.0.store(7, Ordering::SeqCst);
        let f = fact(&st, "mine", Some(95.0), 70.0);
        on_alarm(&mut st, &env, &f);
        assert!(desired_in(&mut st).is_empty(), "still from the base of 4");
    }

    #[test]
    fn a_scale_out_ends_the_scale_in_cooldown() {
        let (mut st, env, svc) = setup(4);
        let put = json!({"PolicyName": "cpu", "ServiceNamespace": "ecs", "ResourceId": "service/c/s",
            "ScalableDimension": "ecs:service:DesiredCount", "PolicyType": "TargetTrackingScaling",
            "TargetTrackingScalingPolicyConfiguration": {"TargetValue": 50.0,
                "PredefinedMetricSpecification":
                    {"PredefinedMetricType": "ECSServiceAverageCPUUtilization"}}});
        policies::put_scaling_policy(&mut st, &env, obj(put)).unwrap();
        let alarms = st.policies.values().next().unwrap().alarms.clone();
        let named = |part: &str| {
            let a = alarms.iter().find(|a| a.alarm_name.contains(part));
            a.unwrap().alarm_name.clone()
        };
        let (high, low) = (named("-AlarmHigh-"), named("-AlarmLow-"));
        let f = fact(&st, &low, Some(20.0), 45.0);
        on_alarm(&mut st, &env, &f);
        assert_eq!(desired_in(&mut st), vec![2], "scale in");
        svc.0.store(2, Ordering::SeqCst);
        let f = fact(&st, &low, Some(10.0), 45.0);
        on_alarm(&mut st, &env, &f);
        assert!(desired_in(&mut st).is_empty(), "scale-in cooldown (300 s)");
        let f = fact(&st, &high, Some(90.0), 50.0);
        on_alarm(&mut st, &env, &f);
        assert_eq!(desired_in(&mut st), vec![4], "a scale-out acts at once");
        let t = st.targets.values().next().unwrap();
        assert_eq!((t.last_scale_in, t.scale_out_base), (None, Some(2)));
    }

    #[test]
    fn a_due_scheduled_action_sets_bounds_and_clamps() {
        let (mut st, env, _svc) = setup(1);
        let put = json!({"ScheduledActionName": "now", "ServiceNamespace": "ecs", "ResourceId": "service/c/s",
            "ScalableDimension": "ecs:service:DesiredCount", "Schedule": "rate(1 minute)",
            "ScalableTargetAction": {"MinCapacity": 3, "MaxCapacity": 8}});
        scheduled::put_scheduled_action(&mut st, &env, obj(put)).unwrap();
        on_tick(&mut st, &env);
        assert_eq!(desired_in(&mut st), vec![3]);
        let t = st.targets.values().next().unwrap();
        assert_eq!((t.min_capacity, t.max_capacity), (3, 8));
        let causes: Vec<_> = st
            .activities
            .iter()
            .map(|a| a.description.as_str())
            .collect();
        assert!(
            causes.contains(&"Setting min capacity to 3 and max capacity to 8"),
            "{causes:?}"
        );
        let next = st.scheduled.values().next().unwrap().next_fire.unwrap();
        assert!(next > st.now(), "a rate fires again later");
    }
}
