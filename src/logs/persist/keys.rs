//! The keys of the `logs` table: a kind, then account and region, then names. Group names
//! cannot hold the separator; a stream name is the rest of the key (less a chunk's number).

use crate::core::persist::key;

pub const REGION: &str = "r";
pub const GROUP: &str = "g";
pub const STREAM: &str = "s";
pub const CHUNK: &str = "e";

pub fn region(account: &str, region: &str) -> String {
    key(&[REGION, account, region])
}

pub fn group(account: &str, region: &str, group: &str) -> String {
    key(&[GROUP, account, region, group])
}

pub fn stream(account: &str, region: &str, group: &str, stream: &str) -> String {
    key(&[STREAM, account, region, group, stream])
}

/// A chunk by its first sequence number, zero-padded so a stream's chunks sort in order.
pub fn chunk(account: &str, region: &str, group: &str, stream: &str, first: u64) -> String {
    key(&[
        CHUNK,
        account,
        region,
        group,
        stream,
        &format!("{first:020}"),
    ])
}
