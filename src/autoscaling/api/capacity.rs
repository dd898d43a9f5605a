//! SetDesiredCapacity, SetInstanceProtection and TerminateInstanceInAutoScalingGroup: the
//! operations that change how many instances a group keeps and which ones.
//! <https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-instance-protection.html>
//! `HonorCooldown` is accepted and ignored (no scaling policies, so no cooldowns are running).

use super::groups::refuse_if_deleting;
use super::{group_mut, Env};
use crate::autoscaling::render;
use crate::autoscaling::state::group::{cause_time, Lifecycle};
use crate::autoscaling::state::RegionState;
use crate::autoscaling::{AsgError, AsgResult};
use crate::wire::input::Input;
use crate::wire::xml::XmlWriter;

pub fn set_desired_capacity(
    st: &mut RegionState,
    _env: &Env<'_>,
    input: &Input,
) -> AsgResult<Option<String>> {
    let name = input.required_str("AutoScalingGroupName")?;
    let desired = input
        .count("DesiredCapacity")?
        .ok_or_else(|| AsgError::missing("DesiredCapacity"))?;
    let now = st.now();
    let group = group_mut(st, name)?;
    refuse_if_deleting(group)?;
    if desired > group.max_size {
        return Err(AsgError::validation(format!(
            "New SetDesiredCapacity value {desired} is above max value {} for the AutoScalingGroup.",
            group.max_size
        )));
    }
    if desired < group.min_size {
        return Err(AsgError::validation(format!(
            "New SetDesiredCapacity value {desired} is below min value {} for the AutoScalingGroup.",
            group.min_size
        )));
    }
    if desired != group.desired_capacity {
        group.cause = format!(
            "At {} a user request explicitly set group desired capacity changing the desired capacity from {} to {desired}.",
            cause_time(now),
            group.desired_capacity
        );
        group.desired_capacity = desired;
    }
    Ok(None)
}

pub fn set_instance_protection(
    st: &mut RegionState,
    _env: &Env<'_>,
    input: &Input,
) -> AsgResult<Option<String>> {
    let name = input.required_str("AutoScalingGroupName")?;
    let ids = input.strings("InstanceIds");
    let protect = input
        .bool("ProtectedFromScaleIn")?
        .ok_or_else(|| AsgError::missing("ProtectedFromScaleIn"))?;
    if ids.len() > 50 {
        return Err(AsgError::LimitExceeded(
            "The maximum number of instances per request is 50.".into(),
        ));
    }
    let group = group_mut(st, name)?;
    if let Some(stranger) = ids
        .iter()
        .find(|id| !group.members.iter().any(|m| &m.instance_id == *id))
    {
        return Err(AsgError::validation(format!(
            "The instance {stranger} is not part of Auto Scaling group {}.",
            group.name
        )));
    }
    for id in &ids {
        if let Some(member) = group.member_mut(id) {
            member.protected_from_scale_in = protect;
        }
    }
    Ok(Some(String::new()))
}

pub fn terminate_instance_in_auto_scaling_group(
    st: &mut RegionState,
    _env: &Env<'_>,
    input: &Input,
) -> AsgResult<Option<String>> {
    let id = input.required_str("InstanceId")?;
    let decrement = input
        .bool("ShouldDecrementDesiredCapacity")?
        .ok_or_else(|| AsgError::missing("ShouldDecrementDesiredCapacity"))?;
    let now = st.now();
    let group = st
        .groups
        .values_mut()
        .find(|g| g.members.iter().any(|m| m.instance_id == id))
        .ok_or_else(|| {
            AsgError::validation(format!(
                "Instance Id not found - No managed instance found for instance ID: {id}"
            ))
        })?;
    let existing = group
        .members
        .iter()
        .find(|m| m.instance_id == id && m.lifecycle == Lifecycle::Terminating)
        .and_then(|m| m.activity_id.clone());
    if let Some(activity_id) = existing {
        return Ok(Some(activity_xml(st, &activity_id)));
    }
    let before = group.desired_capacity;
    let cause = if decrement {
        if before <= group.min_size {
            return Err(AsgError::validation(format!(
                "Currently, desiredSize equals minSize ({}). Terminating instance without replacement will violate group's min size constraint. Either set shouldDecrementDesiredCapacity flag to false or lower group's min size.",
                group.min_size
            )));
        }
        group.desired_capacity -= 1;
        format!(
            "At {} instance {id} was taken out of service in response to a user request, shrinking the capacity from {before} to {}.",
            cause_time(now),
            before - 1
        )
    } else {
        format!(
            "At {} instance {id} was taken out of service in response to a user request.",
            cause_time(now)
        )
    };
    let activity = group
        .take_out(id, cause, now)
        .ok_or_else(|| AsgError::validation(format!("Instance {id} left its group.")))?;
    let activity_id = st.record(activity);
    Ok(Some(activity_xml(st, &activity_id)))
}

fn activity_xml(st: &RegionState, activity_id: &str) -> String {
    let mut w = XmlWriter::new();
    if let Some(a) = st.activities.iter().find(|a| a.activity_id == activity_id) {
        w.start("Activity");
        render::activity_members(&mut w, a);
        w.end();
    }
    w.finish()
}
