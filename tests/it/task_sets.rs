//! Task sets of EXTERNAL-controller services on the simulated runtime, through the SDK:
//! CreateTaskSet, UpdateTaskSet, DeleteTaskSet, DescribeTaskSets, UpdateServicePrimaryTaskSet,
//! the tasks each set keeps running, and the errors of the API reference.

use crate::common::{
    arn, awsvpc, bare_container, create_cluster, err, err_code, pairs, start, tag, tag_pairs,
    Server,
};
use aws_sdk_ecs::types::{
    Compatibility, DeploymentController, DeploymentControllerType, DesiredStatus, LaunchType,
    NetworkMode, Scale, ScaleUnit, StabilityStatus, Task, TaskSet, TaskSetField,
};
use aws_sdk_ecs::Client;
use std::time::{Duration, Instant};

/// How long bounded polling may take before a test gives up.
const POLL_MAX: Duration = Duration::from_secs(15);
const SERVICE: &str = "web";
const FAMILY: &str = "ts-fam";

fn percent(value: f64) -> Scale {
    Scale::builder()
        .value(value)
        .unit(ScaleUnit::Percent)
        .build()
}

/// A server with `cluster`, a Fargate awsvpc definition and an EXTERNAL service `web` of
/// `desired` tasks.
async fn setup(cluster: &str, desired: i32) -> Server {
    let s = start().await;
    let c = &s.client;
    create_cluster(c, cluster).await;
    c.register_task_definition()
        .family(FAMILY)
        .requires_compatibilities(Compatibility::Fargate)
        .network_mode(NetworkMode::Awsvpc)
        .cpu("256")
        .memory("512")
        .container_definitions(bare_container("app", "busybox"))
        .send()
        .await
        .unwrap();
    c.create_service()
        .cluster(cluster)
        .service_name(SERVICE)
        .desired_count(desired)
        .deployment_controller(
            DeploymentController::builder()
                .r#type(DeploymentControllerType::External)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    s
}

/// CreateTaskSet with the Fargate definition and `scale` (the default when `None`).
async fn create_set(c: &Client, cluster: &str, scale: Option<f64>) -> TaskSet {
    c.create_task_set()
        .cluster(cluster)
        .service(SERVICE)
        .task_definition(FAMILY)
        .launch_type(LaunchType::Fargate)
        .network_configuration(awsvpc())
        .set_scale(scale.map(percent))
        .send()
        .await
        .unwrap()
        .task_set
        .unwrap()
}

async fn describe_sets(c: &Client, cluster: &str) -> Vec<TaskSet> {
    c.describe_task_sets()
        .cluster(cluster)
        .service(SERVICE)
        .send()
        .await
        .unwrap()
        .task_sets()
        .to_vec()
}

/// Polls DescribeTaskSets (bounded) until `done` holds for the sets.
async fn poll_sets(
    c: &Client,
    cluster: &str,
    what: &str,
    done: impl Fn(&[TaskSet]) -> bool,
) -> Vec<TaskSet> {
    let deadline = Instant::now() + POLL_MAX;
    loop {
        let sets = describe_sets(c, cluster).await;
        if done(&sets) {
            return sets;
        }
        assert!(
            Instant::now() < deadline,
            "gave up waiting for {what}: {sets:#?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn find<'a>(sets: &'a [TaskSet], id: &str) -> Option<&'a TaskSet> {
    sets.iter().find(|s| s.id() == Some(id))
}

/// Polls until the set `id` is STEADY_STATE with `running` tasks running.
async fn poll_steady(c: &Client, cluster: &str, id: &str, running: i32) -> TaskSet {
    let sets = poll_sets(c, cluster, &format!("{id} steady at {running}"), |sets| {
        find(sets, id).is_some_and(|s| {
            s.stability_status() == Some(&StabilityStatus::SteadyState)
                && s.running_count() == running
        })
    })
    .await;
    find(&sets, id).unwrap().clone()
}

/// The set's tasks (by startedBy) with the given desired status, described.
async fn set_tasks(c: &Client, cluster: &str, id: &str, desired: DesiredStatus) -> Vec<Task> {
    let arns = c
        .list_tasks()
        .cluster(cluster)
        .started_by(id)
        .desired_status(desired)
        .send()
        .await
        .unwrap()
        .task_arns()
        .to_vec();
    if arns.is_empty() {
        return Vec::new();
    }
    c.describe_tasks()
        .cluster(cluster)
        .set_tasks(Some(arns))
        .send()
        .await
        .unwrap()
        .tasks()
        .to_vec()
}

async fn service_counts(c: &Client, cluster: &str) -> (i32, i32) {
    let out = c
        .describe_services()
        .cluster(cluster)
        .services(SERVICE)
        .send()
        .await
        .unwrap();
    let s = &out.services()[0];
    (s.running_count(), s.pending_count())
}

#[tokio::test]
async fn create_task_set_runs_its_share_and_reaches_steady_state() {
    let s = setup("ts-create", 3).await;
    let c = &s.client;
    let created = c
        .create_task_set()
        .cluster("ts-create")
        .service(SERVICE)
        .task_definition(FAMILY)
        .launch_type(LaunchType::Fargate)
        .network_configuration(awsvpc())
        .external_id("blue")
        .tags(tag("team", "a"))
        .send()
        .await
        .unwrap()
        .task_set
        .unwrap();
    let id = created.id().unwrap().to_string();
    let digits = id.strip_prefix("ecs-svc/").unwrap();
    assert!(
        digits.len() == 19 && digits.chars().all(|d| d.is_ascii_digit()),
        "{id}"
    );
    assert_eq!(
        created.task_set_arn(),
        Some(arn(&format!("task-set/ts-create/{SERVICE}/{id}")).as_str())
    );
    assert_eq!(
        created.service_arn(),
        Some(arn(&format!("service/ts-create/{SERVICE}")).as_str())
    );
    assert_eq!(created.status(), Some("ACTIVE"));
    assert_eq!(created.external_id(), Some("blue"));
    assert_eq!(created.scale(), Some(&percent(100.0)));
    assert_eq!(created.computed_desired_count(), 3);
    assert_eq!(
        created.stability_status(),
        Some(&StabilityStatus::Stabilizing)
    );
    assert_eq!(created.launch_type(), Some(&LaunchType::Fargate));
    assert!(created.platform_version().is_some());
    assert!(created
        .task_definition()
        .unwrap()
        .ends_with(&format!("{FAMILY}:1")));

    let steady = poll_steady(c, "ts-create", &id, 3).await;
    assert_eq!(
        (steady.computed_desired_count(), steady.pending_count()),
        (3, 0)
    );
    let tasks = set_tasks(c, "ts-create", &id, DesiredStatus::Running).await;
    assert_eq!(tasks.len(), 3);
    for t in &tasks {
        assert_eq!(t.last_status(), Some("RUNNING"));
        assert_eq!(t.group(), Some("service:web"));
        assert_eq!(t.started_by(), Some(id.as_str()));
    }

    let half = create_set(c, "ts-create", Some(50.0)).await;
    assert_eq!(half.computed_desired_count(), 2, "ceil(3 × 50%)");
    poll_steady(c, "ts-create", half.id().unwrap(), 2).await;
    assert_eq!(service_counts(c, "ts-create").await, (5, 0));

    let tagged = c
        .describe_task_sets()
        .cluster("ts-create")
        .service(SERVICE)
        .task_sets(&id)
        .include(TaskSetField::Tags)
        .send()
        .await
        .unwrap();
    assert_eq!(
        tag_pairs(tagged.task_sets()[0].tags()),
        pairs(&[("team", "a")])
    );
    let plain = describe_sets(c, "ts-create").await;
    assert_eq!(plain.len(), 2);
    assert!(plain.iter().all(|s| s.tags().is_empty()));
}

#[tokio::test]
async fn update_service_primary_task_set_swaps_primary() {
    let s = setup("ts-primary", 2).await;
    let c = &s.client;
    let blue = create_set(c, "ts-primary", None).await;
    let green = create_set(c, "ts-primary", Some(50.0)).await;
    let (blue_id, green_id) = (blue.id().unwrap(), green.id().unwrap());
    let primary = |set: &str| {
        c.update_service_primary_task_set()
            .cluster("ts-primary")
            .service(SERVICE)
            .primary_task_set(set.to_string())
            .send()
    };
    let out = primary(blue_id).await.unwrap().task_set.unwrap();
    assert_eq!(out.status(), Some("PRIMARY"));
    let sets = describe_sets(c, "ts-primary").await;
    assert_eq!(find(&sets, green_id).unwrap().status(), Some("ACTIVE"));

    // By ARN this time; the old PRIMARY becomes ACTIVE.
    let out = primary(green.task_set_arn().unwrap())
        .await
        .unwrap()
        .task_set
        .unwrap();
    assert_eq!(out.id(), Some(green_id));
    assert_eq!(out.status(), Some("PRIMARY"));
    let sets = describe_sets(c, "ts-primary").await;
    assert_eq!(find(&sets, blue_id).unwrap().status(), Some("ACTIVE"));
    assert_eq!(find(&sets, green_id).unwrap().status(), Some("PRIMARY"));

    let svc = c
        .describe_services()
        .cluster("ts-primary")
        .services(SERVICE)
        .send()
        .await
        .unwrap();
    let svc = &svc.services()[0];
    assert_eq!(svc.task_definition(), green.task_definition());
    assert_eq!(svc.launch_type(), Some(&LaunchType::Fargate));
    assert_eq!(svc.task_sets().len(), 2);
}

#[tokio::test]
async fn scaling_a_task_set_to_zero_stops_its_tasks_and_desired_count_rescales() {
    let s = setup("ts-scale", 4).await;
    let c = &s.client;
    let blue = create_set(c, "ts-scale", None).await;
    let green = create_set(c, "ts-scale", Some(25.0)).await;
    let (blue_id, green_id) = (blue.id().unwrap(), green.id().unwrap());
    poll_steady(c, "ts-scale", blue_id, 4).await;
    poll_steady(c, "ts-scale", green_id, 1).await;
    let started = set_tasks(c, "ts-scale", blue_id, DesiredStatus::Running).await;

    let out = c
        .update_task_set()
        .cluster("ts-scale")
        .service(SERVICE)
        .task_set(blue_id)
        .scale(percent(0.0))
        .send()
        .await
        .unwrap()
        .task_set
        .unwrap();
    assert_eq!(out.computed_desired_count(), 0);
    assert_eq!(out.scale(), Some(&percent(0.0)));
    poll_steady(c, "ts-scale", blue_id, 0).await;
    let stopped = set_tasks(c, "ts-scale", blue_id, DesiredStatus::Stopped).await;
    assert_eq!(stopped.len(), started.len());
    assert!(stopped.iter().all(|t| t.last_status() == Some("STOPPED")));

    c.update_service()
        .cluster("ts-scale")
        .service(SERVICE)
        .desired_count(8)
        .send()
        .await
        .unwrap();
    let green = poll_steady(c, "ts-scale", green_id, 2).await;
    assert_eq!(green.computed_desired_count(), 2, "ceil(8 × 25%)");
    assert_eq!(service_counts(c, "ts-scale").await, (2, 0));
}

#[tokio::test]
async fn delete_task_set_drains_then_removes_it() {
    let s = setup("ts-delete", 2).await;
    let c = &s.client;
    let set = create_set(c, "ts-delete", None).await;
    let id = set.id().unwrap();
    poll_steady(c, "ts-delete", id, 2).await;
    let delete = |force: bool| {
        c.delete_task_set()
            .cluster("ts-delete")
            .service(SERVICE)
            .task_set(id)
            .force(force)
            .send()
    };
    let (code, _) = err(delete(false).await);
    assert_eq!(code, "InvalidParameterException", "not scaled down to zero");

    let out = delete(true).await.unwrap().task_set.unwrap();
    assert_eq!(out.status(), Some("DRAINING"));
    poll_sets(c, "ts-delete", "the set to go", |sets| sets.is_empty()).await;
    let stopped = set_tasks(c, "ts-delete", id, DesiredStatus::Stopped).await;
    assert_eq!(stopped.len(), 2);
    assert!(stopped.iter().all(|t| t.last_status() == Some("STOPPED")));
    assert!(set_tasks(c, "ts-delete", id, DesiredStatus::Running)
        .await
        .is_empty());
    assert_eq!(service_counts(c, "ts-delete").await, (0, 0));

    let missing = c
        .describe_task_sets()
        .cluster("ts-delete")
        .service(SERVICE)
        .task_sets(id)
        .send()
        .await
        .unwrap();
    assert!(missing.task_sets().is_empty());
    assert_eq!(missing.failures()[0].reason(), Some("MISSING"));
    assert_eq!(missing.failures()[0].arn(), set.task_set_arn());
    assert_eq!(err_code(delete(true).await), "TaskSetNotFoundException");
}

#[tokio::test]
async fn delete_task_set_scaled_to_zero_needs_no_force() {
    let s = setup("ts-zero", 2).await;
    let c = &s.client;
    let set = create_set(c, "ts-zero", Some(0.0)).await;
    let id = set.id().unwrap();
    poll_steady(c, "ts-zero", id, 0).await;
    let out = c
        .delete_task_set()
        .cluster("ts-zero")
        .service(SERVICE)
        .task_set(id)
        .send()
        .await
        .unwrap();
    assert_eq!(out.task_set().and_then(|s| s.status()), Some("DRAINING"));
    poll_sets(c, "ts-zero", "the set to go", |sets| sets.is_empty()).await;
}

#[tokio::test]
async fn task_set_errors() {
    let s = setup("ts-err", 1).await;
    let c = &s.client;
    c.create_service()
        .cluster("ts-err")
        .service_name("rolling")
        .task_definition(FAMILY)
        .launch_type(LaunchType::Fargate)
        .network_configuration(awsvpc())
        .desired_count(0)
        .send()
        .await
        .unwrap();
    let create = |cluster: &str, service: &str| {
        c.create_task_set()
            .cluster(cluster)
            .service(service)
            .task_definition(FAMILY)
            .launch_type(LaunchType::Fargate)
            .network_configuration(awsvpc())
            .send()
    };
    assert_eq!(
        err_code(create("ts-err", "rolling").await),
        "InvalidParameterException"
    );
    assert_eq!(
        err_code(create("ts-err", "nope").await),
        "ServiceNotFoundException"
    );
    assert_eq!(
        err_code(create("no-cluster", SERVICE).await),
        "ClusterNotFoundException"
    );
    let no_network = c
        .create_task_set()
        .cluster("ts-err")
        .service(SERVICE)
        .task_definition(FAMILY)
        .launch_type(LaunchType::Fargate)
        .send()
        .await;
    assert_eq!(err_code(no_network), "InvalidParameterException");
    let too_big = c
        .create_task_set()
        .cluster("ts-err")
        .service(SERVICE)
        .task_definition(FAMILY)
        .launch_type(LaunchType::Fargate)
        .network_configuration(awsvpc())
        .scale(percent(150.0))
        .send()
        .await;
    assert_eq!(err_code(too_big), "InvalidParameterException");

    let unknown = "ecs-svc/0000000000000000000";
    let update = c
        .update_task_set()
        .cluster("ts-err")
        .service(SERVICE)
        .task_set(unknown)
        .scale(percent(10.0))
        .send()
        .await;
    assert_eq!(err_code(update), "TaskSetNotFoundException");
    let primary = c
        .update_service_primary_task_set()
        .cluster("ts-err")
        .service(SERVICE)
        .primary_task_set(unknown)
        .send()
        .await;
    assert_eq!(err_code(primary), "TaskSetNotFoundException");
    let delete = c
        .delete_task_set()
        .cluster("ts-err")
        .service(SERVICE)
        .task_set(unknown)
        .send()
        .await;
    assert_eq!(err_code(delete), "TaskSetNotFoundException");
}
