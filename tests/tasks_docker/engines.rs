//! Container instances backed by another Docker engine (attribute `local-ecs.docker-host`).
//! The "other" engine is the local one behind a TCP relay in this process, which counts the
//! connections it carries: calls that reach the engine through it can only come from the remote
//! engine's runtime, since the server's default runtime uses the socket directly.

use crate::support::*;
use aws_sdk_ecs::types::{
    Attribute, AwsVpcConfiguration, Compatibility, LaunchType, NetworkConfiguration, NetworkMode,
    Resource, TaskStopCode,
};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

const DOCKER_HOST_ATTRIBUTE: &str = "local-ecs.docker-host";

/// Accepts on 127.0.0.1:0 and relays each connection to the engine's unix socket.
struct CountingRelay {
    port: u16,
    connections: Arc<AtomicUsize>,
    accept: tokio::task::JoinHandle<()>,
}

impl CountingRelay {
    async fn start(socket: &str) -> CountingRelay {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the relay");
        let port = listener.local_addr().expect("relay address").port();
        let connections = Arc::new(AtomicUsize::new(0));
        let (count, socket) = (connections.clone(), socket.to_string());
        let accept = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                count.fetch_add(1, Ordering::SeqCst);
                if let Ok(client) = client.into_std() {
                    relay(client, &socket);
                }
            }
        });
        CountingRelay {
            port,
            connections,
            accept,
        }
    }

    fn address(&self) -> String {
        format!("tcp://127.0.0.1:{}", self.port)
    }

    fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

impl Drop for CountingRelay {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

/// Copies both ways between a client and a new engine connection, on two threads (blocking
/// copies: the event stream holds its connection open for the whole test).
fn relay(client: std::net::TcpStream, socket: &str) {
    let Ok(engine) = std::os::unix::net::UnixStream::connect(socket) else {
        return; // the client sees the connection close
    };
    let _ = client.set_nonblocking(false);
    let (Ok(mut client_r), Ok(mut engine_w)) = (client.try_clone(), engine.try_clone()) else {
        return;
    };
    let (mut client_w, mut engine_r) = (client, engine);
    std::thread::spawn(move || {
        let _ = std::io::copy(&mut client_r, &mut engine_w);
        let _ = engine_w.shutdown(std::net::Shutdown::Write);
    });
    std::thread::spawn(move || {
        let _ = std::io::copy(&mut engine_r, &mut client_w);
        let _ = client_w.shutdown(std::net::Shutdown::Both);
    });
}

/// The engine's unix socket, or `None` (test skipped) when `DOCKER_HOST` names something else.
fn engine_socket() -> Option<String> {
    let host =
        std::env::var("DOCKER_HOST").unwrap_or_else(|_| "unix:///var/run/docker.sock".into());
    let socket = host.strip_prefix("unix://").map(String::from);
    if socket.is_none() {
        eprintln!("skipped: the engine is not on a unix socket");
    }
    socket
}

/// Registers a container instance (4 vCPU, 4 GiB) whose tasks run on the engine at `address`.
async fn register_on(env: &Env, address: &str) -> String {
    let resource = |name: &str, value: i32| {
        Resource::builder()
            .name(name)
            .r#type("INTEGER")
            .integer_value(value)
            .build()
    };
    let attribute = Attribute::builder()
        .name(DOCKER_HOST_ATTRIBUTE)
        .value(address)
        .build()
        .expect("attribute");
    env.client
        .register_container_instance()
        .cluster(&env.cluster)
        .total_resources(resource("CPU", 4096))
        .total_resources(resource("MEMORY", 4096))
        .attributes(attribute)
        .send()
        .await
        .expect("RegisterContainerInstance")
        .container_instance
        .and_then(|c| c.container_instance_arn)
        .expect("container instance ARN")
}

/// The health endpoint's entry for the engine called `name`.
async fn engine_health(env: &Env, name: &str) -> serde_json::Value {
    let health = env.health().await;
    health["runtime"]["engines"]
        .as_array()
        .and_then(|all| all.iter().find(|e| e["name"] == name).cloned())
        .unwrap_or_else(|| panic!("no engine {name} in {health}"))
}

/// A bridge task on an instance backed by the relayed engine runs as a real container, reached
/// through the relay; StopTask stops it there and shutdown removes it.
#[tokio::test]
async fn task_runs_on_the_instances_docker_host() {
    let Some(socket) = engine_socket() else {
        return;
    };
    with_docker(|env| async move {
        let relay = CountingRelay::start(&socket).await;
        let instance = register_on(&env, &relay.address()).await;
        assert_eq!(
            relay.connections(),
            0,
            "nothing connects before a task needs the engine"
        );
        let td = env
            .bridge_def("remote", vec![sleeper("main").memory(64).build()])
            .await;
        let arn = env.run_ec2(&td, None).await;
        let task = env.wait_running(&arn).await;
        assert_eq!(task.container_instance_arn(), Some(instance.as_str()));
        let id = runtime_id(container(&task, "main"));
        let inspected = inspect(&id);
        assert_eq!(inspected["State"]["Running"], true, "{inspected}");
        assert_eq!(label(&inspected, OWNER_LABEL), Some(env.owner.as_str()));
        assert!(
            relay.connections() > 0,
            "the engine calls did not go through the instance's Docker host"
        );
        let entry = engine_health(&env, &relay.address()).await;
        assert_eq!(
            (entry["kind"].as_str(), entry["status"].as_str()),
            (Some("docker"), Some("available"))
        );

        let before_stop = relay.connections();
        env.client
            .stop_task()
            .cluster(&env.cluster)
            .task(&arn)
            .send()
            .await
            .expect("StopTask");
        let stopped = env.wait_stopped(&arn).await;
        assert_eq!(stopped.stop_code(), Some(&TaskStopCode::UserInitiated));
        assert_eq!(inspect(&id)["State"]["Running"], false);
        assert!(
            relay.connections() > before_stop,
            "the stop did not go through the relay"
        );

        let before_shutdown = relay.connections();
        let report = env.app.shutdown().await;
        assert!(report.containers >= 1, "{report:?}");
        assert!(!container_exists(&id), "shutdown left the task's container");
        assert!(
            relay.connections() > before_shutdown,
            "shutdown's cleanup did not reach the instance's engine"
        );
    })
    .await;
}

/// An instance whose Docker host does not answer: its task stops with a reason naming the host,
/// and the server goes on answering (and says which engine is unreachable).
#[tokio::test]
async fn unreachable_docker_host_fails_the_task() {
    with_docker(|env| async move {
        let address = "tcp://127.0.0.1:1";
        register_on(&env, address).await;
        let td = env
            .bridge_def("unreachable", vec![sleeper("main").memory(64).build()])
            .await;
        let arn = env.run_ec2(&td, None).await;
        let task = env.wait_stopped(&arn).await;
        assert_eq!(task.stop_code(), Some(&TaskStopCode::TaskFailedToStart));
        let reason = task.stopped_reason().unwrap_or_default();
        assert!(
            reason.starts_with("ResourceInitializationError") && reason.contains(address),
            "the reason should name the unreachable host: {reason:?}"
        );
        assert!(
            task.containers().iter().all(|c| c.runtime_id().is_none()),
            "no container was created: {task:#?}"
        );
        let listed = bounded(
            "ListTasks",
            env.client.list_tasks().cluster(&env.cluster).send(),
        )
        .await
        .expect("ListTasks");
        assert!(
            listed.task_arns().is_empty(),
            "a stopped task is not listed as running"
        );
        let entry = engine_health(&env, address).await;
        assert_eq!(entry["status"], "unavailable", "{entry}");
        assert_eq!(env.health().await["runtime"]["status"], "available");
    })
    .await;
}

/// An awsvpc task on an instance backed by another engine: its sandbox (the network namespace
/// holder) is created on that engine, its IP comes from that engine's bridge, and the task's
/// containers share it.
#[tokio::test]
async fn awsvpc_task_gets_its_sandbox_on_the_instances_engine() {
    let Some(socket) = engine_socket() else {
        return;
    };
    with_docker(|env| async move {
        let relay = CountingRelay::start(&socket).await;
        register_on(&env, &relay.address()).await;
        let td = env
            .client
            .register_task_definition()
            .family("remote-awsvpc")
            .network_mode(NetworkMode::Awsvpc)
            .requires_compatibilities(Compatibility::Ec2)
            .container_definitions(sleeper("main").memory(64).build())
            .send()
            .await
            .expect("RegisterTaskDefinition")
            .task_definition
            .and_then(|t| t.task_definition_arn)
            .expect("task definition ARN");
        let vpc = AwsVpcConfiguration::builder()
            .subnets("subnet-e7faff23f01c7756a")
            .build()
            .expect("awsvpc configuration");
        let out = env
            .client
            .run_task()
            .cluster(&env.cluster)
            .task_definition(&td)
            .launch_type(LaunchType::Ec2)
            .network_configuration(
                NetworkConfiguration::builder()
                    .awsvpc_configuration(vpc)
                    .build(),
            )
            .send()
            .await
            .expect("RunTask");
        assert!(out.failures().is_empty(), "{out:?}");
        let arn = out.tasks()[0].task_arn().expect("task ARN").to_string();
        let task = env.wait_running(&arn).await;
        let ip = container(&task, "main")
            .network_interfaces()
            .first()
            .and_then(|n| n.private_ipv4_address())
            .unwrap_or_else(|| panic!("no private IPv4 address: {task:#?}"))
            .to_string();
        let running = running_containers_of(&arn);
        assert_eq!(
            running.len(),
            2,
            "the container and its sandbox: {running:?}"
        );
        let sandbox = running
            .iter()
            .map(|id| inspect(id))
            .find(|c| label(c, "com.amazonaws.ecs.container-name") == Some("~internal~ecs~pause"))
            .unwrap_or_else(|| panic!("no sandbox among {running:?}"));
        assert_eq!(sandbox["NetworkSettings"]["IPAddress"], ip.as_str());
        assert!(relay.connections() > 0);
    })
    .await;
}

/// An instance's engine that goes away after its first task: its running task keeps its last
/// known state, a new task there fails naming the host, health says which engine is gone, and
/// tasks run there again once it is back.
#[tokio::test]
async fn losing_and_regaining_an_instances_engine() {
    let Some(socket) = engine_socket() else {
        return;
    };
    with_docker(|env| async move {
        let relay = Relay::start(&socket);
        let address = format!("tcp://127.0.0.1:{}", relay.port);
        register_on(&env, &address).await;
        let td = env
            .bridge_def("flaky", vec![sleeper("main").memory(64).build()])
            .await;
        let first = env.run_ec2(&td, None).await;
        env.wait_status(&first, "RUNNING").await;

        relay.cut();
        let deadline = std::time::Instant::now() + PATIENCE;
        while engine_health(&env, &address).await["status"] != "unavailable" {
            assert!(
                std::time::Instant::now() < deadline,
                "the engine's loss was not noticed"
            );
            tokio::time::sleep(std::time::Duration::from_millis(250)).await;
        }
        let second = env.run_ec2(&td, None).await;
        let failed = env.wait_status(&second, "STOPPED").await;
        let reason = failed.stopped_reason().unwrap_or_default();
        assert!(
            reason.contains(&address),
            "the reason should name the host: {reason:?}"
        );
        assert_eq!(failed.stop_code(), Some(&TaskStopCode::TaskFailedToStart));
        assert_eq!(env.describe(&first).await.last_status(), Some("RUNNING"));
        assert_eq!(env.health().await["runtime"]["status"], "available");

        relay.restore();
        let third = env.run_ec2(&td, None).await;
        env.wait_status(&third, "RUNNING").await;
        assert_eq!(engine_health(&env, &address).await["status"], "available");
    })
    .await;
}
