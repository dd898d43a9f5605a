//! CloudWatch in the state dir (`--state-dir`, [`crate::core::persist`]), table `cloudwatch`.
//!
//! Records, keyed by [`keys`]: each metric series (its identity and last put), each of its
//! buckets (per start second: the units' count, sum, min, max and raw values), each metric and
//! composite alarm whole (configuration, state, reason, timestamps, tags), and each alarm
//! history item. A PutMetricData writes the buckets it added to and their series; the retention
//! sweep writes the buckets it merged or dropped; an evaluation pass the alarms it moved.
//!
//! Changes are noted where they happen, in the region's [`Journal`]; [`Pending`] remembers
//! which regions have some (every request and controller pass reaches a region through
//! [`crate::cloudwatch::actions::Hub`]), so a save with none is one atomic load and locks no
//! region.

mod journal;
pub mod keys;
mod restore;
#[cfg(test)]
mod tests;

pub use journal::Journal;

use super::actions::Hub;
use super::alarm::HistoryItem;
use super::state::RegionState;
use crate::core::persist::{Durable, Record};
use serde::Deserialize;
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

pub const TABLE: &str = "cloudwatch";

/// The operations that may change alarms: after them every alarm of the region is rendered
/// (and written where its bytes changed).
pub const ALARM_WRITES: &[&str] = &[
    "DeleteAlarms",
    "DisableAlarmActions",
    "EnableAlarmActions",
    "PutCompositeAlarm",
    "PutMetricAlarm",
    "SetAlarmState",
    "TagResource",
    "UntagResource",
];

/// The regions with unsaved changes.
#[derive(Debug, Default)]
pub struct Pending {
    any: AtomicBool,
    regions: Mutex<BTreeSet<(String, String)>>,
    /// Whether changes are noted (a state dir asked for them).
    enabled: AtomicBool,
}

impl Pending {
    pub fn enabled(&self) -> bool {
        self.enabled.load(Ordering::Acquire)
    }

    /// Turns noting on; true the first time.
    pub fn enable(&self) -> bool {
        !self.enabled.swap(true, Ordering::AcqRel)
    }

    /// Remembers the region if it has something to save (called with its lock held).
    pub fn note(&self, st: &RegionState) {
        if !st.unsaved() {
            return;
        }
        let id = (st.account.clone(), st.region.clone());
        self.regions
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(id);
        self.any.store(true, Ordering::Release);
    }

    fn take(&self) -> BTreeSet<(String, String)> {
        if !self.any.swap(false, Ordering::AcqRel) {
            return BTreeSet::new();
        }
        std::mem::take(&mut *self.regions.lock().unwrap_or_else(|p| p.into_inner()))
    }
}

/// The `cloudwatch` table.
pub struct Saved {
    pub hub: Hub,
}

impl Durable for Saved {
    fn table(&self) -> &'static str {
        TABLE
    }

    fn changes(&self) -> Vec<Record> {
        let mut out = Vec::new();
        for (account, region) in self.hub.pending.take() {
            let store = &self.hub.store;
            if let Some(records) = store.with_existing(&account, &region, |st| st.take_changes()) {
                out.extend(records);
            }
        }
        out
    }

    fn restore(&self, records: Vec<(String, Vec<u8>)>) -> Result<(), String> {
        restore::restore(&self.hub.store, records)
    }

    /// Whatever is held now is written again at the next save (the wipe dropped it).
    fn forget(&self) {
        self.hub.each(RegionState::resave);
    }
}

/// The words history items are made of (`&'static str` in memory): a stored one must be one of
/// them, or the record cannot be read.
const WORDS: &[&str] = &[
    "MetricAlarm",
    "CompositeAlarm",
    "StateUpdate",
    "Action",
    "ConfigurationUpdate",
];

fn known_word(text: &str) -> Result<&'static str, String> {
    (WORDS.iter().find(|w| **w == text).copied()).ok_or(format!("unknown history word {text:?}"))
}

/// A history item as stored, its words as strings.
#[derive(Deserialize)]
pub struct StoredItem {
    alarm: String,
    alarm_type: String,
    timestamp: f64,
    kind: String,
    summary: String,
    data: String,
}

impl<'de> Deserialize<'de> for HistoryItem {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = StoredItem::deserialize(d)?;
        let word = |w: &str| known_word(w).map_err(serde::de::Error::custom);
        Ok(HistoryItem {
            alarm_type: word(&s.alarm_type)?,
            kind: word(&s.kind)?,
            alarm: s.alarm,
            timestamp: s.timestamp,
            summary: s.summary,
            data: s.data,
        })
    }
}

/// An aggregate that may have overflowed: JSON has no infinity (serde_json would write `null`,
/// which no restore could read back), so a non-finite number is stored as text.
pub mod lenient {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
        if v.is_finite() {
            s.serialize_f64(*v)
        } else {
            s.serialize_str(&v.to_string())
        }
    }

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Number {
        Plain(f64),
        Text(String),
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        match Number::deserialize(d)? {
            Number::Plain(v) => Ok(v),
            Number::Text(t) => t.parse().map_err(serde::de::Error::custom),
        }
    }
}
