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
//! Cleaning up: [`LocalEcs::stop`] and dropping the fixture both stop every task and remove what
//! the server created, as SIGTERM does for the binary. The emulator runs on a runtime thread of
//! its own, so a destructor can wait for that (it could not wait on the test's runtime, which is
//! busy running the destructor).

use crate::ecs::agent::ShutdownReport;
use crate::runtime::RuntimeChoice;
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

/// A running emulator owned by one test. It lives on a runtime thread of its own, so that
/// stopping it — from `stop` or from `drop` — never waits on the test's runtime.
pub struct LocalEcs {
    app: Arc<App>,
    addr: SocketAddr,
    stop_serving: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<Option<ShutdownReport>>>,
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
    pub async fn start(self) -> Result<LocalEcs, Error> {
        let (ready_tx, ready_rx) = oneshot::channel();
        let (stop_tx, stop_rx) = oneshot::channel::<()>();
        let config = self.config;
        let thread = std::thread::Builder::new()
            .name("local-ecs-fixture".into())
            .spawn(move || serve_on_own_runtime(config, ready_tx, stop_rx))
            .map_err(|e| Error(format!("cannot start the fixture's thread: {e}")))?;
        match ready_rx.await {
            Ok(Ok((app, addr))) => Ok(LocalEcs {
                app,
                addr,
                stop_serving: Some(stop_tx),
                thread: Some(thread),
            }),
            Ok(Err(e)) => {
                let _ = thread.join();
                Err(e)
            }
            Err(_) => Err(Error("the fixture's thread ended before serving".into())),
        }
    }
}

type Ready = Result<(Arc<App>, SocketAddr), Error>;

/// The fixture's thread: its own runtime, the App, the server until told to stop, then the
/// same shutdown as the binary's SIGTERM (every task stopped, everything created removed).
fn serve_on_own_runtime(
    mut config: Config,
    ready: oneshot::Sender<Ready>,
    stop: oneshot::Receiver<()>,
) -> Option<ShutdownReport> {
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            let _ = ready.send(Err(Error(format!("no runtime for the fixture: {e}"))));
            return None;
        }
    };
    rt.block_on(async move {
        let listener = match tokio::net::TcpListener::bind("127.0.0.1:0").await {
            Ok(l) => l,
            Err(e) => {
                let _ = ready.send(Err(Error(format!("cannot bind a loopback port: {e}"))));
                return None;
            }
        };
        let Ok(addr) = listener.local_addr() else {
            let _ = ready.send(Err(Error("no local address".into())));
            return None;
        };
        config.host = "127.0.0.1".into();
        config.port = addr.port();
        if config.owner.is_none() {
            config.owner = Some(unique_owner(addr));
        }
        let app = match App::start(config).await {
            Ok(app) => app,
            Err(e) => {
                let _ = ready.send(Err(Error(e)));
                return None;
            }
        };
        let _ = ready.send(Ok((app.clone(), addr)));
        crate::serve(listener, app.clone(), async {
            let _ = stop.await;
        })
        .await;
        Some(app.shutdown().await)
    })
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
        let thread = self.begin_stop();
        let joined = tokio::task::spawn_blocking(move || thread.map(|t| t.join()))
            .await
            .ok()
            .flatten();
        match joined {
            Some(Ok(Some(report))) => report,
            _ => ShutdownReport::default(),
        }
    }

    fn begin_stop(&mut self) -> Option<std::thread::JoinHandle<Option<ShutdownReport>>> {
        if let Some(tx) = self.stop_serving.take() {
            let _ = tx.send(());
        }
        self.thread.take()
    }
}

impl Drop for LocalEcs {
    fn drop(&mut self) {
        // The fixture's own runtime does the work; this thread only waits for it.
        if let Some(thread) = self.begin_stop() {
            let _ = thread.join();
        }
    }
}
