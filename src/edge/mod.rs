//! The edge: internal endpoints, routing, the request context (account, region, request id),
//! decoding with the protocol's codec and encoding the answer. It knows no service's logic.
//! Browsers are held to CORS first ([`cors`]), before anything is routed.

pub mod cors;
mod internal;
mod limits;
#[cfg(test)]
mod tests;

use crate::router::{self, RouteInput, Service};
use crate::wire::{self, cbor, json, sigv4, Protocol, Reply, WireError, WireResponse};
use crate::App;
use bytes::Bytes;
use hyper::header::{HeaderMap, HeaderName, HeaderValue};
use serde_json::{Map, Value};

pub use crate::core::context::{new_request_id, RequestContext, DEFAULT_ACCOUNT, DEFAULT_REGION};

/// An HTTP request as the edge sees it. The header map is moved from the HTTP library's
/// request, not copied: building it is on every request's path.
#[derive(Debug, Clone, Default)]
pub struct HttpRequest {
    pub method: String,
    pub path: String,
    pub query: String,
    pub headers: HeaderMap,
    pub body: Bytes,
    /// The client's address (`None` when embedded without a socket).
    pub peer: Option<std::net::SocketAddr>,
    /// The address the request arrived on.
    pub local: Option<std::net::SocketAddr>,
}

impl HttpRequest {
    /// A header's value (any case of the name), if present and text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Builds a header map from pairs (tests and embedders); invalid pairs are skipped.
    pub fn header_map(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            if let (Ok(k), Ok(v)) = (
                HeaderName::from_bytes(k.as_bytes()),
                HeaderValue::from_str(v),
            ) {
                map.append(k, v);
            }
        }
        map
    }
}

/// Answers one request. Never panics on input; every answer carries `x-amzn-RequestId`.
pub async fn handle(app: &App, req: &HttpRequest) -> WireResponse {
    let config = &app.config;
    let origin = match cors::check(req, &config.cors_allowed_origins, &config.host, config.port) {
        cors::Verdict::Refused(origin) => return with_request_id(cors::refused(&origin)),
        cors::Verdict::Allowed(origin) => Some(origin),
        cors::Verdict::NoOrigin => None,
    };
    let mut resp = match &origin {
        Some(origin) if cors::is_preflight(req) => with_request_id(cors::preflight(req, origin)),
        _ => answer(app, req).await,
    };
    if let Some(origin) = origin {
        cors::decorate(&mut resp, &origin);
    }
    resp
}

fn with_request_id(mut resp: WireResponse) -> WireResponse {
    resp.headers.push(("x-amzn-requestid", new_request_id()));
    resp
}

async fn answer(app: &App, req: &HttpRequest) -> WireResponse {
    let scope = credential_scope(req);
    let access_key = scope.as_ref().map_or("", |s| s.access_key.as_str());
    // A key STS issued (AssumeRole) acts in the account of the caller that assumed the role;
    // any other key stands for an account as `sigv4::account_for` says.
    let account = app
        .sts
        .account_of(access_key)
        .unwrap_or_else(|| sigv4::account_for(access_key));
    let mut ctx = RequestContext::new(
        &account,
        scope
            .as_ref()
            .map(|s| s.region.as_str())
            .filter(|r| !r.is_empty())
            .unwrap_or(DEFAULT_REGION),
    );
    ctx.host = req.header("host").map(str::to_string);
    ctx.access_key = access_key.to_string();
    let mut resp = match internal::handle(app, req).await {
        Some(resp) => resp,
        None => dispatch(app, req, &ctx, scope.as_ref().map(|s| s.service.as_str())),
    };
    // With a state dir, what the request changed is on disk before the answer leaves.
    if let Err(why) = app.commit().await {
        tracing::error!("could not save state: {why}");
        let err = WireError::new(
            "InternalFailure",
            500,
            format!("local-ecs applied the request but could not save its state: {why}"),
        );
        resp = wire::json::encode_error(Protocol::Json11, &err);
    }
    resp.headers
        .push(("x-amzn-requestid", ctx.request_id.clone()));
    resp
}

fn dispatch(
    app: &App,
    req: &HttpRequest,
    ctx: &RequestContext,
    signing: Option<&str>,
) -> WireResponse {
    let lookup = |name: &str| req.header(name);
    let input = RouteInput {
        method: &req.method,
        path: &req.path,
        query: &req.query,
        header: &lookup,
        body: &req.body,
        signing_service: signing,
    };
    let route = match router::route(&input) {
        Ok(route) => route,
        Err((protocol, err)) => return wire::encode_error(protocol, &err, &ctx.request_id),
    };
    let result = match route.service {
        Some(Service::Ecs) => limits::check_body(&route.operation, &req.body)
            .and_then(|()| decode(route.protocol, &req.body))
            .and_then(|input| {
                limits::check_input(&route.operation, &input)?;
                app.ecs
                    .dispatch(ctx, &route.operation, input)
                    .map_err(WireError::from)
            }),
        Some(Service::Logs) => decode(route.protocol, &req.body).and_then(|input| {
            app.logs
                .dispatch(ctx, &route.operation, input)
                .map_err(WireError::from)
        }),
        Some(Service::AppScaling) => decode(route.protocol, &req.body).and_then(|input| {
            app.appscaling
                .dispatch(ctx, &route.operation, input)
                .map_err(WireError::from)
        }),
        Some(Service::CloudWatch) => return cloudwatch(app, req, ctx, &route),
        Some(Service::AutoScaling) => return autoscaling(app, req, ctx, &route.operation),
        Some(Service::Elbv2) => return elbv2(app, req, ctx, &route.operation),
        Some(Service::Iam) => return iam(app, req, ctx, &route.operation),
        Some(Service::Sts) => return sts(app, req, ctx, &route.operation),
        Some(Service::Ec2) => {
            let result = app
                .ec2
                .dispatch(ctx, &route.operation, ec2_params(req))
                .map_err(WireError::from);
            return match result {
                Ok(body) => wire::xml::encode_ec2_ok(
                    &route.operation,
                    Some(crate::ec2::render::XMLNS),
                    &body,
                    &ctx.request_id,
                ),
                Err(err) => wire::encode_error(Protocol::Ec2Query, &err, &ctx.request_id),
            };
        }
        None => Err(not_emulated(
            route.protocol,
            "this service",
            &route.operation,
        )),
    };
    match result {
        Ok(reply) => encode_ok(route.protocol, reply),
        Err(err) => wire::encode_error(route.protocol, &err, &ctx.request_id),
    }
}

/// Auto Scaling speaks AWS Query: form pairs in (the query string and a form body), XML out
/// in the service's namespace.
fn autoscaling(app: &App, req: &HttpRequest, ctx: &RequestContext, op: &str) -> WireResponse {
    use crate::autoscaling::XMLNS;
    match app.autoscaling.dispatch(ctx, op, query_params(req)) {
        Ok(result) => {
            wire::xml::encode_query_ok(op, Some(XMLNS), result.as_deref(), &ctx.request_id)
        }
        Err(e) => wire::xml::encode_query_error_ns(&e.into(), &ctx.request_id, Some(XMLNS)),
    }
}

/// CloudWatch speaks CBOR, JSON 1.0 and Query: its handlers answer a JSON document that is
/// written in the protocol the request came in (as XML in its namespace for Query).
fn cloudwatch(
    app: &App,
    req: &HttpRequest,
    ctx: &RequestContext,
    route: &router::Route,
) -> WireResponse {
    use crate::cloudwatch::{render, XMLNS};
    let (protocol, op) = (route.protocol, route.operation.as_str());
    if matches!(protocol, Protocol::Query | Protocol::Ec2Query) {
        return match app.cloudwatch.dispatch(ctx, op, query_params(req)) {
            // PutMetricData has no output shape: no `Result` element.
            Ok(_) if op == "PutMetricData" => {
                wire::xml::encode_query_ok(op, Some(XMLNS), None, &ctx.request_id)
            }
            Ok(doc) => {
                let xml = render::result_xml(&doc);
                wire::xml::encode_query_ok(op, Some(XMLNS), Some(&xml), &ctx.request_id)
            }
            Err(e) => wire::xml::encode_query_error_ns(&e.into(), &ctx.request_id, Some(XMLNS)),
        };
    }
    let result = decode(protocol, &req.body).and_then(|input| {
        app.cloudwatch
            .dispatch(ctx, op, input)
            .map(|doc| Reply::of(&doc))
            .map_err(WireError::from)
    });
    match result {
        Ok(reply) => encode_ok(protocol, reply),
        Err(err) => wire::encode_error(protocol, &err, &ctx.request_id),
    }
}

/// ELBv2 speaks AWS Query as Auto Scaling does, in its own namespace.
fn elbv2(app: &App, req: &HttpRequest, ctx: &RequestContext, op: &str) -> WireResponse {
    use crate::elbv2::XMLNS;
    match app.elbv2.dispatch(ctx, op, query_params(req)) {
        // Every ELBv2 operation has an output shape: an empty one is still a `Result` element.
        Ok(result) => wire::xml::encode_query_ok(
            op,
            Some(XMLNS),
            Some(result.as_deref().unwrap_or("")),
            &ctx.request_id,
        ),
        Err(e) => wire::xml::encode_query_error_ns(&e.into(), &ctx.request_id, Some(XMLNS)),
    }
}

/// IAM speaks AWS Query in its own namespace; operations without output have no `Result`.
fn iam(app: &App, req: &HttpRequest, ctx: &RequestContext, op: &str) -> WireResponse {
    use crate::iam::XMLNS;
    match app.iam.dispatch(ctx, op, query_params(req)) {
        Ok(result) => {
            wire::xml::encode_query_ok(op, Some(XMLNS), result.as_deref(), &ctx.request_id)
        }
        Err(e) => wire::xml::encode_query_error_ns(&e.into(), &ctx.request_id, Some(XMLNS)),
    }
}

/// STS speaks AWS Query in its own namespace.
fn sts(app: &App, req: &HttpRequest, ctx: &RequestContext, op: &str) -> WireResponse {
    use crate::sts::XMLNS;
    match app.sts.dispatch(ctx, op, query_params(req)) {
        Ok(result) => {
            wire::xml::encode_query_ok(op, Some(XMLNS), result.as_deref(), &ctx.request_id)
        }
        Err(e) => wire::xml::encode_query_error_ns(&e.into(), &ctx.request_id, Some(XMLNS)),
    }
}

/// A Query request's parameters: the query string and a form body together.
fn query_params(req: &HttpRequest) -> Map<String, Value> {
    let mut params = wire::query::parse_form(&req.query);
    if let Ok(body) = std::str::from_utf8(&req.body) {
        params.extend(wire::query::parse_form(body));
    }
    wire::query::to_document(&params)
}

/// An EC2 Query request's parameters: the form body of a POST, else the query string.
fn ec2_params(req: &HttpRequest) -> Map<String, Value> {
    let text = if req.method == "POST" && !req.body.is_empty() {
        String::from_utf8_lossy(&req.body).into_owned()
    } else {
        req.query.clone()
    };
    wire::query::to_document(&wire::query::parse_form(&text))
}

fn decode(protocol: Protocol, body: &[u8]) -> Result<Map<String, Value>, WireError> {
    match protocol {
        Protocol::RpcV2Cbor => cbor::decode(body),
        _ => json::decode(body),
    }
}

fn encode_ok(protocol: Protocol, reply: Reply) -> WireResponse {
    match protocol {
        Protocol::RpcV2Cbor => cbor::encode_ok(&reply.to_value()),
        _ => json::encode_ok(protocol, reply.into_json()),
    }
}

fn not_emulated(protocol: Protocol, service: &str, operation: &str) -> WireError {
    let message = format!(
        "local-ecs does not emulate {service} yet: operation {operation} is not available."
    );
    match protocol {
        Protocol::Query | Protocol::Ec2Query => WireError::new("InvalidAction", 400, message),
        _ => WireError::new("UnknownOperationException", 400, message),
    }
}

fn credential_scope(req: &HttpRequest) -> Option<sigv4::Scope> {
    if let Some(scope) = req
        .header("authorization")
        .and_then(sigv4::from_authorization)
    {
        return Some(scope);
    }
    let cred = crate::wire::query::parse_form(&req.query).remove("X-Amz-Credential")?;
    sigv4::from_credential(&cred)
}
