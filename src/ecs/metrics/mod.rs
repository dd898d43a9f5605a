//! ECS's CloudWatch metrics and Container Insights, from the engine's real stats. Every emulated
//! minute one pass copies what it needs out of the state ([`snapshot`]), reads each running
//! container's stats once (all reads at once: each spans the engine's own ~1 s interval), and
//! publishes through the fleet's `MetricSink` and `LogSink`:
//! - [`aws_ecs`]: `AWS/ECS` `CPUUtilization`/`MemoryUtilization` per service, and per cluster
//!   with EC2 container instances also `CPUReservation`/`MemoryReservation`;
//! - [`insights`]: for clusters with `containerInsights` `enabled`/`enhanced`, the performance log
//!   events in `/aws/ecs/containerinsights/<cluster>/performance` and the `ECS/ContainerInsights`
//!   metrics they declare.
//!
//! The simulated runtime has no stats: its tasks publish no usage metrics (reservations and
//! Container Insights counts still are). Not emulated: `GPUReservation`, Container Insights'
//! per-instance metrics (`instance_*`), the enhanced-only per-task and per-container metrics,
//! and the log group's one-day retention. `LOCAL_ECS_METRICS=off` turns the collector off (the
//! benchmark's idle baseline).

mod aws_ecs;
mod insights;
mod snapshot;
mod usage;

use usage::{usage, Usage};

use crate::core::shutdown::Loops;
use crate::ecs::state::Store;
use crate::runtime::SharedRuntime;
use insights::Measured;
use snapshot::{ClusterView, Insights, TaskView};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;

/// How often datapoints are published (emulated).
const PERIOD: Duration = Duration::from_secs(60);

/// One metric value to publish.
#[derive(Debug, Clone, PartialEq)]
pub struct Datum {
    pub namespace: String,
    pub name: String,
    pub dims: Vec<(String, String)>,
    pub value: f64,
    pub unit: String,
}

impl Datum {
    pub fn new(ns: &str, name: &str, dims: &[(String, String)], value: f64, unit: &str) -> Self {
        Datum {
            namespace: ns.into(),
            name: name.into(),
            dims: dims.to_vec(),
            value,
            unit: unit.into(),
        }
    }
}

/// Spawns the collector into `loops` (unless `LOCAL_ECS_METRICS=off`).
pub fn spawn(store: Arc<Store>, runtime: SharedRuntime, loops: &Loops) {
    if std::env::var("LOCAL_ECS_METRICS").is_ok_and(|v| v == "off") {
        tracing::info!("ECS metrics collector off (LOCAL_ECS_METRICS=off)");
        return;
    }
    let mut stopping = loops.stopping();
    loops.spawn(async move {
        let mut tick = store.clock().interval(PERIOD);
        let mut rates = Rates::default();
        loop {
            tokio::select! {
                _ = stopping.wait() => return,
                _ = tick.tick() => {}
            }
            collect(&store, &runtime, &mut rates).await;
        }
    });
}

/// Each task's cumulative network counters at the previous pass, for Bytes/Second.
#[derive(Default)]
struct Rates(HashMap<String, (f64, f64, f64)>);

impl Rates {
    /// Bytes per second received and sent since the previous pass (the first time: since the
    /// task started).
    fn rate(&mut self, arn: &str, now: f64, started: Option<f64>, rx: f64, tx: f64) -> (f64, f64) {
        let (t0, rx0, tx0) = self.0.insert(arn.to_string(), (now, rx, tx)).unwrap_or((
            started.unwrap_or(now),
            0.0,
            0.0,
        ));
        per_second(now - t0, rx - rx0, tx - tx0)
    }
}

fn per_second(elapsed: f64, rx: f64, tx: f64) -> (f64, f64) {
    if elapsed <= 0.0 {
        return (0.0, 0.0);
    }
    ((rx / elapsed).max(0.0), (tx / elapsed).max(0.0))
}

/// Whether anything published needs this running task's stats.
fn needs_stats(c: &ClusterView, t: &TaskView) -> bool {
    t.service.is_some() || t.instance.is_some() || c.insights != Insights::Off
}

async fn collect(store: &Store, runtime: &SharedRuntime, rates: &mut Rates) {
    let now = store.clock().now();
    let clusters = snapshot::take(store);
    let measured = measure(&clusters, runtime, rates, now).await;
    let fleet = store.fleet();
    if let Some(sink) = fleet.metrics.get() {
        for c in &clusters {
            let datums = aws_ecs::datums(c, |t| measured.get(&t.arn).map(|m| &m.task));
            put_all(sink, c, &datums, now);
        }
    }
    for c in clusters.iter().filter(|c| c.insights != Insights::Off) {
        let events = insights::events(c, (now * 1000.0) as i64, |t| measured.get(&t.arn));
        if let Some(sink) = fleet.metrics.get() {
            for (_, e) in &events {
                put_all(sink, c, &insights::extract(e), now);
            }
        }
        if let Some(logs) = fleet.logs.get() {
            write_events(logs, c, events, now);
        }
    }
}

/// Reads every container of the tasks that need it once, concurrently.
async fn measure(
    clusters: &[ClusterView],
    runtime: &SharedRuntime,
    rates: &mut Rates,
    now: f64,
) -> HashMap<String, Measured> {
    let wanted: Vec<&TaskView> = clusters
        .iter()
        .flat_map(|c| c.tasks.iter().filter(move |t| needs_stats(c, t)))
        .collect();
    let reads = wanted.iter().map(|t| {
        futures_util::future::join_all(t.containers.iter().map(|c| async move {
            let stats = runtime.stats(c.runtime_id.as_deref()?).await.ok()?;
            usage(&stats)
        }))
    });
    let read = futures_util::future::join_all(reads).await;
    let mut out = HashMap::with_capacity(wanted.len());
    for (t, containers) in wanted.into_iter().zip(read) {
        if containers.iter().all(Option::is_none) {
            continue;
        }
        let task = Usage::sum(containers.iter().flatten());
        let (rx, tx) = rates.rate(
            &t.arn,
            now,
            t.started_at,
            task.net.rx_bytes,
            task.net.tx_bytes,
        );
        let m = Measured {
            task,
            rx_per_s: rx,
            tx_per_s: tx,
            containers,
        };
        out.insert(t.arn.clone(), m);
    }
    rates.0.retain(|arn, _| out.contains_key(arn));
    out
}

fn put_all(sink: &dyn crate::core::metrics::MetricSink, c: &ClusterView, d: &[Datum], now: f64) {
    for d in d {
        sink.put(
            &c.account,
            &c.region,
            &d.namespace,
            &d.name,
            &d.dims,
            now,
            d.value,
            &d.unit,
        );
    }
}

/// Appends the events to the cluster's performance log group, creating it and its streams as
/// Container Insights does.
fn write_events(
    logs: &dyn crate::core::logs::LogSink,
    c: &ClusterView,
    events: Vec<(String, serde_json::Value)>,
    now: f64,
) {
    let group = insights::group(&c.name);
    let (account, region) = (c.account.as_str(), c.region.as_str());
    if let Err(e) = logs.create_group(account, region, &group) {
        tracing::warn!(%group, error = %e, "performance log group not created");
        return;
    }
    let mut by_stream: BTreeMap<String, Vec<(i64, String)>> = BTreeMap::new();
    for (stream, e) in events {
        by_stream
            .entry(stream)
            .or_default()
            .push(((now * 1000.0) as i64, e.to_string()));
    }
    for (stream, batch) in by_stream {
        let put = logs
            .create_stream(account, region, &group, &stream)
            .and_then(|()| logs.put(account, region, &group, &stream, batch));
        if let Err(e) = put {
            tracing::warn!(%group, %stream, error = %e, "performance log events not delivered");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn network_rates_are_per_second_since_the_previous_pass() {
        let mut r = Rates::default();
        assert_eq!(r.rate("t", 100.0, Some(90.0), 1000.0, 500.0), (100.0, 50.0));
        assert_eq!(r.rate("t", 160.0, Some(90.0), 7000.0, 500.0), (100.0, 0.0));
        assert_eq!(
            r.rate("u", 100.0, None, 1000.0, 0.0),
            (0.0, 0.0),
            "no elapsed time"
        );
        assert_eq!(
            per_second(10.0, -5.0, 20.0),
            (0.0, 2.0),
            "a reset counter is not negative"
        );
    }
}
