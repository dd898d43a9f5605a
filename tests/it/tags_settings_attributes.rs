//! Tagging (Tag/Untag/ListTagsForResource on clusters, task definitions and capacity providers),
//! account settings (Put/PutDefault/List/Delete) and custom attributes (Put/List/Delete).

use crate::common::{
    arn, create_cluster, err, err_code, pairs, register_simple, start, tag, tag_pairs,
};
use aws_sdk_ecs::types::{Attribute, AutoScalingGroupProvider, SettingName, Tag, TargetType};
use aws_sdk_ecs::Client;
use std::collections::BTreeMap;

const ROOT: &str = "arn:aws:iam::000000000000:root";

async fn tags_of(client: &Client, resource: &str) -> Vec<(String, String)> {
    let out = client
        .list_tags_for_resource()
        .resource_arn(resource)
        .send()
        .await
        .unwrap();
    tag_pairs(out.tags())
}

/// Tags, overwrites, untags and lists on one resource.
async fn exercise_tags(client: &Client, resource: &str) {
    client
        .tag_resource()
        .resource_arn(resource)
        .tags(tag("a", "1"))
        .tags(tag("b", "2"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        tags_of(client, resource).await,
        pairs(&[("a", "1"), ("b", "2")]),
        "{resource}"
    );
    client
        .tag_resource()
        .resource_arn(resource)
        .tags(tag("a", "changed"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        tags_of(client, resource).await,
        pairs(&[("a", "changed"), ("b", "2")]),
        "{resource}"
    );
    client
        .untag_resource()
        .resource_arn(resource)
        .tag_keys("b")
        .tag_keys("not-there")
        .send()
        .await
        .unwrap();
    assert_eq!(
        tags_of(client, resource).await,
        pairs(&[("a", "changed")]),
        "{resource}"
    );
}

async fn effective(client: &Client) -> BTreeMap<String, String> {
    let settings: Vec<_> = client
        .list_account_settings()
        .effective_settings(true)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .unwrap();
    settings
        .iter()
        .map(|s| {
            (
                s.name().map(|n| n.as_str().to_string()).unwrap_or_default(),
                s.value().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

fn attribute(name: &str, value: &str, target: &str) -> Attribute {
    Attribute::builder()
        .name(name)
        .value(value)
        .target_type(TargetType::ContainerInstance)
        .target_id(target)
        .build()
        .unwrap()
}

#[tokio::test]
async fn tags_on_a_cluster() {
    let s = start().await;
    let c = create_cluster(&s.client, "tagme").await;
    exercise_tags(&s.client, c.cluster_arn().unwrap()).await;
}

#[tokio::test]
async fn tags_on_a_task_definition() {
    let s = start().await;
    let td = register_simple(&s.client, "tagme-td").await;
    exercise_tags(&s.client, td.task_definition_arn().unwrap()).await;
}

#[tokio::test]
async fn tags_on_a_capacity_provider() {
    let s = start().await;
    let asg = AutoScalingGroupProvider::builder()
        .auto_scaling_group_arn("arn:aws:autoscaling:us-east-1:000000000000:autoScalingGroup:1:autoScalingGroupName/tagme")
        .build()
        .unwrap();
    let cp = s
        .client
        .create_capacity_provider()
        .name("tagme-cp")
        .auto_scaling_group_provider(asg)
        .send()
        .await
        .unwrap();
    exercise_tags(
        &s.client,
        cp.capacity_provider()
            .and_then(|c| c.capacity_provider_arn())
            .unwrap(),
    )
    .await;
}

#[tokio::test]
async fn tagging_a_missing_resource_fails() {
    let s = start().await;
    // AWS on a deleted (INACTIVE) cluster: "InvalidParameterException: The specified cluster is
    // inactive. Specify an active cluster and try again." (seen by terraform-provider-aws #35524).
    create_cluster(&s.client, "gone").await;
    s.client
        .delete_cluster()
        .cluster("gone")
        .send()
        .await
        .unwrap();
    let gone = arn("cluster/gone");
    assert_eq!(
        err_code(
            s.client
                .tag_resource()
                .resource_arn(&gone)
                .tags(tag("k", "v"))
                .send()
                .await
        ),
        "InvalidParameterException"
    );
    assert_eq!(
        err_code(
            s.client
                .list_tags_for_resource()
                .resource_arn(&gone)
                .send()
                .await
        ),
        "InvalidParameterException"
    );

    // Never existed: one of the errors the model lists for these operations.
    let (code, msg) = err(s
        .client
        .tag_resource()
        .resource_arn(arn("cluster/never"))
        .tags(tag("k", "v"))
        .send()
        .await);
    assert!(
        [
            "ResourceNotFoundException",
            "ClusterNotFoundException",
            "InvalidParameterException"
        ]
        .contains(&code.as_str()),
        "{code}: {msg}"
    );
    let (code, msg) = err(s
        .client
        .untag_resource()
        .resource_arn(arn("task-definition/never:1"))
        .tag_keys("k")
        .send()
        .await);
    assert!(
        [
            "ResourceNotFoundException",
            "ClientException",
            "InvalidParameterException"
        ]
        .contains(&code.as_str()),
        "{code}: {msg}"
    );
}

#[tokio::test]
async fn tag_limits_and_reserved_prefix() {
    let s = start().await;
    let c = create_cluster(&s.client, "limits").await;
    let resource = c.cluster_arn().unwrap();
    let many: Vec<Tag> = (0..51).map(|i| tag(&format!("k{i}"), "v")).collect();
    let (code, msg) = err(s
        .client
        .tag_resource()
        .resource_arn(resource)
        .set_tags(Some(many))
        .send()
        .await);
    assert_eq!(code, "InvalidParameterException", "{msg}");
    let (code, msg) = err(s
        .client
        .tag_resource()
        .resource_arn(resource)
        .tags(tag("aws:reserved", "x"))
        .send()
        .await);
    assert_eq!(code, "InvalidParameterException", "{msg}");
    assert!(
        tags_of(&s.client, resource).await.is_empty(),
        "nothing was applied"
    );
    // Exactly 50 is fine.
    let fifty: Vec<Tag> = (0..50).map(|i| tag(&format!("k{i}"), "v")).collect();
    s.client
        .tag_resource()
        .resource_arn(resource)
        .set_tags(Some(fifty))
        .send()
        .await
        .unwrap();
    assert_eq!(tags_of(&s.client, resource).await.len(), 50);
}

#[tokio::test]
async fn account_setting_defaults() {
    let s = start().await;
    let eff = effective(&s.client).await;
    for (name, value) in [
        ("serviceLongArnFormat", "enabled"),
        ("taskLongArnFormat", "enabled"),
        ("containerInstanceLongArnFormat", "enabled"),
        ("awsvpcTrunking", "disabled"),
        ("containerInsights", "disabled"),
    ] {
        assert_eq!(
            eff.get(name).map(String::as_str),
            Some(value),
            "{name} in {eff:?}"
        );
    }
    // Without effectiveSettings nothing explicit exists yet.
    let explicit = s.client.list_account_settings().send().await.unwrap();
    assert!(explicit.settings().is_empty(), "{explicit:?}");
}

#[tokio::test]
async fn put_list_and_delete_account_setting() {
    let s = start().await;
    let put = s
        .client
        .put_account_setting()
        .name(SettingName::ContainerInsights)
        .value("enabled")
        .send()
        .await
        .unwrap();
    let setting = put.setting().unwrap();
    assert_eq!(setting.name(), Some(&SettingName::ContainerInsights));
    assert_eq!(setting.value(), Some("enabled"));
    assert_eq!(setting.principal_arn(), Some(ROOT));

    let listed = s
        .client
        .list_account_settings()
        .name(SettingName::ContainerInsights)
        .send()
        .await
        .unwrap();
    assert_eq!(listed.settings().len(), 1);
    assert_eq!(listed.settings()[0].value(), Some("enabled"));
    assert_eq!(
        effective(&s.client)
            .await
            .get("containerInsights")
            .map(String::as_str),
        Some("enabled")
    );

    let deleted = s
        .client
        .delete_account_setting()
        .name(SettingName::ContainerInsights)
        .send()
        .await
        .unwrap();
    assert_eq!(
        deleted.setting().and_then(|s| s.name()),
        Some(&SettingName::ContainerInsights)
    );
    assert_eq!(
        effective(&s.client)
            .await
            .get("containerInsights")
            .map(String::as_str),
        Some("disabled")
    );

    let code = err_code(
        s.client
            .put_account_setting()
            .name(SettingName::ContainerInsights)
            .value("sometimes")
            .send()
            .await,
    );
    assert_eq!(code, "InvalidParameterException");
}

#[tokio::test]
async fn put_account_setting_default_changes_effective_value() {
    let s = start().await;
    let out = s
        .client
        .put_account_setting_default()
        .name(SettingName::AwsvpcTrunking)
        .value("enabled")
        .send()
        .await
        .unwrap();
    assert_eq!(out.setting().and_then(|s| s.value()), Some("enabled"));
    assert_eq!(out.setting().and_then(|s| s.principal_arn()), Some(ROOT));
    assert_eq!(
        effective(&s.client)
            .await
            .get("awsvpcTrunking")
            .map(String::as_str),
        Some("enabled")
    );
    let filtered = s
        .client
        .list_account_settings()
        .name(SettingName::AwsvpcTrunking)
        .effective_settings(true)
        .send()
        .await
        .unwrap();
    assert_eq!(filtered.settings().len(), 1);
    assert_eq!(filtered.settings()[0].value(), Some("enabled"));
}

#[tokio::test]
async fn list_account_settings_pages_without_losing_entries() {
    let s = start().await;
    let all = effective(&s.client).await;
    assert!(all.len() > 2, "{all:?}");
    let pages: Vec<_> = s
        .client
        .list_account_settings()
        .effective_settings(true)
        .max_results(2)
        .into_paginator()
        .send()
        .try_collect()
        .await
        .unwrap();
    assert!(pages.len() > 1);
    assert!(pages.iter().all(|p| p.settings().len() <= 2));
    let paged: Vec<_> = pages
        .iter()
        .flat_map(|p| {
            p.settings()
                .iter()
                .filter_map(|s| s.name().map(|n| n.as_str().to_string()))
        })
        .collect();
    assert_eq!(paged.len(), all.len(), "no duplicates: {paged:?}");
    assert!(paged.iter().all(|n| all.contains_key(n)));
}

#[tokio::test]
async fn attributes_need_an_existing_cluster_and_target() {
    let s = start().await;
    create_cluster(&s.client, "attrs").await;
    let ci = arn("container-instance/attrs/0123456789abcdef0123456789abcdef");

    let code = err_code(
        s.client
            .put_attributes()
            .cluster("attrs")
            .attributes(attribute("stack", "prod", &ci))
            .send()
            .await,
    );
    assert_eq!(code, "TargetNotFoundException");
    let code = err_code(
        s.client
            .delete_attributes()
            .cluster("attrs")
            .attributes(attribute("stack", "prod", &ci))
            .send()
            .await,
    );
    assert_eq!(code, "TargetNotFoundException");
    let code = err_code(
        s.client
            .put_attributes()
            .cluster("no-such-cluster")
            .attributes(attribute("stack", "prod", &ci))
            .send()
            .await,
    );
    assert_eq!(code, "ClusterNotFoundException");

    let listed = s
        .client
        .list_attributes()
        .cluster("attrs")
        .target_type(TargetType::ContainerInstance)
        .send()
        .await
        .unwrap();
    assert!(listed.attributes().is_empty(), "{listed:?}");
    let code = err_code(
        s.client
            .list_attributes()
            .cluster("no-such-cluster")
            .target_type(TargetType::ContainerInstance)
            .send()
            .await,
    );
    assert_eq!(code, "ClusterNotFoundException");
    let filtered = s
        .client
        .list_attributes()
        .cluster("attrs")
        .target_type(TargetType::ContainerInstance)
        .attribute_name("stack")
        .attribute_value("prod")
        .send()
        .await
        .unwrap();
    assert!(filtered.attributes().is_empty());
}

/// (name, value, targetId) of every listed attribute named `name`.
async fn listed(
    client: &Client,
    cluster: &str,
    name: Option<&str>,
    value: Option<&str>,
) -> Vec<(String, String, String)> {
    let attrs: Vec<Attribute> = client
        .list_attributes()
        .cluster(cluster)
        .target_type(TargetType::ContainerInstance)
        .set_attribute_name(name.map(String::from))
        .set_attribute_value(value.map(String::from))
        .max_results(1)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .unwrap();
    let mut out: Vec<_> = attrs
        .iter()
        .map(|a| {
            (
                a.name().to_string(),
                a.value().unwrap_or_default().to_string(),
                a.target_id().unwrap_or_default().to_string(),
            )
        })
        .collect();
    out.sort();
    out
}

#[tokio::test]
async fn attributes_on_a_registered_container_instance() {
    let s = start().await;
    create_cluster(&s.client, "attrs-ok").await;
    let ci = s
        .client
        .register_container_instance()
        .cluster("attrs-ok")
        .send()
        .await
        .unwrap();
    let ci_arn = ci
        .container_instance()
        .and_then(|c| c.container_instance_arn())
        .unwrap()
        .to_string();
    let short_id = ci_arn.rsplit('/').next().unwrap().to_string();

    // targetId as a full ARN, and as a short id with targetType.
    let put = s
        .client
        .put_attributes()
        .cluster("attrs-ok")
        .attributes(
            Attribute::builder()
                .name("stack")
                .value("prod")
                .target_id(&ci_arn)
                .build()
                .unwrap(),
        )
        .attributes(attribute("tier", "web", &short_id))
        .send()
        .await
        .unwrap();
    assert_eq!(put.attributes().len(), 2);

    let stack = (String::from("stack"), String::from("prod"), ci_arn.clone());
    let tier = (String::from("tier"), String::from("web"), ci_arn.clone());
    let all = listed(&s.client, "attrs-ok", None, None).await;
    assert!(all.contains(&stack) && all.contains(&tier), "{all:?}");
    assert_eq!(
        listed(&s.client, "attrs-ok", Some("stack"), None).await,
        vec![stack.clone()]
    );
    assert_eq!(
        listed(&s.client, "attrs-ok", Some("stack"), Some("prod")).await,
        vec![stack.clone()]
    );
    assert!(listed(&s.client, "attrs-ok", Some("stack"), Some("dev"))
        .await
        .is_empty());

    s.client
        .delete_attributes()
        .cluster("attrs-ok")
        .attributes(
            Attribute::builder()
                .name("stack")
                .target_id(&ci_arn)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    assert!(listed(&s.client, "attrs-ok", Some("stack"), None)
        .await
        .is_empty());
    assert_eq!(
        listed(&s.client, "attrs-ok", Some("tier"), None).await,
        vec![tier]
    );
}
