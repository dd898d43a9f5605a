//! `--time-scale`: emulated waits pass N times faster and timestamps follow the scaled clock.
//! Each test compares emulated time (timestamps in answers) with the wall time it took.

use crate::common::{awsvpc, create_cluster, register_fargate_app, start_with, Server};
use aws_sdk_ecs::types::{DesiredStatus, LaunchType};
use std::time::{Duration, Instant};

const SCALE: f64 = 20.0;

async fn scaled(retention_secs: u64) -> Server {
    let config = local_ecs::Config {
        time_scale: SCALE,
        task_retention: Duration::from_secs(retention_secs),
        ..Default::default()
    };
    let s = start_with(config).await;
    create_cluster(&s.client, "clock").await;
    register_fargate_app(&s.client, "tick").await;
    s
}

/// Polls `f` every 20 ms until it returns `Some`, for at most `max` of wall time.
async fn poll<T, F: std::future::Future<Output = Option<T>>>(
    max: Duration,
    mut f: impl FnMut() -> F,
) -> Option<T> {
    let deadline = Instant::now() + max;
    while Instant::now() < deadline {
        if let Some(v) = f().await {
            return Some(v);
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    None
}

#[tokio::test]
async fn a_deployment_settles_faster_and_its_timestamps_follow_the_clock() {
    let s = scaled(3600).await;
    let c = &s.client;
    let wall = Instant::now();
    c.create_service()
        .cluster("clock")
        .service_name("fast")
        .task_definition("tick")
        .desired_count(1)
        .launch_type(LaunchType::Fargate)
        .network_configuration(awsvpc())
        .send()
        .await
        .unwrap();
    // A deployment completes once its tasks have run for 3 s of emulated time (the settle time).
    let deployment = poll(Duration::from_secs(10), || async {
        let out = c
            .describe_services()
            .cluster("clock")
            .services("fast")
            .send()
            .await
            .ok()?;
        let d = out.services()[0].deployments().first()?.clone();
        (d.rollout_state().map(|r| r.as_str()) == Some("COMPLETED")).then_some(d)
    })
    .await
    .expect("the deployment completes");
    let wall = wall.elapsed().as_secs_f64();
    let created = d_secs(deployment.created_at());
    let updated = d_secs(deployment.updated_at());
    assert!(
        updated - created >= 3.0,
        "settled after {} emulated seconds",
        updated - created
    );
    assert!(
        wall < 3.0,
        "a 3 s settle time at scale {SCALE} took {wall:.2} s of wall time"
    );
    // Emulated time ran about SCALE times faster than the wall clock meanwhile.
    assert!(updated - created > wall * SCALE / 4.0);
}

#[tokio::test]
async fn a_stopped_task_expires_faster() {
    // 40 s of retention at scale 20: the task is forgotten about 2 s after it stopped.
    let s = scaled(40).await;
    let c = &s.client;
    let task = c
        .run_task()
        .cluster("clock")
        .task_definition("tick")
        .launch_type(LaunchType::Fargate)
        .network_configuration(awsvpc())
        .send()
        .await
        .unwrap()
        .tasks()[0]
        .task_arn()
        .unwrap()
        .to_string();
    c.stop_task()
        .cluster("clock")
        .task(&task)
        .send()
        .await
        .unwrap();
    let stopped = Instant::now();
    let gone = poll(Duration::from_secs(15), || async {
        let out = c
            .describe_tasks()
            .cluster("clock")
            .tasks(&task)
            .send()
            .await
            .ok()?;
        (!out.failures().is_empty()).then_some(())
    })
    .await;
    assert!(gone.is_some(), "the stopped task was purged");
    let wall = stopped.elapsed().as_secs_f64();
    assert!(
        wall < 10.0,
        "40 s of retention at scale {SCALE} took {wall:.1} s"
    );
    let listed = c
        .list_tasks()
        .cluster("clock")
        .desired_status(DesiredStatus::Stopped)
        .send()
        .await
        .unwrap();
    assert!(listed.task_arns().is_empty());
}

fn d_secs(t: Option<&aws_sdk_ecs::primitives::DateTime>) -> f64 {
    let t = t.expect("a timestamp");
    t.secs() as f64 + f64::from(t.subsec_nanos()) / 1e9
}
