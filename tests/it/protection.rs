//! Task scale-in protection through the Rust SDK on the simulated runtime: protected tasks
//! survive a scale-in until their protection is lifted, GetTaskProtection reports it, and
//! standalone or unknown tasks answer ECS's failures.

use crate::common::*;
use aws_sdk_ecs::types::{DesiredStatus, LaunchType};
use std::time::Duration;

async fn running(s: &Server, service: &str) -> Vec<String> {
    let out = s
        .client
        .list_tasks()
        .cluster("prot")
        .service_name(service)
        .desired_status(DesiredStatus::Running)
        .send()
        .await
        .unwrap();
    let arns = out.task_arns().to_vec();
    if arns.is_empty() {
        return arns;
    }
    let tasks = s
        .client
        .describe_tasks()
        .cluster("prot")
        .set_tasks(Some(arns))
        .send()
        .await
        .unwrap();
    tasks
        .tasks()
        .iter()
        .filter(|t| t.last_status() == Some("RUNNING"))
        .filter_map(|t| t.task_arn().map(String::from))
        .collect()
}

async fn until_running(s: &Server, service: &str, count: usize) -> Vec<String> {
    for _ in 0..300 {
        let tasks = running(s, service).await;
        if tasks.len() == count {
            return tasks;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{service} never had {count} running tasks");
}

async fn scale(s: &Server, service: &str, count: i32) {
    s.client
        .update_service()
        .cluster("prot")
        .service(service)
        .desired_count(count)
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn protected_tasks_survive_scale_in_until_released() {
    let s = start().await;
    create_cluster(&s.client, "prot").await;
    register_fargate_app(&s.client, "app").await;
    s.client
        .create_service()
        .cluster("prot")
        .service_name("web")
        .task_definition("app")
        .desired_count(3)
        .launch_type(LaunchType::Fargate)
        .network_configuration(awsvpc())
        .send()
        .await
        .unwrap();
    let tasks = until_running(&s, "web", 3).await;
    let out = s
        .client
        .update_task_protection()
        .cluster("prot")
        .tasks(&tasks[0])
        .tasks(&tasks[1])
        .protection_enabled(true)
        .expires_in_minutes(60)
        .send()
        .await
        .unwrap();
    assert_eq!(out.protected_tasks().len(), 2);
    assert!(out.failures().is_empty());
    for p in out.protected_tasks() {
        assert!(p.protection_enabled());
        let expires = p.expiration_date().unwrap().secs();
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        assert!(
            (expires - now - 3600).abs() < 60,
            "an hour from now: {expires}"
        );
    }

    scale(&s, "web", 0).await;
    let left = until_running(&s, "web", 2).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut left2 = running(&s, "web").await;
    left2.sort();
    let mut want = vec![tasks[0].clone(), tasks[1].clone()];
    want.sort();
    assert_eq!(
        left2, want,
        "the protected tasks stay (first seen: {left:?})"
    );

    let got = s
        .client
        .get_task_protection()
        .cluster("prot")
        .tasks(&tasks[0])
        .send()
        .await
        .unwrap();
    assert!(got.protected_tasks()[0].protection_enabled());

    s.client
        .update_task_protection()
        .cluster("prot")
        .tasks(&tasks[0])
        .tasks(&tasks[1])
        .protection_enabled(false)
        .send()
        .await
        .unwrap();
    until_running(&s, "web", 0).await;
}

#[tokio::test]
async fn standalone_and_unknown_tasks_fail() {
    let s = start().await;
    create_cluster(&s.client, "prot").await;
    register_fargate_app(&s.client, "app").await;
    let run = s
        .client
        .run_task()
        .cluster("prot")
        .task_definition("app")
        .launch_type(LaunchType::Fargate)
        .network_configuration(awsvpc())
        .send()
        .await
        .unwrap();
    let standalone = run.tasks()[0].task_arn().unwrap().to_string();
    let out = s
        .client
        .update_task_protection()
        .cluster("prot")
        .tasks(&standalone)
        .tasks("0123456789abcdef0123456789abcdef")
        .protection_enabled(true)
        .send()
        .await
        .unwrap();
    assert!(out.protected_tasks().is_empty());
    let reasons: Vec<_> = out.failures().iter().map(|f| f.reason().unwrap()).collect();
    assert_eq!(reasons, ["TASK_NOT_VALID", "MISSING"]);
    let e = s
        .client
        .update_task_protection()
        .cluster("prot")
        .tasks(&standalone)
        .protection_enabled(true)
        .expires_in_minutes(2881)
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        e.into_service_error().meta().code(),
        Some("InvalidParameterException")
    );
}
