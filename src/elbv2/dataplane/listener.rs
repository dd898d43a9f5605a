//! A listener's socket and lifetime: the bind, the accept loop, the plan swapped whole on update,
//! and the drop that closes the port and every connection at once (deleting a load balancer or
//! listener frees its port immediately, as on ELBv2).

use super::plan::{ListenerPlan, ListenerProtocol};
use super::pool::Pool;
use super::{http, tcp};
use std::future::Future;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, RwLock};
use std::task::Poll;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// The lifetime of one listener, shared by every task it starts (connections, target connection
/// drivers): when the [`ListenerHandle`] drops its sender, every such task ends at once.
#[derive(Clone)]
pub(super) struct Life(watch::Receiver<()>);

impl Life {
    /// Resolves when the listener is gone.
    async fn ended(mut self) {
        while self.0.changed().await.is_ok() {}
    }

    /// Runs `task` until it finishes or the listener is gone, whichever comes first.
    pub fn spawn(&self, task: impl Future<Output = ()> + Send + 'static) {
        let ended = self.clone().ended();
        tokio::spawn(async move {
            tokio::select! {
                _ = ended => {}
                _ = task => {}
            }
        });
    }
}

/// What every connection of one listener shares.
pub(super) struct Shared {
    plan: RwLock<Arc<ListenerPlan>>,
    pub pool: Arc<Pool>,
}

impl Shared {
    /// The current plan (a request keeps the one it started with).
    pub fn plan(&self) -> Arc<ListenerPlan> {
        Arc::clone(&self.plan.read().unwrap_or_else(|e| e.into_inner()))
    }
}

/// The socket, taken out by [`ListenerHandle`]'s drop so the port closes synchronously rather
/// than whenever the runtime gets to the aborted accept task.
type Socket = Arc<Mutex<Option<TcpListener>>>;

/// A bound listener serving its plan. Dropping it closes the port and every open connection.
pub struct ListenerHandle {
    shared: Arc<Shared>,
    socket: Socket,
    local: SocketAddr,
    accept: JoinHandle<()>,
    /// Dropped with the handle: ends every task of the listener ([`Life`]).
    _alive: watch::Sender<()>,
}

impl ListenerHandle {
    /// Binds `addr` at once, so a bind error (port in use, permission) is returned to the caller,
    /// and spawns the accept loop on the current Tokio runtime (panics outside one).
    pub fn bind(addr: SocketAddr, plan: Arc<ListenerPlan>) -> std::io::Result<ListenerHandle> {
        let std_listener = std::net::TcpListener::bind(addr)?;
        std_listener.set_nonblocking(true)?;
        let listener = TcpListener::from_std(std_listener)?;
        let local = listener.local_addr()?;
        let (alive, life) = watch::channel(());
        let life = Life(life);
        let shared = Arc::new(Shared {
            plan: RwLock::new(plan),
            pool: Pool::new(life.clone()),
        });
        let socket: Socket = Arc::new(Mutex::new(Some(listener)));
        let accept = tokio::spawn(accept_loop(socket.clone(), shared.clone(), life));
        Ok(ListenerHandle {
            shared,
            socket,
            local,
            accept,
            _alive: alive,
        })
    }

    /// Swaps the plan whole: requests already routed finish on the old one.
    pub fn update(&self, plan: Arc<ListenerPlan>) {
        *self.shared.plan.write().unwrap_or_else(|e| e.into_inner()) = plan;
    }

    /// The bound address (the real port when bound to port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local
    }

    #[cfg(test)]
    pub(super) fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }
}

impl Drop for ListenerHandle {
    fn drop(&mut self) {
        // Closing the socket here refuses new connections right away; the aborted accept task
        // and the dropped `_alive` sender end the open connections.
        self.socket.lock().unwrap_or_else(|e| e.into_inner()).take();
        self.accept.abort();
    }
}

/// The next connection, or `None` once the socket has been closed.
async fn accept(socket: &Socket) -> Option<std::io::Result<(TcpStream, SocketAddr)>> {
    // The lock is only held within one poll, never across an await.
    std::future::poll_fn(|cx| {
        let guard = socket.lock().unwrap_or_else(|e| e.into_inner());
        match guard.as_ref() {
            Some(listener) => listener.poll_accept(cx).map(Some),
            None => Poll::Ready(None),
        }
    })
    .await
}

async fn accept_loop(socket: Socket, shared: Arc<Shared>, life: Life) {
    while let Some(accepted) = accept(&socket).await {
        let (stream, peer) = match accepted {
            Ok(conn) => conn,
            Err(e) => {
                // Out of file descriptors and the like: back off rather than spin.
                tracing::warn!(error = %e, "load balancer accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let shared = shared.clone();
        let plan = shared.plan();
        match plan.protocol {
            ListenerProtocol::Http => life.spawn(http::serve(stream, peer, shared)),
            ListenerProtocol::Tcp => life.spawn(tcp::splice(stream, plan)),
        }
    }
}
