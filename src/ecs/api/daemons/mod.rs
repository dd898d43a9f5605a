//! The managed daemon operations: daemon task definitions, daemons, their deployments and
//! revisions. <https://docs.aws.amazon.com/AmazonECS/latest/developerguide/managed-daemons.html>
//!
//! A daemon keeps one task of its daemon task definition on every ACTIVE container instance of
//! its capacity providers (a container instance's `capacityProviderName`); the daemon scheduler
//! ([`crate::ecs::scheduler::daemons`]) does that work. Handlers record what was asked and queue
//! the daemon. The counts AWS shows (running tasks per revision and capacity provider, running
//! and draining instances per deployment revision) are derived here from the tasks.
//!
//! Differences from AWS: AWS supports daemons on ECS Managed Instances capacity providers only;
//! local-ecs also accepts Auto Scaling group providers (their instances are the container
//! instances registered with their `capacityProviderName`). FARGATE and FARGATE_SPOT are refused.

mod daemon;
mod deployments;
mod task_definitions;

pub use daemon::{create_daemon, delete_daemon, describe_daemon, list_daemons, update_daemon};
pub use deployments::{
    describe_daemon_deployments, describe_daemon_revisions, list_daemon_deployments,
};
pub use task_definitions::{
    delete_daemon_task_definition, describe_daemon_task_definition, list_daemon_task_definitions,
    register_daemon_task_definition,
};

use crate::ecs::state::daemon::{
    DaemonCapacityProvider, DaemonRevisionDetail, DeploymentCapacityProvider,
    DeploymentRevisionDetail,
};
use crate::ecs::state::status::{DesiredStatus, TaskStatus};
use crate::ecs::state::task::Task;
use crate::ecs::state::RegionState;
use crate::ecs::{EcsError, EcsResult};

/// The cluster name and daemon name in a daemon ARN of this account and region; an ARN of
/// another kind is InvalidParameterException, one whose cluster is not ACTIVE
/// ClusterNotFoundException.
fn parse_daemon_arn(st: &RegionState, arn: &str) -> EcsResult<(String, String)> {
    let invalid = || EcsError::invalid(format!("Invalid daemon ARN: {arn}"));
    let rest = match arn.strip_prefix(&st.arn("daemon/")) {
        Some(rest) => rest,
        None if arn.starts_with("arn:") && arn.contains(":daemon/") => {
            return Err(EcsError::DaemonNotFound)
        }
        None => return Err(invalid()),
    };
    let (cluster, name) = rest.split_once('/').ok_or_else(invalid)?;
    crate::ecs::state::lookup::active_name(st, cluster)?;
    Ok((cluster.to_string(), name.to_string()))
}

/// The ARN of an existing daemon, or the errors ECS answers for it.
fn daemon_arn(st: &RegionState, arn: &str) -> EcsResult<String> {
    parse_daemon_arn(st, arn)?;
    if st.daemons.daemons.contains_key(arn) {
        Ok(arn.to_string())
    } else {
        Err(EcsError::DaemonNotFound)
    }
}

/// The daemon's unstopped tasks and the revision each runs.
fn daemon_tasks<'a>(
    st: &'a RegionState,
    daemon_arn: &'a str,
) -> impl Iterator<Item = (&'a Task, &'a str)> + 'a {
    st.daemons
        .tasks
        .iter()
        .filter(move |(_, l)| l.daemon_arn == daemon_arn)
        .filter_map(|(arn, l)| Some((st.tasks.get(arn)?, l.revision_arn.as_str())))
        .filter(|(t, _)| !t.is_stopped())
}

fn provider_arn(st: &RegionState, name: &str) -> String {
    st.arn(&format!("capacity-provider/{name}"))
}

fn provider_of(task: &Task) -> &str {
    task.capacity_provider_name.as_deref().unwrap_or_default()
}

/// `currentRevisions` of a daemon: its target revision and every revision it still runs, with
/// their RUNNING tasks per capacity provider.
fn current_revisions(
    st: &RegionState,
    daemon_arn: &str,
    target: &str,
) -> Vec<DaemonRevisionDetail> {
    let mut revisions: Vec<String> = vec![target.to_string()];
    for (_, r) in daemon_tasks(st, daemon_arn) {
        if !revisions.iter().any(|x| x == r) {
            revisions.push(r.to_string());
        }
    }
    revisions
        .into_iter()
        .filter_map(|arn| {
            let revision = st.daemons.revisions.get(&arn)?;
            let running = |cp: &str| {
                daemon_tasks(st, daemon_arn)
                    .filter(|(t, r)| *r == arn && t.last_status == TaskStatus::Running)
                    .filter(|(t, _)| provider_arn(st, provider_of(t)) == cp)
                    .count() as i32
            };
            let providers: Vec<DaemonCapacityProvider> = revision
                .capacity_provider_arns
                .iter()
                .map(|cp| DaemonCapacityProvider {
                    arn: cp.clone(),
                    running_count: running(cp),
                })
                .collect();
            Some(DaemonRevisionDetail {
                total_running_count: providers.iter().map(|p| p.running_count).sum(),
                capacity_providers: providers,
                arn,
            })
        })
        .collect()
}

/// A revision in a deployment: per capacity provider, the instances running its task and those
/// whose task of it is stopping.
fn deployment_revision(st: &RegionState, revision_arn: &str) -> DeploymentRevisionDetail {
    let Some(revision) = st.daemons.revisions.get(revision_arn) else {
        return DeploymentRevisionDetail {
            arn: revision_arn.to_string(),
            ..Default::default()
        };
    };
    let count = |cp: &str, draining: bool| {
        daemon_tasks(st, &revision.daemon_arn)
            .filter(|(t, r)| *r == revision_arn && provider_arn(st, provider_of(t)) == cp)
            .filter(|(t, _)| {
                if draining {
                    t.desired_status == DesiredStatus::Stopped
                } else {
                    t.desired_status == DesiredStatus::Running
                        && t.last_status == TaskStatus::Running
                }
            })
            .count() as i32
    };
    let providers: Vec<DeploymentCapacityProvider> = revision
        .capacity_provider_arns
        .iter()
        .map(|cp| DeploymentCapacityProvider {
            arn: cp.clone(),
            running_instance_count: count(cp, false),
            draining_instance_count: count(cp, true),
        })
        .collect();
    DeploymentRevisionDetail {
        arn: revision_arn.to_string(),
        total_running_instance_count: providers.iter().map(|p| p.running_instance_count).sum(),
        total_draining_instance_count: providers.iter().map(|p| p.draining_instance_count).sum(),
        capacity_providers: providers,
    }
}
