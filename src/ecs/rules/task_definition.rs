//! RegisterTaskDefinition's rules and defaults, as AWS applies them: names, the Fargate cpu/memory
//! table, network-mode constraints, essential containers, container memory on EC2, `dependsOn`,
//! links, mount points; then the defaults AWS fills into the echo, the `compatibilities` a
//! definition meets and the `requiresAttributes` it implies.
//! <https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_definition_parameters.html>

use crate::ecs::state::status::LaunchType;
use crate::ecs::state::status::NetworkMode;
use crate::ecs::state::types::{ContainerDefinition, RequiresAttribute, TaskDefinition};
use crate::ecs::{EcsError, EcsResult};
use std::collections::{BTreeSet, HashMap};

fn client(msg: impl Into<String>) -> EcsError {
    EcsError::client(msg)
}

/// Letters, digits, hyphens and underscores, 1–255: the charset of families and container names.
pub fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 255
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Task cpu in units: "1024" or "1 vCPU" / "0.25 vcpu".
pub fn parse_cpu(s: &str) -> Option<u32> {
    parse_units(s, "vcpu", 1024.0)
}

/// Task memory in MiB: "2048" or "2 GB" / "0.5GB".
pub fn parse_memory(s: &str) -> Option<u32> {
    parse_units(s, "gb", 1024.0)
}

fn parse_units(s: &str, unit: &str, scale: f64) -> Option<u32> {
    let lower = s.trim().to_ascii_lowercase();
    if let Some(n) = lower.strip_suffix(unit) {
        let v: f64 = n.trim().parse().ok()?;
        let units = v * scale;
        return (units.fract() == 0.0 && units > 0.0 && units <= u32::MAX as f64)
            .then_some(units as u32);
    }
    lower.parse().ok().filter(|v| *v > 0)
}

/// Whether (cpu, memory) is a Fargate size: AWS's published table.
pub fn fargate_size_ok(cpu: u32, memory: u32) -> bool {
    let steps =
        |lo: u32, hi: u32, step: u32| memory >= lo && memory <= hi && (memory - lo) % step == 0;
    match cpu {
        256 => matches!(memory, 512 | 1024 | 2048),
        512 => steps(1024, 4096, 1024),
        1024 => steps(2048, 8192, 1024),
        2048 => steps(4096, 16384, 1024),
        4096 => steps(8192, 30720, 1024),
        8192 => steps(16384, 61440, 4096),
        16384 => steps(32768, 122880, 8192),
        _ => false,
    }
}

/// Checks a definition (already normalized: cpu/memory in units) against AWS's rules.
pub fn validate(td: &TaskDefinition) -> EcsResult<()> {
    if !valid_name(&td.family) {
        return Err(client("Family contains invalid characters: up to 255 letters (uppercase and lowercase), numbers, hyphens, and underscores are allowed."));
    }
    let containers = &td.container_definitions;
    if containers.is_empty() {
        return Err(client("Container list cannot be empty."));
    }
    if containers.len() > 10 {
        return Err(client(
            "Too many containers: a task definition can have at most 10 container definitions.",
        ));
    }
    let mut names = BTreeSet::new();
    for c in containers {
        let name = c.name.as_deref().unwrap_or("");
        if name.is_empty() {
            return Err(client("Container.name should not be null or empty."));
        }
        if !valid_name(name) {
            return Err(client(format!("Container name '{name}' is not valid: up to 255 letters (uppercase and lowercase), numbers, hyphens, and underscores are allowed.")));
        }
        if !names.insert(name) {
            return Err(client(format!("Duplicate container name '{name}': container names must be unique within a task definition.")));
        }
        if c.image.as_deref().is_none_or(|i| i.trim().is_empty()) {
            return Err(client("Container.image should not be null or empty."));
        }
    }
    if !containers.iter().any(|c| c.essential.unwrap_or(true)) {
        return Err(client(
            "Task definition does not have any essential container.",
        ));
    }
    validate_fargate(td)?;
    let mode = td.network_mode.unwrap_or(NetworkMode::Bridge);
    let volumes: BTreeSet<&str> = td
        .volumes
        .iter()
        .filter_map(|v| v.name.as_deref())
        .collect();
    for c in containers {
        validate_container(td, c, mode, &names, &volumes)?;
    }
    check_dependency_cycles(containers)
}

fn validate_fargate(td: &TaskDefinition) -> EcsResult<()> {
    let requires = td.requires_compatibilities.as_deref().unwrap_or(&[]);
    if !requires.contains(&LaunchType::Fargate) {
        return Ok(());
    }
    if td.network_mode != Some(NetworkMode::Awsvpc) {
        return Err(client("Fargate only supports network mode ‘awsvpc’."));
    }
    if td.pid_mode.as_deref() == Some("host") {
        return Err(client("Tasks using the Fargate launch type do not support pidMode 'host'. The supported value for pidMode is 'task'."));
    }
    let cpu = td.cpu.as_deref().and_then(|c| c.parse::<u32>().ok());
    let memory = td.memory.as_deref().and_then(|m| m.parse::<u32>().ok());
    let (Some(cpu), Some(memory)) = (cpu, memory) else {
        return Err(client(
            "Fargate requires that 'cpu' and 'memory' be defined at the task level.",
        ));
    };
    if !fargate_size_ok(cpu, memory) {
        return Err(client(format!("No Fargate configuration exists for given values: {cpu} CPU, {memory} memory. See the Amazon ECS documentation for the valid combinations.")));
    }
    if let Some(c) = td
        .container_definitions
        .iter()
        .find(|c| c.privileged == Some(true))
    {
        return Err(client(format!(
            "Privileged containers are not supported on Fargate (container '{}').",
            c.name.as_deref().unwrap_or("")
        )));
    }
    let total: i64 = td
        .container_definitions
        .iter()
        .map(|c| c.memory.or(c.memory_reservation).unwrap_or(0) as i64)
        .sum();
    if total > memory as i64 {
        return Err(client(
            "The sum of the container memory values exceeds the task memory.",
        ));
    }
    validate_fargate_volumes(td)
}

/// Fargate has no host to bind-mount and no Docker volume drivers: a `host.sourcePath` or a
/// `dockerVolumeConfiguration` is refused in AWS's words (an empty `host` is a scratch volume,
/// which Fargate allows). EC2 tasks keep both, as on AWS.
fn validate_fargate_volumes(td: &TaskDefinition) -> EcsResult<()> {
    match fargate_volume_error(td) {
        Some(message) => Err(client(message)),
        None => Ok(()),
    }
}

fn fargate_volume_error(td: &TaskDefinition) -> Option<&'static str> {
    let source_path = |v: &crate::ecs::state::types::Volume| {
        v.host
            .as_ref()
            .and_then(|h| h.get("sourcePath"))
            .is_some_and(|p| !p.is_null())
    };
    if td.volumes.iter().any(source_path) {
        return Some("Fargate compatible task definitions do not support sourcePath");
    }
    td.volumes
        .iter()
        .any(|v| v.docker_volume_configuration.is_some())
        .then_some("Fargate compatible task definitions do not support dockerVolumeConfiguration")
}

fn validate_container(
    td: &TaskDefinition,
    c: &ContainerDefinition,
    mode: NetworkMode,
    names: &BTreeSet<&str>,
    volumes: &BTreeSet<&str>,
) -> EcsResult<()> {
    let name = c.name.as_deref().unwrap_or("");
    if let Some(h) = &c.health_check {
        validate_health_check(name, h)?;
    }
    if td.memory.is_none() && c.memory.is_none() && c.memory_reservation.is_none() {
        return Err(client(format!("Invalid setting for container '{name}'. At least one of 'memory' or 'memoryReservation' must be specified.")));
    }
    if let Some(m) = c.memory.filter(|m| *m < 6) {
        return Err(client(format!("Invalid 'memory' setting for container '{name}'. Must be greater than or equal to 6 (got {m}).")));
    }
    if let (Some(mem), Some(res)) = (c.memory, c.memory_reservation) {
        if res > mem {
            return Err(client(format!("Invalid setting for container '{name}'. 'memoryReservation' must be less than or equal to 'memory'.")));
        }
    }
    if c.cpu.is_some_and(|cpu| cpu < 0) {
        return Err(client(format!(
            "Invalid 'cpu' setting for container '{name}'."
        )));
    }
    for pm in c.port_mappings.iter().flatten() {
        let cp = pm.container_port;
        if cp.is_some_and(|p| !(0..=65535).contains(&p))
            || pm.host_port.is_some_and(|p| !(0..=65535).contains(&p))
        {
            return Err(client(format!(
                "Invalid port mapping for container '{name}': ports must be between 0 and 65535."
            )));
        }
        if cp.is_none() && pm.container_port_range.is_none() {
            return Err(client(format!(
                "Invalid port mapping for container '{name}': containerPort must be specified."
            )));
        }
        if matches!(mode, NetworkMode::Awsvpc | NetworkMode::Host)
            && pm.host_port.is_some_and(|h| Some(h) != cp)
        {
            return Err(client(format!("When networkMode={mode}, the host ports and container ports in port mappings must match.")));
        }
    }
    if c.links.as_ref().is_some_and(|l| !l.is_empty()) {
        if mode != NetworkMode::Bridge {
            return Err(client(format!(
                "Links are not supported when networkMode={mode}."
            )));
        }
        for link in c.links.iter().flatten() {
            let target = link.split(':').next().unwrap_or("");
            if !names.contains(target) || target == name {
                return Err(client(format!("Invalid link '{link}' in container '{name}': no other container is named '{target}'.")));
            }
        }
    }
    for mp in c.mount_points.iter().flatten() {
        let source = mp.source_volume.as_deref().unwrap_or("");
        if !volumes.contains(source) {
            return Err(client(format!("Invalid 'mountPoints' setting for container '{name}'. sourceVolume '{source}' is not defined in the task definition volumes.")));
        }
    }
    for vf in c.volumes_from.iter().flatten() {
        let source = vf.source_container.as_deref().unwrap_or("");
        if !names.contains(source) || source == name {
            return Err(client(format!("Invalid 'volumesFrom' setting for container '{name}'. sourceContainer '{source}' is not another container of the task definition.")));
        }
    }
    validate_depends_on(td, c, name)
}

fn validate_depends_on(td: &TaskDefinition, c: &ContainerDefinition, name: &str) -> EcsResult<()> {
    for dep in c.depends_on.iter().flatten() {
        let target = td
            .container_definitions
            .iter()
            .find(|d| d.name.as_deref() == Some(dep.container_name.as_str()));
        let Some(target) = target.filter(|_| dep.container_name != name) else {
            return Err(client(format!("Container '{name}' depends on '{}', which is not another container of this task definition.", dep.container_name)));
        };
        match dep.condition.as_str() {
            "START" => {}
            "COMPLETE" | "SUCCESS" if target.essential.unwrap_or(true) => {
                return Err(client(format!("Container '{name}' has a {} dependency on essential container '{}'. COMPLETE and SUCCESS conditions require a non-essential container.", dep.condition, dep.container_name)));
            }
            "COMPLETE" | "SUCCESS" => {}
            "HEALTHY" if target.health_check.is_none() => {
                return Err(client(format!("Container '{name}' has a HEALTHY dependency on '{}', which has no healthCheck.", dep.container_name)));
            }
            "HEALTHY" => {}
            other => return Err(client(format!("Invalid dependsOn condition '{other}': expected START, COMPLETE, SUCCESS or HEALTHY."))),
        }
    }
    Ok(())
}

/// AWS's health check ranges: interval 5–300 s, timeout 2–60 s, retries 1–10, startPeriod
/// 0–300 s; a command is required.
fn validate_health_check(name: &str, h: &crate::ecs::state::types::HealthCheck) -> EcsResult<()> {
    let ranges = [
        ("interval", h.interval, 5, 300),
        ("timeout", h.timeout, 2, 60),
        ("retries", h.retries, 1, 10),
        ("startPeriod", h.start_period, 0, 300),
    ];
    for (field, value, lo, hi) in ranges {
        if value.is_some_and(|v| v < lo || v > hi) {
            return Err(client(format!("Invalid 'healthCheck' setting for container '{name}': {field} must be between {lo} and {hi}.")));
        }
    }
    if h.command.is_empty() {
        return Err(client(format!(
            "Invalid 'healthCheck' setting for container '{name}': a command is required."
        )));
    }
    Ok(())
}

/// Rejects `dependsOn` cycles (a depth-first search over container names).
fn check_dependency_cycles(containers: &[ContainerDefinition]) -> EcsResult<()> {
    let edges: HashMap<&str, Vec<&str>> = containers
        .iter()
        .map(|c| {
            (
                c.name.as_deref().unwrap_or(""),
                c.depends_on
                    .iter()
                    .flatten()
                    .map(|d| d.container_name.as_str())
                    .collect(),
            )
        })
        .collect();
    fn visit<'a>(
        n: &'a str,
        edges: &HashMap<&'a str, Vec<&'a str>>,
        state: &mut HashMap<&'a str, u8>,
    ) -> bool {
        match state.get(n) {
            Some(1) => return false,
            Some(2) => return true,
            _ => {}
        }
        state.insert(n, 1);
        let ok = edges
            .get(n)
            .into_iter()
            .flatten()
            .all(|m| visit(m, edges, state));
        state.insert(n, 2);
        ok
    }
    let mut state = HashMap::new();
    if edges.keys().all(|n| visit(n, &edges, &mut state)) {
        Ok(())
    } else {
        Err(client(
            "The task definition has a circular dependency between containers (dependsOn).",
        ))
    }
}

/// The defaults AWS shows in the echo: essential, cpu 0, empty lists, port mapping host ports
/// and protocols.
pub fn fill_defaults(td: &mut TaskDefinition) {
    let mode = td.network_mode.unwrap_or(NetworkMode::Bridge);
    for c in &mut td.container_definitions {
        c.essential.get_or_insert(true);
        c.cpu.get_or_insert(0);
        c.environment.get_or_insert_with(Vec::new);
        c.mount_points.get_or_insert_with(Vec::new);
        c.volumes_from.get_or_insert_with(Vec::new);
        c.system_controls.get_or_insert_with(Vec::new);
        for pm in c.port_mappings.get_or_insert_with(Vec::new) {
            pm.protocol.get_or_insert_with(|| "tcp".into());
            if pm.container_port_range.is_none() {
                let default_host = if mode == NetworkMode::Bridge {
                    0
                } else {
                    pm.container_port.unwrap_or(0)
                };
                pm.host_port.get_or_insert(default_host);
            }
        }
    }
}

/// The launch types a definition is compatible with.
pub fn compatibilities(td: &TaskDefinition) -> Vec<LaunchType> {
    let mode = td.network_mode.unwrap_or(NetworkMode::Bridge);
    let mut out = Vec::new();
    if mode != NetworkMode::Awsvpc {
        out.push(LaunchType::External);
    }
    out.push(LaunchType::Ec2);
    let size = td
        .cpu
        .as_deref()
        .and_then(|c| c.parse().ok())
        .zip(td.memory.as_deref().and_then(|m| m.parse().ok()));
    let fargate_ok = mode == NetworkMode::Awsvpc
        && size.is_some_and(|(c, m)| fargate_size_ok(c, m))
        && td
            .container_definitions
            .iter()
            .all(|c| c.privileged != Some(true))
        && fargate_volume_error(td).is_none();
    if fargate_ok {
        out.push(LaunchType::Fargate);
    }
    if td
        .requires_compatibilities
        .iter()
        .flatten()
        .any(|c| *c == LaunchType::ManagedInstances)
    {
        out.push(LaunchType::ManagedInstances);
    }
    out
}

/// The agent capabilities the definition needs, as AWS derives them.
pub fn requires_attributes(td: &TaskDefinition) -> Vec<RequiresAttribute> {
    let mut names = BTreeSet::new();
    let docker_api = |v: &str| format!("com.amazonaws.ecs.capability.docker-remote-api.{v}");
    if td.task_role_arn.is_some() {
        names.insert("com.amazonaws.ecs.capability.task-iam-role".to_string());
    }
    if let Some(mode) = td.network_mode {
        names.insert(docker_api("1.18"));
        if mode == NetworkMode::Awsvpc {
            names.insert("ecs.capability.task-eni".to_string());
        }
    }
    for c in &td.container_definitions {
        if c.memory_reservation.is_some() {
            names.insert(docker_api("1.21"));
        }
        if c.docker_labels.is_some() || c.ulimits.is_some() {
            names.insert(docker_api("1.18"));
        }
        if c.depends_on.as_ref().is_some_and(|d| !d.is_empty())
            || c.start_timeout.is_some()
            || c.stop_timeout.is_some()
        {
            names.insert("ecs.capability.container-ordering".to_string());
        }
        if c.health_check.is_some() {
            names.insert("ecs.capability.container-health-check".to_string());
        }
        let driver = c
            .log_configuration
            .as_ref()
            .and_then(|l| l.get("logDriver"))
            .and_then(|d| d.as_str());
        if let Some(driver) = driver {
            names.insert(format!(
                "com.amazonaws.ecs.capability.logging-driver.{driver}"
            ));
            names.insert(docker_api("1.19"));
            if driver == "awslogs" && td.execution_role_arn.is_some() {
                names.insert("ecs.capability.execution-role-awslogs".to_string());
            }
        }
        if c.secrets.as_ref().is_some_and(|s| !s.is_empty()) {
            names.insert("ecs.capability.secrets.ssm.environment-variables".to_string());
        }
    }
    names
        .into_iter()
        .map(|name| RequiresAttribute {
            name,
            value: None,
            target_type: None,
            target_id: None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_and_fargate_table() {
        assert_eq!(parse_cpu("1 vCPU"), Some(1024));
        assert_eq!(parse_cpu(".25 vcpu"), Some(256));
        assert_eq!(parse_cpu("512"), Some(512));
        assert_eq!(parse_memory("2 GB"), Some(2048));
        assert_eq!(parse_memory("0.5GB"), Some(512));
        assert_eq!(parse_memory("lots"), None);
        assert_eq!(parse_cpu("0"), None);
        assert!(
            fargate_size_ok(256, 512) && fargate_size_ok(256, 2048) && !fargate_size_ok(256, 4096)
        );
        assert!(fargate_size_ok(512, 3072) && !fargate_size_ok(512, 3000));
        assert!(fargate_size_ok(4096, 30720) && !fargate_size_ok(4096, 31744));
        assert!(fargate_size_ok(8192, 20480) && !fargate_size_ok(8192, 17408));
        assert!(fargate_size_ok(16384, 122880) && !fargate_size_ok(16384, 36864));
        assert!(!fargate_size_ok(3000, 8192));
    }

    #[test]
    fn names() {
        assert!(valid_name("web_1-a"));
        assert!(
            !valid_name("")
                && !valid_name("a b")
                && !valid_name(&"x".repeat(256))
                && !valid_name("ü")
        );
    }
}
