//! Daemon deployments and revisions: ListDaemonDeployments, DescribeDaemonDeployments,
//! DescribeDaemonRevisions.
//! <https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DescribeDaemonDeployments.html>
//!
//! The records outlive their daemon. Deployments are listed newest first (20 a page unless
//! asked otherwise); Describe takes up to 20 ARNs and reports the unknown ones as MISSING.

use super::{deployment_revision, parse_daemon_arn};
use crate::core::context::RequestContext;
use crate::core::pagination::{page_size, resume_after, take_page};
use crate::ecs::state::daemon::{DaemonDeployment, DaemonDeploymentStatus};
use crate::ecs::state::types::Failure;
use crate::ecs::state::RegionState;
use crate::ecs::{parse, EcsError, EcsResult};
use crate::wire::Reply;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use serde_with::skip_serializing_none;

const MAX_DESCRIBE: usize = 20;

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct CreatedAt {
    before: Option<f64>,
    after: Option<f64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ListRequest {
    daemon_arn: String,
    status: Option<Vec<String>>,
    created_at: Option<CreatedAt>,
    max_results: Option<i32>,
    next_token: Option<String>,
}

#[skip_serializing_none]
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Summary<'a> {
    daemon_deployment_arn: &'a str,
    daemon_arn: &'a str,
    cluster_arn: &'a str,
    status: DaemonDeploymentStatus,
    status_reason: Option<&'a str>,
    target_daemon_revision_arn: Option<&'a str>,
    created_at: f64,
    started_at: Option<f64>,
    stopped_at: Option<f64>,
    finished_at: Option<f64>,
}

fn summary(d: &DaemonDeployment) -> Summary<'_> {
    Summary {
        daemon_deployment_arn: &d.daemon_deployment_arn,
        daemon_arn: &d.daemon_arn,
        cluster_arn: &d.cluster_arn,
        status: d.status,
        status_reason: d.status_reason.as_deref(),
        target_daemon_revision_arn: d.target_revision.as_deref(),
        created_at: d.created_at,
        started_at: d.started_at,
        stopped_at: d.stopped_at,
        finished_at: d.finished_at,
    }
}

pub fn list_daemon_deployments(
    st: &mut RegionState,
    _ctx: &RequestContext,
    input: Map<String, Value>,
) -> EcsResult<Reply> {
    let req: ListRequest = parse(input)?;
    parse_daemon_arn(st, &req.daemon_arn)?;
    let size = page_size(req.max_results, 20, 100)?;
    let after = resume_after(req.next_token.as_deref())?;
    let statuses: Option<Vec<DaemonDeploymentStatus>> = req
        .status
        .map(|list| {
            list.iter()
                .map(|s| {
                    DaemonDeploymentStatus::parse(s).ok_or_else(|| {
                        EcsError::invalid(format!("Invalid daemon deployment status: {s}"))
                    })
                })
                .collect::<EcsResult<Vec<_>>>()
        })
        .transpose()?;
    let window = req.created_at.unwrap_or_default();
    let mut matching: Vec<&DaemonDeployment> = st
        .daemons
        .deployments
        .values()
        .filter(|d| d.daemon_arn == req.daemon_arn)
        .filter(|d| statuses.as_ref().is_none_or(|s| s.contains(&d.status)))
        .filter(|d| window.before.is_none_or(|b| d.created_at < b))
        .filter(|d| window.after.is_none_or(|a| d.created_at > a))
        .collect();
    matching.sort_by(|a, b| {
        b.created_at
            .total_cmp(&a.created_at)
            .then_with(|| a.daemon_deployment_arn.cmp(&b.daemon_deployment_arn))
    });
    let start = match &after {
        Some(a) => matching
            .iter()
            .position(|d| d.daemon_deployment_arn == *a)
            .map_or(matching.len(), |i| i + 1),
        None => 0,
    };
    let (page, token) = take_page(matching.into_iter().skip(start), size, |d| {
        d.daemon_deployment_arn.clone()
    });
    let summaries: Vec<Summary> = page.into_iter().map(summary).collect();
    Ok(Reply::page("daemonDeployments", &summaries, &token))
}

/// The ARNs of a Describe request: 1 to 20.
fn checked(arns: &[String], what: &str) -> EcsResult<()> {
    if arns.is_empty() {
        return Err(EcsError::invalid(format!("{what} cannot be empty.")));
    }
    if arns.len() > MAX_DESCRIBE {
        return Err(EcsError::invalid(format!(
            "{what} can have at most {MAX_DESCRIBE} items."
        )));
    }
    Ok(())
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DescribeDeploymentsRequest {
    daemon_deployment_arns: Vec<String>,
}

pub fn describe_daemon_deployments(
    st: &mut RegionState,
    _ctx: &RequestContext,
    input: Map<String, Value>,
) -> EcsResult<Reply> {
    let req: DescribeDeploymentsRequest = parse(input)?;
    checked(&req.daemon_deployment_arns, "daemonDeploymentArns")?;
    let (mut found, mut failures) = (Vec::new(), Vec::new());
    for arn in &req.daemon_deployment_arns {
        match st.daemons.deployments.get(arn) {
            Some(d) => {
                let mut view = d.clone();
                view.target_daemon_revision = d
                    .target_revision
                    .as_deref()
                    .map(|r| deployment_revision(st, r));
                view.source_daemon_revisions = d
                    .source_revisions
                    .iter()
                    .map(|r| deployment_revision(st, r))
                    .collect();
                found.push(view);
            }
            None => failures.push(Failure::new(arn.clone(), "MISSING")),
        }
    }
    Ok(Reply::found("daemonDeployments", &found, &failures))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DescribeRevisionsRequest {
    daemon_revision_arns: Vec<String>,
}

pub fn describe_daemon_revisions(
    st: &mut RegionState,
    _ctx: &RequestContext,
    input: Map<String, Value>,
) -> EcsResult<Reply> {
    let req: DescribeRevisionsRequest = parse(input)?;
    checked(&req.daemon_revision_arns, "daemonRevisionArns")?;
    let (mut found, mut failures) = (Vec::new(), Vec::new());
    for arn in &req.daemon_revision_arns {
        match st.daemons.revisions.get(arn) {
            Some(r) => found.push(r),
            None => failures.push(Failure::new(arn.clone(), "MISSING")),
        }
    }
    Ok(Reply::found("daemonRevisions", &found, &failures))
}
