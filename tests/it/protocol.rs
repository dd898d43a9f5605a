//! The wire: AWS JSON 1.1 errors (SerializationException, UnknownOperationException, coral-style
//! validation), request ids, internal endpoints, per-region/per-account state, keep-alive, and
//! modelled errors for operations that are not implemented yet. Raw HTTP over a TcpStream.

use crate::common::{create_cluster, start};
use serde_json::Value;
use std::net::SocketAddr;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const TARGET_PREFIX: &str = "AmazonEC2ContainerServiceV20141113";

struct RawResponse {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl RawResponse {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    /// The error code, checked to agree between the `x-amzn-ErrorType` header and `__type`.
    fn error_type(&self) -> String {
        let header = self
            .header("x-amzn-ErrorType")
            .expect("x-amzn-ErrorType header");
        let header = header.split(':').next().unwrap_or_default().to_string();
        let body = self.json();
        let ty = body["__type"].as_str().expect("__type");
        assert_eq!(
            ty.rsplit('#').next(),
            Some(header.as_str()),
            "header and __type agree"
        );
        header
    }

    fn message(&self) -> String {
        let body = self.json();
        body.get("message")
            .or_else(|| body.get("Message"))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    }
}

/// One HTTP/1.1 connection; requests are sent one after another on it (keep-alive).
struct RawConn {
    stream: TcpStream,
    buf: Vec<u8>,
    host: String,
}

impl RawConn {
    async fn open(addr: SocketAddr) -> RawConn {
        RawConn {
            stream: TcpStream::connect(addr).await.unwrap(),
            buf: Vec::new(),
            host: addr.to_string(),
        }
    }

    async fn send(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, String)],
        body: &[u8],
    ) -> RawResponse {
        let mut req = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nContent-Length: {}\r\n",
            self.host,
            body.len()
        );
        for (k, v) in headers {
            req.push_str(&format!("{k}: {v}\r\n"));
        }
        req.push_str("\r\n");
        let mut bytes = req.into_bytes();
        bytes.extend_from_slice(body);
        self.stream.write_all(&bytes).await.unwrap();
        self.read_response().await
    }

    /// An ECS JSON call signed (scope only) for `region` and `access_key`.
    async fn ecs_as(
        &mut self,
        operation: &str,
        body: &str,
        region: &str,
        access_key: &str,
    ) -> RawResponse {
        let headers = [
            ("Content-Type", "application/x-amz-json-1.1".to_string()),
            ("X-Amz-Target", format!("{TARGET_PREFIX}.{operation}")),
            ("X-Amz-Date", "20260101T000000Z".to_string()),
            (
                "Authorization",
                format!("AWS4-HMAC-SHA256 Credential={access_key}/20260101/{region}/ecs/aws4_request, SignedHeaders=host;x-amz-date, Signature=00"),
            ),
        ];
        self.send("POST", "/", &headers, body.as_bytes()).await
    }

    async fn ecs(&mut self, operation: &str, body: &str) -> RawResponse {
        self.ecs_as(operation, body, "us-east-1", "test").await
    }

    async fn read_more(&mut self) {
        let mut chunk = [0u8; 8192];
        let n = self.stream.read(&mut chunk).await.unwrap();
        assert!(n > 0, "connection closed mid-response");
        self.buf.extend_from_slice(&chunk[..n]);
    }

    async fn read_response(&mut self) -> RawResponse {
        let head_end = loop {
            if let Some(pos) = self.buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break pos;
            }
            self.read_more().await;
        };
        let head = String::from_utf8(self.buf[..head_end].to_vec()).unwrap();
        let mut lines = head.split("\r\n");
        let status: u16 = lines
            .next()
            .unwrap()
            .split(' ')
            .nth(1)
            .unwrap()
            .parse()
            .unwrap();
        let headers: Vec<(String, String)> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
            .collect();
        let len: usize = headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
            .map(|(_, v)| v.parse().unwrap())
            .expect("responses carry Content-Length");
        let start = head_end + 4;
        while self.buf.len() < start + len {
            self.read_more().await;
        }
        let body = self.buf[start..start + len].to_vec();
        self.buf.drain(..start + len);
        RawResponse {
            status,
            headers,
            body,
        }
    }
}

#[tokio::test]
async fn malformed_json_is_a_serialization_exception() {
    let s = start().await;
    let mut conn = RawConn::open(s.addr).await;
    let r = conn.ecs("CreateCluster", r#"{"clusterName": "#).await;
    assert_eq!(r.status, 400);
    assert_eq!(r.error_type(), "SerializationException");
    assert!(r.header("x-amzn-RequestId").is_some());
}

#[tokio::test]
async fn non_object_body_is_a_serialization_exception() {
    let s = start().await;
    let mut conn = RawConn::open(s.addr).await;
    for body in ["[]", "[{\"clusterName\":\"x\"}]", "\"x\"", "42"] {
        let r = conn.ecs("CreateCluster", body).await;
        assert_eq!(
            (r.status, r.error_type()),
            (400, "SerializationException".to_string()),
            "{body}"
        );
    }
}

#[tokio::test]
async fn wrong_member_type_is_a_serialization_exception() {
    let s = start().await;
    let mut conn = RawConn::open(s.addr).await;
    for (op, body) in [
        ("CreateCluster", r#"{"clusterName": 5}"#),
        ("ListClusters", r#"{"maxResults": "ten"}"#),
        ("DescribeClusters", r#"{"clusters": "default"}"#),
    ] {
        let r = conn.ecs(op, body).await;
        assert_eq!(
            (r.status, r.error_type()),
            (400, "SerializationException".to_string()),
            "{op} {body}"
        );
    }
}

#[tokio::test]
async fn unknown_operation() {
    let s = start().await;
    let mut conn = RawConn::open(s.addr).await;
    let r = conn.ecs("LaunchRocket", "{}").await;
    assert_eq!(r.status, 400);
    assert_eq!(r.error_type(), "UnknownOperationException");
}

#[tokio::test]
async fn missing_required_member_is_a_coral_validation_error() {
    let s = start().await;
    let mut conn = RawConn::open(s.addr).await;
    let r = conn.ecs("DeleteCluster", "{}").await;
    assert_eq!(r.status, 400);
    assert_eq!(r.error_type(), "InvalidParameterException");
    let msg = r.message();
    assert!(msg.starts_with("1 validation error detected: "), "{msg}");
    assert!(
        msg.contains("'cluster'") && msg.contains("Member must not be null"),
        "{msg}"
    );
}

#[tokio::test]
async fn bad_enum_value_is_a_coral_validation_error() {
    let s = start().await;
    let mut conn = RawConn::open(s.addr).await;
    let r = conn
        .ecs("ListTaskDefinitions", r#"{"sort": "SIDEWAYS"}"#)
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.error_type(), "InvalidParameterException");
    let msg = r.message();
    assert!(msg.starts_with("1 validation error detected: "), "{msg}");
    assert!(
        msg.contains("'SIDEWAYS'") && msg.contains("'sort'") && msg.contains("enum value set"),
        "{msg}"
    );
}

#[tokio::test]
async fn every_response_carries_a_request_id() {
    let s = start().await;
    let mut conn = RawConn::open(s.addr).await;
    let ok = conn.ecs("ListClusters", "{}").await;
    assert_eq!(ok.status, 200, "{}", String::from_utf8_lossy(&ok.body));
    let bad = conn.ecs("DeleteCluster", r#"{"cluster":"nope"}"#).await;
    assert_eq!(bad.status, 400);
    let health = conn.send("GET", "/_local-ecs/health", &[], b"").await;
    let mut ids = Vec::new();
    for r in [&ok, &bad, &health] {
        let id = r
            .header("x-amzn-RequestId")
            .expect("x-amzn-RequestId")
            .to_string();
        assert_eq!(id.len(), 36, "UUID form: {id}");
        ids.push(id);
    }
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 3, "request ids are unique");
}

#[tokio::test]
async fn health_endpoint_reports_json() {
    let s = start().await;
    let mut conn = RawConn::open(s.addr).await;
    let r = conn.send("GET", "/_local-ecs/health", &[], b"").await;
    assert_eq!(r.status, 200);
    assert!(r
        .header("content-type")
        .is_some_and(|c| c.starts_with("application/json")));
    let body = r.json();
    assert_eq!(body["status"], "running");
    assert_eq!(body["services"]["ecs"], "running");
}

#[tokio::test]
async fn reset_endpoint_drops_state() {
    let s = start().await;
    create_cluster(&s.client, "before-reset").await;
    assert_eq!(
        s.client
            .list_clusters()
            .send()
            .await
            .unwrap()
            .cluster_arns()
            .len(),
        1
    );
    let mut conn = RawConn::open(s.addr).await;
    let r = conn.send("POST", "/_local-ecs/reset", &[], b"").await;
    assert_eq!(r.status, 200);
    assert!(s
        .client
        .list_clusters()
        .send()
        .await
        .unwrap()
        .cluster_arns()
        .is_empty());
}

#[tokio::test]
async fn state_is_per_region() {
    let s = start().await;
    create_cluster(&s.client, "regional").await;
    let eu = s.client_as("eu-west-1", "test");
    let out = eu
        .describe_clusters()
        .clusters("regional")
        .send()
        .await
        .unwrap();
    assert!(out.clusters().is_empty());
    assert_eq!(
        out.failures()[0].arn(),
        Some("arn:aws:ecs:eu-west-1:000000000000:cluster/regional")
    );
    assert_eq!(out.failures()[0].reason(), Some("MISSING"));
    let c = create_cluster(&eu, "regional").await;
    assert_eq!(
        c.cluster_arn(),
        Some("arn:aws:ecs:eu-west-1:000000000000:cluster/regional")
    );
}

#[tokio::test]
async fn state_is_per_account() {
    let s = start().await;
    let other = s.client_as("us-east-1", "111122223333");
    let c = create_cluster(&other, "mine").await;
    assert_eq!(
        c.cluster_arn(),
        Some("arn:aws:ecs:us-east-1:111122223333:cluster/mine")
    );
    assert!(s
        .client
        .list_clusters()
        .send()
        .await
        .unwrap()
        .cluster_arns()
        .is_empty());
    let listed = other.list_clusters().send().await.unwrap();
    assert_eq!(
        listed.cluster_arns(),
        ["arn:aws:ecs:us-east-1:111122223333:cluster/mine"]
    );
}

#[tokio::test]
async fn keep_alive_serves_several_requests_on_one_connection() {
    let s = start().await;
    let mut conn = RawConn::open(s.addr).await;
    let created = conn.ecs("CreateCluster", r#"{"clusterName":"ka"}"#).await;
    assert_eq!(
        created.status,
        200,
        "{}",
        String::from_utf8_lossy(&created.body)
    );
    assert_eq!(created.json()["cluster"]["clusterName"], "ka");
    let bad = conn.ecs("CreateCluster", "{").await;
    assert_eq!(bad.status, 400);
    let listed = conn.ecs("ListClusters", "{}").await;
    assert_eq!(listed.status, 200);
    assert_eq!(
        listed.json()["clusterArns"][0],
        "arn:aws:ecs:us-east-1:000000000000:cluster/ka"
    );
    let described = conn
        .ecs_as(
            "DescribeClusters",
            r#"{"clusters":["ka"]}"#,
            "us-east-1",
            "test",
        )
        .await;
    assert_eq!(described.json()["clusters"][0]["status"], "ACTIVE");
}

/// Operations of the model that local-ecs does not implement yet still answer one of the errors
/// the model lists for them (never UnknownOperationException).
#[tokio::test]
async fn unimplemented_operations_answer_modelled_errors() {
    let s = start().await;
    create_cluster(&s.client, "default").await;
    let mut conn = RawConn::open(s.addr).await;
    let run_task_errors = [
        "ConflictException",
        "AccessDeniedException",
        "PlatformUnknownException",
        "ServerException",
        "InvalidParameterException",
        "BlockedException",
        "ClientException",
        "ClusterNotFoundException",
        "PlatformTaskDefinitionIncompatibilityException",
        "UnsupportedFeatureException",
    ];
    let create_service_errors = [
        "AccessDeniedException",
        "PlatformUnknownException",
        "NamespaceNotFoundException",
        "ServerException",
        "InvalidParameterException",
        "ClientException",
        "ClusterNotFoundException",
        "PlatformTaskDefinitionIncompatibilityException",
        "UnsupportedFeatureException",
    ];
    let cases: [(&str, &str, &[&str]); 2] = [
        ("RunTask", r#"{"taskDefinition":"app:1"}"#, &run_task_errors),
        (
            "CreateService",
            r#"{"serviceName":"svc","taskDefinition":"app:1","desiredCount":1}"#,
            &create_service_errors,
        ),
    ];
    for (op, body, modelled) in cases {
        let r = conn.ecs(op, body).await;
        assert_eq!(r.status, 400, "{op}");
        let code = r.error_type();
        assert!(
            modelled.contains(&code.as_str()),
            "{op} answered {code}: {}",
            r.message()
        );
    }
    // Through the SDK the error parses as one of RunTask's modelled variants.
    let e = s
        .client
        .run_task()
        .task_definition("app:1")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    let modelled = e.is_unsupported_feature_exception()
        || e.is_client_exception()
        || e.is_invalid_parameter_exception()
        || e.is_cluster_not_found_exception()
        || e.is_server_exception();
    assert!(modelled, "{e:?}");
}
