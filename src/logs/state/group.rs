//! Stored log groups, streams and events. A stream keeps its events ordered by (timestamp,
//! arrival), as CloudWatch Logs returns them, and at most [`STREAM_EVENT_LIMIT`] of them: the
//! oldest go first, so a chatty container cannot grow the emulator without bound.

use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// The most events one stream keeps (AWS keeps everything within the retention period).
pub const STREAM_EVENT_LIMIT: usize = 100_000;

/// AWS counts 26 bytes of overhead for every event (PutLogEvents' batch size, storedBytes).
pub const EVENT_OVERHEAD: usize = 26;

/// Serialized, a group is its attributes (its streams are records of their own).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LogGroup {
    pub name: String,
    /// `arn:aws:logs:REGION:ACCOUNT:log-group:NAME` (describe adds `:*` for `arn`).
    pub arn: String,
    pub creation_time: i64,
    pub retention_in_days: Option<i32>,
    pub kms_key_id: Option<String>,
    pub log_group_class: String,
    pub tags: BTreeMap<String, String>,
    #[serde(skip)]
    pub streams: BTreeMap<String, LogStream>,
}

impl LogGroup {
    pub fn stored_bytes(&self) -> u64 {
        self.streams.values().map(|s| s.stored_bytes).sum()
    }
}

/// Serialized, a stream is its attributes; its events are stored in chunks, one per append
/// ([`crate::logs::persist`]), so that a put writes only what it added.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LogStream {
    pub name: String,
    pub arn: String,
    pub creation_time: i64,
    pub last_ingestion_time: Option<i64>,
    #[serde(skip)]
    pub stored_bytes: u64,
    /// Ordered by (timestamp, seq).
    #[serde(skip)]
    pub events: VecDeque<Event>,
    /// The appends whose events are still (partly) here, by first sequence number.
    #[serde(skip)]
    pub chunks: BTreeMap<u64, Chunk>,
    /// Chunks that lost events since the last save (or all of them: gone from `chunks`).
    #[serde(skip)]
    pub trimmed: BTreeSet<u64>,
}

/// One append's events: how many, and how many of them (the oldest by key: removal is always
/// from the front of the stream) are gone. Saved as a count, so expiry writes no events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Chunk {
    pub len: usize,
    pub dropped: usize,
    /// Its last sequence number (a chunk rewritten after a wipe has gaps).
    pub last: u64,
}

#[derive(Debug, Clone)]
pub struct Event {
    pub timestamp: i64,
    pub ingestion_time: i64,
    pub message: String,
    /// Region-wide arrival order: ties at one timestamp keep their order, and ids are unique.
    pub seq: u64,
}

impl Event {
    pub fn key(&self) -> (i64, u64) {
        (self.timestamp, self.seq)
    }

    pub fn size(&self) -> u64 {
        (self.message.len() + EVENT_OVERHEAD) as u64
    }
}

impl LogStream {
    pub fn new(name: &str, group_arn: &str, now: i64) -> Self {
        LogStream {
            name: name.into(),
            arn: format!("{group_arn}:log-stream:{name}"),
            creation_time: now,
            last_ingestion_time: None,
            stored_bytes: 0,
            events: VecDeque::new(),
            chunks: BTreeMap::new(),
            trimmed: BTreeSet::new(),
        }
    }

    /// Registers an append of `len` events from sequence number `first` (before they are
    /// inserted, so the cap's drops are counted against it).
    pub fn add_chunk(&mut self, first: u64, len: usize) {
        if len > 0 {
            let last = first + len as u64 - 1;
            self.chunks.insert(
                first,
                Chunk {
                    len,
                    dropped: 0,
                    last,
                },
            );
        }
    }

    /// Stores an event in order, dropping the oldest beyond the cap.
    pub fn insert(&mut self, event: Event) {
        let key = event.key();
        let at = self.events.partition_point(|e| e.key() <= key);
        self.stored_bytes += event.size();
        self.last_ingestion_time = Some(event.ingestion_time);
        self.events.insert(at, event);
        while self.events.len() > STREAM_EVENT_LIMIT {
            self.drop_front();
        }
    }

    /// Removes every event older than `cutoff` (epoch ms); how many went.
    pub fn expire_before(&mut self, cutoff: i64) -> usize {
        let mut removed = 0;
        while self.events.front().is_some_and(|e| e.timestamp < cutoff) {
            self.drop_front();
            removed += 1;
        }
        removed
    }

    fn drop_front(&mut self) {
        if let Some(e) = self.events.pop_front() {
            self.stored_bytes = self.stored_bytes.saturating_sub(e.size());
            self.count_drop(e.seq);
        }
    }

    /// Counts a dropped event against its chunk; a chunk with none left is forgotten.
    fn count_drop(&mut self, seq: u64) {
        let Some((&first, chunk)) = self.chunks.range_mut(..=seq).next_back() else {
            return;
        };
        if seq > chunk.last {
            return;
        }
        chunk.dropped += 1;
        if chunk.dropped >= chunk.len {
            self.chunks.remove(&first);
        }
        self.trimmed.insert(first);
    }

    pub fn first_timestamp(&self) -> Option<i64> {
        self.events.front().map(|e| e.timestamp)
    }

    pub fn last_timestamp(&self) -> Option<i64> {
        self.events.back().map(|e| e.timestamp)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(timestamp: i64, seq: u64) -> Event {
        Event {
            timestamp,
            ingestion_time: 0,
            message: "m".into(),
            seq,
        }
    }

    #[test]
    fn events_stay_ordered_and_expire_from_the_front() {
        let mut s = LogStream::new("s", "arn", 0);
        for (ts, seq) in [(5, 1), (3, 2), (5, 3), (1, 4)] {
            s.insert(event(ts, seq));
        }
        let keys: Vec<_> = s.events.iter().map(Event::key).collect();
        assert_eq!(keys, [(1, 4), (3, 2), (5, 1), (5, 3)]);
        assert_eq!(s.stored_bytes, 4 * 27);
        assert_eq!(s.expire_before(4), 2);
        assert_eq!(s.first_timestamp(), Some(5));
        assert_eq!(s.stored_bytes, 2 * 27);
    }
}
