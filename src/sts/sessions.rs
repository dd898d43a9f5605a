//! The access keys STS issued and who each stands for; with `--state-dir` each is one record,
//! keyed by the access key, so a restart keeps the credentials tasks and scripts already hold.
//! A key is written once: the record is saved after its issuing and deleted by a reset.

use super::Session;
use crate::core::persist::{decode, encode, Durable, Record};
use dashmap::DashMap;
use std::sync::Mutex;

/// The table of STS's records in the state dir.
pub const TABLE: &str = "sts";

#[derive(Default)]
pub struct Sessions {
    map: DashMap<String, Session>,
    /// Keys issued or dropped since the last save.
    pending: Mutex<Vec<String>>,
}

impl Sessions {
    fn mark(&self, key: String) {
        self.pending
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(key);
    }

    pub fn insert(&self, key: String, session: Session) {
        self.map.insert(key.clone(), session);
        self.mark(key);
    }

    pub fn get(&self, key: &str) -> Option<Session> {
        self.map.get(key).map(|s| s.value().clone())
    }

    pub fn clear(&self) {
        let keys: Vec<String> = self.map.iter().map(|e| e.key().clone()).collect();
        self.map.clear();
        keys.into_iter().for_each(|k| self.mark(k));
    }
}

impl Durable for Sessions {
    fn table(&self) -> &'static str {
        TABLE
    }

    fn changes(&self) -> Vec<Record> {
        let keys = std::mem::take(&mut *self.pending.lock().unwrap_or_else(|p| p.into_inner()));
        keys.into_iter()
            .map(|k| match self.map.get(&k) {
                Some(s) => Record::put(k, encode(s.value())),
                None => Record::delete(k),
            })
            .collect()
    }

    /// All decoded first: an unreadable record fails the restore, naming it.
    fn restore(&self, records: Vec<(String, Vec<u8>)>) -> Result<(), String> {
        let sessions = records
            .iter()
            .map(|(k, bytes)| Ok((k.clone(), decode::<Session>(TABLE, k, bytes)?)))
            .collect::<Result<Vec<_>, String>>()?;
        for (k, s) in sessions {
            self.map.insert(k, s);
        }
        Ok(())
    }

    fn forget(&self) {
        self.pending
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
    }
}
