//! What one engine stats document says a container used: CPU over the engine's own interval
//! between two readings, memory without the page cache, and the cumulative network and block
//! I/O counters (Docker's `networks` and `blkio_stats`; a container that joined another's network
//! namespace has no `networks`, so its traffic counts as zero).

use serde_json::Value;

/// One container's reading.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Usage {
    /// Cores in use (1.0 = one core = 1024 CPU units).
    pub cores: f64,
    pub memory_mib: f64,
    /// Cumulative network counters over all interfaces.
    pub net: Net,
    /// Cumulative bytes read from and written to block devices.
    pub read_bytes: f64,
    pub write_bytes: f64,
}

/// Cumulative network counters, as the performance log events name them.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Net {
    pub rx_bytes: f64,
    pub rx_packets: f64,
    pub rx_dropped: f64,
    pub rx_errors: f64,
    pub tx_bytes: f64,
    pub tx_packets: f64,
    pub tx_dropped: f64,
    pub tx_errors: f64,
}

impl Usage {
    /// CPU units in use, as ECS counts them.
    pub fn cpu_units(&self) -> f64 {
        self.cores * 1024.0
    }

    /// The sum of several containers' readings (a task's).
    pub fn sum<'a>(all: impl IntoIterator<Item = &'a Usage>) -> Usage {
        all.into_iter().fold(Usage::default(), |a, u| Usage {
            cores: a.cores + u.cores,
            memory_mib: a.memory_mib + u.memory_mib,
            net: a.net.plus(&u.net),
            read_bytes: a.read_bytes + u.read_bytes,
            write_bytes: a.write_bytes + u.write_bytes,
        })
    }
}

impl Net {
    fn plus(&self, o: &Net) -> Net {
        Net {
            rx_bytes: self.rx_bytes + o.rx_bytes,
            rx_packets: self.rx_packets + o.rx_packets,
            rx_dropped: self.rx_dropped + o.rx_dropped,
            rx_errors: self.rx_errors + o.rx_errors,
            tx_bytes: self.tx_bytes + o.tx_bytes,
            tx_packets: self.tx_packets + o.tx_packets,
            tx_dropped: self.tx_dropped + o.tx_dropped,
            tx_errors: self.tx_errors + o.tx_errors,
        }
    }
}

fn num(v: &Value, path: &[&str]) -> Option<f64> {
    path.iter()
        .try_fold(v, |v, k| v.get(k))
        .and_then(Value::as_f64)
}

/// Reads one engine stats document; `None` when it has no CPU figures (not a stats document).
pub fn usage(stats: &Value) -> Option<Usage> {
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
    let (read_bytes, write_bytes) = blkio(stats);
    Some(Usage {
        cores,
        memory_mib: memory.max(0.0) / (1024.0 * 1024.0),
        net: net(stats),
        read_bytes,
        write_bytes,
    })
}

fn net(stats: &Value) -> Net {
    let Some(nets) = stats.get("networks").and_then(Value::as_object) else {
        return Net::default();
    };
    nets.values().fold(Net::default(), |a, n| {
        let f = |k: &str| num(n, &[k]).unwrap_or(0.0);
        a.plus(&Net {
            rx_bytes: f("rx_bytes"),
            rx_packets: f("rx_packets"),
            rx_dropped: f("rx_dropped"),
            rx_errors: f("rx_errors"),
            tx_bytes: f("tx_bytes"),
            tx_packets: f("tx_packets"),
            tx_dropped: f("tx_dropped"),
            tx_errors: f("tx_errors"),
        })
    })
}

/// Bytes read and written: cgroup v1 says `Read`/`Write`, cgroup v2 `read`/`write`.
fn blkio(stats: &Value) -> (f64, f64) {
    let entries = stats
        .get("blkio_stats")
        .and_then(|b| b.get("io_service_bytes_recursive"))
        .and_then(Value::as_array);
    let mut out = (0.0, 0.0);
    for e in entries.into_iter().flatten() {
        let value = num(e, &["value"]).unwrap_or(0.0);
        match e.get("op").and_then(Value::as_str) {
            Some(op) if op.eq_ignore_ascii_case("read") => out.0 += value,
            Some(op) if op.eq_ignore_ascii_case("write") => out.1 += value,
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_cpu_memory_network_and_blkio() {
        let stats = json!({
            "cpu_stats": {"cpu_usage": {"total_usage": 3_000_000_000u64}, "system_cpu_usage": 10_000_000_000u64, "online_cpus": 2},
            "precpu_stats": {"cpu_usage": {"total_usage": 2_000_000_000u64}, "system_cpu_usage": 8_000_000_000u64},
            "memory_stats": {"usage": 3_145_728, "stats": {"inactive_file": 1_048_576}},
            "networks": {"eth0": {"rx_bytes": 100, "tx_bytes": 40, "rx_packets": 3},
                         "eth1": {"rx_bytes": 20, "tx_bytes": 2, "tx_errors": 1}},
            "blkio_stats": {"io_service_bytes_recursive": [
                {"major": 8, "minor": 0, "op": "read", "value": 4096},
                {"major": 8, "minor": 0, "op": "Write", "value": 512},
                {"major": 8, "minor": 16, "op": "read", "value": 4096}]},
        });
        let u = usage(&stats).unwrap();
        assert!((u.cores - 1.0).abs() < 1e-9, "{}", u.cores);
        assert!((u.cpu_units() - 1024.0).abs() < 1e-6);
        assert!((u.memory_mib - 2.0).abs() < 1e-9, "{}", u.memory_mib);
        assert_eq!((u.net.rx_bytes, u.net.tx_bytes), (120.0, 42.0));
        assert_eq!((u.net.rx_packets, u.net.tx_errors), (3.0, 1.0));
        assert_eq!((u.read_bytes, u.write_bytes), (8192.0, 512.0));
        let both = Usage::sum([&u, &u]);
        assert_eq!(both.net.rx_bytes, 240.0);
        assert_eq!(both.write_bytes, 1024.0);
    }

    #[test]
    fn missing_sections_read_as_zero() {
        assert_eq!(usage(&Value::Null), None);
        let bare = json!({"cpu_stats": {"cpu_usage": {"total_usage": 5}, "system_cpu_usage": 0}});
        let u = usage(&bare).unwrap();
        assert_eq!(u.cores, 0.0);
        assert_eq!(u.net, Net::default());
        assert_eq!((u.read_bytes, u.write_bytes), (0.0, 0.0));
    }
}
