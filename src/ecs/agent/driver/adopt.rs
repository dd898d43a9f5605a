//! A driver for a task found again after a restart (`--state-dir`): its containers were created
//! by the previous run, so nothing is launched. The driver takes them back (event routes, the
//! awsvpc sandbox, endpoint addresses, awslogs delivery from where it stopped) and supervises
//! as if it had started them; a container that died while local-ecs was down is caught by the
//! first resync, with the exit code the engine recorded.

use super::{Driver, Signal, StopCause};
use crate::ecs::agent::Inner;
use crate::ecs::state::refs::TaskRef;
use crate::ecs::state::status::TaskStatus;
use crate::runtime::ContainerInfo;
use std::sync::Arc;
use tokio::sync::mpsc;

/// The awsvpc sandbox's container name label.
const SANDBOX_NAME: &str = "~internal~ecs~pause";
const CONTAINER_NAME_LABEL: &str = "local-ecs.container-name";

pub(in crate::ecs::agent) async fn adopt(
    cx: Arc<Inner>,
    task: TaskRef,
    rx: mpsc::UnboundedReceiver<Signal>,
    found: Vec<ContainerInfo>,
) {
    let mut d = Driver::new(cx, task, rx);
    d.take_back(&found);
    let running = d
        .read(|t, _| t.last_status == TaskStatus::Running)
        .unwrap_or(false);
    let cause = match d.stop_requested() {
        Some(cause) => cause,
        None if !running => StopCause {
            code: crate::ecs::state::status::TaskStopCode::TaskFailedToStart,
            reason: "local-ecs restarted while the task was stopping".into(),
        },
        None => match d.resync().await {
            Some(cause) => cause,
            None => d.supervise().await,
        },
    };
    d.stop(cause).await;
    d.cx.drivers.remove(&d.task.task_arn);
}

impl Driver {
    /// Routes, sandbox, endpoint addresses and log delivery of the containers found.
    fn take_back(&mut self, found: &[ContainerInfo]) {
        let td = self.read(|_, b| b.definition.clone());
        for info in found {
            self.cx.routes.insert(info.id.clone(), self.task.clone());
            self.note_endpoints_ip(Some(info));
            let name = info.labels.get(CONTAINER_NAME_LABEL).cloned();
            if name.as_deref() == Some(SANDBOX_NAME) {
                self.sandbox = Some(info.id.clone());
                continue;
            }
            self.created.push(info.id.clone());
            if let (Some(td), Some(name), true) = (&td, name, info.running) {
                self.ship_logs_from(td, &name, &info.id, true);
            }
        }
    }
}
