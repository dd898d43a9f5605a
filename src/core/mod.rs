//! What every emulated service needs, whatever its API: ARNs, the request context, ids,
//! pagination, tag rules, the clock, the bus of facts and stoppable loop groups.
//! Nothing here knows a service; each service maps [`Invalid`] onto its own error type.

pub mod arn;
pub mod balancing;
pub mod bus;
pub mod clock;
pub mod context;
pub mod fleet;
pub mod identity;
pub mod ids;
pub mod logs;
pub mod metrics;
pub mod pagination;
pub mod persist;
pub mod regions;
pub mod scaling;
pub mod shutdown;
pub mod tags;

/// A request that breaks a rule shared by every service (a page size, a token, a tag): each
/// service answers it as its own invalid-parameter error.
#[derive(Debug, Clone, PartialEq)]
pub struct Invalid(pub String);

impl Invalid {
    pub fn new(message: impl Into<String>) -> Self {
        Invalid(message.into())
    }
}
