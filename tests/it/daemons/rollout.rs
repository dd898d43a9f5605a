//! A daemon deployment replaces instances' tasks in batches of `drainPercent`: with 25% of four
//! instances, at most one instance is without a RUNNING daemon task at any time.

use super::scheduling::cp_arn;
use super::*;
use aws_sdk_ecs::types::DaemonDeploymentConfiguration;
use std::collections::BTreeSet;

/// Instances without a RUNNING task the daemon wants running.
async fn uncovered(c: &Client, name: &str, instances: &[String]) -> usize {
    let tasks = daemon_tasks(c, name, DesiredStatus::Running).await;
    let covered: BTreeSet<String> = tasks
        .iter()
        .filter(|t| t.last_status() == Some("RUNNING"))
        .filter_map(|t| t.container_instance_arn.clone())
        .collect();
    instances.iter().filter(|i| !covered.contains(*i)).count()
}

#[tokio::test]
async fn an_update_replaces_one_batch_of_instances_at_a_time() {
    let s = setup().await;
    let c = &s.client;
    let mut instances = Vec::new();
    for _ in 0..4 {
        instances.push(register_instance(c, Some("asg-a")).await);
    }
    // The old revision takes a second to stop, so that a batch's gap is long enough to see.
    let mut slow = agent(&[("LOCAL_ECS_SIM_IGNORE_SIGTERM", "true")]);
    slow.stop_timeout = Some(1);
    let td1 = register_dtd(c, "agent", slow).await;
    let td2 = register_dtd(c, "agent", agent(&[("VERSION", "2")])).await;
    let created = c
        .create_daemon()
        .daemon_name("batch")
        .cluster_arn(CLUSTER)
        .daemon_task_definition_arn(&td1)
        .capacity_provider_arns(cp_arn("cp-a"))
        .deployment_configuration(
            DaemonDeploymentConfiguration::builder()
                .drain_percent(25.0)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let first = created.deployment_arn.unwrap();
    wait_deployment(c, &first, DaemonDeploymentStatus::Successful).await;
    let second = c
        .update_daemon()
        .daemon_arn(created.daemon_arn.unwrap())
        .daemon_task_definition_arn(&td2)
        .capacity_provider_arns(cp_arn("cp-a"))
        .send()
        .await
        .unwrap()
        .deployment_arn
        .unwrap();
    let deadline = Instant::now() + POLL_MAX;
    let mut worst = 0;
    while deployment_status(c, &second).await != Some(DaemonDeploymentStatus::Successful) {
        assert!(Instant::now() < deadline, "the update did not complete");
        worst = worst.max(uncovered(c, "batch", &instances).await);
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(
        worst <= 1,
        "{worst} instances were without a daemon task at once"
    );
    let refs: Vec<&str> = instances.iter().map(String::as_str).collect();
    let tasks = wait_placed(c, "batch", &refs).await;
    assert!(tasks
        .iter()
        .all(|t| t.task_definition_arn() == Some(td2.as_str())));
}
