//! The service controller: runs the service scheduler (`crate::ecs::scheduler::reconcile`) for a
//! service whenever its desired state or one of its tasks changes, and on a tick: every second
//! for services that are not steady (rollouts, grace periods), every 30 s for all. A steady
//! service costs nothing between sweeps.

use crate::ecs::state::refs::{ServiceRef, TaskRef};
use crate::ecs::state::types::now_epoch;
use crate::ecs::state::Store;
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

const FULL_SWEEP_EVERY: u32 = 30;

pub fn spawn(
    store: Arc<Store>,
    mut wakes: mpsc::UnboundedReceiver<ServiceRef>,
    tasks: mpsc::UnboundedSender<TaskRef>,
) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut ticks = 0u32;
        let mut unsteady: BTreeSet<ServiceRef> = BTreeSet::new();
        loop {
            let mut due: BTreeSet<ServiceRef> = BTreeSet::new();
            tokio::select! {
                woke = wakes.recv() => match woke {
                    Some(r) => {
                        due.insert(r);
                        while let Ok(r) = wakes.try_recv() {
                            due.insert(r);
                        }
                    }
                    None => return,
                },
                _ = tick.tick() => {
                    ticks = ticks.wrapping_add(1);
                    due.extend(unsteady.iter().cloned());
                    if ticks % FULL_SWEEP_EVERY == 0 {
                        due.extend(all_services(&store));
                    }
                }
            }
            for r in due {
                let (steady, queued) = store.with(&r.account, &r.region, |st| {
                    let steady = crate::ecs::scheduler::reconcile(st, &r.service_arn, now_epoch());
                    (steady, std::mem::take(&mut st.outbox))
                });
                for task_arn in queued {
                    let _ = tasks.send(TaskRef {
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
    });
}

fn all_services(store: &Store) -> Vec<ServiceRef> {
    let mut out = Vec::new();
    for (account, region) in store.keys() {
        let arns: Vec<String> = store.with(&account, &region, |st| {
            st.services
                .values()
                .filter(|s| s.status != "INACTIVE")
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
