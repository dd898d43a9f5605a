//! Auto Scaling's state in the state dir (`--state-dir`): one record per account and region,
//! its [`RegionState`] whole (groups, members, activities and the activity sequence), keyed
//! `account␟region`. The [`Store`] marks a region changed on every access that may change it;
//! [`Snapshots`] writes only the regions whose bytes changed.

use super::RegionState;
use crate::core::clock::Clock;
use crate::core::persist::{self, Durable, Record, Snapshots};
use crate::core::regions::Regions;
use std::sync::Arc;

const TABLE: &str = "autoscaling";
/// The longest wait between launch retries (emulated seconds), as the controller backs off.
const MAX_BACKOFF: f64 = 300.0;

/// All regions' state, on one clock, and which regions changed since the last save.
#[derive(Default)]
pub struct Store {
    regions: Regions<RegionState>,
    snapshots: Snapshots,
}

impl Store {
    pub fn new(clock: Clock) -> Self {
        Store {
            regions: Regions::new(clock),
            snapshots: Snapshots::default(),
        }
    }

    pub fn clock(&self) -> &Clock {
        self.regions.clock()
    }

    /// Runs `f` on the state of `account` in `region`, creating it on first use.
    pub fn with<R>(&self, account: &str, region: &str, f: impl FnOnce(&mut RegionState) -> R) -> R {
        self.regions.with(account, region, |st| {
            let result = f(st);
            // After the change and under the lock: a save that takes the mark sees the change.
            self.touch(account, region);
            result
        })
    }

    /// Runs `f` on a region only if it already has state.
    pub fn with_existing<R>(
        &self,
        account: &str,
        region: &str,
        f: impl FnOnce(&mut RegionState) -> R,
    ) -> Option<R> {
        self.regions.with_existing(account, region, |st| {
            let result = f(st);
            self.touch(account, region);
            result
        })
    }

    /// A read of a region that has state: not marked, so the controller's passes and ECS's
    /// reads cost no save.
    pub fn read<R>(
        &self,
        account: &str,
        region: &str,
        f: impl FnOnce(&RegionState) -> R,
    ) -> Option<R> {
        self.regions.with_existing(account, region, |st| f(st))
    }

    /// Every (account, region) that has state.
    pub fn keys(&self) -> Vec<(String, String)> {
        self.regions.keys()
    }

    pub fn clear(&self) {
        self.regions.clear();
    }

    fn touch(&self, account: &str, region: &str) {
        self.snapshots.touch(&persist::key(&[account, region]));
    }

    /// A region's record as it is now (`None`: gone, after a reset).
    fn encode(&self, key: &str) -> Option<Vec<u8>> {
        let (account, region) = account_region(key)?;
        self.read(&account, &region, persist::encode)
    }

    /// Puts a loaded region in place, on the store's clock. A launch retry is due within the
    /// longest backoff: the clock starts again at the wall clock's time, which is behind the
    /// saved emulated time when `--time-scale` is above 1.
    fn put(&self, mut state: RegionState) {
        state.clock = self.clock().clone();
        let latest = state.now() + MAX_BACKOFF;
        for group in state.groups.values_mut() {
            group.retry_at = group.retry_at.min(latest);
        }
        let (account, region) = (state.account.clone(), state.region.clone());
        self.regions.with(&account, &region, |st| *st = state);
    }
}

fn account_region(key: &str) -> Option<(String, String)> {
    match persist::split_key(key).as_slice() {
        [account, region] => Some((account.to_string(), region.to_string())),
        _ => None,
    }
}

/// Auto Scaling's [`Durable`]: the store's regions.
pub struct Saved(pub Arc<Store>);

fn load(key: &str, bytes: &[u8]) -> Result<RegionState, String> {
    let mut state: RegionState = persist::decode(TABLE, key, bytes)?;
    let (account, region) = account_region(key).ok_or_else(|| {
        format!("the {TABLE} record {key:?} cannot be read by this local-ecs: its key is not an account and a region")
    })?;
    (state.account, state.region) = (account, region);
    Ok(state)
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
            loaded.push(load(key, bytes)?);
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
