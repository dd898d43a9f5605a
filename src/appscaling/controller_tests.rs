//! The controller driven by hand: alarm facts and ticks on one region's state.

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
