//! The plan over plain groups: scale-out across zones, scale-in by zone then age, protection,
//! unhealthy members, deletion, backoff.

use super::*;
use crate::autoscaling::state::group::{LaunchSource, TemplateSpec};

fn group(desired: u32, subnets: &[(&str, &str)]) -> Group {
    Group {
        name: "g".into(),
        arn: "arn:g".into(),
        source: LaunchSource::LaunchTemplate(TemplateSpec::default()),
        min_size: 0,
        max_size: 10,
        desired_capacity: desired,
        default_cooldown: 300,
        availability_zones: vec![],
        subnets: subnets.iter().map(|(s, _)| s.to_string()).collect(),
        subnet_zones: subnets.iter().map(|(_, z)| z.to_string()).collect(),
        health_check_type: "EC2".into(),
        health_check_grace_period: 0,
        created_time: 0.0,
        status: None,
        tags: vec![],
        termination_policies: vec![],
        new_instances_protected_from_scale_in: false,
        capacity_rebalance: false,
        max_instance_lifetime: None,
        default_instance_warmup: None,
        desired_capacity_type: None,
        context: None,
        placement_group: None,
        service_linked_role_arn: String::new(),
        target_group_arns: vec![],
        load_balancer_names: vec![],
        members: vec![],
        cause: String::new(),
        launch_failures: 0,
        retry_at: 0.0,
    }
}

fn member(id: &str, zone: &str, launched_at: f64) -> Member {
    Member {
        instance_id: id.into(),
        instance_type: None,
        availability_zone: zone.into(),
        lifecycle: Lifecycle::InService,
        healthy: true,
        protected_from_scale_in: false,
        template: TemplateSpec::default(),
        launched_at,
        activity_id: None,
        terminate_sent: false,
    }
}

const TWO_ZONES: &[(&str, &str)] = &[("subnet-a", "az-a"), ("subnet-b", "az-b")];

#[test]
fn scale_out_fills_the_emptiest_zone_first() {
    let mut g = group(5, TWO_ZONES);
    g.members = vec![member("i-1", "az-a", 1.0), member("i-2", "az-a", 2.0)];
    let p = plan(&g, 0.0);
    let subnets: Vec<_> = p.launch.iter().flatten().map(String::as_str).collect();
    assert_eq!(subnets, ["subnet-b", "subnet-b", "subnet-a"]);
    assert!(p.take_out.is_empty() && !p.remove_group);
}

#[test]
fn without_subnets_ec2_chooses() {
    let p = plan(&group(2, &[]), 0.0);
    assert_eq!(p.launch, vec![None, None]);
}

#[test]
fn a_launch_waits_for_its_backoff() {
    let mut g = group(1, TWO_ZONES);
    g.retry_at = 10.0;
    assert!(plan(&g, 9.0).launch.is_empty());
    assert_eq!(plan(&g, 10.0).launch.len(), 1);
}

#[test]
fn scale_in_balances_zones_then_takes_the_oldest() {
    let mut g = group(2, TWO_ZONES);
    g.members = vec![
        member("i-a1", "az-a", 1.0),
        member("i-a2", "az-a", 2.0),
        member("i-a3", "az-a", 3.0),
        member("i-b1", "az-b", 0.5),
    ];
    let p = plan(&g, 0.0);
    let out: Vec<_> = p.take_out.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(out, ["i-a1", "i-a2"]);
    assert!(p.take_out.iter().all(|(_, why)| *why == Why::ScaleIn));
    assert!(p.launch.is_empty());
}

#[test]
fn protected_members_are_never_scaled_in() {
    let mut g = group(0, TWO_ZONES);
    g.members = vec![member("i-1", "az-a", 1.0), member("i-2", "az-b", 2.0)];
    g.members[0].protected_from_scale_in = true;
    let p = plan(&g, 0.0);
    assert_eq!(p.take_out, vec![("i-2".to_string(), Why::ScaleIn)]);
}

#[test]
fn unhealthy_members_are_replaced() {
    let mut g = group(2, TWO_ZONES);
    g.members = vec![member("i-1", "az-a", 1.0), member("i-2", "az-b", 2.0)];
    g.members[1].healthy = false;
    g.members[1].protected_from_scale_in = true; // protection does not keep a broken instance
    let p = plan(&g, 0.0);
    assert_eq!(p.take_out, vec![("i-2".to_string(), Why::Unhealthy)]);
    assert_eq!(p.launch, vec![Some("subnet-b".to_string())]);
}

#[test]
fn terminating_members_are_sent_once_and_do_not_count() {
    let mut g = group(1, TWO_ZONES);
    g.members = vec![member("i-1", "az-a", 1.0), member("i-2", "az-b", 2.0)];
    g.members[0].lifecycle = Lifecycle::Terminating;
    let p = plan(&g, 0.0);
    assert_eq!(p.send, ["i-1"]);
    assert!(p.launch.is_empty() && p.take_out.is_empty());
    g.members[0].terminate_sent = true;
    assert!(plan(&g, 0.0).send.is_empty());
}

#[test]
fn a_deleted_group_takes_every_member_out_then_goes() {
    let mut g = group(0, TWO_ZONES);
    g.status = Some("Delete in progress".into());
    g.members = vec![member("i-1", "az-a", 1.0)];
    g.members[0].protected_from_scale_in = true;
    let p = plan(&g, 0.0);
    assert_eq!(p.take_out, vec![("i-1".to_string(), Why::GroupDeleted)]);
    assert!(!p.remove_group);
    g.members.clear();
    assert!(plan(&g, 0.0).remove_group);
}

#[test]
fn at_desired_nothing_happens() {
    let mut g = group(1, TWO_ZONES);
    g.members = vec![member("i-1", "az-a", 1.0)];
    g.members[0].lifecycle = Lifecycle::Pending;
    assert_eq!(plan(&g, 0.0), Plan::default());
}
