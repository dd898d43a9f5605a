//! The runtime boundary: what the control plane needs from whatever runs containers, and
//! nothing about ECS. Backends: `docker` (the local engine through bollard) and `simulated`
//! (no containers; timers), and later Kubernetes. [`engines`] holds the default runtime and
//! the remote Docker engines container instances name.
//!
//! Every container a backend creates carries the labels in [`ContainerSpec::labels`]; the
//! control plane puts its ownership labels there ([`OWNER_LABEL`]) and a backend only ever
//! lists, stops or removes containers carrying them.

pub mod docker;
pub mod engines;
pub mod simulated;

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use tokio::sync::mpsc;

/// The label naming the local-ecs server that owns a container.
pub const OWNER_LABEL: &str = "local-ecs.owner";
/// Present (value "true") on every container local-ecs creates.
pub const MANAGED_LABEL: &str = "local-ecs.managed";

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What went wrong in a runtime call, as the control plane needs to tell it apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RuntimeError {
    /// The engine cannot be reached (socket missing, daemon stopped).
    Unavailable(String),
    /// An image could not be pulled; the engine's message.
    ImagePull(String),
    /// No such container (removed behind our back).
    NotFound(String),
    /// The engine refused the request (bad mount, port taken, bad user...).
    Rejected(String),
}

impl std::fmt::Display for RuntimeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RuntimeError::Unavailable(m) => write!(f, "container runtime unavailable: {m}"),
            RuntimeError::ImagePull(m) | RuntimeError::NotFound(m) | RuntimeError::Rejected(m) => {
                f.write_str(m)
            }
        }
    }
}

impl std::error::Error for RuntimeError {}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Protocol {
    Tcp,
    Udp,
}

impl Protocol {
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Tcp => "tcp",
            Protocol::Udp => "udp",
        }
    }
}

/// A container port, published on the host (`host_port` 0 = an ephemeral port the engine picks)
/// or, with `publish` false, only exposed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortSpec {
    pub container_port: u16,
    pub host_port: u16,
    pub protocol: Protocol,
    pub publish: bool,
}

/// How a container is networked.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Network {
    /// The engine's default bridge network (ports published as in `ports`).
    #[default]
    Bridge,
    /// The host's network stack.
    Host,
    /// No networking.
    None,
    /// Joins the network namespace of another container (by id): how the containers of one
    /// awsvpc task share an IP and reach each other on localhost.
    Join(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MountSource {
    /// A path on the host.
    HostPath(String),
    /// A named engine volume (created if missing).
    Volume(String),
    /// A fresh anonymous volume (ECS volumes with neither host nor docker configuration).
    Anonymous,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mount {
    pub source: MountSource,
    pub target: String,
    pub read_only: bool,
}

/// A Docker-style health check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HealthSpec {
    /// `["CMD-SHELL", "curl -f http://localhost/"]` or `["CMD", "prog", "arg"]`.
    pub test: Vec<String>,
    pub interval_s: u32,
    pub timeout_s: u32,
    pub retries: u32,
    pub start_period_s: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ulimit {
    pub name: String,
    pub soft: i64,
    pub hard: i64,
}

/// Everything needed to create one container.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContainerSpec {
    /// The engine-side name (unique).
    pub name: String,
    pub image: String,
    pub entrypoint: Option<Vec<String>>,
    pub command: Option<Vec<String>>,
    pub env: Vec<(String, String)>,
    pub working_dir: Option<String>,
    pub user: Option<String>,
    pub hostname: Option<String>,
    pub labels: BTreeMap<String, String>,
    /// CPU shares (ECS `cpu` units map 1:1; 0 = engine default).
    pub cpu_shares: Option<i64>,
    /// Hard limit in MiB.
    pub memory_mib: Option<i64>,
    /// Soft limit in MiB.
    pub memory_reservation_mib: Option<i64>,
    pub network: Network,
    pub ports: Vec<PortSpec>,
    /// Legacy links on the default bridge: (engine name of the target, alias).
    pub links: Vec<(String, String)>,
    /// `hostname:ip` entries for /etc/hosts.
    pub extra_hosts: Vec<(String, String)>,
    pub dns_servers: Vec<String>,
    pub dns_search: Vec<String>,
    pub ulimits: Vec<Ulimit>,
    pub privileged: bool,
    pub readonly_rootfs: bool,
    pub mounts: Vec<Mount>,
    /// Containers (by id) whose volumes to mount, and whether read-only.
    pub volumes_from: Vec<(String, bool)>,
    pub healthcheck: Option<HealthSpec>,
    /// Seconds between SIGTERM and SIGKILL when stopping.
    pub stop_timeout_s: Option<u32>,
    pub tty: bool,
    pub interactive: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Health {
    Starting,
    Healthy,
    Unhealthy,
}

/// A host port the engine bound for a container port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    pub container_port: u16,
    pub host_port: u16,
    pub protocol: Protocol,
    pub host_ip: String,
}

/// What the engine says about a container now.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ContainerInfo {
    pub id: String,
    pub running: bool,
    /// Set once the container has exited.
    pub exit_code: Option<i64>,
    pub oom_killed: bool,
    /// The engine's error text when a start failed (e.g. executable not found).
    pub error: Option<String>,
    pub health: Option<Health>,
    /// The container's IP on its network (for Join, the namespace owner's).
    pub ip_address: Option<String>,
    /// Its address on the task endpoints network, when attached to it.
    pub endpoints_ip: Option<String>,
    pub bindings: Vec<Binding>,
    /// Epoch seconds.
    pub started_at: Option<f64>,
    pub finished_at: Option<f64>,
    pub labels: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageInfo {
    pub id: String,
    /// `sha256:...` repo digest when the image has one.
    pub digest: Option<String>,
}

/// Something that happened to an owned container, pushed by the backend.
#[derive(Debug, Clone, PartialEq)]
pub enum RuntimeEvent {
    Started {
        id: String,
    },
    /// The container's main process ended (`exit_code` as the engine reported it).
    Died {
        id: String,
        exit_code: Option<i64>,
    },
    HealthChanged {
        id: String,
        health: Health,
    },
    /// The backend lost (or regained, `available`) its connection to the engine.
    Connection {
        available: bool,
        message: String,
    },
}

/// One line a container wrote, with the engine's timestamp.
#[derive(Debug, Clone, PartialEq)]
pub struct LogLine {
    /// Epoch microseconds (the engine's wall clock).
    pub timestamp_us: i64,
    pub stderr: bool,
    pub text: String,
}

/// The operations the control plane uses. Object-safe, so backends sit behind `Arc<dyn Runtime>`.
pub trait Runtime: Send + Sync {
    /// "docker" or "simulated".
    fn kind(&self) -> &'static str;
    /// Checks the engine; returns a version string.
    fn ping(&self) -> BoxFuture<'_, Result<String, RuntimeError>>;
    /// Uses a local image as it is, else pulls it.
    fn ensure_image<'a>(&'a self, image: &'a str)
        -> BoxFuture<'a, Result<ImageInfo, RuntimeError>>;
    /// Creates a network-namespace holder for an awsvpc task (a pause container); returns its id.
    fn create_sandbox<'a>(
        &'a self,
        name: &'a str,
        labels: &'a BTreeMap<String, String>,
    ) -> BoxFuture<'a, Result<String, RuntimeError>>;
    /// Creates (does not start) a container; returns its id.
    fn create<'a>(&'a self, spec: &'a ContainerSpec)
        -> BoxFuture<'a, Result<String, RuntimeError>>;
    fn start<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<(), RuntimeError>>;
    /// SIGTERM, then SIGKILL after `timeout_s`.
    fn stop<'a>(&'a self, id: &'a str, timeout_s: u32) -> BoxFuture<'a, Result<(), RuntimeError>>;
    /// Removes a container (forcefully, with its anonymous volumes).
    fn remove<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<(), RuntimeError>>;
    fn inspect<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<ContainerInfo, RuntimeError>>;
    /// Ids of all containers (running or not) carrying `label=value`.
    fn list<'a>(
        &'a self,
        label: &'a str,
        value: &'a str,
    ) -> BoxFuture<'a, Result<Vec<String>, RuntimeError>>;
    /// Creates a named volume with `labels`, unless one by that name exists (left as it is).
    /// Backends without volumes (the simulated one) keep only the name: nothing to do.
    fn create_volume<'a>(
        &'a self,
        _name: &'a str,
        _labels: &'a BTreeMap<String, String>,
    ) -> BoxFuture<'a, Result<(), RuntimeError>> {
        Box::pin(async { Ok(()) })
    }
    /// Removes a named volume (not in use by any container); one already gone is fine.
    fn remove_volume<'a>(&'a self, _name: &'a str) -> BoxFuture<'a, Result<(), RuntimeError>> {
        Box::pin(async { Ok(()) })
    }
    /// Names of the volumes carrying `label=value`.
    fn list_volumes<'a>(
        &'a self,
        _label: &'a str,
        _value: &'a str,
    ) -> BoxFuture<'a, Result<Vec<String>, RuntimeError>> {
        Box::pin(async { Ok(Vec::new()) })
    }
    /// A stream of events for containers carrying `label=value`; the backend reconnects by
    /// itself after losing the engine and reports that as `Connection` events.
    fn subscribe(&self, label: &str, value: &str) -> mpsc::UnboundedReceiver<RuntimeEvent>;
    /// Follows a container's stdout and stderr line by line until it exits (the channel then
    /// closes). Backends without real output close it at once.
    fn logs(&self, _id: &str) -> mpsc::UnboundedReceiver<LogLine> {
        mpsc::unbounded_channel().1
    }

    /// Like [`Runtime::logs`], from after `after_us` (epoch µs): the output of a container
    /// adopted after a restart, without what was delivered before it.
    fn logs_after(&self, id: &str, _after_us: i64) -> mpsc::UnboundedReceiver<LogLine> {
        self.logs(id)
    }
    /// Makes sure the network that reaches the task endpoints (169.254.170.2) exists; backends
    /// without one say so.
    fn ensure_endpoints_network(&self) -> BoxFuture<'_, Result<(), RuntimeError>> {
        Box::pin(async { Err(RuntimeError::Rejected("no task endpoints network".into())) })
    }
    /// Removes the task endpoints network if nothing uses it any more (shutdown of the server
    /// that served the endpoints).
    fn remove_endpoints_network(&self) -> BoxFuture<'_, Result<(), RuntimeError>> {
        Box::pin(async { Ok(()) })
    }
    /// Attaches a created container to the endpoints network.
    fn connect_endpoints<'a>(&'a self, _id: &'a str) -> BoxFuture<'a, Result<(), RuntimeError>> {
        Box::pin(async { Ok(()) })
    }
    /// One sample of the engine's stats for a container, as the engine writes them.
    fn stats<'a>(&'a self, _id: &'a str) -> BoxFuture<'a, Result<serde_json::Value, RuntimeError>> {
        Box::pin(async { Ok(serde_json::Value::Null) })
    }
}

pub type SharedRuntime = Arc<dyn Runtime>;

/// Which container runtime runs tasks (`--runtime`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuntimeChoice {
    Auto,
    Docker,
    Simulated,
}

/// Resolves the configured runtime. `Auto` falls back to the simulated runtime when the engine
/// does not answer, and says so in the returned note; `Docker` fails instead.
pub async fn select(choice: RuntimeChoice) -> Result<(SharedRuntime, Option<String>), String> {
    if choice == RuntimeChoice::Simulated {
        return Ok((Arc::new(simulated::SimulatedRuntime::new()), None));
    }
    match docker::DockerRuntime::connect().await {
        Ok(rt) => Ok((Arc::new(rt), None)),
        Err(e) if choice == RuntimeChoice::Auto => {
            let note = format!("Docker is not reachable ({e}); tasks run on the SIMULATED runtime: no containers are started");
            Ok((Arc::new(simulated::SimulatedRuntime::new()), Some(note)))
        }
        Err(e) => Err(format!(
            "the Docker runtime was asked for but is not reachable: {e}"
        )),
    }
}
