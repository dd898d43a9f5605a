//! The service controller: runs the service scheduler (`crate::ecs::scheduler::reconcile`) for a
//! service whenever its desired state changes (a handler queued it), whenever one of its tasks
//! changes (a task fact on the bus), and on a tick of the App's clock: every second for services
//! that are not steady (rollouts, grace periods), every 30 s for all. A steady service costs
//! nothing between sweeps. A missed fact (the bus outran it) is answered with a full sweep.

use crate::core::bus::{Bus, Fact, Received, Subscription};
use crate::core::shutdown::{Loops, Stopping};
use crate::ecs::state::refs::{ServiceRef, TaskRef};
use crate::ecs::state::status::ServiceStatus;
use crate::ecs::state::Store;
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

const FULL_SWEEP_EVERY: u32 = 30;

/// Where the controller's work comes from.
pub struct Inputs {
    /// Services a handler changed.
    pub wakes: mpsc::UnboundedReceiver<ServiceRef>,
    /// Facts from the bus (task changes).
    pub facts: Subscription,
    /// Where tasks the scheduler created or stopped are handed to the task controller.
    pub tasks: mpsc::UnboundedSender<TaskRef>,
    /// Where the facts a pass produced for other services go (targets to register).
    pub bus: Bus,
}

/// Spawns the controller into `loops`.
pub fn spawn(store: Arc<Store>, inputs: Inputs, loops: &Loops) {
    loops.spawn(run(store, inputs, loops.stopping()));
}

async fn run(store: Arc<Store>, mut inputs: Inputs, mut stopping: Stopping) {
    let mut tick = store.clock().interval(Duration::from_secs(1));
    let mut ticks = 0u32;
    let mut unsteady: BTreeSet<ServiceRef> = BTreeSet::new();
    loop {
        let mut due: BTreeSet<ServiceRef> = BTreeSet::new();
        tokio::select! {
            woke = inputs.wakes.recv() => match woke {
                Some(r) => {
                    due.insert(r);
                    while let Ok(r) = inputs.wakes.try_recv() {
                        due.insert(r);
                    }
                }
                None => return,
            },
            fact = inputs.facts.recv() => {
                let Some(first) = fact else { return };
                let mut received = vec![first];
                while let Some(more) = inputs.facts.try_recv() {
                    received.push(more);
                }
                for r in received {
                    match r {
                        Received::Fact(fact) => due.extend(services_of(&store, &fact)),
                        Received::Missed(_) => due.extend(all_services(&store)),
                    }
                }
            }
            _ = tick.tick() => {
                ticks = ticks.wrapping_add(1);
                due.extend(unsteady.iter().cloned());
                if ticks % FULL_SWEEP_EVERY == 0 {
                    due.extend(all_services(&store));
                }
            }
            _ = stopping.wait() => return,
        }
        for r in due {
            let (steady, queued, facts) = store.with(&r.account, &r.region, |st| {
                let steady = crate::ecs::scheduler::reconcile(st, &r.service_arn, st.now());
                (
                    steady,
                    std::mem::take(&mut st.outbox),
                    std::mem::take(&mut st.facts),
                )
            });
            for fact in facts {
                inputs.bus.publish(fact);
            }
            for task_arn in queued {
                let _ = inputs.tasks.send(TaskRef {
                    account: r.account.clone(),
                    region: r.region.clone(),
                    task_arn,
                });
            }
            if steady {
                unsteady.remove(&r);
            } else {
                unsteady.insert(r);
            }
        }
    }
}

/// The services a fact concerns: a task's, or those whose load balancers use a target group
/// whose target changed health.
fn services_of(store: &Store, fact: &Fact) -> Vec<ServiceRef> {
    let service = |account: &str, region: &str, arn: &str| ServiceRef {
        account: account.to_string(),
        region: region.to_string(),
        service_arn: arn.to_string(),
    };
    match fact {
        Fact::Task(t) => t
            .service_arn
            .iter()
            .map(|arn| service(&t.account, &t.region, arn))
            .collect(),
        Fact::TargetHealth(h) => {
            let arns: Vec<String> = store.with(&h.account, &h.region, |st| {
                st.services
                    .values()
                    .filter(|s| s.status != ServiceStatus::Inactive)
                    .filter(|s| uses_group(&s.load_balancers, &h.target_group_arn))
                    .map(|s| s.service_arn.clone())
                    .collect()
            });
            arns.iter()
                .map(|arn| service(&h.account, &h.region, arn))
                .collect()
        }
        _ => Vec::new(),
    }
}

fn uses_group(load_balancers: &[serde_json::Value], group: &str) -> bool {
    load_balancers
        .iter()
        .any(|lb| lb.get("targetGroupArn").and_then(|v| v.as_str()) == Some(group))
}

fn all_services(store: &Store) -> Vec<ServiceRef> {
    let mut out = Vec::new();
    for (account, region) in store.keys() {
        let arns: Vec<String> = store.with(&account, &region, |st| {
            st.services
                .values()
                .filter(|s| s.status != ServiceStatus::Inactive)
                .map(|s| s.service_arn.clone())
                .collect()
        });
        out.extend(arns.into_iter().map(|service_arn| ServiceRef {
            account: account.clone(),
            region: region.clone(),
            service_arn,
        }));
    }
    out
}
