//! EC2 through the edge (EC2 Query in, EC2 XML out) and through the facades Auto Scaling and
//! ECS use, with the bus facts each change publishes. Expectations follow the EC2 API reference.

use bytes::Bytes;
use local_ecs::core::bus::{Fact, Received};
use local_ecs::core::fleet::{InstancePhase, LaunchRequest, TemplateRef};
use local_ecs::edge::{handle, HttpRequest};
use std::time::Duration;

const AUTH: &str = "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/ec2/aws4_request, SignedHeaders=host, Signature=x";

/// One EC2 call: the status and the body.
async fn call(app: &local_ecs::App, form: &str) -> (u16, String) {
    let req = HttpRequest {
        method: "POST".into(),
        path: "/".into(),
        headers: HttpRequest::header_map(&[
            ("authorization", AUTH),
            (
                "content-type",
                "application/x-www-form-urlencoded; charset=utf-8",
            ),
        ]),
        body: Bytes::from(format!("{form}&Version=2016-11-15")),
        ..Default::default()
    };
    let resp = handle(app, &req).await;
    (
        resp.status,
        String::from_utf8_lossy(&resp.body).into_owned(),
    )
}

/// The text of the first `<name>` element.
fn first<'a>(xml: &'a str, name: &str) -> &'a str {
    let open = format!("<{name}>");
    let start = xml.find(&open).map(|i| i + open.len()).unwrap_or(0);
    let end = xml[start..].find('<').map_or(start, |i| start + i);
    &xml[start..end]
}

fn instance_facts(sub: &mut local_ecs::core::bus::Subscription) -> Vec<(String, InstancePhase)> {
    let mut out = Vec::new();
    while let Some(Received::Fact(fact)) = sub.try_recv() {
        if let Fact::Instance(i) = &*fact {
            out.push((i.instance_id.clone(), i.phase));
        }
    }
    out
}

#[tokio::test]
async fn run_instances_answers_ec2_xml_and_publishes_facts() {
    let app = local_ecs::App::new(local_ecs::Config::default());
    let mut sub = app.bus.subscribe();
    let (status, body) = call(
        &app,
        "Action=RunInstances&ImageId=ami-12345678&MinCount=1&MaxCount=1&InstanceType=m5.large&UserData=ZWNobyBoaQ%3D%3D&TagSpecification.1.ResourceType=instance&TagSpecification.1.Tag.1.Key=Name&TagSpecification.1.Tag.1.Value=web",
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(body.starts_with(r#"<?xml version="1.0" encoding="UTF-8"?><RunInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>"#), "{body}");
    let id = first(&body, "instanceId").to_string();
    assert!(id.starts_with("i-") && id.len() == 19, "{id}");
    let facts = instance_facts(&mut sub);
    assert_eq!(facts, [(id.clone(), InstancePhase::Pending)]);
    // The same client token answers the same reservation and launches nothing more.
    let form = "Action=RunInstances&ImageId=ami-12345678&MinCount=1&MaxCount=1&ClientToken=tok-1";
    let (_, once) = call(&app, form).await;
    let (_, twice) = call(&app, form).await;
    assert_eq!(first(&once, "instanceId"), first(&twice, "instanceId"));
    assert_eq!(
        first(&once, "reservationId"),
        first(&twice, "reservationId")
    );
    let fact = app
        .ec2
        .instances()
        .instance("000000000000", "us-east-1", &id)
        .unwrap();
    assert_eq!((fact.vcpus, fact.memory_mib), (2, 8192));
    assert_eq!(fact.user_data.as_deref(), Some("echo hi"));
    assert_eq!(fact.tag("Name"), Some("web"));
    assert!(fact.private_ip.unwrap().starts_with("172.31."));
    app.shutdown().await;
}

#[tokio::test]
async fn errors_use_the_ec2_envelope() {
    let app = local_ecs::App::new(local_ecs::Config::default());
    for (form, code, status) in [
        ("Action=LaunchRocket", "InvalidAction", 400),
        (
            "Action=CreateImage&InstanceId=i-12345678&Name=x",
            "UnsupportedOperation",
            400,
        ),
        (
            "Action=RunInstances&ImageId=ami-12345678&MinCount=abc&MaxCount=1",
            "InvalidParameterValue",
            400,
        ),
        (
            "Action=RunInstances&ImageId=ami-12345678&MinCount=1",
            "MissingParameter",
            400,
        ),
        (
            "Action=RunInstances&ImageId=ami-12345678&MinCount=1&MaxCount=1&DryRun=true",
            "DryRunOperation",
            412,
        ),
        (
            "Action=DescribeInstances&InstanceId.1=i-0123456789abcdef0",
            "InvalidInstanceID.NotFound",
            400,
        ),
        (
            "Action=DescribeInstances&InstanceId=i-0123456789abcdef0",
            "InvalidParameterValue",
            400,
        ),
        (
            "Action=StopInstances&InstanceId.1=bogus",
            "InvalidInstanceID.Malformed",
            400,
        ),
    ] {
        let (got, body) = call(&app, form).await;
        assert_eq!(got, status, "{form}: {body}");
        assert!(body.contains("<Response><Errors><Error><Code>"), "{body}");
        assert_eq!(first(&body, "Code"), code, "{form}");
        assert!(body.contains("<RequestID>"), "{body}");
    }
    let (_, body) = call(&app, "Action=DescribeInstances").await;
    assert!(body.contains("<reservationSet></reservationSet>"), "{body}");
    // A GET carries its parameters in the query string.
    let get = HttpRequest {
        method: "GET".into(),
        path: "/".into(),
        query: "Action=DescribeAvailabilityZones&ZoneName.1=us-east-1c&Version=2016-11-15".into(),
        headers: HttpRequest::header_map(&[("authorization", AUTH)]),
        ..Default::default()
    };
    let resp = handle(&app, &get).await;
    let body = String::from_utf8_lossy(&resp.body).into_owned();
    assert_eq!(resp.status, 200, "{body}");
    assert_eq!(first(&body, "zoneName"), "us-east-1c");
    assert_eq!(first(&body, "zoneId"), "use1-az3");
    app.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn the_facade_launches_from_a_template_and_terminates() {
    let app = local_ecs::App::new(local_ecs::Config::default());
    let (status, body) = call(
        &app,
        "Action=CreateLaunchTemplate&LaunchTemplateName=asg&LaunchTemplateData.ImageId=ami-12345678&LaunchTemplateData.InstanceType=t3.micro",
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let instances = app.ec2.instances();
    let networks = app.ec2.networks();
    let template = TemplateRef {
        name: Some("asg".into()),
        ..Default::default()
    };
    assert!(instances.template_exists("000000000000", "us-east-1", &template));
    let (_, subnets) = call(
        &app,
        "Action=DescribeSubnets&Filter.1.Name=availability-zone&Filter.1.Value.1=us-east-1b",
    )
    .await;
    let subnet = first(&subnets, "subnetId").to_string();
    let info = networks
        .subnet("000000000000", "us-east-1", &subnet)
        .unwrap();
    assert_eq!(
        (info.availability_zone.as_str(), info.cidr_block.as_str()),
        ("us-east-1b", "172.31.16.0/20")
    );
    let mut sub = app.bus.subscribe();
    let ids = instances
        .launch(&LaunchRequest {
            account: "000000000000".into(),
            region: "us-east-1".into(),
            template: template.clone(),
            count: 2,
            subnet_ids: vec![subnet.clone()],
            tags: vec![("aws:autoscaling:groupName".into(), "g".into())],
        })
        .unwrap();
    assert_eq!(ids.len(), 2);
    let fact = instances
        .instance("000000000000", "us-east-1", &ids[0])
        .unwrap();
    assert_eq!(fact.subnet_id.as_deref(), Some(subnet.as_str()));
    assert_eq!(fact.tag("aws:autoscaling:groupName"), Some("g"));
    tokio::time::advance(Duration::from_secs(3)).await;
    let fact = instances
        .instance("000000000000", "us-east-1", &ids[0])
        .unwrap();
    assert_eq!(fact.phase, InstancePhase::Running);
    instances.terminate("000000000000", "us-east-1", &ids);
    tokio::time::advance(Duration::from_secs(3)).await;
    let fact = instances
        .instance("000000000000", "us-east-1", &ids[1])
        .unwrap();
    assert_eq!(fact.phase, InstancePhase::Terminated);
    let phases: Vec<InstancePhase> = instance_facts(&mut sub)
        .into_iter()
        .filter(|(id, _)| *id == ids[1])
        .map(|(_, p)| p)
        .collect();
    use InstancePhase::*;
    assert_eq!(phases, [Pending, Running, ShuttingDown, Terminated]);
    let missing = TemplateRef {
        name: Some("nope".into()),
        ..Default::default()
    };
    let err = instances
        .launch(&LaunchRequest {
            account: "000000000000".into(),
            region: "us-east-1".into(),
            template: missing,
            count: 1,
            ..Default::default()
        })
        .unwrap_err();
    assert!(
        err.starts_with("InvalidLaunchTemplateName.NotFoundException"),
        "{err}"
    );
    app.shutdown().await;
}
