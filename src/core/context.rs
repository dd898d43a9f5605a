//! The request context every service's operations receive: who is asking (account), where
//! (region), the request id every answer carries, and the host the caller addressed.

pub use crate::wire::sigv4::DEFAULT_ACCOUNT;
pub const DEFAULT_REGION: &str = "us-east-1";

/// Who is asking, and where: every service keeps its state per account and region.
#[derive(Debug, Clone)]
pub struct RequestContext {
    pub account: String,
    pub region: String,
    pub request_id: String,
    /// The `Host` the caller addressed (e.g. `localhost:4566`): where answers that name an
    /// endpoint of this server point.
    pub host: Option<String>,
    /// The SigV4 access key the request was signed with (empty when unsigned): STS answers
    /// `GetCallerIdentity` from it.
    pub access_key: String,
}

impl RequestContext {
    pub fn new(account: &str, region: &str) -> Self {
        RequestContext {
            account: account.into(),
            region: region.into(),
            request_id: new_request_id(),
            host: None,
            access_key: String::new(),
        }
    }

    /// The base URL of this server as the caller reached it.
    pub fn endpoint(&self) -> String {
        format!(
            "http://{}",
            self.host.as_deref().unwrap_or("localhost:4566")
        )
    }
}

/// A request id in the UUID v4 text form AWS uses.
pub fn new_request_id() -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut b: [u8; 16] = rand::random();
    b[6] = (b[6] & 0x0f) | 0x40; // version 4
    b[8] = (b[8] & 0x3f) | 0x80; // RFC 4122 variant
    let mut out = String::with_capacity(36);
    for (i, byte) in b.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            out.push('-');
        }
        out.push(HEX[(byte >> 4) as usize] as char);
        out.push(HEX[(byte & 0xf) as usize] as char);
    }
    out
}
