//! XML error envelopes for AWS Query and EC2 Query. STUB: to be completed.

use super::{WireError, WireResponse};
use bytes::Bytes;

pub fn encode_query_error(err: &WireError, _request_id: &str) -> WireResponse {
    WireResponse {
        status: err.status,
        headers: vec![("content-type", "text/xml".into())],
        body: Bytes::new(),
    }
}

pub fn encode_ec2_error(err: &WireError, _request_id: &str) -> WireResponse {
    WireResponse {
        status: err.status,
        headers: vec![("content-type", "text/xml".into())],
        body: Bytes::new(),
    }
}
