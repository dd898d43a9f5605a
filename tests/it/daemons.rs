//! Managed daemons through the SDK on the simulated runtime: daemon task definitions
//! (Register/Describe/List/Delete and their validation), daemons over capacity providers (one
//! task per ACTIVE instance of the providers, new instances, DRAINING and deregistered ones),
//! updates (a new deployment and revision, tasks replaced), deletion, a failing revision rolled
//! back by the circuit breaker, and the errors.
//!
//! Expectations follow the ECS API reference and the developer guide's Managed Daemons pages.
//! Instances join a capacity provider through the `local-ecs.auto-scaling-group` attribute
//! naming the provider's Auto Scaling group (local-ecs's convention). The clock runs 20x, so
//! the settle time and the controller's sweeps pass quickly; polling is bounded by [`POLL_MAX`].

mod draining;
mod errors;
mod rollout;
mod scheduling;

use crate::common::{arn, create_cluster, env, err_code, start_with, tag, Server};
use aws_sdk_ecs::types::{
    Attribute, AutoScalingGroupProvider, DaemonContainerDefinition, DaemonDeploymentStatus,
    DaemonPropagateTags, DaemonStatus, DaemonTaskDefinitionRevisionFilter,
    DaemonTaskDefinitionStatus, DaemonTaskDefinitionStatusFilter, DesiredStatus, Resource,
    SortOrder, Task,
};
use aws_sdk_ecs::Client;
use std::time::{Duration, Instant};

const CLUSTER: &str = "dmn";
const POLL_MAX: Duration = Duration::from_secs(30);
const GROUP_ATTRIBUTE: &str = "local-ecs.auto-scaling-group";

// ---------------------------------------------------------------------------------------------
// Builders
// ---------------------------------------------------------------------------------------------

fn asg_arn(group: &str) -> String {
    format!("arn:aws:autoscaling:us-east-1:000000000000:autoScalingGroup:5b7a7d39-8d2c-4d1e-9b59-000000000000:autoScalingGroupName/{group}")
}

/// A server (clock 20x) with the cluster and two Auto Scaling group providers on it: `cp-a`
/// (group `asg-a`) and `cp-b` (group `asg-b`).
async fn setup() -> Server {
    let config = local_ecs::Config {
        time_scale: 20.0,
        ..Default::default()
    };
    let s = start_with(config).await;
    create_cluster(&s.client, CLUSTER).await;
    for (cp, group) in [("cp-a", "asg-a"), ("cp-b", "asg-b")] {
        let provider = AutoScalingGroupProvider::builder()
            .auto_scaling_group_arn(asg_arn(group))
            .build()
            .unwrap();
        s.client
            .create_capacity_provider()
            .name(cp)
            .auto_scaling_group_provider(provider)
            .send()
            .await
            .unwrap();
    }
    s.client
        .put_cluster_capacity_providers()
        .cluster(CLUSTER)
        .capacity_providers("cp-a")
        .capacity_providers("cp-b")
        .set_default_capacity_provider_strategy(Some(vec![]))
        .send()
        .await
        .unwrap();
    s
}

/// Registers a container instance (4 vCPU, 4 GiB) of Auto Scaling group `group`; its ARN.
async fn register_instance(c: &Client, group: Option<&str>) -> String {
    let int = |name: &str| {
        Resource::builder()
            .name(name)
            .r#type("INTEGER")
            .integer_value(4096)
            .build()
    };
    let mut req = c
        .register_container_instance()
        .cluster(CLUSTER)
        .total_resources(int("CPU"))
        .total_resources(int("MEMORY"));
    if let Some(group) = group {
        let attribute = Attribute::builder()
            .name(GROUP_ATTRIBUTE)
            .value(group)
            .build()
            .unwrap();
        req = req.attributes(attribute);
    }
    let ci = req.send().await.unwrap().container_instance.unwrap();
    ci.container_instance_arn.unwrap()
}

/// A daemon container that runs until stopped, with simulated-runtime knobs.
fn agent(knobs: &[(&str, &str)]) -> DaemonContainerDefinition {
    DaemonContainerDefinition::builder()
        .name("agent")
        .image("busybox")
        .memory(64)
        .set_environment(Some(knobs.iter().map(|(k, v)| env(k, v)).collect()))
        .build()
        .unwrap()
}

async fn register_dtd(c: &Client, family: &str, container: DaemonContainerDefinition) -> String {
    c.register_daemon_task_definition()
        .family(family)
        .container_definitions(container)
        .send()
        .await
        .unwrap()
        .daemon_task_definition_arn
        .unwrap()
}

/// CreateDaemon `name` over the given providers; (daemon ARN, deployment ARN).
async fn create_daemon(c: &Client, name: &str, td: &str, providers: &[&str]) -> (String, String) {
    let out = c
        .create_daemon()
        .daemon_name(name)
        .cluster_arn(arn(&format!("cluster/{CLUSTER}")))
        .daemon_task_definition_arn(td)
        .set_capacity_provider_arns(Some(
            providers
                .iter()
                .map(|p| arn(&format!("capacity-provider/{p}")))
                .collect(),
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), Some(&DaemonStatus::Active));
    (out.daemon_arn.unwrap(), out.deployment_arn.unwrap())
}

// ---------------------------------------------------------------------------------------------
// Observers
// ---------------------------------------------------------------------------------------------

/// Polls `f` every 50 ms until it returns `Some`; panics with `what` after [`POLL_MAX`].
async fn poll<T, F: std::future::Future<Output = Option<T>>>(
    what: &str,
    mut f: impl FnMut() -> F,
) -> T {
    let deadline = Instant::now() + POLL_MAX;
    while Instant::now() < deadline {
        if let Some(v) = f().await {
            return v;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out waiting for {what}");
}

/// The daemon's tasks with `desired` status (ListTasks' daemonName filter).
async fn daemon_tasks(c: &Client, name: &str, desired: DesiredStatus) -> Vec<Task> {
    let arns = c
        .list_tasks()
        .cluster(CLUSTER)
        .daemon_name(name)
        .desired_status(desired)
        .send()
        .await
        .unwrap()
        .task_arns
        .unwrap_or_default();
    if arns.is_empty() {
        return Vec::new();
    }
    let out = c
        .describe_tasks()
        .cluster(CLUSTER)
        .set_tasks(Some(arns))
        .send()
        .await
        .unwrap();
    out.tasks.unwrap_or_default()
}

/// Waits until the daemon runs exactly one RUNNING task on each of `instances` and nowhere
/// else; returns the tasks.
async fn wait_placed(c: &Client, name: &str, instances: &[&str]) -> Vec<Task> {
    let mut want: Vec<String> = instances.iter().map(|s| s.to_string()).collect();
    want.sort();
    poll(&format!("{name} on {want:?}"), || {
        let want = want.clone();
        async move {
            let tasks = daemon_tasks(c, name, DesiredStatus::Running).await;
            let mut on: Vec<String> = tasks
                .iter()
                .filter(|t| t.last_status() == Some("RUNNING"))
                .filter_map(|t| t.container_instance_arn.clone())
                .collect();
            on.sort();
            (on == want && tasks.len() == want.len()).then_some(tasks)
        }
    })
    .await
}

async fn deployment_status(c: &Client, arn: &str) -> Option<DaemonDeploymentStatus> {
    let out = c
        .describe_daemon_deployments()
        .daemon_deployment_arns(arn)
        .send()
        .await
        .ok()?;
    out.daemon_deployments()
        .first()
        .and_then(|d| d.status().cloned())
}

async fn wait_deployment(c: &Client, arn: &str, want: DaemonDeploymentStatus) {
    poll(&format!("deployment {want:?}"), || async {
        (deployment_status(c, arn).await == Some(want.clone())).then_some(())
    })
    .await
}

// ---------------------------------------------------------------------------------------------
// Daemon task definitions
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn daemon_task_definitions_register_describe_list_and_delete() {
    let s = setup().await;
    let c = &s.client;
    let first = register_dtd(c, "agent", agent(&[])).await;
    assert_eq!(first, arn("daemon-task-definition/agent:1"));
    let out = c
        .register_daemon_task_definition()
        .family("agent")
        .cpu("0.25 vCPU")
        .memory("256")
        .container_definitions(agent(&[]))
        .tags(tag("team", "platform"))
        .send()
        .await
        .unwrap();
    let second = out.daemon_task_definition_arn.unwrap();
    assert_eq!(second, arn("daemon-task-definition/agent:2"));
    register_dtd(c, "logs", agent(&[])).await;
    let listed = c
        .list_tags_for_resource()
        .resource_arn(&second)
        .send()
        .await
        .unwrap();
    assert_eq!(listed.tags()[0].key(), Some("team"));

    // The family alone means its latest ACTIVE revision; defaults are echoed.
    let d = c
        .describe_daemon_task_definition()
        .daemon_task_definition("agent")
        .send()
        .await
        .unwrap()
        .daemon_task_definition
        .unwrap();
    assert_eq!(d.daemon_task_definition_arn(), Some(second.as_str()));
    assert_eq!((d.family(), d.revision()), (Some("agent"), 2));
    assert_eq!(d.cpu(), Some("256"));
    assert_eq!(d.status(), Some(&DaemonTaskDefinitionStatus::Active));
    assert!(d.registered_at().is_some() && d.registered_by().is_some());
    let container = &d.container_definitions()[0];
    assert_eq!(container.essential(), Some(true));
    for ident in ["agent:1", first.as_str()] {
        let d = c
            .describe_daemon_task_definition()
            .daemon_task_definition(ident)
            .send()
            .await
            .unwrap()
            .daemon_task_definition
            .unwrap();
        assert_eq!(d.revision(), 1, "{ident}");
    }

    let list = |family: Option<&str>| {
        c.list_daemon_task_definitions()
            .set_family(family.map(String::from))
    };
    let all = list(None).send().await.unwrap();
    let arns: Vec<&str> = all
        .daemon_task_definitions()
        .iter()
        .filter_map(|s| s.arn())
        .collect();
    assert_eq!(arns.len(), 3);
    let last = list(None)
        .revision(DaemonTaskDefinitionRevisionFilter::LastRegistered)
        .sort(SortOrder::Desc)
        .send()
        .await
        .unwrap();
    let arns: Vec<&str> = last
        .daemon_task_definitions()
        .iter()
        .filter_map(|s| s.arn())
        .collect();
    assert_eq!(
        arns,
        vec![arn("daemon-task-definition/logs:1"), second.clone()]
    );
    let page = list(Some("agent")).max_results(1).send().await.unwrap();
    assert_eq!(
        page.daemon_task_definitions()[0].arn(),
        Some(first.as_str())
    );
    let rest = list(Some("agent"))
        .next_token(page.next_token().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(
        rest.daemon_task_definitions()[0].arn(),
        Some(second.as_str())
    );
    assert!(rest.next_token().is_none());

    // Deleting a revision no daemon runs makes it DELETED at once; it stays describable.
    let deleted = c
        .delete_daemon_task_definition()
        .daemon_task_definition(&first)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.daemon_task_definition_arn(), Some(first.as_str()));
    let d = c
        .describe_daemon_task_definition()
        .daemon_task_definition("agent:1")
        .send()
        .await
        .unwrap()
        .daemon_task_definition
        .unwrap();
    assert_eq!(d.status(), Some(&DaemonTaskDefinitionStatus::Deleted));
    assert!(d.delete_requested_at().is_some());
    let again = c
        .delete_daemon_task_definition()
        .daemon_task_definition(&first)
        .send()
        .await;
    assert_eq!(err_code(again), "ClientException");
    let active = list(Some("agent")).send().await.unwrap();
    assert_eq!(active.daemon_task_definitions().len(), 1);
    let every = list(Some("agent"))
        .status(DaemonTaskDefinitionStatusFilter::All)
        .send()
        .await
        .unwrap();
    assert_eq!(every.daemon_task_definitions().len(), 2);
}

#[tokio::test]
async fn daemon_task_definition_validation() {
    let s = setup().await;
    let c = &s.client;
    let no_memory = DaemonContainerDefinition::builder()
        .name("agent")
        .image("busybox")
        .build()
        .unwrap();
    let cases = [
        ("bad family!", vec![agent(&[])]),
        ("agent", vec![]),
        ("agent", vec![no_memory]),
        ("agent", vec![agent(&[]), agent(&[])]),
    ];
    for (family, containers) in cases {
        let n = containers.len();
        let result = c
            .register_daemon_task_definition()
            .family(family)
            .set_container_definitions(Some(containers))
            .send()
            .await;
        assert_eq!(
            err_code(result),
            "ClientException",
            "{family} with {n} containers"
        );
    }
    let bad_cpu = c
        .register_daemon_task_definition()
        .family("agent")
        .cpu("lots")
        .container_definitions(agent(&[]))
        .send()
        .await;
    assert_eq!(err_code(bad_cpu), "ClientException");
    let missing = c
        .describe_daemon_task_definition()
        .daemon_task_definition("nothing:1")
        .send()
        .await;
    assert_eq!(err_code(missing), "ClientException");
    // Nothing was registered: the first good registration is revision 1.
    assert_eq!(
        register_dtd(c, "agent", agent(&[])).await,
        arn("daemon-task-definition/agent:1")
    );
}
