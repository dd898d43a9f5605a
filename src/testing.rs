//! local-ecs as a fixture of a Rust test suite (cargo feature `testing`).
//!
//! [`LocalEcs::start`] serves a fresh emulator on an ephemeral loopback port inside the test's
//! own Tokio runtime; [`LocalEcs::sdk_config`] is an [`aws_types::SdkConfig`] that any AWS SDK
//! client (`aws_sdk_ecs::Client::new(&config)`, EC2, CloudWatch…) accepts as it is. Tasks run
//! simulated unless [`Builder::docker`] asks for the real engine.
//!
//! ```no_run
//! # async fn example() -> Result<(), local_ecs::testing::Error> {
//! let ecs = local_ecs::testing::LocalEcs::start().await?;
//! println!("AWS_ENDPOINT_URL={}", ecs.endpoint_url());
//! let config = ecs.sdk_config(); // aws_sdk_ecs::Client::new(&config)
//! # drop(config);
//! ecs.stop().await; // or let it drop: its containers are removed either way
//! # Ok(())
//! # }
//! ```
//!
//! Cleaning up: [`LocalEcs::stop`] stops every task and removes what the server created, as
//! SIGTERM does for the binary. Dropping the fixture without `stop` stops serving at once and
//! removes the containers and volumes carrying its owner label from a helper thread, because a
//! destructor cannot wait on the test's runtime (which is busy running the destructor).

use crate::ecs::agent::ShutdownReport;
use crate::runtime::{RuntimeChoice, OWNER_LABEL};
use crate::{App, Config};
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_credential_types::Credentials;
use aws_smithy_runtime_api::client::behavior_version::BehaviorVersion;
use aws_types::region::Region;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use tokio::sync::oneshot;

/// The account every request of the fixture's SDK config acts as.
pub const ACCOUNT: &str = "000000000000";
/// The region of the fixture's SDK config.
pub const REGION: &str = "us-east-1";

/// Why the fixture could not start.
#[derive(Debug)]
pub struct Error(String);

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

/// A running emulator owned by one test.
pub struct LocalEcs {
    app: Arc<App>,
    addr: SocketAddr,
    owner: String,
    stop_serving: Option<oneshot::Sender<()>>,
    stopped: bool,
}

/// How to start a [`LocalEcs`]: simulated tasks by default.
#[derive(Debug, Clone)]
pub struct Builder {
    config: Config,
}

impl Default for Builder {
    fn default() -> Self {
        let config = Config {
            runtime: RuntimeChoice::Simulated,
            ..Config::default()
        };
        Builder { config }
    }
}

impl Builder {
    /// Runs tasks as real containers on the Docker engine (`DOCKER_HOST` or the default socket);
    /// starting fails when no engine answers.
    pub fn docker(mut self) -> Self {
        self.config.runtime = RuntimeChoice::Docker;
        self
    }

    /// Emulated time passes `scale` times faster (grace periods, alarms, scaling cooldowns).
    pub fn time_scale(mut self, scale: f64) -> Self {
        self.config.time_scale = scale;
        self
    }

    /// Any other setting, on the binary's defaults.
    pub fn config(mut self, edit: impl FnOnce(&mut Config)) -> Self {
        edit(&mut self.config);
        self
    }

    /// Binds 127.0.0.1 on an ephemeral port and serves until stopped or dropped.
    pub async fn start(mut self) -> Result<LocalEcs, Error> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(|e| Error(format!("cannot bind a loopback port: {e}")))?;
        let addr = listener
            .local_addr()
            .map_err(|e| Error(format!("no local address: {e}")))?;
        self.config.host = "127.0.0.1".into();
        self.config.port = addr.port();
        let owner = self
            .config
            .owner
            .clone()
            .unwrap_or_else(|| unique_owner(addr));
        self.config.owner = Some(owner.clone());
        let app = App::start(self.config).await.map_err(Error)?;
        let (tx, rx) = oneshot::channel();
        tokio::spawn(crate::serve(listener, app.clone(), async {
            let _ = rx.await;
        }));
        Ok(LocalEcs {
            app,
            addr,
            owner,
            stop_serving: Some(tx),
            stopped: false,
        })
    }
}

/// An owner label no other fixture of this process or of another one uses.
fn unique_owner(addr: SocketAddr) -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    format!("fixture-{}-{}-{n}", std::process::id(), addr.port())
}

impl LocalEcs {
    /// A simulated emulator with the binary's defaults.
    pub async fn start() -> Result<LocalEcs, Error> {
        Builder::default().start().await
    }

    pub fn builder() -> Builder {
        Builder::default()
    }

    /// `http://127.0.0.1:<port>`: the `AWS_ENDPOINT_URL` of this emulator.
    pub fn endpoint_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The emulator itself, for assertions on state the API does not show.
    pub fn app(&self) -> &Arc<App> {
        &self.app
    }

    /// An SDK config for account [`ACCOUNT`] in [`REGION`], pointed at this emulator.
    pub fn sdk_config(&self) -> aws_types::SdkConfig {
        self.sdk_config_as(REGION, "test")
    }

    /// The same in another region, as another account (a 12-digit access key is the account).
    pub fn sdk_config_as(&self, region: &str, access_key: &str) -> aws_types::SdkConfig {
        let credentials = Credentials::new(access_key, "test", None, None, "local-ecs-fixture");
        aws_types::SdkConfig::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(region.to_string()))
            .endpoint_url(self.endpoint_url())
            .credentials_provider(SharedCredentialsProvider::new(credentials))
            .build()
    }

    /// Stops serving, stops every task and removes everything this emulator created.
    pub async fn stop(mut self) -> ShutdownReport {
        self.stopped = true;
        if let Some(tx) = self.stop_serving.take() {
            let _ = tx.send(());
        }
        self.app.shutdown().await
    }
}

impl Drop for LocalEcs {
    fn drop(&mut self) {
        if let Some(tx) = self.stop_serving.take() {
            let _ = tx.send(());
        }
        if self.stopped || self.app.runtime.kind() != "docker" {
            return;
        }
        let owner = self.owner.clone();
        // A fresh runtime on its own thread: the test's runtime is the one running this drop.
        let cleanup = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            rt.block_on(remove_owned(&owner));
        });
        let _ = cleanup.join();
    }
}

/// Removes the containers, then the volumes, that carry `owner` on the default engine.
async fn remove_owned(owner: &str) {
    let Ok(docker) = crate::runtime::docker::DockerRuntime::connect().await else {
        return;
    };
    use crate::runtime::Runtime;
    if let Ok(ids) = docker.list(OWNER_LABEL, owner).await {
        for id in ids {
            let _ = docker.remove(&id).await;
        }
    }
    if let Ok(names) = docker.list_volumes(OWNER_LABEL, owner).await {
        for name in names {
            let _ = docker.remove_volume(&name).await;
        }
    }
}
