//! All regions' state, on one clock, and which regions changed since the last save
//! (`--state-dir`): every access through [`Store::with`] or [`Store::with_existing`] marks its
//! region, after the closure ran, so the save that follows re-encodes it whole.

use super::RegionState;
use crate::core::clock::Clock;
use crate::core::persist::{decode, encode, key, split_key, Record, Snapshots};
use crate::core::regions::Regions;

/// The table of ELBv2's records in the state dir.
pub const TABLE: &str = "elbv2";

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
        let out = self.regions.with(account, region, f);
        self.snapshots.touch(&key(&[account, region]));
        out
    }

    /// Runs `f` on a region only if it already has state.
    pub fn with_existing<R>(
        &self,
        account: &str,
        region: &str,
        f: impl FnOnce(&mut RegionState) -> R,
    ) -> Option<R> {
        let out = self.regions.with_existing(account, region, f)?;
        self.snapshots.touch(&key(&[account, region]));
        Some(out)
    }

    /// Every (account, region) that has state.
    pub fn keys(&self) -> Vec<(String, String)> {
        self.regions.keys()
    }

    /// Drops every region (a reset; the state dir is wiped after it).
    pub fn clear(&self) {
        let keys = self.keys();
        self.regions.clear();
        for (account, region) in keys {
            self.snapshots.touch(&key(&[&account, &region]));
        }
    }

    /// The regions whose stored bytes changed since the last call.
    pub fn changes(&self) -> Vec<Record> {
        self.snapshots.changes(|k| match split_key(k)[..] {
            [account, region] => self.regions.with_existing(account, region, |st| encode(st)),
            _ => None,
        })
    }

    /// Decodes every stored region; an unreadable record fails the whole restore, naming it.
    pub fn decode_all(records: &[(String, Vec<u8>)]) -> Result<Vec<RegionState>, String> {
        records
            .iter()
            .map(|(k, bytes)| {
                let st: RegionState = decode(TABLE, k, bytes)?;
                if *k != key(&[&st.account, &st.region]) {
                    return Err(format!(
                        "the {TABLE} record {k:?} holds the state of {}/{}, not its own",
                        st.account, st.region
                    ));
                }
                Ok(st)
            })
            .collect()
    }

    /// Puts a decoded region in place, on this store's clock, as saved (`bytes`).
    pub fn install(&self, mut restored: RegionState, bytes: &[u8]) {
        restored.clock = self.clock().clone();
        let now = restored.now();
        // Probes are due at once: health is found again rather than trusted from before.
        for t in restored
            .target_groups
            .values_mut()
            .flat_map(|tg| tg.targets.values_mut())
        {
            t.next_probe = now;
        }
        let k = key(&[&restored.account, &restored.region]);
        let (account, region) = (restored.account.clone(), restored.region.clone());
        self.regions.with(&account, &region, |st| *st = restored);
        self.snapshots.restored(&k, bytes);
    }

    /// The state dir was wiped: everything is saved anew.
    pub fn forget(&self) {
        self.snapshots.forget();
    }
}
