//! ECS's side of Application Auto Scaling: the [`Services`] facade (a service's counts, by
//! cluster and service name) and the loop that applies [`ScaleServiceFact`]s — the desired
//! count set as UpdateService sets it (the PRIMARY deployment follows), after which the service
//! scheduler starts or stops tasks.

use crate::core::bus::{Fact, Received, Subscription};
use crate::core::scaling::{ScaleServiceFact, ServiceCounts, Services};
use crate::core::shutdown::{Loops, Stopping};
use crate::ecs::state::refs::ServiceRef;
use crate::ecs::state::service::Service;
use crate::ecs::state::status::{DeploymentStatus, SchedulingStrategy, ServiceStatus};
use crate::ecs::state::{RegionState, Store};
use std::sync::Arc;
use tokio::sync::mpsc;

/// ECS's services as Application Auto Scaling reads them.
pub struct EcsServices {
    store: Arc<Store>,
}

impl EcsServices {
    pub fn new(store: Arc<Store>) -> Self {
        EcsServices { store }
    }
}

impl Services for EcsServices {
    fn counts(
        &self,
        account: &str,
        region: &str,
        cluster: &str,
        service: &str,
    ) -> Option<ServiceCounts> {
        self.store.with(account, region, |st| {
            find(st, cluster, service).map(|s| ServiceCounts {
                desired: s.desired_count.max(0) as u32,
                running: s.running_count.max(0) as u32,
                pending: s.pending_count.max(0) as u32,
            })
        })
    }
}

/// The ACTIVE replica service `service` of cluster `cluster` (names).
fn find<'s>(st: &'s RegionState, cluster: &str, service: &str) -> Option<&'s Service> {
    let cluster_arn = st.arn(&format!("cluster/{cluster}"));
    st.services.values().find(|s| {
        s.cluster_arn == cluster_arn
            && s.service_name == service
            && s.status == ServiceStatus::Active
            && s.scheduling_strategy != SchedulingStrategy::Daemon
    })
}

/// Sets the desired count; the service's ARN when it changed (the scheduler must look again).
pub fn apply(st: &mut RegionState, fact: &ScaleServiceFact) -> Option<String> {
    let arn = find(st, &fact.cluster, &fact.service)?.service_arn.clone();
    let now = st.now();
    let s = st.services.get_mut(&arn)?;
    let desired = i32::try_from(fact.desired_count).unwrap_or(i32::MAX);
    if s.desired_count == desired {
        return None;
    }
    s.desired_count = desired;
    if let Some(primary) = s
        .deployments
        .iter_mut()
        .find(|d| d.status == DeploymentStatus::Primary)
    {
        primary.desired_count = desired;
        primary.updated_at = now;
    }
    Some(arn)
}

/// Applies scale facts from the bus and wakes the service scheduler.
pub fn spawn(
    store: Arc<Store>,
    facts: Subscription,
    wakes: mpsc::UnboundedSender<ServiceRef>,
    loops: &Loops,
) {
    loops.spawn(run(store, facts, wakes, loops.stopping()));
}

async fn run(
    store: Arc<Store>,
    mut facts: Subscription,
    wakes: mpsc::UnboundedSender<ServiceRef>,
    mut stopping: Stopping,
) {
    loop {
        tokio::select! {
            fact = facts.recv() => match fact {
                Some(Received::Fact(fact)) => {
                    if let Fact::ScaleService(f) = fact.as_ref() {
                        if let Some(service_arn) = store.with(&f.account, &f.region, |st| apply(st, f)) {
                            let _ = wakes.send(ServiceRef {
                                account: f.account.clone(),
                                region: f.region.clone(),
                                service_arn,
                            });
                        }
                    }
                }
                Some(Received::Missed(n)) => tracing::warn!("ECS scaling missed {n} facts"),
                None => return,
            },
            _ = stopping.wait() => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ecs::state::service::Deployment;

    fn region_with_service() -> RegionState {
        let mut st = RegionState::new("1", "r");
        let arn = st.arn("service/c/s");
        let service = Service {
            service_arn: arn.clone(),
            service_name: "s".into(),
            cluster_arn: st.arn("cluster/c"),
            desired_count: 1,
            deployments: vec![Deployment {
                desired_count: 1,
                ..Default::default()
            }],
            ..Default::default()
        };
        st.services.insert(arn, service);
        st
    }

    fn scale(cluster: &str, desired_count: u32) -> ScaleServiceFact {
        ScaleServiceFact {
            account: "1".into(),
            region: "r".into(),
            cluster: cluster.into(),
            service: "s".into(),
            desired_count,
        }
    }

    #[test]
    fn a_scale_fact_sets_the_desired_count_as_update_service_does() {
        let mut st = region_with_service();
        assert!(apply(&mut st, &scale("c", 3)).is_some());
        let s = st.services.values().next().unwrap();
        assert_eq!((s.desired_count, s.deployments[0].desired_count), (3, 3));
        assert!(
            apply(&mut st, &scale("c", 3)).is_none(),
            "no change, no wake"
        );
        assert!(
            apply(&mut st, &scale("other", 5)).is_none(),
            "another cluster"
        );
        assert!(find(&st, "c", "s").is_some() && find(&st, "c", "x").is_none());
    }
}
