//! FilterLogEvents: events of a group's streams that match a filter pattern, interleaved by
//! time (<https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_FilterLogEvents.html>).
//! AWS ignores `interleaved` since 2019 and always interleaves; so does local-ecs. The
//! `nextToken` resumes after the last event's (timestamp, seq) key, and `aws logs tail --follow`
//! polls with `startTime` and `nextToken`, de-duplicating by `eventId` (the event's seq).

use super::{group, limit, parse, pick_group};
use crate::core::pagination::{resume_after, token_after};
use crate::logs::pattern::Pattern;
use crate::logs::state::group::{Event, LogStream};
use crate::logs::state::RegionState;
use crate::logs::{LogsError, LogsResult};
use crate::wire::Reply;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct FilterLogEventsRequest {
    log_group_name: Option<String>,
    log_group_identifier: Option<String>,
    log_stream_names: Option<Vec<String>>,
    log_stream_name_prefix: Option<String>,
    start_time: Option<i64>,
    end_time: Option<i64>,
    filter_pattern: Option<String>,
    next_token: Option<String>,
    limit: Option<i64>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct FilteredEvent<'a> {
    log_stream_name: &'a str,
    timestamp: i64,
    message: &'a str,
    ingestion_time: i64,
    event_id: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SearchedStream<'a> {
    log_stream_name: &'a str,
    searched_completely: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct FilterLogEventsResponse<'a> {
    events: Vec<FilteredEvent<'a>>,
    searched_log_streams: Vec<SearchedStream<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_token: Option<String>,
}

pub fn filter_log_events(st: &mut RegionState, input: Map<String, Value>) -> LogsResult<Reply> {
    let req: FilterLogEventsRequest = parse(input)?;
    if req.log_stream_names.is_some() && req.log_stream_name_prefix.is_some() {
        return Err(LogsError::invalid(
            "logStreamNames and logStreamNamePrefix are mutually exclusive parameters.",
        ));
    }
    let size = limit(req.limit, 10_000, 10_000)?;
    let pattern = Pattern::parse(req.filter_pattern.as_deref().unwrap_or(""))
        .map_err(LogsError::InvalidParameter)?;
    let after = match resume_after(req.next_token.as_deref())? {
        Some(text) => Some(parse_key(&text)?),
        None => None,
    };
    let name = pick_group(
        req.log_group_name.as_deref(),
        req.log_group_identifier.as_deref(),
    )?;
    let streams: Vec<&LogStream> = group(st, name)?
        .streams
        .values()
        .filter(
            |s| match (&req.log_stream_names, &req.log_stream_name_prefix) {
                (Some(names), _) => names.contains(&s.name),
                (_, Some(prefix)) => s.name.starts_with(prefix.as_str()),
                _ => true,
            },
        )
        .collect();
    let from_start = (req.start_time.unwrap_or(i64::MIN), 0);
    let window = Window {
        from: after.map_or(from_start, |(ts, seq)| from_start.max((ts, seq + 1))),
        end: req.end_time,
    };
    let mut matching = merged(&streams, &window, &pattern, size + 1);
    let fit = size.min(super::fits_answer(matching.iter().map(|(_, e)| e.size())));
    let more = matching.len() > fit;
    matching.truncate(fit);
    let next_token = match (more, matching.last()) {
        (true, Some((_, e))) => Some(token_after(&format!("{}:{}", e.timestamp, e.seq))),
        _ => None,
    };
    Ok(Reply::of(&FilterLogEventsResponse {
        events: matching.iter().map(|(s, e)| filtered(s, e)).collect(),
        searched_log_streams: streams
            .iter()
            .map(|s| SearchedStream {
                log_stream_name: &s.name,
                searched_completely: true,
            })
            .collect(),
        next_token,
    }))
}

/// Where a page starts (the first key it may hold) and ends (exclusive timestamp).
struct Window {
    from: (i64, u64),
    end: Option<i64>,
}

/// Up to `want` matching events of `streams`, interleaved by key: a merge over the streams'
/// (already ordered) events from each one's first key in the window, so a page costs what it
/// reads, not what the group holds.
fn merged<'a>(
    streams: &[&'a LogStream],
    window: &Window,
    pattern: &Pattern,
    want: usize,
) -> Vec<(&'a LogStream, &'a Event)> {
    use std::cmp::Reverse;
    use std::collections::BinaryHeap;
    let mut heap = BinaryHeap::new();
    for (i, s) in streams.iter().enumerate() {
        let at = s.events.partition_point(|e| e.key() < window.from);
        if let Some(e) = s.events.get(at) {
            heap.push(Reverse((e.key(), i, at)));
        }
    }
    let mut out = Vec::new();
    while let Some(Reverse((key, i, at))) = heap.pop() {
        if window.end.is_some_and(|end| key.0 >= end) {
            continue; // this stream is past the window; the others may not be
        }
        let stream = streams[i];
        let e = &stream.events[at];
        if pattern.matches(&e.message) {
            out.push((stream, e));
            if out.len() >= want {
                break;
            }
        }
        if let Some(next) = stream.events.get(at + 1) {
            heap.push(Reverse((next.key(), i, at + 1)));
        }
    }
    out
}

fn filtered<'a>(stream: &'a LogStream, e: &'a Event) -> FilteredEvent<'a> {
    FilteredEvent {
        log_stream_name: &stream.name,
        timestamp: e.timestamp,
        message: &e.message,
        ingestion_time: e.ingestion_time,
        event_id: format!("{:056}", e.seq),
    }
}

fn parse_key(text: &str) -> LogsResult<(i64, u64)> {
    let invalid = || LogsError::invalid("The specified nextToken is invalid.");
    let (ts, seq) = text.split_once(':').ok_or_else(invalid)?;
    Ok((
        ts.parse().map_err(|_| invalid())?,
        seq.parse().map_err(|_| invalid())?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stream(name: &str, events: &[(i64, u64, &str)]) -> LogStream {
        let mut s = LogStream::new(name, "arn:g", 0);
        for (timestamp, seq, message) in events {
            s.insert(Event {
                timestamp: *timestamp,
                ingestion_time: 0,
                message: (*message).into(),
                seq: *seq,
            });
        }
        s
    }

    #[test]
    fn pages_interleave_streams_within_the_window() {
        let a = stream("a", &[(1, 1, "x"), (3, 3, "ERROR"), (5, 5, "ERROR")]);
        let b = stream("b", &[(2, 2, "ERROR"), (4, 4, "x"), (6, 6, "ERROR")]);
        let streams = [&a, &b];
        let any = Pattern::parse("").unwrap();
        let errors = Pattern::parse("ERROR").unwrap();
        let keys = |v: Vec<(&LogStream, &Event)>| v.iter().map(|(_, e)| e.seq).collect::<Vec<_>>();
        let all = Window {
            from: (i64::MIN, 0),
            end: None,
        };
        assert_eq!(keys(merged(&streams, &all, &any, 10)), [1, 2, 3, 4, 5, 6]);
        assert_eq!(
            keys(merged(&streams, &all, &errors, 2)),
            [2, 3],
            "stops at what it wants"
        );
        let resumed = Window {
            from: (3, 4),
            end: Some(6),
        };
        assert_eq!(
            keys(merged(&streams, &resumed, &any, 10)),
            [4, 5],
            "after (3,3), before 6"
        );
    }
}
