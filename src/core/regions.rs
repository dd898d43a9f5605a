//! Per-account, per-region state as the regional services hold it: one `Mutex` per region, each
//! operation and controller step a short synchronous critical section reached through a closure,
//! so no guard escapes a function or is held across an `.await`.

use super::clock::Clock;
use dashmap::DashMap;
use std::sync::{Arc, Mutex};

/// A region's state, made on first use.
pub trait RegionScoped: Send {
    fn new_region(account: &str, region: &str, clock: &Clock) -> Self;
}

/// Every (account, region)'s state, on one clock.
pub struct Regions<S> {
    regions: DashMap<(String, String), Arc<Mutex<S>>>,
    clock: Clock,
}

impl<S: RegionScoped> Default for Regions<S> {
    fn default() -> Self {
        Regions::new(Clock::default())
    }
}

impl<S: RegionScoped> Regions<S> {
    pub fn new(clock: Clock) -> Self {
        Regions {
            regions: DashMap::new(),
            clock,
        }
    }

    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// Runs `f` on the state of `account` in `region`, creating it on first use.
    pub fn with<R>(&self, account: &str, region: &str, f: impl FnOnce(&mut S) -> R) -> R {
        let key = (account.to_string(), region.to_string());
        let state = self
            .regions
            .entry(key)
            .or_insert_with(|| Arc::new(Mutex::new(S::new_region(account, region, &self.clock))))
            .clone();
        let mut guard = state.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut guard)
    }

    /// Runs `f` on a region only if it already has state.
    pub fn with_existing<R>(
        &self,
        account: &str,
        region: &str,
        f: impl FnOnce(&mut S) -> R,
    ) -> Option<R> {
        let state = self
            .regions
            .get(&(account.to_string(), region.to_string()))
            .map(|e| e.value().clone())?;
        let mut guard = state.lock().unwrap_or_else(|p| p.into_inner());
        Some(f(&mut guard))
    }

    /// Runs `f` on every region that has state, one at a time.
    pub fn each(&self, mut f: impl FnMut(&mut S)) {
        let states: Vec<_> = self.regions.iter().map(|e| e.value().clone()).collect();
        for state in states {
            f(&mut state.lock().unwrap_or_else(|p| p.into_inner()));
        }
    }

    pub fn clear(&self) {
        self.regions.clear();
    }

    /// Every (account, region) that has state.
    pub fn keys(&self) -> Vec<(String, String)> {
        self.regions.iter().map(|e| e.key().clone()).collect()
    }
}
