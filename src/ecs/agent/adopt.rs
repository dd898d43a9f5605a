//! Re-adoption at a start with a state dir: the tasks loaded from it meet the containers the
//! engine still has with our owner label. A RUNNING task takes its containers back (same ARN,
//! same container ids; its service sees it running and starts no duplicate); one whose
//! containers died meanwhile stops with the exit code the engine recorded (the adopting
//! driver's first resync); one whose launch was cut short stops with a reason saying so; and
//! containers no live task claims are removed.

use super::driver;
use super::{Inner, TaskController};
use crate::core::bus::{Fact, TaskFact};
use crate::ecs::state::refs::TaskRef;
use crate::ecs::state::status::{ContainerStatus, DesiredStatus, TaskStatus, TaskStopCode};
use crate::runtime::{ContainerInfo, SharedRuntime, OWNER_LABEL};
use futures_util::StreamExt;
use std::collections::HashMap;
use tokio::sync::mpsc;

const TASK_LABEL: &str = "local-ecs.task-arn";
const CUT_SHORT: &str =
    "TaskFailedToStart: local-ecs restarted while the task was starting, before it was RUNNING";
const REMOTE: &str = "local-ecs restarted: tasks on a remote Docker engine are not re-adopted";
/// The engine has none of the task's containers (removed while local-ecs was down; or the
/// simulated runtime, whose containers live in the process).
const VANISHED: &str = "local-ecs restarted and found none of the task's containers on the engine";

/// What adoption did, for the log.
#[derive(Debug, Default, Clone, Copy)]
pub struct Adopted {
    pub adopted: usize,
    pub stopped: usize,
    pub removed: usize,
}

/// A task loaded from the state dir that has not stopped.
struct Live {
    task: TaskRef,
    status: TaskStatus,
    remote: bool,
}

impl TaskController {
    /// Adopts or stops every live task loaded from the state dir, and removes the containers of
    /// ours that none of them claims.
    pub async fn adopt(&self) -> Adopted {
        let inner = &self.inner;
        let rt = inner.engines.default_runtime().clone();
        let mut by_task: HashMap<String, Vec<ContainerInfo>> = HashMap::new();
        for info in owned(&rt, &inner.owner).await {
            let task = info.labels.get(TASK_LABEL).cloned().unwrap_or_default();
            by_task.entry(task).or_default().push(info);
        }
        let mut report = Adopted::default();
        for live in live_tasks(inner) {
            let found = by_task.remove(&live.task.task_arn).unwrap_or_default();
            if live.status >= TaskStatus::Running && !live.remote && found.is_empty() {
                stop_unadopted(inner, &live.task, TaskStopCode::TerminationNotice, VANISHED);
                report.stopped += 1;
                continue;
            }
            if live.status >= TaskStatus::Running && !live.remote {
                let (tx, rx) = mpsc::unbounded_channel();
                inner.drivers.insert(live.task.task_arn.clone(), tx);
                tokio::spawn(driver::adopt(self.inner.clone(), live.task, rx, found));
                report.adopted += 1;
                continue;
            }
            let reason = if live.remote { REMOTE } else { CUT_SHORT };
            stop_unadopted(inner, &live.task, TaskStopCode::TaskFailedToStart, reason);
            report.removed += remove(&rt, found).await;
            report.stopped += 1;
        }
        report.removed += remove(&rt, by_task.into_values().flatten().collect()).await;
        report
    }
}

/// Our containers on the engine, inspected (labels, whether they run, exit codes).
async fn owned(rt: &SharedRuntime, owner: &str) -> Vec<ContainerInfo> {
    let ids = match rt.list(OWNER_LABEL, owner).await {
        Ok(ids) => ids,
        Err(e) => {
            tracing::warn!(error = %e, "could not list containers to re-adopt");
            return Vec::new();
        }
    };
    futures_util::stream::iter(ids)
        .map(|id| async move { rt.inspect(&id).await.ok() })
        .buffer_unordered(16)
        .filter_map(std::future::ready)
        .collect()
        .await
}

async fn remove(rt: &SharedRuntime, containers: Vec<ContainerInfo>) -> usize {
    let mut removed = 0;
    for info in containers {
        match rt.remove(&info.id).await {
            Ok(()) => removed += 1,
            Err(e) => {
                tracing::warn!(container = %info.id, error = %e, "could not remove a container no task claims")
            }
        }
    }
    removed
}

fn live_tasks(inner: &Inner) -> Vec<Live> {
    let mut live = Vec::new();
    for (account, region) in inner.store.keys() {
        inner.store.with(&account, &region, |st| {
            for t in st.tasks.values().filter(|t| !t.is_stopped()) {
                let remote = st
                    .task_books
                    .get(&t.task_arn)
                    .is_some_and(|b| b.docker_host.is_some());
                live.push(Live {
                    task: TaskRef {
                        account: account.clone(),
                        region: region.clone(),
                        task_arn: t.task_arn.clone(),
                    },
                    status: t.last_status,
                    remote,
                });
            }
        });
    }
    live
}

/// STOPPED at once, with `reason`: no driver holds the task, so this is its whole stop.
fn stop_unadopted(inner: &Inner, task: &TaskRef, code: TaskStopCode, reason: &str) {
    let now = inner.store.clock().now();
    let fact = inner.store.with(&task.account, &task.region, |st| {
        let t = st.tasks.get_mut(&task.task_arn)?;
        t.desired_status = DesiredStatus::Stopped;
        t.last_status = TaskStatus::Stopped;
        t.stop_code = Some(code);
        t.stopped_reason = Some(reason.to_string());
        t.stopping_at.get_or_insert(now);
        t.execution_stopped_at = Some(now);
        t.stopped_at = Some(now);
        for c in &mut t.containers {
            c.last_status = ContainerStatus::Stopped;
        }
        t.version += 1;
        Some(TaskFact {
            account: task.account.clone(),
            region: task.region.clone(),
            task_arn: t.task_arn.clone(),
            cluster_arn: t.cluster_arn.clone(),
            service_arn: t.service_arn.clone(),
            last_status: t.last_status.to_string(),
            desired_status: t.desired_status.to_string(),
        })
    });
    if let Some(fact) = fact {
        inner.bus.publish(Fact::Task(fact));
    }
}
