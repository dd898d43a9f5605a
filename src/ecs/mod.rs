//! Amazon ECS (API version 2014-11-13, AWS JSON 1.1):
//! <https://docs.aws.amazon.com/AmazonECS/latest/APIReference/Welcome.html>.
//!
//! Every operation of the current ECS model is routed. Requests are validated against the model
//! (required members, types, enums, ranges) before an operation function sees them. Operations
//! not built yet (express gateway services, ExecuteCommand...) answer a modelled error
//! naming what is missing, never an unknown-operation error.
//!
//! The rooms, and which way they may look (never back): `api/` (handlers) → `scheduler/` (the
//! service scheduler's reconcile and its controller) → `rules/` (pure rules) → `state/` (stored
//! shapes, per-region state, lookups, statuses); `agent/` (the task controller, what the ECS
//! agent does with containers) → `state/`. The handlers write desired state and queue what
//! changed; after the region's lock is released, [`Ecs::dispatch`] wakes the controllers. Task
//! changes reach the service scheduler and the daemon scheduler as facts on the App's bus.

pub mod agent;
pub mod api;
pub mod dispatch;
pub mod endpoints;
pub mod error;
pub mod express;
pub mod metrics;
pub mod reactions;
pub mod rules;
pub mod scaling;
pub mod scheduler;
pub mod state;
#[cfg(test)]
pub(crate) mod test_calls;

use crate::core::bus::Bus;
use crate::core::clock::Clock;
use crate::core::context::RequestContext;
use crate::core::fleet::Fleet;
use crate::core::shutdown::Loops;
use crate::model::ServiceModel;
use crate::runtime::SharedRuntime;
use crate::wire::Reply;
use agent::TaskController;
use dispatch::{handler, planned};
pub use dispatch::{operation_support, Support};
pub use error::{EcsError, EcsResult};
use scheduler::daemons::controller::DaemonRef;
use serde_json::{Map, Value};
use state::refs::{ServiceRef, TaskRef};
use state::{RegionState, Store};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

/// The ECS service: its state for every account and region, the service scheduler's controller
/// and the task controller that act on it.
pub struct Ecs {
    store: Arc<Store>,
    wakes: mpsc::UnboundedSender<TaskRef>,
    service_wakes: mpsc::UnboundedSender<ServiceRef>,
    daemon_wakes: mpsc::UnboundedSender<DaemonRef>,
    controller: TaskController,
    scheduler: Loops,
    runtime: SharedRuntime,
    owner: String,
    /// The task endpoints at 169.254.170.2, while this server answers them.
    endpoints: std::sync::Mutex<Option<endpoints::Served>>,
}

/// What ECS takes from the App: the shared machinery and its own settings.
pub struct EcsSetup {
    pub runtime: SharedRuntime,
    pub clock: Clock,
    pub bus: Bus,
    /// The owner label of every container it creates.
    pub owner: String,
    /// How long stopped tasks (and INACTIVE services and clusters) stay describable.
    pub retention: Duration,
    /// EC2's and Auto Scaling's facades (instances, networks, groups).
    pub fleet: Fleet,
}

impl Ecs {
    /// Builds the service and starts its controllers (needs a Tokio runtime).
    pub fn new(setup: EcsSetup) -> Self {
        let store = Arc::new(Store::new(setup.clock, setup.fleet));
        let (wakes, rx) = mpsc::unbounded_channel();
        let (service_wakes, service_rx) = mpsc::unbounded_channel();
        let scheduler = Loops::new("service scheduler");
        let inputs = scheduler::controller::Inputs {
            wakes: service_rx,
            facts: setup.bus.subscribe(),
            tasks: wakes.clone(),
            bus: setup.bus.clone(),
        };
        scheduler::controller::spawn(store.clone(), inputs, &scheduler);
        metrics::spawn(store.clone(), setup.runtime.clone(), &scheduler);
        let reactions = reactions::Inputs {
            facts: setup.bus.subscribe(),
            bus: setup.bus.clone(),
            tasks: wakes.clone(),
            services: service_wakes.clone(),
        };
        reactions::spawn(store.clone(), reactions, &scheduler);
        scaling::spawn(
            store.clone(),
            setup.bus.subscribe(),
            service_wakes.clone(),
            &scheduler,
        );
        let (daemon_wakes, daemon_rx) = mpsc::unbounded_channel();
        let daemon_inputs = scheduler::daemons::controller::Inputs {
            wakes: daemon_rx,
            facts: setup.bus.subscribe(),
            tasks: wakes.clone(),
        };
        scheduler::daemons::controller::spawn(store.clone(), daemon_inputs, &scheduler);
        let controller = TaskController::spawn(
            store.clone(),
            setup.runtime.clone(),
            setup.owner.clone(),
            setup.retention,
            rx,
            setup.bus,
        );
        Ecs {
            store,
            wakes,
            service_wakes,
            daemon_wakes,
            controller,
            scheduler,
            runtime: setup.runtime,
            owner: setup.owner,
            endpoints: std::sync::Mutex::new(None),
        }
    }

    /// Serves the task endpoints at 169.254.170.2:80 on the engine's endpoints network, so that
    /// task containers find their metadata and credentials; `Err` says why they cannot be (no
    /// Docker, the address taken by another local-ecs, no privilege for port 80).
    pub async fn serve_endpoints(
        &self,
        issuer: Arc<dyn crate::core::identity::CredentialIssuer>,
        api: Option<endpoints::Api>,
    ) -> Result<std::net::SocketAddr, String> {
        self.runtime
            .ensure_endpoints_network()
            .await
            .map_err(|e| format!("no task endpoints network: {e}"))?;
        let api_url = api.as_ref().map(|_| format!("http://{}", endpoints::HOST));
        let ep = self.endpoints(issuer, api);
        let addr: std::net::SocketAddr = format!("{}:80", endpoints::HOST)
            .parse()
            .map_err(|e| format!("{e}"))?;
        let served = ep
            .serve(addr)
            .map_err(|e| format!("cannot bind {addr}: {e}"))?;
        let bound = served.addr;
        *self.endpoints.lock().unwrap_or_else(|p| p.into_inner()) = Some(served);
        self.store.set_endpoints_served(true);
        self.store.set_task_api_url(api_url);
        Ok(bound)
    }

    /// What the endpoints answer from: this service's state and engine, STS's issuer.
    fn endpoints(
        &self,
        issuer: Arc<dyn crate::core::identity::CredentialIssuer>,
        api: Option<endpoints::Api>,
    ) -> Arc<endpoints::Endpoints> {
        Arc::new(endpoints::Endpoints {
            api,
            store: self.store.clone(),
            runtime: self.runtime.clone(),
            owner: self.owner.clone(),
            issuer: crate::core::fleet::View::new(issuer),
            credentials: dashmap::DashMap::new(),
        })
    }

    /// Stops ECS in order: the service scheduler first (so nothing replaces what is being
    /// stopped), then every task, then the task controller's own loops.
    /// Stops the schedulers and the task controller; with `keep_tasks` (a state dir) the task
    /// containers stay running, for the next start to adopt.
    pub async fn shutdown(&self, keep_tasks: bool) -> agent::ShutdownReport {
        self.store.set_endpoints_served(false);
        self.scheduler.stop().await;
        if keep_tasks {
            // Tasks keep the endpoints network; it goes with the last server that stops them.
            let report = self.controller.detach().await;
            self.controller.stop_loops().await;
            return report;
        }
        let report = self.controller.shutdown().await;
        self.controller.stop_loops().await;
        let served = self
            .endpoints
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        // The server that served the endpoints created or adopted their network: with its tasks
        // gone, nothing of local-ecs is left on the engine once the network goes too.
        if served.is_some() {
            if let Err(e) = self.runtime.remove_endpoints_network().await {
                tracing::warn!(error = %e, "could not remove the task endpoints network");
            }
        }
        report
    }

    /// ECS's services as Application Auto Scaling reads them.
    pub fn services(&self) -> Arc<dyn crate::core::scaling::Services> {
        Arc::new(scaling::EcsServices::new(self.store.clone()))
    }

    pub fn controller(&self) -> &TaskController {
        &self.controller
    }

    /// Drops all state and removes every container this server created.
    /// At a start with a state dir, after its state is loaded: re-adopts the task containers
    /// still on the engine and removes the others of ours.
    pub async fn adopt(&self) {
        let done = self.controller.adopt().await;
        tracing::info!(
            adopted = done.adopted,
            stopped = done.stopped,
            removed = done.removed,
            "tasks re-adopted from the state dir"
        );
        // Every restored service and daemon gets one scheduler pass (restore queued them).
        for (account, region) in self.store.keys() {
            let (services, daemons) = self.store.with(&account, &region, |st| {
                let services = std::mem::take(&mut st.service_outbox);
                (services, std::mem::take(&mut st.daemons.outbox))
            });
            for service_arn in services {
                let (account, region) = (account.clone(), region.clone());
                let _ = self.service_wakes.send(ServiceRef {
                    account,
                    region,
                    service_arn,
                });
            }
            for daemon_arn in daemons {
                let (account, region) = (account.clone(), region.clone());
                let _ = self.daemon_wakes.send(DaemonRef {
                    account,
                    region,
                    daemon_arn,
                });
            }
        }
    }

    pub async fn reset(&self) {
        self.store.clear();
        self.controller.remove_owned_containers().await;
    }

    /// Validates `input` against the model and runs the operation.
    pub fn dispatch(
        &self,
        ctx: &RequestContext,
        operation: &str,
        input: Map<String, Value>,
    ) -> EcsResult<Reply> {
        let model = ServiceModel::ecs();
        if !model.has_operation(operation) {
            return Err(EcsError::UnknownOperation(format!(
                "Unknown operation {operation}."
            )));
        }
        model.validate_input(operation, &input)?;
        let Some(handler) = handler(operation) else {
            return Err(planned(model, operation));
        };
        let mut input = input;
        // Express gateway services make their load balancer before and their scaling after.
        let step = express::before(&self.store, ctx, operation, &mut input)?;
        let result = self.run(ctx, |state| handler(state, ctx, input));
        express::after(&self.store, ctx, step, &result);
        result
    }

    /// Runs a handler on the caller's region, then wakes the controllers of what it changed.
    fn run(
        &self,
        ctx: &RequestContext,
        handler: impl FnOnce(&mut RegionState) -> EcsResult<Reply>,
    ) -> EcsResult<Reply> {
        let (result, queued, services, daemons) = self.store.with_region(ctx, |state| {
            let result = handler(state);
            let queued = std::mem::take(&mut state.outbox);
            let daemons = std::mem::take(&mut state.daemons.outbox);
            (
                result,
                queued,
                std::mem::take(&mut state.service_outbox),
                daemons,
            )
        });
        for daemon_arn in daemons {
            let _ = self.daemon_wakes.send(DaemonRef {
                account: ctx.account.clone(),
                region: ctx.region.clone(),
                daemon_arn,
            });
        }
        for service_arn in services {
            let service = ServiceRef {
                account: ctx.account.clone(),
                region: ctx.region.clone(),
                service_arn,
            };
            let _ = self.service_wakes.send(service);
        }
        for task_arn in queued {
            let task = TaskRef {
                account: ctx.account.clone(),
                region: ctx.region.clone(),
                task_arn,
            };
            let _ = self.wakes.send(task);
        }
        result
    }
}

/// Deserializes validated input into an operation's request struct.
pub fn parse<T: serde::de::DeserializeOwned>(input: Map<String, Value>) -> EcsResult<T> {
    serde_json::from_value(Value::Object(input)).map_err(|e| EcsError::Serialization(e.to_string()))
}

impl Ecs {
    /// Its state in the state dir (`--state-dir`); `None` while it is kept in memory only.
    pub fn durable(&self) -> Option<std::sync::Arc<dyn crate::core::persist::Durable>> {
        Some(Arc::new(state::durable::EcsDurable::new(
            self.store.clone(),
        )))
    }
}
