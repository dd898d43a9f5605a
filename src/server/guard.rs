//! Read deadlines for one connection, enforced in its socket: an idle keep-alive connection is
//! closed after the idle timeout, and a request whose headers do not arrive within the header-read
//! timeout (counted from its first byte) is cut off. hyper's own `header_read_timeout` starts when
//! it begins waiting for a request, idle or not, so it cannot tell the two apart; the socket can,
//! with the service marking when a request's headers are complete and when its answer is ready.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::{Duration, Instant, Sleep};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Between requests: the idle timeout runs from `since`.
    Idle,
    /// A request's first bytes arrived at `since`: the header-read timeout runs.
    Head,
    /// Headers parsed; the service owns the body's deadline and takes its time answering.
    Busy,
}

/// What the service tells the socket about the request in progress. Shared by one connection's
/// socket and service; the lock is uncontended and never held across an await.
#[derive(Debug)]
pub struct Activity {
    state: Mutex<(Phase, Instant)>,
    header_read: Duration,
    idle: Duration,
}

impl Activity {
    pub fn new(header_read: Duration, idle: Duration) -> Arc<Self> {
        Arc::new(Activity {
            state: Mutex::new((Phase::Idle, Instant::now())),
            header_read,
            idle,
        })
    }

    fn set(&self, phase: Phase) {
        if let Ok(mut s) = self.state.lock() {
            *s = (phase, Instant::now());
        }
    }

    /// The service was called: the headers are in.
    pub fn request_started(&self) {
        self.set(Phase::Busy);
    }

    /// The answer is ready: the connection is idle until the next request's first byte.
    pub fn request_finished(&self) {
        self.set(Phase::Idle);
    }

    fn bytes_arrived(&self) {
        if let Ok(mut s) = self.state.lock() {
            if s.0 == Phase::Idle {
                *s = (Phase::Head, Instant::now());
            }
        }
    }

    fn deadline(&self) -> Option<(Instant, &'static str)> {
        let (phase, since) = *self.state.lock().ok()?;
        match phase {
            Phase::Idle => Some((since + self.idle, "idle keep-alive timeout")),
            Phase::Head => Some((since + self.header_read, "header read timeout")),
            Phase::Busy => None,
        }
    }
}

/// A socket whose reads fail with `TimedOut` once the current phase's deadline passes, which
/// makes hyper close the connection.
pub struct Guarded<IO> {
    io: IO,
    activity: Arc<Activity>,
    timer: Pin<Box<Sleep>>,
}

impl<IO> Guarded<IO> {
    pub fn new(io: IO, activity: Arc<Activity>) -> Self {
        Guarded {
            io,
            activity,
            timer: Box::pin(tokio::time::sleep(Duration::ZERO)),
        }
    }
}

impl<IO: AsyncRead + Unpin> AsyncRead for Guarded<IO> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        match Pin::new(&mut self.io).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                if buf.filled().len() > before {
                    self.activity.bytes_arrived();
                }
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending => {
                let Some((deadline, what)) = self.activity.deadline() else {
                    return Poll::Pending;
                };
                self.timer.as_mut().reset(deadline);
                match self.timer.as_mut().poll(cx) {
                    Poll::Ready(()) => {
                        Poll::Ready(Err(io::Error::new(io::ErrorKind::TimedOut, what)))
                    }
                    Poll::Pending => Poll::Pending,
                }
            }
        }
    }
}

impl<IO: AsyncWrite + Unpin> AsyncWrite for Guarded<IO> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.io).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.io).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }
}
