//! [`ContainerSpec`] → the body of
//! [`POST /containers/create`](https://docs.docker.com/engine/api/v1.41/#tag/Container/operation/ContainerCreate).
//!
//! Networking follows the engine's own rules: a container joining another's namespace
//! (`container:<id>`) may not set a hostname or expose/publish ports (the namespace owner does
//! that), and host networking publishes nothing, so those fields are left out there rather than
//! refused. Other conflicting fields (links, DNS, extra hosts with a joined namespace) are passed
//! through and the engine's refusal is reported.

use crate::runtime::{ContainerSpec, HealthSpec, MountSource, Network, PortSpec, RuntimeError};
use bollard::models::{
    ContainerCreateBody, HealthConfig, HostConfig, Mount, MountType, PortBinding, PortMap,
    ResourcesUlimits,
};
use std::collections::HashMap;

const MIB: i64 = 1024 * 1024;
const NANOS_PER_SECOND: i64 = 1_000_000_000;

/// What the engine would misread rather than refuse: a relative host path in `Binds` names a
/// volume instead.
pub(super) fn validate(spec: &ContainerSpec) -> Result<(), RuntimeError> {
    for m in &spec.mounts {
        if let MountSource::HostPath(path) = &m.source {
            if !path.starts_with('/') {
                return Err(RuntimeError::Rejected(format!(
                    "host path {path:?} of mount {} is not absolute",
                    m.target
                )));
            }
        }
    }
    Ok(())
}

/// The full create body for `spec`.
pub(super) fn create_body(spec: &ContainerSpec) -> ContainerCreateBody {
    let joined = matches!(spec.network, Network::Join(_) | Network::Host);
    ContainerCreateBody {
        image: Some(spec.image.clone()),
        // `Some(vec![])` is sent as `[]`, which the engine keeps as "explicitly empty" (no image
        // default), while `None` is omitted and the image's value applies.
        entrypoint: spec.entrypoint.clone(),
        cmd: spec.command.clone(),
        env: Some(spec.env.iter().map(|(k, v)| format!("{k}={v}")).collect()),
        working_dir: spec.working_dir.clone(),
        user: spec.user.clone(),
        hostname: if joined { None } else { spec.hostname.clone() },
        labels: Some(
            spec.labels
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        ),
        exposed_ports: exposed_ports(spec),
        healthcheck: spec.healthcheck.as_ref().map(healthcheck),
        stop_timeout: spec.stop_timeout_s.map(i64::from),
        tty: Some(spec.tty),
        open_stdin: Some(spec.interactive),
        host_config: Some(host_config(spec)),
        ..Default::default()
    }
}

fn host_config(spec: &ContainerSpec) -> HostConfig {
    let (binds, mounts) = mounts(spec);
    HostConfig {
        network_mode: Some(network_mode(&spec.network)),
        port_bindings: port_bindings(spec),
        cpu_shares: spec.cpu_shares.filter(|&s| s > 0),
        memory: spec.memory_mib.map(|m| m * MIB),
        memory_reservation: spec.memory_reservation_mib.map(|m| m * MIB),
        links: non_empty(
            spec.links
                .iter()
                .map(|(name, alias)| format!("{name}:{alias}")),
        ),
        extra_hosts: non_empty(
            spec.extra_hosts
                .iter()
                .map(|(host, ip)| format!("{host}:{ip}")),
        ),
        dns: non_empty(spec.dns_servers.iter().cloned()),
        dns_search: non_empty(spec.dns_search.iter().cloned()),
        ulimits: non_empty(spec.ulimits.iter().map(|u| ResourcesUlimits {
            name: Some(u.name.clone()),
            soft: Some(u.soft),
            hard: Some(u.hard),
        })),
        privileged: Some(spec.privileged),
        readonly_rootfs: Some(spec.readonly_rootfs),
        binds,
        mounts,
        volumes_from: non_empty(spec.volumes_from.iter().map(|(id, ro)| {
            if *ro {
                format!("{id}:ro")
            } else {
                id.clone()
            }
        })),
        ..Default::default()
    }
}

pub(super) fn network_mode(network: &Network) -> String {
    match network {
        Network::Bridge => "bridge".into(),
        Network::Host => "host".into(),
        Network::None => "none".into(),
        Network::Join(id) => format!("container:{id}"),
    }
}

fn port_key(p: &PortSpec) -> String {
    format!("{}/{}", p.container_port, p.protocol.as_str())
}

/// Every port is exposed on bridge and host networks; a joined namespace may expose nothing.
fn exposed_ports(spec: &ContainerSpec) -> Option<Vec<String>> {
    match spec.network {
        Network::Bridge | Network::Host => non_empty(spec.ports.iter().map(port_key)),
        Network::None | Network::Join(_) => None,
    }
}

/// Published ports, on the bridge only (host networking ignores bindings with a warning).
fn port_bindings(spec: &ContainerSpec) -> Option<PortMap> {
    if spec.network != Network::Bridge {
        return None;
    }
    let mut map: PortMap = HashMap::new();
    for p in spec.ports.iter().filter(|p| p.publish) {
        let binding = PortBinding {
            host_ip: None,
            // An empty host port lets the engine pick an ephemeral one.
            host_port: Some(if p.host_port == 0 {
                String::new()
            } else {
                p.host_port.to_string()
            }),
        };
        map.entry(port_key(p))
            .or_insert_with(|| Some(Vec::new()))
            .get_or_insert_with(Vec::new)
            .push(binding);
    }
    (!map.is_empty()).then_some(map)
}

/// Host paths go through `Binds`, which (like `docker run -v` and the ECS agent) creates a
/// missing host directory; the `Mounts` API would refuse it. Volumes go through `Mounts`.
fn mounts(spec: &ContainerSpec) -> (Option<Vec<String>>, Option<Vec<Mount>>) {
    let mut binds = Vec::new();
    let mut mounts = Vec::new();
    for m in &spec.mounts {
        match &m.source {
            MountSource::HostPath(path) => {
                let mode = if m.read_only { ":ro" } else { "" };
                binds.push(format!("{path}:{}{mode}", m.target));
            }
            MountSource::Volume(_) | MountSource::Anonymous => mounts.push(Mount {
                target: Some(m.target.clone()),
                source: match &m.source {
                    MountSource::Volume(name) => Some(name.clone()),
                    _ => None,
                },
                typ: Some(MountType::VOLUME),
                read_only: Some(m.read_only),
                ..Default::default()
            }),
        }
    }
    (non_empty(binds), non_empty(mounts))
}

/// Zero durations and retries are left out so the engine's defaults apply.
fn healthcheck(h: &HealthSpec) -> HealthConfig {
    let nanos = |s: u32| (s > 0).then(|| i64::from(s) * NANOS_PER_SECOND);
    HealthConfig {
        test: Some(h.test.clone()),
        interval: nanos(h.interval_s),
        timeout: nanos(h.timeout_s),
        retries: (h.retries > 0).then_some(i64::from(h.retries)),
        start_period: nanos(h.start_period_s),
        start_interval: None,
    }
}

fn non_empty<T>(items: impl IntoIterator<Item = T>) -> Option<Vec<T>> {
    let items: Vec<T> = items.into_iter().collect();
    (!items.is_empty()).then_some(items)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::{Mount as SpecMount, Protocol};

    fn spec() -> ContainerSpec {
        ContainerSpec {
            name: "n".into(),
            image: "img".into(),
            ports: vec![
                PortSpec {
                    container_port: 80,
                    host_port: 0,
                    protocol: Protocol::Tcp,
                    publish: true,
                },
                PortSpec {
                    container_port: 53,
                    host_port: 5353,
                    protocol: Protocol::Udp,
                    publish: true,
                },
                PortSpec {
                    container_port: 9000,
                    host_port: 0,
                    protocol: Protocol::Tcp,
                    publish: false,
                },
            ],
            memory_mib: Some(128),
            entrypoint: Some(vec![]),
            hostname: Some("h".into()),
            mounts: vec![
                SpecMount {
                    source: MountSource::HostPath("/tmp/x".into()),
                    target: "/x".into(),
                    read_only: true,
                },
                SpecMount {
                    source: MountSource::Anonymous,
                    target: "/a".into(),
                    read_only: false,
                },
            ],
            volumes_from: vec![("c1".into(), true), ("c2".into(), false)],
            ..Default::default()
        }
    }

    #[test]
    fn bridge_publishes_and_exposes() {
        let body = create_body(&spec());
        let json = serde_json::to_value(&body).unwrap();
        assert_eq!(json["Entrypoint"], serde_json::json!([]));
        assert!(json.get("Cmd").is_none());
        assert_eq!(json["Hostname"], "h");
        assert_eq!(json["ExposedPorts"].as_object().unwrap().len(), 3);
        let hc = &json["HostConfig"];
        assert_eq!(hc["NetworkMode"], "bridge");
        assert_eq!(hc["Memory"], 128 * MIB);
        assert_eq!(hc["PortBindings"]["80/tcp"][0]["HostPort"], "");
        assert_eq!(hc["PortBindings"]["53/udp"][0]["HostPort"], "5353");
        assert!(hc["PortBindings"].get("9000/tcp").is_none());
        assert_eq!(hc["Binds"], serde_json::json!(["/tmp/x:/x:ro"]));
        assert_eq!(hc["Mounts"][0]["Type"], "volume");
        assert!(hc["Mounts"][0].get("Source").is_none());
        assert_eq!(hc["VolumesFrom"], serde_json::json!(["c1:ro", "c2"]));
    }

    #[test]
    fn joined_namespace_drops_hostname_and_ports() {
        let mut s = spec();
        s.network = Network::Join("abc".into());
        let json = serde_json::to_value(create_body(&s)).unwrap();
        assert_eq!(json["HostConfig"]["NetworkMode"], "container:abc");
        assert!(json.get("Hostname").is_none());
        assert!(json.get("ExposedPorts").is_none());
        assert!(json["HostConfig"].get("PortBindings").is_none());
    }

    #[test]
    fn relative_host_paths_are_refused() {
        let mut s = spec();
        assert_eq!(validate(&s), Ok(()));
        s.mounts[0].source = MountSource::HostPath("data".into());
        assert!(matches!(validate(&s), Err(RuntimeError::Rejected(_))));
    }

    #[test]
    fn healthcheck_in_nanoseconds() {
        let h = HealthSpec {
            test: vec!["CMD-SHELL".into(), "exit 0".into()],
            interval_s: 2,
            timeout_s: 0,
            retries: 3,
            start_period_s: 0,
        };
        let hc = healthcheck(&h);
        assert_eq!(hc.interval, Some(2 * NANOS_PER_SECOND));
        assert_eq!(hc.timeout, None);
        assert_eq!(hc.retries, Some(3));
    }
}
