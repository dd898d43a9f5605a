//! EC2 instances as container instances, driven by the facts EC2 publishes on the App's bus
//! (the boto3 suites drive the same through EC2's API): registration from user data, resources
//! by type, disconnection and retirement, dynamic host ports, draining and DAEMON services.

use crate::common::*;
use aws_sdk_ecs::types::{
    ContainerInstance, ContainerInstanceStatus, DesiredStatus, LaunchType, NetworkMode,
    PortMapping, SchedulingStrategy,
};
use local_ecs::core::bus::Fact;
use local_ecs::core::fleet::{InstanceFact, InstancePhase};
use std::time::Duration;

async fn server() -> Server {
    start_with(local_ecs::Config {
        time_scale: 20.0,
        ..Default::default()
    })
    .await
}

fn instance(id: &str, user_data: &str, phase: InstancePhase) -> InstanceFact {
    InstanceFact {
        account: ACCOUNT.into(),
        region: REGION.into(),
        instance_id: id.into(),
        phase,
        instance_type: "m5.large".into(),
        vcpus: 2,
        memory_mib: 8192,
        availability_zone: "us-east-1b".into(),
        image_id: "ami-0123456789abcdef0".into(),
        subnet_id: Some("subnet-1".into()),
        vpc_id: Some("vpc-1".into()),
        private_ip: Some("172.31.16.10".into()),
        user_data: Some(user_data.into()),
        tags: Vec::new(),
        instance_profile: None,
        launched_at: 0.0,
    }
}

fn publish(s: &Server, fact: InstanceFact) {
    s.app.bus.publish(Fact::Instance(fact));
}

/// Polls until `check` holds (5 s at most).
async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..250 {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("timed out waiting for {what}");
}

async fn instances(s: &Server, cluster: &str) -> Vec<ContainerInstance> {
    let arns = s
        .client
        .list_container_instances()
        .cluster(cluster)
        .send()
        .await
        .unwrap()
        .container_instance_arns
        .unwrap_or_default();
    if arns.is_empty() {
        return Vec::new();
    }
    s.client
        .describe_container_instances()
        .cluster(cluster)
        .set_container_instances(Some(arns))
        .send()
        .await
        .unwrap()
        .container_instances
        .unwrap_or_default()
}

fn resource(ci: &ContainerInstance, name: &str) -> i32 {
    ci.registered_resources()
        .iter()
        .find(|r| r.name() == Some(name))
        .map(|r| r.integer_value())
        .unwrap_or(-1)
}

fn attribute<'a>(ci: &'a ContainerInstance, name: &str) -> Option<&'a str> {
    ci.attributes()
        .iter()
        .find(|a| a.name() == name)
        .and_then(|a| a.value())
}

#[tokio::test]
async fn a_running_instance_registers_into_the_cluster_its_user_data_names() {
    let s = server().await;
    create_cluster(&s.client, "web").await;
    let data = "#!/bin/bash\necho ECS_CLUSTER=web >> /etc/ecs/ecs.config\necho 'ECS_INSTANCE_ATTRIBUTES={\"stack\":\"blue\"}' >> /etc/ecs/ecs.config";
    publish(&s, instance("i-0aaa", data, InstancePhase::Pending));
    publish(&s, instance("i-0aaa", data, InstancePhase::Running));
    eventually("registration", || async {
        instances(&s, "web").await.len() == 1
    })
    .await;
    let ci = &instances(&s, "web").await[0];
    assert_eq!(ci.ec2_instance_id(), Some("i-0aaa"));
    assert!(ci.agent_connected());
    assert_eq!(resource(ci, "CPU"), 2048);
    assert_eq!(
        resource(ci, "MEMORY"),
        7987,
        "8,192 MiB less the kernel's share"
    );
    let ports = ci
        .registered_resources()
        .iter()
        .find(|r| r.name() == Some("PORTS"))
        .map(|r| r.string_set_value().to_vec())
        .unwrap();
    assert_eq!(ports, ["22", "2375", "2376", "51678", "51679"]);
    assert_eq!(attribute(ci, "ecs.instance-type"), Some("m5.large"));
    assert_eq!(attribute(ci, "ecs.availability-zone"), Some("us-east-1b"));
    assert_eq!(attribute(ci, "ecs.ami-id"), Some("ami-0123456789abcdef0"));
    assert_eq!(attribute(ci, "ecs.os-type"), Some("linux"));
    assert_eq!(attribute(ci, "stack"), Some("blue"));
    assert!(ci
        .attributes()
        .iter()
        .any(|a| a.name() == "com.amazonaws.ecs.capability.logging-driver.awslogs"));
}

#[tokio::test]
async fn without_ecs_cluster_the_instance_joins_default_and_a_missing_cluster_is_retried() {
    let s = server().await;
    publish(
        &s,
        instance(
            "i-0def",
            "#!/bin/bash\nyum update -y",
            InstancePhase::Running,
        ),
    );
    eventually("default registration", || async {
        instances(&s, "default").await.len() == 1
    })
    .await;
    publish(
        &s,
        instance("i-0late", "ECS_CLUSTER=later", InstancePhase::Running),
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    create_cluster(&s.client, "later").await;
    eventually("registration once the cluster exists", || async {
        instances(&s, "later").await.len() == 1
    })
    .await;
}

async fn run_bridge_task(s: &Server, cluster: &str, family: &str) -> aws_sdk_ecs::types::Task {
    s.client
        .register_task_definition()
        .family(family)
        .network_mode(NetworkMode::Bridge)
        .container_definitions(
            aws_sdk_ecs::types::ContainerDefinition::builder()
                .name("web")
                .image("busybox")
                .memory(128)
                .port_mappings(
                    PortMapping::builder()
                        .container_port(80)
                        .host_port(0)
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();
    let out = s
        .client
        .run_task()
        .cluster(cluster)
        .task_definition(family)
        .launch_type(LaunchType::Ec2)
        .send()
        .await
        .unwrap();
    assert!(out.failures().is_empty(), "{:?}", out.failures());
    out.tasks()[0].clone()
}

async fn task(s: &Server, cluster: &str, arn: &str) -> aws_sdk_ecs::types::Task {
    s.client
        .describe_tasks()
        .cluster(cluster)
        .tasks(arn)
        .send()
        .await
        .unwrap()
        .tasks()[0]
        .clone()
}

#[tokio::test]
async fn dynamic_host_ports_come_from_the_agent_range_and_never_collide() {
    let s = server().await;
    create_cluster(&s.client, "ports").await;
    publish(
        &s,
        instance("i-0p", "ECS_CLUSTER=ports", InstancePhase::Running),
    );
    eventually("registration", || async {
        instances(&s, "ports").await.len() == 1
    })
    .await;
    let mut seen = Vec::new();
    for n in 0..3 {
        let t = run_bridge_task(&s, "ports", &format!("dyn{n}")).await;
        let arn = t.task_arn().unwrap().to_string();
        let mut port = None;
        for _ in 0..250 {
            let t = task(&s, "ports", &arn).await;
            port = t.containers()[0]
                .network_bindings()
                .first()
                .and_then(|b| b.host_port());
            if port.is_some() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let port = port.unwrap();
        assert!((49153..=65535).contains(&port), "{port}");
        assert!(!seen.contains(&port));
        seen.push(port);
    }
    let ci = &instances(&s, "ports").await[0];
    let remaining: Vec<String> = ci
        .remaining_resources()
        .iter()
        .find(|r| r.name() == Some("PORTS"))
        .map(|r| r.string_set_value().to_vec())
        .unwrap();
    for p in &seen {
        assert!(
            remaining.contains(&p.to_string()),
            "{p} reserved on the instance"
        );
    }
}

#[tokio::test]
async fn stopping_and_terminating_the_instance_stop_its_tasks() {
    let s = server().await;
    create_cluster(&s.client, "life").await;
    publish(
        &s,
        instance("i-0life", "ECS_CLUSTER=life", InstancePhase::Running),
    );
    eventually("registration", || async {
        instances(&s, "life").await.len() == 1
    })
    .await;
    let t = run_bridge_task(&s, "life", "life").await;
    let arn = t.task_arn().unwrap().to_string();
    publish(
        &s,
        instance("i-0life", "ECS_CLUSTER=life", InstancePhase::Stopped),
    );
    eventually("agent disconnected", || async {
        !instances(&s, "life").await[0].agent_connected()
    })
    .await;
    let stopped = task(&s, "life", &arn).await;
    assert_eq!(stopped.desired_status(), Some("STOPPED"));
    assert_eq!(
        stopped.stopped_reason(),
        Some("Host EC2 (instance i-0life) stopped.")
    );
    publish(
        &s,
        instance("i-0life", "ECS_CLUSTER=life", InstancePhase::Running),
    );
    eventually("agent reconnected", || async {
        instances(&s, "life").await[0].agent_connected()
    })
    .await;
    let ci_arn = instances(&s, "life").await[0]
        .container_instance_arn()
        .unwrap()
        .to_string();
    publish(
        &s,
        instance("i-0life", "ECS_CLUSTER=life", InstancePhase::Terminated),
    );
    eventually("deregistered", || async {
        instances(&s, "life").await.is_empty()
    })
    .await;
    let gone = s
        .client
        .describe_container_instances()
        .cluster("life")
        .container_instances(&ci_arn)
        .send()
        .await
        .unwrap();
    assert_eq!(gone.container_instances()[0].status(), Some("INACTIVE"));
}

async fn service_tasks(s: &Server, cluster: &str, service: &str) -> Vec<aws_sdk_ecs::types::Task> {
    let arns = s
        .client
        .list_tasks()
        .cluster(cluster)
        .service_name(service)
        .desired_status(DesiredStatus::Running)
        .send()
        .await
        .unwrap()
        .task_arns
        .unwrap_or_default();
    if arns.is_empty() {
        return Vec::new();
    }
    s.client
        .describe_tasks()
        .cluster(cluster)
        .set_tasks(Some(arns))
        .send()
        .await
        .unwrap()
        .tasks
        .unwrap_or_default()
}

#[tokio::test]
async fn tasks_on_a_draining_instance_move_and_daemons_follow_instances() {
    let s = server().await;
    create_cluster(&s.client, "drain").await;
    publish(
        &s,
        instance("i-0a", "ECS_CLUSTER=drain", InstancePhase::Running),
    );
    eventually("one instance", || async {
        instances(&s, "drain").await.len() == 1
    })
    .await;
    register_simple(&s.client, "svc").await;
    for (name, daemon) in [("web", false), ("agent", true)] {
        let mut create = s
            .client
            .create_service()
            .cluster("drain")
            .service_name(name)
            .task_definition("svc")
            .launch_type(LaunchType::Ec2);
        create = if daemon {
            create.scheduling_strategy(SchedulingStrategy::Daemon)
        } else {
            create.desired_count(1)
        };
        create.send().await.unwrap();
    }
    eventually("both services placed", || async {
        service_tasks(&s, "drain", "web").await.len() == 1
            && service_tasks(&s, "drain", "agent").await.len() == 1
    })
    .await;
    publish(
        &s,
        instance("i-0b", "ECS_CLUSTER=drain", InstancePhase::Running),
    );
    eventually("the daemon follows the new instance", || async {
        service_tasks(&s, "drain", "agent").await.len() == 2
    })
    .await;
    let first = instances(&s, "drain")
        .await
        .into_iter()
        .find(|ci| ci.ec2_instance_id() == Some("i-0a"))
        .unwrap();
    let first_arn = first.container_instance_arn().unwrap().to_string();
    s.client
        .update_container_instances_state()
        .cluster("drain")
        .container_instances(&first_arn)
        .status(ContainerInstanceStatus::Draining)
        .send()
        .await
        .unwrap();
    eventually(
        "the service task moved off the draining instance",
        || async {
            let web = service_tasks(&s, "drain", "web").await;
            web.len() == 1 && web[0].container_instance_arn() != Some(first_arn.as_str())
        },
    )
    .await;
    eventually("the daemon left the draining instance", || async {
        let agent = service_tasks(&s, "drain", "agent").await;
        agent.len() == 1 && agent[0].container_instance_arn() != Some(first_arn.as_str())
    })
    .await;
}

async fn run_in_subnet(
    s: &Server,
    family: &str,
    subnet: &str,
    group: &str,
) -> Result<
    aws_sdk_ecs::operation::run_task::RunTaskOutput,
    aws_sdk_ecs::error::SdkError<aws_sdk_ecs::operation::run_task::RunTaskError>,
> {
    use aws_sdk_ecs::types::{AwsVpcConfiguration, NetworkConfiguration};
    let network = NetworkConfiguration::builder()
        .awsvpc_configuration(
            AwsVpcConfiguration::builder()
                .subnets(subnet)
                .security_groups(group)
                .build()
                .unwrap(),
        )
        .build();
    s.client
        .run_task()
        .task_definition(family)
        .launch_type(LaunchType::Fargate)
        .network_configuration(network)
        .send()
        .await
}

#[tokio::test]
async fn awsvpc_ids_are_checked_against_ec2_and_the_subnet_decides_the_zone() {
    let s = server().await;
    create_cluster(&s.client, "default").await;
    register_fargate_app(&s.client, "vpc").await;
    let (code, message) =
        err(run_in_subnet(&s, "vpc", "subnet-0000000000000000f", SECURITY_GROUP).await);
    assert_eq!(code, "InvalidParameterException");
    assert_eq!(
        message,
        "Error retrieving subnet information for [subnet-0000000000000000f]: The subnet ID 'subnet-0000000000000000f' does not exist (ErrorCode: InvalidSubnetID.NotFound)"
    );
    let (code, message) = err(run_in_subnet(&s, "vpc", SUBNET, "sg-0000000000000000f").await);
    assert_eq!(code, "InvalidParameterException");
    assert!(
        message.contains("The security group 'sg-0000000000000000f' does not exist"),
        "{message}"
    );
    // The default VPC's us-east-1c subnet, as describe-subnets lists it.
    let out = run_in_subnet(&s, "vpc", "subnet-08594d878dab37b5b", SECURITY_GROUP)
        .await
        .unwrap();
    assert_eq!(out.tasks()[0].availability_zone(), Some("us-east-1c"));
}
