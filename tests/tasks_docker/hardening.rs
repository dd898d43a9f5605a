//! Hardening against a hostile neighbour, on the real engine: Docker volumes that local-ecs
//! creates are labelled and removed, an awsvpc task whose sandbox (its ENI) is removed stops,
//! a task container cannot reset the server, and SIGTERM stops every task and removes everything
//! the binary created.

use super::support::*;
use aws_sdk_ecs::types::{DockerVolumeConfiguration, MountPoint, Scope, TaskStopCode, Volume};
use std::time::{Duration, Instant};

fn docker_volume(name: &str, scope: Scope) -> Volume {
    Volume::builder()
        .name(name)
        .docker_volume_configuration(
            DockerVolumeConfiguration::builder()
                .scope(scope)
                .autoprovision(true)
                .build(),
        )
        .build()
}

fn mount(volume: &str, path: &str) -> MountPoint {
    MountPoint::builder()
        .source_volume(volume)
        .container_path(path)
        .build()
}

fn volume_labels(name: &str) -> serde_json::Value {
    let out = docker(&["volume", "inspect", name]);
    assert!(out.status.success(), "volume {name} missing: {out:?}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("inspect JSON");
    v[0]["Labels"].clone()
}

async fn eventually(what: &str, patience: Duration, done: impl Fn() -> bool) {
    let deadline = Instant::now() + patience;
    while !done() {
        assert!(Instant::now() < deadline, "{what} within {patience:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Task-scoped volumes carry the owner labels and go with the task (purged after its
/// retention); shared ones stay across tasks until reset.
#[tokio::test]
async fn docker_volumes_are_labelled_and_removed() {
    if !docker_ready().await {
        return;
    }
    let owner = new_owner();
    let config = local_ecs::Config {
        task_retention: Duration::from_secs(1),
        ..docker_config(&owner)
    };
    let app = local_ecs::App::start(config).await.expect("App::start");
    Env::serve(app, owner.clone())
        .await
        .run(|env| async move {
            env.register_instance().await;
            let shared = format!("{owner}-shared");
            let td = env
                .client
                .register_task_definition()
                .family("volumes")
                .requires_compatibilities(aws_sdk_ecs::types::Compatibility::Ec2)
                .volumes(docker_volume("scratch", Scope::Task))
                .volumes(docker_volume(&shared, Scope::Shared))
                .container_definitions(
                    sleeper("main")
                        .memory(64)
                        .mount_points(mount("scratch", "/scratch"))
                        .mount_points(mount(&shared, "/shared"))
                        .build(),
                )
                .send()
                .await
                .expect("RegisterTaskDefinition")
                .task_definition
                .and_then(|t| t.task_definition_arn)
                .expect("ARN");
            let arn = env.run_ec2(&td, None).await;
            env.wait_running(&arn).await;
            let task_id = arn.rsplit('/').next().unwrap_or_default().to_string();
            let scratch = format!("ecs-{task_id}-scratch");
            let labels = volume_labels(&scratch);
            assert_eq!(labels[OWNER_LABEL], owner.as_str(), "{labels}");
            assert_eq!(labels["local-ecs.task-arn"], arn.as_str(), "{labels}");
            assert_eq!(volume_labels(&shared)[OWNER_LABEL], owner.as_str());
            env.client
                .stop_task()
                .cluster(&env.cluster)
                .task(&arn)
                .send()
                .await
                .expect("StopTask");
            // No wait for STOPPED: with a 1 s retention the task may be purged before it is seen.
            eventually(
                "the task-scoped volume removed with the task",
                Duration::from_secs(15),
                || !owned_volumes(&owner).contains(&scratch),
            )
            .await;
            assert!(
                owned_volumes(&owner).contains(&shared),
                "the shared volume outlives the task"
            );
            env.app.reset().await;
            assert!(
                owned_volumes(&owner).is_empty(),
                "reset removes the shared volume"
            );
        })
        .await;
}

/// Removing an awsvpc task's sandbox behind the server's back stops the task with a reason,
/// as losing its ENI does, instead of leaving it RUNNING with a stale IP.
#[tokio::test]
async fn removing_the_sandbox_stops_the_task() {
    with_docker(|env| async move {
        let td = env
            .fargate_def("lose-eni", vec![sleeper("main").build()])
            .await;
        let arn = env.run_fargate(&td).await;
        env.wait_running(&arn).await;
        let sandbox = ps(
            true,
            &[
                format!("label=local-ecs.task-arn={arn}"),
                "label=local-ecs.sandbox=true".into(),
            ],
        );
        assert_eq!(sandbox.len(), 1, "one sandbox: {sandbox:?}");
        assert!(docker(&["rm", "-f", &sandbox[0]]).status.success());
        let task = env.wait_stopped(&arn).await;
        assert_eq!(
            task.stop_code(),
            Some(&TaskStopCode::TerminationNotice),
            "{task:?}"
        );
        let reason = task.stopped_reason().unwrap_or_default();
        assert!(reason.contains("network interface"), "{reason}");
    })
    .await;
}

/// With the server on a non-loopback address, a task on the Docker bridge can reach it but not
/// reset it; the host (loopback) still can.
#[tokio::test]
async fn a_task_cannot_reset_the_server() {
    if !docker_ready().await {
        return;
    }
    let owner = new_owner();
    let app = local_ecs::App::start(docker_config(&owner))
        .await
        .expect("App::start");
    let env = Env::serve_on(app, owner, "0.0.0.0:0").await;
    env.run(|env| async move {
        env.register_instance().await;
        // Exits 0 only if the server answered the reset with a 403.
        let script = format!(
            "gw=$(ip route | awk '/default/ {{print $3}}'); wget -S -O /dev/null --post-data= http://$gw:{}/_local-ecs/reset 2>&1 | tee /dev/stderr | grep -q '403 Forbidden'",
            env.addr.port()
        );
        let td = env.bridge_def("resetter", vec![cdef("main", &["sh", "-c", &script]).memory(64).build()]).await;
        let arn = env.run_ec2(&td, None).await;
        let task = env.wait_stopped(&arn).await;
        assert_eq!(container(&task, "main").exit_code(), Some(0), "the reset was not refused: {task:?}");
        let clusters = env.client.list_clusters().send().await.expect("ListClusters");
        assert_eq!(clusters.cluster_arns().len(), 1, "state survived");
        let answer = http_post("127.0.0.1", env.addr.port(), "/_local-ecs/reset").await;
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    })
    .await;
}

/// POSTs an empty body to `path`; the whole answer.
async fn http_post(host: &str, port: u16, path: &str) -> String {
    let (host, path) = (host.to_string(), path.to_string());
    tokio::task::spawn_blocking(move || {
        use std::io::{Read, Write};
        let mut s = std::net::TcpStream::connect((host.as_str(), port)).expect("connect");
        s.set_read_timeout(Some(Duration::from_secs(30))).expect("timeout");
        let req = format!("POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        s.write_all(req.as_bytes()).expect("write");
        let mut out = String::new();
        let _ = s.read_to_string(&mut out);
        out
    })
    .await
    .expect("join")
}

/// The real binary on Docker: SIGTERM stops every task (stop timeouts honoured), removes every
/// container, sandbox and volume it created, logs it and exits 0, within the longest stop
/// sequence plus a few seconds.
#[tokio::test]
async fn sigterm_stops_every_task_and_removes_what_it_created() {
    if !docker_ready().await {
        return;
    }
    let owner = new_owner();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let log_path = std::env::temp_dir().join(format!("{owner}.log"));
    let log = std::fs::File::create(&log_path).expect("log file");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_local-ecs"))
        .args([
            "--runtime",
            "docker",
            "--port",
            &port.to_string(),
            "--owner",
            &owner,
        ])
        .env("RUST_LOG", "info")
        .env_remove("LOCAL_ECS_HOST")
        .stdin(std::process::Stdio::null())
        .stdout(log.try_clone().expect("log"))
        .stderr(log)
        .spawn()
        .expect("spawn local-ecs");
    http_get("127.0.0.1", port, "/_local-ecs/health").await;
    let env = binary_env(port, &owner).await;
    env.register_instance().await;
    // Two containers of 2 s stop timeout each (busybox sleep as PID 1 ignores SIGTERM): 4 s.
    let fargate = env
        .fargate_def("graceful", vec![sleeper("a").build(), sleeper("b").build()])
        .await;
    let mut tasks = Vec::new();
    for _ in 0..3 {
        tasks.push(env.run_fargate(&fargate).await);
    }
    let with_volume = env
        .client
        .register_task_definition()
        .family("graceful-volume")
        .requires_compatibilities(aws_sdk_ecs::types::Compatibility::Ec2)
        .volumes(docker_volume("data", Scope::Task))
        .container_definitions(
            sleeper("main")
                .memory(64)
                .mount_points(mount("data", "/data"))
                .build(),
        )
        .send()
        .await
        .expect("RegisterTaskDefinition");
    let with_volume = with_volume
        .task_definition()
        .and_then(|t| t.task_definition_arn())
        .expect("ARN");
    tasks.push(env.run_ec2(with_volume, None).await);
    for arn in &tasks {
        env.wait_running(arn).await;
    }
    assert_eq!(owned_volumes(&owner).len(), 1);

    let started = Instant::now();
    let kill = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(kill.success());
    let status = tokio::task::spawn_blocking(move || {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = child.try_wait().expect("try_wait") {
                return Some(status);
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                return None;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    })
    .await
    .expect("join");
    let took = started.elapsed();
    let log = std::fs::read_to_string(&log_path).unwrap_or_default();
    let _ = std::fs::remove_file(&log_path);
    let containers = ps(true, &[format!("label={OWNER_LABEL}={owner}")]);
    let volumes = owned_volumes(&owner);
    if !containers.is_empty() {
        let mut args = vec!["rm", "-f"];
        args.extend(containers.iter().map(String::as_str));
        docker(&args);
    }
    let status = status.unwrap_or_else(|| panic!("still running 30 s after SIGTERM:\n{log}"));
    assert_eq!(status.code(), Some(0), "{log}");
    assert!(took < Duration::from_secs(4 + 8), "took {took:?}:\n{log}");
    assert!(
        took >= Duration::from_secs(2),
        "stop timeouts not honoured ({took:?}):\n{log}"
    );
    assert!(
        containers.is_empty(),
        "containers left: {containers:?}\n{log}"
    );
    assert!(volumes.is_empty(), "volumes left: {volumes:?}\n{log}");
    assert!(log.contains("stopped every task"), "{log}");
}

/// An [`Env`] talking to a server in another process. Its `app` is an unused placeholder:
/// the helpers only use the client and the cluster.
async fn binary_env(port: u16, owner: &str) -> Env {
    let placeholder = local_ecs::App::new(local_ecs::Config::default());
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let client = aws_sdk_ecs::Client::from_conf(
        aws_sdk_ecs::Config::builder()
            .behavior_version(aws_sdk_ecs::config::BehaviorVersion::latest())
            .region(aws_sdk_ecs::config::Region::new("us-east-1"))
            .endpoint_url(format!("http://{addr}"))
            .credentials_provider(aws_sdk_ecs::config::Credentials::new(
                "t", "t", None, None, "t",
            ))
            .build(),
    );
    let cluster = client
        .create_cluster()
        .cluster_name("tasks")
        .send()
        .await
        .expect("CreateCluster")
        .cluster
        .and_then(|c| c.cluster_arn)
        .expect("cluster ARN");
    Env {
        app: placeholder,
        addr,
        client,
        owner: owner.to_string(),
        cluster,
    }
}

/// Removes the named container when dropped, so a failed assertion leaves nothing behind.
struct RemovedOnDrop(String);

impl Drop for RemovedOnDrop {
    fn drop(&mut self) {
        docker(&["rm", "-f", &self.0]);
    }
}

/// As PID 1 in a container (the sidecar image's ENTRYPOINT), SIGTERM from `docker stop` is
/// handled, not ignored: the container exits 0 at once instead of being killed after the grace
/// period. The test binary runs in the busybox test image with the host's libraries mounted
/// read-only (cheaper than building an image around a static build).
#[tokio::test]
async fn docker_stop_of_a_local_ecs_container_exits_cleanly() {
    if !docker_ready().await {
        return;
    }
    let owner = new_owner();
    let mount = |path: &str| {
        let real = std::fs::canonicalize(path).expect("host library directory");
        format!("{}:{path}:ro", real.display())
    };
    let bin = format!("{}:/local-ecs:ro", env!("CARGO_BIN_EXE_local-ecs"));
    let (lib, lib64) = (mount("/lib"), mount("/lib64"));
    let label = format!("{OWNER_LABEL}={owner}");
    let run = docker(&[
        "run",
        "-d",
        "--name",
        &owner,
        "--label",
        &label,
        "-v",
        &bin,
        "-v",
        &lib,
        "-v",
        &lib64,
        IMAGE,
        "/local-ecs",
        "--runtime",
        "simulated",
        "--host",
        "0.0.0.0",
    ]);
    assert!(run.status.success(), "docker run: {run:?}");
    let _removed = RemovedOnDrop(owner.clone());
    let logs = || {
        let out = docker(&["logs", &owner]);
        String::from_utf8_lossy(&[out.stdout, out.stderr].concat()).into_owned()
    };
    let deadline = Instant::now() + PATIENCE;
    while !logs().contains("listening") {
        assert!(Instant::now() < deadline, "never listened: {}", logs());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let started = Instant::now();
    let stop = docker(&["stop", "-t", "20", &owner]);
    let took = started.elapsed();
    let code = inspect(&owner)["State"]["ExitCode"].clone();
    let log = logs();
    assert!(stop.status.success(), "{stop:?}");
    assert_eq!(code, 0, "{log}");
    assert!(
        took < Duration::from_secs(10),
        "docker stop took {took:?}: {log}"
    );
    assert!(log.contains("SIGTERM received"), "{log}");
}
