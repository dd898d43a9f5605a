//! The state dir: one redb database (`state.redb`) holding a table per service and `meta`.
//!
//! redb rather than a file format of our own: its commits are atomic and, with
//! `Durability::Immediate`, on disk when `commit` returns; a process killed at any point leaves
//! the last committed transaction readable; and it locks the file against a second server.

use super::format::{self, FORMAT, FORMAT_KEY, WRITER_KEY};
use super::group::GroupCommit;
use super::{Durable, Record};
use crate::core::clock::Clock;
use redb::{Database, Durability, ReadableTable, TableDefinition, TableError};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// How soon a change no request carried (a controller's) is written.
pub const FLUSH_EVERY: Duration = Duration::from_millis(200);

const META: TableDefinition<&str, &str> = TableDefinition::new("meta");
/// The meta key of the emulated time of the last commit.
const CLOCK_KEY: &str = "clock";

fn records_table(name: &str) -> TableDefinition<'_, &'static str, &'static [u8]> {
    TableDefinition::new(name)
}

/// An open state dir and the services whose state it keeps.
pub struct StateDir {
    db: Database,
    dir: String,
    parts: Vec<Arc<dyn Durable>>,
    /// One commit at a time (so a later save of a record never lands before an earlier one),
    /// shared by every request whose change it collected.
    group: GroupCommit,
    /// Its time is saved with the commits (see `clock_due`) and resumed at start.
    clock: Clock,
    /// The wall second the clock was last saved in.
    clock_saved: std::sync::atomic::AtomicU64,
}

fn err(dir: &str, e: impl std::fmt::Display) -> String {
    format!("state dir {dir}: {e}")
}

impl StateDir {
    /// Opens (creating it if need be) the state dir, refusing one this build cannot read.
    pub fn open(
        dir: &Path,
        parts: Vec<Arc<dyn Durable>>,
        clock: Clock,
    ) -> Result<Arc<StateDir>, String> {
        let shown = dir.display().to_string();
        std::fs::create_dir_all(dir).map_err(|e| err(&shown, e))?;
        let db = Database::create(dir.join("state.redb")).map_err(|e| match e {
            redb::DatabaseError::DatabaseAlreadyOpen => format!(
                "state dir {shown} is in use by another local-ecs (one server per state dir)"
            ),
            other => err(&shown, other),
        })?;
        let state = StateDir {
            db,
            dir: shown,
            parts,
            group: GroupCommit::default(),
            clock,
            clock_saved: Default::default(),
        };
        let (found, writer) = (state.meta(FORMAT_KEY)?, state.meta(WRITER_KEY)?);
        format::check_format(&state.dir, found.as_deref(), writer.as_deref())?;
        Ok(Arc::new(state))
    }

    fn meta(&self, key: &str) -> Result<Option<String>, String> {
        let tx = self.db.begin_read().map_err(|e| err(&self.dir, e))?;
        let table = match tx.open_table(META) {
            Ok(t) => t,
            Err(TableError::TableDoesNotExist(_)) => return Ok(None),
            Err(e) => return Err(err(&self.dir, e)),
        };
        let value = table.get(key).map_err(|e| err(&self.dir, e))?;
        Ok(value.map(|v| v.value().to_string()))
    }

    fn read_table(&self, name: &str) -> Result<Vec<(String, Vec<u8>)>, String> {
        let tx = self.db.begin_read().map_err(|e| err(&self.dir, e))?;
        let table = match tx.open_table(records_table(name)) {
            Ok(t) => t,
            Err(TableError::TableDoesNotExist(_)) => return Ok(Vec::new()),
            Err(e) => return Err(err(&self.dir, e)),
        };
        let mut out = Vec::new();
        for item in table.iter().map_err(|e| err(&self.dir, e))? {
            let (k, v) = item.map_err(|e| err(&self.dir, e))?;
            out.push((k.value().to_string(), v.value().to_vec()));
        }
        Ok(out)
    }

    /// Loads every service's records into it (migrating older ones), then stamps the store
    /// with this build's format and versions. Returns how many records were loaded.
    pub fn restore(&self) -> Result<usize, String> {
        if let Some(saved) = self.meta(CLOCK_KEY)?.and_then(|v| v.parse::<f64>().ok()) {
            self.clock.resume_from(saved);
        }
        let mut loaded = 0;
        let mut rewritten: Vec<(&'static str, Vec<Record>)> = Vec::new();
        for part in &self.parts {
            let table = part.table();
            let stored = self.meta(&format::version_key(table))?;
            let stored = format::parse_version(&self.dir, table, stored.as_deref())?;
            let mut records = self.read_table(table)?;
            match stored {
                Some(v) if v > part.version() => {
                    return Err(format!(
                        "the state dir {} holds {table} records of version {v}, written by a newer local-ecs; this one reads version {}: upgrade local-ecs, or start with another --state-dir",
                        self.dir,
                        part.version()
                    ))
                }
                Some(v) if v < part.version() => {
                    records = part
                        .migrate(v, records)
                        .map_err(|why| format!("state dir {}: {why}", self.dir))?;
                    let puts = records
                        .iter()
                        .map(|(k, v)| Record::put(k.clone(), v.clone()));
                    rewritten.push((table, puts.collect()));
                }
                _ => {}
            }
            loaded += records.len();
            part.restore(records)
                .map_err(|why| format!("state dir {}: {why}", self.dir))?;
        }
        self.write(rewritten, true)?;
        Ok(loaded)
    }

    /// Writes every service's changes since the last commit, durably, before returning.
    pub async fn commit(self: &Arc<Self>) -> Result<(), String> {
        self.group.wait_durable(|| self.write_changes()).await
    }

    async fn write_changes(self: &Arc<Self>) -> Result<(), String> {
        let batch = self.collect();
        if batch.is_empty() {
            return Ok(());
        }
        let me = self.clone();
        tokio::task::spawn_blocking(move || me.write(batch, false))
            .await
            .map_err(|e| err(&self.dir, e))?
    }

    fn collect(&self) -> Vec<(&'static str, Vec<Record>)> {
        self.parts
            .iter()
            .map(|p| (p.table(), p.changes()))
            .filter(|(_, records)| !records.is_empty())
            .collect()
    }

    fn write(&self, batch: Vec<(&'static str, Vec<Record>)>, stamp: bool) -> Result<(), String> {
        let started = std::time::Instant::now();
        let records: usize = batch.iter().map(|(_, r)| r.len()).sum();
        let done = self.write_batch(batch, stamp);
        tracing::debug!(
            records,
            ms = started.elapsed().as_secs_f64() * 1e3,
            "state committed"
        );
        done
    }

    fn write_batch(
        &self,
        batch: Vec<(&'static str, Vec<Record>)>,
        stamp: bool,
    ) -> Result<(), String> {
        let mut tx = self.db.begin_write().map_err(|e| err(&self.dir, e))?;
        tx.set_durability(Durability::Immediate);
        for (name, records) in batch {
            let mut table = tx
                .open_table(records_table(name))
                .map_err(|e| err(&self.dir, e))?;
            for r in records {
                let done = match &r.value {
                    Some(v) => table.insert(r.key.as_str(), v.as_slice()).map(|_| ()),
                    None => table.remove(r.key.as_str()).map(|_| ()),
                };
                done.map_err(|e| err(&self.dir, e))?;
            }
        }
        if stamp || self.clock_due() {
            let mut meta = tx.open_table(META).map_err(|e| err(&self.dir, e))?;
            let now = self.clock.now().to_string();
            meta.insert(CLOCK_KEY, now.as_str())
                .map_err(|e| err(&self.dir, e))?;
        }
        if stamp {
            let mut meta = tx.open_table(META).map_err(|e| err(&self.dir, e))?;
            let format = FORMAT.to_string();
            let mut put = |k: &str, v: &str| meta.insert(k, v).map(|_| ());
            put(FORMAT_KEY, &format).map_err(|e| err(&self.dir, e))?;
            put(WRITER_KEY, env!("CARGO_PKG_VERSION")).map_err(|e| err(&self.dir, e))?;
            for part in &self.parts {
                let version = part.version().to_string();
                put(&format::version_key(part.table()), &version).map_err(|e| err(&self.dir, e))?;
            }
        }
        tx.commit().map_err(|e| err(&self.dir, e))
    }

    /// Whether the clock is saved with this commit: at most once a wall second (a B-tree of its
    /// own rewritten on every commit would cost each request), enough to keep emulated time from
    /// going back by more than a second × the time scale.
    fn clock_due(&self) -> bool {
        let now = std::time::UNIX_EPOCH.elapsed().map_or(0, |d| d.as_secs());
        self.clock_saved
            .swap(now, std::sync::atomic::Ordering::Relaxed)
            != now
    }

    /// Drops every stored record (a reset), then lets the services save what they hold anew.
    pub async fn wipe(self: &Arc<Self>) -> Result<(), String> {
        let turn = self.group.exclusive().await;
        let me = self.clone();
        let done = tokio::task::spawn_blocking(move || me.wipe_now())
            .await
            .map_err(|e| err(&self.dir, e))?;
        drop(turn);
        self.group.wake();
        done
    }

    fn wipe_now(&self) -> Result<(), String> {
        let mut tx = self.db.begin_write().map_err(|e| err(&self.dir, e))?;
        tx.set_durability(Durability::Immediate);
        for part in &self.parts {
            match tx.delete_table(records_table(part.table())) {
                Ok(_) | Err(TableError::TableDoesNotExist(_)) => {}
                Err(e) => return Err(err(&self.dir, e)),
            }
            part.forget();
        }
        tx.commit().map_err(|e| err(&self.dir, e))
    }

    /// Writes the changes of controllers every [`FLUSH_EVERY`] until `stopping` fires.
    pub async fn flush_loop(self: Arc<Self>, mut stopping: crate::core::shutdown::Stopping) {
        loop {
            tokio::select! {
                _ = tokio::time::sleep(FLUSH_EVERY) => {}
                _ = stopping.wait() => return,
            }
            if let Err(why) = self.commit().await {
                tracing::error!("could not save state: {why}");
            }
        }
    }

    pub fn dir(&self) -> &str {
        &self.dir
    }
}
