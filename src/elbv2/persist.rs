//! ELBv2 in the state dir (`--state-dir`): each region's load balancers, target groups (with
//! their targets), listeners, rules and tags as one record. Restoring puts them back and binds
//! every listener's port again before anything is served; the controller's health checks find
//! the restored targets due at once. A port that cannot be bound is logged with the listener
//! and its address and fails its load balancer (as at creation); the next reconcile retries it.

use super::serving::Serving;
use super::state::{RegionState, Store};
use crate::core::persist::{Durable, Record, Regional};
use std::sync::Arc;

pub struct Persisted {
    pub store: Arc<Store>,
    pub serving: Arc<Serving>,
}

impl Durable for Persisted {
    fn table(&self) -> &'static str {
        RegionState::TABLE
    }

    fn changes(&self) -> Vec<Record> {
        self.store.changes()
    }

    fn restore(&self, records: Vec<(String, Vec<u8>)>) -> Result<(), String> {
        self.store.restore(&records)?;
        self.serving.sync(&self.store);
        for status in self.serving.status(&self.store) {
            if let Some(error) = status.error {
                tracing::warn!(listener = %status.listener_arn, address = %status.address, "restored listener not serving: {error}");
            }
        }
        Ok(())
    }

    fn forget(&self) {
        self.store.forget();
    }
}
