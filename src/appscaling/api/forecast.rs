//! GetPredictiveScalingForecast. Predictive scaling policies are not built (PutScalingPolicy
//! refuses them), so no target here has one: the answer AWS gives for a policy that does not
//! exist on the target.

use super::targets::key;
use super::{parse, required, target, Env};
use crate::appscaling::state::RegionState;
use crate::appscaling::{AasError, AasResult};
use crate::wire::Reply;
use serde::Deserialize;
use serde_json::{Map, Value};

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
struct ForecastRequest {
    service_namespace: Option<String>,
    resource_id: Option<String>,
    scalable_dimension: Option<String>,
    policy_name: Option<String>,
    start_time: Option<f64>,
    end_time: Option<f64>,
}

pub fn get_predictive_scaling_forecast(
    st: &mut RegionState,
    _env: &Env,
    input: Map<String, Value>,
) -> AasResult<Reply> {
    let req: ForecastRequest = parse(input)?;
    let name = required(&req.policy_name, "PolicyName")?;
    req.start_time
        .ok_or_else(|| AasError::missing("StartTime"))?;
    req.end_time.ok_or_else(|| AasError::missing("EndTime"))?;
    let k = key(
        &req.service_namespace,
        &req.resource_id,
        &req.scalable_dimension,
    )?;
    target(st, k.namespace, k.resource_id, k.dimension)
        .map_err(|e| AasError::invalid(e.message().to_string()))?;
    Err(AasError::invalid(format!(
        "No predictive scaling policy named {name} found for resource {}",
        k.resource_id
    )))
}
