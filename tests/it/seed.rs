//! The declarative seed (`--init`): the worked example applies, and a seed with a mistake is
//! refused with the file, entry and field named, keeping nothing.

use aws_sdk_ecs::Client;
use local_ecs::testing::LocalEcs;
use std::path::Path;

fn fixture(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name)
}

#[tokio::test]
async fn a_seed_with_a_mistake_names_it_and_keeps_nothing() {
    let ecs = LocalEcs::start().await.unwrap();
    let err = local_ecs::seed::apply(ecs.app(), &fixture("seed-with-error.yaml"))
        .await
        .unwrap_err();
    assert!(err.contains("seed-with-error.yaml"), "{err}");
    assert!(err.contains("services[0] (app)"), "{err}");
    assert!(err.contains("loadBalancers[0].targetGroupArn"), "{err}");
    let client = Client::new(&ecs.sdk_config());
    let clusters = client.list_clusters().send().await.unwrap();
    assert!(
        clusters.cluster_arns().is_empty(),
        "the cluster declared before the mistake is gone: {:?}",
        clusters.cluster_arns()
    );
    let families = client.list_task_definition_families().send().await.unwrap();
    assert!(families.families().is_empty());
}

#[tokio::test]
async fn a_seed_that_is_not_yaml_or_has_an_unknown_kind_is_refused_at_start() {
    let dir = std::env::temp_dir().join(format!("local-ecs-seed-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.yaml");
    std::fs::write(&bad, "clusters:\n  - clusterName: [unclosed\n").unwrap();
    let start = LocalEcs::builder()
        .config(|c| c.init = Some(bad.clone()))
        .start()
        .await;
    let err = start
        .err()
        .expect("a broken seed stops the start")
        .to_string();
    assert!(
        err.contains("bad.yaml") && err.contains("not valid YAML"),
        "{err}"
    );
    let unknown = dir.join("unknown.json");
    std::fs::write(&unknown, r#"{"clusterz": []}"#).unwrap();
    let err = local_ecs::seed::apply(LocalEcs::start().await.unwrap().app(), &unknown)
        .await
        .unwrap_err();
    assert!(err.contains("unknown top-level key \"clusterz\""), "{err}");
}
