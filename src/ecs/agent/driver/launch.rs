//! The launch half of a task's driver: the awsvpc sandbox, image pulls, container creation and
//! start-up in `dependsOn` order.

use crate::core::ids;
use crate::ecs::agent::driver::{Driver, StopCause};
use crate::ecs::agent::spec::{self, SpecContext};
use crate::ecs::agent::volumes;
use crate::ecs::state::status::ContainerStatus;
use crate::ecs::state::status::NetworkMode;
use crate::ecs::state::task::{NetworkBinding, NetworkInterface, Task};
use crate::ecs::state::types::{KeyValuePair, TaskDefinition};
use crate::runtime::{ContainerInfo, RuntimeError};
use std::collections::BTreeMap;
use std::time::Duration;

impl Driver {
    /// awsvpc: a sandbox holding the task's network namespace, its IP shown on the ENI.
    pub(super) async fn provision(
        &mut self,
        task: &Task,
        td: &TaskDefinition,
    ) -> Result<(), StopCause> {
        if td.network_mode != Some(NetworkMode::Awsvpc) {
            self.update(|t| {
                t.connectivity = Some("CONNECTED".into());
                t.connectivity_at = Some(self.now());
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
        let rt = self.rt.clone();
        let id = rt.create_sandbox(&name, &labels).await.map_err(|e| {
            StopCause::failed(format!(
                "ResourceInitializationError: failed to set up the task network: {e}"
            ))
        })?;
        self.sandbox = Some(id.clone());
        self.cx.routes.insert(id.clone(), self.task.clone());
        self.attach_endpoints(&id).await;
        let info = rt.inspect(&id).await.ok();
        self.note_endpoints_ip(info.as_ref());
        let ip = info.and_then(|i| i.ip_address).unwrap_or_default();
        let mac = ids::mac_address();
        self.update(|t| {
            let subnet = t
                .awsvpc
                .as_ref()
                .and_then(|a| a.get("subnets")?.get(0)?.as_str().map(String::from))
                .unwrap_or_default();
            let eni = ids::short_id("eni");
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
            t.connectivity_at = Some(self.now());
        });
        Ok(())
    }

    /// Attaches a sandbox or bridge container to the task endpoints network, when this server
    /// answers there (a failure only costs the task its endpoints).
    async fn attach_endpoints(&self, id: &str) {
        if !self.cx.store.endpoints_served() {
            return;
        }
        if let Err(e) = self.rt.connect_endpoints(id).await {
            tracing::warn!(task = %self.task.task_arn, error = %e, "task endpoints not attached");
        }
    }

    /// Remembers the task behind its endpoints-network address (task metadata v2).
    pub(super) fn note_endpoints_ip(&mut self, info: Option<&ContainerInfo>) {
        if let Some(ip) = info.and_then(|i| i.endpoints_ip.clone()) {
            self.cx
                .store
                .set_endpoint_ip(&ip, Some(&self.task.task_arn));
            self.endpoint_ips.push(ip);
        }
    }

    pub(super) async fn pull(&self, td: &TaskDefinition) -> Result<(), StopCause> {
        self.update(|t| t.pull_started_at = Some(self.now()));
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
            match self.rt.ensure_image(&image).await {
                Ok(info) => self.update(|t| {
                    if let Some(c) = t.containers.iter_mut().find(|c| c.name == name) {
                        c.image_digest = info.digest.clone().or(Some(info.id.clone()));
                    }
                }),
                Err(e) => {
                    let reason = format!("CannotPullContainerError: {}", pull_message(&e));
                    self.update(|t| {
                        t.pull_stopped_at = Some(self.now());
                        for c in &mut t.containers {
                            c.reason = Some(reason.clone());
                        }
                    });
                    return Err(StopCause::failed(reason));
                }
            }
        }
        self.update(|t| t.pull_stopped_at = Some(self.now()));
        Ok(())
    }

    /// Creates every container (volumesFrom sources first); returns engine ids by name.
    pub(super) async fn create(
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
        for (volume, labels) in volumes::for_task(task, td, &self.cx.owner) {
            self.rt.create_volume(&volume, &labels).await.map_err(|e| {
                StopCause::failed(format!("CannotCreateContainerError: volume {volume}: {e}"))
            })?;
        }
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
                // Host-mode containers reach the address on the host itself.
                endpoints: self.cx.store.endpoints_served()
                    && network != crate::runtime::Network::None,
                api_url: self
                    .cx
                    .store
                    .task_api_url()
                    .filter(|_| network != crate::runtime::Network::None),
            };
            let spec = spec::container_spec(&cx, def);
            let id = self
                .rt
                .create(&spec)
                .await
                .map_err(|e| StopCause::failed(format!("CannotCreateContainerError: {e}")))?;
            self.cx.routes.insert(id.clone(), self.task.clone());
            self.created.push(id.clone());
            if network == crate::runtime::Network::Bridge {
                self.attach_endpoints(&id).await;
            }
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
    pub(super) async fn start_in_order(
        &mut self,
        td: &TaskDefinition,
        ids: &BTreeMap<String, String>,
    ) -> Result<(), StopCause> {
        loop {
            let (ready, blocked) = self
                .read(|t, _| crate::ecs::agent::order::plan(td, t))
                .ok_or_else(|| self.gone())?;
            if let Some(why) = blocked {
                return Err(StopCause::failed(format!(
                    "CannotStartContainerError: {why}"
                )));
            }
            if ready.is_empty()
                && self
                    .read(|t, _| crate::ecs::agent::order::all_started(t))
                    .unwrap_or(true)
            {
                return Ok(());
            }
            for name in ready {
                let Some(id) = ids.get(&name) else { continue };
                self.rt
                    .start(id)
                    .await
                    .map_err(|e| StopCause::failed(format!("CannotStartContainerError: {e}")))?;
                self.ship_logs(td, &name, id);
                let info = self.rt.inspect(id).await.ok();
                self.note_endpoints_ip(info.as_ref());
                self.mark_running(&name, info.as_ref());
            }
            if self
                .read(|t, _| crate::ecs::agent::order::all_started(t))
                .unwrap_or(true)
            {
                return Ok(());
            }
            if let Some(cause) = self.wait_signal(Duration::from_millis(500)).await {
                return Err(cause);
            }
        }
    }

    pub(super) fn mark_running(&self, name: &str, info: Option<&ContainerInfo>) {
        let td_mode = self.read(|_, b| b.definition.network_mode).flatten();
        self.update(|t| {
            let Some(c) = t.containers.iter_mut().find(|c| c.name == name) else {
                return;
            };
            if c.last_status == ContainerStatus::Pending {
                c.last_status = ContainerStatus::Running;
            }
            if td_mode != Some(NetworkMode::Awsvpc) {
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
