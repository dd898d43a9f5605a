//! ECS's reactions to other services' facts: EC2 instances register, disconnect and retire as
//! container instances ([`instances`]); Auto Scaling group capacity providers are scaled and
//! protected ([`capacity`]). One controller loop consumes the bus and ticks on the App's clock;
//! it changes only ECS's own state and publishes its wishes for Auto Scaling as facts.

pub mod capacity;
pub mod ecs_config;
pub mod instances;

use crate::core::bus::{Bus, Fact, Received, Subscription};
use crate::core::fleet::InstanceFact;
use crate::core::shutdown::{Loops, Stopping};
use crate::ecs::state::refs::{ServiceRef, TaskRef};
use crate::ecs::state::status::ServiceStatus;
use crate::ecs::state::{RegionState, Store};
use instances::Outcome;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

/// How often (on the App's clock) registrations are retried and capacity is evaluated.
const TICK: Duration = Duration::from_secs(5);

/// What the reactions loop needs.
pub struct Inputs {
    pub facts: Subscription,
    pub bus: Bus,
    pub tasks: mpsc::UnboundedSender<TaskRef>,
    pub services: mpsc::UnboundedSender<ServiceRef>,
}

pub fn spawn(store: Arc<Store>, inputs: Inputs, loops: &Loops) {
    loops.spawn(run(store, inputs, loops.stopping()));
}

struct Loop {
    store: Arc<Store>,
    inputs: Inputs,
    /// The last fact of each instance waiting for its cluster, as received: a retry uses EC2's
    /// view of the instance when EC2 has one, else this.
    waiting: BTreeMap<String, InstanceFact>,
    lowering: capacity::Lowering,
}

async fn run(store: Arc<Store>, inputs: Inputs, mut stopping: Stopping) {
    let mut tick = store.clock().interval(TICK);
    let mut me = Loop {
        store,
        inputs,
        waiting: BTreeMap::new(),
        lowering: capacity::Lowering::new(),
    };
    loop {
        tokio::select! {
            fact = me.inputs.facts.recv() => match fact {
                Some(Received::Fact(fact)) => {
                    if let Fact::Instance(i) = fact.as_ref() {
                        me.on_instance(i);
                    }
                }
                Some(Received::Missed(n)) => tracing::warn!("ECS reactions missed {n} facts"),
                None => return,
            },
            _ = tick.tick() => me.on_tick(),
            _ = stopping.wait() => return,
        }
    }
}

impl Loop {
    fn on_instance(&mut self, fact: &InstanceFact) {
        let (outcome, queued, services) = self.store.with(&fact.account, &fact.region, |st| {
            let outcome = instances::on_instance(st, fact);
            let id = &fact.instance_id;
            if outcome == Outcome::NoCluster {
                if !st.awaiting_cluster.contains_key(id) {
                    let now = st.clock.now();
                    st.awaiting_cluster.insert(id.clone(), now);
                }
            } else if st.awaiting_cluster.contains_key(id) {
                st.awaiting_cluster.remove(id);
            }
            let services = match &outcome {
                Outcome::Joined(c) | Outcome::Left(c) => services_of(st, c),
                _ => Vec::new(),
            };
            (outcome, std::mem::take(&mut st.outbox), services)
        });
        if outcome == Outcome::NoCluster {
            self.waiting.insert(fact.instance_id.clone(), fact.clone());
        } else {
            self.waiting.remove(&fact.instance_id);
        }
        self.wake(&fact.account, &fact.region, queued, services);
    }

    /// Instances whose agent waits for its cluster try again, as they are now in EC2 (the
    /// stored list outlives a restart; the fact received is the fallback), or stop waiting when
    /// neither knows them.
    fn retry_waiting(&mut self, account: &str, region: &str) {
        let (waiting, instances) = self.store.with(account, region, |st| {
            let ids: Vec<String> = st.awaiting_cluster.keys().cloned().collect();
            (ids, st.fleet.instances.clone())
        });
        for id in waiting {
            let now = instances
                .get()
                .and_then(|i| i.instance(account, region, &id));
            match now.or_else(|| self.waiting.get(&id).cloned()) {
                Some(fact) => self.on_instance(&fact),
                None => self.store.with(account, region, |st| {
                    st.awaiting_cluster.remove(&id);
                }),
            }
        }
    }

    fn on_tick(&mut self) {
        for (account, region) in self.store.keys() {
            self.retry_waiting(&account, &region);
        }
        for (account, region) in self.store.keys() {
            let facts = self.store.with(&account, &region, |st| {
                capacity::plan(st, &mut self.lowering)
            });
            for fact in facts {
                self.inputs.bus.publish(fact);
            }
        }
    }

    fn wake(&self, account: &str, region: &str, tasks: Vec<String>, services: Vec<String>) {
        for task_arn in tasks {
            let _ = self.inputs.tasks.send(TaskRef {
                account: account.into(),
                region: region.into(),
                task_arn,
            });
        }
        for service_arn in services {
            let _ = self.inputs.services.send(ServiceRef {
                account: account.into(),
                region: region.into(),
                service_arn,
            });
        }
    }
}

/// The cluster's live services: they may now place, or must replace, tasks.
fn services_of(st: &RegionState, cluster_arn: &str) -> Vec<String> {
    st.services
        .values()
        .filter(|s| s.cluster_arn == cluster_arn && s.status == ServiceStatus::Active)
        .map(|s| s.service_arn.clone())
        .collect()
}
