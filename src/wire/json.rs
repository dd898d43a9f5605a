//! AWS JSON 1.0 and 1.1: <https://smithy.io/2.0/aws/protocols/aws-json-1_1-protocol.html>.
//! Requests are a JSON object (an empty body counts as `{}`); errors carry `__type` and `message`
//! and the `x-amzn-ErrorType` header.

use super::{Protocol, WireError, WireResponse};
use bytes::Bytes;
use serde_json::{Map, Value};

pub fn content_type(protocol: Protocol) -> &'static str {
    if protocol == Protocol::Json10 {
        "application/x-amz-json-1.0"
    } else {
        "application/x-amz-json-1.1"
    }
}

/// Decodes a request body into its top-level object.
pub fn decode(body: &[u8]) -> Result<Map<String, Value>, WireError> {
    if body.iter().all(|b| b.is_ascii_whitespace()) {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(serialization(
            "Start of structure or map expected, but the request body is not a JSON object.",
        )),
        Err(e) => Err(serialization(&format!(
            "The request body is not valid JSON: {e}"
        ))),
    }
}

fn serialization(message: &str) -> WireError {
    WireError::new("SerializationException", 400, message)
}

/// A successful answer whose JSON body is already serialized.
pub fn encode_ok(protocol: Protocol, body: Vec<u8>) -> WireResponse {
    WireResponse {
        status: 200,
        headers: vec![("content-type", content_type(protocol).to_string())],
        body: Bytes::from(body),
    }
}

pub fn encode_error(protocol: Protocol, err: &WireError) -> WireResponse {
    let body = serde_json::json!({ "__type": err.code, "message": err.message });
    WireResponse {
        status: err.status,
        headers: vec![
            ("content-type", content_type(protocol).to_string()),
            ("x-amzn-errortype", err.code.clone()),
        ],
        body: Bytes::from(body.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_objects_only() {
        assert!(decode(b"").unwrap().is_empty());
        assert!(decode(b"  \n").unwrap().is_empty());
        assert_eq!(decode(br#"{"a":1}"#).unwrap()["a"], 1);
        for bad in [&b"[]"[..], b"null", b"\"x\"", b"{", b"{\"a\":}", b"\xff"] {
            assert_eq!(
                decode(bad).unwrap_err().code,
                "SerializationException",
                "{bad:?}"
            );
        }
    }

    #[test]
    fn error_envelope() {
        let r = encode_error(
            Protocol::Json11,
            &WireError::new("ClusterNotFoundException", 400, "Cluster not found."),
        );
        assert_eq!(r.status, 400);
        let v: Value = serde_json::from_slice(&r.body).unwrap();
        assert_eq!(v["__type"], "ClusterNotFoundException");
        assert_eq!(v["message"], "Cluster not found.");
        assert!(r
            .headers
            .contains(&("x-amzn-errortype", "ClusterNotFoundException".into())));
    }
}
