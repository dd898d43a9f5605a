//! IAM state, one [`AccountState`] per account (IAM is global: no region), behind one `Mutex`
//! each: deleting a role checks its policies and instance profiles, and deleting a policy checks
//! the roles it is attached to, so the tables change together. Access is closure-only; no guard
//! is held across an `.await`. With `--state-dir` an account is stored whole, as one record:
//! [`Store::with`] marks it changed after every call, and the next save writes it if its bytes
//! changed.

use crate::core::clock::Clock;
use crate::core::persist::{decode, encode, key, split_key, Record, Snapshots};
use dashmap::DashMap;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

pub type Tags = Vec<(String, String)>;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Role {
    pub path: String,
    pub name: String,
    pub id: String,
    pub arn: String,
    pub created: f64,
    /// The trust policy, decoded (answered percent-encoded, as IAM does).
    pub trust: String,
    pub description: Option<String>,
    pub max_session: u32,
    pub tags: Tags,
    /// Inline policies by name.
    pub inline: BTreeMap<String, String>,
    /// Attached managed policy ARNs, in attach order.
    pub attached: Vec<String>,
}

/// A managed policy: a customer's, or an AWS managed one recorded when first used.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Policy {
    pub name: String,
    pub id: String,
    pub arn: String,
    pub path: String,
    pub document: String,
    pub description: Option<String>,
    pub created: f64,
    pub tags: Tags,
    /// An AWS managed policy (`arn:aws:iam::aws:policy/…`): local-ecs knows only its ARN.
    pub aws_managed: bool,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct InstanceProfile {
    pub name: String,
    pub id: String,
    pub arn: String,
    pub path: String,
    pub created: f64,
    /// Role names (IAM allows one).
    pub roles: Vec<String>,
    pub tags: Tags,
}

/// Everything IAM holds for one account.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct AccountState {
    pub account: String,
    #[serde(skip)]
    pub clock: Clock,
    /// Roles by name (IAM role names are unique per account, case-insensitively).
    pub roles: BTreeMap<String, Role>,
    /// Managed policies by ARN.
    pub policies: BTreeMap<String, Policy>,
    /// Instance profiles by name.
    pub profiles: BTreeMap<String, InstanceProfile>,
}

impl AccountState {
    pub fn now(&self) -> f64 {
        self.clock.now()
    }

    /// How many roles have the policy attached.
    pub fn attachment_count(&self, arn: &str) -> usize {
        self.roles
            .values()
            .filter(|r| r.attached.iter().any(|a| a == arn))
            .count()
    }

    /// The role with this name, compared as IAM does (case-insensitively).
    pub fn role_key(&self, name: &str) -> Option<String> {
        self.roles
            .keys()
            .find(|k| k.eq_ignore_ascii_case(name))
            .cloned()
    }
}

/// All accounts' state, on one clock.
#[derive(Default)]
pub struct Store {
    accounts: DashMap<String, Arc<Mutex<AccountState>>>,
    clock: Clock,
    snapshots: Snapshots,
}

/// The table of IAM's records in the state dir.
pub const TABLE: &str = "iam";

impl Store {
    pub fn new(clock: Clock) -> Self {
        Store {
            accounts: DashMap::new(),
            clock,
            snapshots: Snapshots::default(),
        }
    }

    /// Runs `f` on the state of `account`, creating it on first use.
    pub fn with<R>(&self, account: &str, f: impl FnOnce(&mut AccountState) -> R) -> R {
        let state = self
            .accounts
            .entry(account.to_string())
            .or_insert_with(|| {
                Arc::new(Mutex::new(AccountState {
                    account: account.into(),
                    clock: self.clock.clone(),
                    ..Default::default()
                }))
            })
            .clone();
        let out = f(&mut state.lock().unwrap_or_else(|p| p.into_inner()));
        self.snapshots.touch(&key(&[account]));
        out
    }

    /// Runs `f` on an account only if it already has state.
    pub fn with_existing<R>(&self, account: &str, f: impl FnOnce(&AccountState) -> R) -> Option<R> {
        let state = self.accounts.get(account).map(|e| e.value().clone())?;
        let guard = state.lock().unwrap_or_else(|p| p.into_inner());
        Some(f(&guard))
    }

    pub fn clear(&self) {
        for account in self.accounts.iter() {
            self.snapshots.touch(&key(&[account.key()]));
        }
        self.accounts.clear();
    }

    /// The accounts whose stored bytes changed since the last call.
    pub fn changes(&self) -> Vec<Record> {
        self.snapshots.changes(|k| match split_key(k)[..] {
            [account] => self.with_existing(account, encode),
            _ => None,
        })
    }

    /// Puts every stored account back, on this store's clock. All are decoded first: an
    /// unreadable record fails the restore, naming it, and leaves nothing half restored.
    pub fn restore(&self, records: &[(String, Vec<u8>)]) -> Result<(), String> {
        let mut decoded = Vec::with_capacity(records.len());
        for (k, bytes) in records {
            let st: AccountState = decode(TABLE, k, bytes)?;
            if *k != key(&[&st.account]) {
                return Err(format!(
                    "the {TABLE} record {k:?} holds the state of account {}, not its own",
                    st.account
                ));
            }
            decoded.push((st, k, bytes));
        }
        for (mut st, k, bytes) in decoded {
            st.clock = self.clock.clone();
            let account = st.account.clone();
            self.accounts.insert(account, Arc::new(Mutex::new(st)));
            self.snapshots.restored(k, bytes);
        }
        Ok(())
    }

    /// The state dir was wiped: everything is saved anew.
    pub fn forget(&self) {
        self.snapshots.forget();
    }
}
