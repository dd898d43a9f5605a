//! A TCP listener's connections (network load balancers): each connection is spliced to one
//! target chosen as for HTTP (healthy, else all; round robin), bytes copied both ways until
//! either side closes.

use super::pick;
use super::plan::{ActionPlan, ListenerPlan, PlanTarget};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpStream;

/// How long a target may take to accept a connection (ELBv2's target connect timeout).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Serves one client connection; with no target to reach, the connection is closed.
pub(super) async fn splice(mut client: TcpStream, plan: Arc<ListenerPlan>) {
    let Some(mut upstream) = connect(&plan).await else {
        return;
    };
    let _ = client.set_nodelay(true);
    let _ = upstream.set_nodelay(true);
    if let Err(e) = tokio::io::copy_bidirectional(&mut client, &mut upstream).await {
        tracing::debug!(error = %e, "spliced connection ended");
    }
}

/// A connection to the chosen target, or to the next candidate when that one fails (once).
async fn connect(plan: &ListenerPlan) -> Option<TcpStream> {
    // A TCP listener has no conditions: its default action is the last rule's.
    let Some(ActionPlan::Forward(forward)) = plan.rules.last().map(|r| &r.action) else {
        return None;
    };
    let group = &pick::group(forward, None, rand::random())?.group;
    let candidates = pick::candidates(group);
    let first = pick::round_robin(group, &candidates)?;
    let start = candidates
        .iter()
        .position(|t| t.key == first.key)
        .unwrap_or(0);
    let attempts = candidates.len().min(2);
    for target in candidates.iter().cycle().skip(start).take(attempts) {
        if let Some(stream) = connect_to(target).await {
            return Some(stream);
        }
    }
    None
}

async fn connect_to(target: &PlanTarget) -> Option<TcpStream> {
    // A simulated target (no address) cannot take a connection.
    let addr = target.addr?;
    match tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect(addr)).await {
        Ok(Ok(stream)) => Some(stream),
        Ok(Err(e)) => {
            tracing::debug!(%addr, error = %e, "target refused the connection");
            None
        }
        Err(_) => {
            tracing::debug!(%addr, "target connection timed out");
            None
        }
    }
}
