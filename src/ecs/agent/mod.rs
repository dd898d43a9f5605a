//! The task controller: drives every task through the ECS lifecycle on the container runtime.
//! Handlers only record desired state and queue the task; the controller owns every side effect.
//! It runs one driver per live task (`driver`), routes the runtime's container events to it, and
//! purges stopped tasks (and their containers) once their retention has passed, as ECS forgets
//! stopped tasks after a while.

mod cleanup;
mod driver;
mod order;
mod shutdown;
pub mod spec;
pub mod volumes;

pub use shutdown::ShutdownReport;

use crate::core::bus::Bus;
use crate::core::shutdown::{Loops, Stopping};
use crate::ecs::state::refs::TaskRef;
use crate::ecs::state::Store;
use crate::runtime::{RuntimeError, RuntimeEvent, SharedRuntime, OWNER_LABEL};
use dashmap::DashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::mpsc;

/// What a driver is told.
#[derive(Debug, Clone)]
enum Signal {
    /// Desired state may have changed, or the runtime came back: look again.
    Wake,
    Event(RuntimeEvent),
}

/// Whether the runtime answers, as the health endpoint reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuntimeStatus {
    pub available: bool,
    pub message: String,
}

struct Inner {
    store: Arc<Store>,
    runtime: SharedRuntime,
    owner: String,
    retention: Duration,
    /// Container id → its task, for routing runtime events.
    routes: DashMap<String, TaskRef>,
    /// Task ARN → its driver's inbox.
    drivers: DashMap<String, mpsc::UnboundedSender<Signal>>,
    status: Mutex<RuntimeStatus>,
    /// Set by shutdown: no new task is launched from then on.
    closing: AtomicBool,
    /// Where the drivers publish what happened to their tasks.
    bus: Bus,
}

/// A handle on the running controller.
#[derive(Clone)]
pub struct TaskController {
    inner: Arc<Inner>,
    loops: Arc<Loops>,
}

impl TaskController {
    /// Starts the controller's loops (needs a Tokio runtime). `wakes` carries the tasks handlers
    /// changed; `owner` labels every container this server creates.
    pub fn spawn(
        store: Arc<Store>,
        runtime: SharedRuntime,
        owner: String,
        retention: Duration,
        wakes: mpsc::UnboundedReceiver<TaskRef>,
        bus: Bus,
    ) -> TaskController {
        let inner = Arc::new(Inner {
            store,
            bus,
            runtime,
            owner,
            retention,
            routes: DashMap::new(),
            drivers: DashMap::new(),
            closing: AtomicBool::new(false),
            status: Mutex::new(RuntimeStatus {
                available: true,
                message: String::new(),
            }),
        });
        let loops = Loops::new("task controller");
        loops.spawn(wake_loop(inner.clone(), wakes, loops.stopping()));
        loops.spawn(event_loop(inner.clone(), loops.stopping()));
        loops.spawn(janitor(inner.clone(), loops.stopping()));
        TaskController {
            inner,
            loops: Arc::new(loops),
        }
    }

    /// Stops the controller's own loops (after [`TaskController::shutdown`] has stopped the
    /// tasks): no wake, engine event or purge is handled from then on.
    pub async fn stop_loops(&self) {
        self.loops.stop().await;
    }

    pub fn runtime(&self) -> &SharedRuntime {
        &self.inner.runtime
    }

    pub fn runtime_status(&self) -> RuntimeStatus {
        self.inner
            .status
            .lock()
            .map(|s| s.clone())
            .unwrap_or(RuntimeStatus {
                available: false,
                message: "unknown".into(),
            })
    }

    /// The addresses of every container this server owns (tasks and awsvpc sandboxes), so the
    /// internal endpoints can tell a task calling them from the host.
    pub async fn owned_addresses(&self) -> Result<Vec<std::net::IpAddr>, RuntimeError> {
        cleanup::owned_addresses(&self.inner).await
    }

    /// Removes every container (tasks' and awsvpc sandboxes) and volume this server owns
    /// (start-up, reset and shutdown): leftovers of a previous run, or of state that was just
    /// dropped. Touches nothing without our owner label. Returns how many of each it removed.
    pub async fn remove_owned_containers(&self) -> (usize, usize) {
        let containers = cleanup::remove_containers(&self.inner).await;
        self.inner.routes.clear();
        let volumes = cleanup::remove_volumes(&self.inner).await;
        (containers, volumes)
    }
}

async fn wake_loop(
    inner: Arc<Inner>,
    mut wakes: mpsc::UnboundedReceiver<TaskRef>,
    mut stopping: Stopping,
) {
    loop {
        let task = tokio::select! {
            task = wakes.recv() => match task {
                Some(task) => task,
                None => return,
            },
            _ = stopping.wait() => return,
        };
        if let Some(tx) = inner.drivers.get(&task.task_arn) {
            if tx.send(Signal::Wake).is_ok() {
                continue;
            }
        }
        if inner.closing.load(Ordering::SeqCst) {
            continue; // shutting down: tasks created now are never launched
        }
        let (tx, rx) = mpsc::unbounded_channel();
        inner.drivers.insert(task.task_arn.clone(), tx);
        tokio::spawn(driver::drive(inner.clone(), task, rx));
    }
}

async fn event_loop(inner: Arc<Inner>, mut stopping: Stopping) {
    let mut events = inner.runtime.subscribe(OWNER_LABEL, &inner.owner);
    loop {
        let event = tokio::select! {
            event = events.recv() => match event {
                Some(event) => event,
                None => return,
            },
            _ = stopping.wait() => return,
        };
        let id = match &event {
            RuntimeEvent::Started { id }
            | RuntimeEvent::Died { id, .. }
            | RuntimeEvent::HealthChanged { id, .. } => id.clone(),
            RuntimeEvent::Connection { available, message } => {
                if let Ok(mut s) = inner.status.lock() {
                    *s = RuntimeStatus {
                        available: *available,
                        message: message.clone(),
                    };
                }
                if *available {
                    tracing::info!("container runtime reachable again; resynchronising tasks");
                } else {
                    tracing::warn!(%message, "lost the container runtime");
                }
                for d in inner.drivers.iter() {
                    let _ = d.value().send(Signal::Wake);
                }
                continue;
            }
        };
        let Some(task) = inner.routes.get(&id).map(|r| r.clone()) else {
            continue;
        };
        if let Some(tx) = inner.drivers.get(&task.task_arn) {
            let _ = tx.send(Signal::Event(event));
        }
    }
}

/// Purges stopped tasks (and INACTIVE services and clusters) past their retention, removing
/// their containers. Retention is emulated time: `--time-scale` shortens it.
async fn janitor(inner: Arc<Inner>, mut stopping: Stopping) {
    // A quarter of the retention in wall time, checked at least every minute and at most
    // every 200 ms.
    let period = inner
        .store
        .clock()
        .real(inner.retention / 4)
        .clamp(Duration::from_millis(200), Duration::from_secs(60));
    loop {
        tokio::select! {
            _ = tokio::time::sleep(period) => {}
            _ = stopping.wait() => return,
        }
        let cutoff = inner.store.clock().now() - inner.retention.as_secs_f64();
        for (account, region) in inner.store.keys() {
            let purged = inner.store.with(&account, &region, |st| {
                let old: Vec<String> = st
                    .tasks
                    .values()
                    .filter(|t| t.stopped_at.is_some_and(|s| s < cutoff))
                    .map(|t| t.task_arn.clone())
                    .collect();
                let mut purged = Vec::new();
                st.services
                    .retain(|_, s| s.inactive_at.is_none_or(|at| at >= cutoff));
                st.clusters
                    .retain(|_, c| c.inactive_at.is_none_or(|at| at >= cutoff));
                for arn in &old {
                    if let Some(t) = st.tasks.remove(arn) {
                        let ids = t.containers.into_iter().filter_map(|c| c.runtime_id);
                        purged.push((arn.clone(), ids.collect::<Vec<_>>()));
                    }
                    st.task_books.remove(arn);
                }
                let tasks = &st.tasks;
                for s in st.services.values_mut() {
                    s.seen_stopped.retain(|a| tasks.contains_key(a));
                }
                purged
            });
            for (arn, ids) in purged {
                for id in ids {
                    inner.routes.remove(&id);
                    let _ = inner.runtime.remove(&id).await;
                }
                cleanup::remove_task_volumes(&inner, &arn).await;
            }
        }
    }
}
