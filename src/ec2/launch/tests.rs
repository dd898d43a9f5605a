//! Unit tests of the launch logic over a fresh region's default network.

use super::*;
use crate::core::clock::Clock;

fn region() -> RegionState {
    RegionState::new("000000000000", "us-east-1", Clock::default())
}

fn spec(image: &str) -> LaunchSpec {
    LaunchSpec {
        image_id: Some(image.into()),
        instance_type: Some("t3.micro".into()),
        ..Default::default()
    }
}

#[test]
fn image_ids() {
    assert!(well_formed("ami-12345678", "ami"));
    assert!(well_formed("ami-0123456789abcdef0", "ami"));
    assert!(!well_formed("ami-123", "ami"));
    assert!(!well_formed("ami-1234567g", "ami"));
    assert!(!well_formed("i-12345678", "ami"));
    let mut s = region();
    let req = Launch {
        spec: spec("ami-bad"),
        min: 1,
        max: 1,
        ..Default::default()
    };
    assert_eq!(
        launch(&mut s, req).unwrap_err().code(),
        "InvalidAMIID.Malformed"
    );
}

#[test]
fn launches_in_the_default_network() {
    let mut s = region();
    let req = Launch {
        spec: spec("ami-12345678"),
        min: 2,
        max: 3,
        ..Default::default()
    };
    let (_, ids) = launch(&mut s, req).unwrap();
    assert_eq!(ids.len(), 3);
    let first = &s.instances[&ids[0]];
    assert_eq!(first.zone, "us-east-1a");
    assert_eq!(crate::ec2::cidr::ip(first.private_ip), "172.31.0.4");
    assert_eq!(first.groups[0].1, "default");
    assert_eq!(s.outbox.len(), 3);
    assert_eq!(s.outbox[0].phase, InstancePhase::Pending);
}

#[test]
fn refusals() {
    let mut s = region();
    let mut bad = spec("ami-12345678");
    bad.instance_type = Some("t9.huge".into());
    let go = |s: &mut RegionState, spec: LaunchSpec| {
        launch(
            s,
            Launch {
                spec,
                min: 1,
                max: 1,
                ..Default::default()
            },
        )
        .unwrap_err()
        .code()
    };
    assert_eq!(go(&mut s, bad), "InvalidParameterValue");
    let mut bad = spec("ami-12345678");
    bad.subnet_id = Some("subnet-12345678".into());
    assert_eq!(go(&mut s, bad), "InvalidSubnetID.NotFound");
    let mut bad = spec("ami-12345678");
    bad.group_ids = vec!["sg-12345678".into()];
    assert_eq!(go(&mut s, bad), "InvalidGroup.NotFound");
    let mut bad = spec("ami-12345678");
    bad.user_data = Some("***".into());
    assert_eq!(go(&mut s, bad), "InvalidParameterValue");
    let mut bad = spec("ami-12345678");
    bad.zone = Some("us-east-1z".into());
    assert_eq!(go(&mut s, bad), "InvalidParameterValue");
}
