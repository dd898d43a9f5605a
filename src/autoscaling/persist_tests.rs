//! `--state-dir` for Auto Scaling, with the real EC2: a group at its desired capacity, saved
//! and loaded (EC2 first, as the App does) into fresh services, describes as before, and the
//! controller's first pass after the load launches nothing.

use super::controller::Controller;
use super::{AutoScaling, AutoScalingSetup};
use crate::core::bus::Bus;
use crate::core::clock::Clock;
use crate::core::context::RequestContext;
use crate::core::fleet::{Instances, View};
use crate::core::persist;
use crate::ec2::persist_tests::{call as ec2_call, saved};
use crate::ec2::{Ec2, Ec2Setup};
use crate::wire::query::{parse_form, to_document};
use std::time::Duration;

struct Pair {
    ec2: Ec2,
    asg: AutoScaling,
    ctl: Controller,
}

fn pair() -> Pair {
    let bus = Bus::new();
    let clock = Clock::default();
    let ec2 = Ec2::new(Ec2Setup {
        clock: clock.clone(),
        bus: bus.clone(),
    });
    let instances: View<dyn Instances> = View::new(ec2.instances());
    let asg = AutoScaling::new(AutoScalingSetup {
        clock,
        bus,
        instances: instances.clone(),
        networks: View::new(ec2.networks()),
    });
    let ctl = Controller {
        store: asg.store.clone(),
        instances,
    };
    Pair { ec2, asg, ctl }
}

impl Pair {
    fn call(&self, op: &str, form: &str) -> String {
        let ctx = RequestContext::new("000000000000", "us-east-1");
        self.asg
            .dispatch(&ctx, op, to_document(&parse_form(form)))
            .unwrap_or_else(|e| panic!("{op}: {e:?}"))
            .unwrap_or_default()
    }

    fn answers(&self) -> Vec<String> {
        vec![
            self.call("DescribeAutoScalingGroups", ""),
            self.call("DescribeAutoScalingInstances", ""),
            self.call("DescribeScalingActivities", "AutoScalingGroupName=g"),
            self.call("DescribeTags", ""),
            ec2_call(&self.ec2, "DescribeInstances", ""),
        ]
    }
}

/// A group of two InService instances, with a tag carried to them.
async fn at_desired() -> Pair {
    let p = pair();
    ec2_call(&p.ec2, "CreateLaunchTemplate", "LaunchTemplateName=web-lt&LaunchTemplateData.ImageId=ami-12345678&LaunchTemplateData.InstanceType=t3.micro");
    p.call("CreateAutoScalingGroup", "AutoScalingGroupName=g&LaunchTemplate.LaunchTemplateName=web-lt&MinSize=1&MaxSize=4&DesiredCapacity=2&AvailabilityZones.member.1=us-east-1a&AvailabilityZones.member.2=us-east-1b&Tags.member.1.Key=team&Tags.member.1.Value=a&Tags.member.1.PropagateAtLaunch=true");
    p.ctl.pass();
    tokio::time::advance(Duration::from_secs(3)).await;
    p.ctl.pass();
    let groups = p.call("DescribeAutoScalingGroups", "");
    assert_eq!(
        groups.matches("<LifecycleState>InService").count(),
        2,
        "{groups}"
    );
    p
}

fn instance_count(p: &Pair) -> usize {
    ec2_call(&p.ec2, "DescribeInstances", "")
        .matches("<instanceId>")
        .count()
}

#[tokio::test(start_paused = true)]
async fn a_restored_group_describes_as_before_and_launches_nothing() {
    let before = at_desired().await;
    let answers = before.answers();
    let (ec2_records, asg_records) = (
        saved(&before.ec2.durable().unwrap()),
        saved(&before.asg.durable().unwrap()),
    );

    let after = pair();
    after.ec2.durable().unwrap().restore(ec2_records).unwrap();
    let durable = after.asg.durable().unwrap();
    durable.restore(asg_records).unwrap();
    assert_eq!(after.answers(), answers);
    after.ctl.pass();
    tokio::time::advance(Duration::from_secs(10)).await;
    after.ctl.pass();
    assert_eq!(
        instance_count(&after),
        2,
        "no instance launched after the load"
    );
    assert_eq!(after.answers(), answers, "the passes changed nothing");
    assert!(durable.changes().is_empty(), "nothing to save either");
}

#[tokio::test(start_paused = true)]
async fn a_restored_group_keeps_scaling() {
    let before = at_desired().await;
    let after = pair();
    let ec2_records = saved(&before.ec2.durable().unwrap());
    after.ec2.durable().unwrap().restore(ec2_records).unwrap();
    let asg_records = saved(&before.asg.durable().unwrap());
    after.asg.durable().unwrap().restore(asg_records).unwrap();
    after.call(
        "SetDesiredCapacity",
        "AutoScalingGroupName=g&DesiredCapacity=3",
    );
    after.ctl.pass();
    assert_eq!(instance_count(&after), 3);
    let activities = after.call("DescribeScalingActivities", "AutoScalingGroupName=g");
    assert_eq!(
        activities.matches("<ActivityId>").count(),
        3,
        "{activities}"
    );
}

#[tokio::test]
async fn a_record_that_cannot_be_read_fails_the_restore_naming_it() {
    let p = pair();
    let key = persist::key(&["000000000000", "us-east-1"]);
    let bad = br#"{"account":"a","region":"r","groups":{"g":{"name":"g"}}}"#;
    let err = p
        .asg
        .durable()
        .unwrap()
        .restore(vec![(key.clone(), bad.to_vec())])
        .unwrap_err();
    assert!(
        err.contains("autoscaling") && err.contains(&format!("{key:?}")),
        "{err}"
    );
}
