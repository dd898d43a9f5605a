//! The responses the load balancer writes itself (fixed responses, redirects, its 5xx error
//! pages), all with `Server: awselb/2.0` as ELBv2's, and the body type every response shares.

use super::idle::BoxError;
use bytes::Bytes;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full};
use hyper::header::{HeaderValue, CONTENT_TYPE, LOCATION, SERVER};
use hyper::{Response, StatusCode};

/// A response body: a target's streamed through, or one of ours in full.
pub(super) type Body = BoxBody<Bytes, BoxError>;

/// A body held whole.
pub(super) fn full(bytes: impl Into<Bytes>) -> Body {
    Full::new(bytes.into())
        .map_err(|never| match never {})
        .boxed()
}

/// Marks a response the load balancer wrote itself, so the meter tells it from a target's.
#[derive(Clone, Copy)]
struct Generated;

/// Whether the load balancer wrote `response` (its error pages, fixed responses, redirects).
pub(super) fn is_generated(response: &Response<Body>) -> bool {
    response.extensions().get::<Generated>().is_some()
}

fn ours(status: StatusCode, body: Body) -> Response<Body> {
    let mut response = Response::new(body);
    *response.status_mut() = status;
    response.extensions_mut().insert(Generated);
    response
        .headers_mut()
        .insert(SERVER, HeaderValue::from_static("awselb/2.0"));
    response
}

/// ELBv2's own error page (502, 503, 504…), worded as its pages are.
pub(super) fn error(status: StatusCode) -> Response<Body> {
    let reason = match status {
        StatusCode::SERVICE_UNAVAILABLE => "Service Temporarily Unavailable",
        StatusCode::GATEWAY_TIMEOUT => "Gateway Time-out",
        _ => status.canonical_reason().unwrap_or(""),
    };
    let title = format!("{} {reason}", status.as_str());
    let page = format!(
        "<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n<center><h1>{title}</h1></center>\r\n</body>\r\n</html>\r\n"
    );
    let mut response = ours(status, full(page));
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("text/html"));
    response
}

/// A fixed-response action (an invalid status or content type, which the API refuses, answers 500).
pub(super) fn fixed(status: u16, content_type: Option<&str>, body: Option<&str>) -> Response<Body> {
    let Ok(status) = StatusCode::from_u16(status) else {
        return error(StatusCode::INTERNAL_SERVER_ERROR);
    };
    let mut response = ours(status, full(body.unwrap_or("").to_owned()));
    if let Some(content_type) = content_type {
        match HeaderValue::from_str(content_type) {
            Ok(value) => response.headers_mut().insert(CONTENT_TYPE, value),
            Err(_) => return error(StatusCode::INTERNAL_SERVER_ERROR),
        };
    }
    response
}

/// A redirect action: `HTTP_301` or `HTTP_302` to `location`.
pub(super) fn redirect(status: u16, location: &str) -> Response<Body> {
    let status = if status == 301 {
        StatusCode::MOVED_PERMANENTLY
    } else {
        StatusCode::FOUND
    };
    let Ok(location) = HeaderValue::from_str(location) else {
        return error(StatusCode::INTERNAL_SERVER_ERROR);
    };
    let mut response = ours(status, full(Bytes::new()));
    response.headers_mut().insert(LOCATION, location);
    response
}
