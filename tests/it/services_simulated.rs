//! Services on the simulated runtime, through the SDK: CreateService/UpdateService/DeleteService/
//! DescribeServices/ListServices and what the service scheduler does with them: keeping the
//! desired count running, replacing stopped and unhealthy tasks, scaling, rolling updates within
//! minimumHealthyPercent/maximumPercent, the deployment circuit breaker with rollback, EC2
//! placement (unplaceable event, DAEMON one task per instance), tag propagation, and the
//! `services_stable` / `services_inactive` waiters.
//!
//! Expectations follow the ECS API reference, the ECS developer guide and botocore's
//! `ecs/2014-11-13/waiters-2.json`, not the implementation. Polling is bounded by [`POLL_MAX`];
//! nothing asserts how long anything took.

use crate::common::{arn, awsvpc, create_cluster, env, err, pairs, start, tag, tag_pairs, Server};
use aws_sdk_ecs::client::Waiters;
use aws_sdk_ecs::operation::create_service::builders::CreateServiceFluentBuilder;
use aws_sdk_ecs::types::{
    Compatibility, ContainerDefinition, DeploymentCircuitBreaker, DeploymentConfiguration,
    DeploymentRolloutState, DesiredStatus, HealthCheck, LaunchType, NetworkMode, PropagateTags,
    Resource, SchedulingStrategy, Service, ServiceField, Task, TaskField, TaskStopCode,
};
use aws_sdk_ecs::Client;
use std::collections::BTreeSet;
use std::time::{Duration, Instant};

const CLUSTER: &str = "svc";
/// Bound on every polling loop.
const POLL_MAX: Duration = Duration::from_secs(60);
/// Bound on an SDK waiter: the ECS model's delay is 15 s, so allow several polls.
const WAITER_MAX: Duration = Duration::from_secs(120);
const STEADY: &str = "has reached a steady state.";

// ---------------------------------------------------------------------------------------------
// Builders
// ---------------------------------------------------------------------------------------------

/// A container that runs until stopped, with simulated-runtime knobs in its environment.
fn app(knobs: &[(&str, &str)]) -> ContainerDefinition {
    ContainerDefinition::builder()
        .name("web")
        .image("busybox")
        .set_environment(Some(knobs.iter().map(|(k, v)| env(k, v)).collect()))
        .build()
}

/// An `app` with a container health check whose result is `health` (healthy / unhealthy).
fn health_checked(health: &str) -> ContainerDefinition {
    let mut c = app(&[("LOCAL_ECS_SIM_HEALTH", health)]);
    c.health_check = Some(
        HealthCheck::builder()
            .command("CMD-SHELL")
            .command("wget -qO- http://localhost/ || exit 1")
            .interval(5)
            .timeout(2)
            .retries(1)
            .build()
            .unwrap(),
    );
    c
}

/// Registers an awsvpc Fargate definition (cpu 256, memory 512) with one container; its ARN.
async fn register_fargate(client: &Client, family: &str, container: ContainerDefinition) -> String {
    client
        .register_task_definition()
        .family(family)
        .requires_compatibilities(Compatibility::Fargate)
        .network_mode(NetworkMode::Awsvpc)
        .cpu("256")
        .memory("512")
        .container_definitions(container)
        .send()
        .await
        .unwrap()
        .task_definition
        .unwrap()
        .task_definition_arn
        .unwrap()
}

/// Registers a bridge-mode EC2 definition (one 128 MiB container); its ARN.
async fn register_bridge(client: &Client, family: &str) -> String {
    let mut c = app(&[]);
    c.memory = Some(128);
    client
        .register_task_definition()
        .family(family)
        .network_mode(NetworkMode::Bridge)
        .requires_compatibilities(Compatibility::Ec2)
        .container_definitions(c)
        .send()
        .await
        .unwrap()
        .task_definition
        .unwrap()
        .task_definition_arn
        .unwrap()
}

/// Registers a container instance with 4 vCPU and 4 GiB; its ARN.
async fn register_instance(client: &Client) -> String {
    let int = |name: &str| {
        Resource::builder()
            .name(name)
            .r#type("INTEGER")
            .integer_value(4096)
            .build()
    };
    client
        .register_container_instance()
        .cluster(CLUSTER)
        .total_resources(int("CPU"))
        .total_resources(int("MEMORY"))
        .send()
        .await
        .unwrap()
        .container_instance
        .unwrap()
        .container_instance_arn
        .unwrap()
}

/// A fresh server with the test cluster.
async fn setup() -> Server {
    let server = start().await;
    create_cluster(&server.client, CLUSTER).await;
    server
}

/// CreateService `name` on Fargate (awsvpc) with `desired` tasks of `td`.
fn fargate_service(
    client: &Client,
    name: &str,
    td: &str,
    desired: i32,
) -> CreateServiceFluentBuilder {
    client
        .create_service()
        .cluster(CLUSTER)
        .service_name(name)
        .task_definition(td)
        .desired_count(desired)
        .launch_type(LaunchType::Fargate)
        .network_configuration(awsvpc())
}

async fn create(builder: CreateServiceFluentBuilder) -> Service {
    builder.send().await.unwrap().service.unwrap()
}

fn breaker(enable: bool, rollback: bool) -> DeploymentConfiguration {
    DeploymentConfiguration::builder()
        .deployment_circuit_breaker(
            DeploymentCircuitBreaker::builder()
                .enable(enable)
                .rollback(rollback)
                .build(),
        )
        .build()
}

// ---------------------------------------------------------------------------------------------
// Observing a service
// ---------------------------------------------------------------------------------------------

/// A service and its live tasks (desired RUNNING), read one after the other.
#[derive(Debug)]
struct Snapshot {
    service: Service,
    live: Vec<Task>,
}

impl Snapshot {
    fn primary(&self) -> &aws_sdk_ecs::types::Deployment {
        self.service
            .deployments()
            .iter()
            .find(|d| d.status() == Some("PRIMARY"))
            .unwrap_or_else(|| panic!("no PRIMARY deployment: {:#?}", self.service))
    }

    fn has_event(&self, needle: &str) -> bool {
        has_event(&self.service, needle)
    }

    /// Live tasks whose lastStatus is RUNNING.
    fn running(&self) -> usize {
        self.live
            .iter()
            .filter(|t| t.last_status() == Some("RUNNING"))
            .count()
    }

    fn live_arns(&self) -> BTreeSet<String> {
        self.live.iter().map(task_arn).collect()
    }

    /// The task definitions of the live tasks.
    fn live_definitions(&self) -> BTreeSet<String> {
        self.live
            .iter()
            .map(|t| t.task_definition_arn().unwrap().to_string())
            .collect()
    }

    /// Steady as ECS means it: one deployment, rolled out, exactly the desired tasks running.
    fn steady(&self) -> bool {
        let s = &self.service;
        s.deployments().len() == 1
            && self.primary().rollout_state() == Some(&DeploymentRolloutState::Completed)
            && s.running_count() == s.desired_count()
            && s.pending_count() == 0
            && self.live.len() == s.desired_count() as usize
            && self.running() == self.live.len()
    }
}

fn has_event(service: &Service, needle: &str) -> bool {
    service
        .events()
        .iter()
        .any(|e| e.message().is_some_and(|m| m.contains(needle)))
}

fn task_arn(t: &Task) -> String {
    t.task_arn().unwrap().to_string()
}

fn task_id(arn: &str) -> &str {
    arn.rsplit('/').next().unwrap()
}

async fn describe_service(client: &Client, name: &str) -> Service {
    let out = client
        .describe_services()
        .cluster(CLUSTER)
        .services(name)
        .include(ServiceField::Tags)
        .send()
        .await
        .unwrap();
    assert!(out.failures().is_empty(), "{:?}", out.failures());
    out.services()[0].clone()
}

/// The service's tasks with the given desired status (ListTasks serviceName + DescribeTasks).
async fn service_tasks(client: &Client, name: &str, desired: DesiredStatus) -> Vec<Task> {
    let arns = client
        .list_tasks()
        .cluster(CLUSTER)
        .service_name(name)
        .desired_status(desired)
        .send()
        .await
        .unwrap()
        .task_arns
        .unwrap_or_default();
    if arns.is_empty() {
        return Vec::new();
    }
    let out = client
        .describe_tasks()
        .cluster(CLUSTER)
        .set_tasks(Some(arns))
        .include(TaskField::Tags)
        .send()
        .await
        .unwrap();
    assert!(out.failures().is_empty(), "{:?}", out.failures());
    out.tasks().to_vec()
}

async fn snapshot(client: &Client, name: &str) -> Snapshot {
    let service = describe_service(client, name).await;
    let live = service_tasks(client, name, DesiredStatus::Running).await;
    Snapshot { service, live }
}

/// Polls until `done` holds, handing every snapshot to `observe` first; panics with the last one
/// after [`POLL_MAX`].
async fn poll_observing(
    client: &Client,
    name: &str,
    what: &str,
    done: impl Fn(&Snapshot) -> bool,
    mut observe: impl FnMut(&Snapshot),
) -> Snapshot {
    let deadline = Instant::now() + POLL_MAX;
    loop {
        let snap = snapshot(client, name).await;
        observe(&snap);
        if done(&snap) {
            return snap;
        }
        assert!(
            Instant::now() < deadline,
            "gave up waiting for {what}: {snap:#?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn poll(
    client: &Client,
    name: &str,
    what: &str,
    done: impl Fn(&Snapshot) -> bool,
) -> Snapshot {
    poll_observing(client, name, what, done, |_| {}).await
}

/// Polls until the service is steady and has said so in its events.
async fn wait_steady(client: &Client, name: &str) -> Snapshot {
    poll(client, name, "a steady state", |s| {
        s.steady() && s.has_event(STEADY)
    })
    .await
}

/// The `services_stable` waiter, which must succeed.
async fn waiter_stable(client: &Client, name: &str) {
    let waited = client
        .wait_until_services_stable()
        .cluster(CLUSTER)
        .services(name)
        .wait(WAITER_MAX)
        .await;
    if let Err(e) = waited {
        panic!(
            "services_stable failed: {e:?}; service: {:#?}",
            describe_service(client, name).await
        );
    }
}

/// The `services_inactive` waiter, which must succeed.
async fn waiter_inactive(client: &Client, name: &str) {
    let waited = client
        .wait_until_services_inactive()
        .cluster(CLUSTER)
        .services(name)
        .wait(WAITER_MAX)
        .await;
    if let Err(e) = waited {
        panic!(
            "services_inactive failed: {e:?}; service: {:#?}",
            describe_service(client, name).await
        );
    }
}

/// A service of `desired` plain tasks on Fargate, waited to steady.
async fn steady_service(client: &Client, name: &str, desired: i32) -> Snapshot {
    let td = register_fargate(client, name, app(&[])).await;
    create(fargate_service(client, name, &td, desired)).await;
    wait_steady(client, name).await
}

async fn active_services_count(client: &Client) -> i32 {
    client
        .describe_clusters()
        .clusters(CLUSTER)
        .send()
        .await
        .unwrap()
        .clusters()[0]
        .active_services_count()
}

// ---------------------------------------------------------------------------------------------
// CreateService and the steady state
// ---------------------------------------------------------------------------------------------

/// CreateService echoes the service as ECS does, then the scheduler runs three tasks, the
/// `services_stable` waiter succeeds, the deployment completes and the events tell the story.
#[tokio::test]
async fn create_service_echoes_then_reaches_a_steady_state() {
    let server = setup().await;
    let client = &server.client;
    let td = register_fargate(client, "web", app(&[])).await;
    let created = create(fargate_service(client, "web", &td, 3)).await;

    assert_eq!(created.service_arn(), Some(arn("service/svc/web").as_str()));
    assert_eq!(created.service_name(), Some("web"));
    assert_eq!(created.cluster_arn(), Some(arn("cluster/svc").as_str()));
    assert_eq!(created.status(), Some("ACTIVE"));
    assert_eq!(created.desired_count(), 3);
    assert_eq!(created.task_definition(), Some(td.as_str()));
    assert_eq!(created.launch_type(), Some(&LaunchType::Fargate));
    assert_eq!(created.platform_version(), Some("LATEST"));
    assert_eq!(
        created.scheduling_strategy(),
        Some(&SchedulingStrategy::Replica)
    );
    assert_eq!(created.network_configuration(), Some(&awsvpc()));
    assert!(created.created_at().is_some(), "createdAt: {created:#?}");
    let config = created
        .deployment_configuration()
        .expect("deploymentConfiguration");
    assert_eq!(config.maximum_percent(), Some(200));
    assert_eq!(config.minimum_healthy_percent(), Some(100));
    let cb = config
        .deployment_circuit_breaker()
        .expect("circuit breaker");
    assert!(!cb.enable() && !cb.rollback(), "{cb:?}");
    assert_eq!(created.deployments().len(), 1, "{created:#?}");
    let d = &created.deployments()[0];
    let deployment_id = d.id().unwrap().to_string();
    assert!(deployment_id.starts_with("ecs-svc/"), "{deployment_id}");
    assert_eq!(d.status(), Some("PRIMARY"));
    assert_eq!(d.rollout_state(), Some(&DeploymentRolloutState::InProgress));
    assert_eq!(d.task_definition(), Some(td.as_str()));
    assert_eq!(d.desired_count(), 3);
    assert_eq!(d.launch_type(), Some(&LaunchType::Fargate));
    assert!(d.created_at().is_some());
    assert_eq!(active_services_count(client).await, 1);

    waiter_stable(client, "web").await;
    let snap = wait_steady(client, "web").await;
    let svc = &snap.service;
    assert_eq!(svc.running_count(), 3);
    assert_eq!(svc.deployments().len(), 1);
    assert_eq!(snap.primary().id(), Some(deployment_id.as_str()));
    assert_eq!(snap.primary().running_count(), 3);
    assert!(snap.has_event("(service web) has started "), "{svc:#?}");
    assert!(snap.has_event("(service web) has reached a steady state."));
    assert!(
        snap.has_event(&format!(
            "(service web) (deployment {deployment_id}) deployment completed."
        )),
        "{svc:#?}"
    );
    // Every started task is named in a "has started" event.
    for t in &snap.live {
        let arn = task_arn(t);
        assert!(
            snap.has_event(&format!("(task {})", task_id(&arn))),
            "no event names {arn}: {svc:#?}"
        );
        assert_eq!(t.group(), Some("service:web"));
        assert_eq!(t.started_by(), Some(deployment_id.as_str()));
        assert_eq!(t.task_definition_arn(), Some(td.as_str()));
        assert_eq!(t.launch_type(), Some(&LaunchType::Fargate));
        assert_eq!(t.last_status(), Some("RUNNING"));
    }
    assert_eq!(snap.live.len(), 3);
    let cluster = client
        .describe_clusters()
        .clusters(CLUSTER)
        .send()
        .await
        .unwrap()
        .clusters()[0]
        .clone();
    assert_eq!(cluster.active_services_count(), 1);
    assert_eq!(cluster.running_tasks_count(), 3);
}

/// A task stopped with StopTask is replaced; the service says it started a new one.
#[tokio::test]
async fn stopped_task_is_replaced() {
    let server = setup().await;
    let client = &server.client;
    let before = steady_service(client, "web", 2).await;
    let victim = task_arn(&before.live[0]);
    client
        .stop_task()
        .cluster(CLUSTER)
        .task(&victim)
        .reason("chaos")
        .send()
        .await
        .unwrap();
    let after = poll(client, "web", "a replacement task", |s| {
        s.live.len() == 2 && s.running() == 2 && !s.live_arns().contains(&victim)
    })
    .await;
    let fresh: Vec<String> = after
        .live_arns()
        .difference(&before.live_arns())
        .cloned()
        .collect();
    assert_eq!(fresh.len(), 1, "{after:#?}");
    let after = poll(client, "web", "the replacement's event and counts", |s| {
        s.service.running_count() == 2
            && s.has_event(&format!(
                "(service web) has started 1 tasks: (task {}).",
                task_id(&fresh[0])
            ))
    })
    .await;
    assert_eq!(after.service.desired_count(), 2);
    let stopped = service_tasks(client, "web", DesiredStatus::Stopped).await;
    let victim_task = stopped
        .iter()
        .find(|t| task_arn(t) == victim)
        .unwrap_or_else(|| panic!("{victim} not listed as stopped: {stopped:#?}"));
    assert_eq!(victim_task.stop_code(), Some(&TaskStopCode::UserInitiated));
    assert_eq!(victim_task.stopped_reason(), Some("chaos"));
}

/// A task whose essential container exits on its own is replaced too.
#[tokio::test]
async fn exited_task_is_replaced() {
    let server = setup().await;
    let client = &server.client;
    // Runs 5 s: long enough for the deployment to complete first.
    let td = register_fargate(client, "mortal", app(&[("LOCAL_ECS_SIM_RUN_SECONDS", "5")])).await;
    create(fargate_service(client, "mortal", &td, 1)).await;
    let first = poll(client, "mortal", "the first task", |s| s.running() == 1).await;
    let first_arn = task_arn(&first.live[0]);
    let after = poll(client, "mortal", "a replacement after the exit", |s| {
        s.running() == 1 && !s.live_arns().contains(&first_arn)
    })
    .await;
    let fresh = task_arn(&after.live[0]);
    let stopped = service_tasks(client, "mortal", DesiredStatus::Stopped).await;
    let gone = stopped
        .iter()
        .find(|t| task_arn(t) == first_arn)
        .unwrap_or_else(|| panic!("{first_arn} not stopped: {stopped:#?}"));
    assert_eq!(
        gone.stop_code(),
        Some(&TaskStopCode::EssentialContainerExited)
    );
    poll(client, "mortal", "the replacement's event", |s| {
        s.has_event(&format!(
            "(service mortal) has started 1 tasks: (task {}).",
            task_id(&fresh)
        ))
    })
    .await;
}

/// UpdateService desiredCount scales up and down within the same deployment.
#[tokio::test]
async fn update_desired_count_scales_up_and_down() {
    let server = setup().await;
    let client = &server.client;
    let before = steady_service(client, "web", 1).await;
    let deployment = before.primary().id().unwrap().to_string();

    let updated = client
        .update_service()
        .cluster(CLUSTER)
        .service("web")
        .desired_count(4)
        .send()
        .await
        .unwrap()
        .service
        .unwrap();
    assert_eq!(updated.desired_count(), 4);
    assert_eq!(
        updated.deployments().len(),
        1,
        "a count change is no new deployment"
    );
    let up = poll(client, "web", "4 running tasks", |s| {
        s.running() == 4 && s.service.running_count() == 4
    })
    .await;
    assert_eq!(up.live.len(), 4);
    assert_eq!(up.primary().id(), Some(deployment.as_str()));
    assert_eq!(up.primary().desired_count(), 4);
    assert!(
        up.has_event("(service web) has started 3 tasks:"),
        "{up:#?}"
    );

    client
        .update_service()
        .cluster(CLUSTER)
        .service("web")
        .desired_count(1)
        .send()
        .await
        .unwrap();
    let down = poll(client, "web", "1 running task", |s| {
        s.live.len() == 1 && s.service.running_count() == 1
    })
    .await;
    assert_eq!(down.primary().id(), Some(deployment.as_str()));
    assert!(
        down.has_event("(service web) has stopped 3 running tasks:"),
        "{down:#?}"
    );
    wait_steady(client, "web").await;
}

// ---------------------------------------------------------------------------------------------
// Deployments
// ---------------------------------------------------------------------------------------------

/// A new revision rolls out: PRIMARY (new) and ACTIVE (old) deployments, never fewer than the
/// desired count running (minimumHealthyPercent 100) nor more than twice it (maximumPercent
/// 200), and at the end only the new revision's tasks in one COMPLETED deployment.
#[tokio::test]
async fn rolling_update_keeps_the_minimum_healthy_and_completes() {
    let server = setup().await;
    let client = &server.client;
    let v1 = register_fargate(client, "web", app(&[])).await;
    create(
        fargate_service(client, "web", &v1, 3).deployment_configuration(
            DeploymentConfiguration::builder()
                .minimum_healthy_percent(100)
                .maximum_percent(200)
                .build(),
        ),
    )
    .await;
    let before = wait_steady(client, "web").await;
    let old_id = before.primary().id().unwrap().to_string();
    let v2 = register_fargate(client, "web", app(&[("VERSION", "2")])).await;
    assert!(v2.ends_with(":2"), "{v2}");

    let updated = client
        .update_service()
        .cluster(CLUSTER)
        .service("web")
        .task_definition(&v2)
        .send()
        .await
        .unwrap()
        .service
        .unwrap();
    assert_eq!(updated.task_definition(), Some(v2.as_str()));
    assert_eq!(updated.deployments().len(), 2, "{updated:#?}");
    let new = updated
        .deployments()
        .iter()
        .find(|d| d.status() == Some("PRIMARY"))
        .expect("PRIMARY");
    let new_id = new.id().unwrap().to_string();
    assert_ne!(new_id, old_id);
    assert_eq!(new.task_definition(), Some(v2.as_str()));
    assert_eq!(
        new.rollout_state(),
        Some(&DeploymentRolloutState::InProgress)
    );
    let old = updated
        .deployments()
        .iter()
        .find(|d| d.id() == Some(old_id.as_str()))
        .expect("the old deployment");
    assert_eq!(old.status(), Some("ACTIVE"));
    assert_eq!(old.task_definition(), Some(v1.as_str()));

    let (mut fewest, mut most) = (usize::MAX, 0);
    let done = poll_observing(
        client,
        "web",
        "the rollout to complete",
        |s| s.steady() && s.live_definitions() == BTreeSet::from([v2.clone()]),
        |s| {
            fewest = fewest.min(s.running());
            most = most.max(s.live.len());
        },
    )
    .await;
    assert!(fewest >= 3, "fewer than the desired count ran: {fewest}");
    assert!(most <= 6, "more than maximumPercent allows: {most}");
    assert_eq!(done.primary().id(), Some(new_id.as_str()));
    assert_eq!(done.service.deployments().len(), 1);
    for t in &done.live {
        assert_eq!(t.started_by(), Some(new_id.as_str()));
    }
    assert!(done.has_event(&format!(
        "(service web) (deployment {new_id}) deployment completed."
    )));
    assert!(done.has_event("(service web) has stopped "), "{done:#?}");
    let stopped = service_tasks(client, "web", DesiredStatus::Stopped).await;
    let old_tasks: BTreeSet<String> = before.live_arns();
    for t in stopped.iter().filter(|t| old_tasks.contains(&task_arn(t))) {
        assert_eq!(
            t.stop_code(),
            Some(&TaskStopCode::ServiceSchedulerInitiated)
        );
    }
    assert_eq!(
        stopped
            .iter()
            .filter(|t| old_tasks.contains(&task_arn(t)))
            .count(),
        3,
        "every old task stopped: {stopped:#?}"
    );
}

/// A revision whose container exits 1 at once trips the circuit breaker: the new deployment
/// FAILS after at least 3 failed tasks (threshold clamp(ceil(1/2), 3, 200)), and the service
/// rolls back to the last COMPLETED deployment, which completes again.
#[tokio::test]
async fn circuit_breaker_fails_the_deployment_and_rolls_back() {
    let server = setup().await;
    let client = &server.client;
    let v1 = register_fargate(client, "web", app(&[])).await;
    create(fargate_service(client, "web", &v1, 1).deployment_configuration(breaker(true, true)))
        .await;
    let good = wait_steady(client, "web").await;
    let good_id = good.primary().id().unwrap().to_string();
    let v2 = register_fargate(client, "web", app(&[("LOCAL_ECS_SIM_EXIT_CODE", "1")])).await;
    let updated = client
        .update_service()
        .cluster(CLUSTER)
        .service("web")
        .task_definition(&v2)
        .send()
        .await
        .unwrap()
        .service
        .unwrap();
    let bad_id = updated
        .deployments()
        .iter()
        .find(|d| d.status() == Some("PRIMARY"))
        .and_then(|d| d.id())
        .unwrap()
        .to_string();

    let failed = poll(client, "web", "the circuit breaker to trip", |s| {
        s.service.deployments().iter().any(|d| {
            d.id() == Some(bad_id.as_str())
                && d.rollout_state() == Some(&DeploymentRolloutState::Failed)
        })
    })
    .await;
    let bad = failed
        .service
        .deployments()
        .iter()
        .find(|d| d.id() == Some(bad_id.as_str()))
        .unwrap();
    assert!(bad.failed_tasks() >= 3, "{bad:#?}");
    assert_eq!(
        bad.rollout_state_reason(),
        Some("ECS deployment circuit breaker: tasks failed to start.")
    );
    assert_ne!(bad.status(), Some("PRIMARY"), "{failed:#?}");
    assert_eq!(failed.service.task_definition(), Some(v1.as_str()));
    assert_eq!(failed.primary().id(), Some(good_id.as_str()));
    assert_eq!(failed.primary().task_definition(), Some(v1.as_str()));
    assert!(failed.has_event(&format!(
        "(service web) (deployment {bad_id}) deployment failed: tasks failed to start."
    )));
    assert!(failed.has_event(&format!(
        "(service web) rolling back to deployment {good_id}."
    )));

    let back = poll(client, "web", "the rollback to complete", |s| {
        s.steady() && s.live_definitions() == BTreeSet::from([v1.clone()])
    })
    .await;
    assert_eq!(back.primary().id(), Some(good_id.as_str()));
    assert_eq!(back.service.deployments().len(), 1, "{back:#?}");
    assert_eq!(back.service.task_definition(), Some(v1.as_str()));
    let bad_tasks = service_tasks(client, "web", DesiredStatus::Stopped).await;
    assert!(
        bad_tasks
            .iter()
            .filter(|t| t.started_by() == Some(bad_id.as_str()))
            .count()
            >= 3,
        "{bad_tasks:#?}"
    );
    assert!(back
        .live
        .iter()
        .all(|t| t.started_by() == Some(good_id.as_str())));
}

/// The rollback deployment goes IN_PROGRESS again before it completes (ECS developer guide:
/// "When the rollback starts, the deployment changes from a COMPLETED to IN_PROGRESS").
#[tokio::test]
async fn circuit_breaker_rollback_deployment_is_in_progress_first() {
    let server = setup().await;
    let client = &server.client;
    let v1 = register_fargate(client, "web", app(&[])).await;
    create(fargate_service(client, "web", &v1, 1).deployment_configuration(breaker(true, true)))
        .await;
    let good_id = wait_steady(client, "web")
        .await
        .primary()
        .id()
        .unwrap()
        .to_string();
    let v2 = register_fargate(client, "web", app(&[("LOCAL_ECS_SIM_EXIT_CODE", "1")])).await;
    client
        .update_service()
        .cluster(CLUSTER)
        .service("web")
        .task_definition(&v2)
        .send()
        .await
        .unwrap();
    let mut states = Vec::new();
    poll_observing(
        client,
        "web",
        "the rollback to complete",
        |s| s.steady() && s.has_event("rolling back to deployment"),
        |s| {
            if let Some(d) = s
                .service
                .deployments()
                .iter()
                .find(|d| d.id() == Some(good_id.as_str()) && d.status() == Some("PRIMARY"))
            {
                let state = d.rollout_state().cloned();
                if states.last() != Some(&state) {
                    states.push(state);
                }
            }
        },
    )
    .await;
    assert!(
        states.contains(&Some(DeploymentRolloutState::InProgress)),
        "the rollback deployment was never seen IN_PROGRESS: {states:?}"
    );
    assert_eq!(
        states.last(),
        Some(&Some(DeploymentRolloutState::Completed))
    );
}

/// A circuit breaker without rollback only marks the deployment FAILED and stops launching.
#[tokio::test]
async fn circuit_breaker_without_rollback_leaves_the_failed_deployment_primary() {
    let server = setup().await;
    let client = &server.client;
    let v1 = register_fargate(client, "web", app(&[])).await;
    create(fargate_service(client, "web", &v1, 1).deployment_configuration(breaker(true, false)))
        .await;
    wait_steady(client, "web").await;
    let v2 = register_fargate(client, "web", app(&[("LOCAL_ECS_SIM_EXIT_CODE", "1")])).await;
    client
        .update_service()
        .cluster(CLUSTER)
        .service("web")
        .task_definition(&v2)
        .send()
        .await
        .unwrap();
    let failed = poll(client, "web", "the circuit breaker to trip", |s| {
        s.primary().rollout_state() == Some(&DeploymentRolloutState::Failed)
    })
    .await;
    assert_eq!(failed.primary().task_definition(), Some(v2.as_str()));
    assert_eq!(failed.service.task_definition(), Some(v2.as_str()));
    assert!(failed.primary().failed_tasks() >= 3);
    assert!(!failed.has_event("rolling back"), "{failed:#?}");
}

// ---------------------------------------------------------------------------------------------
// Health checks
// ---------------------------------------------------------------------------------------------

/// A task failing its container health check is replaced: stoppedReason "Task failed container
/// health checks", and an event saying so.
#[tokio::test]
async fn unhealthy_tasks_are_replaced() {
    let server = setup().await;
    let client = &server.client;
    let td = register_fargate(client, "sick", health_checked("unhealthy")).await;
    create(fargate_service(client, "sick", &td, 1)).await;
    let snap = poll(client, "sick", "an unhealthy task to be replaced", |s| {
        s.has_event("failed container health checks")
    })
    .await;
    assert!(
        snap.service
            .events()
            .iter()
            .filter_map(|e| e.message())
            .any(|m| m.starts_with("(service sick) (task ")
                && m.ends_with(") failed container health checks.")),
        "{snap:#?}"
    );
    let deadline = Instant::now() + POLL_MAX;
    let stopped = loop {
        let stopped = service_tasks(client, "sick", DesiredStatus::Stopped).await;
        if !stopped.is_empty() {
            break stopped;
        }
        assert!(Instant::now() < deadline, "no stopped task listed");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(
        stopped[0].stopped_reason(),
        Some("Task failed container health checks"),
        "{stopped:#?}"
    );
    assert_eq!(
        stopped[0].stop_code(),
        Some(&TaskStopCode::ServiceSchedulerInitiated)
    );
    let gone = task_arn(&stopped[0]);
    poll(client, "sick", "a replacement task", |s| {
        s.live.len() == 1 && !s.live_arns().contains(&gone)
    })
    .await;
}

/// healthCheckGracePeriodSeconds defers the replacement of an unhealthy task; once the grace
/// period is lowered to 0 it goes.
#[tokio::test]
async fn health_check_grace_period_defers_the_replacement() {
    let server = setup().await;
    let client = &server.client;
    let td = register_fargate(client, "sick", health_checked("unhealthy")).await;
    let created =
        create(fargate_service(client, "sick", &td, 1).health_check_grace_period_seconds(600))
            .await;
    assert_eq!(created.health_check_grace_period_seconds(), Some(600));
    let snap = poll(client, "sick", "the task to be UNHEALTHY", |s| {
        s.live
            .iter()
            .any(|t| t.health_status().map(|h| h.as_str()) == Some("UNHEALTHY"))
    })
    .await;
    let patient = task_arn(&snap.live[0]);
    // Several scheduler passes (1 s apart) see it unhealthy within its grace period.
    tokio::time::sleep(Duration::from_secs(4)).await;
    let later = snapshot(client, "sick").await;
    assert_eq!(
        later.live_arns(),
        BTreeSet::from([patient.clone()]),
        "{later:#?}"
    );
    assert!(
        !later.has_event("failed container health checks"),
        "{later:#?}"
    );

    client
        .update_service()
        .cluster(CLUSTER)
        .service("sick")
        .health_check_grace_period_seconds(0)
        .send()
        .await
        .unwrap();
    poll(
        client,
        "sick",
        "the replacement once the grace is gone",
        |s| !s.live_arns().contains(&patient) && s.has_event("failed container health checks"),
    )
    .await;
}

/// A healthy health-checked service reaches a steady state (health gates completion, not
/// forever).
#[tokio::test]
async fn healthy_tasks_reach_a_steady_state() {
    let server = setup().await;
    let client = &server.client;
    let td = register_fargate(client, "fine", health_checked("healthy")).await;
    create(fargate_service(client, "fine", &td, 2)).await;
    let snap = wait_steady(client, "fine").await;
    for t in &snap.live {
        assert_eq!(t.health_status().map(|h| h.as_str()), Some("HEALTHY"));
    }
}

// ---------------------------------------------------------------------------------------------
// DeleteService and errors
// ---------------------------------------------------------------------------------------------

/// DeleteService refuses a scaled-up service without force; with force it drains (DRAINING),
/// then becomes INACTIVE (`services_inactive` waiter), its tasks stop, and it stays
/// describable. Operations on it then fail as ECS says.
#[tokio::test]
async fn delete_service_force_drains_to_inactive() {
    let server = setup().await;
    let client = &server.client;
    let before = steady_service(client, "web", 2).await;

    let (code, message) = err(client
        .delete_service()
        .cluster(CLUSTER)
        .service("web")
        .send()
        .await);
    assert_eq!(code, "InvalidParameterException");
    assert_eq!(
        message,
        "The service cannot be stopped while it is scaled above 0."
    );

    let deleted = client
        .delete_service()
        .cluster(CLUSTER)
        .service("web")
        .force(true)
        .send()
        .await
        .unwrap()
        .service
        .unwrap();
    assert_eq!(deleted.status(), Some("DRAINING"));
    assert_eq!(deleted.desired_count(), 0);
    waiter_inactive(client, "web").await;

    let svc = describe_service(client, "web").await;
    assert_eq!(svc.status(), Some("INACTIVE"));
    assert_eq!(svc.running_count(), 0);
    for arn in before.live_arns() {
        let t = client
            .describe_tasks()
            .cluster(CLUSTER)
            .tasks(&arn)
            .send()
            .await
            .unwrap()
            .tasks()[0]
            .clone();
        assert_eq!(t.desired_status(), Some("STOPPED"));
        assert_eq!(
            t.stop_code(),
            Some(&TaskStopCode::ServiceSchedulerInitiated)
        );
    }
    let deadline = Instant::now() + POLL_MAX;
    while !service_tasks(client, "web", DesiredStatus::Running)
        .await
        .is_empty()
    {
        assert!(Instant::now() < deadline, "tasks still desired RUNNING");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(active_services_count(client).await, 0);
    let listed = client
        .list_services()
        .cluster(CLUSTER)
        .send()
        .await
        .unwrap();
    assert!(listed.service_arns().is_empty(), "{listed:?}");

    let (code, _) = err(client
        .update_service()
        .cluster(CLUSTER)
        .service("web")
        .desired_count(1)
        .send()
        .await);
    assert_eq!(code, "ServiceNotActiveException");

    // The name can be used again once the old service is INACTIVE.
    let td = before.live[0].task_definition_arn().unwrap().to_string();
    let again = create(fargate_service(client, "web", &td, 1)).await;
    assert_eq!(again.status(), Some("ACTIVE"));
    wait_steady(client, "web").await;
}

/// Scaled to 0 first, a service is deleted without force.
#[tokio::test]
async fn delete_service_after_scaling_to_zero() {
    let server = setup().await;
    let client = &server.client;
    steady_service(client, "web", 1).await;
    client
        .update_service()
        .cluster(CLUSTER)
        .service("web")
        .desired_count(0)
        .send()
        .await
        .unwrap();
    let deleted = client
        .delete_service()
        .cluster(CLUSTER)
        .service("web")
        .send()
        .await
        .unwrap()
        .service
        .unwrap();
    assert_eq!(deleted.status(), Some("DRAINING"));
    let snap = poll(client, "web", "INACTIVE", |s| {
        s.service.status() == Some("INACTIVE")
    })
    .await;
    assert!(snap.live.is_empty(), "{snap:#?}");
}

/// Unknown services are failures in DescribeServices and ServiceNotFoundException elsewhere;
/// a second CreateService of an ACTIVE name is InvalidParameterException.
#[tokio::test]
async fn service_errors_follow_ecs() {
    let server = setup().await;
    let client = &server.client;
    let td = register_fargate(client, "web", app(&[])).await;
    create(fargate_service(client, "web", &td, 1)).await;

    let out = client
        .describe_services()
        .cluster(CLUSTER)
        .services("ghost")
        .services("web")
        .send()
        .await
        .unwrap();
    assert_eq!(out.services().len(), 1);
    assert_eq!(out.failures().len(), 1, "{out:?}");
    assert_eq!(out.failures()[0].reason(), Some("MISSING"));
    // AWS names an unknown service without its cluster: service/NAME.
    assert_eq!(out.failures()[0].arn(), Some(arn("service/ghost").as_str()));

    let (code, _) = err(client
        .update_service()
        .cluster(CLUSTER)
        .service("ghost")
        .desired_count(1)
        .send()
        .await);
    assert_eq!(code, "ServiceNotFoundException");
    let (code, _) = err(client
        .delete_service()
        .cluster(CLUSTER)
        .service("ghost")
        .send()
        .await);
    assert_eq!(code, "ServiceNotFoundException");
    let (code, _) = err(fargate_service(client, "web", &td, 1).send().await);
    assert_eq!(code, "InvalidParameterException");
    let (code, _) = err(fargate_service(client, "web2", &td, 1)
        .cluster("no-such-cluster")
        .send()
        .await);
    assert_eq!(code, "ClusterNotFoundException");
}

// ---------------------------------------------------------------------------------------------
// Tags and ListServices
// ---------------------------------------------------------------------------------------------

/// propagateTags SERVICE copies the service's tags to its tasks; enableECSManagedTags adds
/// `aws:ecs:clusterName` and `aws:ecs:serviceName`. Tags show in DescribeServices only when
/// asked for.
#[tokio::test]
async fn service_tags_propagate_to_tasks() {
    let server = setup().await;
    let client = &server.client;
    let td = register_fargate(client, "web", app(&[])).await;
    create(
        fargate_service(client, "web", &td, 2)
            .tags(tag("team", "core"))
            .tags(tag("env", "dev"))
            .propagate_tags(PropagateTags::Service)
            .enable_ecs_managed_tags(true),
    )
    .await;
    let snap = wait_steady(client, "web").await;
    assert_eq!(
        tag_pairs(snap.service.tags()),
        pairs(&[("team", "core"), ("env", "dev")])
    );
    assert_eq!(snap.service.propagate_tags(), Some(&PropagateTags::Service));
    assert!(snap.service.enable_ecs_managed_tags());
    for t in &snap.live {
        assert_eq!(
            tag_pairs(t.tags()),
            pairs(&[
                ("team", "core"),
                ("env", "dev"),
                ("aws:ecs:clusterName", CLUSTER),
                ("aws:ecs:serviceName", "web"),
            ]),
            "{t:#?}"
        );
    }
    let plain = client
        .describe_services()
        .cluster(CLUSTER)
        .services("web")
        .send()
        .await
        .unwrap();
    assert!(plain.services()[0].tags().is_empty(), "{plain:?}");
}

/// ListServices filters on launchType and schedulingStrategy and pages with maxResults.
#[tokio::test]
async fn list_services_filters_and_pages() {
    let server = setup().await;
    let client = &server.client;
    let fargate = register_fargate(client, "web", app(&[])).await;
    let bridge = register_bridge(client, "daemon").await;
    for name in ["f1", "f2"] {
        create(fargate_service(client, name, &fargate, 0)).await;
    }
    client
        .create_service()
        .cluster(CLUSTER)
        .service_name("e1")
        .task_definition(&bridge)
        .desired_count(0)
        .launch_type(LaunchType::Ec2)
        .send()
        .await
        .unwrap();
    client
        .create_service()
        .cluster(CLUSTER)
        .service_name("d1")
        .task_definition(&bridge)
        .launch_type(LaunchType::Ec2)
        .scheduling_strategy(SchedulingStrategy::Daemon)
        .send()
        .await
        .unwrap();
    let names = |arns: &[String]| -> BTreeSet<String> {
        arns.iter()
            .map(|a| a.rsplit('/').next().unwrap().to_string())
            .collect()
    };
    let set = |v: &[&str]| -> BTreeSet<String> { v.iter().map(|s| s.to_string()).collect() };

    let by_launch = |lt: LaunchType| {
        client
            .list_services()
            .cluster(CLUSTER)
            .launch_type(lt)
            .send()
    };
    let out = by_launch(LaunchType::Fargate).await.unwrap();
    assert_eq!(names(out.service_arns()), set(&["f1", "f2"]));
    let out = by_launch(LaunchType::Ec2).await.unwrap();
    assert_eq!(names(out.service_arns()), set(&["e1", "d1"]));
    let out = client
        .list_services()
        .cluster(CLUSTER)
        .scheduling_strategy(SchedulingStrategy::Daemon)
        .send()
        .await
        .unwrap();
    assert_eq!(names(out.service_arns()), set(&["d1"]));
    let out = client
        .list_services()
        .cluster(CLUSTER)
        .scheduling_strategy(SchedulingStrategy::Replica)
        .send()
        .await
        .unwrap();
    assert_eq!(names(out.service_arns()), set(&["f1", "f2", "e1"]));

    let mut seen = Vec::new();
    let mut token: Option<String> = None;
    for _ in 0..10 {
        let page = client
            .list_services()
            .cluster(CLUSTER)
            .max_results(1)
            .set_next_token(token.clone())
            .send()
            .await
            .unwrap();
        assert!(page.service_arns().len() <= 1, "{page:?}");
        seen.extend(page.service_arns().iter().cloned());
        token = page.next_token().map(str::to_string);
        if token.is_none() {
            break;
        }
    }
    assert!(token.is_none(), "paging did not end: {seen:?}");
    assert_eq!(seen.len(), 4, "{seen:?}");
    assert_eq!(names(&seen), set(&["f1", "f2", "e1", "d1"]));
}

// ---------------------------------------------------------------------------------------------
// EC2 placement
// ---------------------------------------------------------------------------------------------

/// An EC2 service in a cluster without container instances cannot place its tasks and says so;
/// once an instance registers, the tasks are placed on it.
#[tokio::test]
async fn ec2_service_waits_for_a_container_instance() {
    let server = setup().await;
    let client = &server.client;
    let td = register_bridge(client, "web").await;
    client
        .create_service()
        .cluster(CLUSTER)
        .service_name("web")
        .task_definition(&td)
        .desired_count(2)
        .launch_type(LaunchType::Ec2)
        .send()
        .await
        .unwrap();
    let snap = poll(client, "web", "the unplaceable event", |s| {
        s.has_event(
            "(service web) was unable to place a task because no container instance met all of its requirements.",
        )
    })
    .await;
    assert!(snap.live.is_empty(), "{snap:#?}");
    assert_eq!(snap.service.running_count(), 0);

    let instance = register_instance(client).await;
    let snap = wait_steady(client, "web").await;
    assert_eq!(snap.live.len(), 2);
    for t in &snap.live {
        assert_eq!(t.container_instance_arn(), Some(instance.as_str()));
        assert_eq!(t.launch_type(), Some(&LaunchType::Ec2));
    }
}

/// A DAEMON service runs one task on each container instance, and on each new one.
#[tokio::test]
async fn daemon_service_runs_one_task_per_instance() {
    let server = setup().await;
    let client = &server.client;
    let td = register_bridge(client, "agent").await;
    let first = register_instance(client).await;
    let created = client
        .create_service()
        .cluster(CLUSTER)
        .service_name("agent")
        .task_definition(&td)
        .launch_type(LaunchType::Ec2)
        .scheduling_strategy(SchedulingStrategy::Daemon)
        .send()
        .await
        .unwrap()
        .service
        .unwrap();
    assert_eq!(
        created.scheduling_strategy(),
        Some(&SchedulingStrategy::Daemon)
    );
    let config = created.deployment_configuration().unwrap();
    assert_eq!(config.maximum_percent(), Some(100));
    assert_eq!(config.minimum_healthy_percent(), Some(0));
    let one = poll(client, "agent", "one task", |s| {
        s.running() == 1 && s.service.desired_count() == 1 && s.service.running_count() == 1
    })
    .await;
    assert_eq!(one.live[0].container_instance_arn(), Some(first.as_str()));

    let second = register_instance(client).await;
    let two = poll(client, "agent", "a task on the second instance", |s| {
        s.running() == 2 && s.service.desired_count() == 2
    })
    .await;
    let placed: BTreeSet<&str> = two
        .live
        .iter()
        .filter_map(|t| t.container_instance_arn())
        .collect();
    assert_eq!(placed, BTreeSet::from([first.as_str(), second.as_str()]));
    assert!(
        two.has_event("(service agent) has started 1 tasks:"),
        "{two:#?}"
    );
}
