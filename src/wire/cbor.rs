//! Smithy RPC v2 CBOR: <https://smithy.io/2.0/additional-specs/protocols/smithy-rpc-v2.html>.
//! STUB: to be completed (decode/encode between CBOR and serde_json::Value).

use super::{WireError, WireResponse};
use bytes::Bytes;
use serde_json::{Map, Value};

/// Decodes a request body (a CBOR map; empty body = empty map) into a JSON-like object.
pub fn decode(_body: &[u8]) -> Result<Map<String, Value>, WireError> {
    Ok(Map::new())
}

/// Encodes a JSON-like value as CBOR.
pub fn encode(_value: &Value) -> Vec<u8> {
    Vec::new()
}

pub fn encode_ok(value: &Value) -> WireResponse {
    WireResponse {
        status: 200,
        headers: vec![
            ("content-type", "application/cbor".into()),
            ("smithy-protocol", "rpc-v2-cbor".into()),
        ],
        body: Bytes::from(encode(value)),
    }
}

pub fn encode_error(err: &WireError) -> WireResponse {
    let body = serde_json::json!({ "__type": err.code, "message": err.message });
    WireResponse {
        status: err.status,
        headers: vec![
            ("content-type", "application/cbor".into()),
            ("smithy-protocol", "rpc-v2-cbor".into()),
        ],
        body: Bytes::from(encode(&body)),
    }
}
