//! The watching half of a task's driver: runtime events and resyncs while it runs, and the stop
//! sequence (DEACTIVATING → STOPPING → DEPROVISIONING → STOPPED).

use crate::ecs::agent::driver::{Driver, StopCause, RESYNC};
use crate::ecs::agent::Signal;
use crate::ecs::state::status::{
    ContainerStatus, DesiredStatus, HealthStatus, TaskStatus, TaskStopCode,
};
use crate::runtime::{Health, RuntimeError, RuntimeEvent};
use std::time::Duration;

/// The awsvpc sandbox (the task's ENI, locally) went away behind our back: the task cannot keep
/// its network, so it stops, as a task whose ENI is deleted does. ECS has no stop code for a
/// lost ENI; TerminationNotice (the infrastructure under the task went away) is the closest.
fn network_lost() -> StopCause {
    StopCause {
        code: TaskStopCode::TerminationNotice,
        reason: "Task network interface was removed: its awsvpc sandbox container was removed or stopped outside local-ecs".into(),
    }
}

impl Driver {
    /// Waits up to `timeout` for a signal and applies it; returns a stop cause when the task must stop.
    pub(super) async fn wait_signal(&mut self, timeout: Duration) -> Option<StopCause> {
        match tokio::time::timeout(timeout, self.rx.recv()).await {
            Ok(Some(Signal::Event(event))) => self.apply_event(event).await,
            Ok(Some(Signal::Wake)) => match self.stop_requested() {
                Some(cause) => Some(cause),
                None => self.resync().await,
            },
            Ok(None) => Some(self.gone()),
            Err(_) => None,
        }
        .or_else(|| self.read(|_, _| ()).is_none().then(|| self.gone()))
    }

    /// RUNNING until an essential container exits or a stop is requested.
    pub(super) async fn supervise(&mut self) -> StopCause {
        loop {
            if let Some(cause) = self.stop_requested() {
                return cause;
            }
            if let Some(cause) = self.wait_signal(RESYNC).await {
                return cause;
            }
            if let Some(cause) = self.resync().await {
                return cause;
            }
        }
    }

    pub(super) async fn apply_event(&self, event: RuntimeEvent) -> Option<StopCause> {
        match event {
            RuntimeEvent::Died { id, .. } if self.sandbox.as_deref() == Some(id.as_str()) => {
                Some(network_lost())
            }
            RuntimeEvent::Died { id, exit_code } => {
                // The engine's die event does not say why; inspect tells an OOM kill apart.
                let oom = self.rt.inspect(&id).await.is_ok_and(|i| i.oom_killed);
                let reason = oom
                    .then(|| "OutOfMemoryError: Container killed due to memory usage".to_string());
                self.container_exited(&id, exit_code, reason)
            }
            RuntimeEvent::HealthChanged { id, health } => {
                self.set_health(&id, health);
                None
            }
            _ => None,
        }
    }

    /// Records a container's exit; an essential one stops the task.
    pub(super) fn container_exited(
        &self,
        id: &str,
        exit_code: Option<i64>,
        reason: Option<String>,
    ) -> Option<StopCause> {
        let mut essential = false;
        self.update(|t| {
            if let Some(c) = t
                .containers
                .iter_mut()
                .find(|c| c.runtime_id.as_deref() == Some(id))
            {
                if c.last_status != ContainerStatus::Stopped {
                    c.last_status = ContainerStatus::Stopped;
                    c.exit_code = exit_code;
                    c.reason = reason.clone();
                    essential = c.essential;
                }
            }
        });
        if !essential {
            return None;
        }
        Some(StopCause {
            code: TaskStopCode::EssentialContainerExited,
            reason: "Essential container in task exited".into(),
        })
    }

    pub(super) fn set_health(&self, id: &str, health: Health) {
        let status = match health {
            Health::Healthy => HealthStatus::Healthy,
            Health::Unhealthy => HealthStatus::Unhealthy,
            Health::Starting => HealthStatus::Unknown,
        };
        self.update(|t| {
            if let Some(c) = t
                .containers
                .iter_mut()
                .find(|c| c.runtime_id.as_deref() == Some(id))
            {
                c.health_status = Some(status);
            }
            t.health_status = Some(crate::ecs::agent::order::task_health(t));
        });
    }

    /// Compares the record with the engine, catching exits whose events were missed.
    pub(super) async fn resync(&self) -> Option<StopCause> {
        if let Some(sandbox) = &self.sandbox {
            match self.rt.inspect(sandbox).await {
                Err(RuntimeError::NotFound(_)) => return Some(network_lost()),
                Ok(info) if !info.running => return Some(network_lost()),
                _ => {}
            }
        }
        let running: Vec<String> = self
            .read(|t, _| {
                t.containers
                    .iter()
                    .filter(|c| c.last_status == ContainerStatus::Running)
                    .filter_map(|c| c.runtime_id.clone())
                    .collect()
            })
            .unwrap_or_default();
        for id in running {
            match self.rt.inspect(&id).await {
                Ok(info) if !info.running && info.exit_code.is_some() => {
                    if let Some(cause) = self.container_exited(&id, info.exit_code, None) {
                        return Some(cause);
                    }
                }
                Ok(info) => {
                    if let Some(h) = info.health {
                        self.set_health(&id, h);
                    }
                }
                Err(RuntimeError::NotFound(_)) => {
                    if let Some(cause) = self.container_exited(
                        &id,
                        None,
                        Some("Container removed outside local-ecs".into()),
                    ) {
                        return Some(cause);
                    }
                }
                Err(_) => {} // engine unreachable: keep the last known state until it returns
            }
        }
        None
    }

    /// DEACTIVATING → STOPPING → DEPROVISIONING → STOPPED: stops what runs, in reverse
    /// dependency order, each container with its stopTimeout.
    pub(super) async fn stop(&mut self, cause: StopCause) {
        if self.read(|_, _| ()).is_none() {
            let orphans: Vec<String> = self.created.drain(..).chain(self.sandbox.take()).collect();
            for id in orphans {
                let _ = self.rt.stop(&id, 0).await;
                let _ = self.rt.remove(&id).await;
                self.cx.routes.remove(&id);
            }
            return;
        }
        let awsvpc = self.sandbox.is_some();
        // A task behind a load balancer deactivates (drains) before it stops, whatever its mode.
        let draining = self.read(|t, _| !t.targets.is_empty()).unwrap_or(false);
        self.update(|t| {
            t.desired_status = DesiredStatus::Stopped;
            if t.stop_code.is_none() || cause.code != TaskStopCode::UserInitiated {
                t.stop_code = Some(cause.code);
                t.stopped_reason = Some(cause.reason.clone());
            }
            t.stopping_at = Some(self.now());
            t.last_status = if awsvpc || draining {
                TaskStatus::Deactivating
            } else {
                TaskStatus::Stopping
            };
        });
        self.deregister_targets().await;
        self.set_status(TaskStatus::Stopping);
        let plan = self
            .read(|t, b| crate::ecs::agent::order::stop_order(&b.definition, t))
            .unwrap_or_default();
        for (id, timeout) in plan {
            if let Err(e) = self.rt.stop(&id, timeout).await {
                tracing::debug!(container = %id, error = %e, "stop failed");
            }
            let info = self.rt.inspect(&id).await.ok();
            let exit = info.as_ref().and_then(|i| i.exit_code);
            self.container_exited(&id, exit, None);
        }
        // Every line written before the containers stopped is in Logs before STOPPED.
        self.flush_logs().await;
        self.update(|t| {
            for c in &mut t.containers {
                c.last_status = ContainerStatus::Stopped;
            }
            t.execution_stopped_at = Some(self.now());
        });
        if awsvpc {
            self.set_status(TaskStatus::Deprovisioning);
        }
        if let Some(id) = self.sandbox.take() {
            let _ = self.rt.stop(&id, 0).await;
            let _ = self.rt.remove(&id).await;
            self.cx.routes.remove(&id);
            self.update(|t| {
                t.attachments
                    .iter_mut()
                    .for_each(|a| a.status = "DELETED".into())
            });
        }
        for ip in self.endpoint_ips.drain(..) {
            self.cx.store.set_endpoint_ip(&ip, None);
        }
        self.update(|t| {
            t.last_status = TaskStatus::Stopped;
            t.stopped_at = Some(self.now());
        });
    }
}
