//! One task's driver: PROVISIONING → PENDING → ACTIVATING → RUNNING, then DEACTIVATING →
//! STOPPING → DEPROVISIONING → STOPPED, with the timestamps, stop codes and reasons ECS reports.
//! Runtime failures become task states (`CannotPullContainerError: …`), never API errors.
//! State is read and written in short closures on the store; no lock is held across `.await`.

mod adopt;
mod launch;
mod logs;
mod targets;
mod watch;

use crate::core::bus::{Fact, TaskFact};
use crate::ecs::agent::{Inner, Signal};
use crate::ecs::state::refs::TaskRef;
use crate::ecs::state::status::TaskStopCode;
use crate::ecs::state::status::{DesiredStatus, TaskStatus};
use crate::ecs::state::task::Task;
use crate::ecs::state::TaskBook;
use crate::runtime::{RuntimeError, SharedRuntime};
pub(super) use adopt::adopt;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

/// How often a driver re-inspects its containers, in case an engine event was missed. Events are
/// the main path (and a reconnect wakes every driver), so this can be slow.
const RESYNC: Duration = Duration::from_secs(30);

/// Why a task stops.
#[derive(Debug, Clone)]
pub(super) struct StopCause {
    code: TaskStopCode,
    reason: String,
}

impl StopCause {
    fn failed(reason: String) -> Self {
        StopCause {
            code: TaskStopCode::TaskFailedToStart,
            reason,
        }
    }
}

struct Driver {
    cx: Arc<Inner>,
    task: TaskRef,
    /// The engine the task runs on (its container instance's, else the default).
    rt: SharedRuntime,
    rx: mpsc::UnboundedReceiver<Signal>,
    sandbox: Option<String>,
    /// Every container this driver created, to clean up if the task vanishes under it (reset).
    created: Vec<String>,
    /// The awslogs deliveries of its containers, awaited before the task is STOPPED.
    shippers: Vec<tokio::task::JoinHandle<()>>,
    /// Its addresses on the task endpoints network, forgotten when it stops.
    endpoint_ips: Vec<String>,
}

impl Driver {
    /// A driver for `task` on the default engine, with nothing created yet.
    fn new(cx: Arc<Inner>, task: TaskRef, rx: mpsc::UnboundedReceiver<Signal>) -> Driver {
        let rt = cx.engines.default_runtime().clone();
        Driver {
            cx,
            task,
            rt,
            rx,
            sandbox: None,
            created: Vec::new(),
            shippers: Vec::new(),
            endpoint_ips: Vec::new(),
        }
    }
}

pub(super) async fn drive(cx: Arc<Inner>, task: TaskRef, rx: mpsc::UnboundedReceiver<Signal>) {
    let mut d = Driver::new(cx, task, rx);
    if d.read(|t, _| t.is_stopped()).unwrap_or(true) {
        d.cx.drivers.remove(&d.task.task_arn);
        return;
    }
    // Without its engine the task fails before anything is created, so the stop sequence that
    // follows has no container to touch on the default runtime it keeps.
    let cause = match d.connect().await {
        Ok(()) => match d.launch().await {
            Ok(()) => d.supervise().await,
            Err(cause) => cause,
        },
        Err(cause) => cause,
    };
    d.stop(cause).await;
    d.cx.drivers.remove(&d.task.task_arn);
}

impl Driver {
    /// Now on the App's clock.
    fn now(&self) -> f64 {
        self.cx.store.clock().now()
    }

    /// Reads the task and its book; `None` once the task is gone (reset or purge).
    fn read<R>(&self, f: impl FnOnce(&Task, &TaskBook) -> R) -> Option<R> {
        let arn = &self.task.task_arn;
        self.cx
            .store
            .with(&self.task.account, &self.task.region, |st| {
                Some(f(st.tasks.get(arn)?, st.task_books.get(arn)?))
            })
    }

    /// Changes the task (bumping its version), then publishes it on the bus for whoever
    /// follows tasks (its service's scheduler; later load balancers).
    fn update(&self, f: impl FnOnce(&mut Task)) {
        let arn = &self.task.task_arn;
        let fact = self
            .cx
            .store
            .with(&self.task.account, &self.task.region, |st| {
                let t = st.tasks.get_mut(arn)?;
                f(t);
                t.version += 1;
                Some(TaskFact {
                    account: self.task.account.clone(),
                    region: self.task.region.clone(),
                    task_arn: t.task_arn.clone(),
                    cluster_arn: t.cluster_arn.clone(),
                    service_arn: t.service_arn.clone(),
                    last_status: t.last_status.to_string(),
                    desired_status: t.desired_status.to_string(),
                })
            });
        if let Some(fact) = fact {
            self.cx.bus.publish(Fact::Task(fact));
        }
    }

    /// Moves the task forward to `status` (never back: statuses are in lifecycle order).
    fn set_status(&self, status: TaskStatus) {
        self.update(|t| {
            if status > t.last_status {
                t.last_status = status;
            }
        });
    }

    fn stop_requested(&self) -> Option<StopCause> {
        let (desired, code, reason) =
            self.read(|t, _| (t.desired_status, t.stop_code, t.stopped_reason.clone()))?;
        (desired == DesiredStatus::Stopped).then(|| StopCause {
            code: if code == Some(TaskStopCode::ServiceSchedulerInitiated) {
                TaskStopCode::ServiceSchedulerInitiated
            } else {
                TaskStopCode::UserInitiated
            },
            reason: reason.unwrap_or_else(|| "Task stopped by user".into()),
        })
    }

    fn gone(&self) -> StopCause {
        StopCause {
            code: TaskStopCode::UserInitiated,
            reason: "Task state was reset".into(),
        }
    }

    /// Picks the task's engine: its container instance's Docker host (connected on first use),
    /// else the default runtime it already has.
    async fn connect(&mut self) -> Result<(), StopCause> {
        let Some(host) = self.read(|_, b| b.docker_host.clone()).flatten() else {
            return Ok(());
        };
        self.rt = self
            .cx
            .engine_for(Some(&host))
            .await
            .map_err(|e| StopCause::failed(unreachable_engine(&e)))?;
        Ok(())
    }

    /// Provisioning, pulling, creating and starting, up to RUNNING.
    async fn launch(&mut self) -> Result<(), StopCause> {
        let (task, td) = self
            .read(|t, b| (t.clone(), b.definition.clone()))
            .ok_or_else(|| self.gone())?;
        self.provision(&task, &td).await?;
        self.check_stop()?;
        self.set_status(TaskStatus::Pending);
        self.pull(&td).await?;
        self.check_stop()?;
        self.prepare_logs(&task, &td)?;
        let ids = self.create(&task, &td).await?;
        self.start_in_order(&td, &ids).await?;
        self.set_status(TaskStatus::Activating);
        let ip = self
            .read(|t, _| {
                let eni = t.containers.first()?.network_interfaces.first()?;
                eni.private_ipv4_address.clone()
            })
            .flatten();
        let reach = self.reach_host(ip.as_deref()).await;
        self.update(|t| {
            t.last_status = TaskStatus::Running;
            t.started_at = Some(self.now());
            t.reach_host = reach;
        });
        Ok(())
    }

    fn check_stop(&self) -> Result<(), StopCause> {
        match self.stop_requested() {
            Some(cause) => Err(cause),
            None => Ok(()),
        }
    }
}

/// Why a task whose engine cannot be reached stops (the error names the engine's address).
/// ECS has no such case (an agent that cannot reach its Docker daemon is disconnected and gets
/// no tasks); ResourceInitializationError is what it reports when a task's resources cannot be
/// set up before its containers.
fn unreachable_engine(e: &RuntimeError) -> String {
    let detail = match e {
        RuntimeError::Unavailable(m) => m.clone(),
        other => other.to_string(),
    };
    format!(
        "ResourceInitializationError: cannot reach the Docker engine of the container instance (attribute local-ecs.docker-host): {detail}"
    )
}
