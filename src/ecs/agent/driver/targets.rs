//! The driver's part in load balancing: where the task's targets answer from this machine (set
//! as it reaches RUNNING), and deregistration before its containers stop — ECS deregisters a
//! task's targets and waits out the target group's deregistration delay (the targets draining)
//! before it stops the task, so no request is cut off.

use super::Driver;
use crate::core::balancing::{TargetChange, TargetState};
use crate::ecs::scheduler::targets::targets_fact;
use crate::ecs::state::service::add_event;
use crate::ecs::state::task::RegisteredTarget;
use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::atomic::Ordering;
use std::time::Duration;

/// How often a stopping task looks whether its targets finished draining (emulated time).
const DRAIN_POLL: Duration = Duration::from_secs(1);
/// Beyond the longest deregistration delay, in case ELBv2 never reports the end.
const DRAIN_SLACK: f64 = 10.0;

impl Driver {
    /// The host the task's targets answer on: its sandbox's IP (awsvpc), else its engine's
    /// host; `None` on the simulated runtime, where nothing listens.
    pub(super) async fn reach_host(&self, awsvpc_ip: Option<&str>) -> Option<IpAddr> {
        if self.rt.kind() == "simulated" {
            return None;
        }
        if let Some(ip) = awsvpc_ip {
            return ip.parse().ok();
        }
        let host = self.read(|_, b| b.docker_host.clone()).flatten();
        match host.as_deref().and_then(engine_host) {
            Some(name) => resolve(name).await,
            None => Some(IpAddr::V4(Ipv4Addr::LOCALHOST)),
        }
    }

    /// Deregisters the task's targets (with the service event ECS writes per target group) and
    /// waits until they are drained, unless local-ecs itself is shutting down.
    pub(super) async fn deregister_targets(&self) {
        let Some(targets) = self.take_targets() else {
            return;
        };
        if self.cx.closing.load(Ordering::SeqCst) {
            return;
        }
        let deadline = self.now() + self.longest_delay(&targets) + DRAIN_SLACK;
        let clock = self.cx.store.clock().clone();
        while self.now() < deadline && !self.drained(&targets) {
            clock.sleep(DRAIN_POLL).await;
        }
    }

    /// Clears the task's targets and publishes their deregistration; `None` if it had none.
    fn take_targets(&self) -> Option<Vec<RegisteredTarget>> {
        let (account, region) = (&self.task.account, &self.task.region);
        let arn = &self.task.task_arn;
        let (targets, facts) = self.cx.store.with(account, region, |st| {
            let now = st.now();
            let task = st.tasks.get_mut(arn)?;
            let targets = std::mem::take(&mut task.targets);
            let service = task.service_arn.clone();
            let mut groups: BTreeMap<String, Vec<RegisteredTarget>> = BTreeMap::new();
            for t in &targets {
                groups
                    .entry(t.target_group_arn.clone())
                    .or_default()
                    .push(t.clone());
            }
            let mut facts = Vec::new();
            for (group, members) in groups {
                if let Some(s) = service.as_ref().and_then(|a| st.services.get_mut(a)) {
                    let message = format!(
                        "(service {}) deregistered {} targets in (target-group {group})",
                        s.service_name,
                        members.len()
                    );
                    add_event(s, message, now);
                }
                facts.push(targets_fact(st, group, TargetChange::Deregister, members));
            }
            Some((targets, facts))
        })?;
        if targets.is_empty() {
            return None;
        }
        for fact in facts {
            self.cx.bus.publish(fact);
        }
        Some(targets)
    }

    /// The longest deregistration delay among the targets' groups, in seconds.
    fn longest_delay(&self, targets: &[RegisteredTarget]) -> f64 {
        self.cx
            .store
            .with(&self.task.account, &self.task.region, |st| {
                let Some(groups) = st.fleet.target_groups.get() else {
                    return 0.0;
                };
                targets
                    .iter()
                    .filter_map(|t| {
                        groups.target_group(&st.account, &st.region, &t.target_group_arn)
                    })
                    .map(|g| f64::from(g.deregistration_delay_seconds))
                    .fold(0.0, f64::max)
            })
    }

    /// Whether no target is registered or draining any more.
    fn drained(&self, targets: &[RegisteredTarget]) -> bool {
        self.cx
            .store
            .with(&self.task.account, &self.task.region, |st| {
                let Some(groups) = st.fleet.target_groups.get() else {
                    return true;
                };
                targets.iter().all(|t| {
                    let health = groups.target_health(
                        &st.account,
                        &st.region,
                        &t.target_group_arn,
                        &t.spec.key,
                    );
                    health.is_none_or(|h| h.state == TargetState::Unused)
                })
            })
    }
}

/// The host part of a `tcp://host:port` or `http(s)://host:port` engine address.
fn engine_host(address: &str) -> Option<&str> {
    let rest = address.split_once("://").map_or(address, |(_, r)| r);
    if address.starts_with("unix://") || address.starts_with('/') {
        return None;
    }
    let host = rest.rsplit_once(':').map_or(rest, |(h, _)| h);
    Some(host.trim_start_matches('[').trim_end_matches(']'))
}

async fn resolve(host: &str) -> Option<IpAddr> {
    if let Ok(ip) = host.parse() {
        return Some(ip);
    }
    let mut addrs = tokio::net::lookup_host((host, 0)).await.ok()?;
    addrs.next().map(|a| a.ip())
}
