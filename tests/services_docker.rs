//! ECS services on real Docker containers, through the official Rust SDK against an in-process
//! server on the Docker runtime (`local-ecs-test:latest`, built by `scripts/build-test-image.sh`).
//!
//! Covers: CreateService and the `services_stable` waiter with the tasks' containers running in
//! Docker (labelled with their task ARN), a container killed behind local-ecs's back being
//! replaced (with the service's event), and a rolling update to a new revision that ends with
//! only the new revision's containers running.
//!
//! Expectations follow the Amazon ECS API reference, not local-ecs' current behaviour. Without a
//! Docker engine the tests are skipped, unless `CI` is set (then they fail). Polling is bounded;
//! nothing asserts how long anything took.

#[allow(dead_code)]
#[path = "tasks_docker/support.rs"]
mod support;

use aws_sdk_ecs::client::Waiters;
use aws_sdk_ecs::types::{
    AwsVpcConfiguration, DeploymentRolloutState, DesiredStatus, KeyValuePair, LaunchType,
    NetworkConfiguration, Service, Task, TaskStopCode,
};
use std::collections::BTreeSet;
use std::time::{Duration, Instant};
use support::*;

/// Bound on the service polling loops (real containers take a little longer).
const SERVICE_PATIENCE: Duration = Duration::from_secs(60);
/// Bound on the `services_stable` waiter, which polls every 15 s after its first try.
const STABLE_PATIENCE: Duration = Duration::from_secs(120);

/// A service, its live tasks (desired RUNNING), and the task ARNs on running Docker containers
/// of this test's owner.
#[derive(Debug)]
struct Observed {
    service: Service,
    live: Vec<Task>,
    in_docker: BTreeSet<String>,
}

impl Observed {
    fn live_arns(&self) -> BTreeSet<String> {
        self.live
            .iter()
            .filter_map(|t| t.task_arn().map(str::to_string))
            .collect()
    }

    fn has_event(&self, needle: &str) -> bool {
        self.service
            .events()
            .iter()
            .any(|e| e.message().is_some_and(|m| m.contains(needle)))
    }

    /// One COMPLETED deployment, the desired count running, and exactly those tasks' containers
    /// running in Docker.
    fn steady(&self) -> bool {
        let s = &self.service;
        s.deployments().len() == 1
            && s.deployments()[0].rollout_state() == Some(&DeploymentRolloutState::Completed)
            && s.running_count() == s.desired_count()
            && self.live.len() == s.desired_count() as usize
            && self.live.iter().all(|t| t.last_status() == Some("RUNNING"))
            && self.in_docker == self.live_arns()
    }
}

fn task_id(arn: &str) -> &str {
    arn.rsplit('/').next().unwrap_or(arn)
}

/// CreateService on Fargate (awsvpc) with `desired` tasks of `td`.
async fn create_service(env: &Env, name: &str, td: &str, desired: i32) {
    let vpc = AwsVpcConfiguration::builder()
        .subnets("subnet-e7faff23f01c7756a")
        .build()
        .expect("awsvpc configuration");
    bounded(
        "CreateService",
        env.client
            .create_service()
            .cluster(&env.cluster)
            .service_name(name)
            .task_definition(td)
            .desired_count(desired)
            .launch_type(LaunchType::Fargate)
            .network_configuration(
                NetworkConfiguration::builder()
                    .awsvpc_configuration(vpc)
                    .build(),
            )
            .send(),
    )
    .await
    .expect("CreateService");
}

/// A `sleep 300` definition of `family`, with `VERSION` in its environment.
async fn sleeper_def(env: &Env, family: &str, version: &str) -> String {
    let var = KeyValuePair::builder()
        .name("VERSION")
        .value(version)
        .build();
    env.fargate_def(family, vec![sleeper("main").environment(var).build()])
        .await
}

/// Task ARNs (from the `com.amazonaws.ecs.task-arn` label) of this owner's running containers,
/// in one `docker ps` (a container removed meanwhile cannot fail the read).
fn task_arns_in_docker(env: &Env) -> BTreeSet<String> {
    let owner = format!("label={OWNER_LABEL}={}", env.owner);
    let format = "{{.Label \"com.amazonaws.ecs.task-arn\"}}";
    let out = docker(&["ps", "--filter", &owner, "--format", format]);
    assert!(out.status.success(), "docker ps: {out:?}");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

async fn observe(env: &Env, name: &str) -> Observed {
    let out = bounded(
        "DescribeServices",
        env.client
            .describe_services()
            .cluster(&env.cluster)
            .services(name)
            .send(),
    )
    .await
    .expect("DescribeServices");
    assert!(out.failures().is_empty(), "{:?}", out.failures());
    let service = out.services()[0].clone();
    let arns = bounded(
        "ListTasks",
        env.client
            .list_tasks()
            .cluster(&env.cluster)
            .service_name(name)
            .desired_status(DesiredStatus::Running)
            .send(),
    )
    .await
    .expect("ListTasks")
    .task_arns
    .unwrap_or_default();
    let mut live = Vec::new();
    for arn in &arns {
        live.push(env.describe(arn).await);
    }
    let in_docker = task_arns_in_docker(env);
    Observed {
        service,
        live,
        in_docker,
    }
}

/// Polls until `done` holds, up to [`SERVICE_PATIENCE`]; panics with the last observation.
async fn poll(env: &Env, name: &str, what: &str, done: impl Fn(&Observed) -> bool) -> Observed {
    let deadline = Instant::now() + SERVICE_PATIENCE;
    loop {
        let seen = observe(env, name).await;
        if done(&seen) {
            return seen;
        }
        assert!(
            Instant::now() < deadline,
            "gave up waiting for {what}: {seen:#?}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

async fn wait_stable(env: &Env, name: &str) {
    let waited = env
        .client
        .wait_until_services_stable()
        .cluster(&env.cluster)
        .services(name)
        .wait(STABLE_PATIENCE)
        .await;
    if let Err(e) = waited {
        panic!(
            "services_stable failed: {e:?}; {:#?}",
            observe(env, name).await
        );
    }
}

/// CreateService, then the `services_stable` waiter: two tasks RUNNING, each with its container
/// running in Docker under the task-ARN label, started by the service's deployment.
#[tokio::test]
async fn service_becomes_stable_with_running_containers() {
    with_docker(|env| async move {
        let td = sleeper_def(&env, "svc-web", "1").await;
        create_service(&env, "web", &td, 2).await;
        wait_stable(&env, "web").await;
        let seen = poll(&env, "web", "a steady state", Observed::steady).await;
        let deployment = seen.service.deployments()[0].id().unwrap_or_default();
        for task in &seen.live {
            assert_eq!(task.group(), Some("service:web"));
            assert_eq!(task.started_by(), Some(deployment));
            let arn = task.task_arn().expect("task ARN");
            let id = runtime_id(container(task, "main"));
            let inspected = inspect(&id);
            assert_eq!(inspected["State"]["Running"], true, "{inspected}");
            assert_eq!(label(&inspected, "com.amazonaws.ecs.task-arn"), Some(arn));
            assert!(
                running_containers_of(arn).contains(&inspected["Id"].as_str().unwrap().into()),
                "{arn}"
            );
        }
        assert!(seen.has_event("(service web) has reached a steady state."));
    })
    .await;
}

/// `docker kill` of a task's container: the task stops (EssentialContainerExited, exit 137), a
/// replacement starts with a new container, and the service's events say so.
#[tokio::test]
async fn killed_container_is_replaced() {
    with_docker(|env| async move {
        let td = sleeper_def(&env, "svc-kill", "1").await;
        create_service(&env, "web", &td, 2).await;
        let before = poll(&env, "web", "a steady state", Observed::steady).await;
        let victim = before.live[0].clone();
        let victim_arn = victim.task_arn().expect("task ARN").to_string();
        let killed = docker(&["kill", &runtime_id(container(&victim, "main"))]);
        assert!(killed.status.success(), "{killed:?}");

        let stopped = env.wait_status(&victim_arn, "STOPPED").await;
        assert_eq!(
            stopped.stop_code(),
            Some(&TaskStopCode::EssentialContainerExited)
        );
        assert_eq!(container(&stopped, "main").exit_code(), Some(137));
        let after = poll(&env, "web", "a replacement", |s| {
            s.steady() && !s.live_arns().contains(&victim_arn)
        })
        .await;
        let fresh: Vec<String> = after
            .live_arns()
            .difference(&before.live_arns())
            .cloned()
            .collect();
        assert_eq!(fresh.len(), 1, "{after:#?}");
        assert!(
            after.has_event(&format!(
                "(service web) has started 1 tasks: (task {}).",
                task_id(&fresh[0])
            )),
            "{after:#?}"
        );
        assert!(!after.in_docker.contains(&victim_arn));
    })
    .await;
}

/// UpdateService to a new revision completes: one deployment of the new revision, and only the
/// new revision's containers are running in Docker.
#[tokio::test]
async fn update_to_a_new_revision_replaces_the_containers() {
    with_docker(|env| async move {
        let v1 = sleeper_def(&env, "svc-roll", "1").await;
        create_service(&env, "web", &v1, 2).await;
        let before = poll(&env, "web", "a steady state", Observed::steady).await;
        let v2 = sleeper_def(&env, "svc-roll", "2").await;
        bounded(
            "UpdateService",
            env.client
                .update_service()
                .cluster(&env.cluster)
                .service("web")
                .task_definition(&v2)
                .send(),
        )
        .await
        .expect("UpdateService");

        let after = poll(&env, "web", "the rollout to complete", |s| {
            s.steady()
                && s.live
                    .iter()
                    .all(|t| t.task_definition_arn() == Some(v2.as_str()))
        })
        .await;
        assert_eq!(after.service.task_definition(), Some(v2.as_str()));
        assert_eq!(
            after.service.deployments()[0].task_definition(),
            Some(v2.as_str())
        );
        assert!(after.live_arns().is_disjoint(&before.live_arns()));
        assert!(after.in_docker.is_disjoint(&before.live_arns()));
        for task in &after.live {
            let inspected = inspect(&runtime_id(container(task, "main")));
            assert!(
                env_of(&inspected).contains(&"VERSION=2".to_string()),
                "{inspected}"
            );
        }
        for arn in before.live_arns() {
            let old = env.describe(&arn).await;
            assert_eq!(old.desired_status(), Some("STOPPED"));
            assert_eq!(
                old.stop_code(),
                Some(&TaskStopCode::ServiceSchedulerInitiated)
            );
        }
    })
    .await;
}

/// The `testing` fixture on Docker: a task it started is a real container carrying the fixture's
/// owner label, and dropping the fixture (without `stop`) removes it.
#[tokio::test]
async fn the_fixture_on_docker_removes_its_containers_when_dropped() {
    if !docker_ready().await {
        return;
    }
    let ecs = local_ecs::testing::LocalEcs::builder()
        .docker()
        .start()
        .await
        .expect("fixture on Docker");
    let owner = ecs.app().config.owner();
    let client = aws_sdk_ecs::Client::new(&ecs.sdk_config());
    client
        .create_cluster()
        .cluster_name("fx")
        .send()
        .await
        .unwrap();
    let td = client
        .register_task_definition()
        .family("fx")
        .network_mode(aws_sdk_ecs::types::NetworkMode::Awsvpc)
        .requires_compatibilities(aws_sdk_ecs::types::Compatibility::Fargate)
        .cpu("256")
        .memory("512")
        .container_definitions(sleeper("app").build())
        .send()
        .await
        .unwrap();
    let vpc = AwsVpcConfiguration::builder()
        .subnets("subnet-e7faff23f01c7756a")
        .build()
        .unwrap();
    client
        .run_task()
        .cluster("fx")
        .task_definition(td.task_definition().unwrap().task_definition_arn().unwrap())
        .launch_type(LaunchType::Fargate)
        .network_configuration(
            NetworkConfiguration::builder()
                .awsvpc_configuration(vpc)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let label = format!("label={OWNER_LABEL}={owner}");
    let owned = || {
        let out = docker(&["ps", "-aq", "--filter", &label]);
        String::from_utf8_lossy(&out.stdout).lines().count()
    };
    let deadline = Instant::now() + SERVICE_PATIENCE;
    while owned() == 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(
        owned() > 0,
        "the task's containers exist under the fixture's owner"
    );
    drop(ecs);
    assert_eq!(owned(), 0, "dropping the fixture removed its containers");
}
