//! RegisterDaemonTaskDefinition's rules, and the task definition a daemon task runs.
//! <https://docs.aws.amazon.com/AmazonECS/latest/developerguide/managed-daemons-task-definitions.html>
//!
//! A daemon task definition is its own resource, but its containers are ordinary container
//! definitions restricted to the members of the model's `DaemonContainerDefinition`; its volumes
//! are host bind mounts only. The rules ECS applies to every task definition (names, images, an
//! essential container, container memory, health checks, `dependsOn`, mount points) apply to it
//! as RegisterTaskDefinition applies them, through the task definition it maps to. Daemons use
//! the `daemon_bridge` network mode, which no task definition names: local-ecs runs their tasks
//! in `bridge` mode (no port mappings: a daemon container has none). `pidMode`/`ipcMode`
//! `shared` (the host's namespace) map to a task definition's `host`.

use crate::ecs::rules::task_definition as td_rules;
use crate::ecs::state::daemon::{DaemonTaskDefinition, DaemonVolume};
use crate::ecs::state::status::{LaunchType, NetworkMode, TaskDefinitionStatus};
use crate::ecs::state::types::{ContainerDefinition, TaskDefinition, Volume};
use crate::ecs::{EcsError, EcsResult};
use serde_json::json;

/// Keeps only the members a daemon container definition has.
pub fn daemon_container(c: ContainerDefinition) -> ContainerDefinition {
    ContainerDefinition {
        name: c.name,
        image: c.image,
        memory: c.memory,
        memory_reservation: c.memory_reservation,
        repository_credentials: c.repository_credentials,
        health_check: c.health_check,
        cpu: c.cpu,
        essential: c.essential,
        entry_point: c.entry_point,
        command: c.command,
        working_directory: c.working_directory,
        environment_files: c.environment_files,
        environment: c.environment,
        secrets: c.secrets,
        readonly_root_filesystem: c.readonly_root_filesystem,
        mount_points: c.mount_points,
        log_configuration: c.log_configuration,
        firelens_configuration: c.firelens_configuration,
        privileged: c.privileged,
        user: c.user,
        ulimits: c.ulimits,
        linux_parameters: c.linux_parameters,
        depends_on: c.depends_on,
        start_timeout: c.start_timeout,
        stop_timeout: c.stop_timeout,
        system_controls: c.system_controls,
        interactive: c.interactive,
        pseudo_terminal: c.pseudo_terminal,
        restart_policy: c.restart_policy,
        ..Default::default()
    }
}

/// The task definition a daemon task runs: the same containers and bind mounts, `bridge` mode,
/// EC2-compatible, under the daemon task definition's ARN.
pub fn task_definition_of(d: &DaemonTaskDefinition) -> TaskDefinition {
    TaskDefinition {
        task_definition_arn: d.daemon_task_definition_arn.clone(),
        container_definitions: d.container_definitions.clone(),
        family: d.family.clone(),
        task_role_arn: d.task_role_arn.clone(),
        execution_role_arn: d.execution_role_arn.clone(),
        network_mode: Some(NetworkMode::Bridge),
        revision: d.revision,
        volumes: d.volumes.iter().map(volume_of).collect(),
        status: TaskDefinitionStatus::Active,
        compatibilities: vec![LaunchType::Ec2, LaunchType::ManagedInstances],
        cpu: d.cpu.clone(),
        memory: d.memory.clone(),
        // `shared` joins the host's namespace, which a task definition calls `host`.
        pid_mode: host_if_shared(&d.pid_mode),
        ipc_mode: host_if_shared(&d.ipc_mode),
        registered_at: Some(d.registered_at),
        registered_by: d.registered_by.clone(),
        tags: d.tags.clone(),
        ..Default::default()
    }
}

fn host_if_shared(mode: &Option<String>) -> Option<String> {
    (mode.as_deref() == Some("shared")).then(|| "host".to_string())
}

fn volume_of(v: &DaemonVolume) -> Volume {
    let host = v.host.as_ref().map(|h| match &h.source_path {
        Some(path) => json!({ "sourcePath": path }),
        None => json!({}),
    });
    Volume {
        name: v.name.clone(),
        host: Some(host.unwrap_or_else(|| json!({}))),
        docker_volume_configuration: None,
        efs_volume_configuration: None,
        fsx_windows_file_server_volume_configuration: None,
        configured_at_launch: None,
    }
}

/// Checks a daemon task definition (cpu and memory already in units) and fills the defaults
/// AWS echoes (essential, cpu 0, empty lists).
pub fn check_and_fill(d: &mut DaemonTaskDefinition) -> EcsResult<()> {
    for (what, mode) in [("pidMode", &d.pid_mode), ("ipcMode", &d.ipc_mode)] {
        if let Some(m) = mode.as_deref().filter(|m| !matches!(*m, "none" | "shared")) {
            return Err(EcsError::client(format!(
                "Invalid {what} '{m}': the valid values are none and shared."
            )));
        }
    }
    let mut names = std::collections::BTreeSet::new();
    for v in &d.volumes {
        let name = v.name.as_deref().unwrap_or("");
        if !td_rules::valid_name(name) {
            return Err(EcsError::client("Volume name is not valid: up to 255 letters (uppercase and lowercase), numbers, hyphens, and underscores are allowed."));
        }
        if !names.insert(name) {
            return Err(EcsError::client(format!(
                "Duplicate volume name '{name}': volume names must be unique."
            )));
        }
    }
    let mut td = task_definition_of(d);
    td_rules::validate(&td)?;
    td_rules::fill_defaults(&mut td);
    d.container_definitions = td
        .container_definitions
        .into_iter()
        .map(daemon_container)
        .collect();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn container(name: &str, memory: Option<i32>) -> ContainerDefinition {
        ContainerDefinition {
            name: Some(name.into()),
            image: Some("busybox".into()),
            memory,
            port_mappings: Some(Vec::new()),
            ..Default::default()
        }
    }

    fn definition(containers: Vec<ContainerDefinition>) -> DaemonTaskDefinition {
        DaemonTaskDefinition {
            daemon_task_definition_arn: "arn:aws:ecs:r:1:daemon-task-definition/agent:1".into(),
            family: "agent".into(),
            revision: 1,
            container_definitions: containers,
            ..Default::default()
        }
    }

    #[test]
    fn defaults_are_filled_and_foreign_members_dropped() {
        let mut d = definition(vec![container("a", Some(64))]);
        check_and_fill(&mut d).unwrap();
        let c = &d.container_definitions[0];
        assert_eq!(c.essential, Some(true));
        assert_eq!(c.cpu, Some(0));
        assert!(c.port_mappings.is_none() && c.volumes_from.is_none());
        let td = task_definition_of(&d);
        assert_eq!(td.network_mode, Some(NetworkMode::Bridge));
        assert_eq!(td.task_definition_arn, d.daemon_task_definition_arn);
    }

    #[test]
    fn task_definition_rules_apply() {
        let mut no_memory = definition(vec![container("a", None)]);
        assert!(check_and_fill(&mut no_memory).is_err());
        let mut duplicate = definition(vec![container("a", Some(64)), container("a", Some(64))]);
        assert!(check_and_fill(&mut duplicate).is_err());
        let mut bad_mode = definition(vec![container("a", Some(64))]);
        bad_mode.pid_mode = Some("host".into());
        assert!(check_and_fill(&mut bad_mode).is_err());
    }
}
