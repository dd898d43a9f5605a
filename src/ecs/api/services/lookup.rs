//! A service as DescribeServices shows it.

use crate::ecs::state::service::Service;
use crate::ecs::state::RegionState;

/// A service as AWS shows it (tags only when asked for).
pub fn view(st: &RegionState, arn: &str, with_tags: bool) -> Option<Service> {
    let mut s = st.services.get(arn)?.clone();
    if !with_tags {
        s.tags.clear();
    }
    Some(s)
}
