//! The ELBv2 controller: registers and deregisters ECS's targets (facts on the bus), runs each
//! due health check as its own task and applies its outcome, forgets targets whose draining is
//! over, publishes target health changes for ECS, and keeps the listeners' plans current. All
//! on the App's clock, so `--time-scale` speeds checks and draining alike.

use super::health::{self, probe::Outcome, Job};
use super::serving::Serving;
use super::state::targets::{deregister, expire_draining, not_registered, register};
use super::state::Store;
use crate::core::balancing::{TargetChange, TargetHealthFact, TargetsFact};
use crate::core::bus::{Bus, Fact, Received, Subscription};
use crate::core::clock::Clock;
use crate::core::shutdown::Loops;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

/// The controller's heartbeat (emulated): probes fall due and draining ends at this grain.
const TICK: Duration = Duration::from_secs(1);
/// Listeners are reconciled at least this often (a port that could not be bound is retried).
const RESYNC_TICKS: u32 = 5;

type Probed = (String, String, Job, Outcome);

#[derive(Clone)]
pub struct Controller {
    pub store: Arc<Store>,
    pub serving: Arc<Serving>,
    pub bus: Bus,
    pub clock: Clock,
}

impl Controller {
    /// ECS's registrations and deregistrations; whether the fact was one.
    fn react(&self, fact: &Fact) -> bool {
        let Fact::Targets(f) = fact else {
            return false;
        };
        self.apply_targets(f);
        true
    }

    fn apply_targets(&self, f: &TargetsFact) {
        self.store.with(&f.account, &f.region, |st| {
            let now = st.now();
            let in_use = !st.load_balancers_of(&f.target_group_arn).is_empty();
            let Some(tg) = st.target_groups.get_mut(&f.target_group_arn) else {
                tracing::warn!(target_group = %f.target_group_arn, "targets for an unknown target group ignored");
                return;
            };
            for spec in &f.targets {
                match f.change {
                    TargetChange::Register => register(tg, spec.clone(), now),
                    TargetChange::Deregister => {
                        deregister(tg, &spec.key, now, in_use);
                    }
                }
            }
        });
    }

    /// Ends draining that is over and starts the probes that are due; whether anything changed.
    fn tick(&self, results: &mpsc::UnboundedSender<Probed>) -> bool {
        let mut changed = false;
        for (account, region) in self.store.keys() {
            let (gone, jobs) = self
                .store
                .with_existing(&account, &region, |st| {
                    let now = st.now();
                    let mut gone = Vec::new();
                    for tg in st.target_groups.values_mut() {
                        for key in expire_draining(tg, now) {
                            gone.push((tg.arn.clone(), key));
                        }
                    }
                    (gone, health::due(st))
                })
                .unwrap_or_default();
            changed |= !gone.is_empty();
            for (arn, key) in gone {
                self.bus.publish(Fact::TargetHealth(TargetHealthFact {
                    account: account.clone(),
                    region: region.clone(),
                    target_group_arn: arn,
                    target: key,
                    health: not_registered(),
                }));
            }
            for job in jobs {
                self.spawn_probe(&account, &region, job, results.clone());
            }
        }
        changed
    }

    fn spawn_probe(
        &self,
        account: &str,
        region: &str,
        job: Job,
        results: mpsc::UnboundedSender<Probed>,
    ) {
        let timeout = self.clock.real(Duration::from_secs(u64::from(job.timeout)));
        let (account, region) = (account.to_string(), region.to_string());
        tokio::spawn(async move {
            let outcome = health::run(&job, timeout).await;
            let _ = results.send((account, region, job, outcome));
        });
    }

    /// Applies one probe's outcome; whether a target's state changed.
    fn probed(&self, (account, region, job, outcome): Probed) -> bool {
        let facts = self
            .store
            .with_existing(&account, &region, |st| {
                health::apply(st, vec![(job, outcome)])
            })
            .unwrap_or_default();
        let changed = !facts.is_empty();
        for f in facts {
            self.bus.publish(Fact::TargetHealth(f));
        }
        changed
    }
}

/// Spawns the controller's loop into `loops`.
pub fn spawn(controller: Controller, mut facts: Subscription, loops: &Loops) {
    let mut stopping = loops.stopping();
    loops.spawn(async move {
        let (tx, mut rx) = mpsc::unbounded_channel::<Probed>();
        let mut tick = controller.clock.interval(TICK);
        let mut ticks = 0u32;
        loop {
            let changed = tokio::select! {
                _ = stopping.wait() => return,
                _ = tick.tick() => {
                    ticks += 1;
                    controller.tick(&tx) || ticks % RESYNC_TICKS == 0
                }
                Some(result) = rx.recv() => controller.probed(result),
                received = facts.recv() => match received {
                    Some(Received::Fact(fact)) => controller.react(&fact),
                    Some(Received::Missed(_)) => true,
                    None => return,
                },
            };
            if changed {
                controller.serving.sync(&controller.store);
            }
        }
    });
}
