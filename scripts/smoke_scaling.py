#!/usr/bin/env python3
"""Application Auto Scaling on REAL containers, end to end: a target-tracking policy on
ECSServiceAverageCPUUtilization scales a busy-looping Fargate service out, and back in once the
service runs an idle definition. Needs Docker and `local-ecs-test:latest`
(scripts/build-test-image.sh).

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
SUBNET = boto3.client("ec2", endpoint_url=URL, region_name="us-east-1").describe_subnets(
    Filters=[{"Name": "default-for-az", "Values": ["true"]}])["Subnets"][0]["SubnetId"]


def definition(family, script):
    return ecs.register_task_definition(
        family=family, networkMode="awsvpc", requiresCompatibilities=["FARGATE"], cpu="256", memory="512",
        containerDefinitions=[{"name": "app", "image": IMAGE, "essential": True, "stopTimeout": 2,
                               "command": ["sh", "-c", script]}])["taskDefinition"]["taskDefinitionArn"]


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


def teardown():
    try:
        ecs.delete_service(cluster=CLUSTER, service="web", force=True)
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
