//! Harness for the Docker-backed task tests: an in-process server per test on the Docker runtime
//! with its own owner label, an SDK client, task and definition builders, bounded polling, the
//! `docker` CLI for inspection, a tiny HTTP client, and a TCP relay in front of the engine socket
//! that a test can cut to play an engine that goes away.
//!
//! Every test body runs under [`Env::run`]: whatever happens (pass or panic), the server is reset
//! afterwards, which must remove every container of its owner; anything left is removed with the
//! CLI and, if the body passed, reported as a failure.

use aws_sdk_ecs::client::Waiters;
use aws_sdk_ecs::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_ecs::types::{
    AwsVpcConfiguration, Compatibility, Container, ContainerDefinition, HealthCheck, LaunchType,
    NetworkConfiguration, NetworkMode, PortMapping, Resource, Task, TaskOverride,
};
use aws_sdk_ecs::Client;
use futures_util::FutureExt;
use local_ecs::config::RuntimeChoice;
use local_ecs::runtime::docker::DockerRuntime;
use local_ecs::runtime::Runtime;
use local_ecs::{App, Config};
use serde_json::Value;
use std::future::Future;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::panic::AssertUnwindSafe;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub const IMAGE: &str = "local-ecs-test:latest";
pub const OWNER_LABEL: &str = local_ecs::runtime::OWNER_LABEL;
/// Bound on every polling loop.
pub const PATIENCE: Duration = Duration::from_secs(30);
/// Bound on the SDK waiters, which sleep at least 6 s between polls.
pub const WAITER_PATIENCE: Duration = Duration::from_secs(60);
/// Bound on one API call: an answer must come, engine or not.
const CALL_PATIENCE: Duration = Duration::from_secs(10);
const CLUSTER: &str = "tasks";

/// Whether the engine answers. With `CI` set, an absent engine fails the test; otherwise the
/// test is skipped with a line on stderr.
pub async fn docker_ready() -> bool {
    let problem = match DockerRuntime::connect().await {
        Ok(rt) => match rt.ping().await {
            Ok(_) => None,
            Err(e) => Some(e.to_string()),
        },
        Err(e) => Some(e.to_string()),
    };
    match problem {
        None => {
            let image = docker(&["image", "inspect", "--format", "{{.Id}}", IMAGE]);
            assert!(
                image.status.success(),
                "{IMAGE} is missing: run scripts/build-test-image.sh"
            );
            true
        }
        Some(e) if std::env::var_os("CI").is_some() => {
            panic!("Docker does not answer and CI is set: {e}")
        }
        Some(e) => {
            eprintln!("skipped: Docker does not answer ({e})");
            false
        }
    }
}

pub fn new_owner() -> String {
    format!("test-{:016x}", rand::random::<u64>())
}

pub fn docker_config(owner: &str) -> Config {
    Config {
        runtime: RuntimeChoice::Docker,
        owner: Some(owner.to_string()),
        ..Default::default()
    }
}

/// Runs `body` against a fresh server on the Docker runtime (skips when Docker is absent).
pub async fn with_docker<F, Fut>(body: F)
where
    F: FnOnce(Env) -> Fut,
    Fut: Future<Output = ()>,
{
    if !docker_ready().await {
        return;
    }
    let owner = new_owner();
    let app = App::start(docker_config(&owner))
        .await
        .expect("App::start on the Docker runtime");
    Env::serve(app, owner).await.run(body).await;
}

/// One test's server, client and cluster.
pub struct Env {
    pub app: Arc<App>,
    pub addr: SocketAddr,
    pub client: Client,
    pub owner: String,
    pub cluster: String,
}

impl Env {
    /// Serves `app` on an ephemeral loopback port and creates the test's cluster.
    pub async fn serve(app: Arc<App>, owner: String) -> Env {
        Env::serve_on(app, owner, "127.0.0.1:0").await
    }

    /// Serves `app` on `bind` (e.g. `0.0.0.0:0`, reachable from containers); the client talks to
    /// it over loopback.
    pub async fn serve_on(app: Arc<App>, owner: String, bind: &str) -> Env {
        let listener = tokio::net::TcpListener::bind(bind).await.expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        tokio::spawn(local_ecs::serve(
            listener,
            app.clone(),
            std::future::pending::<()>(),
        ));
        let config = aws_sdk_ecs::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .endpoint_url(format!("http://{addr}"))
            .credentials_provider(Credentials::new("test", "test", None, None, "test"))
            .build();
        let client = Client::from_conf(config);
        let cluster = client
            .create_cluster()
            .cluster_name(CLUSTER)
            .send()
            .await
            .expect("CreateCluster")
            .cluster
            .and_then(|c| c.cluster_arn)
            .expect("cluster ARN");
        Env {
            app,
            addr,
            client,
            owner,
            cluster,
        }
    }

    /// Runs the test body, then resets the server whatever happened, then re-raises its panic.
    pub async fn run<F, Fut>(self, body: F)
    where
        F: FnOnce(Env) -> Fut,
        Fut: Future<Output = ()>,
    {
        let (app, owner) = (self.app.clone(), self.owner.clone());
        let outcome = AssertUnwindSafe(body(self)).catch_unwind().await;
        let reset = tokio::time::timeout(Duration::from_secs(60), app.reset()).await;
        let leftovers = owned_containers_after_reset(&owner).await;
        let volumes = owned_volumes(&owner);
        if !volumes.is_empty() {
            let mut args = vec!["volume", "rm", "-f"];
            args.extend(volumes.iter().map(String::as_str));
            docker(&args);
        }
        if !leftovers.is_empty() {
            let mut args = vec!["rm", "-f"];
            args.extend(leftovers.iter().map(String::as_str));
            docker(&args);
        }
        if let Err(panic) = outcome {
            std::panic::resume_unwind(panic);
        }
        assert!(reset.is_ok(), "reset did not finish within 60 s");
        assert!(
            leftovers.is_empty(),
            "reset left containers of {owner}: {leftovers:?}"
        );
        assert!(
            volumes.is_empty(),
            "reset left volumes of {owner}: {volumes:?}"
        );
    }

    /// Registers an awsvpc Fargate definition (256 CPU units, 512 MiB); returns its ARN.
    pub async fn fargate_def(&self, family: &str, containers: Vec<ContainerDefinition>) -> String {
        self.client
            .register_task_definition()
            .family(family)
            .network_mode(NetworkMode::Awsvpc)
            .requires_compatibilities(Compatibility::Fargate)
            .cpu("256")
            .memory("512")
            .set_container_definitions(Some(containers))
            .send()
            .await
            .expect("RegisterTaskDefinition (Fargate)")
            .task_definition
            .and_then(|t| t.task_definition_arn)
            .expect("task definition ARN")
    }

    /// Registers a bridge-mode EC2 definition; returns its ARN.
    pub async fn bridge_def(&self, family: &str, containers: Vec<ContainerDefinition>) -> String {
        self.client
            .register_task_definition()
            .family(family)
            .network_mode(NetworkMode::Bridge)
            .requires_compatibilities(Compatibility::Ec2)
            .set_container_definitions(Some(containers))
            .send()
            .await
            .expect("RegisterTaskDefinition (bridge)")
            .task_definition
            .and_then(|t| t.task_definition_arn)
            .expect("task definition ARN")
    }

    /// Registers a container instance with 4 vCPU and 4 GiB for EC2 tasks; returns its ARN.
    pub async fn register_instance(&self) -> String {
        let resource = |name: &str, value: i32| {
            Resource::builder()
                .name(name)
                .r#type("INTEGER")
                .integer_value(value)
                .build()
        };
        self.client
            .register_container_instance()
            .cluster(&self.cluster)
            .total_resources(resource("CPU", 4096))
            .total_resources(resource("MEMORY", 4096))
            .send()
            .await
            .expect("RegisterContainerInstance")
            .container_instance
            .and_then(|c| c.container_instance_arn)
            .expect("container instance ARN")
    }

    /// RunTask on Fargate in a made-up subnet; returns the task ARN.
    pub async fn run_fargate(&self, td: &str) -> String {
        let vpc = AwsVpcConfiguration::builder()
            .subnets("subnet-e7faff23f01c7756a")
            .build()
            .expect("awsvpc configuration");
        let request = self
            .client
            .run_task()
            .cluster(&self.cluster)
            .task_definition(td)
            .launch_type(LaunchType::Fargate)
            .network_configuration(
                NetworkConfiguration::builder()
                    .awsvpc_configuration(vpc)
                    .build(),
            );
        self.first_task(request).await
    }

    /// RunTask on EC2 with optional overrides; returns the task ARN.
    pub async fn run_ec2(&self, td: &str, overrides: Option<TaskOverride>) -> String {
        let request = self
            .client
            .run_task()
            .cluster(&self.cluster)
            .task_definition(td)
            .launch_type(LaunchType::Ec2)
            .set_overrides(overrides);
        self.first_task(request).await
    }

    async fn first_task(
        &self,
        request: aws_sdk_ecs::operation::run_task::builders::RunTaskFluentBuilder,
    ) -> String {
        let out = bounded("RunTask", request.send()).await.expect("RunTask");
        assert!(out.failures().is_empty(), "RunTask failures: {out:?}");
        assert_eq!(out.tasks().len(), 1, "{out:?}");
        out.tasks()[0].task_arn().expect("task ARN").to_string()
    }

    /// DescribeTasks of one task, which must be found (and must answer within 10 s).
    pub async fn describe(&self, arn: &str) -> Task {
        let out = bounded(
            "DescribeTasks",
            self.client
                .describe_tasks()
                .cluster(&self.cluster)
                .tasks(arn)
                .send(),
        )
        .await
        .expect("DescribeTasks");
        assert!(out.failures().is_empty(), "DescribeTasks failures: {out:?}");
        out.tasks().first().cloned().expect("the task")
    }

    /// Polls DescribeTasks until `done` holds, up to [`PATIENCE`]; panics with the last state.
    pub async fn wait_for(&self, arn: &str, what: &str, done: impl Fn(&Task) -> bool) -> Task {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let task = self.describe(arn).await;
            if done(&task) {
                return task;
            }
            assert!(
                Instant::now() < deadline,
                "gave up waiting for {what}; last state: {task:#?}"
            );
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    pub async fn wait_status(&self, arn: &str, status: &str) -> Task {
        self.wait_for(arn, &format!("lastStatus {status}"), |t| {
            t.last_status() == Some(status)
        })
        .await
    }

    /// The SDK's `tasks_running` waiter; panics with the task when it fails.
    pub async fn wait_running(&self, arn: &str) -> Task {
        let waited = self
            .client
            .wait_until_tasks_running()
            .cluster(&self.cluster)
            .tasks(arn)
            .wait(WAITER_PATIENCE)
            .await;
        if let Err(e) = waited {
            panic!(
                "tasks_running failed: {e:?}; task: {:#?}",
                self.describe(arn).await
            );
        }
        self.describe(arn).await
    }

    /// The SDK's `tasks_stopped` waiter; panics with the task when it fails.
    pub async fn wait_stopped(&self, arn: &str) -> Task {
        let waited = self
            .client
            .wait_until_tasks_stopped()
            .cluster(&self.cluster)
            .tasks(arn)
            .wait(WAITER_PATIENCE)
            .await;
        if let Err(e) = waited {
            panic!(
                "tasks_stopped failed: {e:?}; task: {:#?}",
                self.describe(arn).await
            );
        }
        self.describe(arn).await
    }

    /// `GET /_local-ecs/health` on this server, as JSON.
    pub async fn health(&self) -> Value {
        let answer = http_get(
            &self.addr.ip().to_string(),
            self.addr.port(),
            "/_local-ecs/health",
        )
        .await;
        let body = answer.split_once("\r\n\r\n").map_or("", |(_, b)| b);
        serde_json::from_str(body).unwrap_or_else(|e| panic!("health is not JSON ({e}): {answer}"))
    }

    /// Polls the health endpoint until the runtime status is `status`; returns the runtime part.
    pub async fn wait_runtime_status(&self, status: &str) -> Value {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let health = self.health().await;
            if health["runtime"]["status"] == status {
                return health["runtime"].clone();
            }
            assert!(
                Instant::now() < deadline,
                "runtime never became {status}: {health}"
            );
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }
}

/// Runs an API call under [`CALL_PATIENCE`]: a hang is a failure, not a stuck test.
pub async fn bounded<T>(what: &str, call: impl Future<Output = T>) -> T {
    tokio::time::timeout(CALL_PATIENCE, call)
        .await
        .unwrap_or_else(|_| panic!("{what} did not answer within {CALL_PATIENCE:?}"))
}

/// A container definition on the test image running `command`.
pub fn cdef(
    name: &str,
    command: &[&str],
) -> aws_sdk_ecs::types::builders::ContainerDefinitionBuilder {
    ContainerDefinition::builder()
        .name(name)
        .image(IMAGE)
        .set_command(Some(command.iter().map(|s| s.to_string()).collect()))
}

/// `sleep 300` (busybox's sleep as PID 1 ignores SIGTERM) with a 2 s stop timeout.
pub fn sleeper(name: &str) -> aws_sdk_ecs::types::builders::ContainerDefinitionBuilder {
    cdef(name, &["sleep", "300"]).stop_timeout(2)
}

pub fn tcp_port(container_port: i32, host_port: Option<i32>) -> PortMapping {
    PortMapping::builder()
        .container_port(container_port)
        .set_host_port(host_port)
        .build()
}

/// `["CMD-SHELL", script]` every 5 s (ECS's minimum interval), 2 s timeout.
pub fn health_check(script: &str, retries: i32) -> HealthCheck {
    HealthCheck::builder()
        .command("CMD-SHELL")
        .command(script)
        .interval(5)
        .timeout(2)
        .retries(retries)
        .build()
        .expect("health check")
}

/// The task's container called `name`.
pub fn container<'a>(task: &'a Task, name: &str) -> &'a Container {
    task.containers()
        .iter()
        .find(|c| c.name() == Some(name))
        .unwrap_or_else(|| panic!("no container {name} in {task:#?}"))
}

pub fn runtime_id(c: &Container) -> String {
    c.runtime_id()
        .unwrap_or_else(|| panic!("container without runtimeId: {c:#?}"))
        .to_string()
}

/// Epoch seconds of an SDK timestamp that must be set.
pub fn secs(what: &str, t: Option<&aws_smithy_types::DateTime>) -> f64 {
    t.unwrap_or_else(|| panic!("{what} is not set"))
        .as_secs_f64()
}

// --- the docker CLI ----------------------------------------------------------------------------

pub fn docker(args: &[&str]) -> std::process::Output {
    Command::new("docker")
        .args(args)
        .output()
        .expect("the docker CLI")
}

/// `docker inspect` of one container, which must exist.
pub fn inspect(id: &str) -> Value {
    let out = docker(&["inspect", id]);
    assert!(
        out.status.success(),
        "docker inspect {id}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let all: Value = serde_json::from_slice(&out.stdout).expect("inspect JSON");
    all[0].clone()
}

/// Names of the volumes carrying `local-ecs.owner=<owner>`.
pub fn owned_volumes(owner: &str) -> Vec<String> {
    let filter = format!("label={OWNER_LABEL}={owner}");
    let out = docker(&["volume", "ls", "-q", "--filter", &filter]);
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .filter(|l| !l.is_empty())
        .collect()
}

pub fn container_exists(id: &str) -> bool {
    docker(&["inspect", "--format", "{{.Id}}", id])
        .status
        .success()
}

/// Ids from `docker ps -q` with the given filters (`all`: stopped ones too).
pub fn ps(all: bool, filters: &[String]) -> Vec<String> {
    let mut args = vec!["ps", "-q", "--no-trunc"];
    if all {
        args.push("-a");
    }
    for f in filters {
        args.extend(["--filter", f.as_str()]);
    }
    let out = docker(&args);
    assert!(out.status.success(), "docker ps failed: {out:?}");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .filter(|l| !l.is_empty())
        .collect()
}

/// Running containers of a task (its own and its awsvpc sandbox), by the task-ARN label.
pub fn running_containers_of(task_arn: &str) -> Vec<String> {
    ps(
        false,
        &[format!("label=com.amazonaws.ecs.task-arn={task_arn}")],
    )
}

/// The owner's containers, polled for up to 10 s to let in-flight removals land.
async fn owned_containers_after_reset(owner: &str) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let left = ps(true, &[format!("label={OWNER_LABEL}={owner}")]);
        if left.is_empty() || Instant::now() > deadline {
            return left;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// An engine timestamp (RFC 3339 with nanoseconds) in epoch seconds.
pub fn engine_time(v: &Value) -> f64 {
    let s = v.as_str().unwrap_or_else(|| panic!("not a timestamp: {v}"));
    aws_smithy_types::DateTime::from_str(s, aws_smithy_types::date_time::Format::DateTime)
        .unwrap_or_else(|e| panic!("bad engine timestamp {s}: {e}"))
        .as_secs_f64()
}

/// `KEY=value` entries of `Config.Env`.
pub fn env_of(inspected: &Value) -> Vec<String> {
    inspected["Config"]["Env"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

pub fn label<'a>(inspected: &'a Value, name: &str) -> Option<&'a str> {
    inspected["Config"]["Labels"][name].as_str()
}

// --- plain HTTP ----------------------------------------------------------------------------------

/// `GET path` on `host:port` over HTTP/1.0, retried until an answer comes, up to [`PATIENCE`].
pub async fn http_get(host: &str, port: u16, path: &str) -> String {
    let request = format!("GET {path} HTTP/1.0\r\nHost: {host}\r\n\r\n");
    let deadline = Instant::now() + PATIENCE;
    loop {
        let (req, target) = (request.clone(), format!("{host}:{port}"));
        let answer = tokio::task::spawn_blocking(move || -> std::io::Result<String> {
            let addr: SocketAddr = target.parse().map_err(std::io::Error::other)?;
            let mut conn = TcpStream::connect_timeout(&addr, Duration::from_secs(3))?;
            conn.set_read_timeout(Some(Duration::from_secs(5)))?;
            conn.write_all(req.as_bytes())?;
            let mut body = String::new();
            conn.read_to_string(&mut body)?;
            Ok(body)
        });
        match answer.await.expect("join") {
            Ok(body) if body.starts_with("HTTP/1") => return body,
            other => assert!(
                Instant::now() < deadline,
                "no HTTP answer from {host}:{port}{path}: {other:?}"
            ),
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

// --- a cuttable relay to the engine -------------------------------------------------------------

/// A TCP → engine-socket relay on a fixed port that can be cut (listener closed, every relayed
/// connection severed) and restored on the same port.
pub struct Relay {
    pub port: u16,
    socket: String,
    stop: Mutex<Arc<AtomicBool>>,
    streams: Arc<Mutex<Vec<TcpStream>>>,
}

impl Relay {
    pub fn start(socket: &str) -> Relay {
        let listener = TcpListener::bind(("127.0.0.1", 0)).expect("bind relay");
        let relay = Relay {
            port: listener.local_addr().expect("addr").port(),
            socket: socket.to_string(),
            stop: Mutex::new(Arc::default()),
            streams: Arc::default(),
        };
        relay.serve(listener);
        relay
    }

    fn serve(&self, listener: TcpListener) {
        listener.set_nonblocking(true).expect("nonblocking");
        let stop = Arc::new(AtomicBool::new(false));
        *self.stop.lock().expect("lock") = stop.clone();
        let (streams, socket) = (self.streams.clone(), self.socket.clone());
        std::thread::spawn(move || {
            while !stop.load(Ordering::SeqCst) {
                let Ok((client, _)) = listener.accept() else {
                    std::thread::sleep(Duration::from_millis(20));
                    continue;
                };
                let _ = client.set_nonblocking(false);
                let Ok(engine) = std::os::unix::net::UnixStream::connect(&socket) else {
                    continue;
                };
                let (Ok(mut c2), Ok(mut e2), Ok(kept)) =
                    (client.try_clone(), engine.try_clone(), client.try_clone())
                else {
                    continue;
                };
                streams.lock().expect("lock").push(kept);
                let (mut client, mut engine) = (client, engine);
                std::thread::spawn(move || {
                    let _ = std::io::copy(&mut client, &mut engine);
                    let _ = engine.shutdown(std::net::Shutdown::Both);
                });
                std::thread::spawn(move || {
                    let _ = std::io::copy(&mut e2, &mut c2);
                    let _ = c2.shutdown(std::net::Shutdown::Both);
                });
            }
        });
    }

    /// Stops listening and severs every relayed connection.
    pub fn cut(&self) {
        self.stop
            .lock()
            .expect("lock")
            .store(true, Ordering::SeqCst);
        for s in self.streams.lock().expect("lock").drain(..) {
            let _ = s.shutdown(std::net::Shutdown::Both);
        }
        std::thread::sleep(Duration::from_millis(100)); // lets the accept loop drop the listener
    }

    /// Listens again on the same port.
    pub fn restore(&self) {
        let listener = TcpListener::bind(("127.0.0.1", self.port)).expect("rebind relay");
        self.serve(listener);
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.cut();
    }
}

/// Removes containers the test created itself with the CLI when dropped (even on panic).
pub struct CliContainers(pub Vec<String>);

impl Drop for CliContainers {
    fn drop(&mut self) {
        for id in &self.0 {
            let _ = docker(&["rm", "-f", id]);
        }
    }
}
