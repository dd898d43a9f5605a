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
    let (start, end) = (req.start_time, req.end_time);
    let mut matching: Vec<(&LogStream, &Event)> = streams
        .iter()
        .flat_map(|s| s.events.iter().map(move |e| (*s, e)))
        .filter(|(_, e)| {
            start.is_none_or(|t| e.timestamp >= t)
                && end.is_none_or(|t| e.timestamp < t)
                && after.is_none_or(|k| e.key() > k)
                && pattern.matches(&e.message)
        })
        .collect();
    matching.sort_by_key(|(_, e)| e.key());
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
