//! Sending one request to a target and its answer back: the `X-Forwarded-*` and trace headers
//! ELBv2 adds, hop-by-hop headers dropped both ways, a pooled connection reused when it can be,
//! and failures turned into ELBv2's 502 (refused, reset, garbage) and 504 (no answer in time).

use super::answer::{self, Body};
use super::idle::IdleBody;
use super::pool::{ConnectError, Pool};
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::header::{HeaderMap, HeaderName, HeaderValue, CONNECTION, HOST};
use hyper::{Request, Response, StatusCode, Uri, Version};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Headers that describe one connection, not the message: never forwarded (RFC 9110 §7.6.1).
const HOP_BY_HOP: [&str; 8] = [
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
];

/// What the listener tells the proxy about the request's way in.
#[derive(Debug, Clone, Copy)]
pub(super) struct Inbound {
    pub client: IpAddr,
    /// The listener's port (`X-Forwarded-Port`).
    pub port: u16,
    /// How long the target may take to answer with its headers.
    pub timeout: Duration,
}

/// Forwards `req` to `target` and answers with its response or ELBv2's error page.
pub(super) async fn forward(
    req: Request<Incoming>,
    target: SocketAddr,
    inbound: Inbound,
    pool: &Arc<Pool>,
) -> Response<Body> {
    let req = prepare(req, inbound);
    match tokio::time::timeout(inbound.timeout, exchange(pool, target, req)).await {
        Err(_) => answer::error(StatusCode::GATEWAY_TIMEOUT),
        Ok(Err(e)) => {
            tracing::debug!(%target, error = %e, "target failed");
            answer::error(StatusCode::BAD_GATEWAY)
        }
        Ok(Ok(response)) => relay(response, inbound.timeout),
    }
}

/// Sends on an idle pooled connection when there is one, else (or when the pooled connection
/// turns out closed before the request went out) on a new connection.
async fn exchange(
    pool: &Arc<Pool>,
    target: SocketAddr,
    mut req: Request<Incoming>,
) -> Result<Response<Incoming>, ConnectError> {
    if let Some(mut sender) = pool.checkout(target) {
        match sender.try_send_request(req).await {
            Ok(response) => {
                pool.recycle(target, sender);
                return Ok(response);
            }
            // Not sent at all: the target closed the idle connection first; safe to resend.
            Err(mut e) => match e.take_message() {
                Some(unsent) => req = unsent,
                None => return Err(e.into_error().into()),
            },
        }
    }
    let mut sender = pool.connect(target).await?;
    let response = sender.send_request(req).await?;
    pool.recycle(target, sender);
    Ok(response)
}

/// The request as the target gets it: origin-form URI, HTTP/1.1, hop-by-hop headers dropped,
/// ELBv2's forwarding headers added.
fn prepare(req: Request<Incoming>, inbound: Inbound) -> Request<Incoming> {
    let (mut parts, body) = req.into_parts();
    // An absolute-form request (`GET http://host/path`) names its host only in the URI.
    if let Some(authority) = parts.uri.authority() {
        if let (false, Ok(host)) = (
            parts.headers.contains_key(HOST),
            HeaderValue::from_str(authority.as_str()),
        ) {
            parts.headers.insert(HOST, host);
        }
    }
    let path = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    parts.uri = path.parse().unwrap_or_else(|_| Uri::from_static("/"));
    parts.version = Version::HTTP_11;
    drop_hop_by_hop(&mut parts.headers);
    add_forwarding(&mut parts.headers, inbound);
    Request::from_parts(parts, body)
}

/// `X-Forwarded-For` (the client appended), `-Proto`, `-Port` and a trace id when absent.
fn add_forwarding(headers: &mut HeaderMap, inbound: Inbound) {
    let client = inbound.client.to_canonical().to_string();
    // Every earlier hop, however many header lines carried them, then this client.
    let mut chain: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .collect();
    chain.push(&client);
    let chain = chain.join(", ");
    let traced = headers.contains_key("x-amzn-trace-id");
    let mut set = |name: &'static str, value: String| {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(name, value);
        }
    };
    set("x-forwarded-for", chain);
    set("x-forwarded-proto", "http".to_owned());
    set("x-forwarded-port", inbound.port.to_string());
    if !traced {
        set("x-amzn-trace-id", trace_id(SystemTime::now()));
    }
}

/// `Root=1-<epoch seconds, 8 hex>-<96 random bits, 24 hex>`, the X-Ray format ELBv2 uses.
fn trace_id(now: SystemTime) -> String {
    let secs = now.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs();
    let high = rand::random::<u32>();
    let low = rand::random::<u64>();
    format!("Root=1-{:08x}-{high:08x}{low:016x}", secs as u32)
}

/// Removes the hop-by-hop headers and those the `Connection` header names.
fn drop_hop_by_hop(headers: &mut HeaderMap) {
    let named: Vec<HeaderName> = headers
        .get_all(CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|name| HeaderName::from_bytes(name.trim().as_bytes()).ok())
        .collect();
    for name in named {
        headers.remove(name);
    }
    for name in HOP_BY_HOP {
        headers.remove(name);
    }
    headers.remove("upgrade");
}

/// The target's response as the client gets it: body streamed (within the idle timeout),
/// hop-by-hop headers dropped.
fn relay(response: Response<Incoming>, idle: Duration) -> Response<Body> {
    let (mut parts, body) = response.into_parts();
    drop_hop_by_hop(&mut parts.headers);
    Response::from_parts(parts, IdleBody::new(body, idle).boxed())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hop_by_hop_headers_and_those_connection_names_are_dropped() {
        let mut headers = HeaderMap::new();
        headers.insert("connection", "keep-alive, x-private".parse().unwrap());
        headers.insert("x-private", "1".parse().unwrap());
        headers.insert("transfer-encoding", "chunked".parse().unwrap());
        headers.insert("upgrade", "websocket".parse().unwrap());
        headers.insert("x-kept", "1".parse().unwrap());
        drop_hop_by_hop(&mut headers);
        assert_eq!(headers.len(), 1);
        assert!(headers.contains_key("x-kept"));
    }

    #[test]
    fn forwarding_headers_append_the_client() {
        let mut headers = HeaderMap::new();
        headers.append("x-forwarded-for", "203.0.113.9".parse().unwrap());
        headers.append("x-forwarded-for", "198.51.100.1".parse().unwrap());
        let inbound = Inbound {
            client: "::ffff:10.0.0.5".parse().unwrap(),
            port: 8080,
            timeout: Duration::from_secs(1),
        };
        add_forwarding(&mut headers, inbound);
        assert_eq!(
            headers["x-forwarded-for"],
            "203.0.113.9, 198.51.100.1, 10.0.0.5"
        );
        assert_eq!(headers["x-forwarded-proto"], "http");
        assert_eq!(headers["x-forwarded-port"], "8080");
        let trace = headers["x-amzn-trace-id"].to_str().unwrap();
        assert_eq!(trace.len(), "Root=1-".len() + 8 + 1 + 24);
    }
}
