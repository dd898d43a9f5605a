//! An Auto Scaling group capacity provider with managed scaling (EC2 and Auto Scaling through
//! boto3, ECS through the Rust SDK): a service whose tasks do not fit makes ECS grow the group,
//! the new instances register into the cluster as the provider's, and the tasks are placed on
//! them; busy instances are protected from scale-in.

use crate::common::*;
use aws_sdk_ecs::types::{
    AutoScalingGroupProvider, CapacityProviderStrategyItem, ContainerDefinition, ManagedScaling,
    ManagedScalingStatus, ManagedTerminationProtection, NetworkMode,
};
use serde_json::json;
use std::time::Duration;

#[tokio::test]
async fn managed_scaling_grows_the_group_for_a_service_that_does_not_fit() {
    let s = start_with(local_ecs::Config {
        time_scale: 20.0,
        ..Default::default()
    })
    .await;
    let user_data = "#!/bin/bash\necho ECS_CLUSTER=elastic >> /etc/ecs/ecs.config\n";
    let template = ec2(
        &s,
        "create_launch_template",
        json!({"LaunchTemplateName": "ecs-nodes", "LaunchTemplateData": {
            "ImageId": "ami-0123456789abcdef0", "InstanceType": "t3.medium",
            "UserData": base64(user_data)}}),
    )
    .await;
    assert!(template.get("Error").is_none(), "{template}");
    let created = boto3(
        &s,
        "autoscaling",
        "create_auto_scaling_group",
        json!({"AutoScalingGroupName": "nodes", "MinSize": 0, "MaxSize": 4, "DesiredCapacity": 0,
               "NewInstancesProtectedFromScaleIn": true,
               "LaunchTemplate": {"LaunchTemplateName": "ecs-nodes", "Version": "$Latest"},
               "VPCZoneIdentifier": SUBNET}),
    )
    .await;
    assert!(created.get("Error").is_none(), "{created}");
    let group = boto3(
        &s,
        "autoscaling",
        "describe_auto_scaling_groups",
        json!({"AutoScalingGroupNames": ["nodes"]}),
    )
    .await;
    let group_arn = group["AutoScalingGroups"][0]["AutoScalingGroupARN"]
        .as_str()
        .unwrap()
        .to_string();

    s.client
        .create_capacity_provider()
        .name("nodes-cp")
        .auto_scaling_group_provider(
            AutoScalingGroupProvider::builder()
                .auto_scaling_group_arn(&group_arn)
                .managed_scaling(
                    ManagedScaling::builder()
                        .status(ManagedScalingStatus::Enabled)
                        .target_capacity(100)
                        .build(),
                )
                .managed_termination_protection(ManagedTerminationProtection::Enabled)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let strategy = CapacityProviderStrategyItem::builder()
        .capacity_provider("nodes-cp")
        .weight(1)
        .build()
        .unwrap();
    s.client
        .create_cluster()
        .cluster_name("elastic")
        .capacity_providers("nodes-cp")
        .default_capacity_provider_strategy(strategy.clone())
        .send()
        .await
        .unwrap();
    // A t3.medium registers 3,993 MiB: one 2,500 MiB task per instance.
    s.client
        .register_task_definition()
        .family("big")
        .network_mode(NetworkMode::Bridge)
        .container_definitions(
            ContainerDefinition::builder()
                .name("app")
                .image("busybox")
                .memory(2500)
                .build(),
        )
        .send()
        .await
        .unwrap();
    s.client
        .create_service()
        .cluster("elastic")
        .service_name("web")
        .task_definition("big")
        .desired_count(2)
        .capacity_provider_strategy(strategy)
        .send()
        .await
        .unwrap();

    let mut running = 0;
    for _ in 0..300 {
        let svc = s
            .client
            .describe_services()
            .cluster("elastic")
            .services("web")
            .send()
            .await
            .unwrap();
        running = svc.services()[0].running_count();
        if running == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        running, 2,
        "the service's tasks run once the group has grown"
    );
    let group = boto3(
        &s,
        "autoscaling",
        "describe_auto_scaling_groups",
        json!({"AutoScalingGroupNames": ["nodes"]}),
    )
    .await;
    assert_eq!(
        group["AutoScalingGroups"][0]["DesiredCapacity"], 2,
        "{group}"
    );
    let members = group["AutoScalingGroups"][0]["Instances"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(members.len(), 2);
    assert!(
        members.iter().all(|m| m["ProtectedFromScaleIn"] == true),
        "{members:?}"
    );

    let arns = s
        .client
        .list_container_instances()
        .cluster("elastic")
        .send()
        .await
        .unwrap()
        .container_instance_arns
        .unwrap_or_default();
    let cis = s
        .client
        .describe_container_instances()
        .cluster("elastic")
        .set_container_instances(Some(arns))
        .send()
        .await
        .unwrap();
    assert_eq!(cis.container_instances().len(), 2);
    assert!(
        cis.container_instances()
            .iter()
            .all(|ci| ci.capacity_provider_name() == Some("nodes-cp")
                && ci.running_tasks_count() == 1)
    );
}

fn base64(text: &str) -> String {
    local_ecs::wire::base64::encode(text.as_bytes())
}
