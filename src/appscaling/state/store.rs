//! All regions' state, on one clock, and which regions changed since the last save
//! (`--state-dir`): every access ([`Store::with`], [`Store::each`]) marks its region after the
//! closure ran, so the save that follows re-encodes it whole and writes it if its bytes changed.

use super::RegionState;
use crate::core::clock::Clock;
use crate::core::persist::{decode, encode, key, split_key, Record, Snapshots};
use crate::core::regions::Regions;

/// The table of Application Auto Scaling's records in the state dir.
pub const TABLE: &str = "appscaling";

pub struct Store {
    regions: Regions<RegionState>,
    snapshots: Snapshots,
}

fn region_key(st: &RegionState) -> String {
    key(&[&st.account, &st.region])
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
        let out = self.regions.with(account, region, f);
        self.snapshots.touch(&key(&[account, region]));
        out
    }

    /// Runs `f` on every region that has state, one at a time.
    pub fn each(&self, mut f: impl FnMut(&mut RegionState)) {
        self.regions.each(|st| {
            f(st);
            self.snapshots.touch(&region_key(st));
        });
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
            [account, region] => self.regions.with_existing(account, region, |st| encode(st)),
            _ => None,
        })
    }

    /// Puts every stored region back, on this store's clock. All are decoded first: an
    /// unreadable record fails the restore, naming it, and leaves nothing half restored.
    /// Scheduled actions keep their next firing time and targets their last scaling times, so
    /// schedules and cooldowns go on from where they were (an action due while the server was
    /// down fires on the first tick).
    pub fn restore(&self, records: &[(String, Vec<u8>)]) -> Result<(), String> {
        let mut decoded = Vec::with_capacity(records.len());
        for (k, bytes) in records {
            let st: RegionState = decode(TABLE, k, bytes)?;
            if *k != region_key(&st) {
                return Err(format!(
                    "the {TABLE} record {k:?} holds the state of {}/{}, not its own",
                    st.account, st.region
                ));
            }
            decoded.push((st, k, bytes));
        }
        for (mut restored, k, bytes) in decoded {
            restored.clock = self.clock().clone();
            let (account, region) = (restored.account.clone(), restored.region.clone());
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
