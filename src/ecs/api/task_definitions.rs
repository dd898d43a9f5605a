//! Task definitions: RegisterTaskDefinition, DescribeTaskDefinition, ListTaskDefinitions,
//! ListTaskDefinitionFamilies, DeregisterTaskDefinition, DeleteTaskDefinitions.
//! <https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_RegisterTaskDefinition.html>
//! Revisions count from 1 per family and are never reused. The rules live in
//! `task_definition_rules`.

use crate::core::context::RequestContext;
use crate::core::pagination::{page_size, resume_after, token_after};
use crate::core::tags;
use crate::ecs::rules::task_definition as rules;
use crate::ecs::state::lookup::{family_range, resolve_task_definition as resolve};
use crate::ecs::state::status::TaskDefinitionStatus;
use crate::ecs::state::status::{LaunchType, NetworkMode};
use crate::ecs::state::types::{ContainerDefinition, Failure, Tag, TaskDefinition, Volume};
use crate::ecs::state::RegionState;
use crate::ecs::{parse, EcsError, EcsResult};
use crate::wire::Reply;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use serde_with::skip_serializing_none;
use std::ops::Bound;

type Key = (String, u32);

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RegisterRequest {
    family: String,
    container_definitions: Vec<ContainerDefinition>,
    task_role_arn: Option<String>,
    execution_role_arn: Option<String>,
    network_mode: Option<NetworkMode>,
    #[serde(default)]
    volumes: Vec<Volume>,
    #[serde(default)]
    placement_constraints: Vec<Value>,
    requires_compatibilities: Option<Vec<LaunchType>>,
    cpu: Option<String>,
    memory: Option<String>,
    #[serde(default)]
    tags: Vec<Tag>,
    pid_mode: Option<String>,
    ipc_mode: Option<String>,
    proxy_configuration: Option<Value>,
    inference_accelerators: Option<Vec<Value>>,
    ephemeral_storage: Option<Value>,
    runtime_platform: Option<Value>,
    enable_fault_injection: Option<bool>,
}

pub fn register_task_definition(
    st: &mut RegionState,
    _ctx: &RequestContext,
    input: Map<String, Value>,
) -> EcsResult<Reply> {
    let req: RegisterRequest = parse(input)?;
    tags::validate(&req.tags)?;
    let cpu = normalize(req.cpu, rules::parse_cpu, "cpu")?;
    let memory = normalize(req.memory, rules::parse_memory, "memory")?;
    let mut td = TaskDefinition {
        container_definitions: req.container_definitions,
        family: req.family,
        task_role_arn: req.task_role_arn,
        execution_role_arn: req.execution_role_arn,
        network_mode: req.network_mode,
        volumes: req.volumes,
        status: TaskDefinitionStatus::Active,
        placement_constraints: req.placement_constraints,
        requires_compatibilities: req.requires_compatibilities,
        cpu,
        memory,
        pid_mode: req.pid_mode,
        ipc_mode: req.ipc_mode,
        proxy_configuration: req.proxy_configuration,
        inference_accelerators: req.inference_accelerators,
        ephemeral_storage: req.ephemeral_storage,
        runtime_platform: req.runtime_platform,
        enable_fault_injection: req.enable_fault_injection,
        tags: req.tags,
        ..Default::default()
    };
    rules::validate(&td)?;
    rules::fill_defaults(&mut td);
    td.compatibilities = rules::compatibilities(&td);
    td.requires_attributes = rules::requires_attributes(&td);
    let revision = st.last_revision.get(&td.family).copied().unwrap_or(0) + 1;
    st.last_revision.insert(td.family.clone(), revision);
    td.revision = revision;
    td.task_definition_arn = st.arn(&format!("task-definition/{}:{revision}", td.family));
    td.registered_at = Some(st.now());
    td.registered_by = Some(crate::core::arn::account_root(&st.account));
    let reply = Reply::of(&OneDefinition {
        task_definition: &td,
        tags: Some(&td.tags),
    });
    st.task_definitions
        .insert((td.family.clone(), revision), td);
    Ok(reply)
}

/// An answer carrying one task definition (and its tags, which live beside it on the wire).
#[skip_serializing_none]
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct OneDefinition<'a> {
    task_definition: &'a TaskDefinition,
    tags: Option<&'a [Tag]>,
}

/// AWS stores task cpu and memory as plain numbers ("1 vCPU" becomes "1024").
fn normalize(
    value: Option<String>,
    parse_units: fn(&str) -> Option<u32>,
    what: &str,
) -> EcsResult<Option<String>> {
    match value {
        None => Ok(None),
        Some(v) => parse_units(&v)
            .map(|n| Some(n.to_string()))
            .ok_or_else(|| EcsError::client(format!("Invalid '{what}' setting for task: '{v}'."))),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DescribeRequest {
    task_definition: String,
    #[serde(default)]
    include: Vec<String>,
}

pub fn describe_task_definition(
    st: &mut RegionState,
    _ctx: &RequestContext,
    input: Map<String, Value>,
) -> EcsResult<Reply> {
    let req: DescribeRequest = parse(input)?;
    let key = resolve(st, &req.task_definition)
        .ok_or_else(|| EcsError::client("Unable to describe task definition."))?;
    let td = st
        .task_definitions
        .get(&key)
        .ok_or_else(|| EcsError::client("Unable to describe task definition."))?;
    let with_tags = req.include.iter().any(|i| i == "TAGS");
    Ok(Reply::of(&OneDefinition {
        task_definition: td,
        tags: with_tags.then_some(td.tags.as_slice()),
    }))
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct ListRequest {
    family_prefix: Option<String>,
    status: Option<TaskDefinitionStatus>,
    sort: Option<String>,
    next_token: Option<String>,
    max_results: Option<i32>,
}

pub fn list_task_definitions(
    st: &mut RegionState,
    _ctx: &RequestContext,
    input: Map<String, Value>,
) -> EcsResult<Reply> {
    let req: ListRequest = parse(input)?;
    let size = page_size(req.max_results, 100, 100)?;
    let after = resume_after(req.next_token.as_deref())?
        .map(|t| decode_key(&t))
        .transpose()?;
    let status = req.status.unwrap_or_default();
    let descending = req.sort.as_deref() == Some("DESC");
    // The familyPrefix of ListTaskDefinitions is a whole family name, per the API reference.
    let (lo, hi) = match &req.family_prefix {
        Some(f) => (
            Bound::Included((f.clone(), 0)),
            Bound::Included((f.clone(), u32::MAX)),
        ),
        None => (Bound::Unbounded, Bound::Unbounded),
    };
    let (lo, hi) = match (after, descending) {
        (Some(k), false) => (Bound::Excluded(k), hi),
        (Some(k), true) => (lo, Bound::Excluded(k)),
        (None, _) => (lo, hi),
    };
    let range = st.task_definitions.range((lo, hi));
    let iter: Box<dyn Iterator<Item = (&Key, &TaskDefinition)>> = if descending {
        Box::new(range.rev())
    } else {
        Box::new(range)
    };
    let mut matching = iter.filter(|(_, td)| td.status == status);
    let page: Vec<(&Key, &TaskDefinition)> = matching.by_ref().take(size).collect();
    let token = match (matching.next(), page.last()) {
        (Some(_), Some((k, _))) => Some(token_after(&encode_key(k))),
        _ => None,
    };
    let arns: Vec<&str> = page
        .iter()
        .map(|(_, td)| td.task_definition_arn.as_str())
        .collect();
    Ok(Reply::page("taskDefinitionArns", &arns, &token))
}

fn encode_key((family, rev): &Key) -> String {
    format!("{family}:{rev}")
}

fn decode_key(s: &str) -> EcsResult<Key> {
    let invalid =
        || EcsError::invalid("Invalid token: the nextToken is not one this service issued.");
    let (family, rev) = s.rsplit_once(':').ok_or_else(invalid)?;
    Ok((family.to_string(), rev.parse().map_err(|_| invalid())?))
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct FamiliesRequest {
    family_prefix: Option<String>,
    status: Option<String>,
    next_token: Option<String>,
    max_results: Option<i32>,
}

pub fn list_task_definition_families(
    st: &mut RegionState,
    _ctx: &RequestContext,
    input: Map<String, Value>,
) -> EcsResult<Reply> {
    let req: FamiliesRequest = parse(input)?;
    let size = page_size(req.max_results, 100, 100)?;
    let after = resume_after(req.next_token.as_deref())?;
    // By default both ACTIVE and INACTIVE families are listed, per the API reference.
    let status = req.status.unwrap_or_else(|| "ALL".into());
    let prefix = req.family_prefix.unwrap_or_default();
    let mut families = Vec::new();
    let mut token = None;
    let mut cursor = match &after {
        Some(f) => Bound::Excluded((f.clone(), u32::MAX)),
        None => Bound::Included((prefix.clone(), 0)),
    };
    // One range step per family: the cost follows the number of families, not revisions.
    while let Some(((family, _), _)) = st
        .task_definitions
        .range((cursor.clone(), Bound::Unbounded))
        .next()
    {
        if !family.starts_with(&prefix) {
            break;
        }
        let active =
            family_range(st, family).any(|(_, td)| td.status == TaskDefinitionStatus::Active);
        let live = family_range(st, family)
            .any(|(_, td)| td.status != TaskDefinitionStatus::DeleteInProgress);
        let wanted = match status.as_str() {
            "ACTIVE" => active,
            "INACTIVE" => !active && live,
            _ => true,
        };
        if wanted {
            if families.len() == size {
                token = families.last().map(|f: &String| token_after(f));
                break;
            }
            families.push(family.clone());
        }
        cursor = Bound::Excluded((family.clone(), u32::MAX));
    }
    Ok(Reply::page("families", &families, &token))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DeregisterRequest {
    task_definition: String,
}

pub fn deregister_task_definition(
    st: &mut RegionState,
    _ctx: &RequestContext,
    input: Map<String, Value>,
) -> EcsResult<Reply> {
    let now = st.now();
    let req: DeregisterRequest = parse(input)?;
    let key = exact_key(st, &req.task_definition)?;
    let td = st
        .task_definitions
        .get_mut(&key)
        .ok_or_else(|| EcsError::client("Unable to describe task definition."))?;
    if td.status == TaskDefinitionStatus::Active {
        td.status = TaskDefinitionStatus::Inactive;
        td.deregistered_at = Some(now);
    }
    Ok(Reply::member("taskDefinition", &*td))
}

/// A `family:revision` or ARN naming an existing revision; a bare family is not enough here.
/// The messages are AWS's: "Revision is missing.", "Invalid revision number. Number: foo",
/// "Unable to describe task definition.".
fn exact_key(st: &RegionState, ident: &str) -> EcsResult<Key> {
    let short = ident
        .strip_prefix(&st.arn("task-definition/"))
        .unwrap_or(ident);
    let Some((family, revision)) = short.rsplit_once(':') else {
        return Err(EcsError::client("Revision is missing."));
    };
    let revision: u32 = revision
        .parse()
        .map_err(|_| EcsError::client(format!("Invalid revision number. Number: {revision}")))?;
    let key = (family.to_string(), revision);
    if short.starts_with("arn:") || !st.task_definitions.contains_key(&key) {
        return Err(EcsError::client("Unable to describe task definition."));
    }
    Ok(key)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DeleteRequest {
    task_definitions: Vec<String>,
}

pub fn delete_task_definitions(
    st: &mut RegionState,
    _ctx: &RequestContext,
    input: Map<String, Value>,
) -> EcsResult<Reply> {
    let now = st.now();
    let req: DeleteRequest = parse(input)?;
    if req.task_definitions.is_empty() || req.task_definitions.len() > 10 {
        return Err(EcsError::invalid(
            "Specify between 1 and 10 task definitions to delete.",
        ));
    }
    let (mut deleted, mut failures) = (Vec::new(), Vec::new());
    for ident in &req.task_definitions {
        let key = match exact_key(st, ident) {
            Ok(k) => k,
            Err(e) => {
                failures.push(Failure {
                    arn: Some(ident.clone()),
                    reason: Some(e.message()),
                    detail: None,
                });
                continue;
            }
        };
        let Some(td) = st.task_definitions.get_mut(&key) else {
            continue;
        };
        if td.status == TaskDefinitionStatus::Active {
            failures.push(Failure {
                arn: Some(td.task_definition_arn.clone()),
                reason: Some("The specified task definition is still in ACTIVE status. Please deregister the target and try again.".into()),
                detail: None,
            });
            continue;
        }
        if td.status == TaskDefinitionStatus::Inactive {
            td.status = TaskDefinitionStatus::DeleteInProgress;
            td.delete_requested_at = Some(now);
        }
        deleted.push(td.clone());
    }
    Ok(Reply::found("taskDefinitions", &deleted, &failures))
}
