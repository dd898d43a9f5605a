//! The Docker backend: runs every container of a task as a real container on the local engine
//! (or the one `DOCKER_HOST` names) through bollard, speaking the
//! [Docker Engine API](https://docs.docker.com/engine/api/v1.41/) at whatever version the engine
//! negotiates (20.10 speaks 1.41).
//!
//! Submodules: [`spec`] turns a [`ContainerSpec`] into a create request, [`inspect`] turns an
//! inspect answer into a [`ContainerInfo`], [`events`] streams engine events, [`pause`] builds
//! the awsvpc sandbox image, [`image`] resolves and pulls images and [`volumes`] manages the
//! named volumes of tasks.

mod endpoints;
mod events;
mod image;
mod inspect;
mod logs;
mod pause;
mod spec;
mod volumes;

use super::engines::EngineAddress;
use super::{
    BoxFuture, ContainerInfo, ContainerSpec, ImageInfo, Runtime, RuntimeError, RuntimeEvent,
};
use bollard::errors::Error as BollardError;
use bollard::query_parameters::{
    CreateContainerOptionsBuilder, InspectContainerOptions, ListContainersOptionsBuilder,
    RemoveContainerOptionsBuilder, StopContainerOptionsBuilder,
};
use bollard::Docker;
use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::time::Duration;
use tokio::sync::mpsc;

/// Bound on connecting, negotiating and pinging: an absent engine must fail fast, not hang.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// Bound on receiving the response headers of an ordinary request (bollard's request timeout).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// A [`Runtime`] backed by a Docker engine.
pub struct DockerRuntime {
    docker: Docker,
    /// Serialises building the pause image so concurrent sandboxes import it once.
    pause_lock: tokio::sync::Mutex<()>,
}

impl DockerRuntime {
    /// Connects to `DOCKER_HOST`, else the default socket, and negotiates the API version.
    pub async fn connect() -> Result<DockerRuntime, RuntimeError> {
        let host =
            std::env::var("DOCKER_HOST").unwrap_or_else(|_| "unix:///var/run/docker.sock".into());
        Self::connect_to(&host).await
    }

    /// Connects to an explicit host (`unix:///path`, `tcp://host:port`, `http://host:port`).
    pub async fn connect_to(host: &str) -> Result<DockerRuntime, RuntimeError> {
        let docker = Docker::connect_with_host(host).map_err(map_err)?;
        Self::negotiate(docker, host).await
    }

    /// Connects to a remote engine's address: plain HTTP for `tcp://` (whatever
    /// `DOCKER_TLS_VERIFY` says, which is about the default engine) or a unix socket.
    pub async fn connect_engine(address: &EngineAddress) -> Result<DockerRuntime, RuntimeError> {
        let timeout = REQUEST_TIMEOUT.as_secs();
        let text = address.to_string();
        let docker = match address {
            EngineAddress::Tcp { .. } => {
                Docker::connect_with_http(&text, timeout, bollard::API_DEFAULT_VERSION)
            }
            EngineAddress::Unix { path } => {
                Docker::connect_with_unix(path, timeout, bollard::API_DEFAULT_VERSION)
            }
        };
        let docker = docker.map_err(|e| RuntimeError::Unavailable(format!("{text}: {e}")))?;
        Self::negotiate(docker, &text).await
    }

    /// Negotiates the API version (bounded: an absent engine fails fast); errors name `host`.
    async fn negotiate(docker: Docker, host: &str) -> Result<DockerRuntime, RuntimeError> {
        let docker = bounded(docker.with_timeout(REQUEST_TIMEOUT).negotiate_version())
            .await
            .map_err(|e| match e {
                RuntimeError::Unavailable(m) => RuntimeError::Unavailable(format!("{host}: {m}")),
                other => RuntimeError::Unavailable(format!("{host}: {other}")),
            })?;
        Ok(DockerRuntime {
            docker,
            pause_lock: tokio::sync::Mutex::new(()),
        })
    }

    /// The underlying client, for callers needing an engine call the trait lacks.
    pub fn client(&self) -> &Docker {
        &self.docker
    }

    async fn ping_engine(&self) -> Result<String, RuntimeError> {
        bounded(self.docker.ping()).await?;
        let version = bounded(self.docker.version()).await?;
        Ok(version.version.unwrap_or_else(|| "unknown".into()))
    }

    async fn create_container(&self, spec: &ContainerSpec) -> Result<String, RuntimeError> {
        spec::validate(spec)?;
        let options = CreateContainerOptionsBuilder::default()
            .name(&spec.name)
            .build();
        let body = spec::create_body(spec);
        let created = self
            .docker
            .create_container(Some(options), body)
            .await
            .map_err(map_err)?;
        Ok(created.id)
    }

    async fn start_container(&self, id: &str) -> Result<(), RuntimeError> {
        self.docker.start_container(id, None).await.map_err(map_err)
    }

    async fn stop_container(&self, id: &str, timeout_s: u32) -> Result<(), RuntimeError> {
        let t = i32::try_from(timeout_s).unwrap_or(i32::MAX);
        let options = StopContainerOptionsBuilder::default().t(t).build();
        // The engine answers only once the container is down: allow for the whole grace period.
        let docker = self
            .docker
            .clone()
            .with_timeout(REQUEST_TIMEOUT + Duration::from_secs(timeout_s.into()));
        docker
            .stop_container(id, Some(options))
            .await
            .map_err(map_err)
    }

    async fn remove_container(&self, id: &str) -> Result<(), RuntimeError> {
        let options = RemoveContainerOptionsBuilder::default()
            .force(true)
            .v(true)
            .build();
        match self
            .docker
            .remove_container(id, Some(options))
            .await
            .map_err(map_err)
        {
            Err(RuntimeError::NotFound(_)) => Ok(()),
            Err(RuntimeError::Rejected(m)) if m.contains("already in progress") => Ok(()),
            other => other,
        }
    }

    async fn inspect_container(&self, id: &str) -> Result<ContainerInfo, RuntimeError> {
        let resp = self
            .docker
            .inspect_container(id, None::<InspectContainerOptions>)
            .await
            .map_err(map_err)?;
        // A container sharing another's network namespace has no address of its own.
        let owner = inspect::namespace_owner(&resp).map(str::to_owned);
        let mut info = inspect::container_info(resp);
        if let Some(owner) = owner {
            info.ip_address = match self
                .docker
                .inspect_container(&owner, None::<InspectContainerOptions>)
                .await
            {
                Ok(o) => inspect::container_info(o).ip_address,
                Err(_) => None,
            };
        }
        Ok(info)
    }

    async fn list_containers(&self, label: &str, value: &str) -> Result<Vec<String>, RuntimeError> {
        let filters = HashMap::from([("label", vec![format!("{label}={value}")])]);
        let options = ListContainersOptionsBuilder::default()
            .all(true)
            .filters(&filters)
            .build();
        let found = self
            .docker
            .list_containers(Some(options))
            .await
            .map_err(map_err)?;
        Ok(found.into_iter().filter_map(|c| c.id).collect())
    }

    async fn sandbox(
        &self,
        name: &str,
        labels: &BTreeMap<String, String>,
    ) -> Result<String, RuntimeError> {
        {
            let _guard = self.pause_lock.lock().await;
            pause::ensure_image(&self.docker).await?;
        }
        let options = CreateContainerOptionsBuilder::default().name(name).build();
        let created = self
            .docker
            .create_container(Some(options), pause::sandbox_body(labels))
            .await
            .map_err(map_err)?;
        if let Err(e) = self.start_container(&created.id).await {
            let _ = self.remove_container(&created.id).await;
            return Err(e);
        }
        Ok(created.id)
    }
}

impl Runtime for DockerRuntime {
    fn kind(&self) -> &'static str {
        "docker"
    }

    fn ping(&self) -> BoxFuture<'_, Result<String, RuntimeError>> {
        Box::pin(self.ping_engine())
    }

    fn ensure_image<'a>(
        &'a self,
        image: &'a str,
    ) -> BoxFuture<'a, Result<ImageInfo, RuntimeError>> {
        Box::pin(image::ensure(&self.docker, image))
    }

    fn create_sandbox<'a>(
        &'a self,
        name: &'a str,
        labels: &'a BTreeMap<String, String>,
    ) -> BoxFuture<'a, Result<String, RuntimeError>> {
        Box::pin(self.sandbox(name, labels))
    }

    fn create<'a>(
        &'a self,
        spec: &'a ContainerSpec,
    ) -> BoxFuture<'a, Result<String, RuntimeError>> {
        Box::pin(self.create_container(spec))
    }

    fn start<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<(), RuntimeError>> {
        Box::pin(self.start_container(id))
    }

    fn stop<'a>(&'a self, id: &'a str, timeout_s: u32) -> BoxFuture<'a, Result<(), RuntimeError>> {
        Box::pin(self.stop_container(id, timeout_s))
    }

    fn remove<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<(), RuntimeError>> {
        Box::pin(self.remove_container(id))
    }

    fn inspect<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<ContainerInfo, RuntimeError>> {
        Box::pin(self.inspect_container(id))
    }

    fn list<'a>(
        &'a self,
        label: &'a str,
        value: &'a str,
    ) -> BoxFuture<'a, Result<Vec<String>, RuntimeError>> {
        Box::pin(self.list_containers(label, value))
    }

    fn create_volume<'a>(
        &'a self,
        name: &'a str,
        labels: &'a BTreeMap<String, String>,
    ) -> BoxFuture<'a, Result<(), RuntimeError>> {
        Box::pin(volumes::create(&self.docker, name, labels))
    }

    fn remove_volume<'a>(&'a self, name: &'a str) -> BoxFuture<'a, Result<(), RuntimeError>> {
        Box::pin(volumes::remove(&self.docker, name))
    }

    fn list_volumes<'a>(
        &'a self,
        label: &'a str,
        value: &'a str,
    ) -> BoxFuture<'a, Result<Vec<String>, RuntimeError>> {
        Box::pin(volumes::list(&self.docker, label, value))
    }

    fn subscribe(&self, label: &str, value: &str) -> mpsc::UnboundedReceiver<RuntimeEvent> {
        events::subscribe(self.docker.clone(), format!("{label}={value}"))
    }

    fn logs(&self, id: &str) -> mpsc::UnboundedReceiver<crate::runtime::LogLine> {
        logs::follow(self.docker.clone(), id.to_string(), i64::MIN)
    }

    fn logs_after(
        &self,
        id: &str,
        after_us: i64,
    ) -> mpsc::UnboundedReceiver<crate::runtime::LogLine> {
        logs::follow(self.docker.clone(), id.to_string(), after_us)
    }

    fn ensure_endpoints_network(&self) -> BoxFuture<'_, Result<(), RuntimeError>> {
        Box::pin(async move { endpoints::ensure(&self.docker).await })
    }

    fn connect_endpoints<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<(), RuntimeError>> {
        Box::pin(async move { endpoints::connect(&self.docker, id).await })
    }

    fn remove_endpoints_network(&self) -> BoxFuture<'_, Result<(), RuntimeError>> {
        Box::pin(async move { endpoints::remove_if_unused(&self.docker).await })
    }

    fn stats<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<serde_json::Value, RuntimeError>> {
        Box::pin(async move {
            use futures_util::StreamExt;
            let options = bollard::query_parameters::StatsOptionsBuilder::new()
                .stream(false)
                .one_shot(false)
                .build();
            let mut stream = self.docker.stats(id, Some(options));
            match stream.next().await {
                Some(Ok(stats)) => Ok(serde_json::to_value(stats).unwrap_or_default()),
                Some(Err(e)) => Err(map_err(e)),
                None => Err(RuntimeError::NotFound(format!("no stats for {id}"))),
            }
        })
    }
}

/// Runs an engine call under [`CONNECT_TIMEOUT`].
async fn bounded<T>(
    call: impl Future<Output = Result<T, BollardError>>,
) -> Result<T, RuntimeError> {
    match tokio::time::timeout(CONNECT_TIMEOUT, call).await {
        Ok(result) => result.map_err(map_err),
        Err(_) => Err(RuntimeError::Unavailable(format!(
            "no answer from the engine within {}s",
            CONNECT_TIMEOUT.as_secs()
        ))),
    }
}

/// Sorts a bollard error into what the control plane distinguishes.
fn map_err(e: BollardError) -> RuntimeError {
    match e {
        BollardError::DockerResponseServerError {
            status_code: 404,
            message,
        } => RuntimeError::NotFound(message),
        BollardError::DockerResponseServerError { message, .. } => RuntimeError::Rejected(message),
        BollardError::DockerStreamError { error } => RuntimeError::Rejected(error),
        e if is_connection_error(&e) => RuntimeError::Unavailable(error_chain(&e)),
        e => RuntimeError::Rejected(error_chain(&e)),
    }
}

fn is_connection_error(e: &BollardError) -> bool {
    matches!(
        e,
        BollardError::HyperLegacyError { .. }
            | BollardError::HyperResponseError { .. }
            | BollardError::IOError { .. }
            | BollardError::RequestTimeoutError
            | BollardError::SocketNotFoundError(_)
            | BollardError::UnsupportedURISchemeError { .. }
            | BollardError::APIVersionParseError {}
    )
}

/// An error with its causes: hyper's outer messages alone ("client error (Connect)") say little.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}
