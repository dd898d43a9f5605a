//! Hostile input for every operation of the model: wrong types, nulls, huge and deeply nested
//! values, garbage tokens, random bytes. Every answer must be a 2xx or an AWS-shaped 4xx — never
//! a 5xx, a panic or a hang — and the server must keep serving afterwards.

use local_ecs::edge::{self, HttpRequest};
use serde_json::{json, Value};

fn request(operation: &str, body: Vec<u8>) -> HttpRequest {
    HttpRequest {
        method: "POST".into(),
        path: "/".into(),
        query: String::new(),
        headers: HttpRequest::header_map(&[
            (
                "x-amz-target",
                &format!("AmazonEC2ContainerServiceV20141113.{operation}"),
            ),
            ("content-type", "application/x-amz-json-1.1"),
        ]),
        body: body.into(),
        ..Default::default()
    }
}

/// Bodies that put wrong or extreme values into members most operations have.
fn hostile_bodies() -> Vec<Vec<u8>> {
    let mut deep = json!("x");
    for _ in 0..200 {
        deep = json!({ "a": [deep] });
    }
    let huge = "x".repeat(100_000);
    let members = [
        "cluster",
        "taskDefinition",
        "service",
        "serviceName",
        "family",
        "containerDefinitions",
        "tasks",
        "count",
        "maxResults",
        "nextToken",
        "tags",
        "include",
        "resourceArn",
        "name",
        "value",
        "desiredCount",
        "attributes",
        "capacityProviders",
        "containerInstances",
        "taskSet",
        "settings",
    ];
    let values = [
        json!(null),
        json!(1),
        json!(-1),
        json!(1e308),
        json!(true),
        json!("garbage"),
        json!([]),
        json!({}),
        json!([null]),
        json!([{"key": "", "value": null}]),
        json!(huge),
        deep.clone(),
    ];
    let mut bodies: Vec<Vec<u8>> = vec![
        b"{}".to_vec(),
        b"".to_vec(),
        b"[]".to_vec(),
        b"{\"a\":".to_vec(),
        vec![0xff, 0xfe, 0x00],
    ];
    for m in members {
        for v in &values {
            bodies.push(json!({ m: v }).to_string().into_bytes());
        }
    }
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    for _ in 0..20 {
        let len = (seed % 64) as usize;
        bodies.push(
            (0..len)
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    (seed & 0xff) as u8
                })
                .collect(),
        );
    }
    bodies
}

#[tokio::test]
async fn no_input_gets_a_server_error() {
    let app = local_ecs::App::new(local_ecs::Config::default());
    let operations: Vec<&str> = local_ecs::ecs::operation_support()
        .into_iter()
        .map(|(op, _)| op)
        .collect();
    assert_eq!(operations.len(), 77);
    let bodies = hostile_bodies();
    for op in &operations {
        for body in &bodies {
            let resp = edge::handle(&app, &request(op, body.clone())).await;
            assert!(
                resp.status < 500,
                "{op} answered {} to {:?}",
                resp.status,
                String::from_utf8_lossy(body)
            );
            if resp.status >= 400 {
                let v: Value = serde_json::from_slice(&resp.body)
                    .unwrap_or_else(|e| panic!("{op}: error body is not JSON: {e}"));
                assert!(
                    v["__type"].as_str().is_some_and(|t| !t.is_empty()),
                    "{op}: {v}"
                );
                assert!(v["message"].is_string(), "{op}: {v}");
            }
        }
    }
    let resp = edge::handle(&app, &request("ListClusters", b"{}".to_vec())).await;
    assert_eq!(resp.status, 200, "the server still serves");
}
