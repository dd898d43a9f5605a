//! CORS as LocalStack enforces it: a browser page may drive the API only from an allowed origin.
//!
//! Browsers send a `text/plain` POST cross-origin without a preflight, and Query requests can
//! carry their `Action` and credential scope in the URL, so without this check any web page open
//! in the user's browser could create clusters, run tasks or reset the server. Requests carrying
//! an `Origin` that is not allowed are refused with a 403 before routing (internal endpoints
//! included); preflights are answered for allowed origins only. Allowed: the server's own origin
//! (`localhost`, `127.0.0.1`, `[::1]` or the address it listens on, at its port) and those of
//! `--cors-allowed-origins` (`*` for any). AWS SDKs and the CLI send no `Origin`: unaffected.
//! Naming the hosts instead of trusting the `Host` header keeps DNS-rebinding pages out too.

use super::HttpRequest;
use crate::wire::WireResponse;
use bytes::Bytes;
use std::net::SocketAddr;

const ALLOW_METHODS: &str = "HEAD,GET,PUT,POST,DELETE,OPTIONS,PATCH";
const EXPOSE_HEADERS: &str = "x-amzn-requestid,x-amzn-errortype,x-amz-request-id,etag";

/// What CORS makes of a request.
#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    /// No `Origin`: not a browser's cross-origin request.
    NoOrigin,
    /// An allowed origin (echoed back in the answer).
    Allowed(String),
    Refused(String),
}

/// Judges the request's `Origin` against the server's own origin and the `allowed` list.
pub fn check(req: &HttpRequest, allowed: &[String], host: &str, port: u16) -> Verdict {
    let Some(origin) = req.header("origin") else {
        return Verdict::NoOrigin;
    };
    let origin = origin.trim_end_matches('/');
    let listed = allowed.iter().any(|a| a == "*" || a == origin);
    if listed || is_own(origin, host, req.local, port) {
        Verdict::Allowed(origin.to_string())
    } else {
        Verdict::Refused(origin.to_string())
    }
}

/// Whether `origin` is this server itself: a loopback name or the listening address, at its port.
fn is_own(origin: &str, host: &str, local: Option<SocketAddr>, port: u16) -> bool {
    let Some((scheme, rest)) = origin.split_once("://") else {
        return false;
    };
    let default_port = match scheme {
        "http" => 80,
        "https" => 443,
        _ => return false,
    };
    let (name, origin_port) = match rest.rsplit_once(':') {
        Some((n, p)) if !p.contains(']') => (n, p.parse::<u16>().ok()),
        _ => (rest, Some(default_port)),
    };
    let port = local.map_or(port, |l| l.port());
    if origin_port != Some(port) {
        return false;
    }
    let name = name.trim_start_matches('[').trim_end_matches(']');
    let listening = local.map(|l| l.ip().to_string());
    let unspecified = matches!(host, "0.0.0.0" | "::" | "");
    matches!(name, "localhost" | "127.0.0.1" | "::1")
        || (!unspecified && name == host)
        || listening.is_some_and(|ip| ip == name && !unspecified)
}

/// A preflight: `OPTIONS` with `Access-Control-Request-Method`.
pub fn is_preflight(req: &HttpRequest) -> bool {
    req.method == "OPTIONS" && req.header("access-control-request-method").is_some()
}

/// The answer to an allowed origin's preflight: every method, the headers it asked for.
pub fn preflight(req: &HttpRequest, origin: &str) -> WireResponse {
    let mut resp = WireResponse {
        status: 200,
        headers: vec![
            ("access-control-allow-methods", ALLOW_METHODS.into()),
            ("access-control-max-age", "600".into()),
        ],
        body: Bytes::new(),
    };
    if let Some(asked) = req.header("access-control-request-headers") {
        resp.headers
            .push(("access-control-allow-headers", asked.to_string()));
    }
    decorate(&mut resp, origin);
    resp
}

/// Marks an answer as readable by the allowed `origin`.
pub fn decorate(resp: &mut WireResponse, origin: &str) {
    resp.headers
        .push(("access-control-allow-origin", origin.to_string()));
    resp.headers
        .push(("access-control-expose-headers", EXPOSE_HEADERS.into()));
    resp.headers.push(("vary", "Origin".into()));
}

/// The 403 for an origin that is not allowed.
pub fn refused(origin: &str) -> WireResponse {
    let body = serde_json::json!({
        "__type": "AccessDeniedException",
        "message": format!(
            "CORS: origin {origin} is not allowed; start local-ecs with --cors-allowed-origins (or LOCAL_ECS_CORS_ALLOWED_ORIGINS) to allow it."
        ),
    });
    WireResponse {
        status: 403,
        headers: vec![("content-type", "application/json".into())],
        body: Bytes::from(body.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_origin(origin: &str) -> HttpRequest {
        HttpRequest {
            method: "POST".into(),
            headers: HttpRequest::header_map(&[("origin", origin)]),
            local: "127.0.0.1:4566".parse().ok(),
            ..Default::default()
        }
    }

    #[test]
    fn own_origin_allowed_others_refused() {
        let judge = |o: &str, allowed: &[&str]| {
            let allowed: Vec<String> = allowed.iter().map(|s| s.to_string()).collect();
            check(&with_origin(o), &allowed, "127.0.0.1", 4566)
        };
        assert!(matches!(
            judge("http://localhost:4566", &[]),
            Verdict::Allowed(_)
        ));
        assert!(matches!(
            judge("http://127.0.0.1:4566/", &[]),
            Verdict::Allowed(_)
        ));
        assert!(matches!(
            judge("http://[::1]:4566", &[]),
            Verdict::Allowed(_)
        ));
        assert!(matches!(
            judge("http://localhost:3000", &[]),
            Verdict::Refused(_)
        ));
        assert!(matches!(
            judge("https://evil.example", &[]),
            Verdict::Refused(_)
        ));
        assert!(matches!(
            judge("http://evil.example:4566", &[]),
            Verdict::Refused(_)
        ));
        assert!(matches!(judge("null", &[]), Verdict::Refused(_)));
        assert!(matches!(
            judge("http://localhost:3000", &["http://localhost:3000"]),
            Verdict::Allowed(_)
        ));
        assert!(matches!(
            judge("https://evil.example", &["*"]),
            Verdict::Allowed(_)
        ));
        let none = check(&HttpRequest::default(), &[], "127.0.0.1", 4566);
        assert_eq!(none, Verdict::NoOrigin);
    }
}
