//! Clusters (Create/Describe/List/Delete/Update/UpdateClusterSettings/PutClusterCapacityProviders)
//! and capacity providers (built-in FARGATE/FARGATE_SPOT, custom Auto Scaling group providers).

use crate::common::{arn, create_cluster, err, err_code, pairs, start, tag, tag_pairs};
use aws_sdk_ecs::types::{
    AutoScalingGroupProvider, AutoScalingGroupProviderUpdate, CapacityProvider,
    CapacityProviderStatus, CapacityProviderStrategyItem, ClusterConfiguration, ClusterField,
    ClusterSetting, ClusterSettingName, ExecuteCommandConfiguration, ExecuteCommandLogging,
    ManagedScaling, ManagedScalingStatus, ManagedTerminationProtection,
};
use aws_sdk_ecs::Client;
use std::collections::BTreeSet;

fn strategy(provider: &str, weight: i32, base: i32) -> CapacityProviderStrategyItem {
    CapacityProviderStrategyItem::builder()
        .capacity_provider(provider)
        .weight(weight)
        .base(base)
        .build()
        .unwrap()
}

fn asg_arn(name: &str) -> String {
    format!("arn:aws:autoscaling:us-east-1:000000000000:autoScalingGroup:11111111-2222-3333-4444-555555555555:autoScalingGroupName/{name}")
}

fn asg_provider(asg: &str, target_capacity: i32) -> AutoScalingGroupProvider {
    AutoScalingGroupProvider::builder()
        .auto_scaling_group_arn(asg_arn(asg))
        .managed_scaling(
            ManagedScaling::builder()
                .status(ManagedScalingStatus::Enabled)
                .target_capacity(target_capacity)
                .build(),
        )
        .managed_termination_protection(ManagedTerminationProtection::Disabled)
        .build()
        .unwrap()
}

fn exec_config(group: &str) -> ClusterConfiguration {
    ClusterConfiguration::builder()
        .execute_command_configuration(
            ExecuteCommandConfiguration::builder()
                .logging(ExecuteCommandLogging::Override)
                .log_configuration(
                    aws_sdk_ecs::types::ExecuteCommandLogConfiguration::builder()
                        .cloud_watch_log_group_name(group)
                        .build(),
                )
                .build(),
        )
        .build()
}

async fn create_provider(client: &Client, name: &str) -> CapacityProvider {
    client
        .create_capacity_provider()
        .name(name)
        .auto_scaling_group_provider(asg_provider(name, 80))
        .send()
        .await
        .unwrap()
        .capacity_provider
        .unwrap()
}

async fn describe_one(
    client: &Client,
    name: &str,
    include: &[ClusterField],
) -> aws_sdk_ecs::types::Cluster {
    let out = client
        .describe_clusters()
        .clusters(name)
        .set_include(Some(include.to_vec()))
        .send()
        .await
        .unwrap();
    assert!(out.failures().is_empty(), "{:?}", out.failures());
    assert_eq!(out.clusters().len(), 1);
    out.clusters()[0].clone()
}

async fn list_all_clusters(client: &Client) -> Vec<String> {
    client
        .list_clusters()
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .unwrap()
}

#[tokio::test]
async fn create_cluster_echoes_arn_status_and_counts() {
    let s = start().await;
    let out = s
        .client
        .create_cluster()
        .cluster_name("orders")
        .tags(tag("team", "core"))
        .send()
        .await
        .unwrap();
    let c = out.cluster.unwrap();
    assert_eq!(c.cluster_arn(), Some(arn("cluster/orders").as_str()));
    assert_eq!(c.cluster_name(), Some("orders"));
    assert_eq!(c.status(), Some("ACTIVE"));
    assert_eq!(c.registered_container_instances_count(), 0);
    assert_eq!(c.running_tasks_count(), 0);
    assert_eq!(c.pending_tasks_count(), 0);
    assert_eq!(c.active_services_count(), 0);
    assert_eq!(tag_pairs(c.tags()), pairs(&[("team", "core")]));
}

#[tokio::test]
async fn create_cluster_is_idempotent_for_an_active_name() {
    let s = start().await;
    let first = create_cluster(&s.client, "same").await;
    let second = create_cluster(&s.client, "same").await;
    assert_eq!(first.cluster_arn(), second.cluster_arn());
    assert_eq!(second.status(), Some("ACTIVE"));
    assert_eq!(
        list_all_clusters(&s.client).await,
        vec![arn("cluster/same")]
    );
}

#[tokio::test]
async fn create_cluster_without_name_creates_default_and_describe_without_names_describes_it() {
    let s = start().await;
    let c = s
        .client
        .create_cluster()
        .send()
        .await
        .unwrap()
        .cluster
        .unwrap();
    assert_eq!(c.cluster_name(), Some("default"));
    assert_eq!(c.cluster_arn(), Some(arn("cluster/default").as_str()));
    let out = s.client.describe_clusters().send().await.unwrap();
    assert_eq!(out.clusters().len(), 1);
    assert_eq!(
        out.clusters()[0].cluster_arn(),
        Some(arn("cluster/default").as_str())
    );
}

#[tokio::test]
async fn describe_clusters_reports_unknown_names_and_arns_as_missing() {
    let s = start().await;
    create_cluster(&s.client, "known").await;
    let out = s
        .client
        .describe_clusters()
        .clusters("known")
        .clusters("ghost")
        .clusters(arn("cluster/phantom"))
        .send()
        .await
        .unwrap();
    assert_eq!(out.clusters().len(), 1);
    assert_eq!(out.clusters()[0].cluster_name(), Some("known"));
    let mut failures: Vec<_> = out
        .failures()
        .iter()
        .map(|f| {
            (
                f.arn().unwrap_or_default().to_string(),
                f.reason().unwrap_or_default().to_string(),
            )
        })
        .collect();
    failures.sort();
    assert_eq!(
        failures,
        vec![
            (arn("cluster/ghost"), "MISSING".to_string()),
            (arn("cluster/phantom"), "MISSING".to_string())
        ]
    );
}

#[tokio::test]
async fn describe_clusters_without_default_cluster_reports_it_missing() {
    let s = start().await;
    let out = s.client.describe_clusters().send().await.unwrap();
    assert!(out.clusters().is_empty());
    assert_eq!(out.failures().len(), 1);
    assert_eq!(
        out.failures()[0].arn(),
        Some(arn("cluster/default").as_str())
    );
    assert_eq!(out.failures()[0].reason(), Some("MISSING"));
}

#[tokio::test]
async fn describe_clusters_include_controls_optional_fields() {
    let s = start().await;
    s.client
        .create_cluster()
        .cluster_name("rich")
        .tags(tag("env", "dev"))
        .settings(
            ClusterSetting::builder()
                .name(ClusterSettingName::ContainerInsights)
                .value("enabled")
                .build(),
        )
        .configuration(exec_config("/ecs/exec"))
        .send()
        .await
        .unwrap();

    let plain = describe_one(&s.client, "rich", &[]).await;
    assert!(
        plain.tags().is_empty(),
        "tags only with include TAGS: {:?}",
        plain.tags()
    );
    assert!(
        plain.statistics().is_empty(),
        "statistics only with include STATISTICS: {:?}",
        plain.statistics()
    );

    let full = describe_one(
        &s.client,
        "rich",
        &[
            ClusterField::Statistics,
            ClusterField::Tags,
            ClusterField::Settings,
            ClusterField::Configurations,
            ClusterField::Attachments,
        ],
    )
    .await;
    assert_eq!(tag_pairs(full.tags()), pairs(&[("env", "dev")]));
    let insights = full
        .settings()
        .iter()
        .find(|s| s.name() == Some(&ClusterSettingName::ContainerInsights))
        .unwrap();
    assert_eq!(insights.value(), Some("enabled"));
    let stats: Vec<_> = full
        .statistics()
        .iter()
        .map(|kv| {
            (
                kv.name().unwrap_or_default(),
                kv.value().unwrap_or_default(),
            )
        })
        .collect();
    assert!(
        stats.contains(&("runningFargateTasksCount", "0")),
        "{stats:?}"
    );
    assert!(
        stats.contains(&("activeFargateServiceCount", "0")),
        "{stats:?}"
    );
    let exec = full
        .configuration()
        .and_then(|c| c.execute_command_configuration())
        .unwrap();
    assert_eq!(exec.logging(), Some(&ExecuteCommandLogging::Override));
    assert_eq!(
        exec.log_configuration()
            .and_then(|l| l.cloud_watch_log_group_name()),
        Some("/ecs/exec")
    );
}

#[tokio::test]
async fn list_clusters_paginator_collects_every_cluster() {
    let s = start().await;
    let mut expected = BTreeSet::new();
    for i in 0..7 {
        let name = format!("pg-{i}");
        create_cluster(&s.client, &name).await;
        expected.insert(arn(&format!("cluster/{name}")));
    }
    let all: BTreeSet<String> = list_all_clusters(&s.client).await.into_iter().collect();
    assert_eq!(all, expected);

    let pages: Vec<_> = s
        .client
        .list_clusters()
        .max_results(3)
        .into_paginator()
        .send()
        .try_collect()
        .await
        .unwrap();
    let sizes: Vec<usize> = pages.iter().map(|p| p.cluster_arns().len()).collect();
    assert_eq!(sizes, vec![3, 3, 1]);
    assert!(pages[0].next_token().is_some());
    assert!(pages[2].next_token().is_none());
    let paged: Vec<String> = pages
        .iter()
        .flat_map(|p| p.cluster_arns().to_vec())
        .collect();
    assert_eq!(paged.len(), 7, "no duplicates across pages");
    assert_eq!(paged.iter().cloned().collect::<BTreeSet<_>>(), expected);
}

#[tokio::test]
async fn list_clusters_rejects_bad_max_results_and_tokens() {
    let s = start().await;
    create_cluster(&s.client, "one").await;
    for bad in [0, 101, -1] {
        let code = err_code(s.client.list_clusters().max_results(bad).send().await);
        assert_eq!(code, "InvalidParameterException", "maxResults {bad}");
    }
    for ok in [1, 100] {
        s.client
            .list_clusters()
            .max_results(ok)
            .send()
            .await
            .unwrap();
    }
    let code = err_code(
        s.client
            .list_clusters()
            .next_token("not-a-real-token")
            .send()
            .await,
    );
    assert_eq!(code, "InvalidParameterException");
}

#[tokio::test]
async fn delete_cluster_leaves_it_inactive_and_unlisted() {
    let s = start().await;
    create_cluster(&s.client, "doomed").await;
    create_cluster(&s.client, "keeper").await;
    let deleted = s
        .client
        .delete_cluster()
        .cluster("doomed")
        .send()
        .await
        .unwrap()
        .cluster
        .unwrap();
    assert_eq!(deleted.status(), Some("INACTIVE"));
    assert_eq!(deleted.cluster_arn(), Some(arn("cluster/doomed").as_str()));

    let out = s
        .client
        .describe_clusters()
        .clusters("doomed")
        .send()
        .await
        .unwrap();
    assert_eq!(
        out.clusters().len(),
        1,
        "deleted clusters stay describable: {out:?}"
    );
    assert_eq!(out.clusters()[0].status(), Some("INACTIVE"));
    assert_eq!(
        list_all_clusters(&s.client).await,
        vec![arn("cluster/doomed"), arn("cluster/keeper")],
        "AWS lists INACTIVE clusters for a while"
    );

    // The name can be used again.
    let again = create_cluster(&s.client, "doomed").await;
    assert_eq!(again.status(), Some("ACTIVE"));
    assert_eq!(again.cluster_arn(), Some(arn("cluster/doomed").as_str()));
}

#[tokio::test]
async fn delete_cluster_by_arn_and_unknown_cluster() {
    let s = start().await;
    create_cluster(&s.client, "by-arn").await;
    let deleted = s
        .client
        .delete_cluster()
        .cluster(arn("cluster/by-arn"))
        .send()
        .await
        .unwrap()
        .cluster
        .unwrap();
    assert_eq!(deleted.cluster_name(), Some("by-arn"));
    assert_eq!(
        err_code(s.client.delete_cluster().cluster("never-was").send().await),
        "ClusterNotFoundException"
    );
}

/// DeleteCapacityProvider's reference: FARGATE/FARGATE_SPOT and ASG providers are disassociated "by
/// deleting the cluster". ClusterContainsCapacityProviderException is for Managed Instances providers.
#[tokio::test]
async fn delete_cluster_with_capacity_providers_disassociates_them() {
    let s = start().await;
    create_cluster(&s.client, "with-cps").await;
    create_provider(&s.client, "cp-on-cluster").await;
    s.client
        .put_cluster_capacity_providers()
        .cluster("with-cps")
        .capacity_providers("FARGATE")
        .capacity_providers("cp-on-cluster")
        .set_default_capacity_provider_strategy(Some(vec![]))
        .send()
        .await
        .unwrap();
    // Associated: the provider cannot be deleted yet.
    assert!(s
        .client
        .delete_capacity_provider()
        .capacity_provider("cp-on-cluster")
        .send()
        .await
        .is_err());
    let deleted = s
        .client
        .delete_cluster()
        .cluster("with-cps")
        .send()
        .await
        .unwrap()
        .cluster
        .unwrap();
    assert_eq!(deleted.status(), Some("INACTIVE"));
    s.client
        .delete_capacity_provider()
        .capacity_provider("cp-on-cluster")
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn update_cluster_sets_configuration() {
    let s = start().await;
    create_cluster(&s.client, "upd").await;
    let c = s
        .client
        .update_cluster()
        .cluster("upd")
        .configuration(exec_config("/ecs/upd"))
        .send()
        .await
        .unwrap()
        .cluster
        .unwrap();
    let exec = c
        .configuration()
        .and_then(|c| c.execute_command_configuration())
        .unwrap();
    assert_eq!(exec.logging(), Some(&ExecuteCommandLogging::Override));
    let described = describe_one(&s.client, "upd", &[ClusterField::Configurations]).await;
    let group = described
        .configuration()
        .and_then(|c| c.execute_command_configuration())
        .and_then(|e| e.log_configuration())
        .and_then(|l| l.cloud_watch_log_group_name());
    assert_eq!(group, Some("/ecs/upd"));
    let code = err_code(
        s.client
            .update_cluster()
            .cluster("nope")
            .configuration(exec_config("/x"))
            .send()
            .await,
    );
    assert_eq!(code, "ClusterNotFoundException");
}

#[tokio::test]
async fn update_cluster_settings_enables_container_insights() {
    let s = start().await;
    create_cluster(&s.client, "insights").await;
    let setting = ClusterSetting::builder()
        .name(ClusterSettingName::ContainerInsights)
        .value("enabled")
        .build();
    let c = s
        .client
        .update_cluster_settings()
        .cluster("insights")
        .settings(setting.clone())
        .send()
        .await
        .unwrap()
        .cluster
        .unwrap();
    assert!(c.settings().contains(&setting), "{:?}", c.settings());
    let described = describe_one(&s.client, "insights", &[ClusterField::Settings]).await;
    assert!(
        described.settings().contains(&setting),
        "{:?}",
        described.settings()
    );
    let code = err_code(
        s.client
            .update_cluster_settings()
            .cluster("nope")
            .settings(setting)
            .send()
            .await,
    );
    assert_eq!(code, "ClusterNotFoundException");
}

#[tokio::test]
async fn put_cluster_capacity_providers_is_visible_in_describe() {
    let s = start().await;
    create_cluster(&s.client, "fg").await;
    let c = s
        .client
        .put_cluster_capacity_providers()
        .cluster("fg")
        .capacity_providers("FARGATE")
        .capacity_providers("FARGATE_SPOT")
        .default_capacity_provider_strategy(strategy("FARGATE", 1, 1))
        .default_capacity_provider_strategy(strategy("FARGATE_SPOT", 4, 0))
        .send()
        .await
        .unwrap()
        .cluster
        .unwrap();
    assert_eq!(c.capacity_providers(), ["FARGATE", "FARGATE_SPOT"]);
    let described = describe_one(&s.client, "fg", &[]).await;
    assert_eq!(described.capacity_providers(), ["FARGATE", "FARGATE_SPOT"]);
    let strat: Vec<_> = described
        .default_capacity_provider_strategy()
        .iter()
        .map(|i| (i.capacity_provider().to_string(), i.weight(), i.base()))
        .collect();
    assert_eq!(
        strat,
        vec![
            ("FARGATE".to_string(), 1, 1),
            ("FARGATE_SPOT".to_string(), 4, 0)
        ]
    );

    let code = err_code(
        s.client
            .put_cluster_capacity_providers()
            .cluster("nope")
            .capacity_providers("FARGATE")
            .set_default_capacity_provider_strategy(Some(vec![]))
            .send()
            .await,
    );
    assert_eq!(code, "ClusterNotFoundException");
}

#[tokio::test]
async fn describe_capacity_providers_lists_fargate_builtins() {
    let s = start().await;
    let out = s.client.describe_capacity_providers().send().await.unwrap();
    let found: BTreeSet<_> = out
        .capacity_providers()
        .iter()
        .map(|cp| {
            (
                cp.name().unwrap_or_default().to_string(),
                cp.capacity_provider_arn().unwrap_or_default().to_string(),
            )
        })
        .collect();
    for name in ["FARGATE", "FARGATE_SPOT"] {
        assert!(
            found.contains(&(name.to_string(), arn(&format!("capacity-provider/{name}")))),
            "{found:?}"
        );
    }
    assert!(out
        .capacity_providers()
        .iter()
        .all(|cp| cp.status() == Some(&CapacityProviderStatus::Active)));

    let one = s
        .client
        .describe_capacity_providers()
        .capacity_providers("FARGATE_SPOT")
        .send()
        .await
        .unwrap();
    assert_eq!(one.capacity_providers().len(), 1);
    assert_eq!(one.capacity_providers()[0].name(), Some("FARGATE_SPOT"));
}

#[tokio::test]
async fn custom_capacity_provider_lifecycle() {
    let s = start().await;
    let cp = create_provider(&s.client, "my-asg-cp").await;
    assert_eq!(cp.name(), Some("my-asg-cp"));
    assert_eq!(
        cp.capacity_provider_arn(),
        Some(arn("capacity-provider/my-asg-cp").as_str())
    );
    assert_eq!(cp.status(), Some(&CapacityProviderStatus::Active));
    let asg = cp.auto_scaling_group_provider().unwrap();
    assert_eq!(asg.auto_scaling_group_arn(), asg_arn("my-asg-cp"));
    assert_eq!(
        asg.managed_scaling().and_then(|m| m.target_capacity()),
        Some(80)
    );
    assert_eq!(
        asg.managed_termination_protection(),
        Some(&ManagedTerminationProtection::Disabled)
    );

    let described = s
        .client
        .describe_capacity_providers()
        .capacity_providers("my-asg-cp")
        .send()
        .await
        .unwrap();
    assert_eq!(described.capacity_providers().len(), 1);
    assert_eq!(
        described.capacity_providers()[0].capacity_provider_arn(),
        cp.capacity_provider_arn()
    );
    // By ARN too.
    let by_arn = s
        .client
        .describe_capacity_providers()
        .capacity_providers(arn("capacity-provider/my-asg-cp"))
        .send()
        .await
        .unwrap();
    assert_eq!(by_arn.capacity_providers().len(), 1);

    let update = AutoScalingGroupProviderUpdate::builder()
        .managed_scaling(
            ManagedScaling::builder()
                .status(ManagedScalingStatus::Enabled)
                .target_capacity(60)
                .build(),
        )
        .build();
    s.client
        .update_capacity_provider()
        .name("my-asg-cp")
        .auto_scaling_group_provider(update)
        .send()
        .await
        .unwrap();
    let described = s
        .client
        .describe_capacity_providers()
        .capacity_providers("my-asg-cp")
        .send()
        .await
        .unwrap();
    let target = described.capacity_providers()[0]
        .auto_scaling_group_provider()
        .and_then(|a| a.managed_scaling())
        .and_then(|m| m.target_capacity());
    assert_eq!(target, Some(60));

    let deleted = s
        .client
        .delete_capacity_provider()
        .capacity_provider("my-asg-cp")
        .send()
        .await
        .unwrap();
    assert_eq!(
        deleted.capacity_provider().and_then(|c| c.name()),
        Some("my-asg-cp")
    );
    let all = s.client.describe_capacity_providers().send().await.unwrap();
    assert!(
        !all.capacity_providers()
            .iter()
            .any(|c| c.name() == Some("my-asg-cp")),
        "a deleted provider is gone: {all:?}"
    );
}

#[tokio::test]
async fn capacity_provider_reserved_prefixes_and_duplicates_are_rejected() {
    let s = start().await;
    for name in ["awsProvider", "ecs-provider", "fargate-extra"] {
        let (code, msg) = err(s
            .client
            .create_capacity_provider()
            .name(name)
            .auto_scaling_group_provider(asg_provider(name, 100))
            .send()
            .await);
        assert!(
            code == "ClientException" || code == "InvalidParameterException",
            "{name}: {code}: {msg}"
        );
    }
    create_provider(&s.client, "dup-cp").await;
    // AWS: "ClientException: The specified capacity provider already exists. ..."
    let code = err_code(
        s.client
            .create_capacity_provider()
            .name("dup-cp")
            .auto_scaling_group_provider(asg_provider("dup-cp", 100))
            .send()
            .await,
    );
    assert_eq!(code, "ClientException");
}
