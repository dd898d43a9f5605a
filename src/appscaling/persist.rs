//! Application Auto Scaling in the state dir (`--state-dir`): each region's scalable targets
//! (with tags and last scaling times), policies, scheduled actions (with their next firing) and
//! activities as one record. The alarms target-tracking policies created belong to CloudWatch,
//! which keeps its own.

use super::state::store::TABLE;
use super::state::Store;
use crate::core::persist::{Durable, Record};
use std::sync::Arc;

pub struct Persisted {
    pub store: Arc<Store>,
}

impl Durable for Persisted {
    fn table(&self) -> &'static str {
        TABLE
    }

    fn changes(&self) -> Vec<Record> {
        self.store.changes()
    }

    fn restore(&self, records: Vec<(String, Vec<u8>)>) -> Result<(), String> {
        self.store.restore(&records)
    }

    fn forget(&self) {
        self.store.forget();
    }
}
