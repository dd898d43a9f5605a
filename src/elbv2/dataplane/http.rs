//! An HTTP listener's connections: HTTP/1.1 with keep-alive towards the client, each request
//! routed by the plan's rules to its action (fixed response, redirect, forward).

use super::answer::{self, Body};
use super::cookie;
use super::listener::Shared;
use super::pick;
use super::plan::{ActionPlan, ForwardPlan, ListenerPlan};
use super::proxy::{self, Inbound};
use super::redirect::{self, Redirect};
use super::route::{self, RequestView};
use hyper::body::Incoming;
use hyper::header::{HeaderValue, SET_COOKIE};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};
use tokio::net::TcpStream;

/// Serves one client connection until it closes, fails or idles out (the load balancer's idle
/// timeout bounds the wait for a request's headers).
pub(super) async fn serve(stream: TcpStream, peer: SocketAddr, shared: Arc<Shared>) {
    let _ = stream.set_nodelay(true);
    let idle = shared.plan().idle_timeout;
    let service = service_fn(move |req| {
        let shared = shared.clone();
        async move { Ok::<_, Infallible>(handle(req, peer, &shared).await) }
    });
    // The timer bounds the wait for each request's headers, between keep-alive requests too, so
    // an idle client is let go as ELBv2 does; 1 s is the lowest idle timeout ELBv2 accepts.
    let mut builder = http1::Builder::new();
    builder
        .keep_alive(true)
        .timer(TokioTimer::new())
        .header_read_timeout(idle.max(Duration::from_secs(1)));
    if let Err(e) = builder
        .serve_connection(TokioIo::new(stream), service)
        .await
    {
        // A client gone mid-request or sending garbage: only this connection is affected.
        tracing::debug!(%peer, error = %e, "load balancer connection ended");
    }
}

/// One request: the first matching rule's action.
async fn handle(req: Request<Incoming>, peer: SocketAddr, shared: &Shared) -> Response<Body> {
    let plan = shared.plan();
    let (parts, body) = req.into_parts();
    let view = RequestView::new(&parts, peer.ip());
    match route::select(&plan.rules, &view) {
        None => generated(&plan, StatusCode::SERVICE_UNAVAILABLE),
        Some(ActionPlan::FixedResponse {
            status,
            content_type,
            body,
        }) => {
            plan.meter.fixed_response();
            answer::fixed(*status, content_type.as_deref(), body.as_deref())
        }
        Some(ActionPlan::Redirect {
            protocol,
            host,
            port,
            path,
            query,
            status,
        }) => {
            let to = Redirect {
                protocol,
                host,
                port,
                path,
                query,
            };
            plan.meter.redirect();
            answer::redirect(*status, &redirect::location(&to, &view, plan.port))
        }
        Some(ActionPlan::Forward(forward)) => {
            let req = Request::from_parts(parts, body);
            send_forward(req, peer, forward, &plan, shared).await
        }
    }
}

/// A forward action: a group by weight (or its stickiness cookie), a target in it (round robin or
/// its stickiness cookie), then the proxy; the stickiness cookies are (re)set on the answer.
async fn send_forward(
    req: Request<Incoming>,
    peer: SocketAddr,
    forward: &ForwardPlan,
    plan: &ListenerPlan,
    shared: &Shared,
) -> Response<Body> {
    let headers = req.headers();
    let Some(weighted) = pick::group(forward, cookie::get(headers, cookie::GROUP), rand::random())
    else {
        return generated(plan, StatusCode::SERVICE_UNAVAILABLE);
    };
    let group = &weighted.group;
    let Some(target) = pick::target(group, cookie::get(headers, cookie::TARGET)) else {
        return generated(plan, StatusCode::SERVICE_UNAVAILABLE);
    };
    let mut response = match target.addr {
        // A simulated task: nothing listens behind it.
        None => {
            weighted.meter.unanswered(target.zone.as_ref());
            generated(plan, StatusCode::BAD_GATEWAY)
        }
        Some(addr) => {
            let inbound = Inbound {
                client: peer.ip(),
                port: plan.port,
                timeout: plan.idle_timeout,
            };
            let sent = Instant::now();
            let response = proxy::forward(req, addr, inbound, &shared.pool).await;
            if answer::is_generated(&response) {
                weighted.meter.unanswered(target.zone.as_ref());
                plan.meter.generated(response.status().as_u16());
            } else {
                let status = response.status().as_u16();
                weighted
                    .meter
                    .answered(target.zone.as_ref(), status, sent.elapsed());
            }
            response
        }
    };
    let now = SystemTime::now();
    if let Some(lifetime) = forward.group_stickiness {
        let value = cookie::group_value(&weighted.arn);
        set_cookies(&mut response, cookie::GROUP, &value, lifetime, now);
    }
    if let Some(lifetime) = group.stickiness {
        let value = cookie::target_value(&target.key);
        set_cookies(&mut response, cookie::TARGET, &value, lifetime, now);
    }
    response
}

/// ELBv2's own error page, counted as the load balancer's answer.
fn generated(plan: &ListenerPlan, status: StatusCode) -> Response<Body> {
    plan.meter.generated(status.as_u16());
    answer::error(status)
}

fn set_cookies(
    response: &mut Response<Body>,
    name: &str,
    value: &str,
    lifetime: Duration,
    now: SystemTime,
) {
    for line in cookie::set_lines(name, value, lifetime, now) {
        if let Ok(line) = HeaderValue::from_str(&line) {
            response.headers_mut().append(SET_COOKIE, line);
        }
    }
}
