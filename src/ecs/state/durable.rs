//! ECS's state in the state dir: one record per entity (a task definition, a task, a service…),
//! keyed `account · region · table · JSON of the entity's key`. Every table is a
//! [`Tracked`] map, so a request saves the entities it changed and nothing else, however many
//! task definitions the region holds. Outboxes and facts are transient: not stored.

use crate::core::persist::{decode, encode, key, split_key, Durable, Record, Tracked};
use crate::ecs::state::{RegionState, Store};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::Arc;

const TABLE: &str = "ecs";

/// A record as the store hands it back: key and bytes.
type Stored = (String, Vec<u8>);

/// Runs `$apply!(name, field)` for every stored table of a region.
macro_rules! for_each_table {
    ($st:expr, $apply:ident) => {{
        $apply!("clusters", $st.clusters);
        $apply!("capacity-providers", $st.capacity_providers);
        $apply!("task-definitions", $st.task_definitions);
        $apply!("last-revision", $st.last_revision);
        $apply!("account-settings", $st.account_settings);
        $apply!("container-instances", $st.container_instances);
        $apply!("tasks", $st.tasks);
        $apply!("task-books", $st.task_books);
        $apply!("services", $st.services);
        $apply!("service-deployments", $st.service_deployments);
        $apply!("service-revisions", $st.service_revisions);
        $apply!("namespaces", $st.namespaces);
        $apply!("express", $st.express);
        $apply!("daemon-task-definitions", $st.daemons.task_definitions);
        $apply!("daemon-last-revision", $st.daemons.last_revision);
        $apply!("daemons", $st.daemons.daemons);
        $apply!("daemon-revisions", $st.daemons.revisions);
        $apply!("daemon-deployments", $st.daemons.deployments);
        $apply!("daemon-tasks", $st.daemons.tasks);
        $apply!("awaiting-cluster", $st.awaiting_cluster);
    }};
}

pub struct EcsDurable {
    store: Arc<Store>,
}

impl EcsDurable {
    pub fn new(store: Arc<Store>) -> Self {
        EcsDurable { store }
    }
}

fn drain<K, V>(t: &mut Tracked<K, V>, scope: &[&str; 3], out: &mut Vec<Record>)
where
    K: Ord + Clone + Serialize,
    V: Serialize,
{
    if !t.has_changes() {
        return;
    }
    for (k, v) in t.take_changes() {
        let id = serde_json::to_string(&k).unwrap_or_default();
        let record_key = key(&[scope[0], scope[1], scope[2], &id]);
        out.push(match v {
            Some(v) => Record::put(record_key, encode(v)),
            None => Record::delete(record_key),
        });
    }
}

fn load<K, V>(t: &mut Tracked<K, V>, record_key: &str, id: &str, bytes: &[u8]) -> Result<(), String>
where
    K: Ord + Clone + DeserializeOwned,
    V: DeserializeOwned,
{
    let k: K = decode(TABLE, record_key, id.as_bytes())?;
    let v: V = decode(TABLE, record_key, bytes)?;
    t.restore(k, v);
    Ok(())
}

/// Puts one record into its table of the region.
fn load_record(
    st: &mut RegionState,
    record_key: &str,
    table: &str,
    id: &str,
    bytes: &[u8],
) -> Result<(), String> {
    macro_rules! try_table {
        ($name:literal, $field:expr) => {
            if table == $name {
                return load(&mut $field, record_key, id, bytes);
            }
        };
    }
    for_each_table!(st, try_table);
    Err(format!(
        "the {TABLE} record {record_key:?} belongs to a table ({table:?}) this local-ecs does not know"
    ))
}

impl Durable for EcsDurable {
    fn table(&self) -> &'static str {
        TABLE
    }

    fn changes(&self) -> Vec<Record> {
        let mut out = Vec::new();
        for (account, region) in self.store.keys() {
            self.store.with(&account, &region, |st| {
                macro_rules! drain_table {
                    ($name:literal, $field:expr) => {
                        drain(&mut $field, &[&account, &region, $name], &mut out)
                    };
                }
                for_each_table!(st, drain_table);
            });
        }
        out
    }

    fn restore(&self, records: Vec<(String, Vec<u8>)>) -> Result<(), String> {
        let mut by_region: BTreeMap<(String, String), Vec<Stored>> = BTreeMap::new();
        for (k, v) in records {
            let parts = split_key(&k);
            let [account, region, ..] = parts[..] else {
                return Err(format!(
                    "the {TABLE} record {k:?} has no account and region"
                ));
            };
            by_region
                .entry((account.to_string(), region.to_string()))
                .or_default()
                .push((k, v));
        }
        for ((account, region), records) in by_region {
            self.store.with(&account, &region, |st| {
                for (k, v) in &records {
                    let parts = split_key(k);
                    let [_, _, table, id] = parts[..] else {
                        return Err(format!(
                            "the {TABLE} record {k:?} is not account·region·table·id"
                        ));
                    };
                    load_record(st, k, table, id, v)?;
                }
                // The schedulers look at every restored service and daemon once.
                st.service_outbox.extend(st.services.keys().cloned());
                let daemons: Vec<String> = st.daemons.daemons.keys().cloned().collect();
                daemons.iter().for_each(|d| st.daemons.wake(d));
                Ok(())
            })?;
        }
        Ok(())
    }

    fn forget(&self) {
        for (account, region) in self.store.keys() {
            self.store.with(&account, &region, |st| {
                macro_rules! forget_table {
                    ($name:literal, $field:expr) => {
                        $field.forget_changes()
                    };
                }
                for_each_table!(st, forget_table);
            });
        }
    }
}

#[cfg(test)]
#[path = "durable_tests.rs"]
mod tests;
