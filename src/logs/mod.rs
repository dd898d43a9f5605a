//! Amazon CloudWatch Logs (API version 2014-03-28, AWS JSON 1.1, target prefix
//! `Logs_20140328`): <https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/Welcome.html>.
//!
//! Log groups (classes, KMS key ids stored, tags, retention), streams and events: PutLogEvents
//! with AWS's batch limits and rejections, GetLogEvents with forward and backward tokens, and
//! FilterLogEvents with the common filter-pattern forms ([`pattern`]), enough for
//! `aws logs get-log-events`, `filter-log-events` and CLI v2's `aws logs tail --follow`. A
//! controller on the house clock expires events past their group's retention. Other services
//! write through [`Logs::sink`] (a [`LogSink`]).
//!
//! Memory stays bounded: each stream keeps at most
//! [`state::group::STREAM_EVENT_LIMIT`] events (100,000), dropping the oldest first.
//!
//! Missing: metric and subscription filters, Insights queries, exports, deliveries, anomaly
//! detection, data protection, resource and account policies, StartLiveTail, and
//! `storedBytes` that is only an estimate (message bytes plus 26 per event). Those operations
//! are routed and answer a modelled error (see the README's table).
//!
//! The rooms: `api/` (handlers, which change state only) → `state/`; `controller` (the
//! retention sweep) → `state/`; `facade` for other services; `persist` (the state dir's
//! records: changes are noted in each region's journal where they happen).

pub mod api;
pub mod controller;
pub mod dispatch;
pub mod error;
mod facade;
pub mod pattern;
pub mod persist;
pub mod state;

use crate::core::clock::Clock;
use crate::core::context::RequestContext;
use crate::core::logs::LogSink;
use crate::core::shutdown::Loops;
use crate::wire::Reply;
pub use dispatch::{operation_support, Support};
pub use error::{LogsError, LogsResult};
use persist::Ledger;
use serde_json::{Map, Value};
use std::sync::Arc;

/// The CloudWatch Logs service: its state for every account and region and its retention loop.
pub struct Logs {
    store: Arc<Ledger>,
    loops: Loops,
}

impl Logs {
    /// Builds the service and starts its retention controller (needs a Tokio runtime).
    pub fn new(clock: Clock) -> Self {
        let store = Arc::new(Ledger::new(clock.clone()));
        let loops = Loops::new("logs retention");
        controller::spawn(store.clone(), &clock, &loops);
        Logs { store, loops }
    }

    /// Runs `operation` on the caller's region with the decoded JSON input.
    pub fn dispatch(
        &self,
        ctx: &RequestContext,
        operation: &str,
        input: Map<String, Value>,
    ) -> LogsResult<Reply> {
        let Some(handler) = dispatch::handler(operation) else {
            return Err(dispatch::unsupported(operation));
        };
        self.store
            .with(&ctx.account, &ctx.region, |st| handler(st, input))
    }

    /// Where other services write log events (the ECS `awslogs` driver).
    pub fn sink(&self) -> Arc<dyn LogSink> {
        Arc::new(facade::Sink::new(self.store.clone()))
    }

    /// Drops every group, stream and event.
    pub fn reset(&self) {
        self.store.clear();
    }

    /// Stops the retention controller.
    pub async fn shutdown(&self) {
        self.loops.stop().await;
    }
}

impl Logs {
    /// Its state in the state dir (`--state-dir`); `None` while it is kept in memory only.
    /// Asking for it turns the noting of changes on (without a state dir nothing would take them).
    pub fn durable(&self) -> Option<Arc<dyn crate::core::persist::Durable>> {
        self.store.enable();
        let saved = persist::Saved {
            ledger: self.store.clone(),
        };
        Some(Arc::new(saved))
    }
}
