//! Container ordering, pure and unit-tested: which containers may start now under `dependsOn`
//! (START, COMPLETE, SUCCESS, HEALTHY), the order to stop them (dependents first), and the task's
//! health from its essential containers'.

use crate::ecs::state::status::{ContainerStatus, HealthStatus};
use crate::ecs::state::task::{Container, Task};
use crate::ecs::state::types::TaskDefinition;
use std::collections::BTreeMap;

/// Containers that may start now, or why the task can never start.
pub fn plan(td: &TaskDefinition, task: &Task) -> (Vec<String>, Option<String>) {
    let by_name: BTreeMap<&str, &Container> = task
        .containers
        .iter()
        .map(|c| (c.name.as_str(), c))
        .collect();
    let mut ready = Vec::new();
    for def in &td.container_definitions {
        let name = def.name.as_deref().unwrap_or("");
        if by_name
            .get(name)
            .is_none_or(|c| c.last_status != ContainerStatus::Pending)
        {
            continue;
        }
        let mut all_met = true;
        for dep in def.depends_on.iter().flatten() {
            let Some(target) = by_name.get(dep.container_name.as_str()) else {
                continue;
            };
            match condition(&dep.condition, target) {
                Met::Yes => {}
                Met::NotYet => all_met = false,
                Met::Never => {
                    return (
                        Vec::new(),
                        Some(format!(
                            "the {} dependency of container '{name}' on '{}' can no longer be met",
                            dep.condition, dep.container_name
                        )),
                    );
                }
            }
        }
        if all_met {
            ready.push(name.to_string());
        }
    }
    (ready, None)
}

enum Met {
    Yes,
    NotYet,
    Never,
}

fn condition(kind: &str, dep: &Container) -> Met {
    let started = dep.last_status != ContainerStatus::Pending;
    let exited = dep.last_status == ContainerStatus::Stopped;
    match kind {
        "START" if started => Met::Yes,
        "COMPLETE" if exited => Met::Yes,
        "SUCCESS" if exited && dep.exit_code == Some(0) => Met::Yes,
        "SUCCESS" if exited => Met::Never,
        "HEALTHY" if dep.health_status == Some(HealthStatus::Healthy) => Met::Yes,
        "HEALTHY" if exited => Met::Never,
        _ => Met::NotYet,
    }
}

pub fn all_started(task: &Task) -> bool {
    task.containers
        .iter()
        .all(|c| c.last_status != ContainerStatus::Pending)
}

/// HEALTHY when every essential container with a health check is healthy, UNHEALTHY when any is
/// unhealthy, else UNKNOWN.
pub fn task_health(task: &Task) -> HealthStatus {
    let checked: Vec<HealthStatus> = task
        .containers
        .iter()
        .filter(|c| c.essential && c.has_health_check)
        .filter_map(|c| c.health_status)
        .collect();
    if checked.contains(&HealthStatus::Unhealthy) {
        HealthStatus::Unhealthy
    } else if !checked.is_empty() && checked.iter().all(|h| *h == HealthStatus::Healthy) {
        HealthStatus::Healthy
    } else {
        HealthStatus::Unknown
    }
}

/// Running containers with their stop timeouts, dependents before what they depend on.
pub fn stop_order(td: &TaskDefinition, task: &Task) -> Vec<(String, u32)> {
    let depth = |name: &str| dependents_depth(td, name, 0);
    let mut running: Vec<(&Container, usize)> = task
        .containers
        .iter()
        .filter(|c| c.last_status == ContainerStatus::Running && c.runtime_id.is_some())
        .map(|c| (c, depth(&c.name)))
        .collect();
    running.sort_by_key(|(_, d)| *d);
    running
        .into_iter()
        .filter_map(|(c, _)| {
            let def = td
                .container_definitions
                .iter()
                .find(|d| d.name.as_deref() == Some(c.name.as_str()))?;
            Some((
                c.runtime_id.clone()?,
                crate::ecs::agent::spec::stop_timeout(def),
            ))
        })
        .collect()
}

/// How long the chain of containers depending on `name` is (0 = nobody depends on it).
fn dependents_depth(td: &TaskDefinition, name: &str, guard: usize) -> usize {
    if guard > td.container_definitions.len() {
        return guard;
    }
    td.container_definitions
        .iter()
        .filter(|d| {
            d.depends_on
                .iter()
                .flatten()
                .any(|dep| dep.container_name == name)
        })
        .map(|d| 1 + dependents_depth(td, d.name.as_deref().unwrap_or(""), guard + 1))
        .max()
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ecs::state::types::{ContainerDefinition, ContainerDependency};

    fn def(name: &str, deps: &[(&str, &str)]) -> ContainerDefinition {
        ContainerDefinition {
            name: Some(name.into()),
            depends_on: Some(
                deps.iter()
                    .map(|(n, c)| ContainerDependency {
                        container_name: n.to_string(),
                        condition: c.to_string(),
                    })
                    .collect(),
            ),
            ..Default::default()
        }
    }

    fn container(name: &str, status: &str, exit: Option<i64>, health: Option<&str>) -> Container {
        Container {
            name: name.into(),
            last_status: ContainerStatus::parse(status).unwrap(),
            exit_code: exit,
            health_status: health.and_then(HealthStatus::parse),
            runtime_id: Some(format!("id-{name}")),
            essential: true,
            has_health_check: health.is_some(),
            ..Default::default()
        }
    }

    fn task(containers: Vec<Container>) -> Task {
        Task {
            containers,
            ..Default::default()
        }
    }

    #[test]
    fn dependencies_gate_starts() {
        let td = TaskDefinition {
            container_definitions: vec![
                def("init", &[]),
                def("db", &[]),
                def("app", &[("init", "SUCCESS"), ("db", "HEALTHY")]),
            ],
            ..Default::default()
        };
        let t = task(vec![
            container("init", "PENDING", None, None),
            container("db", "PENDING", None, None),
            container("app", "PENDING", None, None),
        ]);
        assert_eq!(
            plan(&td, &t),
            (vec!["init".to_string(), "db".to_string()], None)
        );
        let t = task(vec![
            container("init", "STOPPED", Some(0), None),
            container("db", "RUNNING", None, Some("UNKNOWN")),
            container("app", "PENDING", None, None),
        ]);
        assert_eq!(plan(&td, &t), (vec![], None));
        let t = task(vec![
            container("init", "STOPPED", Some(0), None),
            container("db", "RUNNING", None, Some("HEALTHY")),
            container("app", "PENDING", None, None),
        ]);
        assert_eq!(plan(&td, &t), (vec!["app".to_string()], None));
        let t = task(vec![
            container("init", "STOPPED", Some(1), None),
            container("db", "RUNNING", None, Some("HEALTHY")),
            container("app", "PENDING", None, None),
        ]);
        assert!(plan(&td, &t).1.is_some());
    }

    #[test]
    fn start_and_complete_conditions() {
        let td = TaskDefinition {
            container_definitions: vec![
                def("a", &[]),
                def("b", &[("a", "START")]),
                def("c", &[("a", "COMPLETE")]),
            ],
            ..Default::default()
        };
        let t = task(vec![
            container("a", "RUNNING", None, None),
            container("b", "PENDING", None, None),
            container("c", "PENDING", None, None),
        ]);
        assert_eq!(plan(&td, &t).0, vec!["b".to_string()]);
        let t = task(vec![
            container("a", "STOPPED", Some(3), None),
            container("b", "RUNNING", None, None),
            container("c", "PENDING", None, None),
        ]);
        assert_eq!(plan(&td, &t).0, vec!["c".to_string()]);
    }

    #[test]
    fn health_and_stop_order() {
        let td = TaskDefinition {
            container_definitions: vec![def("db", &[]), def("app", &[("db", "START")])],
            ..Default::default()
        };
        let t = task(vec![
            container("db", "RUNNING", None, Some("HEALTHY")),
            container("app", "RUNNING", None, Some("UNHEALTHY")),
        ]);
        assert_eq!(task_health(&t), HealthStatus::Unhealthy);
        let order: Vec<String> = stop_order(&td, &t).into_iter().map(|(id, _)| id).collect();
        assert_eq!(order, vec!["id-app".to_string(), "id-db".to_string()]);
        let t = task(vec![
            container("db", "RUNNING", None, Some("HEALTHY")),
            container("app", "RUNNING", None, None),
        ]);
        assert_eq!(task_health(&t), HealthStatus::Healthy);
    }
}
