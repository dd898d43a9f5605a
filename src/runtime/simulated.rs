//! The simulated runtime: ECS tasks without Docker. Containers exist only in memory and
//! "run" on timers, behaving like the engine's closely enough to exercise the whole task
//! lifecycle (pull → create → start → running → exit/stop), including its failures.
//!
//! # Images
//! Every image pulls instantly and gets a stable fake id and digest (`sha256:` + 64 hex chars
//! derived from the normalised name; a digest pinned with `@sha256:…` is kept), **except**
//! images that cannot exist, so that `CannotPullContainerError` can be tested:
//! - a registry host ending in `.invalid` (e.g. `registry.invalid/app:1`) fails with the
//!   engine's unknown-host error (`… lookup registry.invalid: no such host`);
//! - a repository containing `does-not-exist` (e.g. `does-not-exist:latest`,
//!   `123.dkr.ecr.us-east-1.amazonaws.com/does-not-exist-app`) fails with
//!   `pull access denied for does-not-exist, repository does not exist or may require
//!   'docker login': …`;
//! - a malformed reference (empty, whitespace, upper-case repository) fails with
//!   `invalid reference format…`.
//!
//! As with the engine, `create` does not pull: an image that was never ensured is rejected
//! with `No such image: …`.
//!
//! # Running
//! `start` gives a bridge container an IP from 172.30.0.0/16 (`Join` containers share their
//! owner's; host networking reports 127.0.0.1; `None` has none) and binds its published ports
//! (host port 0 → a free port of 32768–60999; a host port held by a running container fails
//! the start with `…port is already allocated`). Ports and IP are released when the container
//! exits. A container then behaves per these environment variables (settable through ECS
//! container overrides); a malformed value fails the start with a message naming it:
//!
//! | Variable | Effect |
//! |---|---|
//! | `LOCAL_ECS_SIM_EXIT_CODE=N` | exits with `N` (after ~0.1 s unless `RUN_SECONDS` is set) |
//! | `LOCAL_ECS_SIM_RUN_SECONDS=S` | exits after `S` seconds (fractions allowed), with `EXIT_CODE` or 0 |
//! | `LOCAL_ECS_SIM_HEALTH=healthy\|unhealthy` | what the health check reports |
//! | `LOCAL_ECS_SIM_IGNORE_SIGTERM=true` | `stop` waits its timeout, then kills (exit 137) |
//!
//! Without `EXIT_CODE` and `RUN_SECONDS`, the container runs until stopped, unless its argv
//! (entrypoint then command) is one of these, which are taken literally:
//! `[sh|bash|/bin/sh|/bin/bash, -c, SCRIPT]`, `[SCRIPT]` or `[sleep|/bin/sleep, N]`, where
//! SCRIPT is exactly one of `exit` (0), `exit N` (N mod 256, as the shell does), `true` (0),
//! `false` (1) — exiting after ~0.1 s — or `sleep N` (exits 0 after N seconds).
//!
//! # Health
//! Only a container whose spec has a health check reports health (a test of `["NONE"]`
//! disables it). It is `Starting`, then settles after the check's start period (or ~0.2 s
//! without one) to `LOCAL_ECS_SIM_HEALTH`; without the knob, a test of
//! `["CMD-SHELL", "exit N"]` (or `true`/`false`) is taken literally (0 → healthy, else
//! unhealthy), and anything else is healthy.
//!
//! # Stopping and events
//! `stop` delivers "SIGTERM": the container exits with 143 at once, or — with
//! `LOCAL_ECS_SIM_IGNORE_SIGTERM=true` — is killed with 137 when the timeout expires (`stop`
//! returns then, as the engine's does). Removing a running container kills it (137). Every
//! start, exit and health change is an event for subscribers of a matching label.
//!
//! # Test hooks
//! [`SimulatedRuntime::fail_engine`] takes the engine down: every call fails with
//! `Unavailable`, subscribers get `Connection { available: false }` (and `true` when it comes
//! back), and events happening meanwhile are lost, as with a real engine's event stream, so
//! the control plane must reconcile with `list`/`inspect`. Containers and timers carry on.
//! [`SimulatedRuntime::kill_externally`] is a `docker kill` behind the control plane's back.
//!
//! Timers are tokio timers, so tests with paused time run instantly.

mod image;
mod knobs;
mod state;
#[cfg(test)]
mod tests;

use crate::runtime::{
    BoxFuture, ContainerInfo, ContainerSpec, ImageInfo, Runtime, RuntimeError, RuntimeEvent,
};
use image::ImageRef;
use state::{Started, State, PAUSE_IMAGE};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// An in-memory engine; cheap to share behind an `Arc<dyn Runtime>`.
pub struct SimulatedRuntime {
    shared: Arc<Shared>,
}

/// The state sits behind a `std::sync::Mutex` rather than tokio's: every critical section is
/// short and synchronous, and the sync entry points (`subscribe`, `fail_engine`,
/// `kill_externally`) must lock from inside async code, where tokio's `blocking_lock` panics.
/// The guard is never held across an `.await` (it is `!Send`, so the boxed `Send` futures
/// would not compile if it were). Timers hold only a `Weak`, so dropping the runtime
/// drops its containers and disarms them.
struct Shared {
    state: Mutex<State>,
}

impl Shared {
    /// A panic while locked leaves at worst one half-updated container; carrying on beats
    /// poisoning the whole engine.
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Default for SimulatedRuntime {
    fn default() -> Self {
        Self::new()
    }
}

impl SimulatedRuntime {
    pub fn new() -> SimulatedRuntime {
        SimulatedRuntime {
            shared: Arc::new(Shared {
                state: Mutex::new(State::default()),
            }),
        }
    }

    /// Takes the engine down (`true`) or brings it back: see the module doc.
    pub fn fail_engine(&self, down: bool) {
        self.shared.lock().set_down(down);
    }

    /// Ends a running container with `exit_code` as if killed behind our back; emits `Died`.
    pub fn kill_externally(&self, id: &str, exit_code: i64) -> Result<(), RuntimeError> {
        let mut state = self.shared.lock();
        if !state.container(id)?.running {
            return Err(RuntimeError::Rejected(format!(
                "Container {id} is not running"
            )));
        }
        state.exit(id, None, exit_code);
        Ok(())
    }

    /// The state, if the engine is up.
    fn up(&self) -> Result<MutexGuard<'_, State>, RuntimeError> {
        let state = self.shared.lock();
        state.check_up()?;
        Ok(state)
    }

    fn start_now(&self, id: &str) -> Result<(), RuntimeError> {
        let started = self.up()?.start(id)?;
        if let Some(Started {
            generation,
            behaviour,
        }) = started
        {
            if let Some((delay, code)) = behaviour.exit {
                let id = id.to_string();
                self.after(delay, move |state| {
                    state.exit(&id, Some(generation), code);
                });
            }
            if let Some((health, delay)) = behaviour.health {
                let id = id.to_string();
                self.after(delay, move |state| {
                    state.settle_health(&id, generation, health)
                });
            }
        }
        Ok(())
    }

    /// Runs `act` on the state after `delay`, unless the runtime has been dropped meanwhile.
    fn after(
        &self,
        delay: Duration,
        act: impl FnOnce(&mut State) + Send + 'static,
    ) -> JoinHandle<()> {
        let shared = Arc::downgrade(&self.shared);
        tokio::spawn(async move {
            tokio::time::sleep(delay).await;
            if let Some(shared) = shared.upgrade() {
                act(&mut shared.lock());
            }
        })
    }

    /// Sends "SIGTERM"; returns the pending kill when the container ignores it.
    fn signal_stop(
        &self,
        id: &str,
        timeout_s: u32,
    ) -> Result<Option<JoinHandle<()>>, RuntimeError> {
        let mut state = self.up()?;
        let container = state.container(id)?;
        if !container.running {
            return Ok(None);
        }
        let generation = container.generation;
        if !container.ignore_sigterm {
            state.exit(id, Some(generation), 143);
            return Ok(None);
        }
        drop(state);
        let id = id.to_string();
        let delay = Duration::from_secs(u64::from(timeout_s));
        Ok(Some(self.after(delay, move |state| {
            state.exit(&id, Some(generation), 137);
        })))
    }
}

impl Runtime for SimulatedRuntime {
    fn kind(&self) -> &'static str {
        "simulated"
    }

    fn ping(&self) -> BoxFuture<'_, Result<String, RuntimeError>> {
        Box::pin(async move { self.up().map(|_| "simulated".to_string()) })
    }

    fn ensure_image<'a>(
        &'a self,
        image: &'a str,
    ) -> BoxFuture<'a, Result<ImageInfo, RuntimeError>> {
        Box::pin(async move {
            let mut state = self.up()?;
            let reference = ImageRef::parse(image)?;
            if let Some(error) = reference.pull_error() {
                return Err(error);
            }
            state.add_image(&reference);
            Ok(reference.info())
        })
    }

    fn create_sandbox<'a>(
        &'a self,
        name: &'a str,
        labels: &'a BTreeMap<String, String>,
    ) -> BoxFuture<'a, Result<String, RuntimeError>> {
        Box::pin(async move {
            let spec = ContainerSpec {
                name: name.to_string(),
                image: PAUSE_IMAGE.to_string(),
                labels: labels.clone(),
                ..ContainerSpec::default()
            };
            let id = self.up()?.create(&spec)?;
            self.start_now(&id)?;
            Ok(id)
        })
    }

    fn create<'a>(
        &'a self,
        spec: &'a ContainerSpec,
    ) -> BoxFuture<'a, Result<String, RuntimeError>> {
        Box::pin(async move { self.up()?.create(spec) })
    }

    fn start<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<(), RuntimeError>> {
        Box::pin(async move { self.start_now(id) })
    }

    fn stop<'a>(&'a self, id: &'a str, timeout_s: u32) -> BoxFuture<'a, Result<(), RuntimeError>> {
        Box::pin(async move {
            if let Some(kill) = self.signal_stop(id, timeout_s)? {
                // The kill is its own task, so it happens even if this future is dropped.
                let _ = kill.await;
            }
            Ok(())
        })
    }

    fn remove<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<(), RuntimeError>> {
        Box::pin(async move { self.up()?.remove(id) })
    }

    fn inspect<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<ContainerInfo, RuntimeError>> {
        Box::pin(async move { self.up()?.inspect(id) })
    }

    fn list<'a>(
        &'a self,
        label: &'a str,
        value: &'a str,
    ) -> BoxFuture<'a, Result<Vec<String>, RuntimeError>> {
        Box::pin(async move { Ok(self.up()?.list(label, value)) })
    }

    fn subscribe(&self, label: &str, value: &str) -> mpsc::UnboundedReceiver<RuntimeEvent> {
        self.shared.lock().subscribe(label, value)
    }
}
