//! The HTTP/1.1 accept loop (keep-alive) and graceful shutdown.
//!
//! What one client can hold is bounded (settings in [`crate::config::Limits`]): connections
//! beyond `max_connections` get a `503` and are closed; a connection idle for `idle_timeout`, or
//! whose request headers take longer than `header_read_timeout`, is closed ([`guard`]); a body
//! must arrive within `body_read_timeout`, is at most [`body::MAX_BODY`] bytes, and bodies in
//! flight share one memory budget ([`body`]).

mod body;
mod guard;

use crate::config::Limits;
use crate::edge::{self, HttpRequest};
use crate::wire::{Protocol, WireError, WireResponse};
use crate::App;
use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;

pub use body::MAX_BODY;

/// How long open requests may take to finish once shutdown begins.
const DRAIN: Duration = Duration::from_secs(5);

/// What every connection of one listener shares.
struct Shared {
    app: Arc<App>,
    limits: Limits,
    budget: body::Budget,
    local: Option<SocketAddr>,
}

/// Serves `app` on `listener` until `shutdown` resolves: then stops accepting and lets open
/// requests finish (for up to 5 s).
pub async fn serve(listener: TcpListener, app: Arc<App>, shutdown: impl Future<Output = ()>) {
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let local = listener.local_addr().ok();
    if let Some(addr) = local {
        tracing::info!(%addr, "local-ecs listening");
    }
    let limits = app.config.limits;
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let shared = Arc::new(Shared {
        app,
        limits,
        budget: body::Budget::default(),
        local,
    });
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(conn) => conn,
                Err(e) => {
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut shutdown => break,
        };
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            tokio::spawn(refuse_busy(stream, limits.max_connections));
            continue;
        };
        let _ = stream.set_nodelay(true);
        let activity = guard::Activity::new(limits.header_read_timeout, limits.idle_timeout);
        let io = TokioIo::new(guard::Guarded::new(stream, activity.clone()));
        let shared = shared.clone();
        let service = service_fn(move |req| {
            activity.request_started();
            let (shared, activity) = (shared.clone(), activity.clone());
            async move {
                let resp = answer(&shared, peer, req).await;
                activity.request_finished();
                resp
            }
        });
        let conn = hyper::server::conn::http1::Builder::new()
            .header_read_timeout(None)
            .serve_connection(io, service);
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!(error = %e, "connection closed with an error");
            }
            drop(slot);
        });
    }
    tokio::select! {
        _ = graceful.shutdown() => {},
        _ = tokio::time::sleep(DRAIN) => {},
    }
}

/// The answer beyond `max_connections`: a 503 saying so, then the connection is closed.
async fn refuse_busy(stream: TcpStream, max: usize) {
    let body = format!(
        "{{\"__type\":\"ServiceUnavailableException\",\"message\":\"local-ecs is serving its maximum of {max} connections (--max-connections); retry later.\"}}"
    );
    let head = format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/x-amz-json-1.1\r\nx-amzn-errortype: ServiceUnavailableException\r\nretry-after: 1\r\nconnection: close\r\ncontent-length: {}\r\n\r\n",
        body.len()
    );
    let reply = [head.as_bytes(), body.as_bytes()].concat();
    let mut written = 0;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(1);
    while written < reply.len() {
        let ready = tokio::time::timeout_at(deadline, stream.writable()).await;
        if !matches!(ready, Ok(Ok(()))) {
            return;
        }
        match stream.try_write(&reply[written..]) {
            Ok(n) => written += n,
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => continue,
            Err(_) => return,
        }
    }
}

async fn answer(
    shared: &Shared,
    peer: SocketAddr,
    req: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let (parts, incoming) = req.into_parts();
    let declared = body::declared_length(&parts.headers);
    let _permit = shared.budget.reserve(declared).await;
    let body = match body::read(incoming, declared, shared.limits.body_read_timeout).await {
        Ok(body) => body,
        Err(err) => return Ok(to_hyper(error(&err))),
    };
    let request = HttpRequest {
        method: parts.method.as_str().to_string(),
        path: parts.uri.path().to_string(),
        query: parts.uri.query().unwrap_or("").to_string(),
        headers: parts.headers,
        body,
        peer: Some(peer),
        local: shared.local,
    };
    Ok(to_hyper(edge::handle(&shared.app, &request).await))
}

/// A transport error, before any protocol is known: in the JSON envelope all SDKs read.
fn error(err: &WireError) -> WireResponse {
    crate::wire::json::encode_error(Protocol::Json11, err)
}

fn to_hyper(wire: WireResponse) -> Response<Full<Bytes>> {
    let mut resp = Response::builder().status(wire.status);
    for (name, value) in &wire.headers {
        resp = resp.header(*name, value.as_str());
    }
    resp.body(Full::new(wire.body))
        .unwrap_or_else(|_| plain(500, "response could not be built"))
}

fn plain(status: u16, msg: &'static str) -> Response<Full<Bytes>> {
    let mut resp = Response::new(Full::new(Bytes::from_static(msg.as_bytes())));
    *resp.status_mut() =
        hyper::StatusCode::from_u16(status).unwrap_or(hyper::StatusCode::BAD_REQUEST);
    resp
}
