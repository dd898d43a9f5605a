#!/usr/bin/env python3
"""ECS express gateway services through boto3, against $AWS_ENDPOINT_URL (either runtime; on the
simulated one the tasks answer nothing, so the listener answers 502 for them).

Covers CreateExpressGatewayService (the ECS service it runs as: Fargate, awsvpc, the registered
task definition with the primary container; the shared internet-facing ALB, its target group
with the health check path, the host-header rule; the endpoint, which really answers),
DescribeExpressGatewayService (tags on request, ResourceNotFoundException),
UpdateExpressGatewayService (a new task definition revision, the health check path moved), a
second service sharing the load balancer, and DeleteExpressGatewayService (DRAINING, then
INACTIVE; its target group and rule gone; the load balancer gone with the last service;
ServiceNotActiveException after). Expectations follow botocore's `ecs` model and the ECS
developer guide's Express Mode pages.

  AWS_ENDPOINT_URL=http://127.0.0.1:4566 AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test \\
  AWS_DEFAULT_REGION=us-east-1 python3 tests/py/express.py
"""

import http.client
import json
import os
import sys
import time
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))

import boto3  # noqa: E402
from botocore.config import Config  # noqa: E402
from botocore.exceptions import ClientError  # noqa: E402
from smoke_support import ENDPOINT, REGION, RUN, expect, expect_eq, run_checks  # noqa: E402

CONFIG = Config(retries={"max_attempts": 1})
ecs = boto3.client("ecs", endpoint_url=ENDPOINT, region_name=REGION, config=CONFIG)
elb = boto3.client("elbv2", endpoint_url=ENDPOINT, region_name=REGION, config=CONFIG)
iam = boto3.client("iam", endpoint_url=ENDPOINT, region_name=REGION, config=CONFIG)
aas = boto3.client("application-autoscaling", endpoint_url=ENDPOINT, region_name=REGION, config=CONFIG)
TRUST = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
         "Principal": {"Service": ["ecs-tasks.amazonaws.com", "ecs.amazonaws.com"]}}]}
S = {}


def role(name):
    return iam.create_role(RoleName=f"{name}-{RUN}", AssumeRolePolicyDocument=json.dumps(TRUST))["Role"]["Arn"]


def code_of(call, **kwargs):
    try:
        call(**kwargs)
    except ClientError as e:
        return e.response["Error"]["Code"]
    return None


def get(endpoint, host=None):
    """(status, body) of GET / at the endpoint, with its host (or `host`) as the Host header."""
    url = urllib.parse.urlsplit(endpoint)
    conn = http.client.HTTPConnection("127.0.0.1", url.port, timeout=5)
    try:
        conn.request("GET", "/", headers={"Host": host or url.hostname})
        r = conn.getresponse()
        return r.status, r.read()
    finally:
        conn.close()


def setup():
    S["exec"], S["infra"] = role("exec"), role("infra")


def create(name, **extra):
    return ecs.create_express_gateway_service(
        serviceName=name, executionRoleArn=S["exec"], infrastructureRoleArn=S["infra"],
        # The local test image (scripts/build-test-image.sh): on the Docker runtime the task really
        # serves (no image can be pulled here); on the simulated one the ALB answers 502.
        primaryContainer={"image": "local-ecs-test:latest", "containerPort": 8080,
                          "command": ["sh", "-c", "mkdir -p /www && echo ok > /www/health && httpd -f -p 8080 -h /www"],
                          "environment": [{"name": "MODE", "value": "express"}]},
        **extra)["service"]


def check_create_answers_the_express_service():
    svc = create(f"web-{RUN}", healthCheckPath="/health", tags=[{"key": "team", "value": "web"}],
                 scalingTarget={"minTaskCount": 1, "maxTaskCount": 3,
                                "autoScalingMetric": "REQUEST_COUNT_PER_TARGET", "autoScalingTargetValue": 100})
    S["arn"] = svc["serviceArn"]
    expect_eq(svc["status"]["statusCode"], "ACTIVE", "status")
    expect_eq(svc["serviceName"], f"web-{RUN}", "name")
    expect(svc["cluster"].endswith(":cluster/default"), f"the default cluster: {svc['cluster']}")
    expect_eq(svc["infrastructureRoleArn"], S["infra"], "infrastructure role")
    config = svc["activeConfigurations"][0]
    expect_eq((config["cpu"], config["memory"]), ("256", "512"), "AWS's default size")
    expect_eq(config["healthCheckPath"], "/health", "health check path")
    expect_eq(config["scalingTarget"]["maxTaskCount"], 3, "scaling target")
    path = config["ingressPaths"][0]
    expect_eq(path["accessType"], "PUBLIC", "internet-facing")
    expect(path["endpoint"].startswith("http://") and ".localhost:" in path["endpoint"], path["endpoint"])
    S["endpoint"] = path["endpoint"]
    expect("tags" not in svc, "tags only on request")


def check_it_runs_as_a_fargate_service_behind_the_alb():
    svc = ecs.describe_services(cluster="default", services=[S["arn"]])["services"][0]
    expect_eq(svc["launchType"], "FARGATE", "launch type")
    expect_eq(svc["desiredCount"], 1, "minTaskCount tasks")
    subnets = svc["networkConfiguration"]["awsvpcConfiguration"]["subnets"]
    expect(len(subnets) >= 2, f"the default subnets: {subnets}")
    lb = svc["loadBalancers"][0]
    expect_eq((lb["containerName"], lb["containerPort"]), ("main", 8080), "container and port")
    S["tg"] = lb["targetGroupArn"]
    td = ecs.describe_task_definition(taskDefinition=svc["taskDefinition"])["taskDefinition"]
    expect_eq(td["requiresCompatibilities"], ["FARGATE"], "Fargate")
    expect_eq(td["networkMode"], "awsvpc", "awsvpc")
    expect_eq(td["executionRoleArn"], S["exec"], "execution role")
    c = td["containerDefinitions"][0]
    expect_eq(c["image"], "local-ecs-test:latest", "image")
    expect_eq(c["environment"], [{"name": "MODE", "value": "express"}], "environment")
    tg = elb.describe_target_groups(TargetGroupArns=[S["tg"]])["TargetGroups"][0]
    expect_eq((tg["Port"], tg["TargetType"], tg["HealthCheckPath"]), (8080, "ip", "/health"), "target group")
    S["lb"] = tg["LoadBalancerArns"][0]
    balancer = elb.describe_load_balancers(LoadBalancerArns=[S["lb"]])["LoadBalancers"][0]
    expect_eq((balancer["Scheme"], balancer["Type"]), ("internet-facing", "application"), "the ALB")
    listener = elb.describe_listeners(LoadBalancerArn=S["lb"])["Listeners"][0]
    rules = elb.describe_rules(ListenerArn=listener["ListenerArn"])["Rules"]
    host = urllib.parse.urlsplit(S["endpoint"]).hostname
    expect(any(c["Values"] == [host] for r in rules for c in r["Conditions"]), f"a host rule for {host}")


def check_the_endpoint_answers():
    expect_eq(get(S["endpoint"], host="elsewhere.example")[0], 404, "another host: the default action")
    deadline, status = time.monotonic() + 60, None
    while time.monotonic() < deadline:
        status = get(S["endpoint"])[0]
        if status != 503:  # 503 until the task's target is registered
            break
        time.sleep(0.5)
    with urllib.request.urlopen(f"{ENDPOINT}/_local-ecs/health", timeout=5) as r:
        runtime = json.load(r)["runtime"]["kind"]
    want = 200 if runtime == "docker" else 502  # the simulated task has no server behind it
    expect_eq(status, want, f"the service's host reaches its task ({runtime} runtime)")


def check_describe_with_tags_and_unknown():
    svc = ecs.describe_express_gateway_service(serviceArn=S["arn"], include=["TAGS"])["service"]
    expect_eq(svc["tags"], [{"key": "team", "value": "web"}], "tags")
    unknown = S["arn"].replace(f"web-{RUN}", "nope")
    expect_eq(code_of(ecs.describe_express_gateway_service, serviceArn=unknown), "ResourceNotFoundException", "unknown")


def check_update_registers_a_new_revision_and_moves_the_health_check():
    svc = ecs.update_express_gateway_service(
        serviceArn=S["arn"], healthCheckPath="/ready",
        primaryContainer={"image": "public.ecr.aws/docker/library/busybox:1.36", "containerPort": 8080,
                          "command": ["httpd", "-f", "-p", "8080"]})["service"]
    expect_eq(svc["targetConfiguration"]["primaryContainer"]["image"], "public.ecr.aws/docker/library/busybox:1.36", "image")
    expect_eq(svc["targetConfiguration"]["cpu"], "256", "unchanged members kept")
    ecs_svc = ecs.describe_services(cluster="default", services=[S["arn"]])["services"][0]
    expect(ecs_svc["taskDefinition"].endswith(":2"), f"revision 2: {ecs_svc['taskDefinition']}")
    tg = elb.describe_target_groups(TargetGroupArns=[S["tg"]])["TargetGroups"][0]
    expect_eq(tg["HealthCheckPath"], "/ready", "health check path moved")


def check_a_taken_name_is_refused_and_leaves_nothing():
    groups = len(elb.describe_target_groups()["TargetGroups"])
    code = code_of(lambda: create(f"web-{RUN}"))
    expect_eq(code, "InvalidParameterException", "the name of an active service")
    expect_eq(len(elb.describe_target_groups()["TargetGroups"]), groups, "its target group rolled back")


def check_a_second_service_shares_the_load_balancer():
    svc = create(f"api-{RUN}")
    S["arn2"] = svc["serviceArn"]
    tg = ecs.describe_services(cluster="default", services=[S["arn2"]])["services"][0]["loadBalancers"][0]["targetGroupArn"]
    S["tg2"] = tg
    lbs = elb.describe_target_groups(TargetGroupArns=[tg])["TargetGroups"][0]["LoadBalancerArns"]
    expect_eq(lbs, [S["lb"]], "the same ALB")
    expect(svc["activeConfigurations"][0]["healthCheckPath"] == "/ping", "AWS's default health check path")


def check_scaling_target_becomes_application_auto_scaling():
    name = f"scaled-{RUN}"
    svc = create(name, scalingTarget={"minTaskCount": 1, "maxTaskCount": 3, "autoScalingMetric": "AVERAGE_CPU",
                                      "autoScalingTargetValue": 60})
    rid = f"service/default/{name}"
    targets = aas.describe_scalable_targets(ServiceNamespace="ecs", ResourceIds=[rid])["ScalableTargets"]
    expect_eq([(t["MinCapacity"], t["MaxCapacity"]) for t in targets], [(1, 3)], "the scalable target's bounds")
    policies = aas.describe_scaling_policies(ServiceNamespace="ecs", ResourceId=rid)["ScalingPolicies"]
    expect_eq(len(policies), 1, "one target-tracking policy")
    config = policies[0]["TargetTrackingScalingPolicyConfiguration"]
    expect_eq(config["PredefinedMetricSpecification"]["PredefinedMetricType"], "ECSServiceAverageCPUUtilization",
              "the metric")
    expect_eq(config["TargetValue"], 60.0, "the target")
    expect(len(policies[0]["Alarms"]) == 2, "AlarmHigh and AlarmLow", policies[0]["Alarms"])
    ecs.delete_express_gateway_service(serviceArn=svc["serviceArn"])
    left = aas.describe_scalable_targets(ServiceNamespace="ecs", ResourceIds=[rid])["ScalableTargets"]
    expect_eq(left, [], "deleting the express service deregisters its scaling")


def check_delete_tears_down_what_it_made():
    svc = ecs.delete_express_gateway_service(serviceArn=S["arn"])["service"]
    expect_eq(svc["status"]["statusCode"], "DRAINING", "draining")
    described = ecs.describe_express_gateway_service(serviceArn=S["arn"])["service"]
    expect_eq(described["status"]["statusCode"], "INACTIVE", "then inactive")
    expect_eq(code_of(elb.describe_target_groups, TargetGroupArns=[S["tg"]]), "TargetGroupNotFound", "group gone")
    expect_eq(code_of(ecs.update_express_gateway_service, serviceArn=S["arn"], cpu="512"),
              "ServiceNotActiveException", "update after delete")
    ecs_svc = ecs.describe_services(cluster="default", services=[S["arn"]])["services"][0]
    expect(ecs_svc["status"] in ("DRAINING", "INACTIVE"), f"the ECS service: {ecs_svc['status']}")
    elb.describe_load_balancers(LoadBalancerArns=[S["lb"]])  # still serves the second service
    ecs.delete_express_gateway_service(serviceArn=S["arn2"])
    expect_eq(code_of(elb.describe_load_balancers, LoadBalancerArns=[S["lb"]]), "LoadBalancerNotFound",
              "the ALB goes with the last service")


def teardown():
    for key in ("arn", "arn2"):
        if key in S:
            try:
                ecs.delete_express_gateway_service(serviceArn=S[key])
            except ClientError:
                pass


if __name__ == "__main__":
    sys.exit(run_checks(globals(), setup=setup, teardown=teardown))
