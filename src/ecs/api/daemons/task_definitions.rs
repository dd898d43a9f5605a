//! Daemon task definitions: RegisterDaemonTaskDefinition, DescribeDaemonTaskDefinition,
//! ListDaemonTaskDefinitions, DeleteDaemonTaskDefinition.
//! <https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_RegisterDaemonTaskDefinition.html>
//!
//! ARNs are `daemon-task-definition/<family>:<revision>`; revisions count from 1 per family and
//! are never reused. Deleting a revision that a daemon still runs leaves it DELETE_IN_PROGRESS
//! until no daemon does (the daemon scheduler settles it); one that nothing runs is DELETED at
//! once. DELETED revisions stay describable. The rules are `crate::ecs::rules::daemon`'s.

use crate::core::context::RequestContext;
use crate::core::pagination::{page_size, resume_after, take_page};
use crate::core::tags;
use crate::ecs::rules::daemon as rules;
use crate::ecs::rules::task_definition::{parse_cpu, parse_memory};
use crate::ecs::state::daemon::{DaemonTaskDefinition, DaemonTaskDefinitionStatus, DaemonVolume};
use crate::ecs::state::types::{ContainerDefinition, Tag};
use crate::ecs::state::RegionState;
use crate::ecs::{parse, EcsError, EcsResult};
use crate::wire::Reply;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use serde_with::skip_serializing_none;

type Key = (String, u32);

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RegisterRequest {
    family: String,
    container_definitions: Vec<ContainerDefinition>,
    task_role_arn: Option<String>,
    execution_role_arn: Option<String>,
    cpu: Option<String>,
    memory: Option<String>,
    #[serde(default)]
    volumes: Vec<DaemonVolume>,
    #[serde(default)]
    tags: Vec<Tag>,
    pid_mode: Option<String>,
    ipc_mode: Option<String>,
}

pub fn register_daemon_task_definition(
    st: &mut RegionState,
    _ctx: &RequestContext,
    input: Map<String, Value>,
) -> EcsResult<Reply> {
    let req: RegisterRequest = parse(input)?;
    tags::validate(&req.tags)?;
    let mut d = DaemonTaskDefinition {
        family: req.family,
        task_role_arn: req.task_role_arn,
        execution_role_arn: req.execution_role_arn,
        container_definitions: req
            .container_definitions
            .into_iter()
            .map(rules::daemon_container)
            .collect(),
        volumes: req.volumes,
        cpu: units(req.cpu, parse_cpu, "cpu")?,
        memory: units(req.memory, parse_memory, "memory")?,
        pid_mode: req.pid_mode,
        ipc_mode: req.ipc_mode,
        tags: req.tags,
        ..Default::default()
    };
    rules::check_and_fill(&mut d)?;
    let tables = &mut st.daemons;
    let revision = tables.last_revision.get(&d.family).copied().unwrap_or(0) + 1;
    tables.last_revision.insert(d.family.clone(), revision);
    d.revision = revision;
    d.daemon_task_definition_arn =
        st.arn(&format!("daemon-task-definition/{}:{revision}", d.family));
    d.registered_at = st.now();
    d.registered_by = Some(crate::core::arn::account_root(&st.account));
    d.status = DaemonTaskDefinitionStatus::Active;
    let reply = Reply::of(&json!({ "daemonTaskDefinitionArn": d.daemon_task_definition_arn }));
    st.daemons
        .task_definitions
        .insert((d.family.clone(), revision), d);
    Ok(reply)
}

/// Task cpu and memory as AWS stores them: plain numbers ("0.25 vCPU" becomes "256").
fn units(
    value: Option<String>,
    parse_units: fn(&str) -> Option<u32>,
    what: &str,
) -> EcsResult<Option<String>> {
    match value {
        None => Ok(None),
        Some(v) => parse_units(&v).map(|n| Some(n.to_string())).ok_or_else(|| {
            EcsError::client(format!("Invalid '{what}' setting for daemon task: '{v}'."))
        }),
    }
}

/// A daemon task definition's key from `family` (latest ACTIVE revision), `family:revision` or
/// its ARN.
pub fn resolve(st: &RegionState, ident: &str) -> Option<Key> {
    let short = ident
        .strip_prefix(&st.arn("daemon-task-definition/"))
        .unwrap_or(ident);
    if short.starts_with("arn:") {
        return None;
    }
    let defs = &st.daemons.task_definitions;
    match short.rsplit_once(':') {
        Some((family, rev)) => {
            let key = (family.to_string(), rev.parse().ok()?);
            defs.contains_key(&key).then_some(key)
        }
        None => defs
            .range((short.to_string(), 0)..=(short.to_string(), u32::MAX))
            .rev()
            .find(|(_, d)| d.status == DaemonTaskDefinitionStatus::Active)
            .map(|(k, _)| k.clone()),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DescribeRequest {
    daemon_task_definition: String,
}

pub fn describe_daemon_task_definition(
    st: &mut RegionState,
    _ctx: &RequestContext,
    input: Map<String, Value>,
) -> EcsResult<Reply> {
    let req: DescribeRequest = parse(input)?;
    let d = resolve(st, &req.daemon_task_definition)
        .and_then(|k| st.daemons.task_definitions.get(&k))
        .ok_or_else(|| EcsError::client("Unable to describe daemon task definition."))?;
    Ok(Reply::member("daemonTaskDefinition", d))
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct ListRequest {
    family_prefix: Option<String>,
    family: Option<String>,
    revision: Option<String>,
    status: Option<String>,
    sort: Option<String>,
    next_token: Option<String>,
    max_results: Option<i32>,
}

#[skip_serializing_none]
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Summary<'a> {
    arn: &'a str,
    registered_at: f64,
    registered_by: Option<&'a str>,
    delete_requested_at: Option<f64>,
    status: DaemonTaskDefinitionStatus,
}

pub fn list_daemon_task_definitions(
    st: &mut RegionState,
    _ctx: &RequestContext,
    input: Map<String, Value>,
) -> EcsResult<Reply> {
    let req: ListRequest = parse(input)?;
    let size = page_size(req.max_results, 100, 100)?;
    let after = resume_after(req.next_token.as_deref())?;
    let defs = &st.daemons.task_definitions;
    let status_ok = |s: DaemonTaskDefinitionStatus| match req.status.as_deref() {
        Some("ALL") => true,
        Some("DELETE_IN_PROGRESS") => s == DaemonTaskDefinitionStatus::DeleteInProgress,
        _ => s == DaemonTaskDefinitionStatus::Active,
    };
    let last_only = req.revision.as_deref() == Some("LAST_REGISTERED");
    let mut keys: Vec<&Key> = defs
        .iter()
        .filter(|(_, d)| status_ok(d.status))
        .filter(|((f, _), _)| req.family.as_deref().is_none_or(|x| f == x))
        .filter(|((f, _), _)| {
            req.family_prefix
                .as_deref()
                .is_none_or(|p| f.starts_with(p))
        })
        .filter(|((f, r), _)| !last_only || st.daemons.last_revision.get(f) == Some(r))
        .map(|(k, _)| k)
        .collect();
    if req.sort.as_deref() == Some("DESC") {
        keys.reverse();
    }
    let position = |k: &Key| format!("{}\u{1}{:010}", k.0, k.1);
    let start = match &after {
        Some(a) => keys
            .iter()
            .position(|k| position(k) == *a)
            .map_or(keys.len(), |i| i + 1),
        None => 0,
    };
    let (page, token) = take_page(keys.into_iter().skip(start), size, |k| position(k));
    let summaries: Vec<Summary> = page
        .into_iter()
        .filter_map(|k| defs.get(k))
        .map(|d| Summary {
            arn: &d.daemon_task_definition_arn,
            registered_at: d.registered_at,
            registered_by: d.registered_by.as_deref(),
            delete_requested_at: d.delete_requested_at,
            status: d.status,
        })
        .collect();
    Ok(Reply::page("daemonTaskDefinitions", &summaries, &token))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DeleteRequest {
    daemon_task_definition: String,
}

pub fn delete_daemon_task_definition(
    st: &mut RegionState,
    _ctx: &RequestContext,
    input: Map<String, Value>,
) -> EcsResult<Reply> {
    let req: DeleteRequest = parse(input)?;
    let key = resolve(st, &req.daemon_task_definition)
        .ok_or_else(|| EcsError::client("The specified daemon task definition does not exist."))?;
    let now = st.now();
    let in_use = {
        let arn = st
            .daemons
            .task_definitions
            .get(&key)
            .map(|d| d.daemon_task_definition_arn.clone())
            .unwrap_or_default();
        crate::ecs::scheduler::daemons::definition_in_use(st, &arn)
    };
    let d =
        st.daemons.task_definitions.get_mut(&key).ok_or_else(|| {
            EcsError::client("The specified daemon task definition does not exist.")
        })?;
    if d.status != DaemonTaskDefinitionStatus::Active {
        return Err(EcsError::client(format!(
            "The daemon task definition is not ACTIVE: {}",
            d.daemon_task_definition_arn
        )));
    }
    d.delete_requested_at = Some(now);
    d.status = if in_use {
        DaemonTaskDefinitionStatus::DeleteInProgress
    } else {
        DaemonTaskDefinitionStatus::Deleted
    };
    Ok(Reply::of(
        &json!({ "daemonTaskDefinitionArn": d.daemon_task_definition_arn }),
    ))
}
