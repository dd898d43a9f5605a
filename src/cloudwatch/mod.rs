//! Amazon CloudWatch metrics (API version 2010-08-01), in all three of its protocols: Smithy RPC
//! v2 CBOR, AWS JSON 1.0 (target prefix `GraniteServiceVersion20100801`) and AWS Query:
//! <https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/Welcome.html>.
//!
//! PutMetricData (values, value sets with counts, statistic sets, high resolution),
//! GetMetricStatistics (the five statistics and percentiles), GetMetricData (MetricStat queries,
//! arithmetic, SUM/AVG/MIN/MAX, RATE and FILL, ScanBy, MaxDatapoints pages) and ListMetrics.
//! Metric alarms, one metric or metric math (`Metrics`), and composite alarms (AlarmRule over
//! other alarms' states) evaluated every 10 emulated seconds by the controller ([`alarm`],
//! [`evaluate`], [`math_alarm`], [`composite`]). Actions naming Application Auto Scaling
//! policies are invoked through the App's bus ([`actions`]: `Fact::AlarmAction`, on the
//! transition and once per emulated minute while the alarm stays in the state); every other
//! action is only recorded in history. Handlers answer a JSON document; the edge writes it as
//! JSON, CBOR or Query XML ([`render`]). A controller on the house clock keeps CloudWatch's
//! retention schedule (1-second data three hours, 1-minute fifteen days, 5-minute 63 days,
//! 1-hour 455 days). Other services publish through [`CloudWatch::sink`]; Application Auto
//! Scaling writes its target-tracking alarms through [`CloudWatch::alarms`].
//!
//! Missing: anomaly detection (its operators answer a ValidationError saying so),
//! SNS/EC2/Systems Manager actions (recorded), metric-math functions beyond those above
//! (SEARCH, Metrics Insights…), dashboards, insight rules, metric streams. Those
//! operations are routed and answer a modelled error (see the README's table). Percentiles use
//! at most 1,000 raw values per bucket.
//!
//! With `--state-dir`, [`persist`] saves series buckets, alarms and history as they change.

pub mod actions;
pub mod alarm;
pub mod api;
pub mod composite;
pub mod controller;
pub mod dispatch;
pub mod error;
pub mod evaluate;
mod facade;
pub mod math_alarm;
pub mod persist;
pub mod read;
pub mod render;
pub mod rule;
pub mod state;
pub mod stats;
pub mod suppress;

use crate::core::bus::Bus;
use crate::core::clock::Clock;
use crate::core::context::RequestContext;
use crate::core::metrics::MetricSink;
use crate::core::scaling::Alarms;
use crate::core::shutdown::Loops;
use actions::Hub;
pub use dispatch::{operation_support, Support};
pub use error::{CwError, CwResult};
pub use render::XMLNS;
use serde_json::{Map, Value};
use state::{RegionState, Store};
use std::sync::Arc;

/// The CloudWatch service: metric and alarm state for every account and region and its loop.
pub struct CloudWatch {
    hub: Hub,
    loops: Loops,
}

impl CloudWatch {
    /// Builds the service and starts its retention and alarm controller (needs a Tokio
    /// runtime); alarm actions invoking scaling policies are published on `bus`.
    pub fn new(clock: Clock, bus: Bus) -> Self {
        let store = Arc::new(Store::new(clock.clone()));
        let hub = Hub::new(store, bus);
        let loops = Loops::new("cloudwatch retention");
        controller::spawn(hub.clone(), &clock, &loops);
        CloudWatch { hub, loops }
    }

    /// Runs `operation` on the caller's region with the decoded input (any protocol).
    pub fn dispatch(
        &self,
        ctx: &RequestContext,
        operation: &str,
        input: Map<String, Value>,
    ) -> CwResult<Value> {
        let Some(handler) = dispatch::handler(operation) else {
            return Err(dispatch::unsupported(operation));
        };
        let alarms_may_change = persist::ALARM_WRITES.contains(&operation);
        self.hub.with(&ctx.account, &ctx.region, |st| {
            if alarms_may_change {
                st.journal.note_all_alarms();
            }
            handler(st, input)
        })
    }

    /// Where other services publish metrics (ECS' `AWS/ECS`, later).
    pub fn sink(&self) -> Arc<dyn MetricSink> {
        Arc::new(facade::Sink::new(self.hub.clone()))
    }

    /// Where Application Auto Scaling creates and deletes the alarms of target tracking.
    pub fn alarms(&self) -> Arc<dyn Alarms> {
        Arc::new(facade::AlarmWriter::new(self.hub.clone()))
    }

    /// Drops every metric.
    pub fn reset(&self) {
        self.hub.store.clear();
    }

    /// Stops the retention controller.
    pub async fn shutdown(&self) {
        self.loops.stop().await;
    }
}

impl CloudWatch {
    /// Its state in the state dir (`--state-dir`); `None` while it is kept in memory only.
    /// Asking for it turns the noting of changes on (without a state dir nothing would take them);
    /// the first time, what is already held is noted too.
    pub fn durable(&self) -> Option<Arc<dyn crate::core::persist::Durable>> {
        if self.hub.pending.enable() {
            self.hub.each(RegionState::resave);
        }
        let saved = persist::Saved {
            hub: self.hub.clone(),
        };
        Some(Arc::new(saved))
    }
}
