//! Reading a request body whole, bounded in size, time and memory.
//!
//! AWS documents no request-size limit for the ECS API; its largest request, RegisterTaskDefinition,
//! is bounded by ECS's 64 KiB task-definition size quota. CloudWatch Logs' PutLogEvents takes
//! 1 MiB of events counted AWS's way (message bytes plus 26 per event), which JSON framing and
//! escaping make larger on the wire. Bodies above [`MAX_BODY`] (2 MiB, room for that) are
//! refused with a 413 before being read when their length is declared, and as soon as they pass
//! it when it is not.
//!
//! Memory: decoding a body (JSON or CBOR into values) costs a multiple of its size, so large
//! bodies in flight draw on one shared [`Budget`] of bytes; requests beyond it wait for earlier
//! ones to be answered instead of all growing the heap at once. Bodies declared at most
//! [`SMALL_BODY`] (nearly every ECS call) bypass it, so clients dribbling large bodies can delay
//! other large bodies but never ordinary calls.

use crate::wire::WireError;
use bytes::Bytes;
use http_body_util::BodyExt;
use hyper::body::Incoming;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// The largest request body accepted.
pub const MAX_BODY: usize = 2 * 1024 * 1024;
/// Bytes of request bodies read and decoded at once, server-wide.
const BUDGET_BYTES: usize = 8 * MAX_BODY;
/// The budget's unit: one permit per KiB.
const UNIT: usize = 1024;
/// Declared bodies up to this size need no share of the budget.
const SMALL_BODY: usize = 64 * 1024;

/// The server-wide allowance of request-body bytes in flight.
#[derive(Clone)]
pub struct Budget(Arc<Semaphore>);

impl Default for Budget {
    fn default() -> Self {
        Budget(Arc::new(Semaphore::new(BUDGET_BYTES / UNIT)))
    }
}

impl Budget {
    /// Waits for room for a body of `declared` bytes (the maximum when undeclared); the permit is
    /// held until the request is answered. Small (and too large) declared bodies never wait.
    pub async fn reserve(&self, declared: Option<usize>) -> Option<OwnedSemaphorePermit> {
        // Too large ones are refused unread: no need to wait for room either.
        if declared.is_some_and(|n| n <= SMALL_BODY || n > MAX_BODY) {
            return None;
        }
        let bytes = declared.unwrap_or(MAX_BODY).min(MAX_BODY);
        let units = u32::try_from(bytes.div_ceil(UNIT).max(1)).unwrap_or(u32::MAX);
        self.0.clone().acquire_many_owned(units).await.ok()
    }
}

/// The `content-length` a request declares, if any and well-formed.
pub fn declared_length(headers: &hyper::HeaderMap) -> Option<usize> {
    headers
        .get(hyper::header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}

/// Reads `body` into one buffer sized once from the declared length (no chunk list copied at the
/// end), within `MAX_BODY` and `timeout`.
pub async fn read(
    mut body: Incoming,
    declared: Option<usize>,
    timeout: Duration,
) -> Result<Bytes, WireError> {
    if declared.is_some_and(|n| n > MAX_BODY) {
        return Err(too_large());
    }
    let mut buf = Vec::with_capacity(declared.unwrap_or(0));
    let reading = async {
        while let Some(frame) = body.frame().await {
            let frame = frame.map_err(|_| unreadable())?;
            if let Ok(data) = frame.into_data() {
                if buf.len() + data.len() > MAX_BODY {
                    return Err(too_large());
                }
                buf.extend_from_slice(&data);
            }
        }
        Ok(())
    };
    match tokio::time::timeout(timeout, reading).await {
        Ok(Ok(())) => Ok(Bytes::from(buf)),
        Ok(Err(e)) => Err(e),
        Err(_) => Err(WireError::new(
            "RequestTimeoutException",
            408,
            format!(
                "The request body was not received within {} seconds.",
                timeout.as_secs_f64()
            ),
        )),
    }
}

fn too_large() -> WireError {
    WireError::new(
        "RequestEntityTooLargeException",
        413,
        format!(
            "Request body exceeds the maximum allowed size of {} bytes.",
            MAX_BODY
        ),
    )
}

fn unreadable() -> WireError {
    WireError::new(
        "SerializationException",
        400,
        "The request body could not be read.",
    )
}
