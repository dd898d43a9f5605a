//! Task scale-in protection: GetTaskProtection and UpdateTaskProtection. A protected task of a
//! service is never chosen to stop by a scale-in or a deployment until its protection expires
//! (emulated time; 2 hours unless `expiresInMinutes` says otherwise, 1 to 2,880 minutes).
//! Standalone tasks answer the failure `TASK_NOT_VALID`, as ECS does.

use crate::core::context::RequestContext;
use crate::ecs::state::lookup::{cluster_arn, find_task};
use crate::ecs::state::types::Failure;
use crate::ecs::state::RegionState;
use crate::ecs::{parse, EcsError, EcsResult};
use crate::wire::Reply;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Protection's default and longest duration, in minutes.
const DEFAULT_MINUTES: i64 = 120;
const MAX_MINUTES: i64 = 2880;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ProtectedTask {
    task_arn: String,
    protection_enabled: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    expiration_date: Option<f64>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct UpdateRequest {
    cluster: String,
    tasks: Vec<String>,
    protection_enabled: bool,
    expires_in_minutes: Option<i64>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct GetRequest {
    cluster: String,
    tasks: Option<Vec<String>>,
}

/// The task's ARN if it can be protected: found, a service's, not stopped; else the failure.
fn protectable(st: &RegionState, cluster: &str, ident: &str) -> Result<String, Failure> {
    let Some(arn) = find_task(st, cluster, ident) else {
        return Err(Failure::new(ident, "MISSING"));
    };
    match st.tasks.get(&arn) {
        Some(t) if t.service_arn.is_some() && !t.is_stopped() => Ok(arn),
        _ => Err(Failure {
            detail: Some("The task is not part of a running service.".into()),
            ..Failure::new(arn, "TASK_NOT_VALID")
        }),
    }
}

fn view(st: &RegionState, arn: &str) -> ProtectedTask {
    let now = st.now();
    let until = st
        .tasks
        .get(arn)
        .and_then(|t| t.protected_until)
        .filter(|u| *u > now);
    ProtectedTask {
        task_arn: arn.to_string(),
        protection_enabled: until.is_some(),
        expiration_date: until,
    }
}

fn check_count(tasks: &[String]) -> EcsResult<()> {
    if tasks.is_empty() || tasks.len() > 10 {
        return Err(EcsError::invalid("tasks must list between 1 and 10 tasks."));
    }
    Ok(())
}

pub fn update_task_protection(
    st: &mut RegionState,
    _ctx: &RequestContext,
    input: Map<String, Value>,
) -> EcsResult<Reply> {
    let req: UpdateRequest = parse(input)?;
    let cluster = cluster_arn(st, Some(&req.cluster))?;
    check_count(&req.tasks)?;
    let minutes = req.expires_in_minutes.unwrap_or(DEFAULT_MINUTES);
    if req.protection_enabled && !(1..=MAX_MINUTES).contains(&minutes) {
        return Err(EcsError::invalid(
            "expiresInMinutes must be between 1 and 2880.",
        ));
    }
    let until = req
        .protection_enabled
        .then(|| st.now() + minutes as f64 * 60.0);
    let (mut done, mut failures) = (Vec::new(), Vec::new());
    for ident in &req.tasks {
        match protectable(st, &cluster, ident) {
            Ok(arn) => {
                if let Some(t) = st.tasks.get_mut(&arn) {
                    t.protected_until = until;
                }
                done.push(view(st, &arn));
            }
            Err(f) => failures.push(f),
        }
    }
    Ok(Reply::found("protectedTasks", &done, &failures))
}

pub fn get_task_protection(
    st: &mut RegionState,
    _ctx: &RequestContext,
    input: Map<String, Value>,
) -> EcsResult<Reply> {
    let req: GetRequest = parse(input)?;
    let cluster = cluster_arn(st, Some(&req.cluster))?;
    let tasks = req.tasks.unwrap_or_default();
    check_count(&tasks)?;
    let (mut found, mut failures) = (Vec::new(), Vec::new());
    for ident in &tasks {
        match protectable(st, &cluster, ident) {
            Ok(arn) => found.push(view(st, &arn)),
            Err(f) => failures.push(f),
        }
    }
    Ok(Reply::found("protectedTasks", &found, &failures))
}
