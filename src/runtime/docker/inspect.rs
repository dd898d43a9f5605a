//! The answer of
//! [`GET /containers/{id}/json`](https://docs.docker.com/engine/api/v1.41/#tag/Container/operation/ContainerInspect)
//! → [`ContainerInfo`], with a small RFC 3339 parser for the engine's timestamps.

use crate::core::clock::days_from_civil;
use crate::runtime::{Binding, ContainerInfo, Health, Protocol};
use bollard::models::{
    ContainerInspectResponse, ContainerState, ContainerStateStatusEnum, HealthStatusEnum, PortMap,
};

/// The container owning the network namespace this one joined (`container:<id>` mode).
pub(super) fn namespace_owner(resp: &ContainerInspectResponse) -> Option<&str> {
    resp.host_config
        .as_ref()?
        .network_mode
        .as_deref()?
        .strip_prefix("container:")
}

pub(super) fn container_info(resp: ContainerInspectResponse) -> ContainerInfo {
    let state = resp.state.unwrap_or_default();
    let network = resp.network_settings.unwrap_or_default();
    // The 1.53 models dropped the top-level `IPAddress` (deprecated); the default bridge
    // reports the same address under `Networks.bridge`.
    let ip_address = network.networks.as_ref().and_then(|nets| {
        let mut nets: Vec<_> = nets.iter().collect();
        nets.sort_by(|a, b| a.0.cmp(b.0));
        nets.into_iter()
            .filter(|(name, _)| name.as_str() != super::endpoints::NETWORK)
            .find_map(|(_, n)| n.ip_address.clone().filter(|ip| !ip.is_empty()))
    });
    let endpoints_ip = network
        .networks
        .as_ref()
        .and_then(|nets| nets.get(super::endpoints::NETWORK))
        .and_then(|n| n.ip_address.clone())
        .filter(|ip| !ip.is_empty());
    let labels = resp
        .config
        .and_then(|c| c.labels)
        .map(|l| l.into_iter().collect())
        .unwrap_or_default();
    ContainerInfo {
        id: resp.id.unwrap_or_default(),
        running: state.running.unwrap_or(false),
        exit_code: exit_code(&state),
        oom_killed: state.oom_killed.unwrap_or(false),
        error: state.error.clone().filter(|e| !e.is_empty()),
        health: state
            .health
            .as_ref()
            .and_then(|h| h.status)
            .and_then(health),
        ip_address,
        endpoints_ip,
        bindings: network.ports.as_ref().map(bindings).unwrap_or_default(),
        started_at: state.started_at.as_deref().and_then(parse_rfc3339),
        finished_at: state.finished_at.as_deref().and_then(parse_rfc3339),
        labels,
    }
}

/// The exit code only means something once the process ran and ended, or failed to start.
fn exit_code(state: &ContainerState) -> Option<i64> {
    if state.running.unwrap_or(false) {
        return None;
    }
    let ended = matches!(
        state.status,
        Some(ContainerStateStatusEnum::EXITED | ContainerStateStatusEnum::DEAD)
    ) || state
        .finished_at
        .as_deref()
        .and_then(parse_rfc3339)
        .is_some()
        || state.error.as_deref().is_some_and(|e| !e.is_empty());
    if ended {
        state.exit_code
    } else {
        None
    }
}

pub(super) fn health(status: HealthStatusEnum) -> Option<Health> {
    match status {
        HealthStatusEnum::STARTING => Some(Health::Starting),
        HealthStatusEnum::HEALTHY => Some(Health::Healthy),
        HealthStatusEnum::UNHEALTHY => Some(Health::Unhealthy),
        HealthStatusEnum::NONE | HealthStatusEnum::EMPTY => None,
    }
}

/// `{"8080/tcp": [{"HostIp": "0.0.0.0", "HostPort": "49153"}], "9000/tcp": null}` → bindings.
fn bindings(ports: &PortMap) -> Vec<Binding> {
    let mut out = Vec::new();
    for (key, bound) in ports {
        let (port, proto) = key.split_once('/').unwrap_or((key.as_str(), "tcp"));
        let (Ok(container_port), Some(protocol)) = (port.parse::<u16>(), protocol(proto)) else {
            continue;
        };
        for b in bound.iter().flatten() {
            let Some(host_port) = b.host_port.as_deref().and_then(|p| p.parse::<u16>().ok()) else {
                continue;
            };
            let host_ip = b.host_ip.clone().unwrap_or_default();
            out.push(Binding {
                container_port,
                host_port,
                protocol,
                host_ip,
            });
        }
    }
    out.sort_by(|a, b| {
        (a.container_port, a.protocol, &a.host_ip).cmp(&(b.container_port, b.protocol, &b.host_ip))
    });
    out
}

fn protocol(name: &str) -> Option<Protocol> {
    match name {
        "tcp" => Some(Protocol::Tcp),
        "udp" => Some(Protocol::Udp),
        _ => None,
    }
}

/// `2024-05-01T12:34:56.123456789Z` (or with a `+hh:mm` offset) → epoch seconds. The engine's
/// "never" (`0001-01-01T00:00:00Z`) and anything before 1970 or unparsable → `None`.
pub(super) fn parse_rfc3339(text: &str) -> Option<f64> {
    let (date, time) = text.split_once(['T', 't', ' '])?;
    let mut ymd = date.splitn(3, '-').map(|p| p.parse::<i64>().ok());
    let (year, month, day) = (ymd.next()??, ymd.next()??, ymd.next()??);
    let zone_at = time.find(['Z', 'z', '+', '-'])?;
    let (clock, zone) = time.split_at(zone_at);
    let mut hms = clock.splitn(3, ':');
    let hour: i64 = hms.next()?.parse().ok()?;
    let minute: i64 = hms.next()?.parse().ok()?;
    let seconds: f64 = hms.next()?.parse().ok()?;
    let offset = zone_offset_seconds(zone)?;
    let days = days_from_civil(year, month, day);
    let epoch = (days * 86_400 + hour * 3_600 + minute * 60 - offset) as f64 + seconds;
    (year >= 1970 && epoch > 0.0).then_some(epoch)
}

fn zone_offset_seconds(zone: &str) -> Option<i64> {
    if zone.eq_ignore_ascii_case("z") {
        return Some(0);
    }
    let sign = if zone.starts_with('-') { -1 } else { 1 };
    let (h, m) = zone.get(1..)?.split_once(':')?;
    Some(sign * (h.parse::<i64>().ok()? * 3_600 + m.parse::<i64>().ok()? * 60))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_engine_timestamps() {
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), None);
        assert_eq!(parse_rfc3339("0001-01-01T00:00:00Z"), None);
        assert_eq!(parse_rfc3339("2024-03-01T00:00:00Z"), Some(1_709_251_200.0));
        let t = parse_rfc3339("2024-03-01T01:02:03.5+01:00").unwrap();
        assert!((t - (1_709_251_200.0 + 123.5)).abs() < 1e-6);
        let nanos = parse_rfc3339("2021-06-15T08:09:10.123456789Z").unwrap();
        assert!((nanos - 1_623_744_550.123_457).abs() < 1e-5);
        assert_eq!(parse_rfc3339("garbage"), None);
    }

    #[test]
    fn exit_code_only_once_ended() {
        let created = ContainerState {
            status: Some(ContainerStateStatusEnum::CREATED),
            exit_code: Some(0),
            finished_at: Some("0001-01-01T00:00:00Z".into()),
            ..Default::default()
        };
        assert_eq!(exit_code(&created), None);
        let exited = ContainerState {
            status: Some(ContainerStateStatusEnum::EXITED),
            exit_code: Some(3),
            ..Default::default()
        };
        assert_eq!(exit_code(&exited), Some(3));
    }
}
