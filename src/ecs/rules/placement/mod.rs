//! Task placement onto the cluster's ACTIVE container instances, as ECS does it for RunTask and
//! the service scheduler (<https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-placement.html>).
//!
//! Each task goes, in turn, to the best instance that passes every placement constraint
//! (`distinctInstance`, `memberOf` with a cluster query language expression, see
//! [`instance_filter`](crate::ecs::rules::query_language)) and has the CPU, MEMORY and static host PORTS it
//! reserves, less what the instance's unstopped tasks and this call's earlier tasks reserve.
//! "Best" applies the placement strategies in order, each breaking the previous one's ties
//! (`random`; `spread` over `instanceId`/`host` or `attribute:NAME`, fewest tasks of the group;
//! `binpack` on `cpu`/`memory`, least remaining), then ARN order. Without strategies, RunTask's
//! default applies: `spread(attribute:ecs.availability-zone), spread(instanceId)`.
//! A task that fits nowhere is reported in `failures`, one per instance, with `RESOURCE:CPU`,
//! `RESOURCE:MEMORY`, `RESOURCE:PORTS`, or `ATTRIBUTE` for an unmet constraint. Static host
//! ports count across all instances, since they share the one local engine. Every fake
//! instance runs its tasks on the one local engine.
//!
//! Missing: `memberOf` expressions see the groups of tasks running before the call, not those
//! this call places; spread counts only tasks of the request's group (of this call without one);
//! DRAINING instances are never candidates and their tasks do not count for spread.

mod rules;
#[cfg(test)]
mod tests;

pub use rules::{Constraint, Strategy, MAX_CONSTRAINTS, MAX_STRATEGIES};

use crate::ecs::rules::query_language::InstanceSubjects;
use crate::ecs::state::status::ContainerInstanceStatus;
use crate::ecs::state::status::NetworkMode;
use crate::ecs::state::types::{ContainerInstance, Failure, TaskDefinition};
use crate::ecs::state::{RegionState, TaskBook};
use crate::ecs::{EcsError, EcsResult};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};

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
    let mode = td.network_mode.unwrap_or(NetworkMode::Bridge);
    let ports = if mode == NetworkMode::Awsvpc {
        Vec::new()
    } else {
        containers
            .iter()
            .flat_map(|c| c.port_mappings.iter().flatten())
            .filter_map(|pm| {
                pm.host_port
                    .filter(|p| *p > 0)
                    .or(if mode == NetworkMode::Host {
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

/// One placement call: `count` tasks of one `demand`, under the request's constraints and
/// strategies (the API's JSON shapes; the task definition's constraints belong in `constraints`).
#[derive(Debug, Clone, Copy)]
pub struct PlacementRequest<'a> {
    pub cluster_arn: &'a str,
    pub demand: &'a Demand,
    pub count: usize,
    pub constraints: &'a [Value],
    pub strategies: &'a [Value],
    /// Tasks of this group (e.g. "service:web") count for spread and distinctInstance; without
    /// one, only the tasks of this call do.
    pub group: Option<&'a str>,
    /// Restrict placement to these instance ARNs (DAEMON: one per instance).
    pub only: Option<&'a [String]>,
    /// Launched through this capacity provider: only its instances are candidates.
    pub capacity_provider: Option<&'a str>,
}

/// Checks constraints and strategies against the API's shapes and limits
/// (InvalidParameterException).
pub fn validate_placement(constraints: &[Value], strategies: &[Value]) -> EcsResult<()> {
    rules::constraints(constraints)?;
    rules::strategies(strategies)?;
    Ok(())
}

/// Places `req.count` tasks: the instance ARN of each placed task, in order, and the failures of
/// those placed nowhere. Errs on invalid rules or when the cluster has no ACTIVE instance.
pub fn place_with(
    st: &RegionState,
    req: &PlacementRequest,
) -> EcsResult<(Vec<String>, Vec<Failure>)> {
    let constraints = rules::constraints(req.constraints)?;
    let mut strategies = rules::strategies(req.strategies)?;
    if strategies.is_empty() {
        strategies = rules::default_strategies();
    }
    run(st, req, &constraints, &strategies)
}

/// Picks an instance for each of `count` tasks by first fit in ARN order, without constraints.
/// Tasks that fit nowhere are reported as failures, one per instance, as ECS does.
pub fn place(
    st: &RegionState,
    cluster_arn: &str,
    want: &Demand,
    count: usize,
) -> EcsResult<(Vec<String>, Vec<Failure>)> {
    let req = PlacementRequest {
        cluster_arn,
        demand: want,
        count,
        constraints: &[],
        strategies: &[],
        group: None,
        only: None,
        capacity_provider: None,
    };
    run(st, &req, &[], &[])
}

/// A candidate instance and what placement tracks about it during one call.
struct Slot<'a> {
    ci: &'a ContainerInstance,
    /// Named by the request's `only` (or no `only`).
    allowed: bool,
    /// Satisfies every memberOf constraint.
    member: bool,
    /// Reserved by its unstopped tasks and by this call's.
    used: Demand,
    /// Its unstopped tasks of the group, plus this call's.
    group_tasks: usize,
    /// Its value of each strategy's attribute (`spread(attribute:NAME)`), looked up once.
    keys: [Option<&'a str>; MAX_STRATEGIES],
    /// Its registered (CPU units, MiB), looked up once.
    size: (i64, i64),
}

fn run(
    st: &RegionState,
    req: &PlacementRequest,
    constraints: &[Constraint],
    strategies: &[Strategy],
) -> EcsResult<(Vec<String>, Vec<Failure>)> {
    let mut slots = slots(st, req, constraints, strategies);
    if slots.is_empty() {
        return Err(EcsError::invalid(
            "No Container Instances were found in your cluster.",
        ));
    }
    let mut failures = missing(req.only, &slots);
    let distinct = constraints.contains(&Constraint::DistinctInstance);
    let mut placed = Vec::new();
    for _ in 0..req.count {
        match choose(&slots, req.demand, distinct, strategies) {
            Ok(i) => {
                // Every fake instance runs on the one local engine: a host port taken on one is
                // taken on all, so two tasks never collide on the real host.
                for slot in slots.iter_mut() {
                    slot.used.ports.extend(req.demand.ports.iter().cloned());
                }
                let slot = &mut slots[i];
                slot.used.cpu += req.demand.cpu;
                slot.used.memory += req.demand.memory;
                slot.group_tasks += 1;
                placed.push(slot.ci.container_instance_arn.clone());
            }
            Err(reasons) => failures.extend(reasons),
        }
    }
    Ok((placed, failures))
}

/// The cluster's ACTIVE instances whose agent is connected (of the capacity provider, if one
/// is named), in ARN order.
fn slots<'a>(
    st: &'a RegionState,
    req: &PlacementRequest,
    constraints: &[Constraint],
    strategies: &[Strategy],
) -> Vec<Slot<'a>> {
    let engine_ports = engine_ports(st);
    let on = tasks_by_instance(st);
    st.container_instances
        .values()
        .filter(|ci| {
            ci.cluster_arn == req.cluster_arn
                && ci.status == ContainerInstanceStatus::Active
                && ci.agent_connected
                && req
                    .capacity_provider
                    .is_none_or(|cp| ci.capacity_provider_name.as_deref() == Some(cp))
        })
        .map(|ci| {
            let arn = &ci.container_instance_arn;
            let (used, groups) = on.get(arn.as_str()).cloned().unwrap_or_default();
            let subjects = InstanceSubjects {
                instance: ci,
                groups: groups.iter().map(|g| g.to_string()).collect(),
            };
            let member = constraints.iter().all(|c| match c {
                Constraint::MemberOf(filter) => filter.matches_with(&subjects),
                Constraint::DistinctInstance => true,
            });
            let group_tasks = req
                .group
                .map_or(0, |g| groups.iter().filter(|t| **t == g).count());
            Slot {
                ci,
                allowed: req.only.is_none_or(|only| only.contains(arn)),
                member,
                used: Demand {
                    ports: engine_ports.clone(),
                    ..used
                },
                group_tasks,
                keys: spread_keys(ci, strategies),
                size: registered_size(ci),
            }
        })
        .collect()
}

fn spread_keys<'a>(
    ci: &'a ContainerInstance,
    strategies: &[Strategy],
) -> [Option<&'a str>; MAX_STRATEGIES] {
    let mut keys = [None; MAX_STRATEGIES];
    for (key, strategy) in keys.iter_mut().zip(strategies) {
        if let Strategy::SpreadAttribute(name) = strategy {
            *key = attribute(ci, name);
        }
    }
    keys
}

/// What the unstopped tasks on each instance reserve, and their groups: one pass over the
/// tasks, so a placement costs instances + tasks, not instances × tasks.
fn tasks_by_instance(st: &RegionState) -> HashMap<&str, (Demand, Vec<&str>)> {
    let mut on: HashMap<&str, (Demand, Vec<&str>)> = HashMap::new();
    for t in st.tasks.values().filter(|t| !t.is_stopped()) {
        let Some(arn) = t.container_instance_arn.as_deref() else {
            continue;
        };
        let entry = on.entry(arn).or_default();
        if let Some(book) = st.task_books.get(&t.task_arn) {
            add(&mut entry.0, book);
        }
        if let Some(group) = t.group.as_deref() {
            entry.1.push(group);
        }
    }
    on
}

/// `MISSING` for each instance named in `only` that is not an ACTIVE instance of the cluster.
fn missing(only: Option<&[String]>, slots: &[Slot]) -> Vec<Failure> {
    only.unwrap_or_default()
        .iter()
        .filter(|arn| !slots.iter().any(|s| s.ci.container_instance_arn == **arn))
        .map(|arn| Failure::new(arn.clone(), "MISSING"))
        .collect()
}

/// The best allowed instance for one more task, or why each allowed instance cannot take it.
fn choose(
    slots: &[Slot],
    want: &Demand,
    distinct: bool,
    strategies: &[Strategy],
) -> Result<usize, Vec<Failure>> {
    let mut reasons = Vec::new();
    let mut eligible = Vec::new();
    for (i, slot) in slots.iter().enumerate().filter(|(_, s)| s.allowed) {
        let verdict = if !slot.member || (distinct && slot.group_tasks > 0) {
            Err("ATTRIBUTE")
        } else {
            fits(slot, want)
        };
        match verdict {
            Ok(()) => eligible.push(i),
            Err(reason) => {
                reasons.push(Failure::new(slot.ci.container_instance_arn.clone(), reason))
            }
        }
    }
    let spread = spread_counts(slots, strategies);
    eligible
        .into_iter()
        .map(|i| (score(slots, i, want, strategies, &spread), i))
        .min()
        .map(|(_, i)| i)
        .ok_or(reasons)
}

/// For each `spread(attribute:NAME)` strategy, the group's tasks per value of NAME (counted
/// once per choice, not once per candidate).
fn spread_counts<'a>(
    slots: &[Slot<'a>],
    strategies: &[Strategy],
) -> Vec<BTreeMap<Option<&'a str>, i64>> {
    strategies
        .iter()
        .enumerate()
        .map(|(k, strategy)| {
            let mut counts = BTreeMap::new();
            if let Strategy::SpreadAttribute(_) = strategy {
                for s in slots {
                    *counts.entry(s.keys[k]).or_insert(0) += s.group_tasks as i64;
                }
            }
            counts
        })
        .collect()
}

/// One number per strategy, lower is better, compared in order.
fn score(
    slots: &[Slot],
    i: usize,
    want: &Demand,
    strategies: &[Strategy],
    spread: &[BTreeMap<Option<&str>, i64>],
) -> [i64; MAX_STRATEGIES] {
    let slot = &slots[i];
    let mut out = [0; MAX_STRATEGIES];
    for (k, strategy) in strategies.iter().enumerate().take(MAX_STRATEGIES) {
        out[k] = match strategy {
            Strategy::Random => i64::from(rand::random::<u32>()),
            Strategy::SpreadInstance => slot.group_tasks as i64,
            Strategy::SpreadAttribute(_) => spread[k].get(&slot.keys[k]).copied().unwrap_or(0),
            Strategy::BinpackCpu => slot.size.0 - slot.used.cpu - want.cpu,
            Strategy::BinpackMemory => slot.size.1 - slot.used.memory - want.memory,
        };
    }
    out
}

fn attribute<'a>(ci: &'a ContainerInstance, name: &str) -> Option<&'a str> {
    ci.attributes
        .iter()
        .find(|a| a.name == name)
        .and_then(|a| a.value.as_deref())
}

/// The instance's registered (CPU units, MiB).
pub fn registered_size(ci: &ContainerInstance) -> (i64, i64) {
    (registered(ci, "CPU"), registered(ci, "MEMORY"))
}

fn registered(ci: &ContainerInstance, name: &str) -> i64 {
    ci.registered_resources
        .iter()
        .find(|r| r.name.as_deref() == Some(name))
        .and_then(|r| r.integer_value)
        .unwrap_or(0) as i64
}

/// Whether `want` fits beside `used` on the instance, else the `RESOURCE:` reason.
fn fits(slot: &Slot, want: &Demand) -> Result<(), &'static str> {
    let (ci, used) = (slot.ci, &slot.used);
    if used.cpu + want.cpu > slot.size.0 {
        return Err("RESOURCE:CPU");
    }
    if used.memory + want.memory > slot.size.1 {
        return Err("RESOURCE:MEMORY");
    }
    if want.ports.is_empty() {
        return Ok(());
    }
    let reserved_ports: Vec<&String> = ci
        .registered_resources
        .iter()
        .filter(|r| r.name.as_deref() == Some("PORTS"))
        .flat_map(|r| r.string_set_value.iter().flatten())
        .collect();
    let taken = |p: &String| reserved_ports.contains(&p) || used.ports.contains(p);
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

/// Static host ports held by any unstopped task on any instance: they all share one engine.
fn engine_ports(st: &RegionState) -> Vec<String> {
    st.tasks
        .values()
        .filter(|t| !t.is_stopped() && t.container_instance_arn.is_some())
        .filter_map(|t| st.task_books.get(&t.task_arn))
        .flat_map(|b| b.ports.iter().cloned())
        .collect()
}

fn add(used: &mut Demand, book: &TaskBook) {
    used.cpu += book.cpu;
    used.memory += book.memory;
    used.ports.extend(book.ports.iter().cloned());
}
