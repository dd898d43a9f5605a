//! One health check: an HTTP GET of the group's path judged by its matcher, or a TCP connect.
//! Hand-written over a `TcpStream` (a status line is all a check reads), so hundreds of targets
//! cost a connection each and nothing more.

use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// What a probe saw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Pass,
    /// An HTTP status outside the matcher.
    Code(u16),
    /// No answer within the timeout.
    Timeout,
    /// Refused, reset, or not HTTP.
    Failed,
}

/// The HTTP part of a check: path and matcher.
#[derive(Debug, Clone)]
pub struct HttpCheck {
    pub path: String,
    pub matcher: String,
}

pub async fn probe(addr: SocketAddr, http: Option<&HttpCheck>, timeout: Duration) -> Outcome {
    match tokio::time::timeout(timeout, attempt(addr, http)).await {
        Ok(outcome) => outcome,
        Err(_) => Outcome::Timeout,
    }
}

async fn attempt(addr: SocketAddr, http: Option<&HttpCheck>) -> Outcome {
    let Ok(mut stream) = TcpStream::connect(addr).await else {
        return Outcome::Failed;
    };
    let Some(check) = http else {
        return Outcome::Pass;
    };
    let request = format!(
        "GET {} HTTP/1.1\r\nHost: {addr}\r\nUser-Agent: ELB-HealthChecker/2.0\r\nAccept: */*\r\nConnection: close\r\n\r\n",
        check.path
    );
    if stream.write_all(request.as_bytes()).await.is_err() {
        return Outcome::Failed;
    }
    let mut buf = Vec::with_capacity(64);
    let mut chunk = [0u8; 256];
    while !buf.contains(&b'\n') && buf.len() < 1024 {
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => break,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    match status_of(&buf) {
        Some(code) if matches(&check.matcher, code) => Outcome::Pass,
        Some(code) => Outcome::Code(code),
        None => Outcome::Failed,
    }
}

/// The status code of `HTTP/1.x NNN …`, if that is what the bytes begin with.
pub fn status_of(bytes: &[u8]) -> Option<u16> {
    let line = bytes.split(|b| *b == b'\n').next()?;
    let text = std::str::from_utf8(line).ok()?;
    let mut parts = text.split_whitespace();
    if !parts.next()?.starts_with("HTTP/1.") {
        return None;
    }
    let code = parts.next()?;
    (code.len() == 3).then(|| code.parse().ok()).flatten()
}

/// Whether `code` is among the matcher's: `200`, `200,202`, `200-299`.
pub fn matches(matcher: &str, code: u16) -> bool {
    matcher
        .split(',')
        .any(|part| match part.trim().split_once('-') {
            Some((lo, hi)) => {
                let (lo, hi) = (lo.parse().unwrap_or(0), hi.parse().unwrap_or(0));
                (lo..=hi).contains(&code)
            }
            None => part.trim().parse() == Ok(code),
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::net::TcpListener;

    #[test]
    fn statuses_and_matchers() {
        assert_eq!(status_of(b"HTTP/1.1 200 OK\r\n"), Some(200));
        assert_eq!(status_of(b"HTTP/1.0 503\r\n"), Some(503));
        assert_eq!(status_of(b"SSH-2.0-OpenSSH\r\n"), None);
        assert_eq!(status_of(b""), None);
        assert!(matches("200", 200) && !matches("200", 201));
        assert!(matches("200,202", 202) && matches("200-299", 250) && !matches("200-299", 300));
    }

    async fn serve_once(answer: &'static [u8]) -> SocketAddr {
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = l.local_addr().unwrap();
        tokio::spawn(async move {
            while let Ok((mut s, _)) = l.accept().await {
                let mut buf = [0u8; 512];
                let _ = s.read(&mut buf).await;
                if !answer.is_empty() {
                    let _ = s.write_all(answer).await;
                } else {
                    tokio::time::sleep(Duration::from_secs(5)).await;
                }
            }
        });
        addr
    }

    #[tokio::test]
    async fn outcomes() {
        let check = HttpCheck {
            path: "/".into(),
            matcher: "200".into(),
        };
        let t = Duration::from_millis(300);
        let ok = serve_once(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n").await;
        assert_eq!(probe(ok, Some(&check), t).await, Outcome::Pass);
        let bad = serve_once(b"HTTP/1.1 500 Oops\r\n\r\n").await;
        assert_eq!(probe(bad, Some(&check), t).await, Outcome::Code(500));
        let garbage = serve_once(b"hello there\n").await;
        assert_eq!(probe(garbage, Some(&check), t).await, Outcome::Failed);
        let silent = serve_once(b"").await;
        assert_eq!(probe(silent, Some(&check), t).await, Outcome::Timeout);
        assert_eq!(probe(silent, None, t).await, Outcome::Pass);
        let closed = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap()
        };
        assert_eq!(probe(closed, Some(&check), t).await, Outcome::Failed);
    }
}
