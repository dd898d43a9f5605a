//! Change detection for state saved whole per key (a region's or an account's tables of a small
//! service): keys touched since the last save are encoded again and written only when their
//! bytes changed. Touching on every access (reads included) cannot miss a change; the cost of a
//! read is one encoding of its region, which is small where this is used.

use super::Record;
use std::collections::{BTreeSet, HashMap};
use std::hash::{Hash, Hasher};
use std::sync::Mutex;

#[derive(Debug, Default)]
pub struct Snapshots {
    touched: Mutex<BTreeSet<String>>,
    /// Key → hash of the bytes last saved.
    saved: Mutex<HashMap<String, u64>>,
}

fn digest(bytes: &[u8]) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    bytes.hash(&mut h);
    h.finish()
}

impl Snapshots {
    /// `key` may have changed.
    pub fn touch(&self, key: &str) {
        let mut touched = self.touched.lock().unwrap_or_else(|p| p.into_inner());
        if !touched.contains(key) {
            touched.insert(key.to_string());
        }
    }

    /// The records of touched keys whose bytes changed; `render` gives a key's bytes now
    /// (`None`: it is gone).
    pub fn changes(&self, render: impl Fn(&str) -> Option<Vec<u8>>) -> Vec<Record> {
        let touched = std::mem::take(&mut *self.touched.lock().unwrap_or_else(|p| p.into_inner()));
        if touched.is_empty() {
            return Vec::new();
        }
        let mut saved = self.saved.lock().unwrap_or_else(|p| p.into_inner());
        let mut out = Vec::new();
        for key in touched {
            match render(&key) {
                Some(bytes) => {
                    let d = digest(&bytes);
                    if saved.insert(key.clone(), d) != Some(d) {
                        out.push(Record::put(key, bytes));
                    }
                }
                None => {
                    if saved.remove(&key).is_some() {
                        out.push(Record::delete(key));
                    }
                }
            }
        }
        out
    }

    /// A key loaded from the store, as saved.
    pub fn restored(&self, key: &str, bytes: &[u8]) {
        let mut saved = self.saved.lock().unwrap_or_else(|p| p.into_inner());
        saved.insert(key.to_string(), digest(bytes));
    }

    /// Every key saved so far (to delete what a reset dropped).
    pub fn saved_keys(&self) -> Vec<String> {
        let saved = self.saved.lock().unwrap_or_else(|p| p.into_inner());
        saved.keys().cloned().collect()
    }

    /// Forgets what was saved and touched (the store was wiped).
    pub fn forget(&self) {
        self.touched
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
        self.saved.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }
}
