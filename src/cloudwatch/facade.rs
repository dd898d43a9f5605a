//! CloudWatch as other rooms use it. [`Sink`]: the same store as PutMetricData, without the wire
//! and without the `AWS/` namespace check (AWS's own services publish there). [`AlarmWriter`]:
//! Application Auto Scaling's target tracking creates and deletes its alarms through the
//! PutMetricAlarm and DeleteAlarms handlers themselves, so validation is the API's.

use super::actions::Hub;
use super::alarm::arn;
use super::api::alarms::{delete_alarms, put_metric_alarm};
use super::state::{MetricKey, Point};
use crate::core::metrics::MetricSink;
use crate::core::scaling::Alarms;
use serde_json::{json, Map, Value};

pub struct Sink {
    hub: Hub,
}

impl Sink {
    pub fn new(hub: Hub) -> Self {
        Sink { hub }
    }
}

impl MetricSink for Sink {
    fn put(
        &self,
        account: &str,
        region: &str,
        namespace: &str,
        name: &str,
        dimensions: &[(String, String)],
        timestamp: f64,
        value: f64,
        unit: &str,
    ) {
        let one = [(value, 1.0)];
        self.put_values(
            account, region, namespace, name, dimensions, timestamp, &one, unit,
        );
    }

    /// One stored point for the whole set (a load balancer's response times of a minute).
    fn put_values(
        &self,
        account: &str,
        region: &str,
        namespace: &str,
        name: &str,
        dimensions: &[(String, String)],
        timestamp: f64,
        values: &[(f64, f64)],
        unit: &str,
    ) {
        let key = MetricKey::new(namespace, name, dimensions.to_vec());
        let point = Point {
            timestamp,
            unit: unit.to_string(),
            resolution: 60,
            values: values.to_vec(),
            stats: None,
        };
        self.hub.with(account, region, |st| st.put(key, &point));
    }
}

pub struct AlarmWriter {
    hub: Hub,
}

impl AlarmWriter {
    pub fn new(hub: Hub) -> Self {
        AlarmWriter { hub }
    }
}

impl Alarms for AlarmWriter {
    fn put_metric_alarm(
        &self,
        account: &str,
        region: &str,
        input: Map<String, Value>,
    ) -> Result<String, String> {
        let name = input
            .get("AlarmName")
            .and_then(Value::as_str)
            .map(str::to_string);
        self.hub.with(account, region, |st| {
            st.journal.note_all_alarms();
            put_metric_alarm(st, input).map_err(|e| e.message().to_string())?;
            Ok(arn(st, name.as_deref().unwrap_or_default()))
        })
    }

    fn delete_alarms(&self, account: &str, region: &str, names: &[String]) {
        self.hub.with(account, region, |st| {
            st.journal.note_all_alarms();
            // DeleteAlarms refuses unknown names; this facade ignores them.
            let known: Vec<&String> = names
                .iter()
                .filter(|n| st.alarms.contains_key(*n))
                .collect();
            let _ = delete_alarms(
                st,
                json!({ "AlarmNames": known })
                    .as_object()
                    .cloned()
                    .unwrap_or_default(),
            );
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cloudwatch::state::Store;
    use crate::core::bus::{Bus, Fact, Received};
    use crate::core::clock::Clock;
    use std::sync::Arc;

    #[test]
    fn the_sink_publishes_in_aws_namespaces() {
        let hub = Hub::new(Arc::new(Store::new(Clock::new(1.0))), Bus::new());
        let store = hub.store.clone();
        let sink = Sink::new(hub);
        let dims = vec![("ClusterName".to_string(), "default".to_string())];
        sink.put(
            "1",
            "r",
            "AWS/ECS",
            "CPUUtilization",
            &dims,
            120.0,
            42.0,
            "Percent",
        );
        let n = store.with("1", "r", |st| st.metrics.len());
        assert_eq!(n, 1);
    }

    const POLICY: &str = "arn:aws:autoscaling:r:1:scalingPolicy:0b6f0d7e-1111-2222-3333-\
                          444455556666:resource/ecs/service/c/web:policyName/cpu";

    fn alarm(name: &str) -> Map<String, Value> {
        let put = json!({"AlarmName": name, "Namespace": "AWS/ECS", "MetricName": "CPUUtilization",
            "Statistic": "Average", "Period": 60, "EvaluationPeriods": 1, "Threshold": 80,
            "ComparisonOperator": "GreaterThanThreshold", "AlarmActions": [POLICY]});
        put.as_object().cloned().unwrap()
    }

    #[tokio::test(start_paused = true)]
    async fn a_breaching_alarm_invokes_its_scaling_policy_on_the_bus() {
        let clock = Clock::new(1.0);
        let hub = Hub::new(Arc::new(Store::new(clock.clone())), Bus::new());
        let mut sub = hub.bus.subscribe();
        let writer = AlarmWriter::new(hub.clone());
        let arn = writer.put_metric_alarm("1", "r", alarm("high")).unwrap();
        assert_eq!(arn, "arn:aws:cloudwatch:r:1:alarm:high");
        let end = (clock.now() as i64).div_euclid(60) * 60;
        Sink::new(hub.clone()).put(
            "1",
            "r",
            "AWS/ECS",
            "CPUUtilization",
            &[],
            (end - 30) as f64,
            95.0,
            "Percent",
        );
        hub.each(crate::cloudwatch::alarm::evaluate_region);
        let Some(Received::Fact(fact)) = sub.try_recv() else {
            panic!("no fact")
        };
        let Fact::AlarmAction(f) = fact.as_ref() else {
            panic!("{fact:?}")
        };
        assert_eq!((f.alarm_name.as_str(), f.state.as_str()), ("high", "ALARM"));
        assert_eq!(f.policy_arns, vec![POLICY.to_string()]);
        assert_eq!((f.threshold, f.value), (80.0, Some(95.0)));
        // Staying in ALARM: not again within the minute.
        hub.each(crate::cloudwatch::alarm::evaluate_region);
        assert!(sub.try_recv().is_none());
        // A minute later, still breaching: invoked again with the newest datapoint.
        tokio::time::advance(std::time::Duration::from_secs(60)).await;
        let end = (clock.now() as i64).div_euclid(60) * 60;
        Sink::new(hub.clone()).put(
            "1",
            "r",
            "AWS/ECS",
            "CPUUtilization",
            &[],
            (end - 30) as f64,
            97.0,
            "Percent",
        );
        hub.each(crate::cloudwatch::alarm::evaluate_region);
        let Some(Received::Fact(again)) = sub.try_recv() else {
            panic!("not invoked again")
        };
        let Fact::AlarmAction(again) = again.as_ref() else {
            panic!()
        };
        assert_eq!((again.state.as_str(), again.value), ("ALARM", Some(97.0)));
        let history = hub
            .store
            .with("1", "r", |st| st.history.last().map(|h| h.summary.clone()));
        assert_eq!(
            history,
            Some(format!("Successfully executed action {POLICY}"))
        );
    }

    #[test]
    fn the_writer_answers_put_metric_alarm_errors_and_ignores_unknown_deletes() {
        let hub = Hub::new(Arc::new(Store::new(Clock::new(1.0))), Bus::new());
        let writer = AlarmWriter::new(hub.clone());
        let mut bad = alarm("x");
        bad.remove("Period");
        assert_eq!(
            writer.put_metric_alarm("1", "r", bad),
            Err("The parameter Period is required.".into())
        );
        writer.put_metric_alarm("1", "r", alarm("a")).unwrap();
        writer.delete_alarms("1", "r", &["a".into(), "nope".into()]);
        assert!(hub.store.with("1", "r", |st| st.alarms.is_empty()));
    }
}
