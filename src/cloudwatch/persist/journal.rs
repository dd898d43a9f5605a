//! What changed in one region since its last save, noted where it changes, and the records that
//! makes. Metric data are saved per (series, bucket start): a put rewrites the one bucket it
//! added to, a rollup the buckets it merged. Alarms are rendered at save time and written only
//! when their bytes changed (an evaluation pass notes every alarm it moved). History is saved
//! by position: the items past the last one saved, and deletes for those expired.

use super::keys;
use crate::cloudwatch::state::{Bucket, MetricKey, RegionState, Series};
use crate::core::persist::{encode, Record};
use serde::{Deserialize, Serialize};
use std::collections::hash_map::DefaultHasher;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::hash::{Hash, Hasher};

/// A series' identity and when it was last put to; its buckets are records of their own.
#[derive(Serialize, Deserialize)]
pub struct SeriesRecord {
    pub key: MetricKey,
    pub last_put: f64,
}

/// The buckets (one per unit) of a series starting at one second, and whether it is 1-second data.
#[derive(Serialize, Deserialize)]
pub struct BucketRecord {
    pub high_res: bool,
    pub units: Vec<(String, Bucket)>,
}

/// The two kinds of alarm record.
pub const ALARM_KINDS: [&str; 2] = [keys::ALARM, keys::COMPOSITE];

#[derive(Debug, Default)]
pub struct Journal {
    /// Bucket starts changed, by series.
    buckets: BTreeMap<MetricKey, BTreeSet<i64>>,
    /// Alarms (metric or composite) that may have changed.
    alarms: BTreeSet<String>,
    /// Every alarm may have changed (an API write).
    all_alarms: bool,
    /// Hash of each alarm record saved, by (kind, name).
    saved: HashMap<(&'static str, String), u64>,
    /// History positions saved: from `history_first_saved` up to (not including)
    /// `history_saved`; those below the region's base are deleted at the next save.
    pub history_saved: usize,
    pub history_first_saved: usize,
    /// Whether changes are noted at all: only with a state dir, else nothing would ever take
    /// them and they would pile up. Set on every entry by the [`crate::cloudwatch::actions::Hub`].
    pub enabled: bool,
}

fn digest(bytes: &[u8]) -> u64 {
    let mut h = DefaultHasher::new();
    bytes.hash(&mut h);
    h.finish()
}

impl Journal {
    pub fn note_buckets(&mut self, key: &MetricKey, starts: impl IntoIterator<Item = i64>) {
        if !self.enabled {
            return;
        }
        let mut starts = starts.into_iter().peekable();
        if starts.peek().is_none() {
            return;
        }
        match self.buckets.get_mut(key) {
            Some(set) => set.extend(starts),
            None => {
                self.buckets.insert(key.clone(), starts.collect());
            }
        }
    }

    pub fn note_alarm(&mut self, name: &str) {
        if self.enabled && !self.all_alarms && !self.alarms.contains(name) {
            self.alarms.insert(name.to_string());
        }
    }

    pub fn note_all_alarms(&mut self) {
        self.all_alarms = self.enabled;
    }

    /// An alarm record as loaded from the store.
    pub fn restored(&mut self, kind: &'static str, name: &str, bytes: &[u8]) {
        self.saved.insert((kind, name.to_string()), digest(bytes));
    }
}

impl RegionState {
    /// Whether something is left to save.
    pub fn unsaved(&self) -> bool {
        let j = &self.journal;
        j.enabled
            && (!j.buckets.is_empty()
                || !j.alarms.is_empty()
                || j.all_alarms
                || self.history_base + self.history.len() > j.history_saved
                || self.history_base > j.history_first_saved)
    }

    /// The records of what changed since the last call.
    pub fn take_changes(&mut self) -> Vec<Record> {
        let mut out = Vec::new();
        for (key, starts) in std::mem::take(&mut self.journal.buckets) {
            out.extend(self.series_records(&key, &starts));
        }
        out.extend(self.alarm_records());
        let (a, r) = (&self.account, &self.region);
        let (base, j) = (self.history_base, &mut self.journal);
        for gone in j.history_first_saved..base.min(j.history_saved) {
            out.push(Record::delete(keys::history(a, r, gone)));
        }
        j.history_first_saved = j.history_first_saved.max(base);
        let first = j.history_saved.max(base);
        for (at, item) in (base..).zip(&self.history).skip(first - base) {
            out.push(Record::put(keys::history(a, r, at), encode(item)));
        }
        j.history_saved = base + self.history.len();
        out
    }

    fn series_records(&self, key: &MetricKey, starts: &BTreeSet<i64>) -> Vec<Record> {
        let (a, r) = (&self.account, &self.region);
        let id = key.sort_key();
        let series = self.metrics.get(key);
        let mut out = vec![match series {
            Some(s) => {
                let record = SeriesRecord {
                    key: key.clone(),
                    last_put: s.last_put,
                };
                Record::put(keys::series(a, r, &id), encode(&record))
            }
            None => Record::delete(keys::series(a, r, &id)),
        }];
        for start in starts {
            let k = keys::bucket(a, r, &id, *start);
            out.push(match series.and_then(|s| bucket_record(s, *start)) {
                Some(record) => Record::put(k, encode(&record)),
                None => Record::delete(k),
            });
        }
        out
    }

    /// Alarms noted (or all of them, and those saved), written where their bytes changed.
    fn alarm_records(&mut self) -> Vec<Record> {
        let j = &mut self.journal;
        let mut names = std::mem::take(&mut j.alarms);
        if std::mem::take(&mut j.all_alarms) {
            names.extend(self.alarms.keys().cloned());
            names.extend(self.composites.keys().cloned());
            names.extend(j.saved.keys().map(|(_, n)| n.clone()));
        }
        let mut out = Vec::new();
        for name in names {
            for kind in ALARM_KINDS {
                let bytes = match kind {
                    keys::ALARM => self.alarms.get(&name).map(encode),
                    _ => self.composites.get(&name).map(encode),
                };
                let k = keys::alarm(kind, &self.account, &self.region, &name);
                let id = (kind, name.clone());
                match bytes {
                    Some(b) => {
                        let d = digest(&b);
                        if self.journal.saved.insert(id, d) != Some(d) {
                            out.push(Record::put(k, b));
                        }
                    }
                    None if self.journal.saved.remove(&id).is_some() => out.push(Record::delete(k)),
                    None => {}
                }
            }
        }
        out
    }

    /// Everything held is to be written again (the store was wiped).
    pub fn resave(&mut self) {
        let j = &mut self.journal;
        j.saved.clear();
        j.history_saved = self.history_base;
        j.history_first_saved = self.history_base;
        j.all_alarms = true;
        for (key, series) in &self.metrics {
            j.note_buckets(key, series.buckets.keys().map(|(t, _)| *t));
        }
    }
}

/// The buckets of `series` starting at `start`; `None` when there are none.
fn bucket_record(series: &Series, start: i64) -> Option<BucketRecord> {
    let range = (start, String::new())..(start + 1, String::new());
    let units: Vec<(String, Bucket)> = (series.buckets.range(range))
        .map(|((_, unit), b)| (unit.clone(), b.clone()))
        .collect();
    let high_res = series.high_res.contains(&start);
    (!units.is_empty()).then_some(BucketRecord { high_res, units })
}
