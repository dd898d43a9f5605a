//! The two alarms of a target-tracking policy, made as AWS makes them
//! (<https://docs.aws.amazon.com/autoscaling/application/userguide/target-tracking-scaling-policy-overview.html>):
//! `TargetTracking-<resourceId>-AlarmHigh-<uuid>` (3 of 3 one-minute periods above the target)
//! and `TargetTracking-<resourceId>-AlarmLow-<uuid>` (15 of 15 below 90% of it; none when scale-in
//! is disabled), whose actions are the policy's ARN. CloudWatch creates them through
//! [`crate::core::scaling::Alarms`].

use super::Env;
use crate::appscaling::state::shapes::{Alarm, ScalingPolicy};
use crate::appscaling::state::RegionState;
use crate::appscaling::{AasError, AasResult};
use serde_json::{json, Map, Value};

/// The metric an alarm watches: the members of PutMetricAlarm that name it.
fn metric(config: &Value, cluster_service: (&str, &str)) -> AasResult<Map<String, Value>> {
    if let Some(pre) = config.get("PredefinedMetricSpecification") {
        return predefined(pre, cluster_service);
    }
    let Some(custom) = config.get("CustomizedMetricSpecification") else {
        return Err(AasError::invalid(
            "Either PredefinedMetricSpecification or CustomizedMetricSpecification must be specified.",
        ));
    };
    let mut m = Map::new();
    if let Some(queries) = custom.get("Metrics").and_then(Value::as_array) {
        let metrics: Vec<Value> = queries.iter().map(metric_query).collect();
        m.insert("Metrics".into(), Value::Array(metrics));
        return Ok(m);
    }
    for (from, to) in [
        ("MetricName", "MetricName"),
        ("Namespace", "Namespace"),
        ("Dimensions", "Dimensions"),
        ("Statistic", "Statistic"),
        ("Unit", "Unit"),
    ] {
        if let Some(v) = custom.get(from) {
            m.insert(to.into(), v.clone());
        }
    }
    if !m.contains_key("MetricName") || !m.contains_key("Namespace") || !m.contains_key("Statistic")
    {
        return Err(AasError::invalid(
            "CustomizedMetricSpecification must name a MetricName, a Namespace and a Statistic, or Metrics.",
        ));
    }
    Ok(m)
}

/// A TargetTrackingMetricDataQuery as CloudWatch's MetricDataQuery (one-minute periods).
fn metric_query(q: &Value) -> Value {
    let mut out = q.clone();
    if let Some(stat) = q.get("MetricStat") {
        let mut s = stat.clone();
        s["Period"] = json!(60);
        out["MetricStat"] = s;
    }
    out
}

fn predefined(pre: &Value, (cluster, service): (&str, &str)) -> AasResult<Map<String, Value>> {
    let kind = pre
        .get("PredefinedMetricType")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let ecs = |name: &str| {
        json!({
            "Namespace": "AWS/ECS", "MetricName": name, "Statistic": "Average",
            "Dimensions": [{"Name": "ClusterName", "Value": cluster},
                           {"Name": "ServiceName", "Value": service}],
        })
    };
    let v = match kind {
        "ECSServiceAverageCPUUtilization" => ecs("CPUUtilization"),
        "ECSServiceAverageMemoryUtilization" => ecs("MemoryUtilization"),
        "ALBRequestCountPerTarget" => {
            let label = pre
                .get("ResourceLabel")
                .and_then(Value::as_str)
                .unwrap_or("");
            let tg = label
                .split_once("/targetgroup/")
                .filter(|(lb, _)| lb.starts_with("app/"))
                .map(|(_, tg)| format!("targetgroup/{tg}"))
                .ok_or_else(|| {
                    AasError::invalid(format!(
                        "Invalid ResourceLabel for ALBRequestCountPerTarget: '{label}'. Expected app/<load-balancer-name>/<load-balancer-id>/targetgroup/<target-group-name>/<target-group-id>"
                    ))
                })?;
            json!({
                "Namespace": "AWS/ApplicationELB", "MetricName": "RequestCountPerTarget",
                "Statistic": "Sum", "Dimensions": [{"Name": "TargetGroup", "Value": tg}],
            })
        }
        other => {
            return Err(AasError::invalid(format!(
                "Unsupported predefined metric type {other} for service namespace ecs"
            )))
        }
    };
    Ok(v.as_object().cloned().unwrap_or_default())
}

/// Creates (or replaces) the policy's alarms; their names and ARNs.
pub fn put_alarms(
    st: &RegionState,
    env: &Env,
    resource_id: &str,
    policy_arn: &str,
    config: &Value,
    old: &[Alarm],
) -> AasResult<Vec<Alarm>> {
    let names = super::ecs_names(resource_id).unwrap_or(("", ""));
    let metric = metric(config, names)?;
    let target = config
        .get("TargetValue")
        .and_then(Value::as_f64)
        .unwrap_or(0.0);
    let scale_in = !config
        .get("DisableScaleIn")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    // A replaced policy keeps its alarms' names (AWS updates them in place).
    let named = |kind: &str| {
        old.iter()
            .find(|a| a.alarm_name.contains(&format!("-{kind}-")))
            .map(|a| a.alarm_name.clone())
            .unwrap_or_else(|| {
                format!(
                    "TargetTracking-{resource_id}-{kind}-{}",
                    crate::core::ids::uuid()
                )
            })
    };
    let mut specs = vec![(named("AlarmHigh"), 3, "GreaterThanThreshold", target)];
    if scale_in {
        specs.push((named("AlarmLow"), 15, "LessThanThreshold", target * 0.9));
    }
    let stale: Vec<Alarm> = old
        .iter()
        .filter(|a| !specs.iter().any(|s| s.0 == a.alarm_name))
        .cloned()
        .collect();
    delete_alarms(st, env, &stale);
    specs
        .into_iter()
        .map(|(name, periods, op, threshold)| {
            let mut input = metric.clone();
            input.extend(alarm_members(&name, policy_arn, periods, op, threshold));
            put(st, env, &name, input)
        })
        .collect()
}

fn alarm_members(
    name: &str,
    policy_arn: &str,
    periods: u32,
    op: &str,
    threshold: f64,
) -> Map<String, Value> {
    let v = json!({
        "AlarmName": name,
        "AlarmDescription": format!("DO NOT EDIT OR DELETE. For TargetTrackingScaling policy {policy_arn}."),
        "ActionsEnabled": true,
        "AlarmActions": [policy_arn],
        "Period": 60,
        "EvaluationPeriods": periods,
        "DatapointsToAlarm": periods,
        "ComparisonOperator": op,
        "Threshold": threshold,
    });
    v.as_object().cloned().unwrap_or_default()
}

fn put(st: &RegionState, env: &Env, name: &str, mut input: Map<String, Value>) -> AasResult<Alarm> {
    let fallback = crate::core::arn::build(
        "cloudwatch",
        &st.region,
        &st.account,
        &format!("alarm:{name}"),
    );
    let arn = match &env.alarms {
        Some(alarms) => {
            // Period sits in MetricStat when the alarm is on metric queries.
            if input.contains_key("Metrics") {
                input.remove("Period");
            }
            alarms
                .put_metric_alarm(&st.account, &st.region, input)
                .map_err(|e| {
                    AasError::FailedResourceAccess(format!("Unable to create alarm {name}: {e}"))
                })?
        }
        None => fallback,
    };
    Ok(Alarm {
        alarm_name: name.into(),
        alarm_arn: arn,
    })
}

/// The alarms a policy made itself (target tracking's): a step policy's alarms are the
/// caller's, and outlive it.
pub fn owned_alarms(policy: &ScalingPolicy) -> &[Alarm] {
    if policy.policy_type == "TargetTrackingScaling" {
        &policy.alarms
    } else {
        &[]
    }
}

pub fn delete_alarms(st: &RegionState, env: &Env, alarms: &[Alarm]) {
    if let (Some(facade), false) = (&env.alarms, alarms.is_empty()) {
        let names: Vec<String> = alarms.iter().map(|a| a.alarm_name.clone()).collect();
        facade.delete_alarms(&st.account, &st.region, &names);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::regions::RegionScoped;
    use crate::core::scaling::{Alarms, ServiceCounts, Services};
    use std::sync::{Arc, Mutex};

    struct NoServices;
    impl Services for NoServices {
        fn counts(&self, _: &str, _: &str, _: &str, _: &str) -> Option<ServiceCounts> {
            None
        }
    }

    /// Remembers the PutMetricAlarm inputs it was given.
    #[derive(Default)]
    struct Recorder(Mutex<Vec<Map<String, Value>>>);
    impl Alarms for Recorder {
        fn put_metric_alarm(
            &self,
            _: &str,
            _: &str,
            input: Map<String, Value>,
        ) -> Result<String, String> {
            let name = input["AlarmName"].as_str().unwrap_or_default().to_string();
            self.0.lock().unwrap().push(input);
            Ok(format!("arn:aws:cloudwatch:r:1:alarm:{name}"))
        }
        fn delete_alarms(&self, _: &str, _: &str, _: &[String]) {}
    }

    fn put(config: Value) -> (AasResult<Vec<Alarm>>, Vec<Map<String, Value>>) {
        let rec = Arc::new(Recorder::default());
        let env = Env {
            services: Arc::new(NoServices),
            alarms: Some(rec.clone()),
        };
        let st = RegionState::new_region("1", "r", &crate::core::clock::Clock::new(1.0));
        let out = put_alarms(&st, &env, "service/c/s", "arn:policy", &config, &[]);
        let inputs = rec.0.lock().unwrap().clone();
        (out, inputs)
    }

    #[test]
    fn alb_request_count_watches_the_target_group_of_the_label() {
        let (out, inputs) = put(
            json!({"TargetValue": 100.0, "PredefinedMetricSpecification": {
            "PredefinedMetricType": "ALBRequestCountPerTarget",
            "ResourceLabel": "app/lb/0123/targetgroup/tg/4567"}}),
        );
        assert_eq!(out.unwrap().len(), 2);
        let high = &inputs[0];
        assert_eq!(high["Namespace"], "AWS/ApplicationELB");
        assert_eq!(high["Statistic"], "Sum");
        assert_eq!(
            high["Dimensions"],
            json!([{"Name": "TargetGroup", "Value": "targetgroup/tg/4567"}])
        );
        assert_eq!(
            (high["EvaluationPeriods"].clone(), high["Threshold"].clone()),
            (json!(3), json!(100.0))
        );
        assert_eq!(inputs[1]["Threshold"], json!(90.0));
        assert_eq!(high["AlarmActions"], json!(["arn:policy"]));
        let (bad, _) = put(
            json!({"TargetValue": 1.0, "PredefinedMetricSpecification": {
            "PredefinedMetricType": "ALBRequestCountPerTarget", "ResourceLabel": "nope"}}),
        );
        assert_eq!(bad.unwrap_err().code(), "ValidationException");
    }

    #[test]
    fn customized_metrics_in_both_forms() {
        let (out, inputs) = put(json!({"TargetValue": 10.0, "DisableScaleIn": true,
            "CustomizedMetricSpecification": {"MetricName": "Queue", "Namespace": "App",
                "Statistic": "Maximum", "Dimensions": [{"Name": "Q", "Value": "jobs"}]}}));
        assert_eq!(out.unwrap().len(), 1, "no AlarmLow with DisableScaleIn");
        assert_eq!(
            (
                inputs[0]["MetricName"].clone(),
                inputs[0]["Statistic"].clone()
            ),
            (json!("Queue"), json!("Maximum"))
        );
        let (out, inputs) = put(
            json!({"TargetValue": 10.0, "CustomizedMetricSpecification": {"Metrics": [
            {"Id": "m1", "ReturnData": true, "MetricStat": {"Stat": "Sum",
                "Metric": {"MetricName": "Queue", "Namespace": "App"}}}]}}),
        );
        assert!(out.is_ok());
        assert_eq!(inputs[0]["Metrics"][0]["MetricStat"]["Period"], json!(60));
        assert!(
            !inputs[0].contains_key("Period"),
            "the period is in MetricStat"
        );
    }
}
