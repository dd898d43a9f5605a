//! Placing EC2 tasks onto the cluster's container instances by their registered resources: CPU,
//! MEMORY and static host PORTS, less what the instance's unstopped tasks reserve. What does not
//! fit is reported as ECS reports it, in `failures` (`RESOURCE:CPU`, `RESOURCE:MEMORY`,
//! `RESOURCE:PORTS`). Every fake instance runs its tasks on the one local engine.
//! Placement constraints and strategies beyond first fit arrive with the placement work.

use super::state::{RegionState, TaskBook};
use super::types::{ContainerInstance, Failure, TaskDefinition};
use super::{EcsError, EcsResult};

/// What a task reserves on an instance.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Demand {
    pub cpu: i64,
    pub memory: i64,
    pub ports: Vec<String>,
}

/// The task's demand: task-level cpu/memory when set, else the containers' sums; static host ports.
pub fn demand(td: &TaskDefinition) -> Demand {
    let containers = &td.container_definitions;
    let cpu = td
        .cpu
        .as_deref()
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| containers.iter().map(|c| c.cpu.unwrap_or(0) as i64).sum());
    let memory = td
        .memory
        .as_deref()
        .and_then(|m| m.parse().ok())
        .unwrap_or_else(|| {
            containers
                .iter()
                .map(|c| c.memory.or(c.memory_reservation).unwrap_or(0) as i64)
                .sum()
        });
    let mode = td.network_mode.as_deref().unwrap_or("bridge");
    let ports = if mode == "awsvpc" {
        Vec::new()
    } else {
        containers
            .iter()
            .flat_map(|c| c.port_mappings.iter().flatten())
            .filter_map(|pm| {
                pm.host_port.filter(|p| *p > 0).or(if mode == "host" {
                    pm.container_port
                } else {
                    None
                })
            })
            .map(|p| p.to_string())
            .collect()
    };
    Demand { cpu, memory, ports }
}

/// Picks an instance for each of `count` tasks (first fit, in ARN order). Tasks that fit nowhere
/// are reported as failures, one per instance, as ECS does.
pub fn place(
    st: &RegionState,
    cluster_arn: &str,
    want: &Demand,
    count: usize,
) -> EcsResult<(Vec<String>, Vec<Failure>)> {
    let instances: Vec<&ContainerInstance> = st
        .container_instances
        .values()
        .filter(|ci| ci.cluster_arn == cluster_arn && ci.status == "ACTIVE")
        .collect();
    if instances.is_empty() {
        return Err(EcsError::invalid(
            "No Container Instances were found in your cluster.",
        ));
    }
    let mut extra: Vec<Demand> = vec![Demand::default(); instances.len()];
    let (mut placed, mut failures) = (Vec::new(), Vec::new());
    for _ in 0..count {
        let mut reasons = Vec::new();
        let choice =
            instances
                .iter()
                .enumerate()
                .find_map(|(i, ci)| match fits(st, ci, &extra[i], want) {
                    Ok(()) => Some(i),
                    Err(reason) => {
                        reasons.push(Failure::new(ci.container_instance_arn.clone(), reason));
                        None
                    }
                });
        match choice {
            Some(i) => {
                extra[i].cpu += want.cpu;
                extra[i].memory += want.memory;
                extra[i].ports.extend(want.ports.iter().cloned());
                placed.push(instances[i].container_instance_arn.clone());
            }
            None => failures.extend(reasons),
        }
    }
    Ok((placed, failures))
}

fn fits(
    st: &RegionState,
    ci: &ContainerInstance,
    extra: &Demand,
    want: &Demand,
) -> Result<(), &'static str> {
    let used = used_on(st, &ci.container_instance_arn);
    let registered = |name: &str| {
        ci.registered_resources
            .iter()
            .find(|r| r.name.as_deref() == Some(name))
            .and_then(|r| r.integer_value)
            .unwrap_or(0) as i64
    };
    if used.cpu + extra.cpu + want.cpu > registered("CPU") {
        return Err("RESOURCE:CPU");
    }
    if used.memory + extra.memory + want.memory > registered("MEMORY") {
        return Err("RESOURCE:MEMORY");
    }
    let reserved_ports: Vec<&String> = ci
        .registered_resources
        .iter()
        .filter(|r| r.name.as_deref() == Some("PORTS"))
        .flat_map(|r| r.string_set_value.iter().flatten())
        .collect();
    let taken = |p: &String| {
        reserved_ports.contains(&p) || used.ports.contains(p) || extra.ports.contains(p)
    };
    if want.ports.iter().any(taken) {
        return Err("RESOURCE:PORTS");
    }
    Ok(())
}

/// What the unstopped tasks on an instance reserve.
pub fn used_on(st: &RegionState, instance_arn: &str) -> Demand {
    let mut used = Demand::default();
    for task in st
        .tasks
        .values()
        .filter(|t| !t.is_stopped() && t.container_instance_arn.as_deref() == Some(instance_arn))
    {
        if let Some(book) = st.task_books.get(&task.task_arn) {
            add(&mut used, book);
        }
    }
    used
}

fn add(used: &mut Demand, book: &TaskBook) {
    used.cpu += book.cpu;
    used.memory += book.memory;
    used.ports.extend(book.ports.iter().cloned());
}
