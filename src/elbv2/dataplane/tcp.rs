//! A TCP listener's connections (network load balancers): each connection is spliced to one
//! target chosen as for HTTP (healthy, else all; round robin), bytes copied both ways until
//! either side closes or nothing moves for the plan's idle timeout (NLB's
//! `tcp.idle_timeout.seconds`, 350 s by default).

use super::meter::LbMeter;
use super::pick;
use super::plan::{ActionPlan, ListenerPlan, PlanTarget};
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
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
    let _flow = Flow::start(&plan.meter);
    let activity = Activity::new();
    let mut client = Watched::new(&mut client, &activity, &plan.meter);
    let mut upstream = Watched::new(&mut upstream, &activity, &plan.meter);
    tokio::select! {
        copied = tokio::io::copy_bidirectional(&mut client, &mut upstream) => {
            if let Err(e) = copied {
                tracing::debug!(error = %e, "spliced connection ended");
            }
        }
        _ = activity.idle_for(plan.idle_timeout) => {
            tracing::debug!("spliced connection idle, closed");
        }
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

/// When bytes last moved either way through a spliced connection.
struct Activity {
    start: Instant,
    last_ms: AtomicU64,
}

impl Activity {
    fn new() -> Self {
        Activity {
            start: Instant::now(),
            last_ms: AtomicU64::new(0),
        }
    }

    fn touch(&self) {
        let now = self.start.elapsed().as_millis() as u64;
        self.last_ms.store(now, Ordering::Relaxed);
    }

    fn idle(&self) -> Duration {
        let last = Duration::from_millis(self.last_ms.load(Ordering::Relaxed));
        self.start.elapsed().saturating_sub(last)
    }

    /// Resolves once nothing has moved for `limit`.
    async fn idle_for(&self, limit: Duration) {
        loop {
            let idle = self.idle();
            if idle >= limit {
                return;
            }
            tokio::time::sleep(limit - idle).await;
        }
    }
}

/// A flow counted as active for as long as it lives (a guard, so every way out ends it).
struct Flow<'a>(&'a LbMeter);

impl<'a> Flow<'a> {
    fn start(meter: &'a LbMeter) -> Self {
        meter.flow_started();
        Flow(meter)
    }
}

impl Drop for Flow<'_> {
    fn drop(&mut self) {
        self.0.flow_ended();
    }
}

/// A stream that notes its traffic in an [`Activity`] and its bytes in the meter.
struct Watched<'a> {
    inner: &'a mut TcpStream,
    activity: &'a Activity,
    meter: &'a LbMeter,
}

impl<'a> Watched<'a> {
    fn new(inner: &'a mut TcpStream, activity: &'a Activity, meter: &'a LbMeter) -> Self {
        Watched {
            inner,
            activity,
            meter,
        }
    }
}

impl AsyncRead for Watched<'_> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut *self.inner).poll_read(cx, buf);
        let read = buf.filled().len() - before;
        if read > 0 {
            self.activity.touch();
            self.meter.bytes(read as u64);
        }
        polled
    }
}

impl AsyncWrite for Watched<'_> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut *self.inner).poll_write(cx, buf);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        polled
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut *self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut *self.inner).poll_shutdown(cx)
    }
}
