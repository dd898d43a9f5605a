//! What the ECS container agent asks of the control plane: DiscoverPollEndpoint before it
//! connects, its state reports, and UpdateContainerAgent. <https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DiscoverPollEndpoint.html>
//!
//! AWS answers the regional endpoints of its agent communication, telemetry and Service Connect
//! services; here all three are this server, as the caller addressed it. Like AWS (whose model
//! lists no ClusterNotFoundException for it), the cluster and instance are not checked.

use crate::core::context::RequestContext;
use crate::ecs::state::lookup::{cluster_arn, find_instance_arn, find_task};
use crate::ecs::state::status::ContainerInstanceStatus;
use crate::ecs::state::RegionState;
use crate::ecs::{parse, EcsError, EcsResult};
use crate::wire::Reply;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Endpoints {
    endpoint: String,
    telemetry_endpoint: String,
    service_connect_endpoint: String,
}

pub fn discover_poll_endpoint(
    _st: &mut RegionState,
    ctx: &RequestContext,
    _input: Map<String, Value>,
) -> EcsResult<Reply> {
    let base = ctx.endpoint();
    Ok(Reply::of(&Endpoints {
        endpoint: format!("{base}/"),
        telemetry_endpoint: format!("{base}/"),
        service_connect_endpoint: base,
    }))
}

/// The agent's state reports (SubmitTaskStateChange, SubmitContainerStateChange,
/// SubmitAttachmentStateChanges): here the task controller is the agent and already knows every
/// state, so a report is checked (the cluster, and the task when one is named) and acknowledged,
/// as ECS acknowledges an agent's report.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct StateReport {
    cluster: Option<String>,
    task: Option<String>,
}

#[derive(Serialize)]
struct Acknowledgment {
    acknowledgment: &'static str,
}

fn acknowledge(st: &RegionState, input: Map<String, Value>) -> EcsResult<Reply> {
    let report: StateReport = parse(input)?;
    let cluster_arn = cluster_arn(st, report.cluster.as_deref())?;
    if let Some(task) = report.task.as_deref() {
        let known = find_task(st, &cluster_arn, task).is_some();
        if !known {
            return Err(EcsError::invalid(format!(
                "The referenced task was not found: {task}"
            )));
        }
    }
    Ok(Reply::of(&Acknowledgment {
        acknowledgment: "ACK",
    }))
}

pub fn submit_task_state_change(
    st: &mut RegionState,
    _ctx: &RequestContext,
    input: Map<String, Value>,
) -> EcsResult<Reply> {
    acknowledge(st, input)
}

pub fn submit_container_state_change(
    st: &mut RegionState,
    _ctx: &RequestContext,
    input: Map<String, Value>,
) -> EcsResult<Reply> {
    acknowledge(st, input)
}

pub fn submit_attachment_state_changes(
    st: &mut RegionState,
    _ctx: &RequestContext,
    input: Map<String, Value>,
) -> EcsResult<Reply> {
    acknowledge(st, input)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct UpdateAgentRequest {
    cluster: Option<String>,
    container_instance: String,
}

/// UpdateContainerAgent: every emulated instance runs the newest agent there is, so ECS's
/// answer is NoUpdateAvailableException; an unknown instance is InvalidParameterException.
pub fn update_container_agent(
    st: &mut RegionState,
    _ctx: &RequestContext,
    input: Map<String, Value>,
) -> EcsResult<Reply> {
    let req: UpdateAgentRequest = parse(input)?;
    let cluster_arn = cluster_arn(st, req.cluster.as_deref())?;
    let live = find_instance_arn(st, &cluster_arn, &req.container_instance)
        .and_then(|arn| st.container_instances.get(&arn))
        .is_some_and(|ci| ci.status != ContainerInstanceStatus::Inactive);
    if !live {
        return Err(EcsError::invalid(
            "The referenced container instance does not exist in this cluster.",
        ));
    }
    Err(EcsError::NoUpdateAvailable(
        "There is no update available for your container agent.".into(),
    ))
}
