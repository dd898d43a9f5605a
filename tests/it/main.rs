//! Integration tests for local-ecs: an in-process server per test, driven through aws-sdk-ecs and raw HTTP.
//!
//! Expectations follow the ECS API reference and observed AWS behaviour, not the implementation.

#![allow(clippy::unwrap_used)]

mod autoscaling;
mod capacity;
mod clock;
mod clusters;
mod common;
mod conformance;
mod daemons;
mod ec2;
mod ec2_hosts;
mod engines;
mod fixture;
mod hardening;
mod instances;
mod load_balancers;
mod properties;
mod protection;
mod protocol;
mod robustness;
mod seed;
mod service_deployments;
mod services_simulated;
mod tags_settings_attributes;
mod task_definitions;
mod task_sets;
mod tasks_simulated;
