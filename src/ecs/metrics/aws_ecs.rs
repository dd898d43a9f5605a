//! The `AWS/ECS` metrics, as the developer guide's "Amazon ECS CloudWatch metrics" defines them:
//! - per `ClusterName`+`ServiceName`: `CPUUtilization` and `MemoryUtilization`, one datapoint per
//!   running task (its use over what it reserves), so Average/Minimum/Maximum are across tasks;
//! - per `ClusterName`, for clusters with registered EC2 capacity (ACTIVE or DRAINING container
//!   instances): `CPUReservation`/`MemoryReservation` (what placed tasks reserve over what the
//!   instances registered), sent while instances are registered, and `CPUUtilization`/
//!   `MemoryUtilization` (what the tasks on those instances use over the same total), sent while
//!   such tasks run.

use super::snapshot::{ClusterView, TaskView};
use super::usage::Usage;
use super::Datum;

const NS: &str = "AWS/ECS";

/// Every `AWS/ECS` datapoint for one cluster; `used` finds a running task's reading.
pub fn datums<'a>(c: &ClusterView, used: impl Fn(&TaskView) -> Option<&'a Usage>) -> Vec<Datum> {
    let mut out = Vec::new();
    let cluster = [("ClusterName".to_string(), c.name.clone())];
    let mut on_instances = Usage::default();
    let mut any_on_instances = false;
    for t in &c.tasks {
        let Some(u) = used(t) else { continue };
        if let Some(service) = &t.service {
            let dims = vec![cluster[0].clone(), ("ServiceName".into(), service.clone())];
            push_pct(
                &mut out,
                "CPUUtilization",
                &dims,
                u.cpu_units(),
                t.cpu_units,
            );
            push_pct(
                &mut out,
                "MemoryUtilization",
                &dims,
                u.memory_mib,
                t.memory_mib,
            );
        }
        if t.instance.is_some() {
            on_instances = Usage::sum([&on_instances, u]);
            any_on_instances = true;
        }
    }
    let cap = &c.capacity;
    if cap.instances == 0 {
        return out;
    }
    if any_on_instances {
        push_pct(
            &mut out,
            "CPUUtilization",
            &cluster,
            on_instances.cpu_units(),
            cap.cpu_units,
        );
        push_pct(
            &mut out,
            "MemoryUtilization",
            &cluster,
            on_instances.memory_mib,
            cap.memory_mib,
        );
    }
    let reserved_cpu = percent(cap.reserved_cpu, cap.cpu_units).unwrap_or(0.0);
    let reserved_memory = percent(cap.reserved_memory, cap.memory_mib).unwrap_or(0.0);
    out.push(Datum::new(
        NS,
        "CPUReservation",
        &cluster,
        reserved_cpu,
        "Percent",
    ));
    out.push(Datum::new(
        NS,
        "MemoryReservation",
        &cluster,
        reserved_memory,
        "Percent",
    ));
    out
}

/// `part` over `whole` in percent; nothing when there is no whole to divide by.
pub fn percent(part: f64, whole: f64) -> Option<f64> {
    (whole > 0.0).then(|| part / whole * 100.0)
}

fn push_pct(
    out: &mut Vec<Datum>,
    name: &'static str,
    dims: &[(String, String)],
    part: f64,
    whole: f64,
) {
    if let Some(pct) = percent(part, whole) {
        out.push(Datum::new(NS, name, dims, pct, "Percent"));
    }
}

#[cfg(test)]
mod tests {
    use super::super::snapshot::Capacity;
    use super::*;

    fn task(service: Option<&str>, on_instance: bool, cpu: f64, mem: f64) -> TaskView {
        TaskView {
            service: service.map(String::from),
            instance: on_instance.then(|| ("ci".to_string(), Some("i-1".to_string()))),
            cpu_units: cpu,
            memory_mib: mem,
            ..Default::default()
        }
    }

    fn find<'a>(d: &'a [Datum], name: &str, dims: usize) -> Vec<&'a Datum> {
        d.iter()
            .filter(|x| x.name == name && x.dims.len() == dims)
            .collect()
    }

    #[test]
    fn service_metrics_are_per_task_over_its_reservation() {
        let c = ClusterView {
            name: "c".into(),
            tasks: vec![
                task(Some("web"), false, 512.0, 1024.0),
                task(None, false, 256.0, 512.0),
            ],
            ..Default::default()
        };
        let half_core = Usage {
            cores: 0.25,
            memory_mib: 256.0,
            ..Default::default()
        };
        let d = datums(&c, |_| Some(&half_core));
        let cpu = find(&d, "CPUUtilization", 2);
        assert_eq!(cpu.len(), 1, "only the service's task: {d:?}");
        assert!((cpu[0].value - 50.0).abs() < 1e-9);
        assert_eq!(cpu[0].dims[1], ("ServiceName".into(), "web".into()));
        assert!((find(&d, "MemoryUtilization", 2)[0].value - 25.0).abs() < 1e-9);
        assert!(
            find(&d, "CPUReservation", 1).is_empty(),
            "no EC2 capacity, no cluster metrics"
        );
    }

    #[test]
    fn cluster_metrics_are_over_registered_capacity() {
        let c = ClusterView {
            name: "c".into(),
            tasks: vec![
                task(None, true, 512.0, 512.0),
                task(None, true, 512.0, 512.0),
            ],
            capacity: Capacity {
                instances: 2,
                cpu_units: 4096.0,
                memory_mib: 8192.0,
                reserved_cpu: 1024.0,
                reserved_memory: 2048.0,
            },
            ..Default::default()
        };
        let u = Usage {
            cores: 1.0,
            memory_mib: 1024.0,
            ..Default::default()
        };
        let d = datums(&c, |_| Some(&u));
        let one = |n: &str| find(&d, n, 1)[0].value;
        assert!((one("CPUUtilization") - 50.0).abs() < 1e-9, "2 cores of 4");
        assert!((one("MemoryUtilization") - 25.0).abs() < 1e-9);
        assert!((one("CPUReservation") - 25.0).abs() < 1e-9);
        assert!((one("MemoryReservation") - 25.0).abs() < 1e-9);
    }

    #[test]
    fn idle_instances_still_report_reservation_but_not_utilization() {
        let c = ClusterView {
            capacity: Capacity {
                instances: 1,
                cpu_units: 2048.0,
                memory_mib: 4096.0,
                ..Default::default()
            },
            ..Default::default()
        };
        let d = datums(&c, |_| None);
        assert_eq!(find(&d, "CPUReservation", 1)[0].value, 0.0);
        assert_eq!(find(&d, "MemoryReservation", 1)[0].value, 0.0);
        assert!(find(&d, "CPUUtilization", 1).is_empty());
        assert_eq!(percent(1.0, 0.0), None);
    }
}
