//! From a task and its definition to runtime container specs: how ECS container definition
//! fields map onto Docker's (pure; no runtime calls). Fields local-ecs cannot honour locally are
//! listed by [`unsupported_fields`] so the controller can log them.

use crate::ecs::state::status::{LaunchType, NetworkMode};
use crate::ecs::state::task::Task;
use crate::ecs::state::types::{ContainerDefinition, TaskDefinition};
use crate::runtime::{
    ContainerSpec, HealthSpec, Mount, MountSource, Network, PortSpec, Protocol, Ulimit,
    MANAGED_LABEL, OWNER_LABEL,
};
use std::collections::BTreeMap;

/// ECS's defaults for health checks (seconds) and the stop timeout.
const HEALTH_INTERVAL: u32 = 30;
const HEALTH_TIMEOUT: u32 = 5;
const HEALTH_RETRIES: u32 = 3;
pub const DEFAULT_STOP_TIMEOUT: u32 = 30;

/// Where the task's containers attach: the task's network mode, resolved.
pub fn network_for(td: &TaskDefinition, sandbox: Option<&str>) -> Network {
    match (td.network_mode, sandbox) {
        (Some(NetworkMode::Awsvpc), Some(id)) => Network::Join(id.to_string()),
        (Some(NetworkMode::Host), _) => Network::Host,
        (Some(NetworkMode::None), _) => Network::None,
        _ => Network::Bridge,
    }
}

/// The engine-side name, in the ECS agent's style: `ecs-<family>-<rev>-<container>-<random>`.
pub fn engine_name(td: &TaskDefinition, container: &str, task_id: &str) -> String {
    let suffix = &task_id[..task_id.len().min(12)];
    format!("ecs-{}-{}-{}-{}", td.family, td.revision, container, suffix)
}

/// Labels on every container of a task: ownership (for cleanup) and the ECS agent's own.
pub fn labels(
    task: &Task,
    td: &TaskDefinition,
    container: &str,
    owner: &str,
) -> BTreeMap<String, String> {
    let mut l = BTreeMap::new();
    l.insert(MANAGED_LABEL.to_string(), "true".to_string());
    l.insert(OWNER_LABEL.to_string(), owner.to_string());
    l.insert("local-ecs.task-arn".into(), task.task_arn.clone());
    l.insert("local-ecs.cluster".into(), task.cluster_arn.clone());
    l.insert("local-ecs.container-name".into(), container.to_string());
    // The EC2 agent labels with the cluster's name, Fargate with its ARN.
    let cluster = match task.launch_type {
        Some(LaunchType::Fargate) => task.cluster_arn.as_str(),
        _ => task.cluster_arn.rsplit('/').next().unwrap_or_default(),
    };
    l.insert("com.amazonaws.ecs.cluster".into(), cluster.to_string());
    l.insert("com.amazonaws.ecs.task-arn".into(), task.task_arn.clone());
    l.insert(
        "com.amazonaws.ecs.container-name".into(),
        container.to_string(),
    );
    l.insert(
        "com.amazonaws.ecs.task-definition-family".into(),
        td.family.clone(),
    );
    l.insert(
        "com.amazonaws.ecs.task-definition-version".into(),
        td.revision.to_string(),
    );
    l
}

/// Context the spec needs beyond the definition.
pub struct SpecContext<'a> {
    pub task: &'a Task,
    pub td: &'a TaskDefinition,
    pub owner: &'a str,
    pub region: &'a str,
    pub network: Network,
    /// Engine names of the task's containers, by container name (for links).
    pub names: &'a BTreeMap<String, String>,
    /// Engine ids of already-created containers, by container name (for volumesFrom).
    pub ids: &'a BTreeMap<String, String>,
    /// Whether the task endpoints at 169.254.170.2 are served (their variables are then set).
    pub endpoints: bool,
    /// `AWS_ENDPOINT_URL` to set, when local-ecs answers AWS requests from tasks.
    pub api_url: Option<String>,
}

pub fn container_spec(cx: &SpecContext<'_>, def: &ContainerDefinition) -> ContainerSpec {
    let name = def.name.clone().unwrap_or_default();
    let o = cx
        .task
        .overrides
        .container_overrides
        .iter()
        .find(|o| o.name.as_deref() == Some(name.as_str()));
    let mut env: Vec<(String, String)> = def
        .environment
        .iter()
        .flatten()
        .filter_map(|kv| Some((kv.name.clone()?, kv.value.clone().unwrap_or_default())))
        .collect();
    for kv in o.and_then(|o| o.environment.as_ref()).into_iter().flatten() {
        if let Some(k) = kv.name.clone() {
            env.retain(|(n, _)| *n != k);
            env.push((k, kv.value.clone().unwrap_or_default()));
        }
    }
    let launch = cx.task.launch_type.unwrap_or(LaunchType::Ec2);
    let exec_env = if launch == LaunchType::Fargate {
        "AWS_ECS_FARGATE"
    } else {
        "AWS_ECS_EC2"
    };
    let mut agent_env: Vec<(String, String)> = [
        ("AWS_EXECUTION_ENV", exec_env),
        ("AWS_REGION", cx.region),
        ("AWS_DEFAULT_REGION", cx.region),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    if cx.endpoints {
        let has_role = cx.task.overrides.task_role_arn.is_some() || cx.td.task_role_arn.is_some();
        agent_env.extend(crate::ecs::endpoints::environment(
            cx.task.id(),
            &name,
            has_role,
        ));
    }
    if let Some(url) = &cx.api_url {
        agent_env.push(("AWS_ENDPOINT_URL".into(), url.clone()));
    }
    for (k, v) in agent_env {
        if !env.iter().any(|(n, _)| *n == k) {
            env.push((k, v));
        }
    }
    let mut labels = labels(cx.task, cx.td, &name, cx.owner);
    for (k, v) in def.docker_labels.iter().flatten() {
        labels.entry(k.clone()).or_insert_with(|| v.clone());
    }
    let bridge = cx.network == Network::Bridge;
    ContainerSpec {
        name: cx
            .names
            .get(&name)
            .cloned()
            .unwrap_or_else(|| engine_name(cx.td, &name, cx.task.id())),
        image: def.image.clone().unwrap_or_default(),
        entrypoint: def.entry_point.clone(),
        command: o
            .and_then(|o| o.command.clone())
            .or_else(|| def.command.clone()),
        env,
        working_dir: def.working_directory.clone(),
        user: def.user.clone(),
        hostname: def.hostname.clone().filter(|_| bridge),
        labels,
        cpu_shares: Some(
            o.and_then(|o| o.cpu)
                .or(def.cpu)
                .map_or(2, |c| (c as i64).max(2)),
        ),
        memory_mib: o.and_then(|o| o.memory).or(def.memory).map(i64::from),
        memory_reservation_mib: o
            .and_then(|o| o.memory_reservation)
            .or(def.memory_reservation)
            .map(i64::from),
        network: cx.network.clone(),
        ports: ports(def, &cx.network),
        links: def
            .links
            .iter()
            .flatten()
            .filter_map(|l| link(l, cx.names))
            .collect(),
        extra_hosts: def
            .extra_hosts
            .iter()
            .flatten()
            .map(|h| (h.hostname.clone(), h.ip_address.clone()))
            .collect(),
        dns_servers: def.dns_servers.clone().unwrap_or_default(),
        dns_search: def.dns_search_domains.clone().unwrap_or_default(),
        ulimits: def
            .ulimits
            .iter()
            .flatten()
            .map(|u| Ulimit {
                name: u.name.clone(),
                soft: u.soft_limit as i64,
                hard: u.hard_limit as i64,
            })
            .collect(),
        privileged: def.privileged.unwrap_or(false),
        readonly_rootfs: def.readonly_root_filesystem.unwrap_or(false),
        mounts: mounts(cx.td, def, cx.task.id()),
        volumes_from: def
            .volumes_from
            .iter()
            .flatten()
            .filter_map(|v| {
                Some((
                    cx.ids.get(v.source_container.as_deref()?)?.clone(),
                    v.read_only.unwrap_or(false),
                ))
            })
            .collect(),
        healthcheck: def.health_check.as_ref().map(|h| HealthSpec {
            test: h.command.clone(),
            interval_s: h.interval.map_or(HEALTH_INTERVAL, |v| v.max(1) as u32),
            timeout_s: h.timeout.map_or(HEALTH_TIMEOUT, |v| v.max(1) as u32),
            retries: h.retries.map_or(HEALTH_RETRIES, |v| v.max(0) as u32),
            start_period_s: h.start_period.map_or(0, |v| v.max(0) as u32),
        }),
        stop_timeout_s: Some(stop_timeout(def)),
        tty: def.pseudo_terminal.unwrap_or(false),
        interactive: def.interactive.unwrap_or(false),
    }
}

pub fn stop_timeout(def: &ContainerDefinition) -> u32 {
    def.stop_timeout
        .map_or(DEFAULT_STOP_TIMEOUT, |t| t.clamp(0, 120) as u32)
}

fn ports(def: &ContainerDefinition, network: &Network) -> Vec<PortSpec> {
    let publish = *network == Network::Bridge;
    def.port_mappings
        .iter()
        .flatten()
        .filter_map(|pm| {
            let container_port = u16::try_from(pm.container_port?).ok()?;
            let protocol = if pm.protocol.as_deref() == Some("udp") {
                Protocol::Udp
            } else {
                Protocol::Tcp
            };
            let host_port = pm
                .host_port
                .and_then(|h| u16::try_from(h).ok())
                .unwrap_or(0);
            Some(PortSpec {
                container_port,
                host_port,
                protocol,
                publish,
            })
        })
        .collect()
}

/// `name:alias` (or `name`) to (engine name, alias).
fn link(link: &str, names: &BTreeMap<String, String>) -> Option<(String, String)> {
    let (target, alias) = link.split_once(':').unwrap_or((link, link));
    Some((names.get(target)?.clone(), alias.to_string()))
}

/// ECS volumes to mounts: host paths bind, docker volumes by name (task-scoped ones get the task
/// id in their name), volumes with neither become anonymous volumes.
fn mounts(td: &TaskDefinition, def: &ContainerDefinition, task_id: &str) -> Vec<Mount> {
    def.mount_points
        .iter()
        .flatten()
        .filter_map(|mp| {
            let source = mp.source_volume.as_deref()?;
            let vol = td
                .volumes
                .iter()
                .find(|v| v.name.as_deref() == Some(source))?;
            let host_path = vol
                .host
                .as_ref()
                .and_then(|h| h.get("sourcePath"))
                .and_then(|p| p.as_str());
            let source = match (host_path, super::volumes::engine_name(vol, task_id)) {
                (Some(path), _) => MountSource::HostPath(path.to_string()),
                (None, Some(name)) => MountSource::Volume(name),
                (None, None) => MountSource::Anonymous,
            };
            Some(Mount {
                source,
                target: mp.container_path.clone()?,
                read_only: mp.read_only.unwrap_or(false),
            })
        })
        .collect()
}

/// Definition fields local-ecs accepts but cannot honour on a local engine.
pub fn unsupported_fields(def: &ContainerDefinition) -> Vec<&'static str> {
    let mut out = Vec::new();
    let checks: [(&'static str, bool); 9] = [
        (
            "repositoryCredentials",
            def.repository_credentials.is_some(),
        ),
        (
            "secrets",
            def.secrets.as_ref().is_some_and(|s| !s.is_empty()),
        ),
        (
            "environmentFiles",
            def.environment_files
                .as_ref()
                .is_some_and(|s| !s.is_empty()),
        ),
        ("logConfiguration", def.log_configuration.is_some()),
        (
            "firelensConfiguration",
            def.firelens_configuration.is_some(),
        ),
        ("linuxParameters", def.linux_parameters.is_some()),
        (
            "systemControls",
            def.system_controls.as_ref().is_some_and(|s| !s.is_empty()),
        ),
        (
            "dockerSecurityOptions",
            def.docker_security_options
                .as_ref()
                .is_some_and(|s| !s.is_empty()),
        ),
        (
            "resourceRequirements (GPU)",
            def.resource_requirements
                .as_ref()
                .is_some_and(|r| r.iter().any(|r| r.kind == "GPU")),
        ),
    ];
    for (name, present) in checks {
        if present {
            out.push(name);
        }
    }
    out
}
