//! Container instances naming another Docker engine (attribute `local-ecs.docker-host`) while
//! the default runtime is the simulated one: the address still names a real engine, so a task
//! there fails when it does not answer (or is malformed), while a task on an ordinary instance
//! runs on the simulated runtime as before.

use crate::common::*;
use aws_sdk_ecs::types::{Attribute, LaunchType, Resource, Task, TaskStopCode};
use aws_sdk_ecs::Client;
use std::time::{Duration, Instant};

async fn instance(client: &Client, cluster: &str, docker_host: Option<&str>) -> String {
    let int = |name: &str, value: i32| {
        Resource::builder()
            .name(name)
            .r#type("INTEGER")
            .integer_value(value)
            .build()
    };
    let attribute = docker_host.map(|host| {
        Attribute::builder()
            .name("local-ecs.docker-host")
            .value(host)
            .build()
            .unwrap()
    });
    client
        .register_container_instance()
        .cluster(cluster)
        .total_resources(int("CPU", 2048))
        .total_resources(int("MEMORY", 2048))
        .set_attributes(attribute.map(|a| vec![a]))
        .send()
        .await
        .unwrap()
        .container_instance
        .unwrap()
        .container_instance_arn
        .unwrap()
}

/// Runs the simple definition on the cluster's only instance; returns the task once its last
/// status is `status` (polled for up to 20 s).
async fn run_until(client: &Client, cluster: &str, status: &str) -> Task {
    let td = register_simple(client, "engines").await;
    let out = client
        .run_task()
        .cluster(cluster)
        .task_definition(td.task_definition_arn().unwrap())
        .launch_type(LaunchType::Ec2)
        .send()
        .await
        .unwrap();
    assert!(out.failures().is_empty(), "{out:?}");
    let arn = out.tasks()[0].task_arn().unwrap().to_string();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let described = client
            .describe_tasks()
            .cluster(cluster)
            .tasks(&arn)
            .send()
            .await
            .unwrap();
        let task = described.tasks()[0].clone();
        if task.last_status() == Some(status) {
            return task;
        }
        assert!(Instant::now() < deadline, "never {status}: {task:#?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn unreachable_docker_host_stops_the_task_naming_it() {
    let s = start().await;
    create_cluster(&s.client, "lab").await;
    instance(&s.client, "lab", Some("tcp://127.0.0.1:1")).await;
    let task = run_until(&s.client, "lab", "STOPPED").await;
    assert_eq!(task.stop_code(), Some(&TaskStopCode::TaskFailedToStart));
    let reason = task.stopped_reason().unwrap_or_default();
    assert!(
        reason.starts_with("ResourceInitializationError") && reason.contains("tcp://127.0.0.1:1"),
        "{reason}"
    );
    assert!(task.stopping_at().is_some() && task.stopped_at().is_some());
}

#[tokio::test]
async fn malformed_docker_host_stops_the_task_saying_why() {
    let s = start().await;
    create_cluster(&s.client, "lab").await;
    instance(&s.client, "lab", Some("ftp://docker-b")).await;
    let task = run_until(&s.client, "lab", "STOPPED").await;
    let reason = task.stopped_reason().unwrap_or_default();
    assert!(
        reason.contains("invalid Docker host address \"ftp://docker-b\""),
        "{reason}"
    );
}

#[tokio::test]
async fn instances_without_a_docker_host_use_the_default_runtime() {
    let s = start().await;
    create_cluster(&s.client, "plain").await;
    instance(&s.client, "plain", None).await;
    let task = run_until(&s.client, "plain", "RUNNING").await;
    assert_eq!(task.stopped_reason(), None);
    let health = s.app.runtime_health();
    assert_eq!(health["kind"], "simulated");
    assert_eq!(health["engines"][0]["name"], "default");
    assert_eq!(health["engines"].as_array().map(Vec::len), Some(1));
}
