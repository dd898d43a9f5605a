//! ContinueServiceDeployment: acts on a deployment paused at a PAUSE lifecycle hook.
//! <https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ContinueServiceDeployment.html>
//!
//! local-ecs runs no deployment lifecycle hooks and no bake time, so no deployment ever waits on
//! a hook: an unknown deployment is ServiceDeploymentNotFoundException, a known one answers as
//! ECS answers for a hook that is not AWAITING_ACTION (InvalidParameterException).

use crate::core::context::RequestContext;
use crate::ecs::state::RegionState;
use crate::ecs::{parse, EcsError, EcsResult};
use crate::wire::Reply;
use serde::Deserialize;
use serde_json::{Map, Value};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ContinueRequest {
    service_deployment_arn: String,
    hook_id: String,
}

pub fn continue_service_deployment(
    st: &mut RegionState,
    _ctx: &RequestContext,
    input: Map<String, Value>,
) -> EcsResult<Reply> {
    let req: ContinueRequest = parse(input)?;
    let arn = req.service_deployment_arn;
    if !st.service_deployments.contains_key(&arn) {
        return Err(EcsError::ServiceDeploymentNotFound(format!(
            "The service deployment {arn} does not exist."
        )));
    }
    Err(EcsError::invalid(format!(
        "The service deployment {arn} is not paused at lifecycle hook {}: only a hook in AWAITING_ACTION status can be continued or rolled back.",
        req.hook_id
    )))
}
