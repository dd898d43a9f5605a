//! Dynamic host ports for bridge-mode tasks on container instances: a port mapping without a
//! host port gets one from the agent's ephemeral range (`ECS_DYNAMIC_HOST_PORT_RANGE`'s
//! default, 49153–65535), as the ECS agent assigns them, and it shows in `networkBindings`.
//! <https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_PortMapping.html>
//!
//! Every emulated instance shares this machine's engine, so a port is chosen that no live task
//! of the region holds and that nothing on this machine is bound to; the choice starts at a
//! random point of the range so that two servers sharing an engine rarely pick the same one.

use crate::ecs::state::status::NetworkMode;
use crate::ecs::state::types::TaskDefinition;
use crate::ecs::state::RegionState;
use std::collections::HashSet;

/// The agent's default dynamic host port range on Linux.
pub const FIRST: u16 = 49153;
pub const LAST: u16 = 65535;

/// Gives every bridge port mapping without a host port one from the range, in `td` (the copy
/// the task runs); returns the ports taken.
pub fn assign(st: &RegionState, td: &mut TaskDefinition) -> Vec<String> {
    if td.network_mode.unwrap_or(NetworkMode::Bridge) != NetworkMode::Bridge {
        return Vec::new();
    }
    let needs_one = td.container_definitions.iter().any(|c| {
        c.port_mappings
            .iter()
            .flatten()
            .any(|pm| pm.host_port.is_none_or(|p| p == 0))
    });
    if !needs_one {
        return Vec::new();
    }
    let mut taken = held(st);
    let mut out = Vec::new();
    for c in &mut td.container_definitions {
        for pm in c.port_mappings.iter_mut().flatten() {
            let dynamic = pm.host_port.is_none_or(|p| p == 0);
            if !dynamic || pm.container_port.is_none() || pm.container_port_range.is_some() {
                continue;
            }
            let udp = pm.protocol.as_deref() == Some("udp");
            if let Some(port) = pick(&taken, udp) {
                pm.host_port = Some(port as i32);
                taken.insert(port);
                out.push(port.to_string());
            }
        }
    }
    out
}

/// Host ports the region's live tasks hold.
fn held(st: &RegionState) -> HashSet<u16> {
    st.tasks
        .values()
        .filter(|t| !t.is_stopped())
        .filter_map(|t| st.task_books.get(&t.task_arn))
        .flat_map(|b| b.ports.iter().filter_map(|p| p.parse().ok()))
        .collect()
}

fn pick(taken: &HashSet<u16>, udp: bool) -> Option<u16> {
    let span = (LAST - FIRST) as u32 + 1;
    let start = rand::random::<u32>() % span;
    (0..span)
        .map(|i| FIRST + ((start + i) % span) as u16)
        .find(|p| !taken.contains(p) && free_here(*p, udp))
}

/// Whether nothing on this machine holds the port (a bind probe, released at once).
fn free_here(port: u16, udp: bool) -> bool {
    if udp {
        std::net::UdpSocket::bind(("0.0.0.0", port)).is_ok()
    } else {
        std::net::TcpListener::bind(("0.0.0.0", port)).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_inside_the_range_and_skips_taken_ports() {
        let taken: HashSet<u16> = (FIRST..LAST).collect();
        assert_eq!(
            pick(&taken, false),
            Some(LAST).filter(|p| free_here(*p, false))
        );
        let none: HashSet<u16> = HashSet::new();
        let p = pick(&none, false).unwrap();
        assert!((FIRST..=LAST).contains(&p));
    }
}
