//! Starting a daemon task on one container instance and stopping daemon tasks: records the task
//! controller acts on, as the service scheduler makes them.
//!
//! A daemon task is an ordinary ECS task: `group` is `daemon:<daemonName>` (what ListTasks'
//! `daemonName` filter matches), `startedBy` the id of the daemon deployment that started it,
//! its task definition ARN the daemon task definition's, its capacity provider the instance's;
//! its launch type is MANAGED_INSTANCES on a Managed Instances provider's instance, else EC2.
//! AWS documents none of these task fields for daemons: they follow what ECS writes for
//! services' tasks.

use crate::ecs::rules::launch::{create_task, Launch, NewTask};
use crate::ecs::rules::placement;
use crate::ecs::state::daemon::{Daemon, DaemonPropagateTags, DaemonRevision, DaemonTaskLink};
use crate::ecs::state::status::LaunchType;
use crate::ecs::state::task::TaskOverride;
use crate::ecs::state::types::Tag;
use crate::ecs::state::RegionState;

/// Starts a task of `revision` on `instance`; Err with the reason when it cannot be placed
/// there (not enough CPU, memory or ports) or its definition is gone.
pub(super) fn start_on(
    st: &mut RegionState,
    daemon: &Daemon,
    revision: &DaemonRevision,
    instance: &str,
) -> Result<String, String> {
    let Some(td) = definition(st, &revision.daemon_task_definition_arn) else {
        return Err("The daemon task definition no longer exists.".into());
    };
    let demand = placement::demand(&td);
    let only = [instance.to_string()];
    let request = placement::PlacementRequest {
        cluster_arn: &daemon.cluster_arn,
        demand: &demand,
        count: 1,
        constraints: &[],
        strategies: &[],
        group: None,
        only: Some(&only),
        capacity_provider: None,
    };
    match placement::place_with(st, &request) {
        Ok((placed, _)) if !placed.is_empty() => {}
        Ok((_, failures)) => {
            let reason = failures
                .first()
                .and_then(|f| f.reason.clone())
                .unwrap_or_else(|| "RESOURCE".into());
            // As ECS words it in its DAEMON_TASK_START_IMPAIRED event.
            let what = match reason.strip_prefix("RESOURCE:") {
                Some("CPU") => ": insufficient CPU".to_string(),
                Some(other) => format!(": insufficient {}", other.to_ascii_lowercase()),
                None => String::new(),
            };
            return Err(format!(
                "{reason} - Unable to place daemon task on container instance{what}"
            ));
        }
        Err(e) => return Err(e.message()),
    }
    let provider = st
        .container_instances
        .get(instance)
        .and_then(|ci| ci.capacity_provider_name.clone());
    let managed = provider
        .as_ref()
        .and_then(|p| st.capacity_providers.get(p))
        .is_some_and(|cp| cp.kind.as_deref() == Some("MANAGED_INSTANCES"));
    let launch = Launch {
        launch_type: if managed {
            LaunchType::ManagedInstances
        } else {
            LaunchType::Ec2
        },
        capacity_provider: provider,
    };
    let deployment_id = daemon
        .deployment_arn
        .as_deref()
        .and_then(|a| a.rsplit('/').next())
        .map(String::from);
    let task = create_task(
        st,
        NewTask {
            cluster_arn: &daemon.cluster_arn,
            td: &td,
            launch: &launch,
            overrides: &TaskOverride::default(),
            awsvpc: None,
            instance: Some(instance.to_string()),
            group: Some(format!("daemon:{}", daemon.name)),
            started_by: deployment_id,
            tags: task_tags(daemon, revision),
            enable_execute_command: revision.enable_execute_command,
        },
    );
    st.daemons.tasks.insert(
        task.task_arn.clone(),
        DaemonTaskLink {
            daemon_arn: daemon.daemon_arn.clone(),
            revision_arn: revision.daemon_revision_arn.clone(),
            seen_stopped: false,
        },
    );
    Ok(task.task_arn)
}

/// Asks the task controller to stop daemon tasks.
pub(super) fn stop(st: &mut RegionState, tasks: &[String], reason: &str) {
    // The service scheduler's stop without a service event: a daemon has no events.
    crate::ecs::scheduler::stop_tasks(st, "", tasks, reason, false);
}

/// The task definition a daemon task definition maps to, whatever its status now (a daemon
/// keeps running a deleted one, as AWS documents).
fn definition(st: &RegionState, arn: &str) -> Option<crate::ecs::state::types::TaskDefinition> {
    let short = arn.strip_prefix(&st.arn("daemon-task-definition/"))?;
    let (family, revision) = short.rsplit_once(':')?;
    let key = (family.to_string(), revision.parse().ok()?);
    let d = st.daemons.task_definitions.get(&key)?;
    Some(crate::ecs::rules::daemon::task_definition_of(d))
}

/// propagateTags DAEMON copies the daemon's tags; managed tags name the cluster and daemon.
fn task_tags(daemon: &Daemon, revision: &DaemonRevision) -> Vec<Tag> {
    let mut tags = match revision.propagate_tags {
        Some(DaemonPropagateTags::Daemon) => daemon.tags.clone(),
        _ => Vec::new(),
    };
    if revision.enable_ecs_managed_tags {
        let cluster = daemon.cluster_arn.rsplit('/').next().unwrap_or_default();
        let tag = |k: &str, v: &str| Tag {
            key: Some(k.into()),
            value: Some(v.into()),
        };
        tags.push(tag("aws:ecs:clusterName", cluster));
        tags.push(tag("aws:ecs:daemonName", &daemon.name));
    }
    tags
}
