//! The data plane end to end on loopback: tiny targets, a bound [`ListenerHandle`] and a minimal
//! HTTP/1.1 client (hyper's client connection).

use super::plan::*;
use super::ListenerHandle;
use crate::core::balancing::TargetKey;
use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper::client::conn::http1 as client;
use hyper::{HeaderMap, Request, StatusCode};
use hyper_util::rt::TokioIo;
use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

mod lifecycle;
mod targets;
use targets::{echo_target, garbage_target, refused_port, silent_target, stalling_target, target};

fn plan_target(id: &str, addr: Option<SocketAddr>) -> PlanTarget {
    PlanTarget {
        key: TargetKey {
            id: id.into(),
            port: addr.map_or(80, |a| a.port()),
        },
        addr,
        healthy: true,
        zone: None,
    }
}

fn group(targets: Vec<PlanTarget>, stickiness: Option<Duration>) -> Arc<GroupPlan> {
    Arc::new(GroupPlan {
        arn: "arn:aws:elasticloadbalancing:tg/a".into(),
        targets,
        stickiness,
        ..GroupPlan::default()
    })
}

fn forward(group: Arc<GroupPlan>) -> ActionPlan {
    ActionPlan::Forward(ForwardPlan {
        groups: vec![WeightedGroup {
            arn: group.arn.clone(),
            weight: 1,
            group,
            meter: Arc::default(),
        }],
        group_stickiness: None,
    })
}

fn plan(protocol: ListenerProtocol, rules: Vec<RulePlan>) -> Arc<ListenerPlan> {
    Arc::new(ListenerPlan {
        protocol,
        port: 8080,
        rules,
        idle_timeout: Duration::from_millis(300),
        meter: Arc::default(),
    })
}

fn http_plan(action: ActionPlan) -> Arc<ListenerPlan> {
    plan(
        ListenerProtocol::Http,
        vec![RulePlan {
            conditions: vec![],
            action,
        }],
    )
}

fn bind(plan: Arc<ListenerPlan>) -> ListenerHandle {
    ListenerHandle::bind("127.0.0.1:0".parse().unwrap(), plan).unwrap()
}

struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

/// One request on its own connection.
async fn get(lb: &ListenerHandle, path: &str, headers: &[(&str, &str)]) -> Answer {
    let stream = TcpStream::connect(lb.local_addr()).await.unwrap();
    let (mut sender, connection) = client::handshake(TokioIo::new(stream)).await.unwrap();
    tokio::spawn(connection);
    send(&mut sender, path, headers).await
}

async fn send(
    sender: &mut client::SendRequest<Empty<Bytes>>,
    path: &str,
    headers: &[(&str, &str)],
) -> Answer {
    let mut req = Request::get(path).header("host", "shop.example.com:8080");
    for (name, value) in headers {
        req = req.header(*name, *value);
    }
    let response = sender
        .send_request(req.body(Empty::new()).unwrap())
        .await
        .unwrap();
    let (parts, body) = response.into_parts();
    let body = body.collect().await.unwrap().to_bytes();
    Answer {
        status: parts.status,
        headers: parts.headers,
        body: String::from_utf8(body.to_vec()).unwrap(),
    }
}

/// Waits (up to 2 s) for `condition` to hold.
async fn eventually(condition: impl Fn() -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(2);
    while !condition() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "condition never held"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

fn name(answer: &Answer) -> &str {
    answer.body.lines().next().unwrap_or("")
}

#[tokio::test]
async fn forwards_round_robin_with_forwarding_headers() {
    let (a, _) = target("a").await;
    let (b, _) = target("b").await;
    let lb = bind(http_plan(forward(group(
        vec![plan_target("a", Some(a)), plan_target("b", Some(b))],
        None,
    ))));
    let first = get(
        &lb,
        "/x?y=1",
        &[
            ("x-forwarded-for", "203.0.113.9"),
            ("connection", "keep-alive"),
        ],
    )
    .await;
    let second = get(&lb, "/x", &[]).await;
    let third = get(&lb, "/x", &[]).await;
    assert_eq!([name(&first), name(&second), name(&third)], ["a", "b", "a"]);
    assert_eq!(first.status, StatusCode::OK);
    assert!(
        first
            .body
            .contains("x-forwarded-for: 203.0.113.9, 127.0.0.1\n"),
        "{}",
        first.body
    );
    assert!(first.body.contains("x-forwarded-proto: http\n"));
    assert!(first.body.contains("x-forwarded-port: 8080\n"));
    assert!(first.body.contains("x-amzn-trace-id: Root=1-"));
    assert!(
        !first.body.contains("connection:"),
        "hop-by-hop header forwarded"
    );
}

#[tokio::test]
async fn target_connections_are_kept_alive_and_reused() {
    let (a, accepted) = target("a").await;
    let lb = bind(http_plan(forward(group(
        vec![plan_target("a", Some(a))],
        None,
    ))));
    let stream = TcpStream::connect(lb.local_addr()).await.unwrap();
    let (mut sender, connection) = client::handshake(TokioIo::new(stream)).await.unwrap();
    tokio::spawn(connection);
    for _ in 0..3 {
        assert_eq!(name(&send(&mut sender, "/", &[]).await), "a");
        // The pool takes the connection back once the response is read through.
        eventually(|| lb.shared().pool.idle_count(a) == 1).await;
    }
    assert_eq!(accepted.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn no_target_is_503_and_the_page_is_elbs() {
    let lb = bind(http_plan(forward(group(vec![], None))));
    let answer = get(&lb, "/", &[]).await;
    assert_eq!(answer.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(answer.headers["server"], "awselb/2.0");
    assert!(answer
        .body
        .contains("<title>503 Service Temporarily Unavailable</title>"));
}

#[tokio::test]
async fn refused_garbage_or_simulated_targets_are_502() {
    for to in [
        Some(refused_port().await),
        Some(garbage_target().await),
        None,
    ] {
        let lb = bind(http_plan(forward(group(vec![plan_target("t", to)], None))));
        let answer = get(&lb, "/", &[]).await;
        assert_eq!(answer.status, StatusCode::BAD_GATEWAY, "target {to:?}");
        assert!(answer.body.contains("<h1>502 Bad Gateway</h1>"));
        // The listener still serves after a failing target.
        assert_eq!(get(&lb, "/", &[]).await.status, StatusCode::BAD_GATEWAY);
    }
}

#[tokio::test]
async fn silent_target_is_504_after_the_idle_timeout() {
    let lb = bind(http_plan(forward(group(
        vec![plan_target("t", Some(silent_target().await))],
        None,
    ))));
    let started = std::time::Instant::now();
    let answer = get(&lb, "/", &[]).await;
    assert_eq!(answer.status, StatusCode::GATEWAY_TIMEOUT);
    assert!(started.elapsed() >= Duration::from_millis(300));
}

#[tokio::test]
async fn fixed_response_and_redirect() {
    let lb = bind(http_plan(ActionPlan::FixedResponse {
        status: 418,
        content_type: Some("text/plain".into()),
        body: Some("teapot".into()),
    }));
    let answer = get(&lb, "/", &[]).await;
    assert_eq!(
        (answer.status.as_u16(), answer.body.as_str()),
        (418, "teapot")
    );
    assert_eq!(answer.headers["content-type"], "text/plain");
    lb.update(http_plan(ActionPlan::Redirect {
        protocol: "HTTPS".into(),
        host: "#{host}".into(),
        port: "443".into(),
        path: "/v2/#{path}".into(),
        query: "#{query}".into(),
        status: 301,
    }));
    let answer = get(&lb, "/items?page=2", &[]).await;
    assert_eq!(answer.status, StatusCode::MOVED_PERMANENTLY);
    assert_eq!(
        answer.headers["location"],
        "https://shop.example.com/v2/items?page=2"
    );
}

#[tokio::test]
async fn rules_route_by_path_before_the_default() {
    let (a, _) = target("a").await;
    let api = RulePlan {
        conditions: vec![Condition::PathPattern(vec!["/api/*".into()])],
        action: ActionPlan::FixedResponse {
            status: 200,
            content_type: None,
            body: Some("api".into()),
        },
    };
    let default = RulePlan {
        conditions: vec![],
        action: forward(group(vec![plan_target("a", Some(a))], None)),
    };
    let lb = bind(plan(ListenerProtocol::Http, vec![api, default]));
    assert_eq!(get(&lb, "/api/users", &[]).await.body, "api");
    assert_eq!(name(&get(&lb, "/web", &[]).await), "a");
}

#[tokio::test]
async fn stickiness_cookie_pins_the_target() {
    let (a, _) = target("a").await;
    let (b, _) = target("b").await;
    let sticky = group(
        vec![plan_target("a", Some(a)), plan_target("b", Some(b))],
        Some(Duration::from_secs(60)),
    );
    let lb = bind(http_plan(forward(sticky)));
    let first = get(&lb, "/", &[]).await;
    let cookies: Vec<&str> = first
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap())
        .collect();
    assert_eq!(cookies.len(), 2);
    assert!(cookies[1].starts_with("AWSALBCORS=") && cookies[1].contains("SameSite=None; Secure"));
    let pair = cookies[0].split(';').next().unwrap().to_owned();
    for _ in 0..3 {
        assert_eq!(
            name(&get(&lb, "/", &[("cookie", &pair)]).await),
            name(&first)
        );
    }
}

/// Writes `raw` on a new connection and reads until the listener closes it.
async fn exchange_raw(lb: &ListenerHandle, raw: &[u8]) -> String {
    let mut conn = TcpStream::connect(lb.local_addr()).await.unwrap();
    conn.write_all(raw).await.unwrap();
    let mut answer = Vec::new();
    let read = conn.read_to_end(&mut answer);
    tokio::time::timeout(Duration::from_secs(5), read)
        .await
        .unwrap()
        .unwrap();
    String::from_utf8_lossy(&answer).into_owned()
}

#[tokio::test]
async fn request_bodies_reach_the_target() {
    let (a, _) = target("a").await;
    let lb = bind(http_plan(forward(group(
        vec![plan_target("a", Some(a))],
        None,
    ))));
    let raw =
        b"POST /in HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello";
    let answer = exchange_raw(&lb, raw).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("body: hello\n"), "{answer}");
}

#[tokio::test]
async fn all_weights_zero_is_503() {
    let (a, _) = target("a").await;
    let group = group(vec![plan_target("a", Some(a))], None);
    let action = ActionPlan::Forward(ForwardPlan {
        groups: vec![WeightedGroup {
            arn: group.arn.clone(),
            weight: 0,
            group,
            meter: Arc::default(),
        }],
        group_stickiness: None,
    });
    let lb = bind(http_plan(action));
    assert_eq!(
        get(&lb, "/", &[]).await.status,
        StatusCode::SERVICE_UNAVAILABLE
    );
}
