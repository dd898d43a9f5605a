//! CloudWatch Logs in the state dir (`--state-dir`, [`crate::core::persist`]), table `logs`.
//!
//! Records, keyed by [`keys`]: a region's sequence number; a group's attributes; a stream's
//! attributes with the trim counts of its chunks; and the events, one immutable record per
//! append (a PutLogEvents batch, a delivery of the awslogs driver). A put writes its own chunk
//! and its stream's small record, never the events before it. Expiry and the stream cap only
//! drop events from a stream's front, so what a chunk lost is always its oldest events: a count
//! in the stream's record, and the chunk's delete once it lost them all.
//!
//! Changes are noted where they happen, in the region's [`Journal`]; the [`Ledger`] through
//! which every request, the sink and the retention sweep reach the regions remembers which
//! regions have some, so a save with none is one atomic load and locks no region.

mod journal;
pub mod keys;
mod restore;
#[cfg(test)]
mod tests;

pub use journal::{chunk_bytes, Journal};

use super::state::{RegionState, Store};
use crate::core::clock::Clock;
use crate::core::persist::{Durable, Record};
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// The regions' state, and which regions have unsaved changes.
pub struct Ledger {
    pub store: Store,
    any: AtomicBool,
    pending: Mutex<BTreeSet<(String, String)>>,
    /// Whether changes are noted (a state dir asked for them).
    enabled: AtomicBool,
}

impl Ledger {
    pub fn new(clock: Clock) -> Self {
        Ledger {
            store: Store::new(clock),
            any: AtomicBool::new(false),
            pending: Mutex::new(BTreeSet::new()),
            enabled: AtomicBool::new(false),
        }
    }

    /// From now on changes are noted; the first time, what is already held is noted too.
    pub fn enable(&self) {
        if !self.enabled.swap(true, Ordering::AcqRel) {
            self.each(RegionState::resave);
        }
    }

    /// Runs `f` on a region (created on first use), remembering if it left changes to save.
    pub fn with<R>(&self, account: &str, region: &str, f: impl FnOnce(&mut RegionState) -> R) -> R {
        let enabled = self.enabled.load(Ordering::Acquire);
        self.store.with(account, region, |st| {
            st.journal.enabled = enabled;
            let out = f(st);
            self.note(st);
            out
        })
    }

    /// Runs `f` on every region, as [`Ledger::with`].
    pub fn each(&self, mut f: impl FnMut(&mut RegionState)) {
        let enabled = self.enabled.load(Ordering::Acquire);
        self.store.each(|st| {
            st.journal.enabled = enabled;
            f(st);
            self.note(st);
        });
    }

    pub fn clear(&self) {
        self.store.clear();
    }

    fn note(&self, st: &RegionState) {
        if st.journal.is_empty() {
            return;
        }
        let id = (st.account.clone(), st.region.clone());
        self.pending
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(id);
        self.any.store(true, Ordering::Release);
    }

    /// The regions noted since the last call.
    fn take_pending(&self) -> BTreeSet<(String, String)> {
        if !self.any.swap(false, Ordering::AcqRel) {
            return BTreeSet::new();
        }
        std::mem::take(&mut *self.pending.lock().unwrap_or_else(|p| p.into_inner()))
    }
}

/// The `logs` table.
pub struct Saved {
    pub ledger: Arc<Ledger>,
}

pub const TABLE: &str = "logs";

impl Durable for Saved {
    fn table(&self) -> &'static str {
        TABLE
    }

    fn changes(&self) -> Vec<Record> {
        let mut out = Vec::new();
        for (account, region) in self.ledger.take_pending() {
            let store = &self.ledger.store;
            if let Some(records) = store.with_existing(&account, &region, |st| st.take_changes()) {
                out.extend(records);
            }
        }
        out
    }

    fn restore(&self, records: Vec<(String, Vec<u8>)>) -> Result<(), String> {
        restore::restore(&self.ledger.store, records)
    }

    /// Whatever is held now is written again at the next save (the wipe dropped it).
    fn forget(&self) {
        self.ledger.each(RegionState::resave);
    }
}
