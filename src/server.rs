//! The HTTP/1.1 accept loop (keep-alive) and graceful shutdown. Bodies are read whole, up to a limit.

use crate::edge::{self, HttpRequest};
use crate::wire::{Protocol, WireError, WireResponse};
use crate::App;
use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use std::convert::Infallible;
use std::future::Future;
use std::sync::Arc;
use tokio::net::TcpListener;

/// Larger request bodies get a 413; no ECS request comes near it.
const MAX_BODY: usize = 16 * 1024 * 1024;

/// Serves `app` on `listener` until `shutdown` resolves, then lets open requests finish.
pub async fn serve(listener: TcpListener, app: Arc<App>, shutdown: impl Future<Output = ()>) {
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    if let Ok(addr) = listener.local_addr() {
        tracing::info!(%addr, "local-ecs listening");
    }
    tokio::pin!(shutdown);
    loop {
        let (stream, _) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(conn) => conn,
                Err(e) => {
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let service = service_fn(move |req| answer(app.clone(), req));
        let conn = hyper::server::conn::http1::Builder::new()
            .serve_connection(TokioIo::new(stream), service);
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!(error = %e, "connection closed with an error");
            }
        });
    }
    tokio::select! {
        _ = graceful.shutdown() => {},
        _ = tokio::time::sleep(std::time::Duration::from_secs(5)) => {},
    }
}

async fn answer(
    app: Arc<App>,
    req: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let (parts, body) = req.into_parts();
    let body = match Limited::new(body, MAX_BODY).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(e) => {
            let err = if e
                .downcast_ref::<http_body_util::LengthLimitError>()
                .is_some()
            {
                WireError::new(
                    "RequestEntityTooLargeException",
                    413,
                    "The request body is larger than 16 MiB.",
                )
            } else {
                WireError::new(
                    "SerializationException",
                    400,
                    "The request body could not be read.",
                )
            };
            return Ok(to_hyper(crate::wire::json::encode_error(
                Protocol::Json11,
                &err,
            )));
        }
    };
    let request = HttpRequest {
        method: parts.method.as_str().to_string(),
        path: parts.uri.path().to_string(),
        query: parts.uri.query().unwrap_or("").to_string(),
        headers: parts.headers,
        body,
    };
    Ok(to_hyper(edge::handle(&app, &request).await))
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
