//! What changed in one region since its last save, noted where it changes, and the records that
//! makes. Events are written once, as the chunk of the append that brought them; attributes
//! (a group's, a stream's with its chunks' trim counts, the region's sequence number) are
//! rendered from the state at save time, so noting them costs a set insert.

use super::keys;
use crate::core::persist::{encode, Record};
use crate::logs::state::group::{Event, LogGroup, LogStream};
use crate::logs::state::RegionState;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// One append's events as stored: their common ingestion time and (timestamp, seq, message).
#[derive(Serialize, Deserialize)]
pub struct ChunkRecord {
    pub ingestion_time: i64,
    pub events: Vec<(i64, u64, String)>,
}

/// A stream's attributes and, for each chunk that lost some (not all) of its events, how many:
/// the oldest by key, since removal is always from the stream's front.
#[derive(Serialize, Deserialize)]
pub struct StreamRecord<S> {
    #[serde(flatten)]
    pub stream: S,
    #[serde(default)]
    pub trims: BTreeMap<u64, usize>,
}

#[derive(Serialize, Deserialize)]
pub struct RegionRecord {
    pub last_seq: u64,
}

#[derive(Debug, Default)]
pub struct Journal {
    /// Records made as the change happened: new chunks, and the deletes of what a delete removed.
    records: BTreeMap<String, Option<Vec<u8>>>,
    /// Groups whose attributes changed.
    groups: BTreeSet<String>,
    /// Streams whose attributes or chunks changed, by (group, stream).
    streams: BTreeSet<(String, String)>,
    /// The region's sequence number moved.
    region: bool,
    /// Whether changes are noted at all: only with a state dir, else nothing would ever take
    /// them and they would pile up. Set on every entry by the [`super::Ledger`].
    pub enabled: bool,
}

impl Journal {
    pub fn is_empty(&self) -> bool {
        self.records.is_empty() && self.groups.is_empty() && self.streams.is_empty() && !self.region
    }
}

impl RegionState {
    /// A group's attributes changed (created, retention, tags).
    pub fn note_group(&mut self, group: &str) {
        if !self.journal.enabled {
            return;
        }
        self.journal.groups.insert(group.to_string());
    }

    /// A stream's attributes or chunks changed (created, appended to, trimmed).
    pub fn note_stream(&mut self, group: &str, stream: &str) {
        if !self.journal.enabled {
            return;
        }
        let id = (group.to_string(), stream.to_string());
        self.journal.streams.insert(id);
    }

    /// Streams of `group` that lost events (expiry).
    pub fn note_trimmed(&mut self, group: &str) {
        if !self.journal.enabled {
            return;
        }
        let Some(g) = self.groups.get(group) else {
            return;
        };
        let trimmed: Vec<(String, String)> = (g.streams.values())
            .filter(|s| !s.trimmed.is_empty())
            .map(|s| (group.to_string(), s.name.clone()))
            .collect();
        self.journal.streams.extend(trimmed);
    }

    /// An append to a stream, its events from sequence number `first` encoded as `chunk`
    /// ([`chunk_bytes`]): written as it is at the next save.
    pub fn note_append(&mut self, group: &str, stream: &str, first: u64, chunk: Vec<u8>) {
        if !self.journal.enabled {
            return;
        }
        let k = keys::chunk(&self.account, &self.region, group, stream, first);
        self.journal.records.insert(k, Some(chunk));
        self.note_stream(group, stream);
        self.journal.region = true;
    }

    /// A stream was deleted: its record and every chunk of it go.
    pub fn note_stream_deleted(&mut self, group: &str, stream: &LogStream) {
        if !self.journal.enabled {
            return;
        }
        let (a, r) = (&self.account, &self.region);
        let mut gone = vec![keys::stream(a, r, group, &stream.name)];
        let firsts = stream.chunks.keys().chain(&stream.trimmed);
        gone.extend(firsts.map(|first| keys::chunk(a, r, group, &stream.name, *first)));
        for k in gone {
            self.journal.records.insert(k, None);
        }
    }

    /// A group was deleted: its record, its streams' and their chunks go.
    pub fn note_group_deleted(&mut self, group: &LogGroup) {
        if !self.journal.enabled {
            return;
        }
        for stream in group.streams.values() {
            self.note_stream_deleted(&group.name, stream);
        }
        let k = keys::group(&self.account, &self.region, &group.name);
        self.journal.records.insert(k, None);
    }

    /// The records of what changed since the last call, which the journal then forgets.
    pub fn take_changes(&mut self) -> Vec<Record> {
        let enabled = self.journal.enabled;
        let journal = std::mem::replace(
            &mut self.journal,
            Journal {
                enabled,
                ..Journal::default()
            },
        );
        let mut out: Vec<Record> = (journal.records.into_iter())
            .map(|(key, value)| Record { key, value })
            .collect();
        let (a, r) = (self.account.clone(), self.region.clone());
        for name in &journal.groups {
            let key = keys::group(&a, &r, name);
            out.push(match self.groups.get(name) {
                Some(g) => Record::put(key, encode(g)),
                None => Record::delete(key),
            });
        }
        for (group, name) in &journal.streams {
            let stream = (self.groups.get_mut(group)).and_then(|g| g.streams.get_mut(name));
            if let Some(stream) = stream {
                out.extend(stream_records(&a, &r, group, stream));
            }
        }
        if journal.region {
            let record = RegionRecord {
                last_seq: self.last_seq,
            };
            out.push(Record::put(keys::region(&a, &r), encode(&record)));
        }
        out
    }

    /// Everything held is to be written again (the store was wiped): attributes are noted,
    /// and each chunk is rewritten with the events still here.
    pub fn resave(&mut self) {
        self.journal.region = true;
        let names: Vec<String> = self.groups.keys().cloned().collect();
        for name in names {
            self.note_group(&name);
            let Some(group) = self.groups.get_mut(&name) else {
                continue;
            };
            let mut chunks = Vec::new();
            let mut streams = Vec::new();
            for stream in group.streams.values_mut() {
                streams.push((name.clone(), stream.name.clone()));
                chunks.extend(
                    rechunk(stream)
                        .into_iter()
                        .map(|c| (stream.name.clone(), c)),
                );
            }
            self.journal.streams.extend(streams);
            for (stream, (ingested, events)) in chunks {
                if let Some(bytes) = chunk_bytes(ingested, &events) {
                    self.note_append(&name, &stream, events[0].seq, bytes);
                }
            }
        }
    }
}

/// One append's events (all ingested at `ingested`, in sequence order) as their record; `None`
/// for none.
pub fn chunk_bytes(ingested: i64, events: &[Event]) -> Option<Vec<u8>> {
    if events.is_empty() {
        return None;
    }
    let chunk = ChunkRecord {
        ingestion_time: ingested,
        events: (events.iter())
            .map(|e| (e.timestamp, e.seq, e.message.clone()))
            .collect(),
    };
    Some(encode(&chunk))
}

/// The stream's record, and the deletes of its chunks that lost their last event.
fn stream_records(a: &str, r: &str, group: &str, stream: &mut LogStream) -> Vec<Record> {
    let trims = (stream.chunks.iter())
        .filter(|(_, c)| c.dropped > 0)
        .map(|(first, c)| (*first, c.dropped))
        .collect();
    let record = StreamRecord {
        stream: &*stream,
        trims,
    };
    let mut out = vec![Record::put(
        keys::stream(a, r, group, &stream.name),
        encode(&record),
    )];
    for first in std::mem::take(&mut stream.trimmed) {
        if !stream.chunks.contains_key(&first) {
            out.push(Record::delete(keys::chunk(
                a,
                r,
                group,
                &stream.name,
                first,
            )));
        }
    }
    out
}

/// The stream's live events grouped as chunks again (each chunk now exactly its live events,
/// none dropped), as (ingestion time, events) in order of first sequence number.
fn rechunk(stream: &mut LogStream) -> Vec<(i64, Vec<Event>)> {
    let mut by_chunk: BTreeMap<u64, Vec<Event>> = BTreeMap::new();
    for e in &stream.events {
        let first = (stream.chunks.range(..=e.seq).next_back()).map_or(e.seq, |(f, _)| *f);
        by_chunk.entry(first).or_default().push(e.clone());
    }
    stream.trimmed.clear();
    stream.chunks.clear();
    let mut out = Vec::new();
    for (_, mut events) in by_chunk {
        events.sort_by_key(|e| e.seq);
        let (first, len, last) = (events[0].seq, events.len(), events[events.len() - 1].seq);
        let chunk = crate::logs::state::group::Chunk {
            len,
            dropped: 0,
            last,
        };
        stream.chunks.insert(first, chunk);
        out.push((events[0].ingestion_time, events));
    }
    out
}
