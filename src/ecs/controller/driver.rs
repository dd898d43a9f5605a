//! One task's driver: PROVISIONING → PENDING → ACTIVATING → RUNNING, then DEACTIVATING →
//! STOPPING → DEPROVISIONING → STOPPED, with the timestamps, stop codes and reasons ECS reports.
//! Runtime failures become task states (`CannotPullContainerError: …`), never API errors.
//! State is read and written in short closures on the store; no lock is held across `.await`.

use super::spec::{self, SpecContext};
use super::{Inner, Signal, TaskRef};
use crate::ecs::state::TaskBook;
use crate::ecs::task_types::{lifecycle_rank, NetworkBinding, NetworkInterface, Task};
use crate::ecs::types::{now_epoch, KeyValuePair, TaskDefinition};
use crate::runtime::{ContainerInfo, Health, RuntimeError, RuntimeEvent};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

/// How often a driver re-inspects its containers, in case an engine event was missed. Events are
/// the main path (and a reconnect wakes every driver), so this can be slow.
const RESYNC: Duration = Duration::from_secs(30);

/// Why a task stops.
#[derive(Debug, Clone)]
pub(super) struct StopCause {
    code: &'static str,
    reason: String,
}

impl StopCause {
    fn failed(reason: String) -> Self {
        StopCause {
            code: "TaskFailedToStart",
            reason,
        }
    }
}

struct Driver {
    cx: Arc<Inner>,
    task: TaskRef,
    rx: mpsc::UnboundedReceiver<Signal>,
    sandbox: Option<String>,
    /// Every container this driver created, to clean up if the task vanishes under it (reset).
    created: Vec<String>,
}

pub(super) async fn drive(cx: Arc<Inner>, task: TaskRef, rx: mpsc::UnboundedReceiver<Signal>) {
    let mut d = Driver {
        cx,
        task,
        rx,
        sandbox: None,
        created: Vec::new(),
    };
    if d.read(|t, _| t.is_stopped()).unwrap_or(true) {
        d.cx.drivers.remove(&d.task.task_arn);
        return;
    }
    let cause = match d.launch().await {
        Ok(()) => d.supervise().await,
        Err(cause) => cause,
    };
    d.stop(cause).await;
    d.cx.drivers.remove(&d.task.task_arn);
}

impl Driver {
    /// Reads the task and its book; `None` once the task is gone (reset or purge).
    fn read<R>(&self, f: impl FnOnce(&Task, &TaskBook) -> R) -> Option<R> {
        let arn = &self.task.task_arn;
        self.cx
            .store
            .with(&self.task.account, &self.task.region, |st| {
                Some(f(st.tasks.get(arn)?, st.task_books.get(arn)?))
            })
    }

    /// Changes the task (bumping its version).
    fn update(&self, f: impl FnOnce(&mut Task)) {
        let arn = &self.task.task_arn;
        self.cx
            .store
            .with(&self.task.account, &self.task.region, |st| {
                if let Some(t) = st.tasks.get_mut(arn) {
                    f(t);
                    t.version += 1;
                }
            });
    }

    fn set_status(&self, status: &'static str) {
        self.update(|t| {
            if lifecycle_rank(status) > lifecycle_rank(&t.last_status) {
                t.last_status = status.into();
            }
        });
    }

    fn stop_requested(&self) -> Option<StopCause> {
        let (desired, code, reason) = self.read(|t, _| {
            (
                t.desired_status.clone(),
                t.stop_code.clone(),
                t.stopped_reason.clone(),
            )
        })?;
        (desired == "STOPPED").then(|| StopCause {
            code: if code.as_deref() == Some("ServiceSchedulerInitiated") {
                "ServiceSchedulerInitiated"
            } else {
                "UserInitiated"
            },
            reason: reason.unwrap_or_else(|| "Task stopped by user".into()),
        })
    }

    fn gone(&self) -> StopCause {
        StopCause {
            code: "UserInitiated",
            reason: "Task state was reset".into(),
        }
    }

    /// Provisioning, pulling, creating and starting, up to RUNNING.
    async fn launch(&mut self) -> Result<(), StopCause> {
        let (task, td) = self
            .read(|t, b| (t.clone(), b.definition.clone()))
            .ok_or_else(|| self.gone())?;
        self.provision(&task, &td).await?;
        self.check_stop()?;
        self.set_status("PENDING");
        self.pull(&td).await?;
        self.check_stop()?;
        let ids = self.create(&task, &td).await?;
        self.start_in_order(&td, &ids).await?;
        self.set_status("ACTIVATING");
        self.update(|t| {
            t.last_status = "RUNNING".into();
            t.started_at = Some(now_epoch());
        });
        Ok(())
    }

    fn check_stop(&self) -> Result<(), StopCause> {
        match self.stop_requested() {
            Some(cause) => Err(cause),
            None => Ok(()),
        }
    }

    /// awsvpc: a sandbox holding the task's network namespace, its IP shown on the ENI.
    async fn provision(&mut self, task: &Task, td: &TaskDefinition) -> Result<(), StopCause> {
        if td.network_mode.as_deref() != Some("awsvpc") {
            self.update(|t| {
                t.connectivity = Some("CONNECTED".into());
                t.connectivity_at = Some(now_epoch());
            });
            return Ok(());
        }
        let labels = spec::labels(task, td, "~internal~ecs~pause", &self.cx.owner);
        let name = format!(
            "ecs-{}-{}-internalecspause-{}",
            td.family,
            td.revision,
            &task.id()[..12.min(task.id().len())]
        );
        let rt = self.cx.runtime.clone();
        let id = rt.create_sandbox(&name, &labels).await.map_err(|e| {
            StopCause::failed(format!(
                "ResourceInitializationError: failed to set up the task network: {e}"
            ))
        })?;
        self.sandbox = Some(id.clone());
        self.cx.routes.insert(id.clone(), self.task.clone());
        let ip = rt
            .inspect(&id)
            .await
            .ok()
            .and_then(|i| i.ip_address)
            .unwrap_or_default();
        let mac = format!(
            "02:42:{}",
            (0..4)
                .map(|_| format!("{:02x}", rand::random::<u8>()))
                .collect::<Vec<_>>()
                .join(":")
        );
        self.update(|t| {
            let subnet = t
                .awsvpc
                .as_ref()
                .and_then(|a| a.get("subnets")?.get(0)?.as_str().map(String::from))
                .unwrap_or_default();
            let eni = format!("eni-{}", &crate::ecs::task_launch::hex(9)[..17]);
            if let Some(att) = t.attachments.first_mut() {
                att.status = "ATTACHED".into();
                let kv = |n: &str, v: &str| KeyValuePair {
                    name: Some(n.into()),
                    value: Some(v.into()),
                };
                att.details = vec![
                    kv("subnetId", &subnet),
                    kv("networkInterfaceId", &eni),
                    kv("macAddress", &mac),
                    kv(
                        "privateDnsName",
                        &format!("ip-{}.ec2.internal", ip.replace('.', "-")),
                    ),
                    kv("privateIPv4Address", &ip),
                ];
            }
            let att_id = t.attachments.first().map(|a| a.id.clone());
            for c in &mut t.containers {
                c.network_interfaces = vec![NetworkInterface {
                    attachment_id: att_id.clone(),
                    private_ipv4_address: Some(ip.clone()),
                }];
            }
            t.connectivity = Some("CONNECTED".into());
            t.connectivity_at = Some(now_epoch());
        });
        Ok(())
    }

    async fn pull(&self, td: &TaskDefinition) -> Result<(), StopCause> {
        self.update(|t| t.pull_started_at = Some(now_epoch()));
        let images: Vec<(String, String)> = td
            .container_definitions
            .iter()
            .map(|c| {
                (
                    c.name.clone().unwrap_or_default(),
                    c.image.clone().unwrap_or_default(),
                )
            })
            .collect();
        for (name, image) in images {
            match self.cx.runtime.ensure_image(&image).await {
                Ok(info) => self.update(|t| {
                    if let Some(c) = t.containers.iter_mut().find(|c| c.name == name) {
                        c.image_digest = info.digest.clone().or(Some(info.id.clone()));
                    }
                }),
                Err(e) => {
                    let reason = format!("CannotPullContainerError: {}", pull_message(&e));
                    self.update(|t| {
                        t.pull_stopped_at = Some(now_epoch());
                        for c in &mut t.containers {
                            c.reason = Some(reason.clone());
                        }
                    });
                    return Err(StopCause::failed(reason));
                }
            }
        }
        self.update(|t| t.pull_stopped_at = Some(now_epoch()));
        Ok(())
    }

    /// Creates every container (volumesFrom sources first); returns engine ids by name.
    async fn create(
        &mut self,
        task: &Task,
        td: &TaskDefinition,
    ) -> Result<BTreeMap<String, String>, StopCause> {
        let names: BTreeMap<String, String> = td
            .container_definitions
            .iter()
            .filter_map(|c| c.name.clone())
            .map(|n| (n.clone(), spec::engine_name(td, &n, task.id())))
            .collect();
        let mut ids = BTreeMap::new();
        let mut order: Vec<_> = td.container_definitions.iter().collect();
        order.sort_by_key(|c| c.volumes_from.as_ref().is_some_and(|v| !v.is_empty()));
        let network = spec::network_for(td, self.sandbox.as_deref());
        for def in order {
            let name = def.name.clone().unwrap_or_default();
            let unsupported = spec::unsupported_fields(def);
            if !unsupported.is_empty() {
                tracing::warn!(task = %task.task_arn, container = %name, fields = ?unsupported, "container definition fields accepted but not honoured locally");
            }
            let cx = SpecContext {
                task,
                td,
                owner: &self.cx.owner,
                region: &self.task.region,
                network: network.clone(),
                names: &names,
                ids: &ids,
            };
            let spec = spec::container_spec(&cx, def);
            let id = self
                .cx
                .runtime
                .create(&spec)
                .await
                .map_err(|e| StopCause::failed(format!("CannotCreateContainerError: {e}")))?;
            self.cx.routes.insert(id.clone(), self.task.clone());
            self.created.push(id.clone());
            self.update(|t| {
                if let Some(c) = t.containers.iter_mut().find(|c| c.name == name) {
                    c.runtime_id = Some(id.clone());
                }
            });
            ids.insert(name, id);
        }
        Ok(ids)
    }

    /// Starts containers as their `dependsOn` conditions allow, until all have started.
    async fn start_in_order(
        &mut self,
        td: &TaskDefinition,
        ids: &BTreeMap<String, String>,
    ) -> Result<(), StopCause> {
        loop {
            let (ready, blocked) = self
                .read(|t, _| super::order::plan(td, t))
                .ok_or_else(|| self.gone())?;
            if let Some(why) = blocked {
                return Err(StopCause::failed(format!(
                    "CannotStartContainerError: {why}"
                )));
            }
            if ready.is_empty()
                && self
                    .read(|t, _| super::order::all_started(t))
                    .unwrap_or(true)
            {
                return Ok(());
            }
            for name in ready {
                let Some(id) = ids.get(&name) else { continue };
                self.cx
                    .runtime
                    .start(id)
                    .await
                    .map_err(|e| StopCause::failed(format!("CannotStartContainerError: {e}")))?;
                let info = self.cx.runtime.inspect(id).await.ok();
                self.mark_running(&name, info.as_ref());
            }
            if self
                .read(|t, _| super::order::all_started(t))
                .unwrap_or(true)
            {
                return Ok(());
            }
            if let Some(cause) = self.wait_signal(Duration::from_millis(500)).await {
                return Err(cause);
            }
        }
    }

    fn mark_running(&self, name: &str, info: Option<&ContainerInfo>) {
        let td_mode = self
            .read(|_, b| b.definition.network_mode.clone())
            .flatten();
        self.update(|t| {
            let Some(c) = t.containers.iter_mut().find(|c| c.name == name) else {
                return;
            };
            if c.last_status == "PENDING" {
                c.last_status = "RUNNING".into();
            }
            if td_mode.as_deref() != Some("awsvpc") {
                c.network_bindings = info
                    .map(|i| {
                        i.bindings
                            .iter()
                            .map(|b| NetworkBinding {
                                bind_ip: Some(b.host_ip.clone()),
                                container_port: Some(b.container_port as i32),
                                host_port: Some(b.host_port as i32),
                                protocol: Some(b.protocol.as_str().into()),
                            })
                            .collect()
                    })
                    .unwrap_or_default();
            }
        });
    }

    /// Waits up to `timeout` for a signal and applies it; returns a stop cause when the task must stop.
    async fn wait_signal(&mut self, timeout: Duration) -> Option<StopCause> {
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
    async fn supervise(&mut self) -> StopCause {
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

    async fn apply_event(&self, event: RuntimeEvent) -> Option<StopCause> {
        match event {
            RuntimeEvent::Died { id, exit_code } => {
                // The engine's die event does not say why; inspect tells an OOM kill apart.
                let oom = self
                    .cx
                    .runtime
                    .inspect(&id)
                    .await
                    .is_ok_and(|i| i.oom_killed);
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
    fn container_exited(
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
                if c.last_status != "STOPPED" {
                    c.last_status = "STOPPED".into();
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
            code: "EssentialContainerExited",
            reason: "Essential container in task exited".into(),
        })
    }

    fn set_health(&self, id: &str, health: Health) {
        let status = match health {
            Health::Healthy => "HEALTHY",
            Health::Unhealthy => "UNHEALTHY",
            Health::Starting => "UNKNOWN",
        };
        self.update(|t| {
            if let Some(c) = t
                .containers
                .iter_mut()
                .find(|c| c.runtime_id.as_deref() == Some(id))
            {
                c.health_status = Some(status.into());
            }
            t.health_status = Some(super::order::task_health(t).into());
        });
    }

    /// Compares the record with the engine, catching exits whose events were missed.
    async fn resync(&self) -> Option<StopCause> {
        let running: Vec<String> = self
            .read(|t, _| {
                t.containers
                    .iter()
                    .filter(|c| c.last_status == "RUNNING")
                    .filter_map(|c| c.runtime_id.clone())
                    .collect()
            })
            .unwrap_or_default();
        for id in running {
            match self.cx.runtime.inspect(&id).await {
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
    async fn stop(&mut self, cause: StopCause) {
        if self.read(|_, _| ()).is_none() {
            let orphans: Vec<String> = self.created.drain(..).chain(self.sandbox.take()).collect();
            for id in orphans {
                let _ = self.cx.runtime.stop(&id, 0).await;
                let _ = self.cx.runtime.remove(&id).await;
                self.cx.routes.remove(&id);
            }
            return;
        }
        let awsvpc = self.sandbox.is_some();
        self.update(|t| {
            t.desired_status = "STOPPED".into();
            if t.stop_code.is_none() || cause.code != "UserInitiated" {
                t.stop_code = Some(cause.code.into());
                t.stopped_reason = Some(cause.reason.clone());
            }
            t.stopping_at = Some(now_epoch());
            t.last_status = if awsvpc { "DEACTIVATING" } else { "STOPPING" }.into();
        });
        self.set_status("STOPPING");
        let plan = self
            .read(|t, b| super::order::stop_order(&b.definition, t))
            .unwrap_or_default();
        for (id, timeout) in plan {
            if let Err(e) = self.cx.runtime.stop(&id, timeout).await {
                tracing::debug!(container = %id, error = %e, "stop failed");
            }
            let info = self.cx.runtime.inspect(&id).await.ok();
            let exit = info.as_ref().and_then(|i| i.exit_code);
            self.container_exited(&id, exit, None);
        }
        self.update(|t| {
            for c in &mut t.containers {
                c.last_status = "STOPPED".into();
            }
            t.execution_stopped_at = Some(now_epoch());
        });
        self.set_status("DEPROVISIONING");
        if let Some(id) = self.sandbox.take() {
            let _ = self.cx.runtime.stop(&id, 0).await;
            let _ = self.cx.runtime.remove(&id).await;
            self.cx.routes.remove(&id);
            self.update(|t| {
                t.attachments
                    .iter_mut()
                    .for_each(|a| a.status = "DELETED".into())
            });
        }
        self.update(|t| {
            t.last_status = "STOPPED".into();
            t.stopped_at = Some(now_epoch());
        });
    }
}

/// The engine's pull message without our own prefix.
fn pull_message(e: &RuntimeError) -> String {
    match e {
        RuntimeError::ImagePull(m) | RuntimeError::Rejected(m) | RuntimeError::NotFound(m) => {
            m.clone()
        }
        RuntimeError::Unavailable(m) => format!("the container runtime is unavailable: {m}"),
    }
}
