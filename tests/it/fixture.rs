//! The `testing` fixture as a test suite embeds it: start, call through the SDK config it hands
//! out, stop.

use aws_sdk_ecs::Client;
use local_ecs::testing::LocalEcs;

#[tokio::test]
async fn the_fixture_serves_an_sdk_client_and_stops() {
    let ecs = LocalEcs::start().await.expect("fixture starts");
    assert!(ecs.endpoint_url().starts_with("http://127.0.0.1:"));
    let client = Client::new(&ecs.sdk_config());
    let made = client
        .create_cluster()
        .cluster_name("fixture")
        .send()
        .await
        .expect("CreateCluster through the fixture's config");
    let arn = made.cluster().and_then(|c| c.cluster_arn()).unwrap();
    assert_eq!(arn, "arn:aws:ecs:us-east-1:000000000000:cluster/fixture");
    let other = Client::new(&ecs.sdk_config_as("eu-west-1", "111122223333"));
    let listed = other.list_clusters().send().await.unwrap();
    assert!(
        listed.cluster_arns().is_empty(),
        "accounts and regions are apart"
    );
    let url = ecs.endpoint_url();
    let report = ecs.stop().await;
    assert_eq!(report.tasks, 0);
    // The same endpoint, now closed.
    let after = Client::from_conf(plain_config(&url))
        .list_clusters()
        .send()
        .await;
    assert!(after.is_err(), "a stopped fixture no longer serves");
}

#[tokio::test]
async fn two_fixtures_are_independent() {
    let (a, b) = (
        LocalEcs::start().await.unwrap(),
        LocalEcs::start().await.unwrap(),
    );
    assert_ne!(a.addr(), b.addr());
    Client::new(&a.sdk_config())
        .create_cluster()
        .cluster_name("only-in-a")
        .send()
        .await
        .unwrap();
    let in_b = Client::new(&b.sdk_config())
        .list_clusters()
        .send()
        .await
        .unwrap();
    assert!(in_b.cluster_arns().is_empty());
}

fn plain_config(url: &str) -> aws_sdk_ecs::Config {
    aws_sdk_ecs::Config::builder()
        .behavior_version(aws_sdk_ecs::config::BehaviorVersion::latest())
        .region(aws_sdk_ecs::config::Region::new("us-east-1"))
        .endpoint_url(url)
        .credentials_provider(aws_sdk_ecs::config::Credentials::new(
            "t", "t", None, None, "t",
        ))
        .build()
}
