//! ECS's rules as pure functions over plain state: task-definition validation and defaults,
//! launch checks, placement, the cluster query language, task-set scale.

pub mod capacity;
pub mod daemon;
pub mod host_ports;
pub mod launch;
pub mod load_balancers;
pub mod membership;
pub mod placement;
pub mod query_language;
pub mod scale;
pub mod task_definition;
