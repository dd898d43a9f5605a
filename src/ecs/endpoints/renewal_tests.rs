//! Task-role credentials over the agent's route, on a paused clock: the same credentials while
//! most of their life is left, new ones (still the task's role) once less than a quarter is.

use crate::ecs::test_calls::call;
use crate::{App, Config};
use serde_json::{json, Value};
use std::time::Duration;

const ACCOUNT: &str = "000000000000";
const ROLE: &str = "arn:aws:iam::000000000000:role/app-role";

/// Runs one Fargate task whose definition names a task role; answers its id.
fn run_task_with_a_role(app: &App) -> String {
    let subnet = app.ec2.networks().default_subnets(ACCOUNT, "us-east-1")[0]
        .subnet_id
        .clone();
    call(app, "CreateCluster", json!({"clusterName": "c"}));
    call(
        app,
        "RegisterTaskDefinition",
        json!({"family": "app", "taskRoleArn": ROLE, "networkMode": "awsvpc",
               "requiresCompatibilities": ["FARGATE"], "cpu": "256", "memory": "512",
               "containerDefinitions": [{"name": "app", "image": "busybox"}]}),
    );
    let run = call(
        app,
        "RunTask",
        json!({"cluster": "c", "taskDefinition": "app", "launchType": "FARGATE",
               "networkConfiguration": {"awsvpcConfiguration": {"subnets": [subnet]}}}),
    );
    let arn = run["tasks"][0]["taskArn"].as_str().expect("a task ARN");
    arn.rsplit('/').next().expect("an id").to_string()
}

#[tokio::test(start_paused = true)]
async fn credentials_are_renewed_before_they_expire_and_stay_the_tasks_role() {
    let app = App::new(Config::default());
    let id = run_task_with_a_role(&app);
    let ep = app.ecs.endpoints(app.sts.issuer(), None);
    let peer = "169.254.170.9:40000".parse().expect("an address");
    let path = format!("/v2/credentials/{id}");
    let read = || async {
        let (status, doc) = ep.route("GET", &path, b"", peer).await;
        assert_eq!(status, 200, "{doc}");
        assert_eq!(doc["RoleArn"], ROLE);
        doc
    };

    let first = read().await;
    let key = |d: &Value| d["AccessKeyId"].as_str().expect("a key").to_string();
    assert!(key(&first).starts_with("ASIA"), "{first}");
    let expiration =
        crate::core::clock::parse_rfc3339_ms(first["Expiration"].as_str().expect("an expiration"))
            .expect("RFC 3339");
    let issued_at = app.clock.now();
    assert!(
        (expiration as f64 / 1000.0 - issued_at - 6.0 * 3600.0).abs() < 2.0,
        "six hours: {first}"
    );

    // Two hours left of six: the same credentials.
    tokio::time::advance(Duration::from_secs(4 * 3600)).await;
    assert_eq!(key(&read().await), key(&first));

    // Under an hour and a half left: new ones, good for six hours from now.
    tokio::time::advance(Duration::from_secs(36 * 60)).await;
    let renewed = read().await;
    assert_ne!(key(&renewed), key(&first), "renewed");
    let renewed_expiration =
        crate::core::clock::parse_rfc3339_ms(renewed["Expiration"].as_str().expect("expiration"))
            .expect("RFC 3339");
    assert!(renewed_expiration > expiration + 4 * 3600 * 1000);

    // Both keys act as the task's role until they expire: the old one is not revoked early.
    for k in [key(&first), key(&renewed)] {
        let session = app.sts.session(&k).expect("STS knows the key");
        assert_eq!(
            session.arn,
            format!("arn:aws:sts::{ACCOUNT}:assumed-role/app-role/{id}")
        );
    }
}
