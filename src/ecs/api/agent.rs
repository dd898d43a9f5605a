//! What the ECS container agent asks the control plane before it connects:
//! DiscoverPollEndpoint. <https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DiscoverPollEndpoint.html>
//!
//! AWS answers the regional endpoints of its agent communication, telemetry and Service Connect
//! services; here all three are this server, as the caller addressed it. Like AWS (whose model
//! lists no ClusterNotFoundException for it), the cluster and instance are not checked.

use crate::core::context::RequestContext;
use crate::ecs::state::RegionState;
use crate::ecs::EcsResult;
use crate::wire::Reply;
use serde::Serialize;
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
