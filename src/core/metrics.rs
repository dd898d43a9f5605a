//! What other services may do with CloudWatch metrics (ECS publishes the `AWS/ECS` metrics from
//! its containers' real stats): put one value of a metric. Implemented by the CloudWatch service and
//! handed out as `CloudWatch::sink()`, so no service imports CloudWatch's state.

/// A place to publish metric values, per account and region. Unlike PutMetricData it accepts the
/// reserved `AWS/` namespaces: only AWS's own services may publish there.
pub trait MetricSink: Send + Sync {
    /// Stores `value` at `timestamp` (epoch seconds of emulated time) at 1-minute resolution.
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

    /// Stores many values of one metric at once, each `(value, count)` pair counting as `count`
    /// samples of `value` (PutMetricData's Values and Counts), so a statistic over a minute of
    /// per-request values (Average, percentiles) is right without a call per request.
    ///
    /// The default repeats [`MetricSink::put`]; CloudWatch's sink stores the set as one point.
    #[allow(clippy::too_many_arguments)]
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
        for &(value, count) in values {
            for _ in 0..count.max(0.0) as u64 {
                self.put(
                    account, region, namespace, name, dimensions, timestamp, value, unit,
                );
            }
        }
    }
}
