//! EC2 operation handlers: each reads its parameters, changes or reads the region's state, and
//! returns its answer's body as EC2 XML (the envelope is the edge's). A handler has no other
//! effect: instance facts it queues are published by [`crate::ec2::Ec2::dispatch`] after the
//! region's lock is released.

pub mod instance_view;
pub mod instances;
pub mod lifecycle;
pub mod security_groups;
pub mod subnets;
pub mod tags;
pub mod template_view;
pub mod templates;
pub mod types;
pub mod vpcs;
pub mod zones;

use super::error::Ec2Result;
use super::params::Params;
use crate::core::pagination;

/// One page of `items` (already in order) after the request's `NextToken`, of the request's
/// `MaxResults` (within `min..=max`) or all of them; the page and the token for the next.
pub fn page<T>(
    p: Params<'_>,
    items: Vec<T>,
    bounds: (i64, i64),
    key: impl Fn(&T) -> String,
) -> Ec2Result<(Vec<T>, Option<String>)> {
    let size = p.max_results(bounds.0, bounds.1)?.unwrap_or(usize::MAX);
    let after = pagination::resume_after(p.str("NextToken")?.filter(|t| !t.is_empty()))?;
    let rest = items
        .into_iter()
        .filter(|item| after.as_ref().is_none_or(|a| key(item) > *a));
    Ok(pagination::take_page(rest, size, &key))
}
