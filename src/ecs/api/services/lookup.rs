//! A service as DescribeServices shows it.

use crate::ecs::state::types::to_wire;
use crate::ecs::state::RegionState;
use serde_json::Value;

/// A service as AWS shows it (tags only when asked for).
pub fn view(st: &RegionState, arn: &str, with_tags: bool) -> Value {
    let Some(s) = st.services.get(arn) else {
        return Value::Null;
    };
    let mut s = s.clone();
    if !with_tags {
        s.tags.clear();
    }
    to_wire(&s)
}
