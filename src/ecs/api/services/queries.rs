//! DescribeServices, ListServices and ListServicesByNamespace.

use crate::core::context::RequestContext;
use crate::core::pagination::{page_size, resume_after, take_page};
use crate::ecs::api::services::lookup::view;
use crate::ecs::state::lookup::cluster_arn;
use crate::ecs::state::lookup::service_arn_of as arn_of;
use crate::ecs::state::status::ServiceStatus;
use crate::ecs::state::status::{LaunchType, SchedulingStrategy};
use crate::ecs::state::types::Failure;
use crate::ecs::state::RegionState;
use crate::ecs::{parse, EcsError, EcsResult};
use crate::wire::Reply;
use serde::Deserialize;
use serde_json::{Map, Value};

#[derive(Deserialize)]
struct DescribeServicesRequest {
    cluster: Option<String>,
    services: Vec<String>,
    #[serde(default)]
    include: Vec<String>,
}

pub fn describe_services(
    st: &mut RegionState,
    _ctx: &RequestContext,
    input: Map<String, Value>,
) -> EcsResult<Reply> {
    let req: DescribeServicesRequest = parse(input)?;
    let cluster = cluster_arn(st, req.cluster.as_deref())?;
    if req.services.is_empty() || req.services.len() > 10 {
        return Err(EcsError::invalid(
            "services must list between 1 and 10 services.",
        ));
    }
    let with_tags = req.include.iter().any(|i| i == "TAGS");
    let (mut found, mut failures) = (Vec::new(), Vec::new());
    for ident in &req.services {
        let arn = arn_of(st, &cluster, ident);
        if st.services.contains_key(&arn) {
            found.extend(view(st, &arn, with_tags));
        } else {
            failures.push(Failure::new(missing_arn(st, ident), "MISSING"));
        }
    }
    Ok(Reply::found("services", &found, &failures))
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct ListServicesRequest {
    cluster: Option<String>,
    next_token: Option<String>,
    max_results: Option<i32>,
    launch_type: Option<LaunchType>,
    scheduling_strategy: Option<SchedulingStrategy>,
}

pub fn list_services(
    st: &mut RegionState,
    _ctx: &RequestContext,
    input: Map<String, Value>,
) -> EcsResult<Reply> {
    let req: ListServicesRequest = parse(input)?;
    let cluster = cluster_arn(st, req.cluster.as_deref())?;
    let size = page_size(req.max_results, 10, 100)?;
    let after = resume_after(req.next_token.as_deref())?;
    let matching = st
        .services
        .values()
        .filter(|s| s.cluster_arn == cluster && s.status != ServiceStatus::Inactive)
        .filter(|s| req.launch_type.is_none() || s.launch_type == req.launch_type)
        .filter(|s| {
            req.scheduling_strategy
                .as_ref()
                .is_none_or(|x| *x == s.scheduling_strategy)
        })
        .filter(|s| after.as_ref().is_none_or(|a| s.service_arn > *a));
    let (page, token) = take_page(matching, size, |s| s.service_arn.clone());
    let arns: Vec<&str> = page.iter().map(|s| s.service_arn.as_str()).collect();
    Ok(Reply::page("serviceArns", &arns, &token))
}

/// The ARN AWS reports for a service it cannot find: the one given, or for a bare name
/// `service/NAME` without the cluster part (as AWS writes it).
fn missing_arn(st: &RegionState, ident: &str) -> String {
    if ident.starts_with("arn:") {
        ident.to_string()
    } else {
        st.arn(&format!("service/{ident}"))
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ByNamespaceRequest {
    namespace: String,
    next_token: Option<String>,
    max_results: Option<i32>,
}

/// Services of clusters whose Service Connect default namespace is `namespace` (Cloud Map is not
/// emulated, so a namespace no cluster names is NamespaceNotFoundException).
pub fn list_services_by_namespace(
    st: &mut RegionState,
    _ctx: &RequestContext,
    input: Map<String, Value>,
) -> EcsResult<Reply> {
    let req: ByNamespaceRequest = parse(input)?;
    let size = page_size(req.max_results, 10, 100)?;
    let after = resume_after(req.next_token.as_deref())?;
    // The namespace by ARN, by id (`ns-…`) or by the name a cluster's defaults gave it.
    let by_name = st.namespaces.get(&req.namespace);
    let matches_ns = |ns: &str| {
        ns == req.namespace
            || by_name.is_some_and(|arn| arn == ns)
            || ns.rsplit('/').next() == Some(req.namespace.as_str())
    };
    let clusters: Vec<String> = st
        .clusters
        .values()
        .filter(|c| {
            c.service_connect_defaults
                .as_ref()
                .and_then(|d| d.get("namespace"))
                .and_then(Value::as_str)
                .is_some_and(matches_ns)
        })
        .map(|c| c.cluster_arn.clone())
        .collect();
    if clusters.is_empty() {
        return Err(EcsError::NamespaceNotFound(format!(
            "Namespace {} not found.",
            req.namespace
        )));
    }
    let matching = st
        .services
        .values()
        .filter(|s| clusters.contains(&s.cluster_arn) && s.status == ServiceStatus::Active)
        .filter(|s| after.as_ref().is_none_or(|a| s.service_arn > *a));
    let (page, token) = take_page(matching, size, |s| s.service_arn.clone());
    let arns: Vec<&str> = page.iter().map(|s| s.service_arn.as_str()).collect();
    Ok(Reply::page("serviceArns", &arns, &token))
}
