//! TEMPORARY stub: binds and holds the port; the real proxy arrives from the dataplane branch.

pub mod plan;

use plan::ListenerPlan;
use std::net::SocketAddr;
use std::sync::{Arc, RwLock};

pub struct ListenerHandle {
    addr: SocketAddr,
    plan: Arc<RwLock<Arc<ListenerPlan>>>,
    task: tokio::task::JoinHandle<()>,
}

impl ListenerHandle {
    pub fn bind(addr: SocketAddr, plan: Arc<ListenerPlan>) -> std::io::Result<ListenerHandle> {
        let std = std::net::TcpListener::bind(addr)?;
        std.set_nonblocking(true)?;
        let local = std.local_addr()?;
        let listener = tokio::net::TcpListener::from_std(std)?;
        let task = tokio::spawn(async move { while let Ok((_s, _)) = listener.accept().await {} });
        Ok(ListenerHandle {
            addr: local,
            plan: Arc::new(RwLock::new(plan)),
            task,
        })
    }

    pub fn update(&self, plan: Arc<ListenerPlan>) {
        *self.plan.write().unwrap_or_else(|p| p.into_inner()) = plan;
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }
}

impl Drop for ListenerHandle {
    fn drop(&mut self) {
        self.task.abort();
    }
}
