//! The ECS operations, one file (or folder) per resource, named after the API. A handler reads
//! and writes the region's state and queues what changed for the controllers; it never awaits
//! Docker or another service.

pub mod account_settings;
pub mod agent;
pub mod attributes;
pub mod capacity_providers;
pub mod cluster_view;
pub mod clusters;
pub mod container_instances;
pub mod daemons;
pub mod express;
pub mod protection;
pub mod service_deployments;
pub mod services;
pub mod tags;
pub mod task_definitions;
pub mod task_sets;
pub mod tasks;
