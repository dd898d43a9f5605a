//! Service deployments and revisions through the SDK, on the simulated runtime:
//! ListServiceDeployments, DescribeServiceDeployments, DescribeServiceRevisions and
//! StopServiceDeployment as rollouts, circuit-breaker rollbacks and manual stops drive them.

use crate::common::{arn, awsvpc, bare_container, create_cluster, err, err_code, start};
use aws_sdk_ecs::primitives::DateTime;
use aws_sdk_ecs::types::{
    Compatibility, ContainerDefinition, CreatedAt, DeploymentCircuitBreaker,
    DeploymentConfiguration, KeyValuePair, LaunchType, NetworkMode, ServiceDeployment,
    ServiceDeploymentBrief, ServiceDeploymentStatus as Status, StopServiceDeploymentStopType,
};
use aws_sdk_ecs::Client;
use std::time::{Duration, Instant};

const CLUSTER: &str = "deploys";
const POLL_MAX: Duration = Duration::from_secs(30);

/// Registers a Fargate revision of `family` with one `app` container of `image` (crashing with
/// exit code 1 right after it starts when `crash`).
async fn register(client: &Client, family: &str, image: &str, crash: bool) -> String {
    let mut app: ContainerDefinition = bare_container("app", image);
    if crash {
        let env = KeyValuePair::builder()
            .name("LOCAL_ECS_SIM_EXIT_CODE")
            .value("1")
            .build();
        app = ContainerDefinition::builder()
            .name("app")
            .image(image)
            .environment(env)
            .build();
    }
    client
        .register_task_definition()
        .family(family)
        .requires_compatibilities(Compatibility::Fargate)
        .network_mode(NetworkMode::Awsvpc)
        .cpu("256")
        .memory("512")
        .container_definitions(app)
        .send()
        .await
        .unwrap()
        .task_definition
        .unwrap()
        .task_definition_arn
        .unwrap()
}

/// Creates a Fargate service of `desired` tasks; `rollback` turns the circuit breaker on with
/// rollback.
async fn create_service(client: &Client, name: &str, td: &str, desired: i32, rollback: bool) {
    let breaker = DeploymentCircuitBreaker::builder()
        .enable(rollback)
        .rollback(rollback)
        .build();
    client
        .create_service()
        .cluster(CLUSTER)
        .service_name(name)
        .task_definition(td)
        .desired_count(desired)
        .launch_type(LaunchType::Fargate)
        .network_configuration(awsvpc())
        .deployment_configuration(
            DeploymentConfiguration::builder()
                .deployment_circuit_breaker(breaker)
                .build(),
        )
        .send()
        .await
        .unwrap();
}

async fn update_service(client: &Client, name: &str, td: &str) {
    client
        .update_service()
        .cluster(CLUSTER)
        .service(name)
        .task_definition(td)
        .send()
        .await
        .unwrap();
}

async fn list(client: &Client, service: &str) -> Vec<ServiceDeploymentBrief> {
    client
        .list_service_deployments()
        .cluster(CLUSTER)
        .service(service)
        .send()
        .await
        .unwrap()
        .service_deployments()
        .to_vec()
}

async fn describe(client: &Client, deployment_arn: &str) -> ServiceDeployment {
    let out = client
        .describe_service_deployments()
        .service_deployment_arns(deployment_arn)
        .send()
        .await
        .unwrap();
    assert!(out.failures().is_empty(), "{out:?}");
    out.service_deployments()[0].clone()
}

/// Polls (bounded) until the service deployment has `status`; returns every status seen.
async fn wait_for(client: &Client, deployment_arn: &str, status: Status) -> Vec<Status> {
    let deadline = Instant::now() + POLL_MAX;
    let mut seen: Vec<Status> = Vec::new();
    loop {
        let d = describe(client, deployment_arn).await;
        let now = d.status().cloned().unwrap();
        if seen.last() != Some(&now) {
            seen.push(now.clone());
        }
        if now == status {
            return seen;
        }
        assert!(
            Instant::now() < deadline,
            "gave up waiting for {status:?}; seen {seen:?}: {d:#?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The only (newest) service deployment of a service.
async fn newest(client: &Client, service: &str) -> ServiceDeploymentBrief {
    list(client, service).await.into_iter().next().unwrap()
}

async fn setup() -> crate::common::Server {
    let s = start().await;
    create_cluster(&s.client, CLUSTER).await;
    s
}

#[tokio::test]
async fn rollouts_record_service_deployments_and_revisions() {
    let s = setup().await;
    let c = &s.client;
    let td1 = register(c, "web", "busybox:1.36", false).await;
    create_service(c, "web", &td1, 2, false).await;
    let first = newest(c, "web").await;
    let first_arn = first.service_deployment_arn().unwrap().to_string();
    assert!(first_arn.starts_with(&arn("service-deployment/deploys/web/")));
    assert_eq!(
        first.service_arn(),
        Some(arn("service/deploys/web").as_str())
    );
    assert_eq!(first.cluster_arn(), Some(arn("cluster/deploys").as_str()));
    wait_for(c, &first_arn, Status::Successful).await;
    let done = describe(c, &first_arn).await;
    let target = done.target_service_revision().unwrap();
    assert!(target
        .arn()
        .unwrap()
        .starts_with(&arn("service-revision/deploys/web/")));
    assert_eq!(
        (target.requested_task_count(), target.running_task_count()),
        (2, 2)
    );
    assert!(done.source_service_revisions().is_empty());
    assert!(done.started_at().is_some() && done.finished_at().is_some());
    let breaker = done.deployment_circuit_breaker().unwrap();
    assert_eq!(breaker.status().unwrap().as_str(), "DISABLED");
    assert_eq!(breaker.threshold(), 3);
    let rev1 = target.arn().unwrap().to_string();

    let td2 = register(c, "web", "busybox:1.37", false).await;
    update_service(c, "web", &td2).await;
    let all = list(c, "web").await;
    assert_eq!(all.len(), 2, "{all:#?}");
    let second_arn = all[0].service_deployment_arn().unwrap().to_string();
    assert_eq!(all[1].service_deployment_arn(), Some(first_arn.as_str()));
    let second = describe(c, &second_arn).await;
    assert_eq!(
        second.source_service_revisions()[0].arn(),
        Some(rev1.as_str())
    );
    let rev2 = second
        .target_service_revision()
        .unwrap()
        .arn()
        .unwrap()
        .to_string();
    assert_ne!(rev1, rev2);
    wait_for(c, &second_arn, Status::Successful).await;
    let second = describe(c, &second_arn).await;
    assert_eq!(second.source_service_revisions()[0].running_task_count(), 0);
    assert_eq!(
        second
            .target_service_revision()
            .unwrap()
            .running_task_count(),
        2
    );

    let revisions = c
        .describe_service_revisions()
        .service_revision_arns(&rev1)
        .service_revision_arns(&rev2)
        .send()
        .await
        .unwrap();
    assert!(revisions.failures().is_empty());
    let r = revisions.service_revisions();
    assert_eq!(r.len(), 2);
    assert_eq!(r[0].task_definition(), Some(td1.as_str()));
    assert_eq!(r[1].task_definition(), Some(td2.as_str()));
    assert_eq!(r[1].launch_type(), Some(&LaunchType::Fargate));
    assert_eq!(r[1].platform_version(), Some("LATEST"));
    assert!(r[1].network_configuration().is_some());
    let image = &r[1].container_images()[0];
    assert_eq!(
        (image.container_name(), image.image()),
        (Some("app"), Some("busybox:1.37"))
    );
    assert!(r[0].created_at().is_some());
    assert_eq!(
        r[0].service_arn(),
        Some(arn("service/deploys/web").as_str())
    );
}

#[tokio::test]
async fn listing_filters_by_status_and_creation_time_and_pages() {
    let s = setup().await;
    let c = &s.client;
    let td1 = register(c, "web", "busybox", false).await;
    create_service(c, "web", &td1, 1, false).await;
    let td2 = register(c, "web", "busybox:2", false).await;
    update_service(c, "web", &td2).await;
    let all = list(c, "web").await;
    assert_eq!(all.len(), 2);
    // The first was superseded by the second before it finished.
    let first = describe(c, all[1].service_deployment_arn().unwrap()).await;
    assert_eq!(first.status(), Some(&Status::Stopped));
    assert!(first.stopped_at().is_some());
    let stopped = c
        .list_service_deployments()
        .cluster(CLUSTER)
        .service("web")
        .status(Status::Stopped)
        .send()
        .await
        .unwrap();
    assert_eq!(stopped.service_deployments().len(), 1);
    let created = *all[0].created_at().unwrap();
    let before = c
        .list_service_deployments()
        .cluster(CLUSTER)
        .service("web")
        .created_at(CreatedAt::builder().before(created).build())
        .send()
        .await
        .unwrap();
    assert_eq!(
        before.service_deployments()[0].service_deployment_arn(),
        all[1].service_deployment_arn()
    );
    let later = CreatedAt::builder()
        .after(DateTime::from_secs(created.secs() + 3600))
        .build();
    let none = c
        .list_service_deployments()
        .service(arn("service/deploys/web"))
        .cluster(CLUSTER)
        .created_at(later)
        .send()
        .await
        .unwrap();
    assert!(none.service_deployments().is_empty());
    let page1 = c
        .list_service_deployments()
        .cluster(CLUSTER)
        .service("web")
        .max_results(1)
        .send()
        .await
        .unwrap();
    assert_eq!(page1.service_deployments(), &all[..1]);
    let page2 = c
        .list_service_deployments()
        .cluster(CLUSTER)
        .service("web")
        .max_results(1)
        .next_token(page1.next_token().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(page2.service_deployments(), &all[1..]);
    assert!(page2.next_token().is_none());
}

#[tokio::test]
async fn circuit_breaker_rollback_shows_on_the_failed_deployment() {
    let s = setup().await;
    let c = &s.client;
    let good = register(c, "web", "busybox", false).await;
    create_service(c, "web", &good, 1, true).await;
    let first_arn = newest(c, "web")
        .await
        .service_deployment_arn()
        .unwrap()
        .to_string();
    wait_for(c, &first_arn, Status::Successful).await;
    let rev1 = describe(c, &first_arn)
        .await
        .target_service_revision()
        .unwrap()
        .arn()
        .unwrap()
        .to_string();
    let bad = register(c, "web", "busybox", true).await;
    update_service(c, "web", &bad).await;
    let bad_arn = newest(c, "web")
        .await
        .service_deployment_arn()
        .unwrap()
        .to_string();
    let seen = wait_for(c, &bad_arn, Status::RollbackSuccessful).await;
    assert!(!seen.contains(&Status::Successful), "{seen:?}");
    assert!(seen.contains(&Status::RollbackInProgress), "{seen:?}");
    let d = describe(c, &bad_arn).await;
    let rollback = d.rollback().unwrap();
    assert_eq!(rollback.service_revision_arn(), Some(rev1.as_str()));
    assert!(rollback.started_at().is_some());
    assert!(
        rollback.reason().unwrap().contains("rolling back"),
        "{rollback:?}"
    );
    let breaker = d.deployment_circuit_breaker().unwrap();
    assert_eq!(breaker.status().unwrap().as_str(), "TRIGGERED");
    assert!(breaker.failure_count() >= 3, "{breaker:?}");
    assert_eq!(breaker.threshold(), 3);
    assert!(d.finished_at().is_some());
    assert_eq!(
        describe(c, &first_arn).await.status(),
        Some(&Status::Successful)
    );
    let service = c
        .describe_services()
        .cluster(CLUSTER)
        .services("web")
        .send()
        .await
        .unwrap();
    assert_eq!(service.services()[0].task_definition(), Some(good.as_str()));
}

#[tokio::test]
async fn stop_service_deployment_rolls_back_or_aborts() {
    let s = setup().await;
    let c = &s.client;
    let td1 = register(c, "web", "busybox", false).await;
    create_service(c, "web", &td1, 1, false).await;
    let first_arn = newest(c, "web")
        .await
        .service_deployment_arn()
        .unwrap()
        .to_string();
    // Nothing completed to roll back to yet.
    let (code, _) = err(c
        .stop_service_deployment()
        .service_deployment_arn(&first_arn)
        .send()
        .await);
    assert_eq!(code, "ConflictException");
    wait_for(c, &first_arn, Status::Successful).await;
    let td2 = register(c, "web", "busybox:2", false).await;
    update_service(c, "web", &td2).await;
    let second_arn = newest(c, "web")
        .await
        .service_deployment_arn()
        .unwrap()
        .to_string();
    let out = c
        .stop_service_deployment()
        .service_deployment_arn(&second_arn)
        .stop_type(StopServiceDeploymentStopType::Rollback)
        .send()
        .await
        .unwrap();
    assert_eq!(out.service_deployment_arn(), Some(second_arn.as_str()));
    wait_for(c, &second_arn, Status::RollbackSuccessful).await;
    let d = describe(c, &second_arn).await;
    let rev1 = describe(c, &first_arn)
        .await
        .target_service_revision()
        .unwrap()
        .arn()
        .unwrap()
        .to_string();
    assert_eq!(
        d.rollback().unwrap().service_revision_arn(),
        Some(rev1.as_str())
    );
    let service = c
        .describe_services()
        .cluster(CLUSTER)
        .services("web")
        .send()
        .await
        .unwrap();
    assert_eq!(service.services()[0].task_definition(), Some(td1.as_str()));
    // A finished deployment cannot be stopped.
    let code = err_code(
        c.stop_service_deployment()
            .service_deployment_arn(&second_arn)
            .send()
            .await,
    );
    assert_eq!(code, "ConflictException");

    update_service(c, "web", &td2).await;
    let third_arn = newest(c, "web")
        .await
        .service_deployment_arn()
        .unwrap()
        .to_string();
    c.stop_service_deployment()
        .service_deployment_arn(&third_arn)
        .stop_type(StopServiceDeploymentStopType::Abort)
        .send()
        .await
        .unwrap();
    wait_for(c, &third_arn, Status::Stopped).await;
    let d = describe(c, &third_arn).await;
    assert!(d.stopped_at().is_some() && d.rollback().is_none());
}

#[tokio::test]
async fn unknown_services_and_arns() {
    let s = setup().await;
    let c = &s.client;
    let code = err_code(
        c.list_service_deployments()
            .cluster(CLUSTER)
            .service("nope")
            .send()
            .await,
    );
    assert_eq!(code, "ServiceNotFoundException");
    let code = err_code(
        c.list_service_deployments()
            .cluster("nope")
            .service("web")
            .send()
            .await,
    );
    assert_eq!(code, "ClusterNotFoundException");
    let missing = arn("service-deployment/deploys/web/abc");
    let out = c
        .describe_service_deployments()
        .service_deployment_arns(&missing)
        .send()
        .await
        .unwrap();
    assert!(out.service_deployments().is_empty());
    assert_eq!(out.failures()[0].arn(), Some(missing.as_str()));
    assert_eq!(out.failures()[0].reason(), Some("MISSING"));
    let missing_rev = arn("service-revision/deploys/web/123");
    let out = c
        .describe_service_revisions()
        .service_revision_arns(&missing_rev)
        .send()
        .await
        .unwrap();
    assert!(out.service_revisions().is_empty());
    assert_eq!(out.failures()[0].reason(), Some("MISSING"));
    let code = err_code(
        c.stop_service_deployment()
            .service_deployment_arn(&missing)
            .send()
            .await,
    );
    assert_eq!(code, "ServiceDeploymentNotFoundException");
    let too_many: Vec<String> = (0..21).map(|i| format!("{missing}{i}")).collect();
    let code = err_code(
        c.describe_service_deployments()
            .set_service_deployment_arns(Some(too_many))
            .send()
            .await,
    );
    assert_eq!(code, "InvalidParameterException");
    let td = register(c, "web", "busybox", false).await;
    create_service(c, "web", &td, 1, false).await;
    let code = err_code(
        c.list_service_deployments()
            .cluster(CLUSTER)
            .service("web")
            .max_results(0)
            .send()
            .await,
    );
    assert_eq!(code, "InvalidParameterException");
}
