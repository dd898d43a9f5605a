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
use serde_json::{json, Map, Value};

pub fn discover_poll_endpoint(
    _st: &mut RegionState,
    ctx: &RequestContext,
    _input: Map<String, Value>,
) -> EcsResult<Reply> {
    let base = ctx.endpoint();
    Ok(json!({
        "endpoint": format!("{base}/"),
        "telemetryEndpoint": format!("{base}/"),
        "serviceConnectEndpoint": base,
    })
    .into())
}
