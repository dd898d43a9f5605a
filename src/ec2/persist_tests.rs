//! `--state-dir` for EC2: state made through the service's dispatch, saved as its changes,
//! loaded into a fresh service, answers every Describe as before.

use super::{Ec2, Ec2Setup};
use crate::core::bus::Bus;
use crate::core::clock::Clock;
use crate::core::context::RequestContext;
use crate::core::persist::{self, Durable};
use crate::wire::query::{parse_form, to_document};
use std::sync::Arc;
use std::time::Duration;

fn ec2() -> Ec2 {
    Ec2::new(Ec2Setup {
        clock: Clock::default(),
        bus: Bus::new(),
    })
}

pub fn call(ec2: &Ec2, op: &str, form: &str) -> String {
    let ctx = RequestContext::new("000000000000", "us-east-1");
    ec2.dispatch(&ctx, op, to_document(&parse_form(form)))
        .unwrap_or_else(|e| panic!("{op}: {}", e.message()))
}

/// The text of the first `<tag>` element.
pub fn first(xml: &str, tag: &str) -> String {
    let open = format!("<{tag}>");
    let start = xml.find(&open).map(|i| i + open.len()).expect(tag);
    let end = xml[start..].find('<').expect(tag);
    xml[start..start + end].to_string()
}

/// Every record the durable would write now, as the store would hand them back.
pub fn saved(d: &Arc<dyn Durable>) -> Vec<(String, Vec<u8>)> {
    d.changes()
        .into_iter()
        .filter_map(|r| Some((r.key, r.value?)))
        .collect()
}

const DESCRIBES: [&str; 7] = [
    "DescribeInstances",
    "DescribeVpcs",
    "DescribeSubnets",
    "DescribeSecurityGroups",
    "DescribeLaunchTemplates",
    "DescribeTags",
    "DescribeInstanceStatus",
];

/// A VPC with a subnet and a group, a template, three instances (one stopped), tags.
fn populate(e: &Ec2) -> Vec<String> {
    let vpc = first(&call(e, "CreateVpc", "CidrBlock=10.1.0.0/16"), "vpcId");
    let subnet = first(
        &call(
            e,
            "CreateSubnet",
            &format!("VpcId={vpc}&CidrBlock=10.1.1.0/24&AvailabilityZone=us-east-1b"),
        ),
        "subnetId",
    );
    let sg = first(
        &call(
            e,
            "CreateSecurityGroup",
            &format!("VpcId={vpc}&GroupName=web&GroupDescription=web"),
        ),
        "groupId",
    );
    call(e, "AuthorizeSecurityGroupIngress", &format!("GroupId={sg}&IpPermissions.1.IpProtocol=tcp&IpPermissions.1.FromPort=80&IpPermissions.1.ToPort=80&IpPermissions.1.IpRanges.1.CidrIp=0.0.0.0/0"));
    call(e, "CreateLaunchTemplate", "LaunchTemplateName=web-lt&LaunchTemplateData.ImageId=ami-12345678&LaunchTemplateData.InstanceType=t3.micro");
    let run = call(e, "RunInstances", &format!("ImageId=ami-12345678&InstanceType=m5.large&MinCount=2&MaxCount=2&SubnetId={subnet}&SecurityGroupId.1={sg}&TagSpecification.1.ResourceType=instance&TagSpecification.1.Tag.1.Key=Name&TagSpecification.1.Tag.1.Value=web"));
    let from_template = call(
        e,
        "RunInstances",
        "LaunchTemplate.LaunchTemplateName=web-lt&MinCount=1&MaxCount=1",
    );
    let ids = vec![
        first(&run, "instanceId"),
        first(&from_template, "instanceId"),
    ];
    call(
        e,
        "CreateTags",
        &format!("ResourceId.1={vpc}&Tag.1.Key=env&Tag.1.Value=test"),
    );
    ids
}

#[tokio::test(start_paused = true)]
async fn a_restored_service_describes_everything_as_before() {
    // Both made now, so their clocks read the same time as the paused clock moves.
    let (before, after) = (ec2(), ec2());
    let ids = populate(&before);
    tokio::time::advance(Duration::from_secs(3)).await;
    call(
        &before,
        "StopInstances",
        &format!("InstanceId.1={}", ids[1]),
    );
    let answers: Vec<String> = DESCRIBES.iter().map(|op| call(&before, op, "")).collect();
    let records = saved(&before.durable().unwrap());
    assert_eq!(records.len(), 1, "one record for the one region");

    let durable = after.durable().unwrap();
    durable.restore(records).unwrap();
    for (op, answer) in DESCRIBES.iter().zip(&answers) {
        assert_eq!(&call(&after, op, ""), answer, "{op} after the restore");
    }
    assert!(
        durable.changes().is_empty(),
        "reads of a restored region write nothing"
    );
}

#[tokio::test(start_paused = true)]
async fn restored_timers_and_launch_order_continue() {
    let before = ec2();
    let ids = populate(&before);
    let after = ec2();
    let durable = after.durable().unwrap();
    durable.restore(saved(&before.durable().unwrap())).unwrap();
    let pending = call(
        &after,
        "DescribeInstances",
        &format!("InstanceId.1={}", ids[0]),
    );
    assert!(pending.contains("<name>pending</name>"), "{pending}");
    tokio::time::advance(Duration::from_secs(3)).await;
    let running = call(
        &after,
        "DescribeInstances",
        &format!("InstanceId.1={}", ids[0]),
    );
    assert!(running.contains("<name>running</name>"), "{running}");
    assert_eq!(durable.changes().len(), 1, "the transition is saved");
    // A later launch comes last in launch order, with an address not in use.
    let run = call(
        &after,
        "RunInstances",
        "ImageId=ami-12345678&MinCount=1&MaxCount=1",
    );
    let new = first(&run, "instanceId");
    let all = call(&after, "DescribeInstances", "");
    let order: Vec<usize> = [&ids[0], &ids[1], &new]
        .iter()
        .map(|id| all.find(id.as_str()).unwrap())
        .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{all}");
}

#[tokio::test]
async fn a_record_that_cannot_be_read_fails_the_restore_naming_it() {
    let e = ec2();
    let key = persist::key(&["000000000000", "us-east-1"]);
    let err = e
        .durable()
        .unwrap()
        .restore(vec![(key.clone(), b"{\"account\": 7".to_vec())])
        .unwrap_err();
    assert!(
        err.contains("ec2") && err.contains(&format!("{key:?}")),
        "{err}"
    );
    let wrong_type = br#"{"account":"a","region":"r","instances":{"i-1":{"itype":"z9.huge"}}}"#;
    let err = e
        .durable()
        .unwrap()
        .restore(vec![(key.clone(), wrong_type.to_vec())])
        .unwrap_err();
    assert!(
        err.contains("ec2") && err.contains(&format!("{key:?}")),
        "{err}"
    );
}

#[tokio::test]
async fn forget_saves_everything_again() {
    let e = ec2();
    populate(&e);
    let d = e.durable().unwrap();
    assert_eq!(d.changes().len(), 1);
    d.forget();
    call(&e, "DescribeVpcs", "");
    assert_eq!(d.changes().len(), 1, "the region is written again");
}

#[tokio::test(start_paused = true)]
async fn timers_saved_ahead_of_the_clock_come_due_within_their_period() {
    let before = ec2();
    let ids = populate(&before);
    let mut records = saved(&before.durable().unwrap());
    // As a run with --time-scale above 1 leaves them: far ahead of the wall clock.
    let mut region: serde_json::Value = serde_json::from_slice(&records[0].1).unwrap();
    let due = &mut region["instances"][&ids[0]]["due"];
    *due = serde_json::json!(due.as_f64().unwrap() + 1e6);
    records[0].1 = serde_json::to_vec(&region).unwrap();
    let after = ec2();
    after.durable().unwrap().restore(records).unwrap();
    tokio::time::advance(Duration::from_secs(3)).await;
    let running = call(
        &after,
        "DescribeInstances",
        &format!("InstanceId.1={}", ids[0]),
    );
    assert!(running.contains("<name>running</name>"), "{running}");
}
