//! Log streams: CreateLogStream, DescribeLogStreams, DeleteLogStream
//! (<https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_DescribeLogStreams.html>
//! and siblings). Pages resume at an offset into the ordered list: ordering by LastEventTime
//! has no stable key, and AWS's own tokens are opaque too.

use super::{check_stream_name, group, group_mut, limit, parse, pick_group};
use crate::core::pagination::{resume_after, token_after};
use crate::logs::state::group::LogStream;
use crate::logs::state::RegionState;
use crate::logs::{LogsError, LogsResult};
use crate::wire::Reply;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct StreamRequest {
    log_group_name: Option<String>,
    log_stream_name: Option<String>,
}

fn names(input: Map<String, Value>) -> LogsResult<(String, String)> {
    let req: StreamRequest = parse(input)?;
    let group = req
        .log_group_name
        .ok_or_else(|| LogsError::missing("logGroupName"))?;
    super::check_group_name(&group, "logGroupName")?;
    let stream = req
        .log_stream_name
        .ok_or_else(|| LogsError::missing("logStreamName"))?;
    check_stream_name(&stream, "logStreamName")?;
    Ok((group, stream))
}

pub fn create_log_stream(st: &mut RegionState, input: Map<String, Value>) -> LogsResult<Reply> {
    let (group_name, stream) = names(input)?;
    let now = st.now_ms();
    let group = group_mut(st, &group_name)?;
    if group.streams.contains_key(&stream) {
        return Err(LogsError::ResourceAlreadyExists(
            "The specified log stream already exists".into(),
        ));
    }
    let created = LogStream::new(&stream, &group.arn, now);
    group.streams.insert(stream.clone(), created);
    st.note_stream(&group_name, &stream);
    Ok(Reply::empty())
}

pub fn delete_log_stream(st: &mut RegionState, input: Map<String, Value>) -> LogsResult<Reply> {
    let (group_name, stream) = names(input)?;
    let gone = group_mut(st, &group_name)?
        .streams
        .remove(&stream)
        .ok_or_else(LogsError::stream_not_found)?;
    st.note_stream_deleted(&group_name, &gone);
    Ok(Reply::empty())
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct DescribeLogStreamsRequest {
    log_group_name: Option<String>,
    log_group_identifier: Option<String>,
    log_stream_name_prefix: Option<String>,
    order_by: Option<String>,
    descending: Option<bool>,
    next_token: Option<String>,
    limit: Option<i64>,
}

/// A stream as DescribeLogStreams shows it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct StreamView<'a> {
    log_stream_name: &'a str,
    creation_time: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    first_event_timestamp: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    last_event_timestamp: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    last_ingestion_time: Option<i64>,
    upload_sequence_token: String,
    arn: &'a str,
    stored_bytes: u64,
}

fn view(s: &LogStream) -> StreamView<'_> {
    StreamView {
        log_stream_name: &s.name,
        creation_time: s.creation_time,
        first_event_timestamp: s.first_timestamp(),
        last_event_timestamp: s.last_timestamp(),
        last_ingestion_time: s.last_ingestion_time,
        upload_sequence_token: sequence_token(s),
        arn: &s.arn,
        stored_bytes: s.stored_bytes,
    }
}

/// The token PutLogEvents answers (and ignores since 2023): digits, as AWS's are.
pub fn sequence_token(s: &LogStream) -> String {
    let last = s.events.iter().map(|e| e.seq).max().unwrap_or(0);
    format!("4963{last:052}")
}

pub fn describe_log_streams(st: &mut RegionState, input: Map<String, Value>) -> LogsResult<Reply> {
    let req: DescribeLogStreamsRequest = parse(input)?;
    let by_time = match req.order_by.as_deref() {
        None | Some("LogStreamName") => false,
        Some("LastEventTime") => true,
        Some(other) => {
            return Err(super::constraint(
                other,
                "orderBy",
                "Member must satisfy enum value set: [LogStreamName, LastEventTime]",
            ))
        }
    };
    if by_time && req.log_stream_name_prefix.is_some() {
        return Err(LogsError::invalid(
            "Cannot order by LastEventTime with a logStreamNamePrefix.",
        ));
    }
    let size = limit(req.limit, 50, 50)?;
    let offset = match resume_after(req.next_token.as_deref())? {
        Some(text) => text
            .parse::<usize>()
            .map_err(|_| LogsError::invalid("The specified nextToken is invalid."))?,
        None => 0,
    };
    let name = pick_group(
        req.log_group_name.as_deref(),
        req.log_group_identifier.as_deref(),
    )?;
    let group = group(st, name)?;
    let prefix = req.log_stream_name_prefix.unwrap_or_default();
    let mut streams: Vec<&LogStream> = group
        .streams
        .values()
        .filter(|s| s.name.starts_with(&prefix))
        .collect();
    if by_time {
        streams.sort_by_key(|s| (s.last_timestamp().unwrap_or(0), s.name.clone()));
    }
    if req.descending.unwrap_or(false) {
        streams.reverse();
    }
    let page: Vec<StreamView> = streams
        .iter()
        .skip(offset)
        .take(size)
        .map(|s| view(s))
        .collect();
    let end = offset + page.len();
    let token = (end < streams.len()).then(|| token_after(&end.to_string()));
    Ok(Reply::page("logStreams", &page, &token))
}
