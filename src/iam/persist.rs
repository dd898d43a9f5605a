//! IAM in the state dir (`--state-dir`): each account's roles (trust, inline and attached
//! policies, tags), managed policies and instance profiles as one record.

use super::state::{Store, TABLE};
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
