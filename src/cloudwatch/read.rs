//! Reading CloudWatch input the same way from all three protocols: JSON and CBOR carry typed
//! numbers and epoch-second timestamps, AWS Query carries every scalar as text and timestamps as
//! ISO 8601 (and a list as `member.N`, which the Query codec has already made an array).

use super::error::{CwError, CwResult};
use crate::core::clock::parse_rfc3339_ms;
use serde_json::{Map, Value};

pub type Doc = Map<String, Value>;

pub fn str<'a>(doc: &'a Doc, name: &str) -> Option<&'a str> {
    doc.get(name).and_then(Value::as_str)
}

/// A required, non-empty string; `path` names it in the message (`MetricData.member.1.MetricName`).
pub fn required_str<'a>(doc: &'a Doc, name: &str, path: &str) -> CwResult<&'a str> {
    str(doc, name)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| CwError::missing(path))
}

/// An optional string member, owned.
pub fn string_of(doc: &Doc, name: &str) -> Option<String> {
    str(doc, name).map(str::to_string)
}

/// A number sent as a number or as text.
pub fn number(doc: &Doc, name: &str, path: &str) -> CwResult<Option<f64>> {
    match doc.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => Ok(n.as_f64()),
        Some(Value::String(s)) => s
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .map(Some)
            .ok_or_else(|| CwError::invalid_value(path, s)),
        Some(other) => Err(CwError::invalid_value(path, other)),
    }
}

/// A timestamp in epoch seconds: a number, a numeric string or ISO 8601 text.
pub fn timestamp(doc: &Doc, name: &str) -> CwResult<Option<f64>> {
    match doc.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => Ok(n.as_f64()),
        Some(Value::String(s)) => parse_time(s)
            .map(Some)
            .ok_or_else(|| CwError::invalid_value(name, s)),
        Some(other) => Err(CwError::invalid_value(name, other)),
    }
}

/// ISO 8601 UTC (`2026-01-01T00:00:00Z`, with fraction or `+00:00`) or epoch seconds.
pub fn parse_time(text: &str) -> Option<f64> {
    if let Ok(secs) = text.parse::<f64>() {
        return Some(secs);
    }
    let utc = text.strip_suffix("+00:00").map(|t| format!("{t}Z"));
    let text = utc.as_deref().unwrap_or(text);
    let text = if text.ends_with('Z') {
        text.to_string()
    } else {
        format!("{text}Z")
    };
    parse_rfc3339_ms(&text).map(|ms| ms as f64 / 1000.0)
}

/// A list of structures (absent, or Query's empty `Name=`, is empty).
pub fn objects<'a>(doc: &'a Doc, name: &str) -> Vec<&'a Doc> {
    match doc.get(name) {
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_object).collect(),
        _ => Vec::new(),
    }
}

/// A list of scalars as they came (numbers or strings).
pub fn list<'a>(doc: &'a Doc, name: &str) -> &'a [Value] {
    match doc.get(name) {
        Some(Value::Array(items)) => items,
        _ => &[],
    }
}

/// A list of strings.
pub fn strings(doc: &Doc, name: &str) -> Vec<String> {
    list(doc, name)
        .iter()
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect()
}

/// A scalar list item as a number.
pub fn item_number(value: &Value, path: &str) -> CwResult<f64> {
    match value {
        Value::Number(n) => n.as_f64().ok_or_else(|| CwError::invalid_value(path, n)),
        Value::String(s) => s
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .ok_or_else(|| CwError::invalid_value(path, s)),
        other => Err(CwError::invalid_value(path, other)),
    }
}

/// A boolean sent as `true`/`false` or as text.
pub fn boolean(doc: &Doc, name: &str) -> Option<bool> {
    match doc.get(name)? {
        Value::Bool(b) => Some(*b),
        Value::String(s) => Some(s == "true"),
        _ => None,
    }
}

/// Dimensions `[{Name, Value}]` as pairs; at most 30, each with both parts (`path` prefixes
/// the member names in messages).
pub fn dimensions(doc: &Doc, path: &str) -> CwResult<Vec<(String, String)>> {
    let dims = objects(doc, "Dimensions");
    if dims.len() > 30 {
        return Err(CwError::InvalidParameterValue(format!(
            "The collection {path}Dimensions must not have a size greater than 30."
        )));
    }
    dims.iter()
        .enumerate()
        .map(|(i, d)| {
            let at = format!("{path}Dimensions.member.{}", i + 1);
            let name = required_str(d, "Name", &format!("{at}.Name"))?;
            let value = required_str(d, "Value", &format!("{at}.Value"))?;
            Ok((name.to_string(), value.to_string()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn numbers_and_times_from_every_protocol() {
        let doc = json!({"A": 1.5, "B": "2.5", "C": "x", "T": "2026-01-01T00:00:00Z", "U": 5})
            .as_object()
            .cloned()
            .unwrap();
        assert_eq!(number(&doc, "A", "A").unwrap(), Some(1.5));
        assert_eq!(number(&doc, "B", "B").unwrap(), Some(2.5));
        assert_eq!(
            number(&doc, "C", "C").unwrap_err().code(),
            "InvalidParameterValue"
        );
        assert_eq!(timestamp(&doc, "T").unwrap(), Some(1_767_225_600.0));
        assert_eq!(timestamp(&doc, "U").unwrap(), Some(5.0));
        assert_eq!(
            parse_time("2026-01-01T00:00:00.500+00:00"),
            Some(1_767_225_600.5)
        );
    }
}
