#!/usr/bin/env python3
"""Smoke tests of local-ecs services on REAL containers with a real client (boto3), against
$AWS_ENDPOINT_URL, for a server on the Docker runtime with `local-ecs-test:latest` built
(scripts/build-test-image.sh).

Covers: CreateService of an awsvpc Fargate service and the `services_stable` waiter (its tasks'
containers running in Docker), UpdateService of the desired count and `services_stable` again,
tags on the service by its ARN (what Terraform does on every apply),
DeleteService(force=True) and the `services_inactive` waiter (the tasks stop), and
DescribeServices of an unknown service (a MISSING failure, not an error).

Expectations follow the Amazon ECS API reference
(https://docs.aws.amazon.com/AmazonECS/latest/APIReference/) and botocore's ECS waiters, not
local-ecs' current behaviour. Plain Python: every check is a function named check_*, run in
order (later ones use the service the first one creates); the run counts passes and failures,
prints each failure with detail, and ends with the line `N passed, N failed` (exit 1 on any
failure). The service is deleted at the end; the caller resets the server.

  AWS_ENDPOINT_URL=http://127.0.0.1:4566 AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test \
  AWS_DEFAULT_REGION=us-east-1 python3 scripts/smoke_services.py
"""

import json

import boto3
import subprocess
import sys
import time

from smoke_support import ENDPOINT, REGION, RUN, CheckFailed, ecs_client, expect, expect_eq, run_checks
from botocore.exceptions import ClientError

IMAGE = "local-ecs-test:latest"
CLUSTER = f"smoke-services-{RUN}"
SERVICE = "web"
# The default VPC's first subnet, as describe-subnets lists it (ECS checks ids against EC2).
SUBNET = boto3.client("ec2", endpoint_url=ENDPOINT, region_name=REGION).describe_subnets(
    Filters=[{"Name": "default-for-az", "Values": ["true"]}]
)["Subnets"][0]["SubnetId"]
WAIT = {"Delay": 1, "MaxAttempts": 60}
POLL_SECONDS = 60

ecs = ecs_client()




def describe_service():
    resp = ecs.describe_services(cluster=CLUSTER, services=[SERVICE])
    expect_eq(resp["failures"], [], "DescribeServices failures")
    return resp["services"][0]


def wait(name):
    ecs.get_waiter(name).wait(cluster=CLUSTER, services=[SERVICE], WaiterConfig=WAIT)
    return describe_service()


def service_tasks(desired="RUNNING"):
    arns = ecs.list_tasks(cluster=CLUSTER, serviceName=SERVICE, desiredStatus=desired)["taskArns"]
    if not arns:
        return []
    return ecs.describe_tasks(cluster=CLUSTER, tasks=arns)["tasks"]


def running_in_docker(container_id):
    out = subprocess.run(["docker", "inspect", container_id], capture_output=True, text=True,
                         timeout=30)
    expect(out.returncode == 0, f"docker inspect {container_id} succeeds", out.stderr.strip())
    return json.loads(out.stdout)[0]["State"]["Running"]


def poll(what, probe):
    """Calls probe() until it returns a true value, for at most POLL_SECONDS."""
    deadline = time.monotonic() + POLL_SECONDS
    while True:
        got = probe()
        if got:
            return got
        if time.monotonic() > deadline:
            raise CheckFailed(f"gave up waiting for {what}")
        time.sleep(0.5)


def expect_running_tasks(count):
    """The service's live tasks: `count` of them, RUNNING, each container running in Docker."""
    def settled():
        tasks = service_tasks()
        if len(tasks) == count and all(t["lastStatus"] == "RUNNING" for t in tasks):
            return tasks
        return None

    tasks = poll(f"{count} RUNNING tasks", settled)
    for t in tasks:
        expect_eq(t.get("group"), f"service:{SERVICE}", "task group")
        runtime_id = t["containers"][0].get("runtimeId")
        expect(runtime_id, "the container has a runtimeId", t["containers"][0])
        expect(running_in_docker(runtime_id), "the container runs in Docker", runtime_id)
    return tasks


# --- checks (in order) ------------------------------------------------------------------------------

def check_create_service_then_services_stable():
    td = ecs.register_task_definition(
        family=f"smoke-web-{RUN}", networkMode="awsvpc", requiresCompatibilities=["FARGATE"],
        cpu="256", memory="512",
        containerDefinitions=[{"name": "main", "image": IMAGE, "command": ["sleep", "300"],
                               "essential": True, "stopTimeout": 2}],
    )["taskDefinition"]["taskDefinitionArn"]
    created = ecs.create_service(
        cluster=CLUSTER, serviceName=SERVICE, taskDefinition=td, desiredCount=2,
        launchType="FARGATE",
        networkConfiguration={"awsvpcConfiguration": {"subnets": [SUBNET]}},
    )["service"]
    expect_eq(created["status"], "ACTIVE", "status")
    expect_eq(created["desiredCount"], 2, "desiredCount")
    expect_eq([d["status"] for d in created["deployments"]], ["PRIMARY"], "deployments")
    svc = wait("services_stable")
    expect_eq(svc["runningCount"], 2, "runningCount")
    expect_eq(len(svc["deployments"]), 1, "one deployment")
    expect_running_tasks(2)


def check_update_desired_count_then_stable_again():
    updated = ecs.update_service(cluster=CLUSTER, service=SERVICE, desiredCount=3)["service"]
    expect_eq(updated["desiredCount"], 3, "desiredCount after UpdateService")
    svc = wait("services_stable")
    expect_eq(svc["runningCount"], 3, "runningCount")
    expect_running_tasks(3)
    ecs.update_service(cluster=CLUSTER, service=SERVICE, desiredCount=1)
    svc = wait("services_stable")
    expect_eq(svc["runningCount"], 1, "runningCount after scaling in")
    expect_running_tasks(1)


def check_tag_the_service_by_arn_as_terraform_does():
    arn = describe_service()["serviceArn"]
    expect(arn.endswith(f":service/{CLUSTER}/{SERVICE}"), "long service ARN", arn)
    ecs.tag_resource(resourceArn=arn, tags=[{"key": "team", "value": "core"},
                                            {"key": "env", "value": "dev"}])
    ecs.untag_resource(resourceArn=arn, tagKeys=["env"])
    tags = ecs.list_tags_for_resource(resourceArn=arn)["tags"]
    expect_eq(tags, [{"key": "team", "value": "core"}], "ListTagsForResource")
    shown = ecs.describe_services(cluster=CLUSTER, services=[SERVICE], include=["TAGS"])
    expect_eq(shown["services"][0].get("tags"), [{"key": "team", "value": "core"}],
              "DescribeServices include TAGS")


def check_delete_force_then_services_inactive():
    live = [t["taskArn"] for t in service_tasks()]
    expect(live, "the service has live tasks before deletion")
    deleted = ecs.delete_service(cluster=CLUSTER, service=SERVICE, force=True)["service"]
    expect_eq(deleted["status"], "DRAINING", "status after DeleteService")
    svc = wait("services_inactive")
    expect_eq(svc["status"], "INACTIVE", "status")
    ecs.get_waiter("tasks_stopped").wait(cluster=CLUSTER, tasks=live, WaiterConfig=WAIT)
    tasks = ecs.describe_tasks(cluster=CLUSTER, tasks=live)["tasks"]
    expect_eq({t["lastStatus"] for t in tasks}, {"STOPPED"}, "the service's tasks")


def check_describe_unknown_service_is_missing():
    resp = ecs.describe_services(cluster=CLUSTER, services=[f"ghost-{RUN}"])
    expect_eq(resp["services"], [], "no services")
    expect_eq([f.get("reason") for f in resp["failures"]], ["MISSING"], "failure reasons")
    # AWS names an unknown service without its cluster: ...:service/NAME.
    expect(resp["failures"][0]["arn"].endswith(f":service/ghost-{RUN}"), "failure ARN",
           resp["failures"][0]["arn"])


def clean_up():
    try:
        ecs.delete_service(cluster=CLUSTER, service=SERVICE, force=True)
    except ClientError:
        pass


def main():
    return run_checks(globals(), setup=lambda: ecs.create_cluster(clusterName=CLUSTER), teardown=clean_up)


if __name__ == "__main__":
    sys.exit(main())
