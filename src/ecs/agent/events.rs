//! Following the events of every engine in use: the default runtime from the start, each remote
//! engine from the moment it is connected (announced by [`crate::runtime::engines::Engines`]).
//! All are merged into one loop that routes container events to their task's driver by container
//! id (engine ids are long random hashes, so ids from different engines do not collide) and
//! records each engine's reachability. The loop, and with it every engine's subscription, ends
//! with the controller.
//!
//! When two addresses reach the same engine (a relay in front of the local socket), its events
//! arrive twice; drivers apply them idempotently.

use super::{Inner, RuntimeStatus, Signal};
use crate::core::shutdown::Stopping;
use crate::runtime::engines::Engine;
use crate::runtime::{RuntimeEvent, OWNER_LABEL};
use futures_util::stream::{BoxStream, SelectAll};
use futures_util::StreamExt;
use std::sync::Arc;
use tokio::sync::mpsc;

pub(super) async fn event_loop(
    inner: Arc<Inner>,
    mut announced: mpsc::UnboundedReceiver<Engine>,
    mut stopping: Stopping,
) {
    let mut streams = SelectAll::new();
    streams.push(follow(&inner, inner.engines.default_engine()));
    loop {
        let (engine, event) = tokio::select! {
            Some(engine) = announced.recv() => {
                inner.set_status(&engine.name, RuntimeStatus {
                    available: true,
                    message: "connected".into(),
                });
                streams.push(follow(&inner, engine));
                continue;
            }
            next = streams.next(), if !streams.is_empty() => match next {
                Some(next) => next,
                None => continue,
            },
            _ = stopping.wait() => return,
        };
        route(&inner, &engine, event);
    }
}

/// The engine's events for our owner label, each tagged with the engine's name.
fn follow(inner: &Inner, engine: Engine) -> BoxStream<'static, (String, RuntimeEvent)> {
    let events = engine.runtime.subscribe(OWNER_LABEL, &inner.owner);
    futures_util::stream::unfold((engine.name, events), |(name, mut events)| async move {
        let event = events.recv().await?;
        Some(((name.clone(), event), (name, events)))
    })
    .boxed()
}

fn route(inner: &Inner, engine: &str, event: RuntimeEvent) {
    let id = match &event {
        RuntimeEvent::Started { id }
        | RuntimeEvent::Died { id, .. }
        | RuntimeEvent::HealthChanged { id, .. } => id,
        RuntimeEvent::Connection { available, message } => {
            inner.set_status(
                engine,
                RuntimeStatus {
                    available: *available,
                    message: message.clone(),
                },
            );
            if *available {
                tracing::info!(%engine, "container engine reachable again; resynchronising tasks");
            } else {
                tracing::warn!(%engine, %message, "lost a container engine");
            }
            for d in inner.drivers.iter() {
                let _ = d.value().send(Signal::Wake);
            }
            return;
        }
    };
    let Some(task) = inner.routes.get(id).map(|r| r.clone()) else {
        return;
    };
    if let Some(tx) = inner.drivers.get(&task.task_arn) {
        let _ = tx.send(Signal::Event(event));
    }
}
