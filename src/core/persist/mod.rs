//! Opt-in persistence (`--state-dir`): every service's state as records in one embedded store,
//! written before an answer leaves, loaded at start.
//!
//! Each service owns its records through [`Durable`]: it says what changed since its last save
//! ([`Durable::changes`]) and rebuilds itself from what was stored ([`Durable::restore`]). The
//! [`StateDir`] collects the changes of every service after each request and writes them in one
//! transaction that is on disk (fsync) before the answer is sent, so a `kill -9` loses no
//! answered write. Changes made by controllers (a task reaching RUNNING) go out the same way, on
//! the next request or within [`FLUSH_EVERY`].
//!
//! Records are JSON (self-describing, so a field added later reads old records with its
//! default). The store remembers its format and each table's version; a store that this build
//! cannot read is refused with a message saying so, never misread ([`format`]).

mod format;
mod group;
mod regional;
mod snapshots;
mod store;
mod tracked;

pub use regional::{Regional, RegionalStore};
pub use snapshots::Snapshots;
pub use store::{StateDir, FLUSH_EVERY};
pub use tracked::Tracked;

use serde::de::DeserializeOwned;
use serde::Serialize;
use std::cell::Cell;

/// One stored record after a change: its key in the service's table and its new bytes
/// (`None`: deleted).
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub key: String,
    pub value: Option<Vec<u8>>,
}

impl Record {
    pub fn put(key: impl Into<String>, value: Vec<u8>) -> Self {
        Record {
            key: key.into(),
            value: Some(value),
        }
    }

    pub fn delete(key: impl Into<String>) -> Self {
        Record {
            key: key.into(),
            value: None,
        }
    }
}

/// A service whose state is kept in the state dir.
pub trait Durable: Send + Sync {
    /// Its table in the store (the service's name: `ecs`, `ec2`, …).
    fn table(&self) -> &'static str;

    /// The version of its records; bump it when a record's meaning changes, and teach
    /// [`Durable::migrate`] the old one.
    fn version(&self) -> u32 {
        1
    }

    /// What changed since the last call (which it forgets). Called with no lock of the state
    /// dir's held, often: it must cost what changed, not what is stored.
    fn changes(&self) -> Vec<Record>;

    /// Rebuilds the service's state from its stored records (at start, before anything is served).
    fn restore(&self, records: Vec<(String, Vec<u8>)>) -> Result<(), String>;

    /// Records written by an older `version`, rewritten for this one; by default refused.
    fn migrate(
        &self,
        from: u32,
        _records: Vec<(String, Vec<u8>)>,
    ) -> Result<Vec<(String, Vec<u8>)>, String> {
        Err(format!(
            "its {} records are version {from} and this local-ecs reads version {} with no migration from {from}",
            self.table(),
            self.version()
        ))
    }

    /// The stored records were all dropped (a reset): forget what was saved, so that what is
    /// recreated is saved again.
    fn forget(&self) {}
}

thread_local! {
    static STORING: Cell<bool> = const { Cell::new(false) };
}

/// For `#[serde(default, skip_serializing_if = "crate::core::persist::on_wire")]` on bookkeeping
/// that AWS does not show: left out of answers, kept in stored records.
pub fn on_wire<T>(_: &T) -> bool {
    !STORING.with(Cell::get)
}

/// A value as stored: JSON, with the bookkeeping that answers leave out.
pub fn encode<T: Serialize + ?Sized>(value: &T) -> Vec<u8> {
    STORING.with(|s| s.set(true));
    let bytes = serde_json::to_vec(value);
    STORING.with(|s| s.set(false));
    // Stored shapes are plain data (strings, numbers, maps with string keys): they serialize.
    bytes.unwrap_or_default()
}

/// A stored value, or an error naming the table and key that could not be read.
pub fn decode<T: DeserializeOwned>(table: &str, key: &str, bytes: &[u8]) -> Result<T, String> {
    serde_json::from_slice(bytes)
        .map_err(|e| format!("the {table} record {key:?} cannot be read by this local-ecs: {e}"))
}

/// Joins key parts with a separator no name or ARN contains.
pub fn key(parts: &[&str]) -> String {
    parts.join("\u{1f}")
}

/// The parts of a key made by [`key`].
pub fn split_key(key: &str) -> Vec<&str> {
    key.split('\u{1f}').collect()
}

#[cfg(test)]
mod tests;
