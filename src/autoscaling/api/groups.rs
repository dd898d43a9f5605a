//! CreateAutoScalingGroup, UpdateAutoScalingGroup and DeleteAutoScalingGroup:
//! <https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_CreateAutoScalingGroup.html>.
//! Groups launch from launch templates only (launch configurations and `InstanceId` are not
//! emulated); a mixed instances policy's template is used as is (overrides and the instances
//! distribution are ignored). Load balancers, target groups, lifecycle hooks and warm pools
//! named in a request are not acted upon.

use super::tags::parse_tags;
use super::{group_mut, Env};
use crate::autoscaling::state::group::{cause_time, Group, LaunchSource, TemplateSpec};
use crate::autoscaling::state::RegionState;
use crate::autoscaling::{AsgError, AsgResult};
use crate::wire::input::Input;

pub fn create_auto_scaling_group(
    st: &mut RegionState,
    env: &Env<'_>,
    input: &Input,
) -> AsgResult<Option<String>> {
    let name = input.required_str("AutoScalingGroupName")?.to_string();
    let min = input
        .count("MinSize")?
        .ok_or_else(|| AsgError::missing("MinSize"))?;
    let max = input
        .count("MaxSize")?
        .ok_or_else(|| AsgError::missing("MaxSize"))?;
    let source = launch_source(input)?.ok_or_else(|| {
        AsgError::validation("Valid requests must contain either LaunchTemplate, LaunchConfigurationName, InstanceId or MixedInstancesPolicy parameter.")
    })?;
    let desired = input.count("DesiredCapacity")?.unwrap_or(min);
    check_sizes(min, max, desired)?;
    let (subnets, subnet_zones, zones) = placement(env, input)?;
    check_template(env, source.template())?;
    if st.groups.contains_key(&name) {
        return Err(AsgError::AlreadyExists(format!(
            "AutoScalingGroup by this name already exists - A group with the name {name} already exists"
        )));
    }
    let tags = parse_tags(&input.objects("Tags"), &name)?;
    let now = st.now();
    let ctx = env.ctx;
    let group = Group {
        arn: crate::core::arn::build(
            "autoscaling",
            &ctx.region,
            &ctx.account,
            &format!(
                "autoScalingGroup:{}:autoScalingGroupName/{name}",
                crate::core::ids::uuid()
            ),
        ),
        source,
        min_size: min,
        max_size: max,
        desired_capacity: desired,
        default_cooldown: input.int("DefaultCooldown")?.unwrap_or(300),
        availability_zones: zones,
        subnets,
        subnet_zones,
        health_check_type: input.string("HealthCheckType").unwrap_or_else(|| "EC2".into()),
        health_check_grace_period: input.int("HealthCheckGracePeriod")?.unwrap_or(0),
        created_time: now,
        status: None,
        tags,
        termination_policies: or_default_policy(input.strings("TerminationPolicies")),
        new_instances_protected_from_scale_in: input
            .bool("NewInstancesProtectedFromScaleIn")?
            .unwrap_or(false),
        capacity_rebalance: input.bool("CapacityRebalance")?.unwrap_or(false),
        max_instance_lifetime: input.int("MaxInstanceLifetime")?,
        default_instance_warmup: input.int("DefaultInstanceWarmup")?,
        desired_capacity_type: input.string("DesiredCapacityType"),
        context: input.string("Context"),
        placement_group: input.string("PlacementGroup"),
        service_linked_role_arn: input.string("ServiceLinkedRoleARN").unwrap_or_else(|| {
            crate::core::arn::build("iam", "", &ctx.account, "role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling")
        }),
        target_group_arns: input.strings("TargetGroupARNs"),
        load_balancer_names: input.strings("LoadBalancerNames"),
        members: Vec::new(),
        cause: format!(
            "At {} a user request created an AutoScalingGroup changing the desired capacity from 0 to {desired}.",
            cause_time(now)
        ),
        launch_failures: 0,
        retry_at: 0.0,
        name: name.clone(),
    };
    st.groups.insert(name, group);
    Ok(None)
}

pub fn update_auto_scaling_group(
    st: &mut RegionState,
    env: &Env<'_>,
    input: &Input,
) -> AsgResult<Option<String>> {
    let name = input.required_str("AutoScalingGroupName")?;
    let source = launch_source(input)?;
    if let Some(source) = &source {
        check_template(env, source.template())?;
    }
    let placement = if input.has("VPCZoneIdentifier") || input.has("AvailabilityZones") {
        Some(placement(env, input)?)
    } else {
        None
    };
    let (min, max, desired) = (
        input.count("MinSize")?,
        input.count("MaxSize")?,
        input.count("DesiredCapacity")?,
    );
    let now = st.now();
    let group = group_mut(st, name)?;
    refuse_if_deleting(group)?;
    let new_min = min.unwrap_or(group.min_size);
    let new_max = max.unwrap_or(group.max_size);
    // A new bound that excludes the current desired capacity moves it (AWS's documented rule).
    let new_desired =
        desired.unwrap_or_else(|| group.desired_capacity.clamp(new_min, new_max.max(new_min)));
    check_sizes(new_min, new_max, new_desired)?;
    if new_desired != group.desired_capacity {
        group.cause = format!(
            "At {} a user request update of AutoScalingGroup constraints to min: {new_min}, max: {new_max}, desired: {new_desired} changing the desired capacity from {} to {new_desired}.",
            cause_time(now),
            group.desired_capacity
        );
    }
    (group.min_size, group.max_size, group.desired_capacity) = (new_min, new_max, new_desired);
    if let Some(source) = source {
        group.source = source;
    }
    if let Some((subnets, subnet_zones, zones)) = placement {
        (group.subnets, group.subnet_zones, group.availability_zones) =
            (subnets, subnet_zones, zones);
    }
    update_settings(group, input)?;
    Ok(None)
}

/// The members of UpdateAutoScalingGroup that are stored and shown but drive nothing.
fn update_settings(group: &mut Group, input: &Input) -> AsgResult<()> {
    if let Some(v) = input.int("DefaultCooldown")? {
        group.default_cooldown = v;
    }
    if let Some(v) = input.string("HealthCheckType") {
        group.health_check_type = v;
    }
    if let Some(v) = input.int("HealthCheckGracePeriod")? {
        group.health_check_grace_period = v;
    }
    if input.has("TerminationPolicies") {
        group.termination_policies = or_default_policy(input.strings("TerminationPolicies"));
    }
    if let Some(v) = input.bool("NewInstancesProtectedFromScaleIn")? {
        group.new_instances_protected_from_scale_in = v;
    }
    if let Some(v) = input.bool("CapacityRebalance")? {
        group.capacity_rebalance = v;
    }
    if let Some(v) = input.int("MaxInstanceLifetime")? {
        group.max_instance_lifetime = Some(v);
    }
    if let Some(v) = input.int("DefaultInstanceWarmup")? {
        group.default_instance_warmup = Some(v);
    }
    for (member, slot) in [
        ("DesiredCapacityType", &mut group.desired_capacity_type),
        ("Context", &mut group.context),
        ("PlacementGroup", &mut group.placement_group),
    ] {
        if let Some(v) = input.string(member) {
            *slot = Some(v);
        }
    }
    Ok(())
}

pub fn delete_auto_scaling_group(
    st: &mut RegionState,
    _env: &Env<'_>,
    input: &Input,
) -> AsgResult<Option<String>> {
    let name = input.required_str("AutoScalingGroupName")?;
    let force = input.bool("ForceDelete")?.unwrap_or(false);
    let now = st.now();
    let group = group_mut(st, name)?;
    if group.deleting() && !force {
        return Err(AsgError::ScalingActivityInProgress("You cannot delete an AutoScalingGroup while there are scaling activities in progress for that group.".into()));
    }
    if !group.members.is_empty() && !force {
        return Err(AsgError::ResourceInUse("You cannot delete an AutoScalingGroup while there are instances or pending Spot instance request(s) still in the group.".into()));
    }
    if group.members.is_empty() {
        let name = group.name.clone();
        st.groups.remove(&name);
        return Ok(None);
    }
    // The controller terminates every member (protected ones too), then removes the group.
    group.cause = format!(
        "At {} a user request deleted the AutoScalingGroup changing the desired capacity from {} to 0.",
        cause_time(now),
        group.desired_capacity
    );
    group.status = Some("Delete in progress".into());
    (group.min_size, group.max_size, group.desired_capacity) = (0, 0, 0);
    Ok(None)
}

/// AWS refuses changes to a group being deleted.
pub fn refuse_if_deleting(group: &Group) -> AsgResult<()> {
    if group.deleting() {
        return Err(AsgError::validation(format!(
            "AutoScalingGroup {} is pending delete.",
            group.name
        )));
    }
    Ok(())
}

fn or_default_policy(policies: Vec<String>) -> Vec<String> {
    if policies.is_empty() {
        vec!["Default".into()]
    } else {
        policies
    }
}

pub fn check_sizes(min: u32, max: u32, desired: u32) -> AsgResult<()> {
    if min > max {
        return Err(AsgError::validation(format!(
            "Max bound, {max}, must be greater than or equal to min bound, {min}"
        )));
    }
    if desired < min || desired > max {
        return Err(AsgError::validation(format!(
            "Desired capacity:{desired} must be between the specified min size:{min} and max size:{max}"
        )));
    }
    Ok(())
}

/// The launch template named by `LaunchTemplate` or `MixedInstancesPolicy`, if any.
fn launch_source(input: &Input) -> AsgResult<Option<LaunchSource>> {
    if let Some(name) = input.str("LaunchConfigurationName") {
        return Err(AsgError::validation(format!(
            "Launch configuration name not found - Launch configuration {name} not found"
        )));
    }
    if input.has("InstanceId") {
        return Err(AsgError::validation(
            "local-ecs does not create groups from an instance (InstanceId): use a launch template.",
        ));
    }
    if let Some(spec) = input.object("LaunchTemplate") {
        return Ok(Some(LaunchSource::LaunchTemplate(template_spec(&spec)?)));
    }
    let mixed = input
        .object("MixedInstancesPolicy")
        .and_then(|p| p.object("LaunchTemplate"))
        .and_then(|t| t.object("LaunchTemplateSpecification"));
    match mixed {
        Some(spec) => Ok(Some(LaunchSource::Mixed(template_spec(&spec)?))),
        None if input.has("MixedInstancesPolicy") => Err(AsgError::validation(
            "A launch template must be specified in the MixedInstancesPolicy.",
        )),
        None => Ok(None),
    }
}

fn template_spec(spec: &Input) -> AsgResult<TemplateSpec> {
    let (id, name) = (
        spec.string("LaunchTemplateId"),
        spec.string("LaunchTemplateName"),
    );
    match (&id, &name) {
        (Some(_), Some(_)) => Err(AsgError::validation("Valid requests must contain either launchTemplateId or launchTemplateName, but not both.")),
        (None, None) => Err(AsgError::validation("Valid requests must contain either launchTemplateId or launchTemplateName.")),
        _ => Ok(TemplateSpec {
            id,
            name,
            version: spec.string("Version").unwrap_or_else(|| "$Default".into()),
        }),
    }
}

fn check_template(env: &Env<'_>, t: &TemplateSpec) -> AsgResult<()> {
    if env.template_exists(&t.as_ref()) {
        return Ok(());
    }
    let which = match (&t.id, &t.name) {
        (Some(id), _) => format!("template ID {id}"),
        (None, name) => format!("template name {}", name.as_deref().unwrap_or("")),
    };
    Err(AsgError::validation(format!(
        "You must use a valid fully-formed launch template. The specified launch template, with {which}, does not exist."
    )))
}

/// Subnets (from `VPCZoneIdentifier`), each subnet's zone, and the group's zones: those given,
/// else the subnets' zones.
fn placement(env: &Env<'_>, input: &Input) -> AsgResult<(Vec<String>, Vec<String>, Vec<String>)> {
    let subnets: Vec<String> = input
        .str("VPCZoneIdentifier")
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    let mut zones = input.strings("AvailabilityZones");
    if subnets.is_empty() && zones.is_empty() {
        return Err(AsgError::validation(
            "At least one Availability Zone or VPC Subnet is required.",
        ));
    }
    let mut subnet_zones = Vec::with_capacity(subnets.len());
    for subnet in &subnets {
        let zone = env.subnet_zone(subnet)?;
        if let (true, Some(zone)) = (input.strings("AvailabilityZones").is_empty(), &zone) {
            if !zones.contains(zone) {
                zones.push(zone.clone());
            }
        }
        // Without EC2 the zone is unknown: the subnet stands for its own zone when balancing.
        subnet_zones.push(zone.unwrap_or_else(|| subnet.clone()));
    }
    zones.sort();
    Ok((subnets, subnet_zones, zones))
}
