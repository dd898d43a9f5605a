//! Protocol codecs. They know the AWS wire protocols and nothing of any service.

pub mod base64;
pub mod cbor;
pub mod input;
pub mod json;
pub mod query;
pub mod reply;
pub mod sigv4;
pub mod xml;

pub use reply::Reply;

use bytes::Bytes;

/// The wire protocols local-ecs speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// AWS JSON 1.0 (`application/x-amz-json-1.0`).
    Json10,
    /// AWS JSON 1.1 (`application/x-amz-json-1.1`), ECS and CloudWatch Logs.
    Json11,
    /// AWS Query (form-encoded `Action`, XML responses), ELBv2 and CloudWatch.
    Query,
    /// The EC2 flavour of Query (its own error envelope).
    Ec2Query,
    /// Smithy RPC v2 CBOR.
    RpcV2Cbor,
}

/// A service error, ready to encode in any protocol.
#[derive(Debug, Clone, PartialEq)]
pub struct WireError {
    pub code: String,
    pub message: String,
    pub status: u16,
}

impl WireError {
    pub fn new(code: impl Into<String>, status: u16, message: impl Into<String>) -> Self {
        WireError {
            code: code.into(),
            message: message.into(),
            status,
        }
    }

    /// Whether the caller (4xx) or the server (5xx) is at fault, as Query's `<Type>` says.
    pub fn is_sender_fault(&self) -> bool {
        self.status < 500
    }
}

/// An encoded response, independent of the HTTP library.
#[derive(Debug, Clone)]
pub struct WireResponse {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: Bytes,
}

/// Encodes `err` in `protocol`'s error envelope.
pub fn encode_error(protocol: Protocol, err: &WireError, request_id: &str) -> WireResponse {
    match protocol {
        Protocol::Json10 | Protocol::Json11 => json::encode_error(protocol, err),
        Protocol::Query => xml::encode_query_error(err, request_id),
        Protocol::Ec2Query => xml::encode_ec2_error(err, request_id),
        Protocol::RpcV2Cbor => cbor::encode_error(err),
    }
}
