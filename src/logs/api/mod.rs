//! The CloudWatch Logs operations, one file per resource, named after the API. A handler reads
//! its JSON input into a typed request, checks it as AWS's request validation does, and changes
//! the region's state; it has nothing to await.

pub mod events;
pub mod filter;
pub mod groups;
pub mod read;
pub mod streams;
pub mod tags;

use super::state::group::LogGroup;
use super::state::RegionState;
use super::{LogsError, LogsResult};
use crate::wire::Reply;
use serde_json::{Map, Value};

/// An operation: the region's state and the decoded input.
pub type Handler = fn(&mut RegionState, Map<String, Value>) -> LogsResult<Reply>;

/// The allowed characters of a log group name.
pub const GROUP_NAME_PATTERN: &str = r"[\.\-_/#A-Za-z0-9]+";

/// Reads the input into the operation's request type.
pub fn parse<T: serde::de::DeserializeOwned>(input: Map<String, Value>) -> LogsResult<T> {
    serde_json::from_value(Value::Object(input))
        .map_err(|e| LogsError::Serialization(e.to_string()))
}

/// AWS's request-validation message for one member.
pub fn constraint(value: &str, member: &str, rule: &str) -> LogsError {
    LogsError::invalid(format!(
        "1 validation error detected: Value '{value}' at '{member}' failed to satisfy constraint: {rule}"
    ))
}

/// A log group name: 1 to 512 characters of `[\.\-_/#A-Za-z0-9]`.
pub fn check_group_name(name: &str, member: &str) -> LogsResult<()> {
    check_length(name, member, 1, 512)?;
    let allowed = |c: char| c.is_ascii_alphanumeric() || "._-/#".contains(c);
    if !name.chars().all(allowed) {
        return Err(constraint(
            name,
            member,
            &format!("Member must satisfy regular expression pattern: {GROUP_NAME_PATTERN}"),
        ));
    }
    Ok(())
}

/// A log stream name: 1 to 512 characters, none of them `:` or `*`.
pub fn check_stream_name(name: &str, member: &str) -> LogsResult<()> {
    check_length(name, member, 1, 512)?;
    if name.contains([':', '*']) {
        return Err(constraint(
            name,
            member,
            "Member must satisfy regular expression pattern: [^:*]*",
        ));
    }
    Ok(())
}

fn check_length(text: &str, member: &str, min: usize, max: usize) -> LogsResult<()> {
    let len = text.chars().count();
    if len < min {
        return Err(constraint(
            text,
            member,
            &format!("Member must have length greater than or equal to {min}"),
        ));
    }
    if len > max {
        return Err(constraint(
            text,
            member,
            &format!("Member must have length less than or equal to {max}"),
        ));
    }
    Ok(())
}

/// A page size within `1..=max`, `default` when absent.
pub fn limit(requested: Option<i64>, default: usize, max: usize) -> LogsResult<usize> {
    match requested {
        None => Ok(default),
        Some(n) if n < 1 => Err(constraint(
            &n.to_string(),
            "limit",
            "Member must have value greater than or equal to 1",
        )),
        Some(n) if n as usize > max => Err(constraint(
            &n.to_string(),
            "limit",
            &format!("Member must have value less than or equal to {max}"),
        )),
        Some(n) => Ok(n as usize),
    }
}

/// AWS answers at most 1 MB of events per GetLogEvents or FilterLogEvents page.
pub const MAX_ANSWER_BYTES: u64 = 1_048_576;

/// How many of these event sizes (in order) fit one answer; at least one, so a page of one
/// huge event still moves forward.
pub fn fits_answer(sizes: impl Iterator<Item = u64>) -> usize {
    let mut total = 0;
    let mut count = 0;
    for size in sizes {
        total += size;
        if total > MAX_ANSWER_BYTES && count > 0 {
            break;
        }
        count += 1;
    }
    count
}

/// The group an operation names by `logGroupName` or `logGroupIdentifier` (exactly one).
pub fn pick_group<'a>(name: Option<&'a str>, identifier: Option<&'a str>) -> LogsResult<&'a str> {
    match (name, identifier) {
        (Some(_), Some(_)) => Err(LogsError::invalid(
            "LogGroup name and LogGroup ARN are mutually exclusive parameters.",
        )),
        (None, None) => Err(LogsError::invalid(
            "Should provide either name or ARN of the log group.",
        )),
        (Some(name), None) => check_group_name(name, "logGroupName").map(|()| name),
        (None, Some(id)) => Ok(id),
    }
}

pub fn group<'s>(st: &'s RegionState, name: &str) -> LogsResult<&'s LogGroup> {
    st.group(name).ok_or_else(LogsError::group_not_found)
}

pub fn group_mut<'s>(st: &'s mut RegionState, name: &str) -> LogsResult<&'s mut LogGroup> {
    st.group_mut(name).ok_or_else(LogsError::group_not_found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_limits_are_validated_as_aws_does() {
        assert!(check_group_name("/ecs/web-1_a.b#c", "logGroupName").is_ok());
        let e = check_group_name("bad name", "logGroupName").unwrap_err();
        assert_eq!(e.code(), "InvalidParameterException");
        assert!(e.message().contains("at 'logGroupName'"), "{}", e.message());
        assert!(check_group_name("", "logGroupName").is_err());
        assert!(check_group_name(&"a".repeat(513), "logGroupName").is_err());
        assert!(check_stream_name("a/b c", "logStreamName").is_ok());
        assert!(check_stream_name("a:b", "logStreamName").is_err());
        assert_eq!(limit(None, 50, 50).unwrap(), 50);
        assert!(limit(Some(0), 50, 50).is_err() && limit(Some(51), 50, 50).is_err());
        assert!(pick_group(Some("a"), Some("b")).is_err());
        assert!(pick_group(None, None).is_err());
        assert_eq!(pick_group(None, Some("arn")).unwrap(), "arn");
        assert_eq!(fits_answer([600_000, 400_000, 100_000].into_iter()), 2);
        assert_eq!(fits_answer([2_000_000, 1].into_iter()), 1);
        assert_eq!(fits_answer(std::iter::empty()), 0);
    }
}
