//! Health checks: which targets are due a probe, and what a probe's outcome does to a target's
//! state. A target group in no load balancer's use, with checks disabled, or a draining target
//! is not probed. New targets turn healthy after one passing check (as ELBv2 does for a newly
//! registered target) and unhealthy after `UnhealthyThresholdCount` failures; afterwards the two
//! thresholds govern each change.

pub mod probe;

use super::plans::address;
use super::state::model::{HealthCheck, Target};
use super::state::RegionState;
use crate::core::balancing::{Reach, TargetHealth, TargetHealthFact, TargetKey, TargetState};
use probe::{HttpCheck, Outcome};
use std::net::SocketAddr;
use std::time::Duration;

/// A probe to run outside the lock.
#[derive(Debug, Clone)]
pub struct Job {
    pub target_group_arn: String,
    pub key: TargetKey,
    /// `None`: a simulated target, which passes without a probe.
    pub addr: Option<SocketAddr>,
    pub http: Option<HttpCheck>,
    /// Emulated seconds.
    pub timeout: u32,
}

/// Takes the probes due now and schedules each target's next one.
pub fn due(st: &mut RegionState) -> Vec<Job> {
    let now = st.now();
    let in_use: Vec<String> = st
        .target_groups
        .keys()
        .filter(|arn| !st.load_balancers_of(arn).is_empty())
        .cloned()
        .collect();
    let mut jobs = Vec::new();
    for arn in in_use {
        let Some(tg) = st.target_groups.get_mut(&arn) else {
            continue;
        };
        if !tg.health.enabled {
            continue;
        }
        let hc = tg.health.clone();
        let http = hc
            .path
            .clone()
            .filter(|_| hc.protocol.starts_with("HTTP"))
            .map(|path| HttpCheck {
                path,
                matcher: hc.matcher.clone().unwrap_or_else(|| "200".into()),
            });
        let override_port: Option<u16> = hc.port.parse().ok();
        let targets: Vec<(TargetKey, Reach)> = tg
            .targets
            .values()
            .filter(|t| t.state != TargetState::Draining && t.next_probe <= now)
            .map(|t| (t.key.clone(), t.reach))
            .collect();
        for (key, reach) in targets {
            let addr = address(tg, reach, &key.id, key.port)
                .map(|a| SocketAddr::new(a.ip(), override_port.unwrap_or(a.port())));
            let addr = if reach == Reach::Simulated {
                None
            } else {
                addr
            };
            if let Some(t) = tg.targets.get_mut(&key) {
                t.next_probe = now + f64::from(hc.interval);
                if t.state == TargetState::Initial && t.passes == 0 && t.failures == 0 {
                    t.reason = Some("Elb.InitialHealthChecking".into());
                    t.description = Some("Initial health checks in progress".into());
                }
            }
            jobs.push(Job {
                target_group_arn: arn.clone(),
                key,
                addr,
                http: http.clone(),
                timeout: hc.timeout,
            });
        }
    }
    jobs
}

/// Runs a job; a simulated target passes.
pub async fn run(job: &Job, real_timeout: Duration) -> Outcome {
    match job.addr {
        None => Outcome::Pass,
        Some(addr) => probe::probe(addr, job.http.as_ref(), real_timeout).await,
    }
}

/// Applies probe outcomes; the facts of the targets whose state changed.
pub fn apply(st: &mut RegionState, results: Vec<(Job, Outcome)>) -> Vec<TargetHealthFact> {
    let mut facts = Vec::new();
    for (job, outcome) in results {
        let Some(tg) = st.target_groups.get_mut(&job.target_group_arn) else {
            continue;
        };
        let hc = tg.health.clone();
        let Some(t) = tg.targets.get_mut(&job.key) else {
            continue;
        };
        if t.state == TargetState::Draining {
            continue;
        }
        if judge(t, outcome, &hc) {
            facts.push(TargetHealthFact {
                account: st.account.clone(),
                region: st.region.clone(),
                target_group_arn: job.target_group_arn.clone(),
                target: job.key.clone(),
                health: TargetHealth {
                    state: t.state,
                    reason: t.reason.clone(),
                    description: t.description.clone(),
                },
            });
        }
    }
    facts
}

fn failure(outcome: Outcome) -> (&'static str, String) {
    match outcome {
        Outcome::Code(code) => (
            "Target.ResponseCodeMismatch",
            format!("Health checks failed with these codes: [{code}]"),
        ),
        Outcome::Timeout => ("Target.Timeout", "Request timed out".into()),
        _ => ("Target.FailedHealthChecks", "Health checks failed".into()),
    }
}

/// One outcome's effect on a target; whether its state changed.
pub fn judge(t: &mut Target, outcome: Outcome, hc: &HealthCheck) -> bool {
    let before = t.state;
    if outcome == Outcome::Pass {
        t.passes += 1;
        t.failures = 0;
        let needed = if t.state == TargetState::Initial {
            1
        } else {
            hc.healthy_threshold
        };
        if t.state != TargetState::Healthy && t.passes >= needed {
            t.state = TargetState::Healthy;
            t.reason = None;
            t.description = None;
        }
    } else {
        t.failures += 1;
        t.passes = 0;
        if t.state == TargetState::Unhealthy || t.failures >= hc.unhealthy_threshold {
            let (reason, description) = failure(outcome);
            t.state = TargetState::Unhealthy;
            t.reason = Some(reason.into());
            t.description = Some(description);
        }
    }
    t.state != before
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target() -> Target {
        Target {
            key: TargetKey {
                id: "10.0.0.1".into(),
                port: 80,
            },
            availability_zone: None,
            reach: Reach::Resolve,
            state: TargetState::Initial,
            reason: None,
            description: None,
            passes: 0,
            failures: 0,
            next_probe: 0.0,
            drain_until: None,
        }
    }

    fn hc() -> HealthCheck {
        HealthCheck {
            enabled: true,
            protocol: "HTTP".into(),
            port: "traffic-port".into(),
            path: Some("/".into()),
            interval: 5,
            timeout: 2,
            healthy_threshold: 3,
            unhealthy_threshold: 2,
            matcher: Some("200".into()),
        }
    }

    #[test]
    fn thresholds_govern_changes() {
        let (mut t, hc) = (target(), hc());
        assert!(
            judge(&mut t, Outcome::Pass, &hc),
            "one pass makes a new target healthy"
        );
        assert_eq!(t.state, TargetState::Healthy);
        assert!(
            !judge(&mut t, Outcome::Code(500), &hc),
            "one failure is below the threshold"
        );
        assert!(judge(&mut t, Outcome::Code(500), &hc));
        assert_eq!(t.reason.as_deref(), Some("Target.ResponseCodeMismatch"));
        assert_eq!(
            t.description.as_deref(),
            Some("Health checks failed with these codes: [500]")
        );
        judge(&mut t, Outcome::Timeout, &hc);
        assert_eq!(
            t.reason.as_deref(),
            Some("Target.Timeout"),
            "the latest failure is the reason"
        );
        assert!(!judge(&mut t, Outcome::Pass, &hc) && !judge(&mut t, Outcome::Pass, &hc));
        assert!(
            judge(&mut t, Outcome::Pass, &hc),
            "healthy after three passes"
        );
        let mut fresh = target();
        judge(&mut fresh, Outcome::Failed, &hc);
        assert_eq!(fresh.state, TargetState::Initial);
        judge(&mut fresh, Outcome::Failed, &hc);
        assert_eq!(
            (fresh.state, fresh.reason.as_deref()),
            (TargetState::Unhealthy, Some("Target.FailedHealthChecks"))
        );
    }
}
