//! ECS tasks on real Docker containers, through the official Rust SDK against an in-process
//! server on the Docker runtime (`local-ecs-test:latest`, built by `scripts/build-test-image.sh`).
//!
//! Also (in `hardening`): labelled Docker volumes, a lost sandbox, reset refused to tasks, SIGTERM
//! on the real binary, and `docker stop` of local-ecs as PID 1; in `engines`: container
//! instances backed by another Docker engine (through a relay) or an unreachable one.
//!
//! Covers: Fargate/awsvpc tasks (shared localhost, the task IP reachable from the host, ECS agent
//! labels and environment), bridge/EC2 tasks (ephemeral host ports, command/environment
//! overrides, cpu/memory limits, docker labels), StopTask with a stop timeout, essential
//! container exits, `dependsOn` (SUCCESS, HEALTHY), failing health checks, failed pulls,
//! containers killed behind local-ecs's back, losing and regaining the engine, a bad
//! `DOCKER_HOST` at start-up, and removal of an owner's leftover containers at start-up.
//!
//! Expectations follow the Amazon ECS API reference, not local-ecs' current behaviour. Without a
//! Docker engine the tests are skipped, unless `CI` is set (then they fail).

mod engines;
mod hardening;
mod instances;
mod support;

use aws_sdk_ecs::types::{
    ContainerCondition, ContainerDependency, ContainerOverride, HealthStatus, KeyValuePair,
    TaskOverride, TaskStopCode,
};
use futures_util::FutureExt;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::*;

/// Fargate: two containers share the task's network namespace (localhost), the task IP answers
/// from the host, and the containers carry the ECS agent's labels and environment.
#[tokio::test]
async fn fargate_task_shares_localhost_and_answers_on_its_ip() {
    with_docker(|env| async move {
        let probe = "for i in $(seq 1 100); do wget -qO- http://127.0.0.1:8080/ && exit 0; sleep 0.2; done; exit 1";
        let td = env
            .fargate_def(
                "web",
                vec![
                    cdef("web", &["httpd", "-f", "-p", "8080", "-h", "/www"])
                        .port_mappings(tcp_port(8080, None))
                        .stop_timeout(2)
                        .build(),
                    cdef("probe", &["sh", "-c", probe]).essential(false).build(),
                ],
            )
            .await;
        let arn = env.run_fargate(&td).await;
        env.wait_running(&arn).await;
        let task = env
            .wait_for(&arn, "the probe to exit", |t| {
                container(t, "probe").last_status() == Some("STOPPED")
            })
            .await;
        assert_eq!(
            container(&task, "probe").exit_code(),
            Some(0),
            "the probe could not reach web on localhost: {task:#?}"
        );
        assert_eq!(
            task.last_status(),
            Some("RUNNING"),
            "a non-essential container's exit does not stop the task"
        );

        let web = container(&task, "web");
        let ip = web
            .network_interfaces()
            .first()
            .and_then(|n| n.private_ipv4_address())
            .unwrap_or_else(|| panic!("no private IPv4 address: {task:#?}"));
        let eni = task.attachments().first().expect("the ENI attachment");
        assert_eq!(
            (eni.r#type(), eni.status()),
            (Some("ElasticNetworkInterface"), Some("ATTACHED"))
        );
        assert!(
            eni.details()
                .iter()
                .any(|d| d.name() == Some("privateIPv4Address") && d.value() == Some(ip)),
            "{eni:#?}"
        );
        let page = http_get(ip, 8080, "/").await;
        assert!(page.contains("local-ecs test image"), "{page}");

        let inspected = inspect(&runtime_id(web));
        for (name, want) in [
            ("com.amazonaws.ecs.task-arn", arn.as_str()),
            ("com.amazonaws.ecs.container-name", "web"),
            (OWNER_LABEL, env.owner.as_str()),
        ] {
            assert_eq!(label(&inspected, name), Some(want), "label {name}");
        }
        let cluster_label = label(&inspected, "com.amazonaws.ecs.cluster");
        // On Fargate the agent labels with the cluster's ARN (with its name on EC2).
        assert_eq!(cluster_label, Some(env.cluster.as_str()), "com.amazonaws.ecs.cluster");
        let vars = env_of(&inspected);
        assert!(
            vars.contains(&"AWS_EXECUTION_ENV=AWS_ECS_FARGATE".to_string()),
            "{vars:?}"
        );
        assert!(vars.contains(&"AWS_REGION=us-east-1".to_string()), "{vars:?}");
    })
    .await;
}

/// Bridge on EC2: an ephemeral host port, container overrides, cpu/memory and docker labels.
#[tokio::test]
async fn bridge_task_with_overrides_ports_and_limits() {
    with_docker(|env| async move {
        let instance = env.register_instance().await;
        let kv = |k: &str, v: &str| KeyValuePair::builder().name(k).value(v).build();
        let td = env
            .bridge_def(
                "bridge-web",
                vec![cdef("web", &["httpd", "-f", "-p", "8080", "-h", "/www"])
                    .cpu(256)
                    .memory(128)
                    .stop_timeout(2)
                    .port_mappings(tcp_port(8080, Some(0)))
                    .environment(kv("GREETING", "from-definition"))
                    .environment(kv("KEPT", "kept"))
                    .docker_labels("team", "qa")
                    .build()],
            )
            .await;
        let command = [
            "sh",
            "-c",
            "echo \"$GREETING $KEPT\" > /www/g.txt && exec httpd -f -p 8080 -h /www",
        ];
        let overrides = TaskOverride::builder()
            .container_overrides(
                ContainerOverride::builder()
                    .name("web")
                    .set_command(Some(command.iter().map(|s| s.to_string()).collect()))
                    .environment(kv("GREETING", "from-override"))
                    .build(),
            )
            .build();
        let arn = env.run_ec2(&td, Some(overrides)).await;
        let task = env.wait_running(&arn).await;
        assert_eq!(task.container_instance_arn(), Some(instance.as_str()));
        let web = container(&task, "web");
        let binding = web
            .network_bindings()
            .iter()
            .find(|b| b.container_port() == Some(8080))
            .unwrap_or_else(|| panic!("no binding for 8080: {web:#?}"));
        let host_port = binding.host_port().expect("hostPort");
        assert!(host_port > 0, "an ephemeral host port: {binding:?}");
        assert_eq!(binding.protocol().map(|p| p.as_str()), Some("tcp"));
        let port = u16::try_from(host_port).expect("a port");
        let page = http_get("127.0.0.1", port, "/g.txt").await;
        assert!(page.contains("from-override kept"), "{page}");

        let inspected = inspect(&runtime_id(web));
        assert_eq!(
            inspected["Config"]["Cmd"],
            serde_json::json!(command),
            "command override"
        );
        let vars = env_of(&inspected);
        for want in [
            "GREETING=from-override",
            "KEPT=kept",
            "AWS_EXECUTION_ENV=AWS_ECS_EC2",
        ] {
            assert!(vars.contains(&want.to_string()), "{want} in {vars:?}");
        }
        assert!(!vars.contains(&"GREETING=from-definition".to_string()));
        assert_eq!(inspected["HostConfig"]["CpuShares"], 256);
        assert_eq!(inspected["HostConfig"]["Memory"], 128 * 1024 * 1024);
        assert_eq!(label(&inspected, "team"), Some("qa"));
    })
    .await;
}

/// StopTask: SIGTERM is ignored, so SIGKILL after stopTimeout (exit 137); ECS's timestamps in order.
#[tokio::test]
async fn stop_task_kills_after_the_stop_timeout() {
    with_docker(|env| async move {
        let td = env
            .fargate_def("sleeper", vec![sleeper("main").build()])
            .await;
        let arn = env.run_fargate(&td).await;
        env.wait_running(&arn).await;
        let stopping = env
            .client
            .stop_task()
            .cluster(&env.cluster)
            .task(&arn)
            .reason("stopped by the test")
            .send()
            .await
            .expect("StopTask")
            .task
            .expect("task");
        assert_eq!(stopping.desired_status(), Some("STOPPED"));
        let task = env.wait_stopped(&arn).await;
        assert_eq!(task.stop_code(), Some(&TaskStopCode::UserInitiated));
        assert_eq!(task.stopped_reason(), Some("stopped by the test"));
        let main = container(&task, "main");
        assert_eq!(
            (main.last_status(), main.exit_code()),
            (Some("STOPPED"), Some(137))
        );
        let order = [
            ("createdAt", task.created_at()),
            ("pullStartedAt", task.pull_started_at()),
            ("pullStoppedAt", task.pull_stopped_at()),
            ("startedAt", task.started_at()),
            ("stoppingAt", task.stopping_at()),
            ("executionStoppedAt", task.execution_stopped_at()),
            ("stoppedAt", task.stopped_at()),
        ];
        for pair in order.windows(2) {
            let (a, b) = (secs(pair[0].0, pair[0].1), secs(pair[1].0, pair[1].1));
            assert!(
                a <= b,
                "{} ({a}) after {} ({b}): {task:#?}",
                pair[0].0,
                pair[1].0
            );
        }
        assert!(running_containers_of(&arn).is_empty());
    })
    .await;
}

/// An essential container exiting 3 stops the task and the other containers.
#[tokio::test]
async fn essential_container_exit_stops_the_task() {
    with_docker(|env| async move {
        let td = env
            .fargate_def(
                "exit3",
                vec![
                    cdef("main", &["sh", "-c", "sleep 1; exit 3"]).build(),
                    sleeper("side").build(),
                ],
            )
            .await;
        let arn = env.run_fargate(&td).await;
        let task = env.wait_status(&arn, "STOPPED").await;
        assert_eq!(
            task.stop_code(),
            Some(&TaskStopCode::EssentialContainerExited)
        );
        assert_eq!(
            task.stopped_reason(),
            Some("Essential container in task exited")
        );
        assert_eq!(container(&task, "main").exit_code(), Some(3));
        let side = container(&task, "side");
        assert_eq!(side.last_status(), Some("STOPPED"), "{side:#?}");
        assert_eq!(inspect(&runtime_id(side))["State"]["Running"], false);
        assert!(running_containers_of(&arn).is_empty());
    })
    .await;
}

/// dependsOn: `app` starts only after `init` exited 0 (SUCCESS) and `db` is healthy (HEALTHY).
#[tokio::test]
async fn depends_on_success_and_healthy() {
    with_docker(|env| async move {
        let dep = |name: &str, condition: ContainerCondition| {
            ContainerDependency::builder()
                .container_name(name)
                .condition(condition)
                .build()
                .expect("dependency")
        };
        let td = env
            .fargate_def(
                "ordered",
                vec![
                    cdef("init", &["sh", "-c", "sleep 1; exit 0"])
                        .essential(false)
                        .build(),
                    sleeper("db")
                        .health_check(health_check("exit 0", 1))
                        .build(),
                    sleeper("app")
                        .depends_on(dep("init", ContainerCondition::Success))
                        .depends_on(dep("db", ContainerCondition::Healthy))
                        .build(),
                ],
            )
            .await;
        let arn = env.run_fargate(&td).await;
        let task = env.wait_status(&arn, "RUNNING").await;
        let init = container(&task, "init");
        assert_eq!(
            (init.last_status(), init.exit_code()),
            (Some("STOPPED"), Some(0))
        );
        let [init, db, app] =
            ["init", "db", "app"].map(|n| inspect(&runtime_id(container(&task, n))));
        let app_started = engine_time(&app["State"]["StartedAt"]);
        let init_finished = engine_time(&init["State"]["FinishedAt"]);
        assert!(
            app_started >= init_finished,
            "app started at {app_started}, before init finished at {init_finished}"
        );
        let first_healthy = db["State"]["Health"]["Log"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|entry| entry["ExitCode"] == 0)
            .map(|entry| engine_time(&entry["End"]))
            .fold(f64::INFINITY, f64::min);
        assert!(
            first_healthy.is_finite(),
            "db has not passed a health check yet, but app runs: {db:#}"
        );
        assert!(
            app_started >= first_healthy,
            "app started at {app_started}, before db was healthy at {first_healthy}"
        );

        let task = env
            .wait_for(&arn, "task health HEALTHY", |t| {
                t.health_status() == Some(&HealthStatus::Healthy)
            })
            .await;
        assert_eq!(
            container(&task, "db").health_status(),
            Some(&HealthStatus::Healthy)
        );
    })
    .await;
}

/// Without health checks, ECS reports healthStatus UNKNOWN on the task and on each container
/// (API reference: Container.healthStatus, Task.healthStatus).
#[tokio::test]
async fn health_status_is_unknown_without_health_checks() {
    with_docker(|env| async move {
        let td = env
            .fargate_def(
                "unchecked",
                vec![
                    sleeper("main").build(),
                    sleeper("checked")
                        .essential(false)
                        .health_check(health_check("exit 0", 1))
                        .build(),
                ],
            )
            .await;
        let arn = env.run_fargate(&td).await;
        let task = env.wait_running(&arn).await;
        assert_eq!(
            container(&task, "main")
                .health_status()
                .map(HealthStatus::as_str),
            Some("UNKNOWN"),
            "a container without a health check reports UNKNOWN"
        );
        assert_eq!(
            task.health_status().map(HealthStatus::as_str),
            Some("UNKNOWN"),
            "no essential container has a health check: UNKNOWN"
        );
    })
    .await;
}

/// A failing health check on an essential container: container and task UNHEALTHY.
#[tokio::test]
async fn failing_health_check_makes_the_task_unhealthy() {
    with_docker(|env| async move {
        let td = env
            .fargate_def(
                "sick",
                vec![sleeper("main")
                    .health_check(health_check("exit 1", 1))
                    .build()],
            )
            .await;
        let arn = env.run_fargate(&td).await;
        env.wait_running(&arn).await;
        let task = env
            .wait_for(&arn, "task health UNHEALTHY", |t| {
                t.health_status() == Some(&HealthStatus::Unhealthy)
            })
            .await;
        assert_eq!(
            container(&task, "main").health_status(),
            Some(&HealthStatus::Unhealthy)
        );
    })
    .await;
}

/// An image that cannot be pulled: TaskFailedToStart with the engine's message, nothing left running.
#[tokio::test]
async fn failed_pull_stops_the_task() {
    with_docker(|env| async move {
        const GHOST: &str = "does-not-exist.invalid/nothing:1";
        let td = env
            .fargate_def("ghost", vec![cdef("main", &["true"]).image(GHOST).build()])
            .await;
        let arn = env.run_fargate(&td).await;
        let task = env.wait_stopped(&arn).await;
        assert_eq!(task.stop_code(), Some(&TaskStopCode::TaskFailedToStart));
        let reason = task.stopped_reason().unwrap_or_default();
        assert!(reason.starts_with("CannotPullContainerError:"), "{reason}");
        // The engine's own words, as `docker pull` reports them (e.g. "no such host").
        let pulled = docker(&["pull", GHOST]);
        assert!(!pulled.status.success());
        let stderr = String::from_utf8_lossy(&pulled.stderr);
        let engine_says = stderr.trim().rsplit(": ").next().unwrap_or_default();
        assert!(
            !engine_says.is_empty() && reason.contains(engine_says),
            "{reason:?} should contain the engine's {engine_says:?}"
        );
        let main = container(&task, "main");
        assert!(
            main.reason()
                .is_some_and(|r| r.starts_with("CannotPullContainerError:")),
            "{main:#?}"
        );
        assert!(running_containers_of(&arn).is_empty());
    })
    .await;
}

/// `docker kill` behind local-ecs's back: the essential container exited 137, the task stops.
#[tokio::test]
async fn container_killed_outside_stops_the_task() {
    with_docker(|env| async move {
        let td = env
            .fargate_def("victim", vec![sleeper("main").build()])
            .await;
        let arn = env.run_fargate(&td).await;
        let task = env.wait_running(&arn).await;
        let id = runtime_id(container(&task, "main"));
        let killed = docker(&["kill", &id]);
        assert!(killed.status.success(), "{killed:?}");
        let task = env.wait_status(&arn, "STOPPED").await;
        assert_eq!(
            task.stop_code(),
            Some(&TaskStopCode::EssentialContainerExited)
        );
        assert_eq!(
            task.stopped_reason(),
            Some("Essential container in task exited")
        );
        assert_eq!(container(&task, "main").exit_code(), Some(137));
    })
    .await;
}

/// The engine goes away and comes back: new tasks fail with a clear reason, the API keeps
/// answering, health says so, and everything works again once the engine is back.
#[tokio::test]
async fn losing_and_regaining_the_engine() {
    if !docker_ready().await {
        return;
    }
    let host =
        std::env::var("DOCKER_HOST").unwrap_or_else(|_| "unix:///var/run/docker.sock".into());
    let Some(socket) = host.strip_prefix("unix://") else {
        eprintln!("skipped: the engine is not on a unix socket");
        return;
    };
    let relay = Arc::new(Relay::start(socket));
    let runtime = local_ecs::runtime::docker::DockerRuntime::connect_to(&format!(
        "tcp://127.0.0.1:{}",
        relay.port
    ))
    .await
    .expect("the engine through the relay");
    let owner = new_owner();
    let app = local_ecs::App::with_runtime(docker_config(&owner), Arc::new(runtime), None);
    let env = Env::serve(app, owner).await;
    let relay2 = relay.clone();
    env.run(|env| async move {
        let relay = relay2;
        let td = env
            .fargate_def("survivor", vec![sleeper("main").build()])
            .await;
        let first = env.run_fargate(&td).await;
        env.wait_status(&first, "RUNNING").await;
        assert_eq!(env.health().await["runtime"]["status"], "available");

        relay.cut();
        let runtime = env.wait_runtime_status("unavailable").await;
        assert_eq!(runtime["kind"], "docker");
        let second = env.run_fargate(&td).await;
        let failed = env.wait_status(&second, "STOPPED").await;
        let reason = failed.stopped_reason().unwrap_or_default();
        assert!(
            reason.to_lowercase().contains("unavailable"),
            "the reason should say the runtime is unavailable: {reason:?}"
        );
        assert_eq!(failed.stop_code(), Some(&TaskStopCode::TaskFailedToStart));
        let listed = bounded("ListClusters", env.client.list_clusters().send())
            .await
            .expect("ListClusters");
        assert_eq!(listed.cluster_arns(), std::slice::from_ref(&env.cluster));
        assert_eq!(
            env.describe(&first).await.last_status(),
            Some("RUNNING"),
            "the last known state stays while the engine is away"
        );

        relay.restore();
        env.wait_runtime_status("available").await;
        let third = env.run_fargate(&td).await;
        env.wait_status(&third, "RUNNING").await;
        let first_task = env.describe(&first).await;
        assert_eq!(first_task.last_status(), Some("RUNNING"));
        assert_eq!(
            inspect(&runtime_id(container(&first_task, "main")))["State"]["Running"],
            true
        );
    })
    .await;
}

/// A port nobody listens on (bound, then released).
fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}

fn local_ecs_with_bad_docker_host(runtime: &str, port: u16) -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_local-ecs"));
    cmd.args(["--runtime", runtime, "--port", &port.to_string()])
        .args(["--owner", &new_owner()])
        .env("DOCKER_HOST", "tcp://127.0.0.1:1")
        .env("RUST_LOG", "warn")
        .env_remove("LOCAL_ECS_RUNTIME")
        .env_remove("LOCAL_ECS_PORT")
        .env_remove("LOCAL_ECS_HOST")
        .env_remove("LOCAL_ECS_OWNER")
        .stdin(std::process::Stdio::null());
    cmd
}

/// A bad `DOCKER_HOST` at start-up: `--runtime docker` refuses to start with a clear message,
/// `--runtime auto` serves on the simulated runtime and says why. (A child process: setting
/// environment variables in this multi-threaded test process would race.)
#[tokio::test]
async fn bad_docker_host_at_start_up() {
    let out = tokio::task::spawn_blocking(|| {
        let mut child = local_ecs_with_bad_docker_host("docker", free_port())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("spawn local-ecs");
        let deadline = Instant::now() + PATIENCE;
        while child.try_wait().expect("try_wait").is_none() {
            if Instant::now() > deadline {
                let _ = child.kill();
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        child.wait_with_output().expect("output")
    })
    .await
    .expect("join");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "--runtime docker must fail: {out:?}");
    assert_ne!(out.status.code(), None, "it exits by itself: {out:?}");
    assert!(
        stderr.contains("Docker") && stderr.contains("tcp://127.0.0.1:1"),
        "a clear message naming Docker and the host: {stderr}"
    );

    let port = free_port();
    let mut child = local_ecs_with_bad_docker_host("auto", port)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn local-ecs");
    let health = async {
        let answer = http_get("127.0.0.1", port, "/_local-ecs/health").await;
        let body = answer
            .split_once("\r\n\r\n")
            .map_or("", |(_, b)| b)
            .to_string();
        serde_json::from_str::<serde_json::Value>(&body)
            .unwrap_or_else(|e| panic!("health is not JSON ({e}): {answer}"))
    };
    let health = AssertUnwindSafe(health).catch_unwind().await;
    let _ = child.kill();
    let _ = child.wait();
    let health = health.unwrap_or_else(|p| std::panic::resume_unwind(p));
    assert_eq!(health["runtime"]["kind"], "simulated", "{health}");
    let note = health["runtime"]["note"].as_str().unwrap_or_default();
    assert!(note.contains("Docker"), "a note saying why: {health}");
}

/// Start-up removes the containers a previous run of the same owner left behind, and nothing else.
#[tokio::test]
async fn start_up_removes_an_owners_leftovers_only() {
    if !docker_ready().await {
        return;
    }
    let owner = new_owner();
    let run = |labels: &[String]| {
        let mut args = vec!["run", "-d"];
        for l in labels {
            args.extend(["--label", l.as_str()]);
        }
        args.extend([IMAGE, "sleep", "60"]);
        let out = docker(&args);
        assert!(out.status.success(), "docker run: {out:?}");
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    let leftover = run(&[
        format!("{OWNER_LABEL}={owner}"),
        "local-ecs.managed=true".into(),
    ]);
    let foreign = run(&[format!("local-ecs.test-foreign={owner}")]);
    let other_owner = run(&[
        format!("{OWNER_LABEL}={owner}-other"),
        "local-ecs.managed=true".into(),
    ]);
    let _cleanup = CliContainers(vec![leftover.clone(), foreign.clone(), other_owner.clone()]);

    let app = local_ecs::App::start(docker_config(&owner))
        .await
        .expect("App::start");
    let env = Env::serve(app, owner).await;
    env.run(|_env| async move {
        assert!(
            !container_exists(&leftover),
            "the owner's leftover survived start-up"
        );
        for id in [&foreign, &other_owner] {
            assert_eq!(
                inspect(id)["State"]["Running"],
                true,
                "a container of someone else was touched"
            );
        }
    })
    .await;
}

/// ECS accepts health check intervals of 5 to 300 seconds (RegisterTaskDefinition rejects 1).
#[tokio::test]
async fn health_check_interval_below_five_is_rejected() {
    let app = local_ecs::App::new(local_ecs::Config::default());
    let env = Env::serve(app, new_owner()).await;
    let check = aws_sdk_ecs::types::HealthCheck::builder()
        .command("CMD-SHELL")
        .command("exit 0")
        .interval(1)
        .build()
        .expect("health check");
    let registered = env
        .client
        .register_task_definition()
        .family("too-eager")
        .container_definitions(
            cdef("main", &["true"])
                .memory(64)
                .health_check(check)
                .build(),
        )
        .send()
        .await;
    let err = registered.expect_err("interval 1 must be rejected");
    let code = aws_sdk_ecs::error::ProvideErrorMetadata::code(&err);
    assert_eq!(code, Some("ClientException"), "{err:?}");
}
