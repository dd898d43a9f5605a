//! ECS services behind ELBv2 on the simulated runtime (ELBv2 through boto3, ECS through the Rust
//! SDK): `loadBalancers` checked as ECS checks them, tasks registered as targets when RUNNING,
//! the deployment completing only once its targets are healthy, and scale-in deregistering a
//! task (draining for the group's delay) before it stops. Real traffic and failing health checks
//! are in the Docker suites.

use crate::common::*;
use aws_sdk_ecs::types::{DesiredStatus, LoadBalancer};
use serde_json::{json, Value};
use std::time::Duration;

/// The default VPC and its us-east-1c subnet (the ALB needs two zones).
const VPC: &str = "vpc-4e0c74fc8dab25fbd";
const SUBNET_C: &str = "subnet-08594d878dab37b5b";

async fn elbv2(s: &Server, op: &str, params: Value) -> Value {
    let out = boto3(s, "elbv2", op, params).await;
    assert!(out.get("Error").is_none(), "{op}: {out}");
    out
}

fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

/// An ALB with an HTTP listener forwarding to a new `ip` target group; returns the group's ARN.
async fn balanced_group(s: &Server, name: &str, delay: u32) -> String {
    let lb = elbv2(
        s,
        "create_load_balancer",
        json!({"Name": name, "Subnets": [SUBNET, SUBNET_C], "SecurityGroups": [SECURITY_GROUP]}),
    )
    .await;
    let lb_arn = lb["LoadBalancers"][0]["LoadBalancerArn"].as_str().unwrap();
    let tg = elbv2(
        s,
        "create_target_group",
        json!({"Name": name, "Protocol": "HTTP", "Port": 80, "VpcId": VPC, "TargetType": "ip",
               "HealthCheckIntervalSeconds": 5, "HealthCheckTimeoutSeconds": 2,
               "HealthyThresholdCount": 2}),
    )
    .await;
    let tg_arn = tg["TargetGroups"][0]["TargetGroupArn"]
        .as_str()
        .unwrap()
        .to_string();
    elbv2(
        s,
        "modify_target_group_attributes",
        json!({"TargetGroupArn": tg_arn, "Attributes": [
            {"Key": "deregistration_delay.timeout_seconds", "Value": delay.to_string()}]}),
    )
    .await;
    elbv2(
        s,
        "create_listener",
        json!({"LoadBalancerArn": lb_arn, "Protocol": "HTTP", "Port": free_port(),
               "DefaultActions": [{"Type": "forward", "TargetGroupArn": tg_arn}]}),
    )
    .await;
    tg_arn
}

/// A Fargate definition whose `web` container maps port 80.
async fn register_web(c: &aws_sdk_ecs::Client, family: &str) -> String {
    c.register_task_definition()
        .family(family)
        .requires_compatibilities(aws_sdk_ecs::types::Compatibility::Fargate)
        .network_mode(aws_sdk_ecs::types::NetworkMode::Awsvpc)
        .cpu("256")
        .memory("512")
        .container_definitions(
            aws_sdk_ecs::types::ContainerDefinition::builder()
                .name("web")
                .image("busybox")
                .memory(128)
                .port_mappings(port(80))
                .build(),
        )
        .send()
        .await
        .unwrap()
        .task_definition
        .and_then(|td| td.task_definition_arn)
        .unwrap()
}

fn lb(tg: &str, container: &str, port: i32) -> LoadBalancer {
    LoadBalancer::builder()
        .target_group_arn(tg)
        .container_name(container)
        .container_port(port)
        .build()
}

async fn targets(s: &Server, tg: &str) -> Vec<Value> {
    let out = elbv2(s, "describe_target_health", json!({"TargetGroupArn": tg})).await;
    out["TargetHealthDescriptions"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

async fn events(s: &Server, service: &str) -> Vec<String> {
    let out = s
        .client
        .describe_services()
        .cluster("lb")
        .services(service)
        .send()
        .await
        .unwrap();
    out.services()[0]
        .events()
        .iter()
        .filter_map(|e| e.message().map(String::from))
        .collect()
}

async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..200 {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("timed out waiting for {what}");
}

#[tokio::test]
async fn a_service_fills_its_target_group_and_drains_on_scale_in() {
    let s = start_with(local_ecs::Config {
        time_scale: 20.0,
        ..Default::default()
    })
    .await;
    create_cluster(&s.client, "lb").await;
    let tg = balanced_group(&s, "web", 20).await;
    register_web(&s.client, "web").await;
    s.client
        .create_service()
        .cluster("lb")
        .service_name("web")
        .task_definition("web")
        .desired_count(2)
        .launch_type(aws_sdk_ecs::types::LaunchType::Fargate)
        .network_configuration(awsvpc())
        .load_balancers(lb(&tg, "web", 80))
        .send()
        .await
        .unwrap();

    eventually("two healthy targets", || async {
        let t = targets(&s, &tg).await;
        t.len() == 2 && t.iter().all(|d| d["TargetHealth"]["State"] == "healthy")
    })
    .await;
    let described = targets(&s, &tg).await;
    for d in &described {
        assert_eq!(d["Target"]["Port"], 80, "{d}");
        let ip: std::net::IpAddr = d["Target"]["Id"].as_str().unwrap().parse().unwrap();
        assert!(ip.is_ipv4());
    }
    let messages = events(&s, "web").await;
    let registered = format!("targets in (target-group {tg})");
    assert!(
        messages
            .iter()
            .any(|m| m.starts_with("(service web) registered ") && m.ends_with(&registered)),
        "{messages:?}"
    );
    eventually("the deployment to complete", || async {
        events(&s, "web")
            .await
            .iter()
            .any(|m| m.contains("deployment completed"))
    })
    .await;

    s.client
        .update_service()
        .cluster("lb")
        .service("web")
        .desired_count(1)
        .send()
        .await
        .unwrap();
    eventually("a draining target", || async {
        targets(&s, &tg).await.iter().any(|d| {
            d["TargetHealth"]["State"] == "draining"
                && d["TargetHealth"]["Reason"] == "Target.DeregistrationInProgress"
        })
    })
    .await;
    let stopping = s
        .client
        .list_tasks()
        .cluster("lb")
        .desired_status(DesiredStatus::Stopped)
        .send()
        .await
        .unwrap();
    let task = stopping.task_arns()[0].clone();
    let described = s
        .client
        .describe_tasks()
        .cluster("lb")
        .tasks(&task)
        .send()
        .await
        .unwrap();
    assert_eq!(
        described.tasks()[0].last_status(),
        Some("DEACTIVATING"),
        "drains before it stops"
    );
    assert!(events(&s, "web")
        .await
        .iter()
        .any(|m| m == &format!("(service web) deregistered 1 targets in (target-group {tg})")));
    eventually("the drained task to stop", || async {
        let t = s
            .client
            .describe_tasks()
            .cluster("lb")
            .tasks(&task)
            .send()
            .await
            .unwrap();
        t.tasks()[0].last_status() == Some("STOPPED")
    })
    .await;
    let left = targets(&s, &tg).await;
    assert_eq!(left.len(), 1, "{left:?}");
    assert_eq!(left[0]["TargetHealth"]["State"], "healthy");
}

#[tokio::test]
async fn load_balancers_are_checked_as_ecs_checks_them() {
    let s = start().await;
    create_cluster(&s.client, "lb").await;
    register_web(&s.client, "web").await;
    let tg = balanced_group(&s, "checked", 300).await;
    let lonely = elbv2(
        &s,
        "create_target_group",
        json!({"Name": "lonely", "Protocol": "HTTP", "Port": 80, "VpcId": VPC, "TargetType": "ip"}),
    )
    .await["TargetGroups"][0]["TargetGroupArn"]
        .as_str()
        .unwrap()
        .to_string();
    let instance_tg = elbv2(
        &s,
        "create_target_group",
        json!({"Name": "by-instance", "Protocol": "HTTP", "Port": 80, "VpcId": VPC}),
    )
    .await["TargetGroups"][0]["TargetGroupArn"]
        .as_str()
        .unwrap()
        .to_string();
    let missing = tg.replace("checked", "missing");
    let cases = [
        (lb(&missing, "web", 80), format!("The target group with targetGroupArn {missing} does not exist.")),
        (lb(&lonely, "web", 80), format!("The target group with targetGroupArn {lonely} does not have an associated load balancer.")),
        (lb(&tg, "api", 80), "The container api does not exist in the task definition.".to_string()),
        (lb(&tg, "web", 8080), "The container web did not have a container port 8080 defined.".to_string()),
    ];
    for (entry, message) in cases {
        let e = s
            .client
            .create_service()
            .cluster("lb")
            .service_name("web")
            .task_definition("web")
            .launch_type(aws_sdk_ecs::types::LaunchType::Fargate)
            .network_configuration(awsvpc())
            .load_balancers(entry)
            .send()
            .await
            .unwrap_err();
        let e = e.into_service_error();
        assert_eq!(e.meta().code(), Some("InvalidParameterException"));
        assert_eq!(e.meta().message(), Some(message.as_str()));
    }
    let _ = instance_tg;
}
