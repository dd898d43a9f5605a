//! Rebuilding the regions from the `cloudwatch` table: series, their buckets, alarms (composite
//! rules parsed again), history in order. A record that cannot be read, a bucket of no series,
//! or a gap in a history fails the restore naming its key: state is never rebuilt from part of
//! the store.

use super::journal::{BucketRecord, SeriesRecord};
use super::{keys, TABLE};
use crate::cloudwatch::alarm::{Alarm, HistoryItem};
use crate::cloudwatch::composite::Composite;
use crate::cloudwatch::state::{MetricKey, Store};
use crate::core::persist::{decode, split_key};
use std::collections::BTreeMap;

fn broken(key: &str, why: &str) -> String {
    format!("the {TABLE} record {key:?} cannot be read by this local-ecs: {why}")
}

/// A key's parts after the kind: account, region, and the rest joined (a name or series id may
/// hold the separator).
fn scope(key: &str) -> Result<(&str, &str, String), String> {
    let p = split_key(key);
    if p.len() < 4 {
        return Err(broken(key, "too few parts"));
    }
    Ok((p[1], p[2], p[3..].join("\u{1f}")))
}

type Records<'a> = Vec<(&'a str, &'a [u8])>;

pub fn restore(store: &Store, records: Vec<(String, Vec<u8>)>) -> Result<(), String> {
    let mut kinds: BTreeMap<&str, Records> = BTreeMap::new();
    let known = [
        keys::SERIES,
        keys::BUCKET,
        keys::ALARM,
        keys::COMPOSITE,
        keys::HISTORY,
    ];
    for (k, v) in &records {
        let kind = split_key(k)[0];
        if !known.contains(&kind) {
            return Err(broken(k, "unknown kind of record"));
        }
        kinds.entry(kind).or_default().push((k, v));
    }
    let of = |kind: &str| kinds.get(kind).cloned().unwrap_or_default();
    let series = load_series(store, of(keys::SERIES))?;
    load_buckets(store, &series, of(keys::BUCKET))?;
    load_alarms(store, of(keys::ALARM), of(keys::COMPOSITE))?;
    load_history(store, of(keys::HISTORY))
}

/// Series by (account, region, id).
type SeriesIds = BTreeMap<(String, String, String), MetricKey>;

fn load_series(store: &Store, records: Records) -> Result<SeriesIds, String> {
    let mut ids = SeriesIds::new();
    for (k, v) in records {
        let (a, r, id) = scope(k)?;
        let record: SeriesRecord = decode(TABLE, k, v)?;
        store.with(a, r, |st| {
            let series = st.metrics.entry(record.key.clone()).or_default();
            series.last_put = record.last_put;
        });
        ids.insert((a.into(), r.into(), id), record.key);
    }
    Ok(ids)
}

fn load_buckets(store: &Store, series: &SeriesIds, records: Records) -> Result<(), String> {
    for (k, v) in records {
        let (a, r, rest) = scope(k)?;
        let (id, start) = rest
            .rsplit_once('\u{1f}')
            .ok_or_else(|| broken(k, "no start"))?;
        let start: i64 = start.parse().map_err(|_| broken(k, "no start"))?;
        let record: BucketRecord = decode(TABLE, k, v)?;
        let key = (series.get(&(a.into(), r.into(), id.into())))
            .ok_or_else(|| broken(k, "a bucket of a series that no record holds"))?;
        store.with(a, r, |st| {
            let Some(s) = st.metrics.get_mut(key) else {
                return;
            };
            if record.high_res {
                s.high_res.insert(start);
            }
            for (unit, bucket) in record.units {
                s.buckets.insert((start, unit), bucket);
            }
        });
    }
    Ok(())
}

fn load_alarms(store: &Store, alarms: Records, composites: Records) -> Result<(), String> {
    for (k, v) in alarms {
        let (a, r, name) = scope(k)?;
        let alarm: Alarm = decode(TABLE, k, v)?;
        store.with(a, r, |st| {
            st.journal.restored(keys::ALARM, &name, v);
            st.alarms.insert(name, alarm);
        });
    }
    for (k, v) in composites {
        let (a, r, name) = scope(k)?;
        let mut c: Composite = decode(TABLE, k, v)?;
        let text = (c.config.get("AlarmRule").and_then(|v| v.as_str())).unwrap_or_default();
        c.rule = crate::cloudwatch::rule::parse(text)
            .map_err(|e| broken(k, &format!("its AlarmRule does not parse: {e}")))?;
        store.with(a, r, |st| {
            st.journal.restored(keys::COMPOSITE, &name, v);
            st.composites.insert(name, c);
        });
    }
    Ok(())
}

/// History items in key order (their position, zero-padded): each region's are consecutive
/// from its first kept position (older ones expired).
fn load_history(store: &Store, records: Records) -> Result<(), String> {
    for (k, v) in records {
        let (a, r, index) = scope(k)?;
        let index: usize = index.parse().map_err(|_| broken(k, "no position"))?;
        let item: HistoryItem = decode(TABLE, k, v)?;
        store.with(a, r, |st| {
            if st.history.is_empty() {
                st.history_base = index;
                st.journal.history_first_saved = index;
            }
            let next = st.history_base + st.history.len();
            if index != next {
                return Err(broken(k, &format!("item {next} is missing")));
            }
            st.history.push(item);
            st.journal.history_saved = next + 1;
            Ok(())
        })?;
    }
    Ok(())
}
