//! local-ecs: a local emulator of Amazon ECS.
//!
//! The crate is embeddable: build an [`App`], bind a listener and call [`serve`]. Requests flow
//! straight down: [`server`] (HTTP) → [`edge`] (internal endpoints, routing, protocol codecs) →
//! a service's dispatch (e.g. [`ecs`]) → its operation functions → its state.

#![warn(clippy::unwrap_used)]
#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod appscaling;
pub mod autoscaling;
pub mod cloudwatch;
pub mod config;
pub mod core;
mod durability;
pub mod ec2;
pub mod ecs;
pub mod edge;
pub mod elbv2;
pub mod iam;
pub mod logs;
pub mod model;
pub mod router;
pub mod runtime;
pub mod seed;
pub mod server;
pub mod sts;
#[cfg(feature = "testing")]
pub mod testing;
pub mod wire;

use std::sync::Arc;
use std::time::Instant;

pub use config::Config;
pub use server::serve;

/// The whole emulator: the machinery every service shares (the container runtime, the clock,
/// the bus of facts) and one handle per emulated service. Cheap to share behind an `Arc`.
pub struct App {
    pub config: Config,
    pub runtime: runtime::SharedRuntime,
    pub clock: core::clock::Clock,
    pub bus: core::bus::Bus,
    pub ecs: ecs::Ecs,
    pub autoscaling: autoscaling::AutoScaling,
    pub appscaling: appscaling::AppScaling,
    pub ec2: ec2::Ec2,
    pub elbv2: elbv2::Elbv2,
    pub logs: logs::Logs,
    pub cloudwatch: cloudwatch::CloudWatch,
    pub iam: iam::Iam,
    pub sts: sts::Sts,
    started: Instant,
    /// Why the runtime is not the one asked for (auto fell back to simulated), if so.
    runtime_note: Option<String>,
    /// The state dir, when `--state-dir` keeps state across restarts ([`durability`]).
    state: std::sync::OnceLock<Arc<core::persist::StateDir>>,
    /// The loop that writes controllers' changes to the state dir.
    persist_loops: core::shutdown::Loops,
}

impl App {
    /// Resolves the configured runtime (`auto`: Docker when the engine answers, else simulated
    /// with a warning), removes containers a previous run with the same owner left behind, and
    /// starts the controllers.
    pub async fn start(config: Config) -> Result<Arc<App>, String> {
        let (runtime, note) = runtime::select(config.runtime).await?;
        if let Some(note) = &note {
            tracing::warn!("{note}");
        }
        let app = App::with_runtime(config, runtime, note);
        let restored = app.open_state().await?;
        if app.runtime.kind() == "docker" {
            let api = app.config.inject_endpoint_url.then(|| {
                // Weak: the endpoints live inside the App they forward to.
                let weak = Arc::downgrade(&app);
                let api: ecs::endpoints::Api = Arc::new(move |req| {
                    let weak = weak.clone();
                    Box::pin(async move {
                        match weak.upgrade() {
                            Some(app) => edge::handle(&app, &req).await,
                            None => wire::WireResponse {
                                status: 503,
                                headers: Vec::new(),
                                body: Default::default(),
                            },
                        }
                    })
                });
                api
            });
            match app.ecs.serve_endpoints(app.sts.issuer(), api).await {
                Ok(addr) => tracing::info!(%addr, "task metadata and credentials endpoints served"),
                Err(why) => tracing::warn!(
                    "tasks will not find the metadata and credentials endpoints at 169.254.170.2: {why}"
                ),
            }
        }
        if let Some(path) = app.config.init.clone().filter(|_| restored == 0) {
            let applied = seed::apply(&app, &path).await?;
            tracing::info!(file = %path.display(), created = ?applied.counts, "seed applied");
        }
        Ok(app)
    }

    /// Builds the app on a given runtime and starts its controllers (needs a Tokio runtime).
    pub fn with_runtime(
        config: Config,
        runtime: runtime::SharedRuntime,
        runtime_note: Option<String>,
    ) -> Arc<App> {
        let clock = core::clock::Clock::new(config.time_scale);
        let bus = core::bus::Bus::new();
        let ec2 = ec2::Ec2::new(ec2::Ec2Setup {
            clock: clock.clone(),
            bus: bus.clone(),
        });
        let autoscaling = autoscaling::AutoScaling::new(autoscaling::AutoScalingSetup {
            clock: clock.clone(),
            bus: bus.clone(),
            instances: core::fleet::View::new(ec2.instances()),
            networks: core::fleet::View::new(ec2.networks()),
        });
        let cloudwatch = cloudwatch::CloudWatch::new(clock.clone(), bus.clone());
        let elbv2 = elbv2::Elbv2::new(elbv2::Elbv2Setup {
            clock: clock.clone(),
            bus: bus.clone(),
            networks: core::fleet::View::new(ec2.networks()),
            listener_host: config.listener_host,
            metrics: core::fleet::View::new(cloudwatch.sink()),
        });
        let logs = logs::Logs::new(clock.clone());
        let iam = iam::Iam::new(clock.clone());
        let sts = sts::Sts::new(clock.clone(), iam.roles());
        let fleet = core::fleet::Fleet {
            networks: core::fleet::View::new(ec2.networks()),
            instances: core::fleet::View::new(ec2.instances()),
            groups: core::fleet::View::new(autoscaling.groups()),
            target_groups: core::fleet::View::new(elbv2.target_groups()),
            logs: core::fleet::View::new(logs.sink()),
            roles: core::fleet::View::new(iam.roles()),
            metrics: core::fleet::View::new(cloudwatch.sink()),
            ingresses: core::fleet::View::new(elbv2.ingresses()),
            scaling: core::fleet::Late::default(),
        };
        let scaling = fleet.scaling.clone();
        let ecs = ecs::Ecs::new(ecs::EcsSetup {
            runtime: runtime.clone(),
            clock: clock.clone(),
            bus: bus.clone(),
            owner: config.owner(),
            retention: config.task_retention,
            fleet,
        });
        let appscaling = appscaling::AppScaling::new(appscaling::AppScalingSetup {
            clock: clock.clone(),
            bus: bus.clone(),
            services: ecs.services(),
            alarms: Some(cloudwatch.alarms()),
        });
        scaling.set(appscaling.scaling_policies());
        Arc::new(App {
            config,
            runtime,
            clock,
            bus,
            ecs,
            autoscaling,
            appscaling,
            ec2,
            elbv2,
            logs,
            cloudwatch,
            iam,
            sts,
            started: Instant::now(),
            runtime_note,
            state: Default::default(),
            persist_loops: core::shutdown::Loops::new("state dir"),
        })
    }

    /// An app on the simulated runtime: for embedding in tests that need no containers.
    pub fn new(config: Config) -> Arc<App> {
        let runtime = Arc::new(runtime::simulated::SimulatedRuntime::new());
        App::with_runtime(config, runtime, None)
    }

    /// Drops every service's state and removes the containers local-ecs created
    /// (the `/_local-ecs/reset` endpoint).
    pub async fn reset(&self) {
        self.autoscaling.reset();
        self.appscaling.reset();
        self.elbv2.reset();
        self.ecs.reset().await;
        self.ec2.reset();
        self.logs.reset();
        self.cloudwatch.reset();
        self.iam.reset();
        self.sts.reset();
        self.wipe_state().await;
    }

    /// Stops every service's controllers in order, every task this server started, and removes
    /// everything it owns (SIGTERM/SIGINT, and embedders when they are done).
    pub async fn shutdown(&self) -> ecs::agent::ShutdownReport {
        let keep_tasks = self.save_before_shutdown().await;
        // Auto Scaling first: nothing is launched or replaced while the rest stops.
        self.autoscaling.shutdown().await;
        // Before ECS: no desired count changes while its tasks stop.
        self.appscaling.shutdown().await;
        self.ec2.shutdown().await;
        let report = self.ecs.shutdown(keep_tasks).await;
        // After ECS: its tasks deregister from target groups while the listeners still serve.
        self.elbv2.shutdown().await;
        self.logs.shutdown().await;
        self.cloudwatch.shutdown().await;
        if !keep_tasks {
            self.save_after_shutdown().await;
        }
        report
    }

    /// The runtime's kind, reachability and any fallback note, for the health endpoint, with
    /// every engine tasks have used (the default, then remote Docker hosts).
    pub fn runtime_health(&self) -> serde_json::Value {
        let controller = self.ecs.controller();
        let status = controller.runtime_status();
        let word = |available: bool| {
            if available {
                "available"
            } else {
                "unavailable"
            }
        };
        let engines: Vec<serde_json::Value> = controller
            .engine_statuses()
            .into_iter()
            .map(|e| {
                serde_json::json!({
                    "name": e.name,
                    "kind": e.kind,
                    "status": word(e.status.available),
                    "message": e.status.message,
                })
            })
            .collect();
        serde_json::json!({
            "kind": controller.runtime().kind(),
            "status": word(status.available),
            "message": status.message,
            "note": self.runtime_note,
            "engines": engines,
        })
    }

    pub fn uptime(&self) -> std::time::Duration {
        self.started.elapsed()
    }
}

/// The README's supported-operations table, generated from the dispatch tables so it cannot lie.
pub fn operations_table() -> String {
    let mut out = String::from("| Service | Operation | Status |\n|---|---|---|\n");
    for (op, support) in ecs::operation_support() {
        out.push_str(&format!("| ECS | {op} | {} |\n", support.describe()));
    }
    for (op, support) in autoscaling::operation_support() {
        out.push_str(&format!(
            "| Auto Scaling | {op} | {} |\n",
            support.describe()
        ));
    }
    for (op, support) in elbv2::operation_support() {
        out.push_str(&format!("| ELBv2 | {op} | {} |\n", support.describe()));
    }
    for (op, support) in logs::operation_support() {
        out.push_str(&format!(
            "| CloudWatch Logs | {op} | {} |\n",
            support.describe()
        ));
    }
    for (op, support) in cloudwatch::operation_support() {
        out.push_str(&format!("| CloudWatch | {op} | {} |\n", support.describe()));
    }
    for (op, support) in appscaling::operation_support() {
        out.push_str(&format!(
            "| Application Auto Scaling | {op} | {} |\n",
            support.describe()
        ));
    }
    for (op, support) in iam::operation_support() {
        out.push_str(&format!("| IAM | {op} | {} |\n", support.describe()));
    }
    for (op, built) in sts::operation_support() {
        let support = if built {
            iam::Support::Implemented
        } else {
            iam::Support::Planned
        };
        out.push_str(&format!("| STS | {op} | {} |\n", support.describe()));
    }
    for (op, support) in ec2::operation_rows() {
        out.push_str(&format!("| EC2 | {op} | {support} |\n"));
    }
    out
}

#[cfg(test)]
mod tests {
    /// The README's table is the generated one: `cargo run -- --list-operations` refreshes it.
    #[test]
    fn readme_lists_the_supported_operations() {
        let readme = include_str!("../README.md");
        let begin = readme
            .find("<!-- operations:begin -->\n")
            .map(|i| i + 26)
            .unwrap();
        let end = readme.find("<!-- operations:end -->").unwrap();
        assert_eq!(
            &readme[begin..end],
            super::operations_table(),
            "run scripts/gen-readme-ops.sh"
        );
    }
}
