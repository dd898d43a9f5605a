//! Keep-alive HTTP/1.1 connections to targets: a small idle pool per target address, so a
//! request does not pay a TCP handshake each time (ELBv2 reuses its target connections too).
//!
//! A connection's driver runs in a task bound to the listener's [`Life`], so deleting the
//! listener closes its target connections as well.

use super::listener::Life;
use hyper::body::Incoming;
use hyper::client::conn::http1::{self, SendRequest};
use hyper_util::rt::TokioIo;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::net::TcpStream;

/// Longer than this idle, a connection is dropped rather than reused: servers close idle
/// keep-alive connections (Node.js and Apache after 5 s), and a request sent just as the target
/// closes would fail with a 502. A closed one seen in time is skipped anyway; this avoids the race.
const MAX_IDLE: Duration = Duration::from_secs(4);
/// Idle connections kept per target; more are closed when they come back.
const MAX_IDLE_PER_TARGET: usize = 16;

/// A sender of requests to a target, with the request body streamed from the client.
pub(super) type Sender = SendRequest<Incoming>;

/// Why a target connection could not be made.
pub(super) type ConnectError = Box<dyn std::error::Error + Send + Sync>;

struct Idle {
    sender: Sender,
    since: Instant,
}

/// The idle connections of one listener, by target address.
pub(super) struct Pool {
    idle: Mutex<HashMap<SocketAddr, Vec<Idle>>>,
    life: Life,
}

impl Pool {
    pub fn new(life: Life) -> Arc<Pool> {
        Arc::new(Pool {
            idle: Mutex::new(HashMap::new()),
            life,
        })
    }

    /// The most recently used live idle connection to `addr`, if any.
    pub fn checkout(&self, addr: SocketAddr) -> Option<Sender> {
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        let list = idle.get_mut(&addr)?;
        let found = std::iter::from_fn(|| list.pop())
            .find(|c| c.since.elapsed() < MAX_IDLE && c.sender.is_ready());
        if list.is_empty() {
            idle.remove(&addr);
        }
        found.map(|c| c.sender)
    }

    /// A new connection to `addr`, its driver spawned for the listener's life.
    pub async fn connect(&self, addr: SocketAddr) -> Result<Sender, ConnectError> {
        let stream = TcpStream::connect(addr).await?;
        let _ = stream.set_nodelay(true);
        let (sender, connection) = http1::handshake(TokioIo::new(stream)).await?;
        self.life.spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(%addr, error = %e, "target connection ended");
            }
        });
        Ok(sender)
    }

    /// Returns `sender` to the pool once its response has been read through (an HTTP/1.1
    /// connection carries one exchange at a time); a connection that closes instead is dropped.
    pub fn recycle(self: &Arc<Self>, addr: SocketAddr, mut sender: Sender) {
        let pool = Arc::clone(self);
        self.life.spawn(async move {
            if sender.ready().await.is_ok() {
                pool.checkin(addr, sender);
            }
        });
    }

    fn checkin(&self, addr: SocketAddr, sender: Sender) {
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        let list = idle.entry(addr).or_default();
        list.retain(|c| !c.sender.is_closed());
        if list.len() < MAX_IDLE_PER_TARGET {
            list.push(Idle {
                sender,
                since: Instant::now(),
            });
        }
    }

    #[cfg(test)]
    pub fn idle_count(&self, addr: SocketAddr) -> usize {
        let idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        idle.get(&addr).map_or(0, Vec::len)
    }
}
