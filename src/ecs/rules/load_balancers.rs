//! A service's `loadBalancers`: the checks CreateService and UpdateService make against the task
//! definition and ELBv2 (messages as ECS words them), and the ELBv2 targets a RUNNING task is
//! registered as. <https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-load-balancing.html>
//!
//! Classic Load Balancers (`loadBalancerName`) are not emulated: naming one answers that it does
//! not exist, as ECS does for a load balancer it cannot find.

use crate::core::balancing::{Reach, TargetGroupInfo, TargetKey, TargetSpec, TargetType};
use crate::ecs::state::status::NetworkMode;
use crate::ecs::state::task::{RegisteredTarget, Task};
use crate::ecs::state::types::TaskDefinition;
use crate::ecs::state::RegionState;
use crate::ecs::{EcsError, EcsResult};
use serde::Deserialize;
use serde_json::Value;
use std::net::{IpAddr, SocketAddr};

/// ECS's quota of target groups per service.
const MAX_PER_SERVICE: usize = 5;

/// One entry of a service's `loadBalancers`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct LoadBalancerRef {
    pub target_group_arn: Option<String>,
    pub load_balancer_name: Option<String>,
    pub container_name: Option<String>,
    pub container_port: Option<i32>,
}

/// The entries as stored (they were validated when the service took them).
pub fn entries(values: &[Value]) -> Vec<LoadBalancerRef> {
    values
        .iter()
        .filter_map(|v| serde_json::from_value(v.clone()).ok())
        .collect()
}

/// CreateService's and UpdateService's checks of `loadBalancers` against `td` and ELBv2.
pub fn validate(st: &RegionState, td: &TaskDefinition, values: &[Value]) -> EcsResult<()> {
    if values.len() > MAX_PER_SERVICE {
        return Err(EcsError::invalid(format!(
            "A service can have at most {MAX_PER_SERVICE} target groups."
        )));
    }
    for value in values {
        let lb: LoadBalancerRef = serde_json::from_value(value.clone())
            .map_err(|e| EcsError::invalid(format!("Invalid loadBalancers entry: {e}")))?;
        check_entry(st, td, &lb)?;
    }
    Ok(())
}

fn check_entry(st: &RegionState, td: &TaskDefinition, lb: &LoadBalancerRef) -> EcsResult<()> {
    let name = lb
        .container_name
        .as_deref()
        .filter(|n| !n.is_empty())
        .ok_or_else(|| EcsError::invalid("Container Name can not be blank."))?;
    let port = lb
        .container_port
        .ok_or_else(|| EcsError::invalid("Container Port can not be blank."))?;
    let group = match (&lb.target_group_arn, &lb.load_balancer_name) {
        (Some(arn), _) => target_group(st, arn)?,
        (None, Some(name)) => {
            return Err(EcsError::invalid(format!(
                "The load balancer {name} does not exist."
            )))
        }
        (None, None) => {
            return Err(EcsError::invalid(
                "Either a targetGroupArn or a loadBalancerName must be specified.",
            ))
        }
    };
    check_container(td, name, port)?;
    check_target_type(td, &group)
}

fn target_group(st: &RegionState, arn: &str) -> EcsResult<TargetGroupInfo> {
    let group = st
        .fleet
        .target_groups
        .get()
        .and_then(|g| g.target_group(&st.account, &st.region, arn))
        .ok_or_else(|| {
            EcsError::invalid(format!(
                "The target group with targetGroupArn {arn} does not exist."
            ))
        })?;
    if group.load_balancer_arns.is_empty() {
        return Err(EcsError::invalid(format!(
            "The target group with targetGroupArn {arn} does not have an associated load balancer."
        )));
    }
    Ok(group)
}

fn check_container(td: &TaskDefinition, name: &str, port: i32) -> EcsResult<()> {
    let container = td
        .container_definitions
        .iter()
        .find(|c| c.name.as_deref() == Some(name))
        .ok_or_else(|| {
            EcsError::invalid(format!(
                "The container {name} does not exist in the task definition."
            ))
        })?;
    let mapped = container
        .port_mappings
        .iter()
        .flatten()
        .any(|m| m.container_port == Some(port));
    if !mapped {
        return Err(EcsError::invalid(format!(
            "The container {name} did not have a container port {port} defined."
        )));
    }
    Ok(())
}

fn check_target_type(td: &TaskDefinition, group: &TargetGroupInfo) -> EcsResult<()> {
    let mode = td.network_mode.unwrap_or(NetworkMode::Bridge);
    let wanted = if mode == NetworkMode::Awsvpc {
        TargetType::Ip
    } else {
        TargetType::Instance
    };
    if group.target_type == wanted {
        return Ok(());
    }
    let kind = match group.target_type {
        TargetType::Instance => "instance",
        TargetType::Ip => "ip",
        TargetType::Lambda => "lambda",
        TargetType::Alb => "alb",
    };
    Err(EcsError::invalid(format!(
        "The provided target group {} has target type {kind}, which is incompatible with the {} network mode specified in the task definition.",
        group.arn,
        mode.as_str()
    )))
}

/// The targets a RUNNING task is registered as: awsvpc tasks by their IP and container port,
/// others by their instance and the host port bound to the container port. An entry whose port
/// is not (yet) bound gives nothing.
pub fn targets_for(
    st: &RegionState,
    task: &Task,
    entries: &[LoadBalancerRef],
) -> Vec<RegisteredTarget> {
    entries
        .iter()
        .filter_map(|lb| {
            Some(RegisteredTarget {
                target_group_arn: lb.target_group_arn.clone()?,
                spec: target_spec(st, task, lb)?,
            })
        })
        .collect()
}

fn target_spec(st: &RegionState, task: &Task, lb: &LoadBalancerRef) -> Option<TargetSpec> {
    let name = lb.container_name.as_deref()?;
    let container_port = lb.container_port?;
    let container = task.containers.iter().find(|c| c.name == name)?;
    let ip = container
        .network_interfaces
        .first()
        .and_then(|n| n.private_ipv4_address.clone());
    let (id, port) = match ip {
        Some(ip) => (ip, container_port),
        None => {
            let instance = task.container_instance_arn.as_deref()?;
            let ec2_id = st
                .container_instances
                .get(instance)?
                .ec2_instance_id
                .clone()?;
            let host_port = container
                .network_bindings
                .iter()
                .find(|b| b.container_port == Some(container_port))?
                .host_port?;
            (ec2_id, host_port)
        }
    };
    let port = u16::try_from(port).ok()?;
    Some(TargetSpec {
        reach: reach(task.reach_host, port),
        key: TargetKey { id, port },
        availability_zone: task.availability_zone.clone(),
    })
}

fn reach(host: Option<IpAddr>, port: u16) -> Reach {
    match host {
        Some(ip) => Reach::Address(SocketAddr::new(ip, port)),
        None => Reach::Simulated,
    }
}
