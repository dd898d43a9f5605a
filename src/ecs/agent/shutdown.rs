//! Graceful shutdown (SIGTERM/SIGINT): every task this server started is stopped as StopTask
//! would stop it — all tasks in parallel (one driver each), each container with its stopTimeout
//! in reverse dependency order — then every container, sandbox and volume it owns is removed.
//! No new task is launched meanwhile, so services cannot replace what is being stopped.

use super::{Inner, Signal, TaskController};
use crate::ecs::state::status::DesiredStatus;
use crate::ecs::state::status::TaskStopCode;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

/// Beyond the longest stop sequence: time for the engine calls around it.
const GRACE: Duration = Duration::from_secs(5);
const STOPPED_REASON: &str = "local-ecs is shutting down";

/// What a shutdown did, for the log.
#[derive(Debug, Clone, Copy, Default)]
pub struct ShutdownReport {
    pub tasks: usize,
    pub containers: usize,
    pub volumes: usize,
    pub elapsed: Duration,
    /// The tasks were left running (a state dir keeps them for the next start).
    pub kept: bool,
}

impl TaskController {
    /// Stops every live task, waits for their drivers (at most the longest stop sequence plus
    /// a few seconds), then removes everything this server owns.
    pub async fn shutdown(&self) -> ShutdownReport {
        let started = Instant::now();
        let inner = &self.inner;
        inner.closing.store(true, Ordering::SeqCst);
        let (tasks, longest) = request_stops(inner);
        for driver in inner.drivers.iter() {
            let _ = driver.value().send(Signal::Wake);
        }
        let deadline = started + longest + GRACE;
        while !inner.drivers.is_empty() && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        if !inner.drivers.is_empty() {
            tracing::warn!(
                left = inner.drivers.len(),
                "tasks still stopping at the deadline; removing their containers"
            );
        }
        let (containers, volumes) = self.remove_owned_containers().await;
        ShutdownReport {
            tasks,
            containers,
            volumes,
            elapsed: started.elapsed(),
            kept: false,
        }
    }
}

impl TaskController {
    /// Lets go of every task without stopping it (a state dir keeps them for the next start):
    /// nothing is launched from now on. The drivers are left as they are (dropping their
    /// inboxes would read as the tasks being gone, and stop them); the process ends next.
    pub async fn detach(&self) -> ShutdownReport {
        let started = Instant::now();
        self.inner.closing.store(true, Ordering::SeqCst);
        let tasks = self.inner.drivers.len();
        ShutdownReport {
            tasks,
            elapsed: started.elapsed(),
            kept: true,
            ..Default::default()
        }
    }
}

/// Marks every task not yet stopped as to be stopped; returns how many, and the longest stop
/// sequence among them (the sum of its containers' stop timeouts, as they stop one by one).
fn request_stops(inner: &Inner) -> (usize, Duration) {
    let mut count = 0;
    let mut longest = 0u64;
    for (account, region) in inner.store.keys() {
        inner.store.with(&account, &region, |st| {
            for (arn, t) in st.tasks.iter_mut() {
                if t.is_stopped() {
                    continue;
                }
                count += 1;
                if t.desired_status != DesiredStatus::Stopped {
                    t.desired_status = DesiredStatus::Stopped;
                    t.stop_code = Some(TaskStopCode::UserInitiated);
                    t.stopped_reason = Some(STOPPED_REASON.into());
                    t.version += 1;
                }
                let sequence: u64 = st.task_books.get(arn).map_or(0, |b| {
                    b.definition
                        .container_definitions
                        .iter()
                        .map(|d| u64::from(super::spec::stop_timeout(d)))
                        .sum()
                });
                longest = longest.max(sequence);
            }
        });
    }
    (count, Duration::from_secs(longest))
}
