//! Daemons: CreateDaemon, UpdateDaemon, DeleteDaemon, DescribeDaemon, ListDaemons.
//! <https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_CreateDaemon.html>
//!
//! A daemon's ARN is `daemon/<cluster>/<name>`. Create and update record a revision and start
//! a deployment towards it; delete starts the deployment that drains every task, after which
//! the daemon is gone (DaemonNotFoundException). A `clientToken` repeated with the same name
//! answers the daemon it created. Messages without an AWS source follow CreateService's.

use super::{current_revisions, daemon_arn, parse_daemon_arn, provider_arn};
use crate::core::context::RequestContext;
use crate::core::pagination::{page_size, resume_after, take_page};
use crate::core::tags;
use crate::ecs::scheduler::daemons::RevisionSpec;
use crate::ecs::scheduler::daemons::{record_revision, start_deployment, with_defaults};
use crate::ecs::state::daemon::{
    Daemon, DaemonDeploymentConfiguration, DaemonPropagateTags, DaemonStatus,
    DaemonTaskDefinitionStatus,
};
use crate::ecs::state::lookup::active_cluster;
use crate::ecs::state::status::CapacityProviderStatus;
use crate::ecs::state::types::Tag;
use crate::ecs::state::RegionState;
use crate::ecs::{parse, EcsError, EcsResult};
use crate::wire::Reply;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use serde_with::skip_serializing_none;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateRequest {
    daemon_name: String,
    cluster_arn: Option<String>,
    daemon_task_definition_arn: String,
    capacity_provider_arns: Vec<String>,
    deployment_configuration: Option<DaemonDeploymentConfiguration>,
    #[serde(default)]
    tags: Vec<Tag>,
    propagate_tags: Option<DaemonPropagateTags>,
    #[serde(rename = "enableECSManagedTags")]
    enable_ecs_managed_tags: Option<bool>,
    enable_execute_command: Option<bool>,
    client_token: Option<String>,
}

/// What Create, Update and Delete answer.
#[skip_serializing_none]
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Answer<'a> {
    daemon_arn: &'a str,
    status: DaemonStatus,
    created_at: f64,
    updated_at: Option<f64>,
    deployment_arn: Option<&'a str>,
}

fn answer(d: &Daemon, with_update: bool) -> Reply {
    Reply::of(&Answer {
        daemon_arn: &d.daemon_arn,
        status: d.status,
        created_at: d.created_at,
        updated_at: with_update.then_some(d.updated_at),
        deployment_arn: d.deployment_arn.as_deref(),
    })
}

pub fn create_daemon(
    st: &mut RegionState,
    _ctx: &RequestContext,
    input: Map<String, Value>,
) -> EcsResult<Reply> {
    let req: CreateRequest = parse(input)?;
    tags::validate(&req.tags)?;
    if !crate::ecs::rules::task_definition::valid_name(&req.daemon_name) {
        return Err(EcsError::invalid("Daemon name can be up to 255 letters (uppercase and lowercase), numbers, hyphens, and underscores."));
    }
    if let Some(token) = req.client_token.as_deref().filter(|t| !valid_token(t)) {
        return Err(EcsError::invalid(format!("Invalid clientToken '{token}': up to 36 ASCII characters in the range of 33-126 are allowed.")));
    }
    let ident = req.cluster_arn.as_deref().unwrap_or("default");
    let (cluster_name, cluster_arn) = active_cluster(st, ident)?;
    let arn = st.arn(&format!("daemon/{cluster_name}/{}", req.daemon_name));
    if let Some(existing) = st.daemons.daemons.get(&arn) {
        return match (&req.client_token, &existing.client_token, existing.status) {
            (Some(a), Some(b), DaemonStatus::Active) if a == b => Ok(answer(existing, false)),
            (_, _, DaemonStatus::Active) => {
                Err(EcsError::invalid("Creation of daemon was not idempotent."))
            }
            _ => Err(EcsError::invalid(
                "Unable to create a daemon that is still being deleted.",
            )),
        };
    }
    let td_arn = active_definition(st, &req.daemon_task_definition_arn)?;
    let providers = check_providers(st, &cluster_name, &req.capacity_provider_arns)?;
    let config = checked_config(req.deployment_configuration)?;
    let now = st.now();
    let daemon = Daemon {
        daemon_arn: arn.clone(),
        cluster_arn,
        created_at: now,
        updated_at: now,
        name: req.daemon_name,
        deployment_configuration: config,
        client_token: req.client_token,
        tags: req.tags,
        ..Default::default()
    };
    let spec = RevisionSpec {
        task_definition_arn: td_arn,
        capacity_provider_arns: providers,
        propagate_tags: req.propagate_tags,
        enable_ecs_managed_tags: req.enable_ecs_managed_tags.unwrap_or(false),
        enable_execute_command: req.enable_execute_command.unwrap_or(false),
    };
    deploy_new(st, daemon, spec);
    let created = st
        .daemons
        .daemons
        .get(&arn)
        .ok_or(EcsError::DaemonNotFound)?;
    Ok(answer(created, false))
}

/// The API reference's rule for `clientToken`: 1–36 printable ASCII characters (33–126).
fn valid_token(token: &str) -> bool {
    (1..=36).contains(&token.len()) && token.bytes().all(|b| (33..=126).contains(&b))
}

/// Stores the daemon, records its revision and starts the deployment towards it.
fn deploy_new(st: &mut RegionState, mut daemon: Daemon, spec: RevisionSpec) {
    let arn = daemon.daemon_arn.clone();
    let revision = record_revision(st, &daemon, spec);
    daemon.target_revision = revision.clone();
    daemon.halted = false;
    st.daemons.daemons.insert(arn.clone(), daemon);
    start_deployment(st, &arn, Some(revision));
}

/// The ARN of the ACTIVE daemon task definition a request names.
fn active_definition(st: &RegionState, ident: &str) -> EcsResult<String> {
    let d = super::task_definitions::resolve(st, ident)
        .and_then(|k| st.daemons.task_definitions.get(&k))
        .ok_or_else(|| EcsError::client("Unable to find daemon task definition."))?;
    if d.status != DaemonTaskDefinitionStatus::Active {
        return Err(EcsError::client(format!(
            "DaemonTaskDefinition is not ACTIVE: {}",
            d.daemon_task_definition_arn
        )));
    }
    Ok(d.daemon_task_definition_arn.clone())
}

/// The capacity providers' ARNs, once each is an ACTIVE provider with container instances
/// (not FARGATE or FARGATE_SPOT) associated with the cluster.
fn check_providers(st: &RegionState, cluster: &str, given: &[String]) -> EcsResult<Vec<String>> {
    if given.is_empty() {
        return Err(EcsError::invalid(
            "A daemon requires at least one capacity provider.",
        ));
    }
    let associated = st
        .clusters
        .get(cluster)
        .map(|c| c.capacity_providers.clone())
        .unwrap_or_default();
    let mut out = Vec::new();
    for ident in given {
        let name = ident
            .strip_prefix(&st.arn("capacity-provider/"))
            .unwrap_or(ident);
        if crate::ecs::rules::capacity::BUILT_IN.contains(&name) {
            return Err(EcsError::invalid(format!("The capacity provider {name} cannot be used by a daemon: daemons run on the container instances of Auto Scaling group or Managed Instances capacity providers.")));
        }
        let active = st
            .capacity_providers
            .get(name)
            .is_some_and(|cp| cp.status == CapacityProviderStatus::Active);
        if !active {
            return Err(EcsError::invalid(format!("The specified capacity provider {name} does not exist. Specify a valid capacity provider and try again.")));
        }
        if !associated.iter().any(|a| a == name) {
            return Err(EcsError::invalid(format!(
                "The capacity provider {name} is not associated with the cluster {cluster}."
            )));
        }
        let arn = provider_arn(st, name);
        if !out.contains(&arn) {
            out.push(arn);
        }
    }
    Ok(out)
}

/// The deployment configuration with its defaults; bake time within 0–1440 minutes.
fn checked_config(
    given: Option<DaemonDeploymentConfiguration>,
) -> EcsResult<DaemonDeploymentConfiguration> {
    let config = with_defaults(given);
    if let Some(bake) = config
        .bake_time_in_minutes
        .filter(|b| !(0..=1440).contains(b))
    {
        return Err(EcsError::invalid(format!(
            "bakeTimeInMinutes must be between 0 and 1440 (got {bake})."
        )));
    }
    Ok(config)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct UpdateRequest {
    daemon_arn: String,
    daemon_task_definition_arn: String,
    capacity_provider_arns: Vec<String>,
    deployment_configuration: Option<DaemonDeploymentConfiguration>,
    propagate_tags: Option<DaemonPropagateTags>,
    #[serde(rename = "enableECSManagedTags")]
    enable_ecs_managed_tags: Option<bool>,
    enable_execute_command: Option<bool>,
}

pub fn update_daemon(
    st: &mut RegionState,
    _ctx: &RequestContext,
    input: Map<String, Value>,
) -> EcsResult<Reply> {
    let req: UpdateRequest = parse(input)?;
    let arn = active_daemon(st, &req.daemon_arn)?;
    let (cluster, _) = parse_daemon_arn(st, &arn)?;
    let td_arn = active_definition(st, &req.daemon_task_definition_arn)?;
    let providers = check_providers(st, &cluster, &req.capacity_provider_arns)?;
    let mut daemon = st
        .daemons
        .daemons
        .get(&arn)
        .cloned()
        .ok_or(EcsError::DaemonNotFound)?;
    if req.deployment_configuration.is_some() {
        daemon.deployment_configuration = checked_config(req.deployment_configuration)?;
    }
    let previous = st.daemons.revisions.get(&daemon.target_revision);
    let spec = RevisionSpec {
        task_definition_arn: td_arn,
        capacity_provider_arns: providers,
        propagate_tags: req
            .propagate_tags
            .or_else(|| previous.and_then(|p| p.propagate_tags)),
        enable_ecs_managed_tags: req
            .enable_ecs_managed_tags
            .unwrap_or_else(|| previous.is_some_and(|p| p.enable_ecs_managed_tags)),
        enable_execute_command: req
            .enable_execute_command
            .unwrap_or_else(|| previous.is_some_and(|p| p.enable_execute_command)),
    };
    deploy_new(st, daemon, spec);
    let updated = st
        .daemons
        .daemons
        .get(&arn)
        .ok_or(EcsError::DaemonNotFound)?;
    Ok(answer(updated, true))
}

/// An existing daemon that is ACTIVE, or DaemonNotFoundException / DaemonNotActiveException.
fn active_daemon(st: &RegionState, ident: &str) -> EcsResult<String> {
    let arn = daemon_arn(st, ident)?;
    match st.daemons.daemons.get(&arn).map(|d| d.status) {
        Some(DaemonStatus::Active) => Ok(arn),
        _ => Err(EcsError::DaemonNotActive),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DaemonRequest {
    daemon_arn: String,
}

pub fn delete_daemon(
    st: &mut RegionState,
    _ctx: &RequestContext,
    input: Map<String, Value>,
) -> EcsResult<Reply> {
    let req: DaemonRequest = parse(input)?;
    let arn = active_daemon(st, &req.daemon_arn)?;
    if let Some(d) = st.daemons.daemons.get_mut(&arn) {
        d.status = DaemonStatus::DeleteInProgress;
    }
    start_deployment(st, &arn, None);
    let deleted = st
        .daemons
        .daemons
        .get(&arn)
        .ok_or(EcsError::DaemonNotFound)?;
    Ok(answer(deleted, true))
}

pub fn describe_daemon(
    st: &mut RegionState,
    _ctx: &RequestContext,
    input: Map<String, Value>,
) -> EcsResult<Reply> {
    let req: DaemonRequest = parse(input)?;
    let arn = daemon_arn(st, &req.daemon_arn)?;
    let mut view = st
        .daemons
        .daemons
        .get(&arn)
        .cloned()
        .ok_or(EcsError::DaemonNotFound)?;
    view.current_revisions = current_revisions(st, &arn, &view.target_revision);
    Ok(Reply::member("daemon", &view))
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct ListRequest {
    cluster_arn: Option<String>,
    capacity_provider_arns: Option<Vec<String>>,
    max_results: Option<i32>,
    next_token: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Summary<'a> {
    daemon_arn: &'a str,
    status: DaemonStatus,
    created_at: f64,
    updated_at: f64,
}

pub fn list_daemons(
    st: &mut RegionState,
    _ctx: &RequestContext,
    input: Map<String, Value>,
) -> EcsResult<Reply> {
    let req: ListRequest = parse(input)?;
    let size = page_size(req.max_results, 100, 100)?;
    let after = resume_after(req.next_token.as_deref())?;
    let cluster = match req.cluster_arn.as_deref() {
        Some(ident) => Some(active_cluster(st, ident)?.1),
        None => None,
    };
    let wanted: Option<Vec<String>> = req.capacity_provider_arns.map(|cps| {
        cps.iter()
            .map(|c| provider_arn(st, c.rsplit('/').next().unwrap_or(c)))
            .collect()
    });
    let runs_on = |d: &Daemon| {
        let Some(wanted) = &wanted else { return true };
        st.daemons
            .revisions
            .get(&d.target_revision)
            .is_some_and(|r| r.capacity_provider_arns.iter().any(|a| wanted.contains(a)))
    };
    let matching = st
        .daemons
        .daemons
        .values()
        .filter(|d| cluster.as_ref().is_none_or(|c| d.cluster_arn == *c))
        .filter(|d| runs_on(d))
        .filter(|d| after.as_ref().is_none_or(|a| d.daemon_arn > *a));
    let (page, token) = take_page(matching, size, |d| d.daemon_arn.clone());
    let summaries: Vec<Summary> = page
        .into_iter()
        .map(|d| Summary {
            daemon_arn: &d.daemon_arn,
            status: d.status,
            created_at: d.created_at,
            updated_at: d.updated_at,
        })
        .collect();
    Ok(Reply::page("daemonSummariesList", &summaries, &token))
}
