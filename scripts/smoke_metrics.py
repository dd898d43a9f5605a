#!/usr/bin/env python3
"""Smoke tests of the AWS/ECS metrics on REAL containers with a real client (boto3), against
$AWS_ENDPOINT_URL, for a server on the Docker runtime with `local-ecs-test:latest` built
(scripts/build-test-image.sh).

Covers: two Fargate services, one whose container spins the CPU and one that sleeps; within the
collector's minute both have CPUUtilization and MemoryUtilization datapoints in AWS/ECS with the
dimensions ClusterName and ServiceName (GetMetricStatistics and ListMetrics), the busy one's CPU
well above zero (one core against a 256-unit reservation is about 400 %) and the idle one's near
zero.

Expectations follow the Amazon ECS developer guide (Amazon ECS CloudWatch metrics), not local-ecs'
current behaviour. The run ends with `N passed, N failed`.
"""

import datetime
import sys
import time

import boto3

from smoke_support import ENDPOINT, REGION, RUN, CheckFailed, ecs_client, expect, run_checks

IMAGE = "local-ecs-test:latest"
CLUSTER = f"smoke-metrics-{RUN}"
ecs = ecs_client()
cw = boto3.client("cloudwatch", endpoint_url=ENDPOINT, region_name=REGION)
SUBNET = boto3.client("ec2", endpoint_url=ENDPOINT, region_name=REGION).describe_subnets(
    Filters=[{"Name": "default-for-az", "Values": ["true"]}])["Subnets"][0]["SubnetId"]


def service(name, script):
    td = ecs.register_task_definition(
        family=f"{name}-{RUN}", networkMode="awsvpc", requiresCompatibilities=["FARGATE"], cpu="256", memory="512",
        containerDefinitions=[{"name": "app", "image": IMAGE, "essential": True, "stopTimeout": 2,
                               "command": ["sh", "-c", script]}])["taskDefinition"]["taskDefinitionArn"]
    ecs.create_service(cluster=CLUSTER, serviceName=name, taskDefinition=td, desiredCount=1, launchType="FARGATE",
                       networkConfiguration={"awsvpcConfiguration": {"subnets": [SUBNET]}})


def setup():
    ecs.create_cluster(clusterName=CLUSTER)
    service("busy", "while true; do :; done")
    service("idle", "sleep 3600")
    ecs.get_waiter("services_stable").wait(cluster=CLUSTER, services=["busy", "idle"],
                                           WaiterConfig={"Delay": 1, "MaxAttempts": 60})


def datapoints(name, metric):
    now = datetime.datetime.now(datetime.timezone.utc)
    return cw.get_metric_statistics(
        Namespace="AWS/ECS", MetricName=metric, StartTime=now - datetime.timedelta(minutes=10),
        EndTime=now + datetime.timedelta(minutes=1), Period=60, Statistics=["Average", "Maximum"],
        Dimensions=[{"Name": "ClusterName", "Value": CLUSTER}, {"Name": "ServiceName", "Value": name}])["Datapoints"]


def check_services_get_cpu_and_memory_datapoints_from_real_stats():
    deadline = time.monotonic() + 150
    while time.monotonic() < deadline:
        got = {(n, m): datapoints(n, m) for n in ("busy", "idle") for m in ("CPUUtilization", "MemoryUtilization")}
        if all(got.values()):
            break
        time.sleep(2)
    else:
        raise CheckFailed(f"no datapoints within the collector's minute: {got}")
    busy = max(p["Maximum"] for p in got[("busy", "CPUUtilization")])
    idle = max(p["Maximum"] for p in got[("idle", "CPUUtilization")])
    expect(busy > 50, "a spinning container's CPUUtilization is well above zero", busy)
    expect(idle < 10, "a sleeping container's is near zero", idle)
    memory = got[("idle", "MemoryUtilization")][0]
    expect(0 <= memory["Average"] < 100 and memory["Unit"] == "Percent", "MemoryUtilization", memory)
    listed = cw.list_metrics(Namespace="AWS/ECS", Dimensions=[{"Name": "ClusterName", "Value": CLUSTER}])["Metrics"]
    expect({m["MetricName"] for m in listed} >= {"CPUUtilization", "MemoryUtilization"}, "ListMetrics", listed)


def teardown():
    for name in ("busy", "idle"):
        try:
            ecs.delete_service(cluster=CLUSTER, service=name, force=True)
        except Exception:
            pass


if __name__ == "__main__":
    sys.exit(run_checks(globals(), setup=setup, teardown=teardown))
