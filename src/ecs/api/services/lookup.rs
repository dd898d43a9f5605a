//! Finding services by name or ARN, showing them, and their event log.

use crate::core::ids::uuid;
use crate::ecs::api::clusters::cluster_arn;
use crate::ecs::state::service::{Service, ServiceEvent};
use crate::ecs::state::types::{now_epoch, to_wire};
use crate::ecs::state::RegionState;
use crate::ecs::{EcsError, EcsResult};
use serde_json::Value;

/// A service as AWS shows it (tags only when asked for).
pub fn view(st: &RegionState, arn: &str, with_tags: bool) -> Value {
    let Some(s) = st.services.get(arn) else {
        return Value::Null;
    };
    let mut s = s.clone();
    if !with_tags {
        s.tags.clear();
    }
    to_wire(&s)
}

/// The ARN for a service identifier (name or ARN) in a cluster.
pub(super) fn arn_of(st: &RegionState, cluster_arn: &str, ident: &str) -> String {
    if ident.starts_with("arn:") {
        return ident.to_string();
    }
    let cluster_name = cluster_arn.rsplit('/').next().unwrap_or_default();
    st.arn(&format!("service/{cluster_name}/{ident}"))
}

/// An existing service (any status), or ServiceNotFoundException.
pub fn service_arn(st: &RegionState, cluster: Option<&str>, ident: &str) -> EcsResult<String> {
    let cluster = cluster_arn(st, cluster)?;
    let arn = arn_of(st, &cluster, ident);
    match st.services.get(&arn) {
        Some(s) if s.cluster_arn == cluster => Ok(arn),
        _ => Err(EcsError::ServiceNotFound),
    }
}

/// An ACTIVE service, or ServiceNotFoundException / ServiceNotActiveException.
pub fn active_service(st: &RegionState, cluster: Option<&str>, ident: &str) -> EcsResult<String> {
    let arn = service_arn(st, cluster, ident)?;
    match st.services.get(&arn).map(|s| s.status.as_str()) {
        Some("ACTIVE") => Ok(arn),
        _ => Err(EcsError::ServiceNotActive),
    }
}

/// Adds an event (newest first, at most 100 kept, as ECS keeps them).
pub fn add_event(service: &mut Service, message: String) {
    service.events.insert(
        0,
        ServiceEvent {
            id: uuid(),
            created_at: now_epoch(),
            message,
        },
    );
    service.events.truncate(100);
}
