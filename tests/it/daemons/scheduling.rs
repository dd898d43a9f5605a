//! What a daemon does over its capacity providers' instances: placement, new, DRAINING and
//! deregistered instances, replacement of a stopped task, rolling updates, deletion, the
//! circuit breaker's rollback.

use super::*;
use crate::common::{pairs, tag_pairs};
use aws_sdk_ecs::types::{
    ContainerInstanceStatus, DaemonAlarmConfiguration, DaemonDeploymentConfiguration,
    DaemonDeploymentRollbackMonitorsStatus as Monitor, LaunchType,
};

pub(super) fn cp_arn(name: &str) -> String {
    arn(&format!("capacity-provider/{name}"))
}

fn instances_of(tasks: &[Task]) -> Vec<String> {
    tasks
        .iter()
        .filter_map(|t| t.container_instance_arn.clone())
        .collect()
}

#[tokio::test]
async fn a_daemon_keeps_one_task_on_each_active_instance_of_its_providers() {
    let s = setup().await;
    let c = &s.client;
    let a1 = register_instance(c, Some("asg-a")).await;
    let a2 = register_instance(c, Some(&asg_arn("asg-a"))).await;
    let b1 = register_instance(c, Some("asg-b")).await;
    let loose = register_instance(c, None).await;
    let described = c
        .describe_container_instances()
        .cluster(CLUSTER)
        .set_container_instances(Some(vec![
            a1.clone(),
            a2.clone(),
            b1.clone(),
            loose.clone(),
        ]))
        .send()
        .await
        .unwrap();
    let providers: Vec<Option<&str>> = described
        .container_instances()
        .iter()
        .map(|ci| ci.capacity_provider_name())
        .collect();
    assert_eq!(
        providers,
        vec![Some("cp-a"), Some("cp-a"), Some("cp-b"), None]
    );

    let td = register_dtd(c, "agent", agent(&[])).await;
    let (daemon, deployment) = create_daemon(c, "monitor", &td, &["cp-a"]).await;
    assert_eq!(daemon, arn("daemon/dmn/monitor"));
    assert!(deployment.starts_with(&arn("daemon-deployment/dmn/monitor/")));
    let tasks = wait_placed(c, "monitor", &[&a1, &a2]).await;
    for t in &tasks {
        assert_eq!(t.group(), Some("daemon:monitor"));
        assert_eq!(t.task_definition_arn(), Some(td.as_str()));
        assert_eq!(t.capacity_provider_name(), Some("cp-a"));
        assert_eq!(t.launch_type(), Some(&LaunchType::Ec2));
    }
    wait_deployment(c, &deployment, DaemonDeploymentStatus::Successful).await;
    let detail = c
        .describe_daemon()
        .daemon_arn(&daemon)
        .send()
        .await
        .unwrap()
        .daemon
        .unwrap();
    assert_eq!(detail.status(), Some(&DaemonStatus::Active));
    assert_eq!(detail.cluster_arn(), Some(arn("cluster/dmn").as_str()));
    assert_eq!(detail.deployment_arn(), Some(deployment.as_str()));
    let current = &detail.current_revisions()[0];
    assert_eq!(current.total_running_count(), 2);
    assert_eq!(
        current.capacity_providers()[0].arn(),
        Some(cp_arn("cp-a").as_str())
    );

    // A new instance of the group gets its task; a DRAINING one loses it.
    let a3 = register_instance(c, Some("asg-a")).await;
    wait_placed(c, "monitor", &[&a1, &a2, &a3]).await;
    c.update_container_instances_state()
        .cluster(CLUSTER)
        .container_instances(&a2)
        .status(ContainerInstanceStatus::Draining)
        .send()
        .await
        .unwrap();
    wait_placed(c, "monitor", &[&a1, &a3]).await;
    let stopped = daemon_tasks(c, "monitor", DesiredStatus::Stopped).await;
    assert_eq!(instances_of(&stopped), vec![a2.clone()]);
    // A deregistered instance's task stops too.
    c.deregister_container_instance()
        .cluster(CLUSTER)
        .container_instance(&a3)
        .force(true)
        .send()
        .await
        .unwrap();
    let left = wait_placed(c, "monitor", &[&a1]).await;

    // A daemon task stopped by hand is replaced on its instance.
    let old = left[0].task_arn.clone().unwrap();
    c.stop_task()
        .cluster(CLUSTER)
        .task(&old)
        .send()
        .await
        .unwrap();
    let again = poll("a replacement task on a1", || async {
        let tasks = wait_placed(c, "monitor", &[&a1]).await;
        (tasks[0].task_arn() != Some(old.as_str())).then_some(tasks)
    })
    .await;
    assert_eq!(instances_of(&again), vec![a1.clone()]);
}

#[tokio::test]
async fn an_update_rolls_out_a_new_revision_and_delete_stops_the_tasks() {
    let s = setup().await;
    let c = &s.client;
    let i1 = register_instance(c, Some("asg-a")).await;
    let i2 = register_instance(c, Some("asg-a")).await;
    let td1 = register_dtd(c, "agent", agent(&[])).await;
    // The second revision ignores SIGTERM for a second, so that deletion takes a while.
    let mut slow = agent(&[("LOCAL_ECS_SIM_IGNORE_SIGTERM", "true")]);
    slow.stop_timeout = Some(1);
    let td2 = register_dtd(c, "agent", slow).await;
    let config = DaemonDeploymentConfiguration::builder()
        .drain_percent(50.0)
        .bake_time_in_minutes(0)
        .alarms(
            DaemonAlarmConfiguration::builder()
                .alarm_names("cpu-high")
                .enable(true)
                .build(),
        )
        .build();
    let created = c
        .create_daemon()
        .daemon_name("logs")
        .cluster_arn(CLUSTER)
        .daemon_task_definition_arn(&td1)
        .capacity_provider_arns(cp_arn("cp-a"))
        .deployment_configuration(config)
        .tags(tag("env", "dev"))
        .propagate_tags(DaemonPropagateTags::Daemon)
        .enable_ecs_managed_tags(true)
        .send()
        .await
        .unwrap();
    let daemon = created.daemon_arn.unwrap();
    let first = created.deployment_arn.unwrap();
    let tasks = wait_placed(c, "logs", &[&i1, &i2]).await;
    let tags = |arn: String| async move {
        let out = c.list_tags_for_resource().resource_arn(arn).send().await;
        tag_pairs(out.unwrap().tags())
    };
    assert_eq!(tags(daemon.clone()).await, pairs(&[("env", "dev")]));
    let task_tags = tags(tasks[0].task_arn.clone().unwrap()).await;
    let want = [
        ("aws:ecs:clusterName", "dmn"),
        ("aws:ecs:daemonName", "logs"),
        ("env", "dev"),
    ];
    assert_eq!(task_tags, pairs(&want));
    wait_deployment(c, &first, DaemonDeploymentStatus::Successful).await;

    let updated = c
        .update_daemon()
        .daemon_arn(&daemon)
        .daemon_task_definition_arn(&td2)
        .capacity_provider_arns(cp_arn("cp-a"))
        .send()
        .await
        .unwrap();
    assert!(updated.updated_at().is_some());
    let second = updated.deployment_arn.unwrap();
    assert_ne!(second, first);
    wait_deployment(c, &second, DaemonDeploymentStatus::Successful).await;
    let tasks = wait_placed(c, "logs", &[&i1, &i2]).await;
    assert!(tasks
        .iter()
        .all(|t| t.task_definition_arn() == Some(td2.as_str())));
    let replaced = daemon_tasks(c, "logs", DesiredStatus::Stopped).await;
    assert_eq!(replaced.len(), 2);
    assert!(replaced
        .iter()
        .all(|t| t.task_definition_arn() == Some(td1.as_str())));

    let out = c
        .describe_daemon_deployments()
        .daemon_deployment_arns(&first)
        .daemon_deployment_arns(&second)
        .send()
        .await
        .unwrap();
    let [d1, d2] = out.daemon_deployments() else {
        panic!("two deployments: {out:?}");
    };
    let r1 = d1
        .target_daemon_revision()
        .unwrap()
        .arn()
        .unwrap()
        .to_string();
    let target = d2.target_daemon_revision().unwrap();
    let r2 = target.arn().unwrap().to_string();
    assert_eq!(target.total_running_instance_count(), Some(2));
    assert_eq!(d2.source_daemon_revisions()[0].arn(), Some(r1.as_str()));
    let cb = d2.circuit_breaker().unwrap();
    assert_eq!(
        (cb.status(), cb.failure_count()),
        (Some(&Monitor::MonitoringComplete), 0)
    );
    let alarms = d2.alarms().unwrap();
    assert_eq!(alarms.alarm_names(), ["cpu-high".to_string()]);
    let kept = d2.deployment_configuration().unwrap();
    assert_eq!(kept.drain_percent(), Some(50.0));
    assert!(d2.started_at().is_some() && d2.finished_at().is_some());

    let listed = c
        .list_daemon_deployments()
        .daemon_arn(&daemon)
        .send()
        .await
        .unwrap();
    let arns: Vec<&str> = listed
        .daemon_deployments()
        .iter()
        .filter_map(|d| d.daemon_deployment_arn())
        .collect();
    assert_eq!(arns, vec![second.as_str(), first.as_str()]);
    let revisions = c
        .describe_daemon_revisions()
        .daemon_revision_arns(&r1)
        .daemon_revision_arns(&r2)
        .send()
        .await
        .unwrap();
    let tds: Vec<&str> = revisions
        .daemon_revisions()
        .iter()
        .filter_map(|r| r.daemon_task_definition_arn())
        .collect();
    assert_eq!(tds, vec![td1.as_str(), td2.as_str()]);
    let images = revisions.daemon_revisions()[1].container_images();
    assert_eq!(images[0].image(), Some("busybox"));
    // The update named neither tag setting: the new revision keeps the daemon's.
    let r2 = &revisions.daemon_revisions()[1];
    assert_eq!(r2.propagate_tags(), Some(&DaemonPropagateTags::Daemon));
    assert_eq!(r2.enable_ecs_managed_tags(), Some(true));

    // A definition a daemon runs is DELETE_IN_PROGRESS until the daemon is gone.
    c.delete_daemon_task_definition()
        .daemon_task_definition(&td2)
        .send()
        .await
        .unwrap();
    let deleting = c.delete_daemon().daemon_arn(&daemon).send().await.unwrap();
    assert_eq!(deleting.status(), Some(&DaemonStatus::DeleteInProgress));
    let third = deleting.deployment_arn.unwrap();
    let update = c
        .update_daemon()
        .daemon_arn(&daemon)
        .daemon_task_definition_arn(&td1)
        .capacity_provider_arns(cp_arn("cp-a"))
        .send()
        .await;
    assert_eq!(err_code(update), "DaemonNotActiveException");
    let twice = c.delete_daemon().daemon_arn(&daemon).send().await;
    assert_eq!(err_code(twice), "DaemonNotActiveException");
    poll("the daemon to be gone", || async {
        let r = c.describe_daemon().daemon_arn(&daemon).send().await;
        (r.is_err() && err_code(r) == "DaemonNotFoundException").then_some(())
    })
    .await;
    assert!(daemon_tasks(c, "logs", DesiredStatus::Running)
        .await
        .is_empty());
    assert_eq!(
        deployment_status(c, &third).await,
        Some(DaemonDeploymentStatus::Successful)
    );
    let td = c
        .describe_daemon_task_definition()
        .daemon_task_definition(&td2)
        .send()
        .await
        .unwrap()
        .daemon_task_definition
        .unwrap();
    assert_eq!(td.status(), Some(&DaemonTaskDefinitionStatus::Deleted));
}

#[tokio::test]
async fn a_failing_revision_trips_the_circuit_breaker_and_rolls_back() {
    let s = setup().await;
    let c = &s.client;
    let i1 = register_instance(c, Some("asg-b")).await;
    let good = register_dtd(c, "agent", agent(&[])).await;
    let bad = register_dtd(c, "agent", agent(&[("LOCAL_ECS_SIM_EXIT_CODE", "1")])).await;
    let (daemon, first) = create_daemon(c, "sec", &good, &["cp-b"]).await;
    wait_deployment(c, &first, DaemonDeploymentStatus::Successful).await;
    let second = c
        .update_daemon()
        .daemon_arn(&daemon)
        .daemon_task_definition_arn(&bad)
        .capacity_provider_arns(cp_arn("cp-b"))
        .send()
        .await
        .unwrap()
        .deployment_arn
        .unwrap();
    wait_deployment(c, &second, DaemonDeploymentStatus::RollbackSuccessful).await;
    let out = c
        .describe_daemon_deployments()
        .daemon_deployment_arns(&first)
        .daemon_deployment_arns(&second)
        .send()
        .await
        .unwrap();
    let [d1, d2] = out.daemon_deployments() else {
        panic!("two deployments: {out:?}");
    };
    let cb = d2.circuit_breaker().unwrap();
    assert_eq!(cb.status(), Some(&Monitor::Triggered));
    assert!(cb.failure_count() >= cb.threshold());
    let rollback = d2.rollback().unwrap();
    let good_revision = d1.target_daemon_revision().unwrap().arn();
    assert_eq!(
        rollback.rollback_target_daemon_revision_arn(),
        good_revision
    );
    let tasks = wait_placed(c, "sec", &[&i1]).await;
    assert_eq!(tasks[0].task_definition_arn(), Some(good.as_str()));
    let failed = daemon_tasks(c, "sec", DesiredStatus::Stopped).await;
    assert!(failed.iter().any(
        |t| t.stop_code() == Some(&aws_sdk_ecs::types::TaskStopCode::EssentialContainerExited)
    ));
}

#[tokio::test]
async fn a_task_that_does_not_fit_its_instance_is_reported_on_the_deployment() {
    let s = setup().await;
    let c = &s.client;
    register_instance(c, Some("asg-a")).await;
    let mut big = agent(&[]);
    big.memory = Some(8192);
    let td = register_dtd(c, "big", big).await;
    let (_, deployment) = create_daemon(c, "big", &td, &["cp-a"]).await;
    let reason = poll("the placement failure on the deployment", || async {
        let out = c
            .describe_daemon_deployments()
            .daemon_deployment_arns(&deployment)
            .send()
            .await
            .ok()?;
        let d = out.daemon_deployments().first()?;
        d.status_reason().map(String::from)
    })
    .await;
    assert!(reason.starts_with("RESOURCE:MEMORY"), "{reason}");
    let status = deployment_status(c, &deployment).await;
    assert_eq!(status, Some(DaemonDeploymentStatus::InProgress));
    assert!(daemon_tasks(c, "big", DesiredStatus::Running)
        .await
        .is_empty());
}
