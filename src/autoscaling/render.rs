//! The stored shapes written as AWS Query XML: `member`-wrapped lists, `true`/`false`, and
//! ISO 8601 timestamps in UTC with milliseconds (`2026-01-02T03:04:05.678Z`), as Auto Scaling
//! answers.

use super::state::group::{Activity, Group, Member, TemplateSpec};
use crate::wire::xml::XmlWriter;

pub use crate::core::clock::iso8601 as timestamp;

fn flag(b: bool) -> &'static str {
    if b {
        "true"
    } else {
        "false"
    }
}

/// `<name><member>a</member>…</name>` (an empty list is written as an empty element).
pub fn strings(w: &mut XmlWriter, name: &str, items: &[String]) {
    w.start(name);
    for item in items {
        w.element("member", item);
    }
    w.end();
}

fn template(w: &mut XmlWriter, name: &str, t: &TemplateSpec) {
    w.start(name)
        .optional("LaunchTemplateId", t.id.as_deref())
        .optional("LaunchTemplateName", t.name.as_deref())
        .element("Version", &t.version)
        .end();
}

/// One `AutoScalingGroup`.
pub fn group(w: &mut XmlWriter, g: &Group) {
    use super::state::group::LaunchSource;
    w.start("member")
        .element("AutoScalingGroupName", &g.name)
        .element("AutoScalingGroupARN", &g.arn);
    match &g.source {
        LaunchSource::LaunchTemplate(t) => template(w, "LaunchTemplate", t),
        LaunchSource::Mixed(t) => {
            w.start("MixedInstancesPolicy").start("LaunchTemplate");
            template(w, "LaunchTemplateSpecification", t);
            w.end().end();
        }
    }
    w.element("MinSize", &g.min_size.to_string())
        .element("MaxSize", &g.max_size.to_string())
        .element("DesiredCapacity", &g.desired_capacity.to_string())
        .element("DefaultCooldown", &g.default_cooldown.to_string());
    strings(w, "AvailabilityZones", &g.availability_zones);
    strings(w, "LoadBalancerNames", &g.load_balancer_names);
    strings(w, "TargetGroupARNs", &g.target_group_arns);
    w.element("HealthCheckType", &g.health_check_type)
        .element(
            "HealthCheckGracePeriod",
            &g.health_check_grace_period.to_string(),
        )
        .start("Instances");
    for m in &g.members {
        instance(w, m, None);
    }
    w.end()
        .element("CreatedTime", &timestamp(g.created_time))
        .start("SuspendedProcesses")
        .end()
        .optional("PlacementGroup", g.placement_group.as_deref())
        .element("VPCZoneIdentifier", &g.subnets.join(","))
        .start("EnabledMetrics")
        .end()
        .optional("Status", g.status.as_deref());
    w.start("Tags");
    for t in &g.tags {
        tag(w, &g.name, &t.key, &t.value, t.propagate_at_launch);
    }
    w.end();
    strings(w, "TerminationPolicies", &g.termination_policies);
    w.element(
        "NewInstancesProtectedFromScaleIn",
        flag(g.new_instances_protected_from_scale_in),
    )
    .element("ServiceLinkedRoleARN", &g.service_linked_role_arn)
    .optional(
        "MaxInstanceLifetime",
        g.max_instance_lifetime.map(|n| n.to_string()).as_deref(),
    )
    .element("CapacityRebalance", flag(g.capacity_rebalance))
    .optional("Context", g.context.as_deref())
    .optional("DesiredCapacityType", g.desired_capacity_type.as_deref())
    .optional(
        "DefaultInstanceWarmup",
        g.default_instance_warmup.map(|n| n.to_string()).as_deref(),
    )
    .start("TrafficSources")
    .end()
    .end();
}

/// One `Instance` (inside a group) or, with the group's name, one `AutoScalingInstanceDetails`.
pub fn instance(w: &mut XmlWriter, m: &Member, group_name: Option<&str>) {
    w.start("member")
        .element("InstanceId", &m.instance_id)
        .optional("InstanceType", m.instance_type.as_deref())
        .optional("AutoScalingGroupName", group_name)
        .element("AvailabilityZone", &m.availability_zone)
        .element("LifecycleState", m.lifecycle.as_str())
        .element(
            "HealthStatus",
            if m.healthy { "Healthy" } else { "Unhealthy" },
        );
    template(w, "LaunchTemplate", &m.template);
    w.element("ProtectedFromScaleIn", flag(m.protected_from_scale_in))
        .end();
}

/// One `TagDescription`.
pub fn tag(w: &mut XmlWriter, group_name: &str, key: &str, value: &str, propagate: bool) {
    w.start("member")
        .element("ResourceId", group_name)
        .element("ResourceType", "auto-scaling-group")
        .element("Key", key)
        .element("Value", value)
        .element("PropagateAtLaunch", flag(propagate))
        .end();
}

/// The members of one `Activity` (the caller opens and closes its element).
pub fn activity_members(w: &mut XmlWriter, a: &Activity) {
    w.element("ActivityId", &a.activity_id)
        .element("AutoScalingGroupName", &a.group_name)
        .element("AutoScalingGroupARN", &a.group_arn)
        .element("Description", &a.description)
        .element("Cause", &a.cause)
        .element("StartTime", &timestamp(a.start_time))
        .optional("EndTime", a.end_time.map(timestamp).as_deref())
        .element("StatusCode", &a.status_code)
        .optional("StatusMessage", a.status_message.as_deref())
        .element("Progress", &a.progress.to_string())
        .element("Details", &a.details);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps() {
        assert_eq!(timestamp(0.0), "1970-01-01T00:00:00.000Z");
        assert_eq!(timestamp(1_709_251_200.5), "2024-03-01T00:00:00.500Z");
        assert_eq!(timestamp(951_782_400.0), "2000-02-29T00:00:00.000Z");
        assert_eq!(timestamp(1_798_761_599.999), "2026-12-31T23:59:59.999Z");
    }
}
