//! DescribeScalingActivities, newest first; not-scaled activities only with
//! IncludeNotScaledActivities
//! (<https://docs.aws.amazon.com/autoscaling/application/APIReference/API_DescribeScalingActivities.html>).

use super::{page_reply, page_size, parse, required, resume, Env};
use crate::appscaling::state::RegionState;
use crate::appscaling::AasResult;
use crate::wire::Reply;
use serde::Deserialize;
use serde_json::{Map, Value};

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
struct DescribeRequest {
    service_namespace: Option<String>,
    resource_id: Option<String>,
    scalable_dimension: Option<String>,
    max_results: Option<i64>,
    next_token: Option<String>,
    include_not_scaled_activities: bool,
}

pub fn describe_scaling_activities(
    st: &mut RegionState,
    _env: &Env,
    input: Map<String, Value>,
) -> AasResult<Reply> {
    let req: DescribeRequest = parse(input)?;
    let ns = required(&req.service_namespace, "ServiceNamespace")?;
    super::check_namespace(ns)?;
    let size = page_size(req.max_results, 50)?;
    let after = resume(req.next_token.as_deref())?;
    // Activity ids are unique; a page resumes after the id it ended on.
    let mut wanted = st.activities.iter().rev().filter(|a| {
        a.service_namespace == ns
            && (req.include_not_scaled_activities || !a.is_not_scaled())
            && req.resource_id.as_ref().is_none_or(|r| *r == a.resource_id)
            && req
                .scalable_dimension
                .as_ref()
                .is_none_or(|d| *d == a.scalable_dimension)
    });
    if let Some(after) = after {
        for a in wanted.by_ref() {
            if a.activity_id == after {
                break;
            }
        }
    }
    let (page, token) = crate::core::pagination::take_page(wanted, size, |a| a.activity_id.clone());
    Ok(page_reply("ScalingActivities", &page, token))
}
