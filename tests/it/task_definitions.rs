//! Task definitions: Register (echo, defaults, AWS validation rules), Describe, ListTaskDefinitions,
//! ListTaskDefinitionFamilies, Deregister and DeleteTaskDefinitions.

use crate::common::{
    arn, bare_container, container, err, err_code, pairs, port, register_simple, start, tag,
    tag_pairs,
};
use aws_sdk_ecs::operation::register_task_definition::builders::RegisterTaskDefinitionFluentBuilder;
use aws_sdk_ecs::types::{
    Compatibility, ContainerCondition, ContainerDefinition, ContainerDependency, NetworkMode,
    PortMapping, SortOrder, TaskDefinitionFamilyStatus, TaskDefinitionField, TaskDefinitionStatus,
    TransportProtocol,
};
use aws_sdk_ecs::Client;

fn td_arn(family: &str, revision: i32) -> String {
    arn(&format!("task-definition/{family}:{revision}"))
}

/// A Fargate-compatible registration: awsvpc, 256 CPU units, 512 MiB.
fn fargate(client: &Client, family: &str) -> RegisterTaskDefinitionFluentBuilder {
    client
        .register_task_definition()
        .family(family)
        .requires_compatibilities(Compatibility::Fargate)
        .network_mode(NetworkMode::Awsvpc)
        .cpu("256")
        .memory("512")
}

async fn deregister(client: &Client, td: &str) {
    client
        .deregister_task_definition()
        .task_definition(td)
        .send()
        .await
        .unwrap();
}

async fn list_arns(
    client: &Client,
    build: impl Fn(Client) -> aws_sdk_ecs::operation::list_task_definitions::builders::ListTaskDefinitionsFluentBuilder,
) -> Vec<String> {
    build(client.clone())
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .unwrap()
}

async fn families(
    client: &Client,
    prefix: &str,
    status: Option<TaskDefinitionFamilyStatus>,
) -> Vec<String> {
    client
        .list_task_definition_families()
        .set_family_prefix(Some(prefix.to_string()).filter(|p| !p.is_empty()))
        .set_status(status)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .unwrap()
}

#[tokio::test]
async fn register_echoes_the_definition_with_aws_defaults() {
    let s = start().await;
    let td = s
        .client
        .register_task_definition()
        .family("echo")
        .container_definitions(
            ContainerDefinition::builder()
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
        .unwrap();
    assert_eq!(td.family(), Some("echo"));
    assert_eq!(td.revision(), 1);
    assert_eq!(td.task_definition_arn(), Some(td_arn("echo", 1).as_str()));
    assert_eq!(td.status(), Some(&TaskDefinitionStatus::Active));
    assert!(td.registered_at().is_some());
    assert!(td.deregistered_at().is_none());
    assert!(
        td.compatibilities().contains(&Compatibility::Ec2),
        "{:?}",
        td.compatibilities()
    );
    assert!(
        !td.compatibilities().contains(&Compatibility::Fargate),
        "bridge without task cpu/memory: {:?}",
        td.compatibilities()
    );
    assert_eq!(
        td.volumes,
        Some(vec![]),
        "volumes is echoed as an empty list"
    );
    assert_eq!(
        td.placement_constraints,
        Some(vec![]),
        "placementConstraints is echoed as an empty list"
    );
    let c = &td.container_definitions()[0];
    assert_eq!(c.name(), Some("web"));
    assert_eq!(c.image(), Some("busybox"));
    assert_eq!(c.memory(), Some(128));
    assert_eq!(c.essential(), Some(true), "essential defaults to true");
    assert_eq!(c.port_mappings()[0].container_port(), Some(80));
    assert_eq!(
        c.port_mappings()[0].protocol(),
        Some(&TransportProtocol::Tcp)
    );

    let second = register_simple(&s.client, "echo").await;
    assert_eq!(second.revision(), 2);
    assert_eq!(
        second.task_definition_arn(),
        Some(td_arn("echo", 2).as_str())
    );
}

#[tokio::test]
async fn register_fargate_fills_compatibilities_attributes_and_host_ports() {
    let s = start().await;
    let td = fargate(&s.client, "fg-echo")
        .container_definitions(
            ContainerDefinition::builder()
                .name("app")
                .image("nginx")
                .port_mappings(port(8080))
                .build(),
        )
        .send()
        .await
        .unwrap()
        .task_definition
        .unwrap();
    assert!(
        td.compatibilities().contains(&Compatibility::Ec2),
        "{:?}",
        td.compatibilities()
    );
    assert!(
        td.compatibilities().contains(&Compatibility::Fargate),
        "{:?}",
        td.compatibilities()
    );
    assert_eq!(td.requires_compatibilities(), [Compatibility::Fargate]);
    assert_eq!(td.network_mode(), Some(&NetworkMode::Awsvpc));
    assert_eq!(td.cpu(), Some("256"));
    assert_eq!(td.memory(), Some("512"));
    let attrs: Vec<_> = td.requires_attributes().iter().map(|a| a.name()).collect();
    assert!(
        attrs.contains(&"ecs.capability.task-eni"),
        "awsvpc requires task-eni: {attrs:?}"
    );
    let pm = &td.container_definitions()[0].port_mappings()[0];
    assert_eq!(pm.container_port(), Some(8080));
    assert_eq!(
        pm.host_port(),
        Some(8080),
        "awsvpc: hostPort = containerPort"
    );
    assert_eq!(pm.protocol(), Some(&TransportProtocol::Tcp));
    assert_eq!(td.container_definitions()[0].essential(), Some(true));
}

#[tokio::test]
async fn register_records_required_attributes_for_memory_reservation_and_task_role() {
    let s = start().await;
    let td = s
        .client
        .register_task_definition()
        .family("attrs")
        .task_role_arn("arn:aws:iam::000000000000:role/app")
        .container_definitions(
            ContainerDefinition::builder()
                .name("web")
                .image("busybox")
                .memory_reservation(64)
                .build(),
        )
        .send()
        .await
        .unwrap()
        .task_definition
        .unwrap();
    let attrs: Vec<_> = td.requires_attributes().iter().map(|a| a.name()).collect();
    assert!(
        attrs.contains(&"com.amazonaws.ecs.capability.docker-remote-api.1.21"),
        "memoryReservation: {attrs:?}"
    );
    assert!(
        attrs.contains(&"com.amazonaws.ecs.capability.task-iam-role"),
        "taskRoleArn: {attrs:?}"
    );
}

#[tokio::test]
async fn register_rejects_what_aws_rejects() {
    let s = start().await;
    let c = &s.client;
    let web = || container("web", "busybox");
    let mut cases: Vec<(&str, RegisterTaskDefinitionFluentBuilder)> = vec![
        (
            "family with invalid characters",
            c.register_task_definition()
                .family("bad family!")
                .container_definitions(web()),
        ),
        (
            "family longer than 255",
            c.register_task_definition()
                .family("f".repeat(256))
                .container_definitions(web()),
        ),
        (
            "duplicate container names",
            c.register_task_definition()
                .family("dups")
                .container_definitions(web())
                .container_definitions(web()),
        ),
        (
            "no essential container",
            c.register_task_definition()
                .family("noessential")
                .container_definitions(
                    ContainerDefinition::builder()
                        .name("a")
                        .image("busybox")
                        .memory(64)
                        .essential(false)
                        .build(),
                ),
        ),
        (
            "EC2 container without memory",
            c.register_task_definition()
                .family("nomem")
                .container_definitions(bare_container("web", "busybox")),
        ),
        (
            "Fargate 256 CPU with 4096 MiB",
            fargate(c, "badcombo")
                .memory("4096")
                .container_definitions(bare_container("web", "busybox")),
        ),
        (
            "FARGATE without awsvpc",
            fargate(c, "fgbridge")
                .network_mode(NetworkMode::Bridge)
                .container_definitions(bare_container("web", "busybox")),
        ),
        (
            "awsvpc hostPort != containerPort",
            fargate(c, "ports").container_definitions(
                ContainerDefinition::builder()
                    .name("web")
                    .image("busybox")
                    .port_mappings(
                        PortMapping::builder()
                            .container_port(80)
                            .host_port(81)
                            .build(),
                    )
                    .build(),
            ),
        ),
        (
            "dependsOn an unknown container",
            c.register_task_definition()
                .family("deps")
                .container_definitions(
                    ContainerDefinition::builder()
                        .name("web")
                        .image("busybox")
                        .memory(64)
                        .depends_on(
                            ContainerDependency::builder()
                                .container_name("ghost")
                                .condition(ContainerCondition::Start)
                                .build()
                                .unwrap(),
                        )
                        .build(),
                ),
        ),
    ];
    for (what, req) in cases.drain(..) {
        let (code, msg) = err(req.send().await);
        assert_eq!(code, "ClientException", "{what}: {msg}");
        assert!(!msg.is_empty(), "{what}: a message says why");
    }
    // None of the rejected families was registered.
    let fams = families(c, "", Some(TaskDefinitionFamilyStatus::All)).await;
    assert!(fams.is_empty(), "{fams:?}");
}

#[tokio::test]
async fn register_accepts_task_memory_without_container_memory() {
    let s = start().await;
    let td = s
        .client
        .register_task_definition()
        .family("taskmem")
        .memory("512")
        .container_definitions(bare_container("web", "busybox"))
        .send()
        .await
        .unwrap()
        .task_definition
        .unwrap();
    assert_eq!(td.memory(), Some("512"));
    assert_eq!(td.revision(), 1);
}

#[tokio::test]
async fn describe_by_family_revision_and_arn() {
    let s = start().await;
    for _ in 0..3 {
        register_simple(&s.client, "desc").await;
    }
    deregister(&s.client, "desc:3").await;
    let latest = s
        .client
        .describe_task_definition()
        .task_definition("desc")
        .send()
        .await
        .unwrap();
    assert_eq!(
        latest.task_definition().map(|t| t.revision()),
        Some(2),
        "family alone = latest ACTIVE revision"
    );
    let by_rev = s
        .client
        .describe_task_definition()
        .task_definition("desc:1")
        .send()
        .await
        .unwrap();
    assert_eq!(
        by_rev
            .task_definition()
            .and_then(|t| t.task_definition_arn()),
        Some(td_arn("desc", 1).as_str())
    );
    let by_arn = s
        .client
        .describe_task_definition()
        .task_definition(td_arn("desc", 3))
        .send()
        .await
        .unwrap();
    let inactive = by_arn.task_definition().unwrap();
    assert_eq!(inactive.revision(), 3);
    assert_eq!(inactive.status(), Some(&TaskDefinitionStatus::Inactive));

    for unknown in ["nope", "desc:99"] {
        assert_eq!(
            err_code(
                s.client
                    .describe_task_definition()
                    .task_definition(unknown)
                    .send()
                    .await
            ),
            "ClientException",
            "{unknown}"
        );
    }
}

#[tokio::test]
async fn describe_includes_tags_only_on_request() {
    let s = start().await;
    s.client
        .register_task_definition()
        .family("tagged-td")
        .container_definitions(container("web", "busybox"))
        .tags(tag("owner", "me"))
        .send()
        .await
        .unwrap();
    let plain = s
        .client
        .describe_task_definition()
        .task_definition("tagged-td")
        .send()
        .await
        .unwrap();
    assert!(plain.tags().is_empty(), "{:?}", plain.tags());
    let with = s
        .client
        .describe_task_definition()
        .task_definition("tagged-td")
        .include(TaskDefinitionField::Tags)
        .send()
        .await
        .unwrap();
    assert_eq!(tag_pairs(with.tags()), pairs(&[("owner", "me")]));
}

#[tokio::test]
async fn list_task_definitions_filters_sorts_and_pages() {
    let s = start().await;
    for family in [
        "lst-app",
        "lst-app",
        "lst-app",
        "lst-app-worker",
        "lst-zeta",
    ] {
        register_simple(&s.client, family).await;
    }
    deregister(&s.client, "lst-app:2").await;

    let all = list_arns(&s.client, |c| c.list_task_definitions()).await;
    assert_eq!(
        all,
        vec![
            td_arn("lst-app", 1),
            td_arn("lst-app", 3),
            td_arn("lst-app-worker", 1),
            td_arn("lst-zeta", 1)
        ]
    );

    // familyPrefix is the full family name: "lst-app" does not match "lst-app-worker".
    let app = list_arns(&s.client, |c| {
        c.list_task_definitions().family_prefix("lst-app")
    })
    .await;
    assert_eq!(app, vec![td_arn("lst-app", 1), td_arn("lst-app", 3)]);

    let inactive = list_arns(&s.client, |c| {
        c.list_task_definitions()
            .status(TaskDefinitionStatus::Inactive)
    })
    .await;
    assert_eq!(inactive, vec![td_arn("lst-app", 2)]);

    let desc = list_arns(&s.client, |c| {
        c.list_task_definitions().sort(SortOrder::Desc)
    })
    .await;
    let mut reversed = all.clone();
    reversed.reverse();
    assert_eq!(desc, reversed);

    let pages: Vec<_> = s
        .client
        .list_task_definitions()
        .max_results(3)
        .into_paginator()
        .send()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(
        pages
            .iter()
            .map(|p| p.task_definition_arns().len())
            .collect::<Vec<_>>(),
        vec![3, 1]
    );
    assert_eq!(
        pages
            .iter()
            .flat_map(|p| p.task_definition_arns().to_vec())
            .collect::<Vec<_>>(),
        all
    );
}

#[tokio::test]
async fn list_task_definition_families_by_status_and_prefix() {
    let s = start().await;
    register_simple(&s.client, "fam-active").await;
    register_simple(&s.client, "fam-gone").await;
    register_simple(&s.client, "other").await;
    deregister(&s.client, "fam-gone:1").await;

    assert_eq!(
        families(&s.client, "fam-", None).await,
        vec!["fam-active", "fam-gone"],
        "default lists ACTIVE and INACTIVE families"
    );
    assert_eq!(
        families(&s.client, "fam-", Some(TaskDefinitionFamilyStatus::All)).await,
        vec!["fam-active", "fam-gone"]
    );
    assert_eq!(
        families(&s.client, "fam-", Some(TaskDefinitionFamilyStatus::Active)).await,
        vec!["fam-active"]
    );
    assert_eq!(
        families(
            &s.client,
            "fam-",
            Some(TaskDefinitionFamilyStatus::Inactive)
        )
        .await,
        vec!["fam-gone"]
    );
    assert_eq!(
        families(&s.client, "", Some(TaskDefinitionFamilyStatus::Active)).await,
        vec!["fam-active", "other"]
    );
}

#[tokio::test]
async fn deregister_marks_inactive_with_timestamp() {
    let s = start().await;
    register_simple(&s.client, "dereg").await;
    let td = s
        .client
        .deregister_task_definition()
        .task_definition("dereg:1")
        .send()
        .await
        .unwrap()
        .task_definition
        .unwrap();
    assert_eq!(td.status(), Some(&TaskDefinitionStatus::Inactive));
    assert!(td.deregistered_at().is_some());
    assert_eq!(td.task_definition_arn(), Some(td_arn("dereg", 1).as_str()));
    // The revision counter keeps going.
    assert_eq!(register_simple(&s.client, "dereg").await.revision(), 2);
}

#[tokio::test]
async fn delete_task_definitions_only_deletes_inactive_revisions() {
    let s = start().await;
    register_simple(&s.client, "del").await;
    register_simple(&s.client, "del").await;
    deregister(&s.client, "del:1").await;
    let out = s
        .client
        .delete_task_definitions()
        .task_definitions("del:1")
        .task_definitions(td_arn("del", 2))
        .send()
        .await
        .unwrap();
    assert_eq!(out.task_definitions().len(), 1, "{out:?}");
    let deleted = &out.task_definitions()[0];
    assert_eq!(
        deleted.task_definition_arn(),
        Some(td_arn("del", 1).as_str())
    );
    assert_eq!(
        deleted.status(),
        Some(&TaskDefinitionStatus::DeleteInProgress)
    );
    assert_eq!(out.failures().len(), 1, "{out:?}");
    assert_eq!(out.failures()[0].arn(), Some(td_arn("del", 2).as_str()));
    assert!(out.failures()[0].reason().is_some_and(|r| !r.is_empty()));
    // The ACTIVE revision is untouched.
    let still = s
        .client
        .describe_task_definition()
        .task_definition("del:2")
        .send()
        .await
        .unwrap();
    assert_eq!(
        still.task_definition().and_then(|t| t.status()),
        Some(&TaskDefinitionStatus::Active)
    );
}
