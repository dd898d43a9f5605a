//! The tiny targets the data plane tests forward to: an HTTP server naming itself, a refused
//! port, a silent one, a garbage one and a TCP echo.

use bytes::Bytes;
use http_body_util::BodyExt;
use hyper::server::conn::http1 as server;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// A target answering `<name>`, the forwarding headers it received one per line, then the request
/// body after `body: `; counts the connections it accepted.
pub async fn target(name: &'static str) -> (SocketAddr, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let accepted = Arc::new(AtomicUsize::new(0));
    let count = accepted.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            count.fetch_add(1, Ordering::SeqCst);
            let service = service_fn(move |req: Request<hyper::body::Incoming>| async move {
                let mut body = format!("{name}\n");
                for header in [
                    "x-forwarded-for",
                    "x-forwarded-proto",
                    "x-forwarded-port",
                    "x-amzn-trace-id",
                    "connection",
                ] {
                    if let Some(value) = req.headers().get(header) {
                        body.push_str(&format!("{header}: {}\n", value.to_str().unwrap()));
                    }
                }
                let received = req.into_body().collect().await.unwrap().to_bytes();
                body.push_str(&format!("body: {}\n", String::from_utf8_lossy(&received)));
                Ok::<_, Infallible>(Response::new(http_body_util::Full::new(Bytes::from(body))))
            });
            tokio::spawn(server::Builder::new().serve_connection(TokioIo::new(stream), service));
        }
    });
    (addr, accepted)
}

/// A port nothing listens on.
pub async fn refused_port() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    listener.local_addr().unwrap()
}

/// Accepts connections and holds them without a word.
pub async fn silent_target() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = listener.accept().await {
            held.push(stream);
        }
    });
    addr
}

/// Answers anything with bytes that are not HTTP.
pub async fn garbage_target() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let mut buf = [0u8; 1024];
            let _ = stream.read(&mut buf).await;
            let _ = stream.write_all(b"\x00\x01 not http at all\r\n\r\n").await;
        }
    });
    addr
}

/// Echoes every byte back.
pub async fn echo_target() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let (mut read, mut write) = stream.split();
                let _ = tokio::io::copy(&mut read, &mut write).await;
            });
        }
    });
    addr
}

/// Answers headers and part of the body, then holds the connection without a word.
pub async fn stalling_target() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((mut stream, _)) = listener.accept().await {
            let mut buf = [0u8; 1024];
            let _ = stream.read(&mut buf).await;
            let _ = stream
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc")
                .await;
            held.push(stream);
        }
    });
    addr
}
