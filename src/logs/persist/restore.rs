//! Rebuilding the regions from the `logs` table: regions' sequence numbers, groups, streams,
//! then each stream's events from its chunks less what their trim counts say is gone. A record
//! that cannot be read, or that names a group or stream no record holds, fails the restore
//! naming its key: state is never rebuilt from part of the store.

use super::journal::{ChunkRecord, RegionRecord, StreamRecord};
use super::{keys, TABLE};
use crate::core::persist::{decode, split_key};
use crate::logs::state::group::{Chunk, Event, LogGroup, LogStream};
use crate::logs::state::Store;
use std::collections::{BTreeMap, VecDeque};

/// A stream: (account, region, group, stream).
type StreamId = (String, String, String, String);

fn broken(key: &str, why: &str) -> String {
    format!("the {TABLE} record {key:?} cannot be read by this local-ecs: {why}")
}

#[derive(Default)]
struct Loaded {
    trims: BTreeMap<StreamId, BTreeMap<u64, usize>>,
    chunks: BTreeMap<StreamId, Vec<(String, u64, ChunkRecord)>>,
}

pub fn restore(store: &Store, records: Vec<(String, Vec<u8>)>) -> Result<(), String> {
    let mut kinds: BTreeMap<&str, Vec<(&str, &[u8])>> = BTreeMap::new();
    for (k, v) in &records {
        let kind = split_key(k)[0];
        if ![keys::REGION, keys::GROUP, keys::STREAM, keys::CHUNK].contains(&kind) {
            return Err(broken(k, "unknown kind of record"));
        }
        kinds.entry(kind).or_default().push((k, v));
    }
    let of = |kind: &str| kinds.get(kind).cloned().unwrap_or_default();
    for (k, v) in of(keys::REGION) {
        let p = parts(k, 3)?;
        let record: RegionRecord = decode(TABLE, k, v)?;
        store.with(p[1], p[2], |st| {
            st.last_seq = st.last_seq.max(record.last_seq)
        });
    }
    for (k, v) in of(keys::GROUP) {
        let p = parts(k, 4)?;
        let group: LogGroup = decode(TABLE, k, v)?;
        store.with(p[1], p[2], |st| st.groups.insert(p[3].to_string(), group));
    }
    let mut loaded = Loaded::default();
    for (k, v) in of(keys::STREAM) {
        load_stream(store, &mut loaded, k, v)?;
    }
    for (k, v) in of(keys::CHUNK) {
        let p = parts(k, 6)?;
        let first: u64 = (p[p.len() - 1].parse()).map_err(|_| broken(k, "no sequence number"))?;
        let chunk: ChunkRecord = decode(TABLE, k, v)?;
        let id = stream_id(&p[..p.len() - 1]);
        if !loaded.trims.contains_key(&id) {
            return Err(broken(k, "events of a stream that no record holds"));
        }
        let at = loaded.chunks.entry(id).or_default();
        at.push((k.to_string(), first, chunk));
    }
    for (id, trims) in &loaded.trims {
        let chunks = loaded.chunks.remove(id).unwrap_or_default();
        fill_stream(store, id, trims, chunks)?;
    }
    Ok(())
}

/// The key's parts, at least `min` of them.
fn parts(key: &str, min: usize) -> Result<Vec<&str>, String> {
    let p = split_key(key);
    if p.len() < min {
        return Err(broken(key, "too few parts"));
    }
    Ok(p)
}

/// (account, region, group, stream) from the parts after the kind; a stream name may hold the
/// separator, so it is the rest.
fn stream_id(p: &[&str]) -> StreamId {
    let name = p[4..].join("\u{1f}");
    (p[1].into(), p[2].into(), p[3].into(), name)
}

fn load_stream(store: &Store, loaded: &mut Loaded, k: &str, v: &[u8]) -> Result<(), String> {
    let p = parts(k, 5)?;
    let record: StreamRecord<LogStream> = decode(TABLE, k, v)?;
    let id = stream_id(&p);
    let placed = store.with(&id.0, &id.1, |st| {
        let group = st.groups.get_mut(&id.2)?;
        group.streams.insert(id.3.clone(), record.stream);
        Some(())
    });
    placed.ok_or_else(|| broken(k, "a stream of a group that no record holds"))?;
    loaded.trims.insert(id, record.trims);
    Ok(())
}

/// A stream's events: every chunk's, less each one's oldest `trims[first]`, ordered by key.
fn fill_stream(
    store: &Store,
    id: &StreamId,
    trims: &BTreeMap<u64, usize>,
    chunks: Vec<(String, u64, ChunkRecord)>,
) -> Result<(), String> {
    if let Some(first) = trims.keys().find(|f| !chunks.iter().any(|c| c.1 == **f)) {
        let k = keys::stream(&id.0, &id.1, &id.2, &id.3);
        return Err(broken(
            &k,
            &format!("a trim of chunk {first}, which no record holds"),
        ));
    }
    let mut index = BTreeMap::new();
    let mut live = Vec::new();
    for (k, first, chunk) in chunks {
        let dropped = trims.get(&first).copied().unwrap_or(0);
        let mut events: Vec<Event> = (chunk.events.into_iter())
            .map(|(timestamp, seq, message)| Event {
                timestamp,
                ingestion_time: chunk.ingestion_time,
                message,
                seq,
            })
            .collect();
        let len = events.len();
        let last = events.iter().map(|e| e.seq).max();
        let (Some(last), true) = (last, dropped < len) else {
            return Err(broken(&k, "a chunk with no event left"));
        };
        events.sort_by_key(Event::key);
        live.extend(events.into_iter().skip(dropped));
        index.insert(first, Chunk { len, dropped, last });
    }
    live.sort_by_key(Event::key);
    store.with(&id.0, &id.1, |st| {
        let max_seq = live.iter().map(|e| e.seq).max().unwrap_or(0);
        st.last_seq = st.last_seq.max(max_seq);
        if let Some(s) = st
            .groups
            .get_mut(&id.2)
            .and_then(|g| g.streams.get_mut(&id.3))
        {
            s.stored_bytes = live.iter().map(Event::size).sum();
            s.events = VecDeque::from(live);
            s.chunks = index;
        }
    });
    Ok(())
}
