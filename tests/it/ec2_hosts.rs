//! EC2 instances launched with boto3 (RunInstances, as a user would) host ECS tasks placed by
//! ECS's rules on their real attributes (the Rust SDK): resources per type, constraints,
//! strategies, RESOURCE failures, stop/start and terminate.

use crate::common::*;
use aws_sdk_ecs::types::{
    ContainerInstance, LaunchType, NetworkMode, PlacementConstraint, PlacementConstraintType,
    PlacementStrategy, PlacementStrategyType,
};
use serde_json::json;
use std::collections::BTreeSet;

async fn server() -> Server {
    start_with(local_ecs::Config {
        time_scale: 20.0,
        ..Default::default()
    })
    .await
}

/// The default VPC's subnet in `zone`, as describe-subnets lists it.
async fn subnet_in(s: &Server, zone: &str) -> String {
    let out = ec2(
        s,
        "describe_subnets",
        json!({"Filters": [{"Name": "availability-zone", "Values": [zone]},
                           {"Name": "default-for-az", "Values": ["true"]}]}),
    )
    .await;
    out["Subnets"][0]["SubnetId"].as_str().unwrap().to_string()
}

/// Launches one instance of `kind` into `cluster` in `zone` and waits until it is running.
async fn launch(s: &Server, cluster: &str, kind: &str, zone: &str) -> String {
    let user_data = format!("#!/bin/bash\necho ECS_CLUSTER={cluster} >> /etc/ecs/ecs.config\n");
    let subnet = subnet_in(s, zone).await;
    let out = ec2(
        s,
        "run_instances",
        json!({"ImageId": "ami-0123456789abcdef0", "InstanceType": kind, "MinCount": 1,
               "MaxCount": 1, "UserData": user_data, "SubnetId": subnet}),
    )
    .await;
    let id = out["Instances"][0]["InstanceId"]
        .as_str()
        .unwrap_or_else(|| panic!("{out}"))
        .to_string();
    ec2(
        s,
        "wait",
        json!({"waiter": "instance_running", "InstanceIds": [id]}),
    )
    .await;
    id
}

async fn container_instances(s: &Server, cluster: &str) -> Vec<ContainerInstance> {
    for _ in 0..250 {
        let arns = s
            .client
            .list_container_instances()
            .cluster(cluster)
            .send()
            .await
            .unwrap()
            .container_instance_arns
            .unwrap_or_default();
        if !arns.is_empty() {
            return s
                .client
                .describe_container_instances()
                .cluster(cluster)
                .set_container_instances(Some(arns))
                .send()
                .await
                .unwrap()
                .container_instances
                .unwrap_or_default();
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    Vec::new()
}

/// Waits until `n` instances have registered into `cluster`.
async fn registered(s: &Server, cluster: &str, n: usize) -> Vec<ContainerInstance> {
    for _ in 0..250 {
        let found = container_instances(s, cluster).await;
        if found.len() >= n {
            return found;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("{n} instances never registered into {cluster}");
}

fn registered_int(ci: &ContainerInstance, name: &str) -> i32 {
    ci.registered_resources()
        .iter()
        .find(|r| r.name() == Some(name))
        .map(|r| r.integer_value())
        .unwrap()
}

fn attribute<'a>(ci: &'a ContainerInstance, name: &str) -> Option<&'a str> {
    ci.attributes()
        .iter()
        .find(|a| a.name() == name)
        .and_then(|a| a.value())
}

#[tokio::test]
async fn instances_register_with_the_resources_of_their_type() {
    let s = server().await;
    create_cluster(&s.client, "types").await;
    let small = launch(&s, "types", "t3.small", "us-east-1a").await;
    let large = launch(&s, "types", "m5.xlarge", "us-east-1c").await;
    let cis = registered(&s, "types", 2).await;
    let by_id = |id: &str| {
        cis.iter()
            .find(|ci| ci.ec2_instance_id() == Some(id))
            .unwrap()
            .clone()
    };
    let (small, large) = (by_id(&small), by_id(&large));
    assert_eq!(registered_int(&small, "CPU"), 2048);
    assert_eq!(registered_int(&small, "MEMORY"), 1996);
    assert_eq!(registered_int(&large, "CPU"), 4096);
    assert_eq!(registered_int(&large, "MEMORY"), 15974);
    assert_eq!(attribute(&small, "ecs.instance-type"), Some("t3.small"));
    assert_eq!(
        attribute(&large, "ecs.availability-zone"),
        Some("us-east-1c")
    );
    assert_eq!(
        attribute(&large, "ecs.ami-id"),
        Some("ami-0123456789abcdef0")
    );
    assert!(large.agent_connected());
}

/// Three instances: a t3.small in us-east-1a and two m5.xlarge in us-east-1b and us-east-1c.
async fn fleet(s: &Server, cluster: &str) -> Vec<ContainerInstance> {
    create_cluster(&s.client, cluster).await;
    launch(s, cluster, "t3.small", "us-east-1a").await;
    launch(s, cluster, "m5.xlarge", "us-east-1b").await;
    launch(s, cluster, "m5.xlarge", "us-east-1c").await;
    registered(s, cluster, 3).await;
    s.client
        .register_task_definition()
        .family("placed")
        .network_mode(NetworkMode::Bridge)
        .container_definitions(container("web", "busybox"))
        .send()
        .await
        .unwrap();
    container_instances(s, cluster).await
}

/// Runs `count` tasks with the given rules; the zones and instance types they landed on, and
/// the failure reasons.
async fn run(
    s: &Server,
    cluster: &str,
    count: i32,
    constraints: Vec<PlacementConstraint>,
    strategies: Vec<PlacementStrategy>,
    family: &str,
) -> (Vec<(String, String)>, Vec<String>) {
    let out = s
        .client
        .run_task()
        .cluster(cluster)
        .task_definition(family)
        .launch_type(LaunchType::Ec2)
        .count(count)
        .set_placement_constraints(Some(constraints))
        .set_placement_strategy(Some(strategies))
        .send()
        .await
        .unwrap();
    let cis = container_instances(s, cluster).await;
    let placed = out
        .tasks()
        .iter()
        .map(|t| {
            let ci = cis
                .iter()
                .find(|ci| ci.container_instance_arn() == t.container_instance_arn())
                .unwrap();
            (
                attribute(ci, "ecs.availability-zone").unwrap().to_string(),
                attribute(ci, "ecs.instance-type").unwrap().to_string(),
            )
        })
        .collect();
    let failures = out
        .failures()
        .iter()
        .filter_map(|f| f.reason().map(String::from))
        .collect();
    (placed, failures)
}

fn member_of(expression: &str) -> PlacementConstraint {
    PlacementConstraint::builder()
        .r#type(PlacementConstraintType::MemberOf)
        .expression(expression)
        .build()
}

fn strategy(kind: PlacementStrategyType, field: &str) -> PlacementStrategy {
    PlacementStrategy::builder()
        .r#type(kind)
        .field(field)
        .build()
}

#[tokio::test]
async fn constraints_and_strategies_act_on_the_instances_real_attributes() {
    let s = server().await;
    fleet(&s, "place").await;
    let (placed, _) = run(
        &s,
        "place",
        3,
        vec![member_of("attribute:ecs.instance-type == t3.small")],
        vec![],
        "placed",
    )
    .await;
    assert_eq!(placed.len(), 3);
    assert!(
        placed.iter().all(|(_, kind)| kind == "t3.small"),
        "{placed:?}"
    );

    let (placed, _) = run(
        &s,
        "place",
        2,
        vec![member_of(
            "attribute:ecs.availability-zone in [us-east-1b, us-east-1c]",
        )],
        vec![],
        "placed",
    )
    .await;
    assert!(
        placed.iter().all(|(zone, _)| zone != "us-east-1a"),
        "{placed:?}"
    );

    let spread = vec![strategy(
        PlacementStrategyType::Spread,
        "attribute:ecs.availability-zone",
    )];
    let (placed, _) = run(&s, "place", 3, vec![], spread, "placed").await;
    let zones: BTreeSet<_> = placed.iter().map(|(z, _)| z.clone()).collect();
    assert_eq!(zones.len(), 3, "one task per zone: {placed:?}");

    // binpack on memory: the instance with the least memory left (the t3.small) takes both.
    let binpack = vec![strategy(PlacementStrategyType::Binpack, "memory")];
    let (placed, _) = run(&s, "place", 2, vec![], binpack, "placed").await;
    assert!(
        placed.iter().all(|(_, kind)| kind == "t3.small"),
        "{placed:?}"
    );

    let distinct = PlacementConstraint::builder()
        .r#type(PlacementConstraintType::DistinctInstance)
        .build();
    let (placed, failures) = run(&s, "place", 4, vec![distinct], vec![], "placed").await;
    assert_eq!(placed.len(), 3);
    assert!(!failures.is_empty());
}

#[tokio::test]
async fn tasks_that_fit_no_instance_fail_with_resource_reasons() {
    let s = server().await;
    fleet(&s, "full").await;
    for (family, cpu, memory, reason) in [
        ("too-much-memory", 256, 20_000, "RESOURCE:MEMORY"),
        ("too-much-cpu", 8192, 128, "RESOURCE:CPU"),
    ] {
        s.client
            .register_task_definition()
            .family(family)
            .network_mode(NetworkMode::Bridge)
            .container_definitions(
                aws_sdk_ecs::types::ContainerDefinition::builder()
                    .name("big")
                    .image("busybox")
                    .cpu(cpu)
                    .memory(memory)
                    .build(),
            )
            .send()
            .await
            .unwrap();
        let (placed, failures) = run(&s, "full", 1, vec![], vec![], family).await;
        assert!(placed.is_empty());
        assert_eq!(failures.len(), 3, "one failure per instance: {failures:?}");
        assert!(failures.iter().all(|f| f == reason), "{failures:?}");
    }
}

async fn task_status(s: &Server, cluster: &str, arn: &str) -> (String, Option<String>) {
    let t = s
        .client
        .describe_tasks()
        .cluster(cluster)
        .tasks(arn)
        .send()
        .await
        .unwrap()
        .tasks()[0]
        .clone();
    (
        t.desired_status().unwrap_or_default().to_string(),
        t.stopped_reason().map(String::from),
    )
}

#[tokio::test]
async fn stopping_starting_and_terminating_through_ec2() {
    let s = server().await;
    create_cluster(&s.client, "ops").await;
    let id = launch(&s, "ops", "t3.medium", "us-east-1a").await;
    let ci = registered(&s, "ops", 1).await.remove(0);
    register_simple(&s.client, "ops").await;
    let task = s
        .client
        .run_task()
        .cluster("ops")
        .task_definition("ops")
        .launch_type(LaunchType::Ec2)
        .send()
        .await
        .unwrap()
        .tasks()[0]
        .task_arn()
        .unwrap()
        .to_string();
    ec2(&s, "stop_instances", json!({"InstanceIds": [id]})).await;
    ec2(
        &s,
        "wait",
        json!({"waiter": "instance_stopped", "InstanceIds": [id]}),
    )
    .await;
    let ci_now = |s: &Server| {
        let arn = ci.container_instance_arn().unwrap().to_string();
        let client = s.client.clone();
        async move {
            client
                .describe_container_instances()
                .cluster("ops")
                .container_instances(arn)
                .send()
                .await
                .unwrap()
                .container_instances()[0]
                .clone()
        }
    };
    assert!(!ci_now(&s).await.agent_connected());
    let (desired, reason) = task_status(&s, "ops", &task).await;
    assert_eq!(desired, "STOPPED");
    assert_eq!(
        reason.as_deref(),
        Some(format!("Host EC2 (instance {id}) stopped.").as_str())
    );
    ec2(&s, "start_instances", json!({"InstanceIds": [id]})).await;
    ec2(
        &s,
        "wait",
        json!({"waiter": "instance_running", "InstanceIds": [id]}),
    )
    .await;
    for _ in 0..100 {
        if ci_now(&s).await.agent_connected() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(ci_now(&s).await.agent_connected());
    ec2(&s, "terminate_instances", json!({"InstanceIds": [id]})).await;
    ec2(
        &s,
        "wait",
        json!({"waiter": "instance_terminated", "InstanceIds": [id]}),
    )
    .await;
    for _ in 0..100 {
        if ci_now(&s).await.status() == Some("INACTIVE") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(ci_now(&s).await.status(), Some("INACTIVE"));
}
