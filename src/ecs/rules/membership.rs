//! Which capacity provider a container instance belongs to (its `capacityProviderName`).
//! <https://docs.aws.amazon.com/AmazonECS/latest/developerguide/asg-capacity-providers.html>
//!
//! In AWS an instance belongs to an Auto Scaling group capacity provider because EC2 launched
//! it into that provider's group; RegisterContainerInstance itself names no group. local-ecs
//! reads the group from a custom attribute the registering agent reports,
//! [`GROUP_ATTRIBUTE`] (its value: the group's name or ARN), and gives the instance the
//! ACTIVE capacity provider of its cluster whose Auto Scaling group that is. An instance of no
//! such group has no capacity provider, as in AWS.

use crate::ecs::state::status::CapacityProviderStatus;
use crate::ecs::state::types::Attribute;
use crate::ecs::state::RegionState;

/// The custom attribute naming the Auto Scaling group of a registering instance (a local-ecs
/// convention: set it with the agent's `ECS_INSTANCE_ATTRIBUTES`, or in the request).
pub const GROUP_ATTRIBUTE: &str = "local-ecs.auto-scaling-group";

/// The capacity provider a registering instance belongs to, from its attributes.
pub fn provider_at_registration(
    st: &RegionState,
    cluster_arn: &str,
    attributes: &[Attribute],
) -> Option<String> {
    let group = attributes
        .iter()
        .find(|a| a.name == GROUP_ATTRIBUTE)
        .and_then(|a| a.value.as_deref())?;
    provider_of_group(st, cluster_arn, group)
}

/// The ACTIVE capacity provider associated with the cluster whose Auto Scaling group is
/// `group` (by name or ARN).
pub fn provider_of_group(st: &RegionState, cluster_arn: &str, group: &str) -> Option<String> {
    let cluster = st
        .clusters
        .values()
        .find(|c| c.cluster_arn == cluster_arn)?;
    cluster
        .capacity_providers
        .iter()
        .filter_map(|name| st.capacity_providers.get(name))
        .filter(|cp| cp.status == CapacityProviderStatus::Active)
        .find(|cp| {
            cp.auto_scaling_group_provider
                .as_ref()
                .and_then(|asg| asg.get("autoScalingGroupArn"))
                .and_then(|a| a.as_str())
                .is_some_and(|arn| names_group(arn, group))
        })
        .map(|cp| cp.name.clone())
}

/// Whether a provider's `autoScalingGroupArn` is the group `group` (a name or an ARN).
fn names_group(provider_arn: &str, group: &str) -> bool {
    provider_arn == group
        || provider_arn
            .rsplit_once("autoScalingGroupName/")
            .is_some_and(|(_, name)| name == group)
}

#[cfg(test)]
mod tests {
    use super::names_group;

    #[test]
    fn a_group_is_named_by_its_arn_or_name() {
        let arn = "arn:aws:autoscaling:us-east-1:000000000000:autoScalingGroup:0f1e:autoScalingGroupName/web-asg";
        assert!(names_group(arn, arn));
        assert!(names_group(arn, "web-asg"));
        assert!(!names_group(arn, "web"));
    }
}
