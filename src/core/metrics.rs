//! What other services may do with CloudWatch metrics: publish datapoints (ECS publishes the
//! AWS/ECS metrics from its containers' real stats). Implemented by CloudWatch and handed out as
//! `CloudWatch::sink()`; the `AWS/` namespace rule of PutMetricData does not apply here.

/// A place to write metric datapoints, per account and region.
pub trait MetricSink: Send + Sync {
    #[allow(clippy::too_many_arguments)]
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
    );
}
