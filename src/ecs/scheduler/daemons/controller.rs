//! The daemon controller: runs the daemon scheduler ([`super::reconcile`]) for a daemon when a
//! handler changed it or its cluster's container instances (the dispatcher hands those over),
//! when one of its tasks changes (a task fact on the bus; another task stopping on a DRAINING
//! instance wakes the cluster's daemons, whose task there goes last), when an EC2 instance
//! changes (an instance fact: every daemon of that account and region), and on a tick of the
//! App's clock: every second for daemons that are not steady (rollouts, bake time), every 30 s
//! for all. It runs in the service scheduler's loops, so it stops with them, before the task
//! controller.

use crate::core::bus::{Fact, Received, Subscription};
use crate::core::shutdown::{Loops, Stopping};
use crate::ecs::state::refs::TaskRef;
use crate::ecs::state::status::ContainerInstanceStatus;
use crate::ecs::state::{RegionState, Store};
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

const FULL_SWEEP_EVERY: u32 = 30;

/// Names one daemon across all regions.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DaemonRef {
    pub account: String,
    pub region: String,
    pub daemon_arn: String,
}

/// Where the controller's work comes from.
pub struct Inputs {
    /// Daemons a handler changed, or whose cluster's instances changed.
    pub wakes: mpsc::UnboundedReceiver<DaemonRef>,
    /// Facts from the bus (task and instance changes).
    pub facts: Subscription,
    /// Where tasks the scheduler created or stopped are handed to the task controller.
    pub tasks: mpsc::UnboundedSender<TaskRef>,
}

/// Spawns the controller into `loops`.
pub fn spawn(store: Arc<Store>, inputs: Inputs, loops: &Loops) {
    loops.spawn(run(store, inputs, loops.stopping()));
}

async fn run(store: Arc<Store>, mut inputs: Inputs, mut stopping: Stopping) {
    let mut tick = store.clock().interval(Duration::from_secs(1));
    let mut ticks = 0u32;
    let mut unsteady: BTreeSet<DaemonRef> = BTreeSet::new();
    loop {
        let mut due: BTreeSet<DaemonRef> = BTreeSet::new();
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
                        Received::Fact(fact) => due.extend(daemons_of(&store, &fact)),
                        Received::Missed(_) => due.extend(all_daemons(&store)),
                    }
                }
            }
            _ = tick.tick() => {
                ticks = ticks.wrapping_add(1);
                due.extend(unsteady.iter().cloned());
                if ticks % FULL_SWEEP_EVERY == 0 {
                    due.extend(all_daemons(&store));
                }
            }
            _ = stopping.wait() => return,
        }
        for r in due {
            let (steady, queued) = store.with(&r.account, &r.region, |st| {
                let steady = super::reconcile(st, &r.daemon_arn, st.now());
                (steady, std::mem::take(&mut st.outbox))
            });
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

/// The daemons a fact concerns: the daemon of a task, every daemon of an instance's region.
fn daemons_of(store: &Store, fact: &Fact) -> Vec<DaemonRef> {
    let (account, region, task) = match fact {
        Fact::Task(t) => (&t.account, &t.region, Some(&t.task_arn)),
        Fact::Instance(i) => (&i.account, &i.region, None),
        _ => return Vec::new(),
    };
    let arns: Vec<String> = store.with(account, region, |st| match task {
        Some(task) => match st.daemons.tasks.get(task) {
            Some(link) => vec![link.daemon_arn.clone()],
            None => waiting_on_drain(st, task),
        },
        None => st.daemons.daemons.keys().cloned().collect(),
    });
    refs(account, region, arns)
}

/// The daemons of a cluster where another task stopped on a DRAINING instance: their task
/// there may be the last one left (daemons drain last).
fn waiting_on_drain(st: &RegionState, task: &str) -> Vec<String> {
    let Some(t) = st.tasks.get(task).filter(|t| t.is_stopped()) else {
        return Vec::new();
    };
    let draining = t
        .container_instance_arn
        .as_ref()
        .and_then(|i| st.container_instances.get(i))
        .is_some_and(|ci| ci.status == ContainerInstanceStatus::Draining);
    if !draining {
        return Vec::new();
    }
    st.daemons
        .daemons
        .values()
        .filter(|d| d.cluster_arn == t.cluster_arn)
        .map(|d| d.daemon_arn.clone())
        .collect()
}

fn all_daemons(store: &Store) -> Vec<DaemonRef> {
    let mut out = Vec::new();
    for (account, region) in store.keys() {
        let arns: Vec<String> = store.with(&account, &region, |st| {
            st.daemons.daemons.keys().cloned().collect()
        });
        out.extend(refs(&account, &region, arns));
    }
    out
}

fn refs(account: &str, region: &str, arns: Vec<String>) -> Vec<DaemonRef> {
    arns.into_iter()
        .map(|daemon_arn| DaemonRef {
            account: account.to_string(),
            region: region.to_string(),
            daemon_arn,
        })
        .collect()
}
