//! Divergences from ECS that a third-party ECS test suite found, one test each, through the SDK:
//! tags on services and task sets (and every other taggable resource by its ARN), INACTIVE
//! clusters in ListClusters, the ARN of a missing service, RegisterTaskDefinition and
//! DeregisterTaskDefinition messages, empty DescribeContainerInstances, DiscoverPollEndpoint,
//! long-ARN settings, small wordings and shapes, ContinueServiceDeployment.

use crate::common::{
    arn, awsvpc, bare_container, container, create_cluster, err, err_code, pairs,
    register_fargate_app, start, tag, tag_pairs,
};
use aws_sdk_ecs::types::{
    CapacityProviderStatus, CapacityProviderUpdateStatus, ClusterServiceConnectDefaultsRequest,
    Compatibility, ContainerDefinition, DeploymentController, DeploymentControllerType, LaunchType,
    NetworkMode, PidMode, Resource, SchedulingStrategy, SettingName,
};
use aws_sdk_ecs::Client;

async fn tags_of(c: &Client, arn: &str) -> Vec<(String, String)> {
    let out = c
        .list_tags_for_resource()
        .resource_arn(arn)
        .send()
        .await
        .unwrap();
    tag_pairs(out.tags())
}

/// Tags, untags and lists `arn` (which starts with the tags `base`), checking each step.
async fn round_trip_tags(c: &Client, arn: &str, base: &[(&str, &str)]) {
    c.tag_resource()
        .resource_arn(arn)
        .tags(tag("team", "core"))
        .tags(tag("env", "dev"))
        .send()
        .await
        .unwrap_or_else(|e| panic!("TagResource {arn}: {e:?}"));
    let with = |extra: &[(&'static str, &'static str)]| {
        let mut all = base.to_vec();
        all.extend_from_slice(extra);
        pairs(&all)
    };
    assert_eq!(
        tags_of(c, arn).await,
        with(&[("env", "dev"), ("team", "core")]),
        "{arn}"
    );
    c.untag_resource()
        .resource_arn(arn)
        .tag_keys("env")
        .send()
        .await
        .unwrap();
    assert_eq!(tags_of(c, arn).await, with(&[("team", "core")]), "{arn}");
}

#[tokio::test]
async fn services_and_task_sets_are_taggable_by_arn() {
    let s = start().await;
    let c = &s.client;
    create_cluster(c, "tagged").await;
    let td = register_fargate_app(c, "tag-fam").await;
    let service = c
        .create_service()
        .cluster("tagged")
        .service_name("web")
        .task_definition(&td)
        .desired_count(0)
        .launch_type(LaunchType::Fargate)
        .network_configuration(awsvpc())
        .tags(tag("owner", "me"))
        .send()
        .await
        .unwrap()
        .service
        .unwrap();
    let service_arn = service.service_arn().unwrap().to_string();
    assert_eq!(service_arn, arn("service/tagged/web"));
    assert_eq!(tags_of(c, &service_arn).await, pairs(&[("owner", "me")]));
    round_trip_tags(c, &service_arn, &[("owner", "me")]).await;
    // DescribeServices with TAGS shows what TagResource wrote.
    let described = c
        .describe_services()
        .cluster("tagged")
        .services("web")
        .include(aws_sdk_ecs::types::ServiceField::Tags)
        .send()
        .await
        .unwrap();
    assert_eq!(
        tag_pairs(described.services()[0].tags()),
        pairs(&[("owner", "me"), ("team", "core")])
    );

    c.create_service()
        .cluster("tagged")
        .service_name("ext")
        .desired_count(1)
        .deployment_controller(
            DeploymentController::builder()
                .r#type(DeploymentControllerType::External)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let set = c
        .create_task_set()
        .cluster("tagged")
        .service("ext")
        .task_definition(&td)
        .launch_type(LaunchType::Fargate)
        .network_configuration(awsvpc())
        .send()
        .await
        .unwrap()
        .task_set
        .unwrap();
    round_trip_tags(c, set.task_set_arn().unwrap(), &[]).await;

    // An unknown service or task set is ResourceNotFoundException, as for other resources.
    let missing = arn("service/tagged/ghost");
    let code = err_code(
        c.tag_resource()
            .resource_arn(&missing)
            .tags(tag("a", "b"))
            .send()
            .await,
    );
    assert_eq!(code, "ResourceNotFoundException");
}

#[tokio::test]
async fn every_taggable_resource_is_found_by_its_arn() {
    let s = start().await;
    let c = &s.client;
    let cluster = create_cluster(c, "all-tags").await;
    let td = register_fargate_app(c, "all-fam").await;
    let cp = c
        .create_capacity_provider()
        .name("all-cp")
        .auto_scaling_group_provider(
            aws_sdk_ecs::types::AutoScalingGroupProvider::builder()
                .auto_scaling_group_arn("arn:aws:autoscaling:us-east-1:000000000000:autoScalingGroup:1:autoScalingGroupName/all")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap()
        .capacity_provider
        .unwrap();
    let instance = c
        .register_container_instance()
        .cluster("all-tags")
        .total_resources(
            Resource::builder()
                .name("CPU")
                .r#type("INTEGER")
                .integer_value(1024)
                .build(),
        )
        .total_resources(
            Resource::builder()
                .name("MEMORY")
                .r#type("INTEGER")
                .integer_value(2048)
                .build(),
        )
        .send()
        .await
        .unwrap()
        .container_instance
        .unwrap();
    let task = c
        .run_task()
        .cluster("all-tags")
        .task_definition(&td)
        .launch_type(LaunchType::Fargate)
        .network_configuration(awsvpc())
        .send()
        .await
        .unwrap()
        .tasks()[0]
        .clone();
    for arn in [
        cluster.cluster_arn().unwrap(),
        td.as_str(),
        cp.capacity_provider_arn().unwrap(),
        instance.container_instance_arn().unwrap(),
        task.task_arn().unwrap(),
    ] {
        round_trip_tags(c, arn, &[]).await;
    }
}

#[tokio::test]
async fn list_clusters_shows_inactive_clusters_after_delete() {
    let s = start().await;
    let c = &s.client;
    create_cluster(c, "gone").await;
    create_cluster(c, "kept").await;
    c.delete_cluster().cluster("gone").send().await.unwrap();
    let listed = c.list_clusters().send().await.unwrap();
    assert_eq!(
        listed.cluster_arns(),
        [arn("cluster/gone"), arn("cluster/kept")],
        "AWS lists a deleted cluster for a while"
    );
}

#[tokio::test]
async fn describe_services_names_a_missing_service_without_its_cluster() {
    let s = start().await;
    let c = &s.client;
    create_cluster(c, "somewhere").await;
    let out = c
        .describe_services()
        .cluster("somewhere")
        .services("nothing-here")
        .send()
        .await
        .unwrap();
    assert_eq!(out.failures().len(), 1);
    assert_eq!(
        out.failures()[0].arn(),
        Some(arn("service/nothing-here").as_str())
    );
    assert_eq!(out.failures()[0].reason(), Some("MISSING"));
}

#[tokio::test]
async fn register_task_definition_messages_follow_aws() {
    let s = start().await;
    let c = &s.client;
    let (code, msg) = err(c
        .register_task_definition()
        .family("pid")
        .requires_compatibilities(Compatibility::Fargate)
        .network_mode(NetworkMode::Awsvpc)
        .pid_mode(PidMode::Host)
        .cpu("256")
        .memory("512")
        .container_definitions(bare_container("app", "busybox"))
        .send()
        .await);
    assert_eq!(code, "ClientException");
    assert_eq!(msg, "Tasks using the Fargate launch type do not support pidMode 'host'. The supported value for pidMode is 'task'.");

    let unnamed = ContainerDefinition::builder()
        .image("busybox")
        .memory(128)
        .build();
    let (code, msg) = err(c
        .register_task_definition()
        .family("noname")
        .container_definitions(unnamed)
        .send()
        .await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "ClientException",
            "Container.name should not be null or empty."
        )
    );

    let imageless = ContainerDefinition::builder()
        .name("app")
        .memory(128)
        .build();
    let (code, msg) = err(c
        .register_task_definition()
        .family("noimage")
        .container_definitions(imageless)
        .send()
        .await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "ClientException",
            "Container.image should not be null or empty."
        )
    );
}

#[tokio::test]
async fn deregister_task_definition_messages_follow_aws() {
    let s = start().await;
    let c = &s.client;
    c.register_task_definition()
        .family("fam")
        .container_definitions(container("web", "busybox"))
        .send()
        .await
        .unwrap();
    for (ident, want) in [
        ("fam", "Revision is missing."),
        ("fam:foo", "Invalid revision number. Number: foo"),
        ("fam:7", "Unable to describe task definition."),
    ] {
        let (code, msg) = err(c
            .deregister_task_definition()
            .task_definition(ident)
            .send()
            .await);
        assert_eq!(
            (code.as_str(), msg.as_str()),
            ("ClientException", want),
            "{ident}"
        );
    }
    c.deregister_task_definition()
        .task_definition("fam:1")
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn describe_container_instances_rejects_an_empty_list() {
    let s = start().await;
    let c = &s.client;
    create_cluster(c, "default").await;
    let (code, msg) = err(c
        .describe_container_instances()
        .set_container_instances(Some(vec![]))
        .send()
        .await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "InvalidParameterException",
            "Container Instances cannot be empty."
        )
    );
}

#[tokio::test]
async fn discover_poll_endpoint_points_at_this_server() {
    let s = start().await;
    let c = &s.client;
    create_cluster(c, "agents").await;
    let out = c
        .discover_poll_endpoint()
        .cluster("agents")
        .send()
        .await
        .unwrap();
    let here = format!("http://{}", s.addr);
    assert_eq!(out.endpoint(), Some(format!("{here}/").as_str()));
    assert_eq!(out.telemetry_endpoint(), Some(format!("{here}/").as_str()));
    assert_eq!(out.service_connect_endpoint(), Some(here.as_str()));
}

#[tokio::test]
async fn long_arn_settings_cannot_be_disabled() {
    let s = start().await;
    let c = &s.client;
    for name in [
        SettingName::ServiceLongArnFormat,
        SettingName::TaskLongArnFormat,
        SettingName::ContainerInstanceLongArnFormat,
    ] {
        let (code, msg) = err(c
            .put_account_setting_default()
            .name(name.clone())
            .value("disabled")
            .send()
            .await);
        assert_eq!(
            (code.as_str(), msg.as_str()),
            (
                "InvalidParameterException",
                "You can no longer disable Long Arn settings."
            ),
            "{name:?}"
        );
        let code = err_code(
            c.put_account_setting()
                .name(name.clone())
                .value("disabled")
                .send()
                .await,
        );
        assert_eq!(code, "InvalidParameterException");
        c.put_account_setting_default()
            .name(name)
            .value("enabled")
            .send()
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn daemon_with_a_desired_count_says_to_remove_it() {
    let s = start().await;
    let c = &s.client;
    create_cluster(c, "daemons").await;
    let (code, msg) = err(c
        .create_service()
        .cluster("daemons")
        .service_name("d")
        .task_definition("whatever")
        .scheduling_strategy(SchedulingStrategy::Daemon)
        .desired_count(2)
        .send()
        .await);
    assert_eq!(code, "InvalidParameterException");
    assert!(
        msg.ends_with("Remove the desired count value and try again."),
        "{msg}"
    );
}

#[tokio::test]
async fn service_connect_namespace_is_a_cloud_map_arn() {
    let s = start().await;
    let c = &s.client;
    let cluster = c
        .create_cluster()
        .cluster_name("sc")
        .service_connect_defaults(
            ClusterServiceConnectDefaultsRequest::builder()
                .namespace("local")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap()
        .cluster
        .unwrap();
    let ns = cluster
        .service_connect_defaults()
        .and_then(|d| d.namespace())
        .unwrap()
        .to_string();
    let prefix = "arn:aws:servicediscovery:us-east-1:000000000000:namespace/ns-";
    assert!(ns.starts_with(prefix), "{ns}");
    let id = &ns[prefix.len()..];
    assert!(
        id.len() == 16 && id.bytes().all(|b| b.is_ascii_alphanumeric()),
        "{ns}"
    );
    // The same name is the same namespace on another cluster, and services are found by it.
    let other = c
        .update_cluster()
        .cluster("default")
        .service_connect_defaults(
            ClusterServiceConnectDefaultsRequest::builder()
                .namespace("local")
                .build()
                .unwrap(),
        )
        .send()
        .await;
    assert!(other.is_err(), "default does not exist yet");
    create_cluster(c, "sc2").await;
    let updated = c
        .update_cluster()
        .cluster("sc2")
        .service_connect_defaults(
            ClusterServiceConnectDefaultsRequest::builder()
                .namespace("local")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap()
        .cluster
        .unwrap();
    assert_eq!(
        updated
            .service_connect_defaults()
            .and_then(|d| d.namespace()),
        Some(ns.as_str())
    );
    for ident in ["local", ns.as_str(), &ns[ns.len() - 19..]] {
        let listed = c
            .list_services_by_namespace()
            .namespace(ident)
            .send()
            .await
            .unwrap();
        assert!(listed.service_arns().is_empty(), "{ident}");
    }
}

#[tokio::test]
async fn deleted_capacity_provider_reads_as_aws_shows_it_then_is_gone() {
    let s = start().await;
    let c = &s.client;
    c.create_capacity_provider()
        .name("short-lived")
        .auto_scaling_group_provider(
            aws_sdk_ecs::types::AutoScalingGroupProvider::builder()
                .auto_scaling_group_arn("arn:aws:autoscaling:us-east-1:000000000000:autoScalingGroup:1:autoScalingGroupName/sl")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let deleted = c
        .delete_capacity_provider()
        .capacity_provider("short-lived")
        .send()
        .await
        .unwrap()
        .capacity_provider
        .unwrap();
    assert_eq!(deleted.status(), Some(&CapacityProviderStatus::Active));
    assert_eq!(
        deleted.update_status(),
        Some(&CapacityProviderUpdateStatus::DeleteInProgress)
    );
    let described = c
        .describe_capacity_providers()
        .capacity_providers("short-lived")
        .send()
        .await
        .unwrap();
    assert!(described.capacity_providers().is_empty());
    assert_eq!(described.failures()[0].reason(), Some("MISSING"));
}

#[tokio::test]
async fn continue_service_deployment_without_a_paused_hook() {
    let s = start().await;
    let c = &s.client;
    create_cluster(c, "hooks").await;
    let td = register_fargate_app(c, "hook-fam").await;
    c.create_service()
        .cluster("hooks")
        .service_name("web")
        .task_definition(&td)
        .desired_count(0)
        .launch_type(LaunchType::Fargate)
        .network_configuration(awsvpc())
        .send()
        .await
        .unwrap();
    let deployments = c
        .list_service_deployments()
        .cluster("hooks")
        .service("web")
        .send()
        .await
        .unwrap();
    let deployment = deployments.service_deployments()[0]
        .service_deployment_arn()
        .unwrap()
        .to_string();
    let code = err_code(
        c.continue_service_deployment()
            .service_deployment_arn(&deployment)
            .hook_id("hook-1")
            .send()
            .await,
    );
    assert_eq!(code, "InvalidParameterException");
    let missing = format!("{deployment}0");
    let code = err_code(
        c.continue_service_deployment()
            .service_deployment_arn(missing)
            .hook_id("hook-1")
            .send()
            .await,
    );
    assert_eq!(code, "ServiceDeploymentNotFoundException");
}
