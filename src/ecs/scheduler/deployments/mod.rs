//! Service deployment and revision records as the scheduler keeps them.
//! <https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-deployment.html>
//!
//! Every deployment a service gets (CreateService, UpdateService) is captured as a
//! `ServiceRevision` (what is deployed) and a `ServiceDeployment` (its progress from the source
//! revisions to the target one). The scheduler's `Deployment`s stay the source of truth: after
//! every scheduler pass [`sync`] maps their rollout states onto the open records, which freeze
//! once they reach a final status (ServiceDeploymentStatus::Successful, ServiceDeploymentStatus::Stopped, ServiceDeploymentStatus::RollbackSuccessful, ServiceDeploymentStatus::RollbackFailed).

pub mod sync;

use crate::ecs::state::records::{self, RevisionSummary, ServiceDeployment};
use crate::ecs::state::service::{Deployment, Service};
use crate::ecs::state::status::DeploymentStatus;
use crate::ecs::state::status::ServiceDeploymentStatus;
use crate::ecs::state::RegionState;
use serde_json::{json, Value};
pub use sync::sync;

/// Records a new service revision and service deployment for the service's PRIMARY deployment
/// (called by CreateService/UpdateService right after they add one). Open records of the service
/// are superseded (ServiceDeploymentStatus::Stopped); a newly created service starts without its namesake's history.
pub fn record_deployment(st: &mut RegionState, service_arn: &str, now: f64) {
    let Some(service) = st.services.get(service_arn).cloned() else {
        return;
    };
    let Some(primary) = service
        .deployments
        .iter()
        .find(|d| d.status == DeploymentStatus::Primary)
    else {
        return;
    };
    if service.deployments.len() == 1 && service.created_at == now {
        purge(st, service_arn);
    }
    sync::supersede(st, service_arn, now);
    let revision = records::capture_revision(st, &service, primary, now);
    let record = new_record(&service, primary, &revision.service_revision_arn, now);
    let arn = record.service_deployment_arn.clone();
    st.service_revisions
        .insert(revision.service_revision_arn.clone(), revision);
    st.service_deployments.insert(arn, record);
}

/// A ServiceDeploymentStatus::Pending record of `primary` replacing the service's other deployments.
fn new_record(
    service: &Service,
    primary: &Deployment,
    revision: &str,
    now: f64,
) -> ServiceDeployment {
    let sources = service
        .deployments
        .iter()
        .filter(|d| d.id != primary.id)
        .map(|d| records::summary(service, &records::revision_arn(&service.service_arn, &d.id)))
        .collect();
    ServiceDeployment {
        service_deployment_arn: records::new_deployment_arn(&service.service_arn),
        service_arn: service.service_arn.clone(),
        cluster_arn: service.cluster_arn.clone(),
        created_at: now,
        updated_at: now,
        source_service_revisions: sources,
        target_service_revision: RevisionSummary {
            arn: revision.to_string(),
            requested_task_count: primary.desired_count,
            ..Default::default()
        },
        status: ServiceDeploymentStatus::Pending,
        deployment_configuration: service.deployment_configuration.clone(),
        alarms: Some(alarms(service)),
        deployment_id: primary.id.clone(),
        ..Default::default()
    }
}

/// Forgets every record of a service (ECS deletes them with the service).
fn purge(st: &mut RegionState, service_arn: &str) {
    let prefix = records::deployment_prefix(service_arn);
    let gone: Vec<String> = keys_with_prefix(&st.service_deployments, &prefix);
    for arn in gone {
        st.service_deployments.remove(&arn);
    }
    let prefix = records::revision_prefix(service_arn);
    for arn in keys_with_prefix(&st.service_revisions, &prefix) {
        st.service_revisions.remove(&arn);
    }
}

/// The keys of an ARN-keyed table that start with `prefix` (a range walk, not a scan).
fn keys_with_prefix<V>(table: &std::collections::BTreeMap<String, V>, prefix: &str) -> Vec<String> {
    table
        .range(prefix.to_string()..)
        .take_while(|(k, _)| k.starts_with(prefix))
        .map(|(k, _)| k.clone())
        .collect()
}

/// The CloudWatch alarms check as configured: DISABLED unless alarms are enabled (local-ecs
/// never triggers them).
fn alarms(service: &Service) -> Value {
    let config = service
        .deployment_configuration
        .as_ref()
        .and_then(|c| c.alarms.as_ref());
    let enabled = config
        .and_then(|a| a.get("enable"))
        .and_then(Value::as_bool)
        .unwrap_or(false);
    if !enabled {
        return json!({ "status": "DISABLED" });
    }
    let names = config
        .and_then(|a| a.get("alarmNames"))
        .cloned()
        .unwrap_or_else(|| json!([]));
    json!({ "status": "MONITORING", "alarmNames": names })
}
