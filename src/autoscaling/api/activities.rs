//! DescribeScalingActivities: what the controller did and why, newest first
//! (<https://docs.aws.amazon.com/autoscaling/ec2/userguide/as-verify-scaling-activity.html>).
//! Activities of deleted groups show only with `IncludeDeletedGroups`. `Filters` (a recent
//! addition to the API) is not applied.

use super::describe::page;
use super::Env;
use crate::autoscaling::render;
use crate::autoscaling::state::RegionState;
use crate::autoscaling::AsgResult;
use crate::wire::input::Input;
use crate::wire::xml::XmlWriter;

pub fn describe_scaling_activities(
    st: &mut RegionState,
    _env: &Env<'_>,
    input: &Input,
) -> AsgResult<Option<String>> {
    let group = input.str("AutoScalingGroupName");
    let ids = input.strings("ActivityIds");
    let include_deleted = input.bool("IncludeDeletedGroups")?.unwrap_or(false);
    // Newest first: keys that sort upward as activities get older.
    let all = st
        .activities
        .iter()
        .rev()
        .filter(|a| group.is_none_or(|g| a.group_name == g || a.group_arn == g))
        .filter(|a| ids.is_empty() || ids.contains(&a.activity_id))
        .filter(|a| {
            include_deleted
                || st
                    .groups
                    .get(&a.group_name)
                    .is_some_and(|g| g.arn == a.group_arn)
        })
        .map(|a| (format!("{:020}", u64::MAX - a.seq), a));
    let (items, token) = page(input, all, 100, 100)?;
    let mut w = XmlWriter::new();
    w.start("Activities");
    for a in items {
        w.start("member");
        render::activity_members(&mut w, a);
        w.end();
    }
    w.end().optional("NextToken", token.as_deref());
    Ok(Some(w.finish()))
}
