//! The AWS/ECS service metrics from the engine's real stats: every emulated minute, each running
//! task of a service is sampled (CPU over the engine's own interval between two readings, memory
//! in use without the page cache) and published as `CPUUtilization` and `MemoryUtilization` with
//! the dimensions `ClusterName` and `ServiceName`, each a percentage of what the task reserves
//! (task-level `cpu`/`memory`, else the sum of its containers'). One datapoint per task per
//! minute: CloudWatch's Average, Minimum and Maximum are then across the service's tasks, as
//! AWS defines them. Tasks without a reservation, and the simulated runtime (no stats), publish
//! nothing.

use crate::core::metrics::MetricSink;
use crate::core::shutdown::Loops;
use crate::ecs::state::status::TaskStatus;
use crate::ecs::state::Store;
use crate::runtime::SharedRuntime;
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;

/// How often datapoints are published (emulated).
const PERIOD: Duration = Duration::from_secs(60);

/// One running task to sample.
struct Sample {
    account: String,
    region: String,
    cluster: String,
    service: String,
    /// CPU units and MiB the task reserves.
    cpu_units: f64,
    memory_mib: f64,
    containers: Vec<String>,
}

/// Spawns the collector into `loops`.
pub fn spawn(store: Arc<Store>, runtime: SharedRuntime, loops: &Loops) {
    let mut stopping = loops.stopping();
    loops.spawn(async move {
        let mut tick = store.clock().interval(PERIOD);
        loop {
            tokio::select! {
                _ = stopping.wait() => return,
                _ = tick.tick() => {}
            }
            let Some(sink) = sink_of(&store) else {
                continue;
            };
            collect(&store, &runtime, sink).await;
        }
    });
}

fn sink_of(store: &Store) -> Option<&dyn MetricSink> {
    store.fleet().metrics.get()
}

fn reserved(task_value: Option<&str>, containers: impl Iterator<Item = Option<i32>>) -> f64 {
    task_value
        .and_then(|v| v.parse::<f64>().ok())
        .unwrap_or_else(|| containers.flatten().map(f64::from).sum())
}

fn samples(store: &Store) -> Vec<Sample> {
    let mut out = Vec::new();
    for (account, region) in store.keys() {
        store.with(&account, &region, |st| {
            for t in st.tasks.values() {
                let Some(service) = t.service_arn.as_ref().and_then(|s| st.services.get(s)) else {
                    continue;
                };
                if t.last_status != TaskStatus::Running {
                    continue;
                }
                let Some(book) = st.task_books.get(&t.task_arn) else {
                    continue;
                };
                let defs = &book.definition.container_definitions;
                out.push(Sample {
                    account: account.clone(),
                    region: region.clone(),
                    cluster: t
                        .cluster_arn
                        .rsplit('/')
                        .next()
                        .unwrap_or_default()
                        .to_string(),
                    service: service.service_name.clone(),
                    cpu_units: reserved(t.cpu.as_deref(), defs.iter().map(|d| d.cpu)),
                    memory_mib: reserved(
                        t.memory.as_deref(),
                        defs.iter().map(|d| d.memory.or(d.memory_reservation)),
                    ),
                    containers: t
                        .containers
                        .iter()
                        .filter_map(|c| c.runtime_id.clone())
                        .collect(),
                });
            }
        });
    }
    out
}

/// Cores in use and MiB in use, from one engine stats document.
pub fn usage(stats: &Value) -> Option<(f64, f64)> {
    let num = |v: &Value, path: &[&str]| {
        path.iter()
            .try_fold(v, |v, k| v.get(k))
            .and_then(Value::as_f64)
    };
    let cpu = num(stats, &["cpu_stats", "cpu_usage", "total_usage"])?
        - num(stats, &["precpu_stats", "cpu_usage", "total_usage"]).unwrap_or(0.0);
    let system = num(stats, &["cpu_stats", "system_cpu_usage"])?
        - num(stats, &["precpu_stats", "system_cpu_usage"]).unwrap_or(0.0);
    let online = num(stats, &["cpu_stats", "online_cpus"]).unwrap_or(1.0);
    let cores = if system > 0.0 {
        (cpu / system * online).max(0.0)
    } else {
        0.0
    };
    let memory = num(stats, &["memory_stats", "usage"]).unwrap_or(0.0)
        - num(stats, &["memory_stats", "stats", "inactive_file"]).unwrap_or(0.0);
    Some((cores, memory.max(0.0) / (1024.0 * 1024.0)))
}

/// Samples every task at once (each engine stats read spans the engine's own interval, about a
/// second), then publishes.
async fn collect(store: &Store, runtime: &SharedRuntime, sink: &dyn MetricSink) {
    let now = store.clock().now();
    let all = samples(store);
    let reads = all
        .iter()
        .map(|s| futures_util::future::join_all(s.containers.iter().map(|id| runtime.stats(id))));
    let stats = futures_util::future::join_all(reads).await;
    for (s, stats) in all.iter().zip(stats) {
        let used: Vec<(f64, f64)> = stats.iter().flatten().filter_map(usage).collect();
        if used.is_empty() {
            continue;
        }
        let cores: f64 = used.iter().map(|u| u.0).sum();
        let mib: f64 = used.iter().map(|u| u.1).sum();
        let dims = [
            ("ClusterName".to_string(), s.cluster.clone()),
            ("ServiceName".to_string(), s.service.clone()),
        ];
        if s.cpu_units > 0.0 {
            let pct = cores * 1024.0 / s.cpu_units * 100.0;
            sink.put(
                &s.account,
                &s.region,
                "AWS/ECS",
                "CPUUtilization",
                &dims,
                now,
                pct,
                "Percent",
            );
        }
        if s.memory_mib > 0.0 {
            let pct = mib / s.memory_mib * 100.0;
            sink.put(
                &s.account,
                &s.region,
                "AWS/ECS",
                "MemoryUtilization",
                &dims,
                now,
                pct,
                "Percent",
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn usage_from_engine_stats() {
        let stats = json!({
            "cpu_stats": {"cpu_usage": {"total_usage": 3_000_000_000u64}, "system_cpu_usage": 10_000_000_000u64, "online_cpus": 2},
            "precpu_stats": {"cpu_usage": {"total_usage": 2_000_000_000u64}, "system_cpu_usage": 8_000_000_000u64},
            "memory_stats": {"usage": 3_145_728, "stats": {"inactive_file": 1_048_576}},
        });
        let (cores, mib) = usage(&stats).unwrap();
        assert!((cores - 1.0).abs() < 1e-9, "{cores}");
        assert!((mib - 2.0).abs() < 1e-9, "{mib}");
        assert_eq!(usage(&Value::Null), None);
        assert_eq!(reserved(Some("256"), [Some(1)].into_iter()), 256.0);
        assert_eq!(
            reserved(None, [Some(128), None, Some(64)].into_iter()),
            192.0
        );
    }
}
