//! The Docker volumes of a task (`dockerVolumeConfiguration`), named and labelled as the ECS
//! agent names them: task-scoped ones `ecs-<task id>-<volume>`, created for the task and removed
//! with it (when the task is purged, its containers removed first: the engine will not remove a
//! volume a container still refers to); shared ones by their own name, created when missing and
//! kept across tasks until reset or shutdown. Every volume created here carries the owner label,
//! so cleanup finds it; a shared volume that already existed is not ours and is never removed.

use crate::ecs::state::task::Task;
use crate::ecs::state::types::{TaskDefinition, Volume};
use crate::runtime::{MANAGED_LABEL, OWNER_LABEL};
use std::collections::BTreeMap;

/// On task-scoped volumes: the task they belong to.
pub const TASK_LABEL: &str = "local-ecs.task-arn";
/// `task` or `shared`.
pub const SCOPE_LABEL: &str = "local-ecs.volume-scope";

/// Whether a volume is shared across tasks (`scope: shared`) rather than the task's own.
fn shared(vol: &Volume) -> bool {
    vol.docker_volume_configuration
        .as_ref()
        .and_then(|c| c.get("scope"))
        .and_then(|s| s.as_str())
        == Some("shared")
}

/// The engine name of a `dockerVolumeConfiguration` volume (`None` for other kinds).
pub fn engine_name(vol: &Volume, task_id: &str) -> Option<String> {
    vol.docker_volume_configuration.as_ref()?;
    let name = vol.name.as_deref()?;
    Some(if shared(vol) {
        name.to_string()
    } else {
        format!("ecs-{task_id}-{name}")
    })
}

/// Every Docker volume the task needs, with the labels to create it with: the definition's own
/// `labels` first, ours over them.
pub fn for_task(
    task: &Task,
    td: &TaskDefinition,
    owner: &str,
) -> Vec<(String, BTreeMap<String, String>)> {
    td.volumes
        .iter()
        .filter_map(|vol| {
            let name = engine_name(vol, task.id())?;
            let mut labels: BTreeMap<String, String> = vol
                .docker_volume_configuration
                .as_ref()
                .and_then(|c| c.get("labels"))
                .and_then(|l| l.as_object())
                .map(|l| {
                    l.iter()
                        .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                        .collect()
                })
                .unwrap_or_default();
            labels.insert(MANAGED_LABEL.into(), "true".into());
            labels.insert(OWNER_LABEL.into(), owner.into());
            let scope = if shared(vol) { "shared" } else { "task" };
            labels.insert(SCOPE_LABEL.into(), scope.into());
            if scope == "task" {
                labels.insert(TASK_LABEL.into(), task.task_arn.clone());
            }
            Some((name, labels))
        })
        .collect()
}
