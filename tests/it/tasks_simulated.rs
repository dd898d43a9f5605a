//! Tasks on the simulated runtime, through the SDK: RunTask/StartTask/StopTask/DescribeTasks/ListTasks, the task lifecycle (waiters, stop codes, exit codes, dependsOn, health, pull failures), EC2 placement on registered container instances, task tags, and reset.

use crate::common::{
    awsvpc, bare_container, create_cluster, env, err, err_code, pairs, start, tag, tag_pairs,
    Server, SUBNET,
};
use aws_sdk_ecs::client::Waiters;
use aws_sdk_ecs::types::{
    ClusterField, Compatibility, ContainerCondition, ContainerDefinition, ContainerDependency,
    ContainerOverride, DesiredStatus, HealthCheck, KeyValuePair, LaunchType, NetworkMode,
    PropagateTags, Resource, Task, TaskDefinition, TaskField, TaskOverride, TaskStopCode,
};
use aws_sdk_ecs::Client;
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// How long a waiter may take (its first retry comes after ~6 s, as the ECS model says).
const WAITER_MAX: Duration = Duration::from_secs(90);
/// How long bounded polling may take before a test gives up.
const POLL_MAX: Duration = Duration::from_secs(30);

// ---------------------------------------------------------------------------------------------
// Builders and helpers
// ---------------------------------------------------------------------------------------------

/// A container that runs until stopped (the simulated runtime's default for a plain image).
fn app(name: &str) -> ContainerDefinition {
    bare_container(name, "public.ecr.aws/docker/library/busybox:latest")
}

/// A container whose command is `sh -c "exit <code>"`.
fn exits(name: &str, code: i32, essential: bool) -> ContainerDefinition {
    ContainerDefinition::builder()
        .name(name)
        .image("busybox")
        .essential(essential)
        .set_command(Some(vec!["sh".into(), "-c".into(), format!("exit {code}")]))
        .build()
}

/// A bridge-mode (EC2-only) container with a hard memory limit of `memory` MiB.
fn ec2_container(name: &str, memory: i32) -> ContainerDefinition {
    ContainerDefinition::builder()
        .name(name)
        .image("busybox")
        .memory(memory)
        .build()
}

/// Registers a Fargate-compatible awsvpc definition (cpu 256, memory 512) with `containers`.
async fn register_fargate(
    client: &Client,
    family: &str,
    containers: Vec<ContainerDefinition>,
) -> TaskDefinition {
    client
        .register_task_definition()
        .family(family)
        .requires_compatibilities(Compatibility::Fargate)
        .network_mode(NetworkMode::Awsvpc)
        .cpu("256")
        .memory("512")
        .set_container_definitions(Some(containers))
        .send()
        .await
        .unwrap()
        .task_definition
        .unwrap()
}

/// Registers a bridge-mode definition with one container of `memory` MiB.
async fn register_bridge(client: &Client, family: &str, memory: i32) -> TaskDefinition {
    client
        .register_task_definition()
        .family(family)
        .network_mode(NetworkMode::Bridge)
        .container_definitions(ec2_container("web", memory))
        .send()
        .await
        .unwrap()
        .task_definition
        .unwrap()
}

/// A RunTask on Fargate for `family` in `cluster` with the awsvpc configuration.
fn run_fargate(
    client: &Client,
    cluster: &str,
    family: &str,
) -> aws_sdk_ecs::operation::run_task::builders::RunTaskFluentBuilder {
    client
        .run_task()
        .cluster(cluster)
        .task_definition(family)
        .launch_type(LaunchType::Fargate)
        .network_configuration(awsvpc())
}

/// Overrides that set environment variables on one container.
fn env_override(container: &str, vars: &[(&str, &str)]) -> TaskOverride {
    TaskOverride::builder()
        .container_overrides(
            ContainerOverride::builder()
                .name(container)
                .set_environment(Some(vars.iter().map(|(k, v)| env(k, v)).collect()))
                .build(),
        )
        .build()
}

/// Runs one Fargate task and returns it as RunTask reported it.
async fn run_one(
    client: &Client,
    cluster: &str,
    family: &str,
    overrides: Option<TaskOverride>,
) -> Task {
    let out = run_fargate(client, cluster, family)
        .set_overrides(overrides)
        .send()
        .await
        .unwrap();
    assert!(out.failures().is_empty(), "{:?}", out.failures());
    assert_eq!(out.tasks().len(), 1);
    out.tasks()[0].clone()
}

fn arn_of(task: &Task) -> String {
    task.task_arn().unwrap().to_string()
}

async fn describe(client: &Client, cluster: &str, task_arn: &str) -> Task {
    let out = client
        .describe_tasks()
        .cluster(cluster)
        .tasks(task_arn)
        .send()
        .await
        .unwrap();
    assert!(out.failures().is_empty(), "{:?}", out.failures());
    out.tasks()[0].clone()
}

/// Polls DescribeTasks (bounded) until `done` holds for the task.
async fn poll(
    client: &Client,
    cluster: &str,
    task_arn: &str,
    what: &str,
    done: impl Fn(&Task) -> bool,
) -> Task {
    let deadline = Instant::now() + POLL_MAX;
    loop {
        let task = describe(client, cluster, task_arn).await;
        if done(&task) {
            return task;
        }
        assert!(
            Instant::now() < deadline,
            "gave up waiting for {what}: {task:#?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn poll_status(client: &Client, cluster: &str, task_arn: &str, status: &str) -> Task {
    poll(client, cluster, task_arn, status, |t| {
        t.last_status() == Some(status)
    })
    .await
}

fn container<'a>(task: &'a Task, name: &str) -> &'a aws_sdk_ecs::types::Container {
    task.containers()
        .iter()
        .find(|c| c.name() == Some(name))
        .unwrap_or_else(|| panic!("no container {name} in {task:#?}"))
}

fn detail<'a>(details: &'a [KeyValuePair], name: &str) -> Option<&'a str> {
    details
        .iter()
        .find(|d| d.name() == Some(name))
        .and_then(|d| d.value())
}

async fn arns(
    builder: aws_sdk_ecs::operation::list_tasks::builders::ListTasksFluentBuilder,
) -> Vec<String> {
    let mut v = builder.send().await.unwrap().task_arns().to_vec();
    v.sort();
    v
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

/// Registers a container instance with `cpu` CPU units and `memory` MiB; returns its ARN.
async fn register_instance(client: &Client, cluster: &str, cpu: i32, memory: i32) -> String {
    let int = |name: &str, v: i32| {
        Resource::builder()
            .name(name)
            .r#type("INTEGER")
            .integer_value(v)
            .build()
    };
    client
        .register_container_instance()
        .cluster(cluster)
        .total_resources(int("CPU", cpu))
        .total_resources(int("MEMORY", memory))
        .send()
        .await
        .unwrap()
        .container_instance
        .unwrap()
        .container_instance_arn
        .unwrap()
}

fn resource(resources: &[Resource], name: &str) -> i32 {
    resources
        .iter()
        .find(|r| r.name() == Some(name))
        .unwrap_or_else(|| panic!("no {name} in {resources:?}"))
        .integer_value()
}

/// POSTs `/_local-ecs/reset` over a bare HTTP/1.1 connection; returns the status code.
async fn post_reset(addr: SocketAddr) -> u16 {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(
            b"POST /_local-ecs/reset HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        )
        .await
        .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    response
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP response: {response:?}"))
}

/// A server with a cluster and a Fargate definition with one long-running `app` container.
async fn fargate_setup(cluster: &str, family: &str) -> Server {
    let s = start().await;
    create_cluster(&s.client, cluster).await;
    register_fargate(&s.client, family, vec![app("app")]).await;
    s
}

// ---------------------------------------------------------------------------------------------
// Fargate lifecycle
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn fargate_run_task_reaches_running_through_the_waiter() {
    let s = fargate_setup("fg-run", "fg-run-fam").await;
    let c = &s.client;
    let td_arn = c
        .describe_task_definition()
        .task_definition("fg-run-fam")
        .send()
        .await
        .unwrap()
        .task_definition
        .unwrap()
        .task_definition_arn
        .unwrap();

    let task = run_one(c, "fg-run", "fg-run-fam", None).await;
    assert_eq!(task.last_status(), Some("PROVISIONING"));
    assert_eq!(task.desired_status(), Some("RUNNING"));
    assert_eq!(task.launch_type(), Some(&LaunchType::Fargate));
    assert!(task.platform_version().is_some_and(|v| !v.is_empty()));
    assert_eq!(task.group(), Some("family:fg-run-fam"));
    assert_eq!(task.task_definition_arn(), Some(td_arn.as_str()));
    assert_eq!(
        task.cluster_arn(),
        Some(crate::common::arn("cluster/fg-run").as_str())
    );
    assert!(task
        .task_arn()
        .unwrap()
        .starts_with(&crate::common::arn("task/fg-run/")));
    assert!(task.created_at().is_some());
    assert_eq!(task.cpu(), Some("256"));
    assert_eq!(task.memory(), Some("512"));
    assert_eq!(task.containers().len(), 1);
    assert_eq!(container(&task, "app").last_status(), Some("PENDING"));
    assert_eq!(task.attachments().len(), 1);
    let eni = &task.attachments()[0];
    assert_eq!(eni.r#type(), Some("ElasticNetworkInterface"));
    assert_eq!(detail(eni.details(), "subnetId"), Some(SUBNET));

    let arn = arn_of(&task);
    c.wait_until_tasks_running()
        .cluster("fg-run")
        .tasks(&arn)
        .wait(WAITER_MAX)
        .await
        .expect("tasks_running waiter");

    let task = describe(c, "fg-run", &arn).await;
    assert_eq!(task.last_status(), Some("RUNNING"));
    assert_eq!(task.desired_status(), Some("RUNNING"));
    assert!(task.started_at().is_some());
    let (pull_start, pull_stop) = (
        task.pull_started_at().expect("pullStartedAt"),
        task.pull_stopped_at().expect("pullStoppedAt"),
    );
    assert!(pull_start <= pull_stop);
    assert!(pull_stop <= task.started_at().unwrap());
    assert_eq!(
        task.connectivity(),
        Some(&aws_sdk_ecs::types::Connectivity::Connected)
    );
    assert!(task.connectivity_at().is_some());
    let app = container(&task, "app");
    assert_eq!(app.last_status(), Some("RUNNING"));
    assert!(app.runtime_id().is_some_and(|id| !id.is_empty()));
    assert!(app.exit_code().is_none());
    let eni = &task.attachments()[0];
    assert_eq!(eni.status(), Some("ATTACHED"));
    let ip = detail(eni.details(), "privateIPv4Address").expect("ENI private IP");
    assert!(ip.parse::<std::net::Ipv4Addr>().is_ok(), "{ip}");
    assert!(detail(eni.details(), "networkInterfaceId").is_some_and(|id| id.starts_with("eni-")));
    let nic = &app.network_interfaces()[0];
    assert_eq!(nic.private_ipv4_address(), Some(ip));
    assert_eq!(nic.attachment_id(), eni.id());

    let cluster = c
        .describe_clusters()
        .clusters("fg-run")
        .include(ClusterField::Statistics)
        .send()
        .await
        .unwrap()
        .clusters()[0]
        .clone();
    assert_eq!(cluster.running_tasks_count(), 1);
    assert_eq!(cluster.pending_tasks_count(), 0);
    assert_eq!(
        detail(cluster.statistics(), "runningFargateTasksCount"),
        Some("1")
    );
    assert_eq!(
        detail(cluster.statistics(), "runningEC2TasksCount"),
        Some("0")
    );
}

#[tokio::test]
async fn stop_task_with_reason_stops_through_the_waiter() {
    let s = fargate_setup("fg-stop", "fg-stop-fam").await;
    let c = &s.client;
    let arn = arn_of(&run_one(c, "fg-stop", "fg-stop-fam", None).await);
    poll_status(c, "fg-stop", &arn, "RUNNING").await;

    let stopped = c
        .stop_task()
        .cluster("fg-stop")
        .task(&arn)
        .reason("integration test says stop")
        .send()
        .await
        .unwrap()
        .task
        .unwrap();
    assert_eq!(stopped.task_arn(), Some(arn.as_str()));
    assert_eq!(stopped.desired_status(), Some("STOPPED"));

    c.wait_until_tasks_stopped()
        .cluster("fg-stop")
        .tasks(&arn)
        .wait(WAITER_MAX)
        .await
        .expect("tasks_stopped waiter");

    let task = describe(c, "fg-stop", &arn).await;
    assert_eq!(task.last_status(), Some("STOPPED"));
    assert_eq!(task.desired_status(), Some("STOPPED"));
    assert_eq!(task.stop_code(), Some(&TaskStopCode::UserInitiated));
    assert_eq!(task.stopped_reason(), Some("integration test says stop"));
    let stopping = task.stopping_at().expect("stoppingAt");
    let exec_stopped = task.execution_stopped_at().expect("executionStoppedAt");
    let stopped_at = task.stopped_at().expect("stoppedAt");
    assert!(task.started_at().unwrap() <= stopping);
    assert!(stopping <= exec_stopped, "{stopping} > {exec_stopped}");
    assert!(exec_stopped <= stopped_at, "{exec_stopped} > {stopped_at}");
    let app = container(&task, "app");
    assert_eq!(app.last_status(), Some("STOPPED"));
    assert_eq!(app.exit_code(), Some(143));
    assert_eq!(task.attachments()[0].status(), Some("DELETED"));

    assert!(arns(c.list_tasks().cluster("fg-stop")).await.is_empty());
    assert_eq!(
        arns(
            c.list_tasks()
                .cluster("fg-stop")
                .desired_status(DesiredStatus::Stopped)
        )
        .await,
        vec![arn.clone()]
    );
    let cluster = c
        .describe_clusters()
        .clusters("fg-stop")
        .send()
        .await
        .unwrap()
        .clusters()[0]
        .clone();
    assert_eq!(cluster.running_tasks_count(), 0);

    // Stopping again is harmless and keeps the first reason.
    let again = c
        .stop_task()
        .cluster("fg-stop")
        .task(&arn)
        .reason("second reason")
        .send()
        .await
        .unwrap()
        .task
        .unwrap();
    assert_eq!(again.stopped_reason(), Some("integration test says stop"));
}

#[tokio::test]
async fn stop_task_unknown_task_is_invalid_parameter() {
    let s = start().await;
    create_cluster(&s.client, "stop-unknown").await;
    let (code, message) = err(s
        .client
        .stop_task()
        .cluster("stop-unknown")
        .task("0123456789abcdef0123456789abcdef")
        .send()
        .await);
    assert_eq!(code, "InvalidParameterException");
    assert_eq!(message, "The referenced task was not found.");
}

#[tokio::test]
async fn essential_container_exit_stops_the_task_and_fails_the_running_waiter() {
    let s = fargate_setup("fg-exit", "fg-exit-fam").await;
    let c = &s.client;
    let task = run_one(
        c,
        "fg-exit",
        "fg-exit-fam",
        Some(env_override("app", &[("LOCAL_ECS_SIM_EXIT_CODE", "3")])),
    )
    .await;
    let arn = arn_of(&task);
    let task = poll_status(c, "fg-exit", &arn, "STOPPED").await;
    assert_eq!(task.desired_status(), Some("STOPPED"));
    assert_eq!(
        task.stop_code(),
        Some(&TaskStopCode::EssentialContainerExited)
    );
    assert_eq!(
        task.stopped_reason(),
        Some("Essential container in task exited")
    );
    assert_eq!(container(&task, "app").exit_code(), Some(3));
    assert_eq!(container(&task, "app").last_status(), Some("STOPPED"));
    assert!(task.stopped_at().is_some());
    // The override is reported back on the task.
    let overrides = task.overrides().expect("overrides");
    assert_eq!(
        overrides.container_overrides()[0].environment()[0].value(),
        Some("3")
    );

    // tasksRunning fails as soon as a task is STOPPED.
    let result = c
        .wait_until_tasks_running()
        .cluster("fg-exit")
        .tasks(&arn)
        .wait(WAITER_MAX)
        .await;
    let e = result.expect_err("tasks_running must fail for a STOPPED task");
    assert!(format!("{e:?}").starts_with("FailureState"), "{e:?}");
}

#[tokio::test]
async fn tasks_running_waiter_fails_for_a_missing_task() {
    let s = start().await;
    create_cluster(&s.client, "waiter-missing").await;
    let e = s
        .client
        .wait_until_tasks_running()
        .cluster("waiter-missing")
        .tasks("0123456789abcdef0123456789abcdef")
        .wait(WAITER_MAX)
        .await
        .expect_err("tasks_running must fail for a MISSING task");
    assert!(format!("{e:?}").starts_with("FailureState"), "{e:?}");
}

#[tokio::test]
async fn non_essential_container_exit_keeps_the_task_running() {
    let s = start().await;
    create_cluster(&s.client, "fg-sidecar").await;
    let c = &s.client;
    register_fargate(
        c,
        "fg-sidecar-fam",
        vec![app("app"), exits("sidecar", 5, false)],
    )
    .await;
    let arn = arn_of(&run_one(c, "fg-sidecar", "fg-sidecar-fam", None).await);
    let task = poll(c, "fg-sidecar", &arn, "sidecar exit", |t| {
        container(t, "sidecar").last_status() == Some("STOPPED")
    })
    .await;
    assert_eq!(container(&task, "sidecar").exit_code(), Some(5));
    assert_eq!(task.last_status(), Some("RUNNING"));
    assert_eq!(task.desired_status(), Some("RUNNING"));
    assert_eq!(container(&task, "app").last_status(), Some("RUNNING"));
    assert!(task.stop_code().is_none());
}

fn depends_on_init(init_exit: i32) -> Vec<ContainerDefinition> {
    let mut main = app("app");
    main.depends_on = Some(vec![ContainerDependency::builder()
        .container_name("init")
        .condition(ContainerCondition::Success)
        .build()
        .unwrap()]);
    vec![exits("init", init_exit, false), main]
}

#[tokio::test]
async fn depends_on_success_starts_the_app_after_init_exits_zero() {
    let s = start().await;
    create_cluster(&s.client, "dep-ok").await;
    let c = &s.client;
    register_fargate(c, "dep-ok-fam", depends_on_init(0)).await;
    let arn = arn_of(&run_one(c, "dep-ok", "dep-ok-fam", None).await);
    let task = poll_status(c, "dep-ok", &arn, "RUNNING").await;
    let init = container(&task, "init");
    assert_eq!(init.last_status(), Some("STOPPED"));
    assert_eq!(init.exit_code(), Some(0));
    assert_eq!(container(&task, "app").last_status(), Some("RUNNING"));
}

#[tokio::test]
async fn depends_on_success_fails_the_task_when_init_fails() {
    let s = start().await;
    create_cluster(&s.client, "dep-fail").await;
    let c = &s.client;
    register_fargate(c, "dep-fail-fam", depends_on_init(1)).await;
    let arn = arn_of(&run_one(c, "dep-fail", "dep-fail-fam", None).await);
    let task = poll_status(c, "dep-fail", &arn, "STOPPED").await;
    assert_eq!(task.stop_code(), Some(&TaskStopCode::TaskFailedToStart));
    let reason = task.stopped_reason().unwrap_or_default();
    assert!(
        reason.contains("init") && reason.to_lowercase().contains("depend"),
        "{reason}"
    );
    assert_eq!(container(&task, "init").exit_code(), Some(1));
    let app = container(&task, "app");
    assert_eq!(app.last_status(), Some("STOPPED"));
    assert!(app.exit_code().is_none(), "app never ran: {app:?}");
    assert!(task.started_at().is_none());
}

fn health_checked(name: &str, health: &str) -> ContainerDefinition {
    let mut def = app(name);
    def.environment = Some(vec![env("LOCAL_ECS_SIM_HEALTH", health)]);
    def.health_check = Some(
        HealthCheck::builder()
            .command("CMD-SHELL")
            .command("curl -f http://localhost/ || exit 1")
            .interval(5)
            .retries(2)
            .build()
            .unwrap(),
    );
    def
}

#[tokio::test]
async fn health_check_reports_healthy_on_container_and_task() {
    let s = start().await;
    create_cluster(&s.client, "health").await;
    let c = &s.client;
    register_fargate(c, "health-fam", vec![health_checked("app", "healthy")]).await;
    let arn = arn_of(&run_one(c, "health", "health-fam", None).await);
    let task = poll(c, "health", &arn, "HEALTHY", |t| {
        t.health_status() == Some(&aws_sdk_ecs::types::HealthStatus::Healthy)
    })
    .await;
    assert_eq!(task.last_status(), Some("RUNNING"));
    assert_eq!(
        container(&task, "app").health_status(),
        Some(&aws_sdk_ecs::types::HealthStatus::Healthy)
    );
}

#[tokio::test]
async fn unhealthy_standalone_task_keeps_running() {
    // A task not run by a service continues regardless of its health (ECS developer guide,
    // "Amazon ECS task health checks").
    let s = start().await;
    create_cluster(&s.client, "unhealthy").await;
    let c = &s.client;
    register_fargate(c, "unhealthy-fam", vec![health_checked("app", "unhealthy")]).await;
    let arn = arn_of(&run_one(c, "unhealthy", "unhealthy-fam", None).await);
    let task = poll(c, "unhealthy", &arn, "UNHEALTHY", |t| {
        t.health_status() == Some(&aws_sdk_ecs::types::HealthStatus::Unhealthy)
    })
    .await;
    assert_eq!(
        container(&task, "app").health_status(),
        Some(&aws_sdk_ecs::types::HealthStatus::Unhealthy)
    );
    assert_eq!(task.last_status(), Some("RUNNING"));
    assert_eq!(task.desired_status(), Some("RUNNING"));
}

#[tokio::test]
async fn pull_failure_stops_the_task_with_cannot_pull_container_error() {
    let s = start().await;
    create_cluster(&s.client, "pull-fail").await;
    let c = &s.client;
    register_fargate(
        c,
        "pull-fail-fam",
        vec![bare_container("app", "registry.example/does-not-exist:1")],
    )
    .await;
    let arn = arn_of(&run_one(c, "pull-fail", "pull-fail-fam", None).await);
    let task = poll_status(c, "pull-fail", &arn, "STOPPED").await;
    assert_eq!(task.desired_status(), Some("STOPPED"));
    assert_eq!(task.stop_code(), Some(&TaskStopCode::TaskFailedToStart));
    let reason = task.stopped_reason().unwrap_or_default();
    assert!(reason.starts_with("CannotPullContainerError:"), "{reason}");
    assert!(task.started_at().is_none());
    let app = container(&task, "app");
    assert_eq!(app.last_status(), Some("STOPPED"));
    assert!(app
        .reason()
        .is_some_and(|r| r.starts_with("CannotPullContainerError:")));
}

// ---------------------------------------------------------------------------------------------
// RunTask validation
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn run_task_count_three_starts_three_tasks() {
    let s = fargate_setup("count3", "count3-fam").await;
    let c = &s.client;
    let out = run_fargate(c, "count3", "count3-fam")
        .count(3)
        .send()
        .await
        .unwrap();
    assert!(out.failures().is_empty());
    let tasks: Vec<String> = out.tasks().iter().map(arn_of).collect();
    assert_eq!(tasks.len(), 3);
    let mut unique = tasks.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 3);
    assert_eq!(
        arns(c.list_tasks().cluster("count3")).await,
        sorted(tasks.clone())
    );
    for arn in &tasks {
        poll_status(c, "count3", arn, "RUNNING").await;
    }
    let cluster = c
        .describe_clusters()
        .clusters("count3")
        .send()
        .await
        .unwrap()
        .clusters()[0]
        .clone();
    assert_eq!(cluster.running_tasks_count(), 3);
}

#[tokio::test]
async fn run_task_validation_errors() {
    let s = fargate_setup("validate", "validate-fam").await;
    let c = &s.client;
    // count is 1..=10.
    assert_eq!(
        err_code(
            run_fargate(c, "validate", "validate-fam")
                .count(11)
                .send()
                .await
        ),
        "InvalidParameterException"
    );
    // Unknown task definition.
    assert_eq!(
        err_code(run_fargate(c, "validate", "no-such-family").send().await),
        "ClientException"
    );
    assert_eq!(
        err_code(run_fargate(c, "validate", "validate-fam:99").send().await),
        "ClientException"
    );
    // Unknown cluster.
    assert_eq!(
        err_code(
            run_fargate(c, "no-such-cluster", "validate-fam")
                .send()
                .await
        ),
        "ClusterNotFoundException"
    );
    // awsvpc needs a network configuration.
    let (code, message) = err(c
        .run_task()
        .cluster("validate")
        .task_definition("validate-fam")
        .launch_type(LaunchType::Fargate)
        .send()
        .await);
    assert_eq!(code, "InvalidParameterException");
    assert!(message.contains("awsvpc"), "{message}");
    // A bridge-mode definition is not Fargate-compatible.
    register_bridge(c, "validate-bridge", 256).await;
    let (code, message) = err(run_fargate(c, "validate", "validate-bridge")
        .set_network_configuration(None)
        .send()
        .await);
    assert_eq!(code, "InvalidParameterException");
    assert!(message.contains("FARGATE"), "{message}");
    // Overrides must name containers of the definition.
    let (code, message) = err(run_fargate(c, "validate", "validate-fam")
        .overrides(env_override("not-a-container", &[("A", "1")]))
        .send()
        .await);
    assert_eq!(code, "InvalidParameterException");
    assert!(message.contains("not-a-container"), "{message}");
    // None of the failed calls left a task behind.
    assert!(arns(c.list_tasks().cluster("validate")).await.is_empty());
}

// ---------------------------------------------------------------------------------------------
// EC2: container instances, placement, StartTask, ListTasks filters
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn ec2_run_task_without_instances_is_invalid_parameter() {
    let s = start().await;
    create_cluster(&s.client, "ec2-empty").await;
    register_bridge(&s.client, "ec2-empty-fam", 256).await;
    let (code, message) = err(s
        .client
        .run_task()
        .cluster("ec2-empty")
        .task_definition("ec2-empty-fam")
        .launch_type(LaunchType::Ec2)
        .send()
        .await);
    assert_eq!(code, "InvalidParameterException");
    assert_eq!(
        message,
        "No Container Instances were found in your cluster."
    );
}

#[tokio::test]
async fn ec2_placement_reserves_memory_and_reports_resource_failures() {
    let s = start().await;
    let c = &s.client;
    create_cluster(c, "ec2-place").await;
    register_bridge(c, "ec2-place-fam", 256).await;
    let instance = register_instance(c, "ec2-place", 1024, 512).await;

    let run = || {
        c.run_task()
            .cluster("ec2-place")
            .task_definition("ec2-place-fam")
            .launch_type(LaunchType::Ec2)
    };
    let first = run().send().await.unwrap();
    assert!(first.failures().is_empty(), "{:?}", first.failures());
    let task = &first.tasks()[0];
    assert_eq!(task.launch_type(), Some(&LaunchType::Ec2));
    assert_eq!(task.container_instance_arn(), Some(instance.as_str()));
    assert!(task.attachments().is_empty());
    let arn = arn_of(task);
    let running = poll_status(c, "ec2-place", &arn, "RUNNING").await;
    assert_eq!(container(&running, "web").last_status(), Some("RUNNING"));

    let ci = c
        .describe_container_instances()
        .cluster("ec2-place")
        .container_instances(&instance)
        .send()
        .await
        .unwrap()
        .container_instances()[0]
        .clone();
    assert_eq!(ci.running_tasks_count(), 1);
    assert_eq!(resource(ci.registered_resources(), "MEMORY"), 512);
    assert_eq!(resource(ci.remaining_resources(), "MEMORY"), 256);

    let second = run().send().await.unwrap();
    assert!(second.failures().is_empty(), "{:?}", second.failures());
    assert_eq!(second.tasks().len(), 1);

    // The instance is full: the call succeeds and reports the failure.
    let third = run().send().await.unwrap();
    assert!(third.tasks().is_empty());
    assert_eq!(third.failures().len(), 1);
    assert_eq!(third.failures()[0].reason(), Some("RESOURCE:MEMORY"));
    assert_eq!(third.failures()[0].arn(), Some(instance.as_str()));

    // A stopped task gives its memory back.
    c.stop_task()
        .cluster("ec2-place")
        .task(&arn)
        .send()
        .await
        .unwrap();
    let stopped = poll_status(c, "ec2-place", &arn, "STOPPED").await;
    assert_eq!(stopped.stop_code(), Some(&TaskStopCode::UserInitiated));
    let fourth = run().send().await.unwrap();
    assert!(fourth.failures().is_empty(), "{:?}", fourth.failures());
    assert_eq!(fourth.tasks().len(), 1);
}

#[tokio::test]
async fn ec2_run_task_count_beyond_capacity_places_what_fits() {
    let s = start().await;
    let c = &s.client;
    create_cluster(c, "ec2-partial").await;
    register_bridge(c, "ec2-partial-fam", 256).await;
    let instance = register_instance(c, "ec2-partial", 1024, 512).await;
    let out = c
        .run_task()
        .cluster("ec2-partial")
        .task_definition("ec2-partial-fam")
        .launch_type(LaunchType::Ec2)
        .count(3)
        .send()
        .await
        .unwrap();
    assert_eq!(out.tasks().len(), 2);
    assert!(!out.failures().is_empty());
    assert!(out
        .failures()
        .iter()
        .all(|f| f.reason() == Some("RESOURCE:MEMORY") && f.arn() == Some(instance.as_str())));
}

#[tokio::test]
async fn start_task_on_an_instance_and_list_tasks_filters() {
    let s = start().await;
    let c = &s.client;
    create_cluster(c, "ec2-list").await;
    register_bridge(c, "ec2-list-a", 128).await;
    register_bridge(c, "ec2-list-b", 128).await;
    register_fargate(c, "ec2-list-fg", vec![app("app")]).await;
    let one = register_instance(c, "ec2-list", 2048, 2048).await;
    let two = register_instance(c, "ec2-list", 2048, 2048).await;

    let started = c
        .start_task()
        .cluster("ec2-list")
        .task_definition("ec2-list-a")
        .container_instances(&two)
        .started_by("starter")
        .send()
        .await
        .unwrap();
    assert!(started.failures().is_empty(), "{:?}", started.failures());
    let on_two = started.tasks()[0].clone();
    assert_eq!(on_two.container_instance_arn(), Some(two.as_str()));
    assert_eq!(on_two.started_by(), Some("starter"));
    assert_eq!(on_two.launch_type(), Some(&LaunchType::Ec2));
    // PROVISIONING or PENDING: AWS's own RunTask example for a bridge EC2 task shows PENDING.
    assert!(
        matches!(on_two.last_status(), Some("PROVISIONING" | "PENDING")),
        "{on_two:?}"
    );
    let on_two = arn_of(&on_two);
    poll_status(c, "ec2-list", &on_two, "RUNNING").await;

    // StartTask on an unknown instance reports it in failures.
    let missing = c
        .start_task()
        .cluster("ec2-list")
        .task_definition("ec2-list-a")
        .container_instances("0123456789abcdef0123456789abcdef")
        .send()
        .await
        .unwrap();
    assert!(missing.tasks().is_empty());
    assert_eq!(missing.failures()[0].reason(), Some("MISSING"));

    let b = c
        .start_task()
        .cluster("ec2-list")
        .task_definition("ec2-list-b")
        .container_instances(&one)
        .send()
        .await
        .unwrap();
    let on_one = arn_of(&b.tasks()[0]);
    let fg = arn_of(&run_one(c, "ec2-list", "ec2-list-fg", None).await);

    assert_eq!(
        arns(c.list_tasks().cluster("ec2-list")).await,
        sorted(vec![on_two.clone(), on_one.clone(), fg.clone()])
    );
    assert_eq!(
        arns(c.list_tasks().cluster("ec2-list").container_instance(&two)).await,
        vec![on_two.clone()]
    );
    assert_eq!(
        arns(c.list_tasks().cluster("ec2-list").family("ec2-list-b")).await,
        vec![on_one.clone()]
    );
    assert_eq!(
        arns(c.list_tasks().cluster("ec2-list").started_by("starter")).await,
        vec![on_two.clone()]
    );
    assert_eq!(
        arns(
            c.list_tasks()
                .cluster("ec2-list")
                .launch_type(LaunchType::Fargate)
        )
        .await,
        vec![fg.clone()]
    );
    assert_eq!(
        arns(
            c.list_tasks()
                .cluster("ec2-list")
                .launch_type(LaunchType::Ec2)
        )
        .await,
        sorted(vec![on_two.clone(), on_one.clone()])
    );

    // maxResults 1 through the SDK's paginator: one ARN per page, every task once.
    let pages: Vec<_> = c
        .list_tasks()
        .cluster("ec2-list")
        .max_results(1)
        .into_paginator()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .unwrap();
    assert!(pages.iter().all(|p| p.task_arns().len() <= 1));
    let paged: Vec<String> = pages
        .iter()
        .flat_map(|p| p.task_arns().iter().cloned())
        .collect();
    assert_eq!(sorted(paged), sorted(vec![on_two, on_one, fg]));
}

// ---------------------------------------------------------------------------------------------
// DescribeTasks, tags
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn describe_tasks_unknown_id_is_a_missing_failure() {
    let s = fargate_setup("desc-missing", "desc-missing-fam").await;
    let c = &s.client;
    let known = arn_of(&run_one(c, "desc-missing", "desc-missing-fam", None).await);
    let out = c
        .describe_tasks()
        .cluster("desc-missing")
        .tasks(&known)
        .tasks("0123456789abcdef0123456789abcdef")
        .send()
        .await
        .unwrap();
    assert_eq!(out.tasks().len(), 1);
    assert_eq!(out.tasks()[0].task_arn(), Some(known.as_str()));
    assert_eq!(out.failures().len(), 1);
    assert_eq!(out.failures()[0].reason(), Some("MISSING"));
    assert!(out.failures()[0]
        .arn()
        .is_some_and(|a| a.ends_with("/0123456789abcdef0123456789abcdef")));
    // The bare task id works as well as the ARN.
    let id = known.rsplit('/').next().unwrap();
    assert_eq!(
        describe(c, "desc-missing", id).await.task_arn(),
        Some(known.as_str())
    );
}

#[tokio::test]
async fn task_tags_include_propagation_and_tag_resource() {
    let s = start().await;
    let c = &s.client;
    create_cluster(c, "tags").await;
    c.register_task_definition()
        .family("tags-fam")
        .requires_compatibilities(Compatibility::Fargate)
        .network_mode(NetworkMode::Awsvpc)
        .cpu("256")
        .memory("512")
        .container_definitions(app("app"))
        .tags(tag("from-def", "yes"))
        .send()
        .await
        .unwrap();
    let task = run_fargate(c, "tags", "tags-fam")
        .tags(tag("own", "1"))
        .propagate_tags(PropagateTags::TaskDefinition)
        .send()
        .await
        .unwrap()
        .tasks()[0]
        .clone();
    let arn = arn_of(&task);

    let with_tags = c
        .describe_tasks()
        .cluster("tags")
        .tasks(&arn)
        .include(TaskField::Tags)
        .send()
        .await
        .unwrap()
        .tasks()[0]
        .clone();
    assert_eq!(
        tag_pairs(with_tags.tags()),
        pairs(&[("from-def", "yes"), ("own", "1")])
    );
    // Without include TAGS, DescribeTasks leaves tags out.
    assert!(describe(c, "tags", &arn).await.tags().is_empty());

    c.tag_resource()
        .resource_arn(&arn)
        .tags(tag("added", "later"))
        .send()
        .await
        .unwrap();
    let listed = c
        .list_tags_for_resource()
        .resource_arn(&arn)
        .send()
        .await
        .unwrap();
    assert_eq!(
        tag_pairs(listed.tags()),
        pairs(&[("added", "later"), ("from-def", "yes"), ("own", "1")])
    );
    c.untag_resource()
        .resource_arn(&arn)
        .tag_keys("own")
        .send()
        .await
        .unwrap();
    let with_tags = c
        .describe_tasks()
        .cluster("tags")
        .tasks(&arn)
        .include(TaskField::Tags)
        .send()
        .await
        .unwrap()
        .tasks()[0]
        .clone();
    assert_eq!(
        tag_pairs(with_tags.tags()),
        pairs(&[("added", "later"), ("from-def", "yes")])
    );

    // Without propagateTags, the definition's tags stay on the definition.
    let plain = arn_of(&run_one(c, "tags", "tags-fam", None).await);
    let listed = c
        .list_tags_for_resource()
        .resource_arn(&plain)
        .send()
        .await
        .unwrap();
    assert!(listed.tags().is_empty(), "{:?}", listed.tags());
}

// ---------------------------------------------------------------------------------------------
// Clusters with tasks, reset
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn delete_cluster_with_a_running_task_is_refused() {
    let s = fargate_setup("del-busy", "del-busy-fam").await;
    let c = &s.client;
    let arn = arn_of(&run_one(c, "del-busy", "del-busy-fam", None).await);
    poll_status(c, "del-busy", &arn, "RUNNING").await;
    assert_eq!(
        err_code(c.delete_cluster().cluster("del-busy").send().await),
        "ClusterContainsTasksException"
    );
    c.stop_task()
        .cluster("del-busy")
        .task(&arn)
        .send()
        .await
        .unwrap();
    poll_status(c, "del-busy", &arn, "STOPPED").await;
    let deleted = c
        .delete_cluster()
        .cluster("del-busy")
        .send()
        .await
        .unwrap()
        .cluster
        .unwrap();
    assert_eq!(deleted.status(), Some("INACTIVE"));
}

#[tokio::test]
async fn reset_endpoint_removes_tasks() {
    let s = fargate_setup("reset-tasks", "reset-tasks-fam").await;
    let c = &s.client;
    let arn = arn_of(&run_one(c, "reset-tasks", "reset-tasks-fam", None).await);
    poll_status(c, "reset-tasks", &arn, "RUNNING").await;
    assert_eq!(post_reset(s.addr).await, 200);

    assert_eq!(
        err_code(c.list_tasks().cluster("reset-tasks").send().await),
        "ClusterNotFoundException"
    );
    create_cluster(c, "reset-tasks").await;
    assert!(arns(c.list_tasks().cluster("reset-tasks")).await.is_empty());
    assert!(arns(
        c.list_tasks()
            .cluster("reset-tasks")
            .desired_status(DesiredStatus::Stopped)
    )
    .await
    .is_empty());
    let out = c
        .describe_tasks()
        .cluster("reset-tasks")
        .tasks(&arn)
        .send()
        .await
        .unwrap();
    assert!(out.tasks().is_empty());
    assert_eq!(out.failures()[0].reason(), Some("MISSING"));
    let cluster = c
        .describe_clusters()
        .clusters("reset-tasks")
        .send()
        .await
        .unwrap()
        .clusters()[0]
        .clone();
    assert_eq!(cluster.running_tasks_count(), 0);
    assert_eq!(cluster.pending_tasks_count(), 0);
}

// ---------------------------------------------------------------------------------------------
// Details once missing, checked against the ECS API reference
// ---------------------------------------------------------------------------------------------

/// The ECS API reference (API_HealthCheck): a container's `healthStatus` is UNKNOWN when "there's
/// no container health check defined", and a task's is UNKNOWN when "there are no container
/// health checks defined".
#[tokio::test]

async fn tasks_without_health_checks_report_unknown() {
    let s = fargate_setup("no-health", "no-health-fam").await;
    let c = &s.client;
    let arn = arn_of(&run_one(c, "no-health", "no-health-fam", None).await);
    let task = poll_status(c, "no-health", &arn, "RUNNING").await;
    assert_eq!(task.health_status().map(|h| h.as_str()), Some("UNKNOWN"));
    assert_eq!(
        container(&task, "app").health_status().map(|h| h.as_str()),
        Some("UNKNOWN")
    );
}

/// AWS lists every container of the task in `overrides.containerOverrides` (by name, with what
/// was overridden), whether or not RunTask overrode it: botocore's `examples-1.json` shows
/// `"overrides": {"containerOverrides": [{"name": "sleep"}]}` for a RunTask without overrides,
/// and the same for DescribeTasks.
#[tokio::test]

async fn task_overrides_list_every_container_by_name() {
    let s = start().await;
    create_cluster(&s.client, "override-echo").await;
    let c = &s.client;
    register_fargate(c, "override-echo-fam", vec![app("app"), app("sidecar")]).await;
    let plain = run_one(c, "override-echo", "override-echo-fam", None).await;
    let names = |t: &Task| {
        let mut n: Vec<String> = t
            .overrides()
            .map(|o| o.container_overrides())
            .unwrap_or_default()
            .iter()
            .filter_map(|o| o.name().map(String::from))
            .collect();
        n.sort();
        n
    };
    assert_eq!(
        names(&plain),
        vec!["app".to_string(), "sidecar".to_string()]
    );
    let described = describe(c, "override-echo", &arn_of(&plain)).await;
    assert_eq!(
        names(&described),
        vec!["app".to_string(), "sidecar".to_string()]
    );

    let one = run_one(
        c,
        "override-echo",
        "override-echo-fam",
        Some(env_override("app", &[("A", "1")])),
    )
    .await;
    assert_eq!(names(&one), vec!["app".to_string(), "sidecar".to_string()]);
}
