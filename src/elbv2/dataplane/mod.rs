//! The ELBv2 data plane: listeners that bind a real port and serve traffic by a compiled
//! [`plan::ListenerPlan`], as an application (HTTP rules and actions) or network (TCP splice)
//! load balancer does.
//!
//! - `listener`: the bind, accept loop, plan swap and the drop that closes everything;
//! - `http`: client connections and each request's action, `route` choosing the rule,
//!   `redirect` building a redirect's URL, `pick` the group and target, `proxy` (over `pool`ed
//!   target connections) forwarding, `idle` bounding a target's stalled body;
//! - `answer`: the responses the load balancer writes itself, `cookie` its stickiness
//!   cookies;
//! - `tcp`: network load balancer splicing;
//! - `meter`: the per-minute counts CloudWatch's metrics are published from.

mod answer;
mod cookie;
mod http;
mod idle;
mod listener;
pub mod meter;
mod pick;
pub mod plan;
mod pool;
mod proxy;
mod redirect;
mod route;
mod tcp;

#[cfg(test)]
mod tests;

pub use listener::ListenerHandle;
