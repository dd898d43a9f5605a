//! The App's side of `--state-dir` ([`crate::core::persist`]): which services keep state, when
//! their changes are written (after every request, before its answer; and by a flush loop for
//! controllers' changes), and what a start and a stop do with the state and the task containers.

use crate::core::persist::{Durable, StateDir};
use crate::App;
use std::sync::Arc;

impl App {
    /// Every service's durable state, in the order it is restored: ECS last, since adopting its
    /// tasks reads the networks, instances and target groups of the others.
    fn durables(&self) -> Vec<Arc<dyn Durable>> {
        [
            self.iam.durable(),
            self.sts.durable(),
            self.ec2.durable(),
            self.autoscaling.durable(),
            self.elbv2.durable(),
            self.logs.durable(),
            self.cloudwatch.durable(),
            self.appscaling.durable(),
            self.ecs.durable(),
        ]
        .into_iter()
        .flatten()
        .collect()
    }

    /// With a state dir: loads it and re-adopts the task containers still on the engine (others
    /// of ours are removed). Without: removes whatever a previous run with our owner label left.
    /// Returns how many records were loaded.
    pub(crate) async fn open_state(self: &Arc<Self>) -> Result<usize, String> {
        let Some(dir) = self.config.state_dir.clone() else {
            self.ecs.controller().remove_owned_containers().await;
            return Ok(0);
        };
        let state = StateDir::open(&dir, self.durables(), self.clock.clone())?;
        let loaded = state.restore()?;
        tracing::info!(dir = %state.dir(), records = loaded, "state loaded");
        self.ecs.adopt().await;
        let _ = self.state.set(state.clone());
        self.persist_loops
            .spawn(state.flush_loop(self.persist_loops.stopping()));
        Ok(loaded)
    }

    /// Writes every change made so far to the state dir, if there is one; returns once it is on
    /// disk.
    pub async fn commit(&self) -> Result<(), String> {
        match self.state.get() {
            Some(state) => state.commit().await,
            None => Ok(()),
        }
    }

    /// After a reset: the stored state is dropped too.
    pub(crate) async fn wipe_state(&self) {
        if let Some(state) = self.state.get() {
            if let Err(why) = state.wipe().await {
                tracing::error!("could not drop the stored state: {why}");
            }
        }
    }

    /// At a graceful stop: writes what is pending and stops the flush loop. Returns whether the
    /// task containers stay running for the next start to adopt (a state dir, without
    /// `--stop-tasks-on-exit`); then nothing of the stop is written, so the next start finds
    /// the tasks as they were.
    pub(crate) async fn save_before_shutdown(&self) -> bool {
        let Some(state) = self.state.get() else {
            return false;
        };
        let keep_tasks = !self.config.stop_tasks_on_exit;
        if keep_tasks {
            self.persist_loops.stop().await;
            if let Err(why) = state.commit().await {
                tracing::error!("could not save state at shutdown: {why}");
            }
        }
        keep_tasks
    }

    /// With `--stop-tasks-on-exit`: the stopped tasks are written, then the flush loop stops.
    pub(crate) async fn save_after_shutdown(&self) {
        if let Some(state) = self.state.get() {
            if let Err(why) = state.commit().await {
                tracing::error!("could not save state at shutdown: {why}");
            }
            self.persist_loops.stop().await;
        }
    }
}
