//! Property tests (proptest) over request decoding and validation for every protocol: AWS JSON
//! 1.0/1.1, Smithy RPC v2 CBOR, AWS Query forms, and the CORS check in front of them all. Random
//! bodies, values and headers must never produce a 5xx or a panic, every answer carries a request
//! id, and the codecs round-trip what they encode. A fuzzer that runs on stable, in CI.

use local_ecs::edge::{self, HttpRequest};
use local_ecs::wire::{cbor, query};
use proptest::prelude::*;
use serde_json::{Map, Value};
use std::sync::{Arc, OnceLock};

/// One server state and runtime for all cases: building an app per case would dominate.
fn harness() -> &'static (tokio::runtime::Runtime, Arc<local_ecs::App>) {
    static HARNESS: OnceLock<(tokio::runtime::Runtime, Arc<local_ecs::App>)> = OnceLock::new();
    HARNESS.get_or_init(|| {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let app = rt.block_on(async { local_ecs::App::new(local_ecs::Config::default()) });
        (rt, app)
    })
}

fn answer(req: HttpRequest) -> local_ecs::wire::WireResponse {
    let (rt, app) = harness();
    rt.block_on(edge::handle(app, &req))
}

fn operations() -> Vec<&'static str> {
    local_ecs::ecs::operation_support()
        .into_iter()
        .map(|(op, _)| op)
        .collect()
}

/// Member names that operations really have, and random ones.
fn member() -> impl Strategy<Value = String> {
    const REAL: &[&str] = &[
        "cluster",
        "clusterName",
        "family",
        "containerDefinitions",
        "name",
        "image",
        "memory",
        "cpu",
        "taskDefinition",
        "count",
        "tasks",
        "service",
        "serviceName",
        "desiredCount",
        "maxResults",
        "nextToken",
        "tags",
        "key",
        "value",
        "volumes",
        "host",
        "sourcePath",
        "dockerVolumeConfiguration",
        "networkMode",
        "requiresCompatibilities",
        "launchType",
        "portMappings",
        "containerPort",
        "mountPoints",
        "overrides",
        "include",
        "settings",
    ];
    prop_oneof![
        proptest::sample::select(REAL).prop_map(str::to_string),
        "[a-zA-Z]{1,12}",
    ]
}

/// JSON values up to 4 levels deep, without floats (so that codecs can round-trip them exactly).
fn exact_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        "\\PC{0,24}".prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::btree_map(member(), inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Any JSON value, floats (finite) included.
fn value() -> impl Strategy<Value = Value> {
    prop_oneof![
        4 => exact_value(),
        1 => any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(Value::from),
    ]
}

fn object() -> impl Strategy<Value = Map<String, Value>> {
    proptest::collection::btree_map(member(), value(), 0..8).prop_map(|m| m.into_iter().collect())
}

fn json_request(operation: &str, body: Vec<u8>) -> HttpRequest {
    HttpRequest {
        method: "POST".into(),
        path: "/".into(),
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

fn cbor_request(operation: &str, body: Vec<u8>) -> HttpRequest {
    HttpRequest {
        method: "POST".into(),
        path: format!("/service/AmazonEC2ContainerServiceV20141113/operation/{operation}"),
        headers: HttpRequest::header_map(&[
            ("smithy-protocol", "rpc-v2-cbor"),
            ("content-type", "application/cbor"),
            ("accept", "application/cbor"),
        ]),
        body: body.into(),
        ..Default::default()
    }
}

fn form_request(body: String) -> HttpRequest {
    HttpRequest {
        method: "POST".into(),
        path: "/".into(),
        headers: HttpRequest::header_map(&[
            ("content-type", "application/x-www-form-urlencoded"),
            (
                "authorization",
                "AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/ecs/aws4_request, SignedHeaders=host, Signature=0",
            ),
        ]),
        body: body.into_bytes().into(),
        ..Default::default()
    }
}

/// A well-formed answer: a 2xx or 4xx with a request id.
fn well_formed(resp: &local_ecs::wire::WireResponse) -> Result<(), TestCaseError> {
    prop_assert!(
        (200..500).contains(&resp.status),
        "status {}: {}",
        resp.status,
        String::from_utf8_lossy(&resp.body)
    );
    prop_assert!(resp.headers.iter().any(|(k, _)| *k == "x-amzn-requestid"));
    Ok(())
}

fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn json_documents_are_answered_not_crashed_on(
        op in proptest::sample::select(operations()),
        body in object(),
    ) {
        let bytes = serde_json::to_vec(&body).unwrap();
        well_formed(&answer(json_request(op, bytes)))?;
    }

    #[test]
    fn json_bytes_are_answered_not_crashed_on(
        op in proptest::sample::select(operations()),
        body in proptest::collection::vec(any::<u8>(), 0..256),
    ) {
        well_formed(&answer(json_request(op, body)))?;
    }

    #[test]
    fn cbor_documents_are_answered_not_crashed_on(
        op in proptest::sample::select(operations()),
        body in object(),
    ) {
        let bytes = cbor::encode(&Value::Object(body));
        well_formed(&answer(cbor_request(op, bytes)))?;
    }

    #[test]
    fn cbor_bytes_are_answered_not_crashed_on(
        op in proptest::sample::select(operations()),
        body in proptest::collection::vec(any::<u8>(), 0..256),
    ) {
        well_formed(&answer(cbor_request(op, body)))?;
    }

    #[test]
    fn cbor_round_trips_exact_values(v in exact_value()) {
        let decoded = cbor::decode_value(&cbor::encode(&v));
        prop_assert_eq!(decoded, Ok(v));
    }

    #[test]
    fn forms_round_trip_and_are_answered(
        pairs in proptest::collection::btree_map("\\PC{1,12}", "\\PC{0,16}", 0..8),
        op in proptest::sample::select(operations()),
    ) {
        let mut text: Vec<String> = pairs
            .iter()
            .map(|(k, v)| format!("{}={}", percent_encode(k), percent_encode(v)))
            .collect();
        prop_assert_eq!(query::parse_form(&text.join("&")), pairs.clone());
        text.push(format!("Action={op}"));
        well_formed(&answer(form_request(text.join("&"))))?;
    }

    #[test]
    fn foreign_origins_are_refused_before_routing(
        origin in "[a-z]{1,8}://[a-z0-9.]{1,16}(:[0-9]{1,5})?",
        op in proptest::sample::select(operations()),
    ) {
        prop_assume!(!origin.contains("localhost") && !origin.contains("127.0.0.1"));
        let mut req = json_request(op, b"{}".to_vec());
        req.headers.insert("origin", origin.parse().unwrap());
        let resp = answer(req);
        prop_assert_eq!(resp.status, 403);
        prop_assert!(!resp.headers.iter().any(|(k, _)| *k == "access-control-allow-origin"));
    }
}
