//! Container events from
//! [`GET /events`](https://docs.docker.com/engine/api/v1.41/#tag/System/operation/SystemEvents),
//! filtered by one label, as [`RuntimeEvent`]s.
//!
//! A background task follows the stream. When it ends or fails (engine restarted or gone) the
//! task reports `Connection { available: false }`, retries with backoff (0.5 s doubling to 5 s)
//! and reports `Connection { available: true }` once the engine answers again. Each (re)connect
//! asks for events `since` the last one seen (or since `subscribe` was called), so events from
//! the engine's buffer that happened while reconnecting, or before the first request got
//! through, are not lost. The task ends when the receiver is dropped.

use crate::runtime::{RuntimeError, RuntimeEvent};
use bollard::models::{EventMessage, HealthStatusEnum};
use bollard::query_parameters::EventsOptionsBuilder;
use bollard::Docker;
use futures_util::StreamExt;
use std::collections::HashMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::sync::mpsc::{self, UnboundedSender};

const MIN_BACKOFF: Duration = Duration::from_millis(500);
const MAX_BACKOFF: Duration = Duration::from_secs(5);

pub(super) fn subscribe(
    docker: Docker,
    label_filter: String,
) -> mpsc::UnboundedReceiver<RuntimeEvent> {
    let (tx, rx) = mpsc::unbounded_channel();
    let since = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as i64)
        .unwrap_or(0);
    match tokio::runtime::Handle::try_current() {
        Ok(handle) => {
            handle.spawn(follow(docker, label_filter, since, tx));
        }
        Err(_) => {
            let _ = tx.send(RuntimeEvent::Connection {
                available: false,
                message: "subscribe needs a tokio runtime".into(),
            });
        }
    }
    rx
}

/// Why a stream stopped being followed.
enum Stop {
    ReceiverGone,
    Lost(String),
}

async fn follow(
    docker: Docker,
    label_filter: String,
    mut since_nanos: i64,
    tx: UnboundedSender<RuntimeEvent>,
) {
    loop {
        let message = match stream(&docker, &label_filter, &mut since_nanos, &tx).await {
            Stop::ReceiverGone => return,
            Stop::Lost(message) => message,
        };
        if tx
            .send(RuntimeEvent::Connection {
                available: false,
                message,
            })
            .is_err()
        {
            return;
        }
        if !reconnect(&docker, &tx).await {
            return;
        }
    }
}

/// Pings with backoff until the engine answers (true) or the receiver is gone (false).
async fn reconnect(docker: &Docker, tx: &UnboundedSender<RuntimeEvent>) -> bool {
    let mut backoff = MIN_BACKOFF;
    loop {
        if !wait_or_closed(tx, backoff).await {
            return false;
        }
        if super::bounded(docker.ping()).await.is_ok() {
            let back = RuntimeEvent::Connection {
                available: true,
                message: "reconnected to the engine".into(),
            };
            return tx.send(back).is_ok();
        }
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
}

/// Follows one events request until it ends, fails or nobody listens any more.
async fn stream(
    docker: &Docker,
    label_filter: &str,
    since_nanos: &mut i64,
    tx: &UnboundedSender<RuntimeEvent>,
) -> Stop {
    let filters = HashMap::from([
        ("type", vec!["container".to_owned()]),
        ("label", vec![label_filter.to_owned()]),
    ]);
    let since = format!(
        "{}.{:09}",
        since_nanos.div_euclid(1_000_000_000),
        since_nanos.rem_euclid(1_000_000_000)
    );
    let options = EventsOptionsBuilder::default()
        .since(&since)
        .filters(&filters)
        .build();
    let mut events = docker.events(Some(options));
    loop {
        let item = tokio::select! {
            item = events.next() => item,
            _ = tx.closed() => return Stop::ReceiverGone,
        };
        match item {
            None => return Stop::Lost("the engine closed the event stream".into()),
            Some(Err(e)) => return Stop::Lost(describe(super::map_err(e))),
            Some(Ok(message)) => {
                if let Some(t) = message.time_nano {
                    // Resume just after this event on reconnect; the engine's `since` is inclusive.
                    *since_nanos = (*since_nanos).max(t + 1);
                }
                if let Some(event) = runtime_event(&message) {
                    if tx.send(event).is_err() {
                        return Stop::ReceiverGone;
                    }
                }
            }
        }
    }
}

fn describe(e: RuntimeError) -> String {
    match e {
        RuntimeError::Unavailable(m) => m,
        other => other.to_string(),
    }
}

/// Sleeps `delay`; false if the receiver went away meanwhile.
async fn wait_or_closed(tx: &UnboundedSender<RuntimeEvent>, delay: Duration) -> bool {
    tokio::select! {
        _ = tokio::time::sleep(delay) => true,
        _ = tx.closed() => false,
    }
}

/// `start`, `die` (with its `exitCode` attribute) and `health_status: <status>`; nothing else.
fn runtime_event(message: &EventMessage) -> Option<RuntimeEvent> {
    let actor = message.actor.as_ref()?;
    let id = actor.id.clone()?;
    let action = message.action.as_deref()?;
    match action {
        "start" => Some(RuntimeEvent::Started { id }),
        "die" => {
            let exit_code = actor
                .attributes
                .as_ref()
                .and_then(|a| a.get("exitCode"))
                .and_then(|c| c.parse().ok());
            Some(RuntimeEvent::Died { id, exit_code })
        }
        _ => {
            let status = action
                .strip_prefix("health_status")?
                .trim_start_matches(':')
                .trim();
            let health = super::inspect::health(status.parse::<HealthStatusEnum>().ok()?)?;
            Some(RuntimeEvent::HealthChanged { id, health })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::Health;
    use bollard::models::EventActor;

    fn message(action: &str, attributes: &[(&str, &str)]) -> EventMessage {
        EventMessage {
            action: Some(action.into()),
            actor: Some(EventActor {
                id: Some("c1".into()),
                attributes: Some(
                    attributes
                        .iter()
                        .map(|(k, v)| (k.to_string(), v.to_string()))
                        .collect(),
                ),
            }),
            ..Default::default()
        }
    }

    #[test]
    fn maps_engine_actions() {
        assert_eq!(
            runtime_event(&message("start", &[])),
            Some(RuntimeEvent::Started { id: "c1".into() })
        );
        assert_eq!(
            runtime_event(&message("die", &[("exitCode", "3")])),
            Some(RuntimeEvent::Died {
                id: "c1".into(),
                exit_code: Some(3)
            })
        );
        assert_eq!(
            runtime_event(&message("health_status: unhealthy", &[])),
            Some(RuntimeEvent::HealthChanged {
                id: "c1".into(),
                health: Health::Unhealthy
            })
        );
        assert_eq!(
            runtime_event(&message("exec_start: sh -c exit 0", &[])),
            None
        );
        assert_eq!(runtime_event(&message("create", &[])), None);
    }
}
