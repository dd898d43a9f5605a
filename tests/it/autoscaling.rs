//! Auto Scaling through the edge: AWS Query in, the service's XML envelopes out, state kept per
//! account and region. Requests go to `edge::handle` as the HTTP server would hand them over;
//! boto3 drives the same API end to end in `tests/py/autoscaling.py`.

use bytes::Bytes;
use local_ecs::edge::{handle, HttpRequest};
use local_ecs::App;
use std::sync::Arc;

const XMLNS: &str = r#"xmlns="http://autoscaling.amazonaws.com/doc/2011-01-01/""#;

/// A signed-looking Query request for `region` (the signature itself is not checked).
fn request(method: &str, region: &str, form: &str) -> HttpRequest {
    signed("autoscaling", method, region, form)
}

fn signed(service: &str, method: &str, region: &str, form: &str) -> HttpRequest {
    let auth = format!(
        "AWS4-HMAC-SHA256 Credential=test/20240101/{region}/{service}/aws4_request, SignedHeaders=host, Signature=0"
    );
    let (query, body) = match method {
        "GET" => (form.to_string(), Bytes::new()),
        _ => (String::new(), Bytes::from(form.to_string())),
    };
    HttpRequest {
        method: method.into(),
        path: "/".into(),
        query,
        headers: HttpRequest::header_map(&[
            ("authorization", &auth),
            (
                "content-type",
                "application/x-www-form-urlencoded; charset=utf-8",
            ),
        ]),
        body,
        ..Default::default()
    }
}

/// The launch template `web-lt` in `region`, made through EC2 (a group's template must exist).
async fn template(app: &Arc<App>, region: &str) {
    let form = "Action=CreateLaunchTemplate&Version=2016-11-15&LaunchTemplateName=web-lt&LaunchTemplateData.ImageId=ami-12345678";
    let resp = handle(app, &signed("ec2", "POST", region, form)).await;
    assert_eq!(resp.status, 200, "{:?}", resp.body);
}

async fn app() -> Arc<App> {
    let app = App::new(local_ecs::Config::default());
    for region in ["us-east-1", "us-west-2"] {
        template(&app, region).await;
    }
    app
}

async fn call(app: &Arc<App>, region: &str, form: &str) -> (u16, String) {
    let resp = handle(app, &request("POST", region, form)).await;
    (
        resp.status,
        String::from_utf8_lossy(&resp.body).into_owned(),
    )
}

const CREATE: &str = "Action=CreateAutoScalingGroup&Version=2011-01-01&AutoScalingGroupName=web&MinSize=0&MaxSize=2&LaunchTemplate.LaunchTemplateName=web-lt&AvailabilityZones.member.1=us-east-1a";

#[tokio::test]
async fn success_envelopes_carry_the_namespace_and_a_result_only_with_output() {
    let app = app().await;
    let (status, body) = call(&app, "us-east-1", CREATE).await;
    assert_eq!(status, 200, "{body}");
    assert!(
        body.starts_with(&format!(
            "<CreateAutoScalingGroupResponse {XMLNS}><ResponseMetadata><RequestId>"
        )),
        "{body}"
    );
    assert!(!body.contains("CreateAutoScalingGroupResult"), "{body}");
    let (status, body) = call(
        &app,
        "us-east-1",
        "Action=DescribeAutoScalingGroups&Version=2011-01-01&AutoScalingGroupNames.member.1=web",
    )
    .await;
    assert_eq!(status, 200);
    assert!(body.contains("<DescribeAutoScalingGroupsResult><AutoScalingGroups><member><AutoScalingGroupName>web</AutoScalingGroupName>"), "{body}");
    for member in [
        "<MinSize>0</MinSize>",
        "<MaxSize>2</MaxSize>",
        "<DesiredCapacity>0</DesiredCapacity>",
        "<Version>$Default</Version>",
        "<NewInstancesProtectedFromScaleIn>false</NewInstancesProtectedFromScaleIn>",
        "<AvailabilityZones><member>us-east-1a</member></AvailabilityZones>",
    ] {
        assert!(body.contains(member), "{member} in {body}");
    }
    app.shutdown().await;
}

#[tokio::test]
async fn errors_use_the_query_envelope_with_aws_codes_and_words() {
    let app = app().await;
    call(&app, "us-east-1", CREATE).await;
    let (status, body) = call(&app, "us-east-1", CREATE).await;
    assert_eq!(status, 400);
    assert!(
        body.starts_with(&format!(
            "<ErrorResponse {XMLNS}><Error><Type>Sender</Type><Code>AlreadyExists</Code>"
        )),
        "{body}"
    );
    let (status, body) = call(
        &app,
        "us-east-1",
        "Action=SetDesiredCapacity&AutoScalingGroupName=web&DesiredCapacity=3",
    )
    .await;
    assert_eq!(status, 400);
    assert!(body.contains("<Code>ValidationError</Code><Message>New SetDesiredCapacity value 3 is above max value 2 for the AutoScalingGroup.</Message>"), "{body}");
    let (_, body) = call(
        &app,
        "us-east-1",
        "Action=SetDesiredCapacity&AutoScalingGroupName=web&DesiredCapacity=many",
    )
    .await;
    assert!(body.contains("<Code>ValidationError</Code>"), "{body}");
    let (status, body) = call(
        &app,
        "us-east-1",
        "Action=PutWarmPool&AutoScalingGroupName=web",
    )
    .await;
    assert_eq!(status, 400);
    assert!(body.contains("<Code>InvalidAction</Code>"), "{body}");
    app.shutdown().await;
}

#[tokio::test]
async fn groups_are_per_region_and_get_requests_work() {
    let app = app().await;
    call(&app, "us-west-2", CREATE).await;
    let (_, here) = call(&app, "us-east-1", "Action=DescribeAutoScalingGroups").await;
    assert!(
        here.contains("<AutoScalingGroups></AutoScalingGroups>"),
        "{here}"
    );
    let resp = handle(
        &app,
        &request(
            "GET",
            "us-west-2",
            "Action=DescribeAutoScalingGroups&Version=2011-01-01",
        ),
    )
    .await;
    let there = String::from_utf8_lossy(&resp.body);
    assert!(there.contains("arn:aws:autoscaling:us-west-2:"), "{there}");
    let groups = app.autoscaling.groups();
    let info = groups.group("000000000000", "us-west-2", "web").unwrap();
    assert_eq!(
        (info.min_size, info.max_size, info.desired_capacity),
        (0, 2, 0)
    );
    assert!(groups.group("000000000000", "us-east-1", "web").is_none());
    app.shutdown().await;
}
