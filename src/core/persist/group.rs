//! Group commit: one fsync for every request that changed something while the previous one was
//! being written. A request takes a ticket once its change is made; whoever finds no commit in
//! progress leads the next one, which covers every ticket issued before it started collecting;
//! the others wait for a commit that covers theirs (or lead the one after). Waiters are woken
//! together through a watch channel, not handed a lock one by one.

use std::sync::atomic::{AtomicU64, Ordering};
use tokio::sync::watch;

#[derive(Debug, Clone, Copy, Default)]
struct Progress {
    /// Every ticket up to this one is on disk.
    durable: u64,
    /// Tickets up to this one were in a commit that failed (their changes are lost).
    failed: u64,
    /// Bumped by every commit, so that waiters wake even when it covered none of them.
    commits: u64,
}

pub struct GroupCommit {
    issued: AtomicU64,
    progress: watch::Sender<Progress>,
    lead: tokio::sync::Mutex<()>,
}

impl Default for GroupCommit {
    fn default() -> Self {
        GroupCommit {
            issued: AtomicU64::new(0),
            progress: watch::channel(Progress::default()).0,
            lead: tokio::sync::Mutex::new(()),
        }
    }
}

impl GroupCommit {
    /// Returns once every change made before the call is durable; `write` collects and writes
    /// what changed (run by the leader of a commit).
    pub async fn wait_durable<F, Fut>(&self, write: F) -> Result<(), String>
    where
        F: Fn() -> Fut,
        Fut: std::future::Future<Output = Result<(), String>>,
    {
        let ticket = self.issued.fetch_add(1, Ordering::SeqCst) + 1;
        let mut rx = self.progress.subscribe();
        loop {
            let seen = *rx.borrow_and_update();
            if seen.durable >= ticket {
                return Ok(());
            }
            if seen.failed >= ticket {
                return Err("the change could not be saved (see the log)".into());
            }
            if let Ok(leading) = self.lead.try_lock() {
                let upto = self.issued.load(Ordering::SeqCst);
                let done = write().await;
                // Released before the waiters wake: one of them may have to lead the next.
                drop(leading);
                self.progress.send_modify(|p| {
                    match &done {
                        Ok(()) => p.durable = p.durable.max(upto),
                        Err(_) => p.failed = p.failed.max(upto),
                    }
                    p.commits += 1;
                });
                return done;
            }
            // A commit is in progress: wait for it to end (a send after borrow_and_update).
            if rx.changed().await.is_err() {
                return Err("the state dir was closed".into());
            }
        }
    }

    /// Waits for the commit in progress, if any, and holds off the next (wiping the store);
    /// call [`GroupCommit::wake`] once done.
    pub async fn exclusive(&self) -> tokio::sync::MutexGuard<'_, ()> {
        self.lead.lock().await
    }

    /// Wakes the waiters (one of them leads the next commit).
    pub fn wake(&self) {
        self.progress.send_modify(|p| p.commits += 1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::time::Duration;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn every_waiter_is_released_and_commits_are_shared() {
        let group = Arc::new(GroupCommit::default());
        let writes = Arc::new(AtomicU64::new(0));
        for _ in 0..20 {
            // One change each, then nothing: a waiter left without a leader would hang.
            let waiters = (0..64).map(|_| {
                let (group, writes) = (group.clone(), writes.clone());
                tokio::spawn(async move {
                    let write = move || {
                        let writes = writes.clone();
                        async move {
                            writes.fetch_add(1, Ordering::SeqCst);
                            tokio::time::sleep(Duration::from_millis(2)).await;
                            Ok(())
                        }
                    };
                    group.wait_durable(write).await.expect("durable");
                })
            });
            let all = futures_util::future::join_all(waiters);
            tokio::time::timeout(Duration::from_secs(5), all)
                .await
                .expect("every waiter was released");
        }
        let writes = writes.load(Ordering::SeqCst);
        assert!(writes < 64 * 20 / 2, "{writes} commits for 1,280 changes");
    }
}
