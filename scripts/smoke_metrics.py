#!/usr/bin/env python3
"""Smoke tests of the AWS/ECS metrics on REAL containers with a real client (boto3), against
$AWS_ENDPOINT_URL, for a server on the Docker runtime with `local-ecs-test:latest` built
(scripts/build-test-image.sh).

Covers, in one cluster created with Container Insights `enabled`:
- two Fargate services, one whose container spins the CPU and one that sleeps; within the
  collector's minute both have CPUUtilization and MemoryUtilization datapoints in AWS/ECS with the
  dimensions ClusterName and ServiceName (GetMetricStatistics and ListMetrics), the busy one's CPU
  well above zero (one core against a 256-unit reservation is about 400 %) and the idle one's near
  zero;
- a container instance registered through the API (2048 CPU units, 4096 MiB) running one EC2 task
  (512 units, 1024 MiB, a real container): per ClusterName, CPUReservation and MemoryReservation
  are 25 % and CPUUtilization/MemoryUtilization have datapoints;
- ECS/ContainerInsights: CpuUtilized per ClusterName+ServiceName, RunningTaskCount per service,
  TaskCount/ServiceCount/ContainerInstanceCount per ClusterName (ListMetrics, GetMetricStatistics),
  and in /aws/ecs/containerinsights/<cluster>/performance a `Type: Task` event whose TaskId is the
  busy task's (from its ARN), with AWS's field names, plus `Service` and `Cluster` events.

Every check shares one deadline, 150 s after setup, so the whole suite waits at most that long.
Expectations follow the Amazon ECS developer guide (Amazon ECS CloudWatch metrics; Container
Insights metrics and performance log events), not local-ecs' current behaviour. The run ends with
`N passed, N failed`.
"""

import datetime
import sys
import time

import json

import boto3

from smoke_support import ENDPOINT, REGION, RUN, ecs_client, expect, expect_eq, run_checks

IMAGE = "local-ecs-test:latest"
CLUSTER = f"smoke-metrics-{RUN}"
ecs = ecs_client()
cw = boto3.client("cloudwatch", endpoint_url=ENDPOINT, region_name=REGION)
logs = boto3.client("logs", endpoint_url=ENDPOINT, region_name=REGION)
DEADLINE = [0.0]
SUBNET = boto3.client("ec2", endpoint_url=ENDPOINT, region_name=REGION).describe_subnets(
    Filters=[{"Name": "default-for-az", "Values": ["true"]}])["Subnets"][0]["SubnetId"]


def service(name, script):
    td = ecs.register_task_definition(
        family=f"{name}-{RUN}", networkMode="awsvpc", requiresCompatibilities=["FARGATE"], cpu="256", memory="512",
        containerDefinitions=[{"name": "app", "image": IMAGE, "essential": True, "stopTimeout": 2,
                               "command": ["sh", "-c", script]}])["taskDefinition"]["taskDefinitionArn"]
    ecs.create_service(cluster=CLUSTER, serviceName=name, taskDefinition=td, desiredCount=1, launchType="FARGATE",
                       networkConfiguration={"awsvpcConfiguration": {"subnets": [SUBNET]}})


def ec2_task():
    """A container instance (registered through the API) with one EC2 task on it."""
    ecs.register_container_instance(cluster=CLUSTER, totalResources=[
        {"name": "CPU", "type": "INTEGER", "integerValue": 2048},
        {"name": "MEMORY", "type": "INTEGER", "integerValue": 4096}])
    td = ecs.register_task_definition(
        family=f"ec2-{RUN}", networkMode="bridge", requiresCompatibilities=["EC2"],
        containerDefinitions=[{"name": "app", "image": IMAGE, "essential": True, "stopTimeout": 2, "cpu": 512,
                               "memory": 1024, "command": ["sleep", "3600"]}])["taskDefinition"]["taskDefinitionArn"]
    return ecs.run_task(cluster=CLUSTER, taskDefinition=td, launchType="EC2")["tasks"][0]["taskArn"]


def setup():
    ecs.create_cluster(clusterName=CLUSTER, settings=[{"name": "containerInsights", "value": "enabled"}])
    service("busy", "while true; do :; done")
    service("idle", "sleep 3600")
    TASKS["ec2"] = ec2_task()
    ecs.get_waiter("services_stable").wait(cluster=CLUSTER, services=["busy", "idle"],
                                           WaiterConfig={"Delay": 1, "MaxAttempts": 60})
    ecs.get_waiter("tasks_running").wait(cluster=CLUSTER, tasks=[TASKS["ec2"]],
                                         WaiterConfig={"Delay": 1, "MaxAttempts": 60})
    TASKS["busy"] = ecs.list_tasks(cluster=CLUSTER, serviceName="busy")["taskArns"][0]
    DEADLINE[0] = time.monotonic() + 150


TASKS = {}


def wait_for(probe, what):
    """Polls `probe` until it returns something truthy or the suite's deadline passes."""
    while True:
        got = probe()
        if got or time.monotonic() > DEADLINE[0]:
            break
        time.sleep(2)
    expect(got, f"{what} within the suite's 150 s", got)
    return got


def stats(metric, dims, namespace="AWS/ECS", statistics=("Average", "Maximum")):
    now = datetime.datetime.now(datetime.timezone.utc)
    return cw.get_metric_statistics(
        Namespace=namespace, MetricName=metric, StartTime=now - datetime.timedelta(minutes=10),
        EndTime=now + datetime.timedelta(minutes=1), Period=60, Statistics=list(statistics),
        Dimensions=[{"Name": k, "Value": v} for k, v in dims])["Datapoints"]


def datapoints(name, metric):
    return stats(metric, [("ClusterName", CLUSTER), ("ServiceName", name)])


def check_services_get_cpu_and_memory_datapoints_from_real_stats():
    pairs = [(n, m) for n in ("busy", "idle") for m in ("CPUUtilization", "MemoryUtilization")]
    got = wait_for(lambda: (lambda g: g if all(g.values()) else None)({p: datapoints(*p) for p in pairs}),
                   "service datapoints")
    busy = max(p["Maximum"] for p in got[("busy", "CPUUtilization")])
    idle = max(p["Maximum"] for p in got[("idle", "CPUUtilization")])
    expect(busy > 50, "a spinning container's CPUUtilization is well above zero", busy)
    expect(idle < 10, "a sleeping container's is near zero", idle)
    memory = got[("idle", "MemoryUtilization")][0]
    expect(0 <= memory["Average"] < 100 and memory["Unit"] == "Percent", "MemoryUtilization", memory)
    listed = cw.list_metrics(Namespace="AWS/ECS", Dimensions=[{"Name": "ClusterName", "Value": CLUSTER}])["Metrics"]
    expect({m["MetricName"] for m in listed} >= {"CPUUtilization", "MemoryUtilization"}, "ListMetrics", listed)


def check_cluster_reservation_and_utilization_over_registered_instances():
    cluster = [("ClusterName", CLUSTER)]
    names = ("CPUReservation", "MemoryReservation", "CPUUtilization", "MemoryUtilization")
    got = wait_for(lambda: (lambda g: g if all(g.values()) else None)({m: stats(m, cluster) for m in names}),
                   "per-cluster datapoints")
    for m in ("CPUReservation", "MemoryReservation"):
        expect(abs(got[m][-1]["Maximum"] - 25) < 0.01, f"{m} is 512 of 2048 units / 1024 of 4096 MiB", got[m])
    expect(got["CPUUtilization"][0]["Unit"] == "Percent", "per-cluster CPUUtilization unit", got["CPUUtilization"])
    expect(got["MemoryUtilization"][0]["Maximum"] < 25, "a sleeping container uses little memory", got)


def check_container_insights_metrics():
    svc = [("ClusterName", CLUSTER), ("ServiceName", "busy")]
    cpu = wait_for(lambda: stats("CpuUtilized", svc, "ECS/ContainerInsights"), "CpuUtilized per service")
    expect(cpu[0]["Maximum"] > 128 and cpu[0]["Unit"] == "None", "a spinning task uses well over 128 units", cpu)
    running = wait_for(lambda: stats("RunningTaskCount", svc, "ECS/ContainerInsights"), "RunningTaskCount")
    expect(running[0]["Maximum"] == 1 and running[0]["Unit"] == "Count", "RunningTaskCount", running)
    cluster = [("ClusterName", CLUSTER)]
    counts = {m: stats(m, cluster, "ECS/ContainerInsights", ["Maximum"])
              for m in ("TaskCount", "ServiceCount", "ContainerInstanceCount")}
    expect(all(counts.values()), "cluster counts", counts)
    expect_eq([counts[m][-1]["Maximum"] for m in ("TaskCount", "ServiceCount", "ContainerInstanceCount")],
              [3, 2, 1], "TaskCount, ServiceCount, ContainerInstanceCount")
    listed = cw.list_metrics(Namespace="ECS/ContainerInsights",
                             Dimensions=[{"Name": "ClusterName", "Value": CLUSTER}])["Metrics"]
    want = {"CpuUtilized", "CpuReserved", "MemoryUtilized", "MemoryReserved", "NetworkRxBytes", "NetworkTxBytes",
            "StorageReadBytes", "StorageWriteBytes", "RunningTaskCount", "PendingTaskCount", "DesiredTaskCount",
            "DeploymentCount", "TaskSetCount", "ServiceCount", "TaskCount", "ContainerInstanceCount"}
    expect({m["MetricName"] for m in listed} >= want, "ListMetrics shows every Container Insights metric",
           sorted(want - {m["MetricName"] for m in listed}))
    family = [d for m in listed for d in m["Dimensions"] if d["Name"] == "TaskDefinitionFamily"]
    expect(family, "a ClusterName+TaskDefinitionFamily metric", listed[:3])


def performance_events():
    group = f"/aws/ecs/containerinsights/{CLUSTER}/performance"
    try:
        found = logs.filter_log_events(logGroupName=group)["events"]
    except logs.exceptions.ResourceNotFoundException:
        return []
    return [json.loads(e["message"]) for e in found]


def check_performance_log_events():
    task_id = TASKS["busy"].rsplit("/", 1)[1]
    events = wait_for(lambda: [e for e in performance_events() if e.get("TaskId") == task_id],
                      f"a performance log event for task {TASKS['busy']}")
    task = next(e for e in events if e["Type"] == "Task")
    for field in ("Version", "TaskDefinitionFamily", "TaskDefinitionRevision", "ClusterName", "ServiceName",
                  "LaunchType", "KnownStatus", "Timestamp", "CpuUtilized", "CpuReserved", "MemoryUtilized",
                  "MemoryReserved", "NetworkRxBytes", "NetworkTxBytes", "StorageReadBytes", "StorageWriteBytes"):
        expect(field in task, f"the Task event has {field}", sorted(task))
    expect_eq((task["ClusterName"], task["ServiceName"], task["CpuReserved"]), (CLUSTER, "busy", 256.0),
              "the Task event's cluster, service and reservation")
    expect(task["CloudWatchMetrics"][0]["Namespace"] == "ECS/ContainerInsights", "an EMF directive", task)
    types = {e["Type"] for e in performance_events()}
    expect(types >= {"Task", "Service", "Cluster"}, "Task, Service and Cluster events", types)
    streams = logs.describe_log_streams(logGroupName=f"/aws/ecs/containerinsights/{CLUSTER}/performance")
    names = [s["logStreamName"] for s in streams["logStreams"]]
    expect(any(n.startswith("FargateTelemetry-") for n in names) and any(n.startswith("AgentTelemetry-") for n in names),
           "FargateTelemetry- and AgentTelemetry- streams", names)


def teardown():
    for name in ("busy", "idle"):
        try:
            ecs.delete_service(cluster=CLUSTER, service=name, force=True)
        except Exception:
            pass
    if "ec2" in TASKS:
        try:
            ecs.stop_task(cluster=CLUSTER, task=TASKS["ec2"])
        except Exception:
            pass


if __name__ == "__main__":
    sys.exit(run_checks(globals(), setup=setup, teardown=teardown))
