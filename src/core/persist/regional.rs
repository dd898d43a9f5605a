//! A regional service's state saved whole per account and region (Application Auto Scaling,
//! Auto Scaling, ELBv2): [`Regions`] whose accesses mark their region, and [`Snapshots`] that
//! write a marked region again only when its bytes changed. Records are keyed `account␟region`.

use super::{decode, encode, key, split_key, Durable, Record, Snapshots};
use crate::core::clock::Clock;
use crate::core::regions::{RegionScoped, Regions};
use serde::de::DeserializeOwned;
use serde::Serialize;

/// A region's state as it is stored: whole, under its account and region.
pub trait Regional: RegionScoped + Serialize + DeserializeOwned + 'static {
    /// The service's table in the state dir.
    const TABLE: &'static str;

    /// Puts a loaded region back on `clock`, under the account and region of its key, and
    /// makes again what is not stored (indexes, timers the clock's restart would hold back).
    fn restored(&mut self, account: String, region: String, clock: &Clock);
}

/// Every (account, region)'s state, on one clock, and which regions changed since the last save.
pub struct RegionalStore<S> {
    regions: Regions<S>,
    snapshots: Snapshots,
}

impl<S: Regional> Default for RegionalStore<S> {
    fn default() -> Self {
        RegionalStore::new(Clock::default())
    }
}

impl<S: Regional> RegionalStore<S> {
    pub fn new(clock: Clock) -> Self {
        RegionalStore {
            regions: Regions::new(clock),
            snapshots: Snapshots::default(),
        }
    }

    pub fn clock(&self) -> &Clock {
        self.regions.clock()
    }

    /// Runs `f` on the state of `account` in `region`, creating it on first use; the region is
    /// marked changed.
    pub fn with<R>(&self, account: &str, region: &str, f: impl FnOnce(&mut S) -> R) -> R {
        self.regions.with(account, region, |st| {
            let out = f(st);
            // After the change and under the lock: a save that takes the mark sees the change.
            self.snapshots.touch(&key(&[account, region]));
            out
        })
    }

    /// Runs `f` on a region only if it already has state; the region is marked changed.
    pub fn with_existing<R>(
        &self,
        account: &str,
        region: &str,
        f: impl FnOnce(&mut S) -> R,
    ) -> Option<R> {
        self.regions.with_existing(account, region, |st| {
            let out = f(st);
            self.snapshots.touch(&key(&[account, region]));
            out
        })
    }

    /// Reads a region that has state, without marking it (controllers' passes, other
    /// services' reads).
    pub fn read<R>(&self, account: &str, region: &str, f: impl FnOnce(&S) -> R) -> Option<R> {
        self.regions.with_existing(account, region, |st| f(st))
    }

    /// Runs `f` on every region that has state, one at a time, marking each.
    pub fn each(&self, mut f: impl FnMut(&mut S)) {
        for (account, region) in self.regions.keys() {
            self.with_existing(&account, &region, |st| f(st));
        }
    }

    /// Every (account, region) that has state.
    pub fn keys(&self) -> Vec<(String, String)> {
        self.regions.keys()
    }

    /// Drops every region (a reset; the state dir is wiped after it).
    pub fn clear(&self) {
        for (account, region) in self.regions.keys() {
            self.snapshots.touch(&key(&[&account, &region]));
        }
        self.regions.clear();
    }

    /// The regions whose stored bytes changed since the last call.
    pub fn changes(&self) -> Vec<Record> {
        self.snapshots.changes(|k| match split_key(k)[..] {
            [account, region] => self.read(account, region, |st| encode(st)),
            _ => None,
        })
    }

    /// Puts every stored region back. All are read first: a record that cannot be read fails
    /// the restore, naming it, and leaves nothing half restored.
    pub fn restore(&self, records: &[(String, Vec<u8>)]) -> Result<(), String> {
        let mut loaded = Vec::with_capacity(records.len());
        for (k, bytes) in records {
            let st: S = decode(S::TABLE, k, bytes)?;
            let [account, region] = split_key(k)[..] else {
                return Err(format!(
                    "the {} record {k:?} cannot be read by this local-ecs: its key is not an account and a region",
                    S::TABLE
                ));
            };
            loaded.push((st, account.to_string(), region.to_string(), k, bytes));
        }
        for (mut restored, account, region, k, bytes) in loaded {
            restored.restored(account.clone(), region.clone(), self.clock());
            self.regions.with(&account, &region, |st| *st = restored);
            self.snapshots.restored(k, bytes);
        }
        Ok(())
    }

    /// The state dir was wiped: everything is saved anew.
    pub fn forget(&self) {
        self.snapshots.forget();
    }
}

/// A service whose whole durable state is its regional store.
impl<S: Regional + Send> Durable for RegionalStore<S> {
    fn table(&self) -> &'static str {
        S::TABLE
    }

    fn changes(&self) -> Vec<Record> {
        RegionalStore::changes(self)
    }

    fn restore(&self, records: Vec<(String, Vec<u8>)>) -> Result<(), String> {
        RegionalStore::restore(self, &records)
    }

    fn forget(&self) {
        RegionalStore::forget(self);
    }
}
