//! The keys of the `cloudwatch` table: a kind, account and region, then the item. A series is
//! named by [`crate::cloudwatch::state::MetricKey::sort_key`]; a bucket by its series and start;
//! history items by their position, zero-padded so they sort in order.

use crate::core::persist::key;

pub const SERIES: &str = "m";
pub const BUCKET: &str = "b";
pub const ALARM: &str = "a";
pub const COMPOSITE: &str = "c";
pub const HISTORY: &str = "h";

pub fn series(account: &str, region: &str, id: &str) -> String {
    key(&[SERIES, account, region, id])
}

pub fn bucket(account: &str, region: &str, id: &str, start: i64) -> String {
    key(&[BUCKET, account, region, id, &start.to_string()])
}

pub fn alarm(kind: &str, account: &str, region: &str, name: &str) -> String {
    key(&[kind, account, region, name])
}

pub fn history(account: &str, region: &str, index: usize) -> String {
    key(&[HISTORY, account, region, &format!("{index:012}")])
}
