//! `--state-dir` for ECS: state made through the dispatch is saved as per-entity records (only
//! what a request changed), and a fresh App loaded from them answers as before.

use crate::core::persist::Durable;
use crate::ecs::test_calls::call;
use crate::{App, Config};
use serde_json::{json, Value};
use std::sync::Arc;

fn saved(d: &Arc<dyn Durable>) -> Vec<(String, Vec<u8>)> {
    d.changes()
        .into_iter()
        .filter_map(|r| Some((r.key, r.value?)))
        .collect()
}

fn register(app: &App, family: &str) -> Value {
    call(
        app,
        "RegisterTaskDefinition",
        json!({"family": family, "containerDefinitions": [{"name": "web", "image": "busybox", "memory": 64}],
               "tags": [{"key": "team", "value": "a"}]}),
    )
}

#[tokio::test]
async fn a_fresh_app_loaded_from_the_records_answers_as_before() {
    let app = App::new(Config::default());
    let durable = app.ecs.durable().expect("ECS is durable");
    call(
        &app,
        "CreateCluster",
        json!({"clusterName": "c", "tags": [{"key": "k", "value": "v"}]}),
    );
    for _ in 0..3 {
        register(&app, "web");
    }
    call(
        &app,
        "DeregisterTaskDefinition",
        json!({"taskDefinition": "web:2"}),
    );
    let records = saved(&durable);
    // The cluster, three definitions, the family's last revision.
    assert_eq!(
        records.len(),
        5,
        "{:?}",
        records.iter().map(|r| &r.0).collect::<Vec<_>>()
    );

    let loaded = App::new(Config::default());
    loaded
        .ecs
        .durable()
        .expect("ECS is durable")
        .restore(records)
        .expect("records load");
    for (op, input) in [
        (
            "DescribeClusters",
            json!({"clusters": ["c"], "include": ["TAGS"]}),
        ),
        ("ListTaskDefinitions", json!({})),
        (
            "DescribeTaskDefinition",
            json!({"taskDefinition": "web:3", "include": ["TAGS"]}),
        ),
        ("DescribeTaskDefinition", json!({"taskDefinition": "web:2"})),
    ] {
        assert_eq!(
            call(&loaded, op, input.clone()),
            call(&app, op, input),
            "{op}"
        );
    }
    // Revisions go on from the loaded ones, never reused.
    assert_eq!(register(&loaded, "web")["taskDefinition"]["revision"], 4);
}

#[tokio::test]
async fn a_request_saves_only_what_it_changed() {
    let app = App::new(Config::default());
    let durable = app.ecs.durable().expect("ECS is durable");
    for i in 0..50 {
        register(&app, &format!("fam-{i}"));
    }
    saved(&durable);
    call(&app, "ListTaskDefinitions", json!({}));
    assert!(durable.changes().is_empty(), "a read saves nothing");
    call(
        &app,
        "TagResource",
        json!({
        "resourceArn": "arn:aws:ecs:us-east-1:000000000000:task-definition/fam-7:1",
        "tags": [{"key": "x", "value": "y"}]}),
    );
    let changed: Vec<String> = durable.changes().into_iter().map(|r| r.key).collect();
    assert_eq!(changed.len(), 1, "{changed:?}");
    assert!(
        changed[0].contains("task-definitions") && changed[0].contains("fam-7"),
        "{changed:?}"
    );
}

#[tokio::test]
async fn a_record_this_build_cannot_read_is_refused_naming_it() {
    let app = App::new(Config::default());
    let key = crate::core::persist::key(&["000000000000", "us-east-1", "clusters", "\"c\""]);
    let why = app
        .ecs
        .durable()
        .expect("ECS is durable")
        .restore(vec![(key, b"{\"clusterName\": 7}".to_vec())])
        .unwrap_err();
    assert!(
        why.contains("ecs record") && why.contains("clusters"),
        "{why}"
    );
    let key = crate::core::persist::key(&["000000000000", "us-east-1", "gadgets", "\"g\""]);
    let why = app
        .ecs
        .durable()
        .expect("ECS is durable")
        .restore(vec![(key, b"{}".to_vec())])
        .unwrap_err();
    assert!(why.contains("does not know"), "{why}");
}
