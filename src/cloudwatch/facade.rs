//! [`MetricSink`] for other services: the same store as PutMetricData, without the wire and
//! without the `AWS/` namespace check (AWS's own services publish there).

use super::state::{MetricKey, Point, Store};
use crate::core::metrics::MetricSink;
use std::sync::Arc;

pub struct Sink {
    store: Arc<Store>,
}

impl Sink {
    pub fn new(store: Arc<Store>) -> Self {
        Sink { store }
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
        let key = MetricKey::new(namespace, name, dimensions.to_vec());
        let point = Point {
            timestamp,
            unit: unit.to_string(),
            resolution: 60,
            values: vec![(value, 1.0)],
            stats: None,
        };
        self.store.with(account, region, |st| st.put(key, &point));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::clock::Clock;

    #[test]
    fn the_sink_publishes_in_aws_namespaces() {
        let store = Arc::new(Store::new(Clock::new(1.0)));
        let sink = Sink::new(store.clone());
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
}
