//! A minimal hyper 1.x server that answers every request with a fixed small JSON body: the baseline
//! `scripts/bench.sh` compares local-ecs with (HTTP/1.1 keep-alive, tokio multi-thread runtime).
//!
//! usage: cargo run --release --features bench --bin bench-fixed-server -- [PORT]   (default 4567; binds 127.0.0.1)

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use std::convert::Infallible;

/// About the size of a small ECS answer (a one-cluster DescribeClusters is larger; this is the floor).
const BODY: &[u8] = br#"{"clusterArns":["arn:aws:ecs:us-east-1:000000000000:cluster/bench"]}"#;

async fn answer(req: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    // Read the request body like a real handler would, so the comparison is fair.
    let _ = req.into_body().collect().await;
    let resp = Response::builder()
        .header("content-type", "application/x-amz-json-1.1")
        .body(Full::new(Bytes::from_static(BODY)));
    Ok(resp.unwrap_or_else(|_| Response::new(Full::new(Bytes::new()))))
}

#[tokio::main]
async fn main() {
    let port: u16 = std::env::args()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(4567);
    let listener = match tokio::net::TcpListener::bind(("127.0.0.1", port)).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("fixed-server: cannot listen on 127.0.0.1:{port}: {e}");
            std::process::exit(1);
        }
    };
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let _ = stream.set_nodelay(true);
        tokio::spawn(async move {
            let conn = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service_fn(answer));
            let _ = conn.await;
        });
    }
}
