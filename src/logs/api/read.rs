//! GetLogEvents: one stream's events, a page at a time in either direction
//! (<https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_GetLogEvents.html>).
//!
//! Tokens are `f/` or `b/` and forty digits: an event's timestamp and sequence number. A forward
//! page resumes after that event, a backward page ends before it; a page with nothing new gives
//! back the token it was sent, which is how SDK paginators and the CLI know to stop.

use super::{check_stream_name, group, limit, parse, pick_group};
use crate::logs::state::group::Event;
use crate::logs::state::RegionState;
use crate::logs::{LogsError, LogsResult};
use crate::wire::Reply;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct GetLogEventsRequest {
    log_group_name: Option<String>,
    log_group_identifier: Option<String>,
    log_stream_name: Option<String>,
    start_time: Option<i64>,
    end_time: Option<i64>,
    next_token: Option<String>,
    limit: Option<i64>,
    start_from_head: Option<bool>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct OutputEvent<'a> {
    timestamp: i64,
    message: &'a str,
    ingestion_time: i64,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct GetLogEventsResponse<'a> {
    events: Vec<OutputEvent<'a>>,
    next_forward_token: String,
    next_backward_token: String,
}

/// Where a page starts: from either end, or after / before an event's key.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cursor {
    Head,
    Tail,
    After((i64, u64)),
    Before((i64, u64)),
}

impl Cursor {
    pub fn parse(token: &str) -> Option<Cursor> {
        let (dir, digits) = token.split_once('/')?;
        if digits.len() != 40 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let key = (digits[..20].parse().ok()?, digits[20..].parse().ok()?);
        match dir {
            "f" => Some(Cursor::After(key)),
            "b" => Some(Cursor::Before(key)),
            _ => None,
        }
    }
}

pub fn token(dir: char, key: (i64, u64)) -> String {
    format!("{dir}/{:020}{:020}", key.0.max(0), key.1)
}

pub fn get_log_events(st: &mut RegionState, input: Map<String, Value>) -> LogsResult<Reply> {
    let req: GetLogEventsRequest = parse(input)?;
    let size = limit(req.limit, 10_000, 10_000)?;
    let stream_name = req
        .log_stream_name
        .ok_or_else(|| LogsError::missing("logStreamName"))?;
    check_stream_name(&stream_name, "logStreamName")?;
    let cursor = match &req.next_token {
        Some(t) => Cursor::parse(t)
            .ok_or_else(|| LogsError::invalid("The specified nextToken is invalid."))?,
        None if req.start_from_head.unwrap_or(false) => Cursor::Head,
        None => Cursor::Tail,
    };
    let name = pick_group(
        req.log_group_name.as_deref(),
        req.log_group_identifier.as_deref(),
    )?;
    let stream = group(st, name)?
        .streams
        .get(&stream_name)
        .ok_or_else(LogsError::stream_not_found)?;
    let (start, end) = (req.start_time, req.end_time);
    let in_range: Vec<&Event> = stream
        .events
        .iter()
        .filter(|e| start.is_none_or(|s| e.timestamp >= s) && end.is_none_or(|t| e.timestamp < t))
        .collect();
    let (from, to) = window(&in_range, cursor, size);
    let (from, to) = within_answer_bytes(&in_range, from, to, cursor);
    let picked = &in_range[from..to];
    let stay = match cursor {
        Cursor::After(k) | Cursor::Before(k) => k,
        Cursor::Head | Cursor::Tail => (0, 0),
    };
    let forward = picked.last().map_or(stay, |e| e.key());
    let backward = picked.first().map_or(stay, |e| e.key());
    Ok(Reply::of(&GetLogEventsResponse {
        events: picked
            .iter()
            .map(|e| OutputEvent {
                timestamp: e.timestamp,
                message: &e.message,
                ingestion_time: e.ingestion_time,
            })
            .collect(),
        next_forward_token: token('f', forward),
        next_backward_token: token('b', backward),
    }))
}

/// The index range of the page at `cursor` in `events` (ordered by key), at most `size` long.
pub fn window(events: &[&Event], cursor: Cursor, size: usize) -> (usize, usize) {
    let len = events.len();
    match cursor {
        Cursor::Head => (0, size.min(len)),
        Cursor::Tail => (len.saturating_sub(size), len),
        Cursor::After(key) => {
            let from = events.partition_point(|e| e.key() <= key);
            (from, (from + size).min(len))
        }
        Cursor::Before(key) => {
            let to = events.partition_point(|e| e.key() < key);
            (to.saturating_sub(size), to)
        }
    }
}

/// Narrows a page to AWS's 1 MB answer, keeping at least one event: from the end the page
/// reads away from (a tail or backward page keeps its newest events).
fn within_answer_bytes(
    events: &[&Event],
    from: usize,
    to: usize,
    cursor: Cursor,
) -> (usize, usize) {
    let page = &events[from..to];
    match cursor {
        Cursor::Head | Cursor::After(_) => (
            from,
            from + super::fits_answer(page.iter().map(|e| e.size())),
        ),
        Cursor::Tail | Cursor::Before(_) => (
            to - super::fits_answer(page.iter().rev().map(|e| e.size())),
            to,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn events(n: u64) -> Vec<Event> {
        (1..=n)
            .map(|seq| Event {
                timestamp: 1000 + seq as i64,
                ingestion_time: 0,
                message: format!("m{seq}"),
                seq,
            })
            .collect()
    }

    #[test]
    fn tokens_round_trip() {
        let t = token('f', (1_700_000_000_000, 42));
        assert_eq!(t.len(), 42);
        assert_eq!(
            Cursor::parse(&t),
            Some(Cursor::After((1_700_000_000_000, 42)))
        );
        assert_eq!(
            Cursor::parse(&token('b', (5, 6))),
            Some(Cursor::Before((5, 6)))
        );
        for bad in [
            "",
            "f/",
            "x/0000000000000000000000000000000000000000",
            "f/12a",
        ] {
            assert_eq!(Cursor::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn windows_page_both_ways() {
        let all = events(5);
        let refs: Vec<&Event> = all.iter().collect();
        assert_eq!(window(&refs, Cursor::Head, 2), (0, 2));
        assert_eq!(window(&refs, Cursor::Tail, 2), (3, 5));
        assert_eq!(window(&refs, Cursor::After(all[1].key()), 2), (2, 4));
        assert_eq!(window(&refs, Cursor::After(all[4].key()), 2), (5, 5));
        assert_eq!(window(&refs, Cursor::Before(all[3].key()), 2), (1, 3));
        assert_eq!(window(&refs, Cursor::Before(all[0].key()), 2), (0, 0));
    }
}
