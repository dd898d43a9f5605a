//! Daemons drain last: on a DRAINING instance the daemon task keeps running while another task
//! runs there, and stops once that one has stopped.

use super::*;
use crate::common::container;

#[tokio::test]
async fn a_daemon_task_leaves_a_draining_instance_last() {
    let s = setup().await;
    let c = &s.client;
    let i1 = register_instance(c, Some("asg-a")).await;
    let td = register_dtd(c, "agent", agent(&[])).await;
    create_daemon(c, "last", &td, &["cp-a"]).await;
    wait_placed(c, "last", &[&i1]).await;
    c.register_task_definition()
        .family("app")
        .container_definitions(container("web", "busybox"))
        .send()
        .await
        .unwrap();
    let app = c
        .start_task()
        .cluster(CLUSTER)
        .task_definition("app")
        .container_instances(&i1)
        .send()
        .await
        .unwrap()
        .tasks
        .unwrap()
        .remove(0)
        .task_arn
        .unwrap();
    c.update_container_instances_state()
        .cluster(CLUSTER)
        .container_instances(&i1)
        .status(aws_sdk_ecs::types::ContainerInstanceStatus::Draining)
        .send()
        .await
        .unwrap();
    // Give the scheduler a few passes: the daemon task stays while the application task runs.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let still = daemon_tasks(c, "last", DesiredStatus::Running).await;
    assert_eq!(still.len(), 1, "{still:?}");
    c.stop_task()
        .cluster(CLUSTER)
        .task(&app)
        .send()
        .await
        .unwrap();
    poll("the daemon task to leave the drained instance", || async {
        let running = daemon_tasks(c, "last", DesiredStatus::Running).await;
        running.is_empty().then_some(())
    })
    .await;
    let stopped = daemon_tasks(c, "last", DesiredStatus::Stopped).await;
    assert_eq!(
        stopped[0].stopped_reason(),
        Some("Container instance is draining.")
    );
}
