//! The awslogs driver of one task: before any container is created, each awslogs group must
//! exist (or be created, with `awslogs-create-group`), else the task fails as ECS fails it; once
//! a container starts, a shipper follows its output through the engine and appends it to its
//! stream, grouped into events; before the task is STOPPED, every shipper has delivered.
//! Containers with another log driver keep the engine's default logging.

use super::{Driver, StopCause};
use crate::core::logs::LogSink;
use crate::ecs::agent::awslogs::{self, AwsLogs, Grouper};
use crate::ecs::state::task::Task;
use crate::ecs::state::types::TaskDefinition;
use crate::runtime::LogLine;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

/// Events carry microseconds until they are sent. A batch goes out when this many events wait, or when output pauses this long.
const BATCH: usize = 1000;
const PAUSE: Duration = Duration::from_millis(250);
/// How long a stopping task waits for its logs to be delivered.
const DELIVERY: Duration = Duration::from_secs(10);

impl Driver {
    fn log_sink(&self) -> Option<Arc<dyn LogSink>> {
        let view = self
            .cx
            .store
            .with(&self.task.account, &self.task.region, |st| {
                st.fleet.logs.clone()
            });
        view.get()?;
        Some(Arc::new(SinkView(view)))
    }

    /// Checks (or creates) every awslogs container's group; other drivers are noted.
    pub(super) fn prepare_logs(&self, task: &Task, td: &TaskDefinition) -> Result<(), StopCause> {
        for def in &td.container_definitions {
            match awslogs::driver(def).as_deref() {
                None | Some("awslogs") => {}
                Some(other) => tracing::info!(task = %task.task_arn, driver = other,
                    "log driver not emulated: the container keeps the engine's default logging"),
            }
            let Some(settings) = awslogs::settings(def, &self.task.region, task.id(), "") else {
                continue;
            };
            let s = settings.map_err(|e| {
                StopCause::failed(format!(
                    "ResourceInitializationError: failed to validate logger args: {e}"
                ))
            })?;
            let Some(sink) = self.log_sink() else {
                continue;
            };
            let account = &self.task.account;
            if sink.group_exists(account, &s.region, &s.group) {
                continue;
            }
            if !s.create_group {
                return Err(StopCause::failed(awslogs::MISSING_GROUP.into()));
            }
            sink.create_group(account, &s.region, &s.group)
                .map_err(|e| {
                    StopCause::failed(format!(
                        "ResourceInitializationError: failed to create log group: {e}"
                    ))
                })?;
        }
        Ok(())
    }

    /// Starts delivering the output of container `name` (engine id `id`), if it uses awslogs.
    pub(super) fn ship_logs(&mut self, td: &TaskDefinition, name: &str, id: &str) {
        self.ship_logs_from(td, name, id, false);
    }

    /// Like `ship_logs`; with `resume` (a container adopted after a restart) from after the
    /// stream's newest event, so nothing delivered before the restart is delivered twice.
    pub(super) fn ship_logs_from(
        &mut self,
        td: &TaskDefinition,
        name: &str,
        id: &str,
        resume: bool,
    ) {
        let Some(def) = td
            .container_definitions
            .iter()
            .find(|d| d.name.as_deref() == Some(name))
        else {
            return;
        };
        let task_id = self
            .task
            .task_arn
            .rsplit('/')
            .next()
            .unwrap_or_default()
            .to_string();
        let Some(Ok(settings)) = awslogs::settings(def, &self.task.region, &task_id, id) else {
            return;
        };
        let Some(sink) = self.log_sink() else {
            return;
        };
        let account = self.task.account.clone();
        if let Err(e) = sink.create_stream(
            &account,
            &settings.region,
            &settings.group,
            &settings.stream,
        ) {
            tracing::warn!(group = %settings.group, stream = %settings.stream, error = %e, "awslogs stream not created");
            return;
        }
        let after = resume
            .then(|| {
                sink.last_event_ms(
                    &account,
                    &settings.region,
                    &settings.group,
                    &settings.stream,
                )
            })
            .flatten()
            // Milliseconds are all a stream keeps: a line of the same millisecond as the last
            // event counts as delivered.
            .map(|ms| ms * 1000 + 999);
        let lines = match after {
            Some(after_us) => self.rt.logs_after(id, after_us),
            None => self.rt.logs(id),
        };
        self.shippers
            .push(tokio::spawn(ship(lines, sink, account, settings)));
    }

    /// Waits for every shipper to deliver what its container wrote (bounded).
    pub(super) async fn flush_logs(&mut self) {
        for shipper in self.shippers.drain(..) {
            let abort = shipper.abort_handle();
            if tokio::time::timeout(DELIVERY, shipper).await.is_err() {
                abort.abort();
                tracing::warn!(task = %self.task.task_arn, "awslogs delivery did not finish in time");
            }
        }
    }
}

/// Follows one container's lines into its stream until its output ends.
async fn ship(
    mut lines: mpsc::UnboundedReceiver<LogLine>,
    sink: Arc<dyn LogSink>,
    account: String,
    s: AwsLogs,
) {
    let mut grouper = Grouper::default();
    let mut batch: Vec<(i64, String)> = Vec::new();
    loop {
        match tokio::time::timeout(PAUSE, lines.recv()).await {
            Ok(Some(line)) => {
                batch.extend(grouper.push(s.start.as_ref(), line.timestamp_us, &line.text));
                if batch.len() < BATCH {
                    continue;
                }
            }
            Ok(None) => {
                batch.extend(grouper.flush());
                deliver(&*sink, &account, &s, &mut batch);
                return;
            }
            // Output paused: what was being grouped is an event now, as the driver flushes.
            Err(_) => batch.extend(grouper.flush()),
        }
        deliver(&*sink, &account, &s, &mut batch);
    }
}

fn deliver(sink: &dyn LogSink, account: &str, s: &AwsLogs, batch: &mut Vec<(i64, String)>) {
    if batch.is_empty() {
        return;
    }
    // stdout and stderr reach the engine through separate pipes: order by its timestamps
    // (microseconds, so lines of one millisecond keep theirs), then send milliseconds.
    let mut events = std::mem::take(batch);
    events.sort_by_key(|(us, _)| *us);
    let events = events
        .into_iter()
        .map(|(us, text)| (us.div_euclid(1000), text))
        .collect();
    if let Err(e) = sink.put(account, &s.region, &s.group, &s.stream, events) {
        tracing::warn!(group = %s.group, stream = %s.stream, error = %e, "awslogs events not delivered");
    }
}

/// The fleet's view of Logs as an owned sink a shipper can keep.
struct SinkView(crate::core::fleet::View<dyn LogSink>);

impl LogSink for SinkView {
    fn group_exists(&self, account: &str, region: &str, group: &str) -> bool {
        self.0
            .get()
            .is_some_and(|s| s.group_exists(account, region, group))
    }
    fn create_group(&self, account: &str, region: &str, group: &str) -> Result<(), String> {
        self.0
            .get()
            .map_or(Ok(()), |s| s.create_group(account, region, group))
    }
    fn create_stream(
        &self,
        account: &str,
        region: &str,
        group: &str,
        stream: &str,
    ) -> Result<(), String> {
        self.0
            .get()
            .map_or(Ok(()), |s| s.create_stream(account, region, group, stream))
    }
    fn put(
        &self,
        account: &str,
        region: &str,
        group: &str,
        stream: &str,
        events: Vec<(i64, String)>,
    ) -> Result<(), String> {
        self.0
            .get()
            .map_or(Ok(()), |s| s.put(account, region, group, stream, events))
    }
    fn last_event_ms(&self, account: &str, region: &str, group: &str, stream: &str) -> Option<i64> {
        self.0.get()?.last_event_ms(account, region, group, stream)
    }
}
