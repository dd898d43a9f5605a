#!/usr/bin/env python3
"""Application Auto Scaling on REAL containers, end to end: a target-tracking policy on
ECSServiceAverageCPUUtilization scales a busy-looping Fargate service out, and back in once the
service runs an idle definition; a user's alarm on the real CPU numbers goes OK → ALARM → OK and
its step policy adds a task; a scheduled action raises a service's minimum; target tracking on
ALBRequestCountPerTarget scales out a service behind a real listener under real traffic. Needs
Docker and `local-ecs-test:latest` (scripts/build-test-image.sh).

It starts its own server (target/debug/local-ecs, or $LOCAL_ECS_BIN) with `--runtime docker
--time-scale 30 --owner smoke-scaling-<pid>` on a free port, so that the alarms' minutes pass in
seconds, and stops it at the end (after a reset that removes its containers).

The loop under test: real CPU stats → AWS/ECS CPUUtilization (every emulated minute) → the
policy's AlarmHigh (3 of 3 periods above 50 %) → Application Auto Scaling (ceil(1 × ~400 / 50),
clamped to max 3) → ECS starts two more tasks; then AlarmLow (15 of 15 periods below 45 %) →
scale in to min 1. The run ends with `N passed, N failed`.
"""

import os
import socket
import subprocess
import datetime
import sys
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.environ.get("LOCAL_ECS_BIN", os.path.join(ROOT, "target", "debug", "local-ecs"))


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


PORT = free_port()
URL = f"http://127.0.0.1:{PORT}"
LOG = open(os.path.join("/tmp", f"smoke-scaling-{os.getpid()}.log"), "w")
SERVER = subprocess.Popen([BIN, "--host", "127.0.0.1", "--port", str(PORT), "--runtime", "docker",
                           "--time-scale", "30", "--owner", f"smoke-scaling-{os.getpid()}"],
                          stdout=LOG, stderr=subprocess.STDOUT)
os.environ.update(AWS_ENDPOINT_URL=URL, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test",
                  AWS_DEFAULT_REGION="us-east-1")

import boto3  # noqa: E402
from smoke_support import RUN, CheckFailed, ecs_client, expect, expect_eq, run_checks  # noqa: E402

IMAGE = "local-ecs-test:latest"
CLUSTER = f"smoke-scaling-{RUN}"
RID = f"service/{CLUSTER}/web"
DIM = "ecs:service:DesiredCount"


def wait_health():
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{URL}/_local-ecs/health", timeout=1) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("smoke_scaling: the server did not answer its health check")


wait_health()
ecs = ecs_client()
aas = boto3.client("application-autoscaling", endpoint_url=URL, region_name="us-east-1")
cw = boto3.client("cloudwatch", endpoint_url=URL, region_name="us-east-1")
elb = boto3.client("elbv2", endpoint_url=URL, region_name="us-east-1")
SUBNET = boto3.client("ec2", endpoint_url=URL, region_name="us-east-1").describe_subnets(
    Filters=[{"Name": "default-for-az", "Values": ["true"]}])["Subnets"][0]["SubnetId"]


def definition(family, script, port=None):
    container = {"name": "app", "image": IMAGE, "essential": True, "stopTimeout": 2, "command": ["sh", "-c", script]}
    if port:
        container["portMappings"] = [{"containerPort": port}]
    return ecs.register_task_definition(
        family=family, networkMode="awsvpc", requiresCompatibilities=["FARGATE"], cpu="256", memory="512",
        containerDefinitions=[container])["taskDefinition"]["taskDefinitionArn"]


def setup():
    ecs.create_cluster(clusterName=CLUSTER)
    busy = definition(f"busy-{RUN}", "while true; do :; done")
    ecs.create_service(cluster=CLUSTER, serviceName="web", taskDefinition=busy, desiredCount=1,
                       launchType="FARGATE", networkConfiguration={"awsvpcConfiguration": {"subnets": [SUBNET]}})
    aas.register_scalable_target(ServiceNamespace="ecs", ResourceId=RID, ScalableDimension=DIM,
                                 MinCapacity=1, MaxCapacity=3)
    aas.put_scaling_policy(
        PolicyName="cpu50", ServiceNamespace="ecs", ResourceId=RID, ScalableDimension=DIM,
        PolicyType="TargetTrackingScaling", TargetTrackingScalingPolicyConfiguration={
            "TargetValue": 50.0, "ScaleOutCooldown": 60, "ScaleInCooldown": 60,
            "PredefinedMetricSpecification": {"PredefinedMetricType": "ECSServiceAverageCPUUtilization"}})


def service():
    return ecs.describe_services(cluster=CLUSTER, services=["web"])["services"][0]


def wait_for(what, cond, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        s = service()
        if cond(s):
            return s
        time.sleep(1)
    s = service()
    raise CheckFailed(f"{what}: desired {s['desiredCount']}, running {s['runningCount']}")


def check_busy_service_scales_out_to_max():
    s = wait_for("scale out", lambda s: s["desiredCount"] == 3 and s["runningCount"] == 3, 150)
    expect_eq(s["desiredCount"], 3, "desired")
    acts = aas.describe_scaling_activities(ServiceNamespace="ecs", ResourceId=RID)["ScalingActivities"]
    cause = acts[0]["Cause"]
    expect("-AlarmHigh-" in cause and cause.endswith("triggered policy cpu50"), "AlarmHigh's activity", cause)
    expect_eq(acts[0]["Description"], "Setting desired count to 3.", "Description")


def check_idle_service_scales_back_in():
    idle = definition(f"idle-{RUN}", "sleep 3600")
    ecs.update_service(cluster=CLUSTER, service="web", taskDefinition=idle)
    wait_for("scale in", lambda s: s["desiredCount"] == 1, 240)
    acts = aas.describe_scaling_activities(ServiceNamespace="ecs", ResourceId=RID)["ScalingActivities"]
    expect("-AlarmLow-" in acts[0]["Cause"], "AlarmLow's activity", acts[0]["Cause"])


def make_service(name, script, min_cap, max_cap, port=None, **extra):
    td = definition(f"{name}-{RUN}", script, port)
    ecs.create_service(cluster=CLUSTER, serviceName=name, taskDefinition=td, desiredCount=min_cap,
                       launchType="FARGATE", networkConfiguration={"awsvpcConfiguration": {"subnets": [SUBNET]}},
                       **extra)
    rid = f"service/{CLUSTER}/{name}"
    aas.register_scalable_target(ServiceNamespace="ecs", ResourceId=rid, ScalableDimension=DIM,
                                 MinCapacity=min_cap, MaxCapacity=max_cap)
    return rid


def counts(name):
    s = ecs.describe_services(cluster=CLUSTER, services=[name])["services"][0]
    return s["desiredCount"], s["runningCount"]


def wait_counts(name, want, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if counts(name) == want:
            return
        time.sleep(1)
    raise CheckFailed(f"{name}: expected (desired, running) {want}, got {counts(name)}")


def alarm_state(name):
    return cw.describe_alarms(AlarmNames=[name])["MetricAlarms"][0]["StateValue"]


def wait_alarm(name, state, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if alarm_state(name) == state:
            return
        time.sleep(1)
    raise CheckFailed(f"alarm {name}: expected {state}, still {alarm_state(name)}")


def check_step_scaling_on_an_alarm_that_goes_ok_alarm_ok_on_real_cpu():
    rid = make_service("steps", "sleep 3600", 1, 2)
    policy = aas.put_scaling_policy(
        PolicyName="add-one", ServiceNamespace="ecs", ResourceId=rid, ScalableDimension=DIM,
        PolicyType="StepScaling", StepScalingPolicyConfiguration={
            "AdjustmentType": "ChangeInCapacity", "Cooldown": 60, "MetricAggregationType": "Average",
            "StepAdjustments": [{"MetricIntervalLowerBound": 0.0, "ScalingAdjustment": 1}]})["PolicyARN"]
    name = f"steps-cpu-{RUN}"
    cw.put_metric_alarm(
        AlarmName=name, Namespace="AWS/ECS", MetricName="CPUUtilization", Statistic="Average",
        Dimensions=[{"Name": "ClusterName", "Value": CLUSTER}, {"Name": "ServiceName", "Value": "steps"}],
        Period=60, EvaluationPeriods=2, Threshold=50.0, ComparisonOperator="GreaterThanThreshold",
        AlarmActions=[policy])
    wait_alarm(name, "OK", 120)
    busy = definition(f"steps-busy-{RUN}", "while true; do :; done")
    ecs.update_service(cluster=CLUSTER, service="steps", taskDefinition=busy)
    wait_alarm(name, "ALARM", 150)
    wait_counts("steps", (2, 2), 120)
    acts = aas.describe_scaling_activities(ServiceNamespace="ecs", ResourceId=rid)["ScalingActivities"]
    expect(any(name in a["Cause"] and a["Cause"].endswith("triggered policy add-one") for a in acts),
           "the step policy's activity names the alarm", [a["Cause"] for a in acts])
    idle = definition(f"steps-idle-{RUN}", "sleep 3600")
    ecs.update_service(cluster=CLUSTER, service="steps", taskDefinition=idle)
    wait_alarm(name, "OK", 150)
    history = cw.describe_alarm_history(AlarmName=name, HistoryItemType="StateUpdate")["AlarmHistoryItems"]
    summaries = [h["HistorySummary"] for h in history]
    expect(any("from OK to ALARM" in h for h in summaries) and any("from ALARM to OK" in h for h in summaries),
           "history shows OK → ALARM → OK", summaries)


def check_a_scheduled_action_raises_the_minimum():
    rid = make_service("scheduled", "sleep 3600", 1, 4)
    created = aas.describe_scalable_targets(ServiceNamespace="ecs", ResourceIds=[rid])["ScalableTargets"][0]
    at = (created["CreationTime"] + datetime.timedelta(minutes=2)).astimezone(datetime.timezone.utc)
    aas.put_scheduled_action(
        ServiceNamespace="ecs", ResourceId=rid, ScalableDimension=DIM, ScheduledActionName="morning",
        Schedule=f"at({at.strftime('%Y-%m-%dT%H:%M:%S')})",
        ScalableTargetAction={"MinCapacity": 2, "MaxCapacity": 4})
    wait_counts("scheduled", (2, 2), 90)
    target = aas.describe_scalable_targets(ServiceNamespace="ecs", ResourceIds=[rid])["ScalableTargets"][0]
    expect_eq(target["MinCapacity"], 2, "MinCapacity after the action")
    acts = aas.describe_scaling_activities(ServiceNamespace="ecs", ResourceId=rid)["ScalingActivities"]
    expect(any("morning" in a["Cause"] for a in acts), "the scheduled action's activity", [a["Cause"] for a in acts])


def check_request_count_tracking_behind_a_listener():
    subnets = [s["SubnetId"] for s in boto3.client("ec2", endpoint_url=URL, region_name="us-east-1")
               .describe_subnets(Filters=[{"Name": "default-for-az", "Values": ["true"]}])["Subnets"]][:2]
    lb = elb.create_load_balancer(Name=f"rc-{RUN}", Subnets=subnets, Type="application")["LoadBalancers"][0]
    vpc = lb["VpcId"]
    tg = elb.create_target_group(Name=f"rc-{RUN}", Protocol="HTTP", Port=8080, VpcId=vpc, TargetType="ip",
                                 HealthCheckIntervalSeconds=5, HealthCheckTimeoutSeconds=2,
                                 HealthyThresholdCount=2)["TargetGroups"][0]
    port = free_port()
    elb.create_listener(LoadBalancerArn=lb["LoadBalancerArn"], Protocol="HTTP", Port=port,
                        DefaultActions=[{"Type": "forward", "TargetGroupArn": tg["TargetGroupArn"]}])
    rid = make_service("requests", "mkdir -p /www && echo hi > /www/index.html && httpd -f -p 8080 -h /www",
                       1, 3, port=8080, loadBalancers=[{"targetGroupArn": tg["TargetGroupArn"], "containerName": "app",
                                             "containerPort": 8080}])
    label = lb["LoadBalancerArn"].split(":loadbalancer/")[1] + "/" + tg["TargetGroupArn"].split(":")[-1]
    aas.put_scaling_policy(
        PolicyName="per-target", ServiceNamespace="ecs", ResourceId=rid, ScalableDimension=DIM,
        PolicyType="TargetTrackingScaling", TargetTrackingScalingPolicyConfiguration={
            "TargetValue": 10.0, "ScaleOutCooldown": 60, "ScaleInCooldown": 600,
            "PredefinedMetricSpecification": {"PredefinedMetricType": "ALBRequestCountPerTarget",
                                              "ResourceLabel": label}})
    wait_counts("requests", (1, 1), 60)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        health = elb.describe_target_health(TargetGroupArn=tg["TargetGroupArn"])["TargetHealthDescriptions"]
        if any(h["TargetHealth"]["State"] == "healthy" for h in health):
            break
        time.sleep(1)
    served = 0
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and counts("requests")[0] < 3:
        for _ in range(20):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as r:
                    served += r.status == 200
            except OSError:
                pass
        time.sleep(0.05)
    expect(served > 0, "requests were answered through the listener", served)
    wait_counts("requests", (3, 3), 60)
    acts = aas.describe_scaling_activities(ServiceNamespace="ecs", ResourceId=rid)["ScalingActivities"]
    expect(any("-AlarmHigh-" in a["Cause"] and a["Cause"].endswith("triggered policy per-target") for a in acts),
           "AlarmHigh on RequestCountPerTarget scaled it", [a["Cause"] for a in acts])


def teardown():
    for name in ("web", "steps", "scheduled", "requests"):
        try:
            ecs.delete_service(cluster=CLUSTER, service=name, force=True)
        except Exception:
            pass
    try:
        urllib.request.urlopen(urllib.request.Request(f"{URL}/_local-ecs/reset", method="POST"), timeout=60)
    except OSError:
        pass
    SERVER.terminate()
    try:
        SERVER.wait(timeout=30)
    except subprocess.TimeoutExpired:
        SERVER.kill()


if __name__ == "__main__":
    sys.exit(run_checks(globals(), setup=setup, teardown=teardown))
