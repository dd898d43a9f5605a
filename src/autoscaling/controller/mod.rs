//! The group controller: a level-triggered reconcile of every group, on the App's clock.
//! A pass runs when a request changed something, when a fact arrives on the bus (an instance
//! changed phase, ECS managed scaling or termination protection wants something), and every
//! few seconds regardless (launch retries after a backoff, facts missed). Each group's pass
//! observes its members through EC2's [`Instances`] facade, plans ([`plan::plan`], pure),
//! records the plan's intent in state, then launches and terminates outside the lock.

mod apply;
mod observe;
pub mod plan;
mod reactions;

#[cfg(test)]
mod tests;

use super::state::Store;
use crate::core::bus::{Received, Subscription};
use crate::core::clock::Clock;
use crate::core::fleet::{Instances, View};
use crate::core::shutdown::Loops;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;

/// How often a pass runs with nothing to wake it (emulated time).
pub const RESYNC: Duration = Duration::from_secs(5);

/// What the controller acts with.
#[derive(Clone)]
pub struct Controller {
    pub store: Arc<Store>,
    pub instances: View<dyn Instances>,
}

impl Controller {
    /// One pass over every group of every account and region.
    pub fn pass(&self) {
        for (account, region) in self.store.keys() {
            let names = self
                .store
                .read(&account, &region, |st| {
                    st.groups.keys().cloned().collect::<Vec<_>>()
                })
                .unwrap_or_default();
            for name in names {
                self.reconcile(&account, &region, &name);
            }
        }
    }
}

/// Spawns the controller's loop into `loops`.
pub fn spawn(
    controller: Controller,
    clock: Clock,
    wake: Arc<Notify>,
    mut facts: Subscription,
    loops: &Loops,
) {
    let mut stopping = loops.stopping();
    loops.spawn(async move {
        let mut tick = clock.interval(RESYNC);
        loop {
            tokio::select! {
                _ = stopping.wait() => return,
                _ = wake.notified() => {}
                _ = tick.tick() => {}
                received = facts.recv() => match received {
                    Some(Received::Fact(fact)) => {
                        if !controller.react(&fact) {
                            continue; // another room's business (an ECS task changed)
                        }
                    }
                    // A full pass is the answer to missed facts.
                    Some(Received::Missed(_)) => {}
                    None => return,
                },
            }
            controller.pass();
        }
    });
}
