//! The task controller: drives every task through the ECS lifecycle on the container runtime.
//! Handlers only record desired state and queue the task; the controller owns every side effect.
//! It runs one driver per live task (`driver`), routes the runtime's container events to it, and
//! purges stopped tasks (and their containers) once their retention has passed, as ECS forgets
//! stopped tasks after a while.
//!
//! A task runs on the engine of its container instance (`TaskBook::docker_host`, from the
//! instance's `local-ecs.docker-host` attribute), else on the default runtime. Remote engines are
//! connected on first use ([`crate::runtime::engines`]); from then on their events are followed
//! (`events`) and the cleanup at reset and shutdown reaches them too.

mod adopt;
pub mod awslogs;
mod cleanup;
mod driver;
mod events;
mod order;
mod shutdown;
pub mod spec;
pub mod volumes;

pub use adopt::Adopted;
pub use shutdown::ShutdownReport;

use crate::core::bus::Bus;
use crate::core::shutdown::{Loops, Stopping};
use crate::ecs::state::refs::TaskRef;
use crate::ecs::state::Store;
use crate::runtime::engines::{EngineAddress, Engines, DEFAULT_ENGINE};
use crate::runtime::{RuntimeError, RuntimeEvent, SharedRuntime};
use dashmap::DashMap;
use std::collections::BTreeMap;
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

/// One engine tasks have used (or tried to), as the health endpoint lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EngineStatus {
    /// `default`, or the remote engine's address.
    pub name: String,
    /// The runtime's kind; `None` for a remote engine never reached.
    pub kind: Option<&'static str>,
    pub status: RuntimeStatus,
}

struct Inner {
    store: Arc<Store>,
    engines: Engines,
    owner: String,
    retention: Duration,
    /// Container id → its task, for routing runtime events.
    routes: DashMap<String, TaskRef>,
    /// Task ARN → its driver's inbox.
    drivers: DashMap<String, mpsc::UnboundedSender<Signal>>,
    /// Reachability of each engine in use, by engine name ([`DEFAULT_ENGINE`] always present).
    statuses: Mutex<BTreeMap<String, RuntimeStatus>>,
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
        let (engines, announced) = Engines::new(runtime);
        let available = RuntimeStatus {
            available: true,
            message: String::new(),
        };
        let inner = Arc::new(Inner {
            store,
            bus,
            engines,
            owner,
            retention,
            routes: DashMap::new(),
            drivers: DashMap::new(),
            closing: AtomicBool::new(false),
            statuses: Mutex::new(BTreeMap::from([(DEFAULT_ENGINE.to_string(), available)])),
        });
        let loops = Loops::new("task controller");
        loops.spawn(wake_loop(inner.clone(), wakes, loops.stopping()));
        let stopping = loops.stopping();
        loops.spawn(events::event_loop(inner.clone(), announced, stopping));
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

    /// The default runtime (tasks on instances without a Docker host run there).
    pub fn runtime(&self) -> &SharedRuntime {
        self.inner.engines.default_runtime()
    }

    /// Whether the default runtime answers.
    pub fn runtime_status(&self) -> RuntimeStatus {
        let statuses = self
            .inner
            .statuses
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        statuses
            .get(DEFAULT_ENGINE)
            .cloned()
            .unwrap_or(RuntimeStatus {
                available: false,
                message: "unknown".into(),
            })
    }

    /// Every engine tasks have used or tried to use, the default first.
    pub fn engine_statuses(&self) -> Vec<EngineStatus> {
        let connected = self.inner.engines.connected();
        let statuses = self
            .inner
            .statuses
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        let mut list: Vec<EngineStatus> = statuses
            .iter()
            .map(|(name, status)| EngineStatus {
                name: name.clone(),
                kind: connected
                    .iter()
                    .find(|e| &e.name == name)
                    .map(|e| e.runtime.kind()),
                status: status.clone(),
            })
            .collect();
        list.sort_by_key(|e| e.name != DEFAULT_ENGINE);
        list
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

impl Inner {
    /// The runtime of the engine at `docker_host` (`None`: the default, as it is), connecting
    /// to it on first use. A remote engine connected earlier may have gone since: it is pinged,
    /// so a task fails at once with a reason naming it rather than at its first pull. The
    /// outcome is recorded as that engine's status.
    async fn engine_for(&self, docker_host: Option<&str>) -> Result<SharedRuntime, RuntimeError> {
        let Some(host) = docker_host else {
            return Ok(self.engines.default_runtime().clone());
        };
        let name =
            EngineAddress::parse(host).map_or_else(|_| host.trim().to_string(), |a| a.to_string());
        let reached = match self.engines.get(Some(host)).await {
            Ok(engine) => match engine.runtime.ping().await {
                Ok(_) => Ok(engine.runtime),
                Err(RuntimeError::Unavailable(m)) => {
                    Err(RuntimeError::Unavailable(format!("{name}: {m}")))
                }
                Err(e) => Err(RuntimeError::Unavailable(format!("{name}: {e}"))),
            },
            Err(e) => Err(e),
        };
        let mut statuses = self.statuses.lock().unwrap_or_else(|p| p.into_inner());
        match &reached {
            Ok(_) => {
                let status = statuses.entry(name).or_insert(RuntimeStatus {
                    available: true,
                    message: String::new(),
                });
                if !status.available {
                    status.available = true;
                    status.message = "answered again".into();
                }
            }
            Err(e) => {
                let status = RuntimeStatus {
                    available: false,
                    message: e.to_string(),
                };
                statuses.insert(name, status);
            }
        }
        reached
    }

    /// Records an engine's reachability (from its events follower).
    fn set_status(&self, engine: &str, status: RuntimeStatus) {
        let mut statuses = self.statuses.lock().unwrap_or_else(|p| p.into_inner());
        statuses.insert(engine.to_string(), status);
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
                let books = &st.task_books;
                st.services
                    .retain(|_, s| s.inactive_at.is_none_or(|at| at >= cutoff));
                st.clusters
                    .retain(|_, c| c.inactive_at.is_none_or(|at| at >= cutoff));
                for arn in &old {
                    if let Some(t) = st.tasks.remove(arn) {
                        let ids = t.containers.into_iter().filter_map(|c| c.runtime_id);
                        let host = books.get(arn).and_then(|b| b.docker_host.clone());
                        purged.push((arn.clone(), host, ids.collect::<Vec<_>>()));
                    }
                }
                for arn in &old {
                    st.task_books.remove(arn);
                }
                // Only services that noted a purged task change (and are saved again).
                let tasks = &st.tasks;
                let noted: Vec<String> = st
                    .services
                    .iter()
                    .filter(|(_, s)| s.seen_stopped.iter().any(|a| !tasks.contains_key(a)))
                    .map(|(arn, _)| arn.clone())
                    .collect();
                for arn in noted {
                    if let Some(s) = st.services.get_mut(&arn) {
                        s.seen_stopped.retain(|a| tasks.contains_key(a));
                    }
                }
                purged
            });
            for (arn, host, ids) in purged {
                for id in &ids {
                    inner.routes.remove(id);
                }
                // Only an engine the task reached can hold its containers and volumes.
                let Some(engine) = inner.engines.find(host.as_deref()) else {
                    continue;
                };
                for id in ids {
                    let _ = engine.runtime.remove(&id).await;
                }
                cleanup::remove_task_volumes(&engine.runtime, &arn).await;
            }
        }
    }
}
