//! The Application Auto Scaling operations, one file per resource, named after the API. A
//! handler reads its JSON input into a typed request, checks it as the service does, and changes
//! the region's state; it reads ECS and writes CloudWatch alarms only through the facades in
//! [`Env`], and queues desired counts for ECS in the region's outbox.

pub mod activities;
pub mod forecast;
pub mod policies;
pub mod scheduled;
pub mod tags;
pub mod targets;
pub mod tracking;

use super::state::shapes::ScalableTarget;
use super::state::{target_key, RegionState};
use super::{AasError, AasResult};
use crate::core::scaling::{Alarms, ServiceCounts, Services};
use crate::wire::Reply;
use serde_json::{Map, Value};
use std::sync::Arc;

/// What handlers read and write beyond their region: ECS's services, CloudWatch's alarms.
#[derive(Clone)]
pub struct Env {
    pub services: Arc<dyn Services>,
    /// `None` until CloudWatch hands its facade over (then alarms are named but not created).
    pub alarms: Option<Arc<dyn Alarms>>,
}

/// An operation: the region's state, the facades and the decoded input.
pub type Handler = fn(&mut RegionState, &Env, Map<String, Value>) -> AasResult<Reply>;

/// The only dimension scalable here.
pub const ECS_DIMENSION: &str = "ecs:service:DesiredCount";

/// Reads the input into the operation's request type.
pub fn parse<T: serde::de::DeserializeOwned>(input: Map<String, Value>) -> AasResult<T> {
    serde_json::from_value(Value::Object(input)).map_err(|e| AasError::Serialization(e.to_string()))
}

pub fn required<'a>(value: &'a Option<String>, member: &str) -> AasResult<&'a str> {
    value.as_deref().ok_or_else(|| AasError::missing(member))
}

/// The namespaces of the model (anything else fails the enum constraint).
const NAMESPACES: &[&str] = &[
    "ecs",
    "elasticmapreduce",
    "ec2",
    "appstream",
    "dynamodb",
    "rds",
    "sagemaker",
    "custom-resource",
    "comprehend",
    "lambda",
    "cassandra",
    "kafka",
    "elasticache",
    "neptune",
    "workspaces",
];

pub fn check_namespace(namespace: &str) -> AasResult<()> {
    if NAMESPACES.contains(&namespace) {
        return Ok(());
    }
    Err(AasError::constraint(
        namespace,
        "serviceNamespace",
        &format!(
            "Member must satisfy enum value set: [{}]",
            NAMESPACES.join(", ")
        ),
    ))
}

/// The cluster and service names of `service/<cluster>/<service>`.
pub fn ecs_names(resource_id: &str) -> Option<(&str, &str)> {
    let rest = resource_id.strip_prefix("service/")?;
    let (cluster, service) = rest.split_once('/')?;
    (!cluster.is_empty() && !service.is_empty() && !service.contains('/'))
        .then_some((cluster, service))
}

/// Checks that the resource exists and is scalable on that dimension here: only ECS services
/// are; anything else is answered as AWS answers for a resource that does not exist.
pub fn check_resource(
    st: &RegionState,
    env: &Env,
    namespace: &str,
    resource_id: &str,
    dimension: &str,
) -> AasResult<ServiceCounts> {
    check_namespace(namespace)?;
    if namespace != "ecs" {
        return Err(AasError::invalid(format!(
            "{namespace} resource doesn't exist: {resource_id} (local-ecs scales only ECS services)"
        )));
    }
    if dimension != ECS_DIMENSION {
        return Err(AasError::invalid(format!(
            "Unsupported scalable dimension {dimension} for service namespace {namespace}"
        )));
    }
    let missing = || AasError::invalid(format!("ECS service doesn't exist: {resource_id}"));
    let (cluster, service) = ecs_names(resource_id).ok_or_else(missing)?;
    env.services
        .counts(&st.account, &st.region, cluster, service)
        .ok_or_else(missing)
}

/// The registered target with this key.
pub fn target<'s>(
    st: &'s RegionState,
    namespace: &str,
    resource_id: &str,
    dimension: &str,
) -> AasResult<&'s ScalableTarget> {
    st.targets
        .get(&target_key(namespace, resource_id, dimension))
        .ok_or_else(|| AasError::no_target(namespace, resource_id, dimension))
}

/// The page size of a Describe operation: 1 to `max`, `max` when absent.
pub fn page_size(requested: Option<i64>, max: usize) -> AasResult<usize> {
    match requested {
        None => Ok(max),
        Some(n) if n >= 1 && n as usize <= max => Ok(n as usize),
        Some(n) => Err(AasError::invalid(format!(
            "MaxResults must be between 1 and {max}, but was {n}"
        ))),
    }
}

/// Where a page resumes (the key after which it starts).
pub fn resume(token: Option<&str>) -> AasResult<Option<String>> {
    crate::core::pagination::resume_after(token)
        .map_err(|_| AasError::InvalidNextToken("Invalid NextToken".into()))
}

/// `{name: items, "NextToken": token}`.
pub fn page_reply<T: serde::Serialize>(name: &str, items: &[T], token: Option<String>) -> Reply {
    let mut body = serde_json::Map::new();
    body.insert(name.into(), serde_json::to_value(items).unwrap_or_default());
    if let Some(t) = token {
        body.insert("NextToken".into(), Value::String(t));
    }
    Reply::of(&body)
}

/// One page of keyed items after `after`, with the token for the next.
pub fn take_page<'a, T: 'a>(
    items: impl Iterator<Item = (&'a String, &'a T)>,
    after: Option<String>,
    size: usize,
) -> (Vec<&'a T>, Option<String>) {
    let rest = items.filter(|(k, _)| after.as_ref().is_none_or(|a| *k > a));
    let (page, token) = crate::core::pagination::take_page(rest, size, |(k, _)| (*k).clone());
    (page.into_iter().map(|(_, v)| v).collect(), token)
}
