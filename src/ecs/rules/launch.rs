//! What RunTask and StartTask share: resolving the launch type, checking the network
//! configuration and overrides, and building the task records in PROVISIONING.
//! <https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_RunTask.html>

use crate::core::ids::{hex, uuid};
use crate::core::tags;
use crate::ecs::rules::host_ports;
use crate::ecs::rules::placement;
use crate::ecs::state::status::LaunchType;
use crate::ecs::state::status::NetworkMode;
use crate::ecs::state::status::TaskDefinitionStatus;
use crate::ecs::state::status::{ContainerStatus, DesiredStatus, HealthStatus, TaskStatus};
use crate::ecs::state::task::{Attachment, Container, ContainerOverride, Task, TaskOverride};
use crate::ecs::state::types::{CapacityProviderStrategyItem, KeyValuePair, Tag, TaskDefinition};
use crate::ecs::state::{RegionState, TaskBook};
use crate::ecs::{EcsError, EcsResult};
use serde_json::Value;

/// How and where a task is launched.
#[derive(Debug, Clone, PartialEq)]
pub struct Launch {
    pub launch_type: LaunchType,
    pub capacity_provider: Option<String>,
}

/// The launch type from `launchType`, a capacity provider strategy, or the cluster's default
/// strategy; EC2 when none says otherwise, as in AWS.
pub fn resolve_launch(
    st: &RegionState,
    cluster: &str,
    launch_type: Option<LaunchType>,
    strategy: &[CapacityProviderStrategyItem],
) -> EcsResult<Launch> {
    if launch_type.is_some() && !strategy.is_empty() {
        return Err(EcsError::invalid(
            "Specifying both a launchType and capacityProviderStrategy is not supported.",
        ));
    }
    if let Some(lt) = launch_type {
        return Ok(Launch {
            launch_type: lt,
            capacity_provider: None,
        });
    }
    let default;
    let strategy = if strategy.is_empty() {
        default = st
            .clusters
            .get(cluster)
            .map(|c| c.default_capacity_provider_strategy.clone())
            .unwrap_or_default();
        &default
    } else {
        crate::ecs::rules::capacity::validate_strategy(strategy)?;
        strategy
    };
    // Pick the provider with the base, else the heaviest weight (one task's share).
    let Some(item) = strategy
        .iter()
        .max_by_key(|i| (i.base.unwrap_or(0), i.weight.unwrap_or(0)))
    else {
        return Ok(Launch {
            launch_type: LaunchType::Ec2,
            capacity_provider: None,
        });
    };
    let name = item.capacity_provider.clone();
    let associated = st
        .clusters
        .get(cluster)
        .is_some_and(|c| c.capacity_providers.contains(&name));
    if !associated {
        return Err(EcsError::invalid(format!("The specified capacity provider strategy cannot contain a capacity provider that is not associated with the cluster. Associate the capacity provider with the cluster or specify a valid capacity provider and try again. Capacity provider: {name}")));
    }
    let launch_type = if name.starts_with("FARGATE") {
        LaunchType::Fargate
    } else {
        LaunchType::Ec2
    };
    Ok(Launch {
        launch_type,
        capacity_provider: Some(name),
    })
}

/// An ACTIVE task definition for a new task.
pub fn definition_for_launch(st: &RegionState, ident: &str) -> EcsResult<TaskDefinition> {
    let key = crate::ecs::state::lookup::resolve_task_definition(st, ident)
        .ok_or_else(|| EcsError::client("Unable to find task definition."))?;
    let td = st
        .task_definitions
        .get(&key)
        .ok_or_else(|| EcsError::client("Unable to find task definition."))?;
    if td.status != TaskDefinitionStatus::Active {
        return Err(EcsError::client(format!(
            "TaskDefinition is inactive: {}",
            td.task_definition_arn
        )));
    }
    Ok(td.clone())
}

/// Checks the definition against the launch type and the awsvpc configuration; returns it.
pub fn check_network(
    st: &RegionState,
    td: &TaskDefinition,
    launch: &Launch,
    network: Option<&Value>,
) -> EcsResult<Option<Value>> {
    if launch.launch_type == LaunchType::Fargate
        && !td.compatibilities.contains(&LaunchType::Fargate)
    {
        return Err(EcsError::invalid(
            "Task definition does not support launch_type FARGATE.",
        ));
    }
    let awsvpc = network.and_then(|n| n.get("awsvpcConfiguration")).cloned();
    let is_awsvpc = td.network_mode == Some(NetworkMode::Awsvpc);
    match (&awsvpc, is_awsvpc) {
        (None, true) => Err(EcsError::invalid(
            "Network Configuration must be provided when networkMode 'awsvpc' is specified.",
        )),
        (Some(_), false) => Err(EcsError::invalid(
            "Network Configuration is not valid for the given networkMode of this task definition.",
        )),
        (Some(cfg), true) => {
            let subnets = cfg
                .get("subnets")
                .and_then(Value::as_array)
                .map_or(0, Vec::len);
            if subnets == 0 || subnets > 16 {
                return Err(EcsError::invalid(
                    "subnets can not be empty and can have at most 16 items.",
                ));
            }
            let groups = cfg
                .get("securityGroups")
                .and_then(Value::as_array)
                .map_or(0, Vec::len);
            if groups > 5 {
                return Err(EcsError::invalid(
                    "securityGroups can have at most 5 items.",
                ));
            }
            check_ids_exist(st, cfg)?;
            Ok(awsvpc)
        }
        (None, false) => Ok(None),
    }
}

/// With EC2 emulated, the subnets and security groups must exist, and in one VPC, as ECS
/// checks them against EC2.
fn check_ids_exist(st: &RegionState, cfg: &Value) -> EcsResult<()> {
    let Some(networks) = st.fleet.networks.get() else {
        return Ok(());
    };
    let ids = |key: &str| -> Vec<String> {
        cfg.get(key)
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(String::from)
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut vpc: Option<String> = None;
    for id in ids("subnets") {
        let subnet = networks.subnet(&st.account, &st.region, &id).ok_or_else(|| {
            EcsError::invalid(format!("Error retrieving subnet information for [{id}]: The subnet ID '{id}' does not exist (ErrorCode: InvalidSubnetID.NotFound)"))
        })?;
        match &vpc {
            Some(v) if *v != subnet.vpc_id => {
                return Err(EcsError::invalid(
                    "The subnets must belong to the same VPC.",
                ))
            }
            _ => vpc = Some(subnet.vpc_id),
        }
    }
    for id in ids("securityGroups") {
        let group_vpc = networks.security_group_vpc(&st.account, &st.region, &id).ok_or_else(|| {
            EcsError::invalid(format!("Error retrieving security group information for [{id}]: The security group '{id}' does not exist (ErrorCode: InvalidGroup.NotFound)"))
        })?;
        if vpc.as_ref().is_some_and(|v| *v != group_vpc) {
            return Err(EcsError::invalid(format!(
                "Security group {id} does not belong to the VPC of the subnets."
            )));
        }
    }
    Ok(())
}

/// The zone a new task runs in: its first subnet's (awsvpc), its instance's (EC2), or the
/// region's first zone.
fn zone_of(st: &RegionState, awsvpc: Option<&Value>, instance: Option<&str>) -> String {
    let subnet = awsvpc
        .and_then(|a| a.get("subnets"))
        .and_then(|s| s.get(0))
        .and_then(Value::as_str);
    let from_subnet = subnet.and_then(|id| {
        let networks = st.fleet.networks.get()?;
        Some(
            networks
                .subnet(&st.account, &st.region, id)?
                .availability_zone,
        )
    });
    let from_instance = || {
        let ci = st.container_instances.get(instance?)?;
        ci.attributes
            .iter()
            .find(|a| a.name == "ecs.availability-zone")?
            .value
            .clone()
    };
    from_subnet
        .or_else(from_instance)
        .unwrap_or_else(|| format!("{}a", st.region))
}

/// Overrides must name containers of the definition.
/// ECS's refusal when IAM knows a task's role (or execution role) and its trust policy does not
/// let `ecs-tasks.amazonaws.com` assume it; nothing when IAM does not know the role (nothing is
/// enforced then).
pub fn role_problem(
    st: &RegionState,
    td: &TaskDefinition,
    overrides: &TaskOverride,
) -> Option<String> {
    let roles = st.fleet.roles.get()?;
    let task_role = overrides
        .task_role_arn
        .as_ref()
        .or(td.task_role_arn.as_ref());
    let execution = overrides
        .execution_role_arn
        .as_ref()
        .or(td.execution_role_arn.as_ref());
    [task_role, execution].into_iter().flatten().find_map(|arn| {
        let role = roles.role(&st.account, arn)?;
        (!role.trusts_ecs_tasks).then(|| format!(
            "ECS was unable to assume the role '{arn}' that was provided for this task. Please verify that the role being passed has the proper trust relationship and permissions and that your IAM user has permissions to pass this role."
        ))
    })
}

/// [`role_problem`] as RunTask and StartTask answer it.
pub fn check_roles(
    st: &RegionState,
    td: &TaskDefinition,
    overrides: &TaskOverride,
) -> EcsResult<()> {
    match role_problem(st, td, overrides) {
        Some(message) => Err(EcsError::Client(message)),
        None => Ok(()),
    }
}

pub fn check_overrides(td: &TaskDefinition, overrides: &TaskOverride) -> EcsResult<()> {
    for o in &overrides.container_overrides {
        let name = o.name.as_deref().unwrap_or("");
        if !td
            .container_definitions
            .iter()
            .any(|c| c.name.as_deref() == Some(name))
        {
            return Err(EcsError::invalid(format!(
                "Override for container named {name} is not a container in the TaskDefinition."
            )));
        }
    }
    Ok(())
}

/// Everything a new task record is made of.
pub struct NewTask<'a> {
    pub cluster_arn: &'a str,
    pub td: &'a TaskDefinition,
    pub launch: &'a Launch,
    pub overrides: &'a TaskOverride,
    pub awsvpc: Option<Value>,
    pub instance: Option<String>,
    pub group: Option<String>,
    pub started_by: Option<String>,
    pub tags: Vec<Tag>,
    pub enable_execute_command: bool,
}

/// Builds a task in PROVISIONING, records it and queues it for the task controller.
pub fn create_task(st: &mut RegionState, new: NewTask<'_>) -> Task {
    let id = hex(16);
    let cluster_name = new
        .cluster_arn
        .rsplit('/')
        .next()
        .unwrap_or("default")
        .to_string();
    let task_arn = st.arn(&format!("task/{cluster_name}/{id}"));
    let td = new.td;
    let containers = td
        .container_definitions
        .iter()
        .map(|c| new_container(st, &cluster_name, &id, &task_arn, c, new.overrides))
        .collect();
    let fargate = new.launch.launch_type == LaunchType::Fargate;
    let task = Task {
        attachments: new
            .awsvpc
            .as_ref()
            .map(eni_attachment)
            .into_iter()
            .collect(),
        availability_zone: Some(zone_of(st, new.awsvpc.as_ref(), new.instance.as_deref())),
        capacity_provider_name: new.launch.capacity_provider.clone(),
        cluster_arn: new.cluster_arn.to_string(),
        container_instance_arn: new.instance.clone(),
        containers,
        cpu: new.overrides.cpu.clone().or_else(|| td.cpu.clone()),
        created_at: st.now(),
        desired_status: DesiredStatus::Running,
        enable_execute_command: new.enable_execute_command,
        group: Some(new.group.unwrap_or_else(|| format!("family:{}", td.family))),
        // Only awsvpc tasks have provisioning steps (their ENI); others start PENDING.
        last_status: if new.awsvpc.is_some() {
            TaskStatus::Provisioning
        } else {
            TaskStatus::Pending
        },
        health_status: Some(HealthStatus::Unknown),
        launch_type: Some(new.launch.launch_type),
        memory: new.overrides.memory.clone().or_else(|| td.memory.clone()),
        overrides: full_overrides(td, new.overrides),
        platform_version: fargate.then(|| "1.4.0".to_string()),
        platform_family: fargate.then(|| "Linux".to_string()),
        started_by: new.started_by,
        tags: new.tags,
        task_arn: task_arn.clone(),
        task_definition_arn: td.task_definition_arn.clone(),
        version: 1,
        ephemeral_storage: fargate.then(|| serde_json::json!({ "sizeInGiB": 20 })),
        fargate_ephemeral_storage: fargate.then(|| serde_json::json!({ "sizeInGiB": 20 })),
        awsvpc: new.awsvpc,
        ..Default::default()
    };
    let mut demand = placement::demand(td);
    let docker_host = new
        .instance
        .as_deref()
        .and_then(|arn| docker_host_of(st, arn));
    let mut definition = td.clone();
    if new.instance.is_some() {
        demand.ports.extend(host_ports::assign(st, &mut definition));
    }
    st.task_books.insert(
        task_arn.clone(),
        TaskBook {
            definition,
            cpu: demand.cpu,
            memory: demand.memory,
            ports: demand.ports,
            docker_host,
        },
    );
    st.tasks.insert(task_arn.clone(), task.clone());
    st.outbox.push(task_arn);
    task
}

/// The attribute naming the Docker engine a container instance's tasks run on.
pub const DOCKER_HOST_ATTRIBUTE: &str = "local-ecs.docker-host";

fn docker_host_of(st: &RegionState, instance_arn: &str) -> Option<String> {
    st.container_instances
        .get(instance_arn)?
        .attributes
        .iter()
        .find(|a| a.name == DOCKER_HOST_ATTRIBUTE)
        .and_then(|a| a.value.clone())
}

fn new_container(
    st: &RegionState,
    cluster: &str,
    task_id: &str,
    task_arn: &str,
    def: &crate::ecs::state::types::ContainerDefinition,
    overrides: &TaskOverride,
) -> Container {
    let name = def.name.clone().unwrap_or_default();
    let o: Option<&ContainerOverride> = overrides
        .container_overrides
        .iter()
        .find(|o| o.name.as_deref() == Some(name.as_str()));
    let cpu = o.and_then(|o| o.cpu).or(def.cpu).unwrap_or(0);
    Container {
        container_arn: st.arn(&format!("container/{cluster}/{task_id}/{}", uuid())),
        task_arn: task_arn.to_string(),
        image: def.image.clone().unwrap_or_default(),
        last_status: ContainerStatus::Pending,
        health_status: Some(HealthStatus::Unknown),
        has_health_check: def.health_check.is_some(),
        cpu: Some(cpu.to_string()),
        memory: o
            .and_then(|o| o.memory)
            .or(def.memory)
            .map(|m| m.to_string()),
        memory_reservation: o
            .and_then(|o| o.memory_reservation)
            .or(def.memory_reservation)
            .map(|m| m.to_string()),
        essential: def.essential.unwrap_or(true),
        name,
        ..Default::default()
    }
}

/// The overrides as ECS echoes them: one entry per container, named, even when not overridden.
fn full_overrides(td: &TaskDefinition, given: &TaskOverride) -> TaskOverride {
    let mut out = given.clone();
    out.container_overrides = td
        .container_definitions
        .iter()
        .filter_map(|c| c.name.clone())
        .map(|name| {
            let o = given
                .container_overrides
                .iter()
                .find(|o| o.name.as_deref() == Some(name.as_str()));
            o.cloned().unwrap_or(ContainerOverride {
                name: Some(name),
                ..Default::default()
            })
        })
        .collect();
    out
}

/// The ENI attachment of an awsvpc task, PRECREATED until the controller attaches it.
fn eni_attachment(awsvpc: &Value) -> Attachment {
    let subnet = awsvpc
        .get("subnets")
        .and_then(|s| s.get(0))
        .and_then(Value::as_str)
        .unwrap_or_default();
    Attachment {
        id: uuid(),
        kind: "ElasticNetworkInterface".into(),
        status: "PRECREATED".into(),
        details: vec![KeyValuePair {
            name: Some("subnetId".into()),
            value: Some(subnet.into()),
        }],
    }
}

/// Tags for a new task: its own, plus the definition's with propagateTags TASK_DEFINITION, plus
/// the ECS managed ones.
pub fn task_tags(
    own: Vec<Tag>,
    td: &TaskDefinition,
    propagate: Option<&str>,
    managed: bool,
    cluster_name: &str,
) -> EcsResult<Vec<Tag>> {
    let mut all = own;
    if propagate == Some("TASK_DEFINITION") {
        for t in &td.tags {
            if !all.iter().any(|a| a.key == t.key) {
                all.push(t.clone());
            }
        }
    }
    tags::validate(&all)?;
    if managed {
        all.push(Tag {
            key: Some("aws:ecs:clusterName".into()),
            value: Some(cluster_name.into()),
        });
    }
    Ok(all)
}
