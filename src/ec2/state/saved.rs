//! EC2's state in the state dir (`--state-dir`): one record per account and region, the
//! region's [`RegionState`] whole (a region holds tens to a few thousand small records, and a
//! change often spans tables: an instance and its subnet's addresses). Keys are
//! `account␟region`; [`Snapshots`](crate::core::persist::Snapshots) writes only the regions
//! whose bytes changed.

use super::instance::{TERMINATED_RETENTION_SECS, TRANSITION_SECS};
use super::{RegionState, Store};
use crate::core::persist::{self, Durable, Record};
use std::sync::{Arc, Mutex};

const TABLE: &str = "ec2";

impl Store {
    pub(super) fn touch(&self, account: &str, region: &str) {
        self.snapshots.touch(&persist::key(&[account, region]));
    }

    /// A region's record as it is now (`None`: the region is gone, after a reset).
    fn encode(&self, key: &str) -> Option<Vec<u8>> {
        let (account, region) = account_region(key)?;
        let cell = self.regions.get(&(account, region))?.value().clone();
        let state = cell.lock().unwrap_or_else(|p| p.into_inner());
        Some(persist::encode(&*state))
    }

    /// Puts a loaded region in place, with what is not stored made again: the clock, the
    /// launch-order index and the set of instances with a timer (so transitions under way when
    /// the server stopped complete, on the same clock, after the start).
    pub fn put(&self, mut state: RegionState) {
        state.clock = self.clock.clone();
        clamp_timers(&mut state);
        state.by_seq = state
            .instances
            .values()
            .map(|i| (i.seq, i.id.clone()))
            .collect();
        state.timed = state
            .instances
            .values()
            .filter(|i| i.due.is_some() || i.purge_at.is_some())
            .map(|i| i.id.clone())
            .collect();
        state.outbox.clear();
        let key = (state.account.clone(), state.region.clone());
        self.regions.insert(key, Arc::new(Mutex::new(state)));
    }
}

/// Timers at most one full period from now. The clock starts again at the wall clock's time,
/// so with `--time-scale` above 1 the saved emulated time may be ahead of it: a timer set then
/// would otherwise hold an instance in `pending` (or a terminated one in the answers) until the
/// wall clock caught up. At scale 1 every saved timer is already within its period.
fn clamp_timers(state: &mut RegionState) {
    let now = state.now();
    for inst in state.instances.values_mut() {
        inst.due = inst.due.map(|d| d.min(now + TRANSITION_SECS));
        inst.purge_at = inst
            .purge_at
            .map(|p| p.min(now + TERMINATED_RETENTION_SECS));
    }
}

fn account_region(key: &str) -> Option<(String, String)> {
    match persist::split_key(key).as_slice() {
        [account, region] => Some((account.to_string(), region.to_string())),
        _ => None,
    }
}

/// EC2's [`Durable`]: the store's regions.
pub struct Saved(pub Arc<Store>);

impl Saved {
    /// A record's region, or an error naming the table and key.
    fn load(key: &str, bytes: &[u8]) -> Result<RegionState, String> {
        let mut state: RegionState = persist::decode(TABLE, key, bytes)?;
        let (account, region) = account_region(key).ok_or_else(|| {
            format!("the {TABLE} record {key:?} cannot be read by this local-ecs: its key is not an account and a region")
        })?;
        // The key is what was saved under; the copy inside follows it.
        (state.account, state.region) = (account, region);
        Ok(state)
    }
}

impl Durable for Saved {
    fn table(&self) -> &'static str {
        TABLE
    }

    fn changes(&self) -> Vec<Record> {
        self.0.snapshots.changes(|key| self.0.encode(key))
    }

    /// All records are read before any is put in place: a store that cannot be read changes
    /// nothing.
    fn restore(&self, records: Vec<(String, Vec<u8>)>) -> Result<(), String> {
        let mut loaded = Vec::with_capacity(records.len());
        for (key, bytes) in &records {
            loaded.push(Self::load(key, bytes)?);
        }
        for (state, (key, bytes)) in loaded.into_iter().zip(&records) {
            self.0.put(state);
            self.0.snapshots.restored(key, bytes);
        }
        Ok(())
    }

    fn forget(&self) {
        self.0.snapshots.forget();
    }
}
