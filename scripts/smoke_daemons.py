#!/usr/bin/env python3
"""Smoke tests of local-ecs managed daemons with a real client (boto3), against
$AWS_ENDPOINT_URL, on whichever runtime the server uses (on Docker the daemon tasks really run
`local-ecs-test:latest`, built by scripts/build-test-image.sh).

Covers: RegisterDaemonTaskDefinition and DescribeDaemonTaskDefinition; CreateDaemon over an Auto
Scaling group capacity provider with two registered container instances (one RUNNING daemon task
on each, the deployment SUCCESSFUL); UpdateDaemon to a new revision (the tasks replaced, a new
SUCCESSFUL deployment, both revisions describable); DeleteDaemon (the tasks stop, then
DaemonNotFoundException); DescribeDaemon of an unknown daemon.

Instances join the provider through the attribute `local-ecs.auto-scaling-group` naming its
Auto Scaling group (local-ecs's convention: RegisterContainerInstance names no group).
Expectations follow the Amazon ECS API reference
(https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_CreateDaemon.html) and the
developer guide's Managed Daemons pages. Every check is a function named check_*, run in order
(later ones use what earlier ones create); the run ends with the line `N passed, N failed`
(exit 1 on any failure). The caller resets the server.

  AWS_ENDPOINT_URL=http://127.0.0.1:4566 AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test \
  AWS_DEFAULT_REGION=us-east-1 python3 scripts/smoke_daemons.py
"""

import sys
import time

from botocore.exceptions import ClientError
from smoke_support import RUN, CheckFailed, ecs_client, expect, expect_eq, run_checks

IMAGE = "local-ecs-test:latest"
CLUSTER = f"smoke-daemons-{RUN}"
PROVIDER = f"smoke-cp-{RUN}"
GROUP = f"smoke-asg-{RUN}"
DAEMON = "monitor"
POLL_SECONDS = 90

ecs = ecs_client()
state = {}


def poll(what, f):
    deadline = time.monotonic() + POLL_SECONDS
    while time.monotonic() < deadline:
        got = f()
        if got:
            return got
        time.sleep(0.5)
    raise CheckFailed(f"timed out waiting for {what}")


def register_definition(seconds):
    container = {"name": "agent", "image": IMAGE, "command": ["sleep", str(seconds)],
                 "memory": 64, "essential": True, "stopTimeout": 2}
    resp = ecs.register_daemon_task_definition(family=f"smoke-agent-{RUN}",
                                               containerDefinitions=[container])
    return resp["daemonTaskDefinitionArn"]


def running_tasks():
    arns = ecs.list_tasks(cluster=CLUSTER, daemonName=DAEMON)["taskArns"]
    if not arns:
        return []
    tasks = ecs.describe_tasks(cluster=CLUSTER, tasks=arns)["tasks"]
    return [t for t in tasks if t["lastStatus"] == "RUNNING"]


def placed_on_every_instance(definition):
    tasks = running_tasks()
    on = sorted(t.get("containerInstanceArn") for t in tasks
                if t["taskDefinitionArn"] == definition)
    return tasks if on == sorted(state["instances"]) and len(tasks) == len(on) else None


def deployment(arn):
    resp = ecs.describe_daemon_deployments(daemonDeploymentArns=[arn])
    return resp["daemonDeployments"][0] if resp["daemonDeployments"] else None


def setup():
    ecs.create_cluster(clusterName=CLUSTER)
    group_arn = ("arn:aws:autoscaling:us-east-1:000000000000:autoScalingGroup:"
                 f"00000000-0000-0000-0000-000000000000:autoScalingGroupName/{GROUP}")
    ecs.create_capacity_provider(name=PROVIDER,
                                 autoScalingGroupProvider={"autoScalingGroupArn": group_arn})
    ecs.put_cluster_capacity_providers(cluster=CLUSTER, capacityProviders=[PROVIDER],
                                       defaultCapacityProviderStrategy=[])
    state["instances"] = []
    for _ in range(2):
        ci = ecs.register_container_instance(
            cluster=CLUSTER,
            attributes=[{"name": "local-ecs.auto-scaling-group", "value": GROUP}],
        )["containerInstance"]
        expect_eq(ci.get("capacityProviderName"), PROVIDER, "the instance's capacityProviderName")
        state["instances"].append(ci["containerInstanceArn"])


def check_register_and_describe_daemon_task_definition():
    arn = register_definition(300)
    expect(arn.endswith(f":daemon-task-definition/smoke-agent-{RUN}:1"), "the ARN's form", arn)
    d = ecs.describe_daemon_task_definition(daemonTaskDefinition=arn)["daemonTaskDefinition"]
    expect_eq(d["status"], "ACTIVE", "status")
    expect_eq(d["containerDefinitions"][0]["image"], IMAGE, "image")
    state["td1"] = arn


def check_create_daemon_runs_one_task_on_each_instance():
    resp = ecs.create_daemon(daemonName=DAEMON, clusterArn=CLUSTER,
                             daemonTaskDefinitionArn=state["td1"],
                             capacityProviderArns=[PROVIDER])
    expect_eq(resp["status"], "ACTIVE", "status")
    state["daemon"], state["first"] = resp["daemonArn"], resp["deploymentArn"]
    tasks = poll("a RUNNING task on each instance", lambda: placed_on_every_instance(state["td1"]))
    expect(all(t["group"] == f"daemon:{DAEMON}" for t in tasks), "group daemon:<name>", tasks)
    poll("the deployment to succeed",
         lambda: deployment(state["first"])["status"] == "SUCCESSFUL")
    detail = ecs.describe_daemon(daemonArn=state["daemon"])["daemon"]
    expect_eq(detail["currentRevisions"][0]["totalRunningCount"], 2, "totalRunningCount")


def check_update_daemon_replaces_the_tasks():
    state["td2"] = register_definition(301)
    resp = ecs.update_daemon(daemonArn=state["daemon"], daemonTaskDefinitionArn=state["td2"],
                             capacityProviderArns=[PROVIDER],
                             deploymentConfiguration={"drainPercent": 50.0})
    second = resp["deploymentArn"]
    expect(second != state["first"], "a new deployment", second)
    poll("the new revision on each instance", lambda: placed_on_every_instance(state["td2"]))
    d = poll("the update to succeed",
             lambda: (lambda d: d if d["status"] == "SUCCESSFUL" else None)(deployment(second)))
    revisions = [d["targetDaemonRevision"]["arn"]] + [
        r["arn"] for r in d["sourceDaemonRevisions"]]
    described = ecs.describe_daemon_revisions(daemonRevisionArns=revisions)["daemonRevisions"]
    tds = sorted(r["daemonTaskDefinitionArn"] for r in described)
    expect_eq(tds, sorted([state["td1"], state["td2"]]), "the revisions' definitions")


def check_delete_daemon_stops_its_tasks():
    resp = ecs.delete_daemon(daemonArn=state["daemon"])
    expect_eq(resp["status"], "DELETE_IN_PROGRESS", "status")

    def gone():
        try:
            ecs.describe_daemon(daemonArn=state["daemon"])
        except ClientError as e:
            return e.response["Error"]["Code"] == "DaemonNotFoundException"
        return False

    poll("the daemon to be gone", gone)
    expect_eq(running_tasks(), [], "RUNNING daemon tasks")


def check_unknown_daemon_is_not_found():
    try:
        ecs.describe_daemon(daemonArn=state["daemon"].rsplit("/", 1)[0] + "/nothing")
    except ClientError as e:
        expect_eq(e.response["Error"]["Code"], "DaemonNotFoundException", "error code")
    else:
        raise CheckFailed("DescribeDaemon of an unknown daemon succeeded")


if __name__ == "__main__":
    sys.exit(run_checks(dict(globals()), setup=setup))
