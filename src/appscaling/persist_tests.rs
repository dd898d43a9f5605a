//! Application Auto Scaling in the state dir (`--state-dir`): its store is its durable state
//! ([`super::state::Store`]); these tests restore it into a fresh service.

use crate::appscaling::{AppScaling, AppScalingSetup};
use crate::core::bus::Bus;
use crate::core::clock::Clock;
use crate::core::context::RequestContext;
use crate::core::persist::key;
use crate::core::scaling::{ServiceCounts, Services};
use crate::wire::Reply;
use serde_json::{json, Value};
use std::sync::Arc;

/// ECS's `service/c/s`, at two tasks.
struct OneService;

impl Services for OneService {
    fn counts(&self, _: &str, _: &str, c: &str, s: &str) -> Option<ServiceCounts> {
        (c == "c" && s == "s").then_some(ServiceCounts {
            desired: 2,
            running: 2,
            pending: 0,
        })
    }
}

fn service() -> AppScaling {
    AppScaling::new(AppScalingSetup {
        clock: Clock::default(),
        bus: Bus::new(),
        services: Arc::new(OneService),
        alarms: None,
    })
}

fn call(aas: &AppScaling, operation: &str, input: Value) -> Reply {
    let ctx = RequestContext::new("123456789012", "us-east-1");
    let input = input.as_object().cloned().unwrap();
    aas.dispatch(&ctx, operation, input)
        .unwrap_or_else(|e| panic!("{operation}: {e:?}"))
}

fn of_service(more: Value) -> Value {
    let mut v = json!({"ServiceNamespace": "ecs", "ResourceId": "service/c/s",
        "ScalableDimension": "ecs:service:DesiredCount"});
    v.as_object_mut()
        .unwrap()
        .extend(more.as_object().cloned().unwrap());
    v
}

fn build(aas: &AppScaling) {
    let target = json!({"MinCapacity": 1, "MaxCapacity": 5, "Tags": {"app": "web"}});
    call(aas, "RegisterScalableTarget", of_service(target));
    let step = json!({"PolicyName": "step", "PolicyType": "StepScaling",
        "StepScalingPolicyConfiguration": {"AdjustmentType": "ChangeInCapacity", "Cooldown": 60,
            "StepAdjustments": [{"MetricIntervalLowerBound": 0.0, "ScalingAdjustment": 1}]}});
    call(aas, "PutScalingPolicy", of_service(step));
    let nightly = json!({"ScheduledActionName": "nightly", "Schedule": "cron(0 3 * * ? *)",
        "ScalableTargetAction": {"MinCapacity": 3, "MaxCapacity": 5}});
    call(aas, "PutScheduledAction", of_service(nightly));
}

fn describe(aas: &AppScaling) -> Vec<Reply> {
    let ns = json!({"ServiceNamespace": "ecs"});
    [
        "DescribeScalableTargets",
        "DescribeScalingPolicies",
        "DescribeScheduledActions",
        "DescribeScalingActivities",
    ]
    .iter()
    .map(|op| call(aas, op, ns.clone()))
    .collect()
}

#[tokio::test]
async fn restored_region_describes_alike_with_its_schedule() {
    let first = service();
    build(&first);
    let before = describe(&first);
    let answered: Vec<u8> = before.iter().flat_map(|r| r.json().to_vec()).collect();
    let answered = String::from_utf8_lossy(&answered);
    assert!(
        !answered.contains("NextFire"),
        "bookkeeping stays off the wire"
    );
    let durable = first.durable().unwrap();
    let records: Vec<_> = durable
        .changes()
        .into_iter()
        .map(|r| (r.key, r.value.unwrap()))
        .collect();
    assert_eq!(records.len(), 1, "one region, one record");
    let text = String::from_utf8_lossy(&records[0].1).to_string();
    assert!(
        text.contains("NextFire") && text.contains("\"app\""),
        "{text}"
    );
    first.shutdown().await;

    let second = service();
    let durable = second.durable().unwrap();
    durable.restore(records).unwrap();
    assert_eq!(describe(&second), before);
    assert!(durable.changes().is_empty(), "restored as saved");
    second.shutdown().await;
}

/// The stored region with its scheduled action's next firing moved into the past, as when
/// the server was down at the time it was due.
fn overdue(aas: &AppScaling) -> Vec<(String, Vec<u8>)> {
    let durable = aas.durable().unwrap();
    let record = durable.changes().pop().unwrap();
    let mut region: Value = serde_json::from_slice(&record.value.unwrap()).unwrap();
    for action in region["scheduled"].as_object_mut().unwrap().values_mut() {
        action["NextFire"] = json!(1.0);
    }
    vec![(record.key, serde_json::to_vec(&region).unwrap())]
}

#[tokio::test]
async fn a_scheduled_action_due_while_down_fires_after_the_restore() {
    let first = service();
    build(&first);
    let records = overdue(&first);
    first.shutdown().await;
    let second = service();
    second.durable().unwrap().restore(records).unwrap();
    let (out, next) = second.store.with("123456789012", "us-east-1", |st| {
        crate::appscaling::controller::on_tick(st, &second.env);
        let next = st.scheduled.values().next().unwrap().next_fire;
        (std::mem::take(&mut st.outbox), next)
    });
    let desired: Vec<u32> = out.iter().map(|f| f.desired_count).collect();
    assert_eq!(desired, vec![3], "clamped to the action's new minimum");
    let now = second.store.clock().now();
    assert!(next.is_some_and(|t| t > now), "the cron goes on: {next:?}");
    second.shutdown().await;
}

#[tokio::test]
async fn an_unreadable_record_fails_the_restore_naming_it() {
    let aas = service();
    let k = key(&["123456789012", "us-east-1"]);
    let err = aas
        .durable()
        .unwrap()
        .restore(vec![(k.clone(), b"not json".to_vec())])
        .unwrap_err();
    assert!(
        err.contains("appscaling") && err.contains(&format!("{k:?}")),
        "{err}"
    );
    aas.shutdown().await;
}
