//! ELBv2's state through the state dir: saved after requests, restored into a fresh service that
//! answers Describe* alike and serves the restored listener's port again.

use super::{Elbv2, Elbv2Setup};
use crate::core::bus::Bus;
use crate::core::clock::Clock;
use crate::core::context::RequestContext;
use crate::core::fleet::{Networks, SubnetInfo, View};
use crate::core::persist::key;
use crate::wire::query::{parse_form, to_document};
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Two subnets in two zones of one VPC, and any security group in it.
struct TwoZones;

impl Networks for TwoZones {
    fn subnet(&self, _: &str, region: &str, id: &str) -> Option<SubnetInfo> {
        let zone = id.strip_prefix("subnet-")?;
        Some(SubnetInfo {
            subnet_id: id.into(),
            vpc_id: "vpc-1".into(),
            availability_zone: format!("{region}{zone}"),
            cidr_block: "10.0.0.0/24".into(),
        })
    }

    fn security_group_vpc(&self, _: &str, _: &str, _: &str) -> Option<String> {
        Some("vpc-1".into())
    }
}

fn service() -> Elbv2 {
    Elbv2::new(Elbv2Setup {
        clock: Clock::default(),
        bus: Bus::new(),
        networks: View::new(Arc::new(TwoZones)),
        listener_host: "127.0.0.1".parse().unwrap(),
        metrics: View::default(),
    })
}

fn ctx() -> RequestContext {
    RequestContext::new("123456789012", "us-east-1")
}

fn call(elb: &Elbv2, operation: &str, form: &str) -> String {
    let input = to_document(&parse_form(form));
    elb.dispatch(&ctx(), operation, input)
        .unwrap_or_else(|e| panic!("{operation}: {e:?}"))
        .unwrap_or_default()
}

/// The text of the first `<tag>` in `xml`.
fn first(xml: &str, tag: &str) -> String {
    let start = xml.find(&format!("<{tag}>")).unwrap() + tag.len() + 2;
    let end = xml[start..].find(&format!("</{tag}>")).unwrap();
    xml[start..start + end].to_string()
}

fn free_port() -> u16 {
    let socket = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    socket.local_addr().unwrap().port()
}

/// An ALB with a fixed-response listener on `port`, a rule forwarding to a target group with one
/// target, and tags; the ARNs of the load balancer, target group and listener.
fn build(elb: &Elbv2, port: u16) -> [String; 3] {
    let lb = call(elb, "CreateLoadBalancer", "Name=web&Subnets.member.1=subnet-a&Subnets.member.2=subnet-b&Tags.member.1.Key=team&Tags.member.1.Value=web");
    let lb = first(&lb, "LoadBalancerArn");
    let tg = call(
        elb,
        "CreateTargetGroup",
        "Name=app&Protocol=HTTP&Port=80&VpcId=vpc-1&TargetType=ip",
    );
    let tg = first(&tg, "TargetGroupArn");
    let listener = call(elb, "CreateListener", &format!("LoadBalancerArn={lb}&Protocol=HTTP&Port={port}&DefaultActions.member.1.Type=fixed-response&DefaultActions.member.1.FixedResponseConfig.StatusCode=200&DefaultActions.member.1.FixedResponseConfig.ContentType=text/plain&DefaultActions.member.1.FixedResponseConfig.MessageBody=restored"));
    let listener = first(&listener, "ListenerArn");
    call(elb, "CreateRule", &format!("ListenerArn={listener}&Priority=5&Conditions.member.1.Field=path-pattern&Conditions.member.1.Values.member.1=/app/*&Actions.member.1.Type=forward&Actions.member.1.TargetGroupArn={tg}"));
    call(
        elb,
        "RegisterTargets",
        &format!("TargetGroupArn={tg}&Targets.member.1.Id=127.0.0.1&Targets.member.1.Port={port}"),
    );
    [lb, tg, listener]
}

fn describe(elb: &Elbv2, [lb, tg, listener]: &[String; 3]) -> Vec<String> {
    vec![
        call(
            elb,
            "DescribeLoadBalancers",
            &format!("LoadBalancerArns.member.1={lb}"),
        ),
        call(
            elb,
            "DescribeTargetGroups",
            &format!("TargetGroupArns.member.1={tg}"),
        ),
        call(elb, "DescribeListeners", &format!("LoadBalancerArn={lb}")),
        call(elb, "DescribeRules", &format!("ListenerArn={listener}")),
        call(elb, "DescribeTargetHealth", &format!("TargetGroupArn={tg}")),
        call(elb, "DescribeTags", &format!("ResourceArns.member.1={lb}")),
    ]
}

async fn get(port: u16) -> String {
    let mut conn = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    conn.write_all(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut answer = String::new();
    conn.read_to_string(&mut answer).await.unwrap();
    answer
}

#[tokio::test]
async fn restored_state_describes_alike_and_serves_its_port_again() {
    let port = free_port();
    let first_run = service();
    let arns = build(&first_run, port);
    let before = describe(&first_run, &arns);
    let durable = first_run.durable().unwrap();
    let records: Vec<_> = durable
        .changes()
        .into_iter()
        .map(|r| (r.key, r.value.unwrap()))
        .collect();
    assert_eq!(records.len(), 1, "one region, one record");
    assert!(durable.changes().is_empty(), "nothing changed since");
    first_run.shutdown().await; // frees the port, as the killed process did

    let second_run = service();
    second_run.durable().unwrap().restore(records).unwrap();
    assert_eq!(describe(&second_run, &arns), before);
    let answer = get(port).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.ends_with("restored"), "{answer}");
    assert!(second_run.listener_status()[0].error.is_none());
    second_run.shutdown().await;
}

#[tokio::test]
async fn an_unreadable_record_fails_the_restore_naming_it() {
    let elb = service();
    let k = key(&["123456789012", "us-east-1"]);
    let err = elb
        .durable()
        .unwrap()
        .restore(vec![(k.clone(), b"{\"account\": 7}".to_vec())])
        .unwrap_err();
    assert!(
        err.contains("elbv2") && err.contains(&format!("{k:?}")),
        "{err}"
    );
    elb.shutdown().await;
}
