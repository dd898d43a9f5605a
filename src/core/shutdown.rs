//! Stopping background loops. Every controller loop is spawned through a [`Loops`] group; the
//! group's owner stops them (signal, then wait for each to return) in the order the App's
//! shutdown needs: schedulers before the task controller, so nothing new starts while tasks
//! are being stopped.

use std::future::Future;
use std::sync::Mutex;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// What a loop watches to know it must return.
#[derive(Debug, Clone)]
pub struct Stopping {
    rx: watch::Receiver<bool>,
}

impl Stopping {
    /// Resolves once the group is told to stop (at once if it already was).
    pub async fn wait(&mut self) {
        let _ = self.rx.wait_for(|stop| *stop).await;
    }

    pub fn is_set(&self) -> bool {
        *self.rx.borrow()
    }
}

/// A group of background loops stopped together.
#[derive(Debug)]
pub struct Loops {
    name: &'static str,
    tx: watch::Sender<bool>,
    handles: Mutex<Vec<JoinHandle<()>>>,
}

impl Loops {
    pub fn new(name: &'static str) -> Self {
        Loops {
            name,
            tx: watch::channel(false).0,
            handles: Mutex::new(Vec::new()),
        }
    }

    /// The signal a loop of this group selects on.
    pub fn stopping(&self) -> Stopping {
        Stopping {
            rx: self.tx.subscribe(),
        }
    }

    /// Spawns `future` (which should return once [`Stopping::wait`] resolves) into the group.
    pub fn spawn(&self, future: impl Future<Output = ()> + Send + 'static) {
        let handle = tokio::spawn(future);
        self.handles
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(handle);
    }

    /// Tells every loop of the group to stop and waits until each has returned.
    pub async fn stop(&self) {
        let _ = self.tx.send(true);
        let handles = std::mem::take(&mut *self.handles.lock().unwrap_or_else(|p| p.into_inner()));
        let count = handles.len();
        for handle in handles {
            let _ = handle.await;
        }
        tracing::debug!(group = self.name, loops = count, "background loops stopped");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    #[tokio::test]
    async fn stop_waits_for_every_loop_to_return() {
        let loops = Loops::new("test");
        let finished = Arc::new(AtomicUsize::new(0));
        for _ in 0..3 {
            let mut stopping = loops.stopping();
            let finished = finished.clone();
            loops.spawn(async move {
                stopping.wait().await;
                finished.fetch_add(1, Ordering::SeqCst);
            });
        }
        assert_eq!(finished.load(Ordering::SeqCst), 0);
        loops.stop().await;
        assert_eq!(finished.load(Ordering::SeqCst), 3);
        // A loop that looks after the stop sees it at once.
        let mut late = loops.stopping();
        assert!(late.is_set());
        late.wait().await;
    }
}
