//! The listeners that really listen: one bound socket per stored listener, on the configured
//! listener address, fed a fresh plan whenever the state it is compiled from changes. A port
//! that cannot be bound is recorded on the listener and fails its load balancer with the reason;
//! it is tried again on every reconcile, so freeing the port heals it.

use super::dataplane::meter::Meters;
use super::dataplane::plan::ListenerPlan;
use super::dataplane::ListenerHandle;
use super::plans::{compile, GroupCache};
use super::state::model::LbState;
use super::state::Store;
use std::collections::{HashMap, HashSet};
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};

struct Bound {
    port: u16,
    handle: ListenerHandle,
}

#[derive(Default)]
struct Inner {
    bound: HashMap<String, Bound>,
    cache: GroupCache,
}

/// A listener's socket as `/_local-ecs/health` reports it.
#[derive(Debug, Clone, PartialEq)]
pub struct ListenerStatus {
    pub listener_arn: String,
    pub address: String,
    pub error: Option<String>,
}

pub struct Serving {
    host: IpAddr,
    /// The data plane's counts, shared with the metrics publisher.
    pub meters: Arc<Meters>,
    inner: Mutex<Inner>,
}

impl Serving {
    pub fn new(host: IpAddr) -> Self {
        Serving {
            host,
            meters: Arc::default(),
            inner: Mutex::new(Inner::default()),
        }
    }

    /// The address listeners bind.
    pub fn host(&self) -> IpAddr {
        self.host
    }

    /// Binds, rebinds, updates and closes listeners to match the stored state of every region.
    /// Synchronous, so that a listener deleted by a request refuses connections by the time
    /// its answer is sent.
    pub fn sync(&self, store: &Store) {
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let mut wanted: HashSet<String> = HashSet::new();
        for (account, region) in store.keys() {
            let plans = store
                .read(&account, &region, |st| {
                    st.listeners
                        .values()
                        .map(|l| {
                            (
                                l.arn.clone(),
                                l.port,
                                compile(st, l, &mut inner.cache, &self.meters),
                            )
                        })
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default();
            let mut errors: HashMap<String, Option<String>> = HashMap::new();
            for (arn, port, plan) in plans {
                wanted.insert(arn.clone());
                let error = self.apply(&mut inner.bound, &arn, port, plan);
                errors.insert(arn, error);
            }
            store.with_existing(&account, &region, |st| {
                for (arn, error) in errors {
                    if let Some(l) = st.listeners.get_mut(&arn) {
                        l.bind_error = error;
                    }
                }
                for lb in st.load_balancers.values_mut() {
                    let failure = st
                        .listeners
                        .values()
                        .filter(|l| l.load_balancer_arn == lb.arn)
                        .find_map(|l| l.bind_error.clone());
                    lb.state = match failure {
                        Some(reason) => LbState::Failed(reason),
                        None => LbState::Active,
                    };
                }
            });
        }
        inner.bound.retain(|arn, _| wanted.contains(arn));
    }

    /// Keeps, rebinds or binds one listener; the bind error, if any.
    fn apply(
        &self,
        bound: &mut HashMap<String, Bound>,
        arn: &str,
        port: u16,
        plan: ListenerPlan,
    ) -> Option<String> {
        let plan = Arc::new(plan);
        if let Some(b) = bound.get(arn) {
            if b.port == port {
                b.handle.update(plan);
                return None;
            }
            bound.remove(arn); // closes the old port before the new one is bound
        }
        let addr = SocketAddr::new(self.host, port);
        match ListenerHandle::bind(addr, plan) {
            Ok(handle) => {
                tracing::info!(listener = arn, %addr, "listener bound");
                bound.insert(arn.to_string(), Bound { port, handle });
                None
            }
            Err(e) => {
                tracing::warn!(listener = arn, %addr, error = %e, "listener could not bind");
                Some(format!(
                    "Listener port {port} could not be bound on {addr}: {e}"
                ))
            }
        }
    }

    /// Every stored listener's socket, as last reconciled.
    pub fn status(&self, store: &Store) -> Vec<ListenerStatus> {
        let mut out = Vec::new();
        for (account, region) in store.keys() {
            store.read(&account, &region, |st| {
                for l in st.listeners.values() {
                    out.push(ListenerStatus {
                        listener_arn: l.arn.clone(),
                        address: SocketAddr::new(self.host, l.port).to_string(),
                        error: l.bind_error.clone(),
                    });
                }
            });
        }
        out
    }

    /// Closes every listener (shutdown and reset).
    pub fn close_all(&self) {
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        inner.bound.clear();
        inner.cache = GroupCache::default();
        self.meters.clear();
    }
}
