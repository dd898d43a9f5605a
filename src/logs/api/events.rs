//! Writing events: PutLogEvents
//! (<https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutLogEvents.html>)
//! with AWS's batch limits and rejections, and [`append`], which the facade shares. The
//! sequence token is answered and, as AWS has since 2023, ignored.

use super::{check_stream_name, group, parse};
use crate::logs::api::groups::retention_cutoff;
use crate::logs::state::group::{Event, LogGroup, EVENT_OVERHEAD};
use crate::logs::state::RegionState;
use crate::logs::{LogsError, LogsResult};
use crate::wire::Reply;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

const MAX_BATCH_BYTES: usize = 1_048_576;
const MAX_BATCH_EVENTS: usize = 10_000;
const DAY_MS: i64 = 86_400_000;
const TOO_NEW_MS: i64 = 2 * 3_600_000;
const TOO_OLD_MS: i64 = 14 * DAY_MS;

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct PutLogEventsRequest {
    log_group_name: Option<String>,
    log_stream_name: Option<String>,
    log_events: Option<Vec<InputEvent>>,
}

#[derive(Deserialize)]
struct InputEvent {
    timestamp: i64,
    message: String,
}

/// Which events of a batch are rejected; indices as PutLogEvents reports them.
#[derive(Serialize, Default, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Rejected {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub too_new_log_event_start_index: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub too_old_log_event_end_index: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expired_log_event_end_index: Option<usize>,
}

impl Rejected {
    /// Whether the event at `i` is stored.
    fn accepts(&self, i: usize) -> bool {
        self.too_old_log_event_end_index.is_none_or(|end| i > end)
            && self.expired_log_event_end_index.is_none_or(|end| i > end)
            && self
                .too_new_log_event_start_index
                .is_none_or(|start| i < start)
    }

    fn any(&self) -> bool {
        *self != Rejected::default()
    }
}

/// Checks a batch (timestamps in order, as sent) against AWS's rules at `now`: an error for
/// a batch AWS refuses whole, else which events it rejects. An event older than 14 days, or
/// than the group's retention, is too old; one older than the retention is also expired.
pub fn admit(stamps: &[i64], now: i64, retention: Option<i32>) -> LogsResult<Rejected> {
    if stamps.windows(2).any(|w| w[1] < w[0]) {
        return Err(LogsError::invalid(
            "Log events in a single PutLogEvents request must be in chronological order.",
        ));
    }
    if let (Some(first), Some(last)) = (stamps.first(), stamps.last()) {
        if last - first > DAY_MS {
            return Err(LogsError::invalid(
                "The batch of log events in a single PutLogEvents request cannot span more than 24 hours.",
            ));
        }
    }
    let expiry = retention.map(|days| retention_cutoff(days, now));
    let too_old = expiry.unwrap_or(i64::MIN).max(now - TOO_OLD_MS);
    let last_before = |cutoff: i64| stamps.iter().rposition(|t| *t < cutoff);
    Ok(Rejected {
        too_new_log_event_start_index: stamps.iter().position(|t| *t > now + TOO_NEW_MS),
        too_old_log_event_end_index: last_before(too_old),
        expired_log_event_end_index: expiry.and_then(last_before),
    })
}

pub fn put_log_events(st: &mut RegionState, input: Map<String, Value>) -> LogsResult<Reply> {
    let req: PutLogEventsRequest = parse(input)?;
    let group_name = req
        .log_group_name
        .ok_or_else(|| LogsError::missing("logGroupName"))?;
    super::check_group_name(&group_name, "logGroupName")?;
    let stream = req
        .log_stream_name
        .ok_or_else(|| LogsError::missing("logStreamName"))?;
    check_stream_name(&stream, "logStreamName")?;
    let events = req
        .log_events
        .ok_or_else(|| LogsError::missing("logEvents"))?;
    check_batch(&events)?;
    let now = st.now_ms();
    let retention = group(st, &group_name)?.retention_in_days;
    let stamps: Vec<i64> = events.iter().map(|e| e.timestamp).collect();
    let rejected = admit(&stamps, now, retention)?;
    let kept: Vec<(i64, String)> = events
        .into_iter()
        .enumerate()
        .filter(|(i, _)| rejected.accepts(*i))
        .map(|(_, e)| (e.timestamp, e.message))
        .collect();
    let token = append(st, &group_name, &stream, kept)?;
    Ok(Reply::of(&PutLogEventsResponse {
        next_sequence_token: token,
        rejected_log_events_info: rejected.any().then_some(rejected),
    }))
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PutLogEventsResponse {
    next_sequence_token: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    rejected_log_events_info: Option<Rejected>,
}

fn check_batch(events: &[InputEvent]) -> LogsResult<()> {
    if events.is_empty() || events.len() > MAX_BATCH_EVENTS {
        let rule = if events.is_empty() {
            "Member must have length greater than or equal to 1".to_string()
        } else {
            format!("Member must have length less than or equal to {MAX_BATCH_EVENTS}")
        };
        return Err(super::constraint("[...]", "logEvents", &rule));
    }
    if let Some(i) = events.iter().position(|e| e.message.is_empty()) {
        return Err(super::constraint(
            "",
            &format!("logEvents.{}.member.message", i + 1),
            "Member must have length greater than or equal to 1",
        ));
    }
    let bytes: usize = events
        .iter()
        .map(|e| e.message.len() + EVENT_OVERHEAD)
        .sum();
    if bytes > MAX_BATCH_BYTES {
        return Err(LogsError::invalid(format!(
            "Upload too large: {bytes} bytes exceeds limit of {MAX_BATCH_BYTES}"
        )));
    }
    Ok(())
}

/// Stores events (already admitted) in a stream at the region's next sequence numbers; the
/// stream's next sequence token. Shared by PutLogEvents and the facade other services use.
pub fn append(
    st: &mut RegionState,
    group_name: &str,
    stream: &str,
    events: Vec<(i64, String)>,
) -> LogsResult<String> {
    let now = st.now_ms();
    let first_seq = st.last_seq + 1;
    let journaling = st.journal.enabled;
    let group: &mut LogGroup = st
        .group_mut(group_name)
        .ok_or_else(LogsError::group_not_found)?;
    let stream = group
        .streams
        .get_mut(stream)
        .ok_or_else(LogsError::stream_not_found)?;
    let events: Vec<Event> = (first_seq..)
        .zip(events)
        .map(|(seq, (timestamp, message))| Event {
            timestamp,
            ingestion_time: now,
            message,
            seq,
        })
        .collect();
    let (count, name) = (events.len() as u64, stream.name.clone());
    let group_name = group.name.clone();
    // Registered before the inserts, so that the cap's drops are counted against it.
    stream.add_chunk(first_seq, events.len());
    let chunk = journaling
        .then(|| crate::logs::persist::chunk_bytes(now, &events))
        .flatten();
    for e in events {
        stream.insert(e);
    }
    let token = super::streams::sequence_token(stream);
    st.last_seq += count;
    if let Some(bytes) = chunk {
        st.note_append(&group_name, &name, first_seq, bytes);
    }
    Ok(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_800_000_000_000;

    #[test]
    fn batches_out_of_order_or_spanning_a_day_are_refused() {
        let e = admit(&[NOW, NOW - 1], NOW, None).unwrap_err();
        assert_eq!(
            e.message(),
            "Log events in a single PutLogEvents request must be in chronological order."
        );
        assert!(admit(&[NOW - DAY_MS - 1, NOW], NOW, None).is_err());
        assert!(admit(&[NOW - DAY_MS, NOW], NOW, None).is_ok());
    }

    #[test]
    fn batch_sizes_and_empty_messages_are_refused() {
        let event = |m: &str| InputEvent {
            timestamp: NOW,
            message: m.into(),
        };
        assert!(check_batch(&[]).is_err());
        assert!(check_batch(&[event("a")]).is_ok());
        let e = check_batch(&[event("a"), event("")]).unwrap_err();
        assert!(
            e.message().contains("logEvents.2.member.message"),
            "{}",
            e.message()
        );
        let big = "x".repeat(600_000);
        let e = check_batch(&[event(&big), event(&big)]).unwrap_err();
        assert!(
            e.message().starts_with("Upload too large"),
            "{}",
            e.message()
        );
    }

    #[test]
    fn old_and_new_events_are_rejected_by_index() {
        let stamps = [
            NOW - 15 * DAY_MS,
            NOW - 15 * DAY_MS + 1,
            NOW,
            NOW + TOO_NEW_MS + 1,
        ];
        let r = admit(&stamps[..2], NOW, None).unwrap();
        assert_eq!(r.too_old_log_event_end_index, Some(1));
        let r = admit(&stamps[2..], NOW, None).unwrap();
        assert_eq!(r.too_new_log_event_start_index, Some(1));
        assert!(r.accepts(0) && !r.accepts(1));
        assert!(!admit(&[NOW], NOW, None).unwrap().any());
    }

    #[test]
    fn retention_makes_events_too_old_and_expired() {
        let stamps = [NOW - DAY_MS - 60_000, NOW - DAY_MS + 60_000];
        let r = admit(&stamps, NOW, Some(1)).unwrap();
        assert_eq!(r.too_old_log_event_end_index, Some(0));
        assert_eq!(r.expired_log_event_end_index, Some(0));
        assert!(!r.accepts(0) && r.accepts(1));
        assert!(!admit(&stamps, NOW, Some(3)).unwrap().any());
    }
}
