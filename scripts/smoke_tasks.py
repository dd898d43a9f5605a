#!/usr/bin/env python3
"""Smoke tests of local-ecs tasks on REAL containers with a real client (boto3), against
$AWS_ENDPOINT_URL, for a server on the Docker runtime with `local-ecs-test:latest` built
(scripts/build-test-image.sh).

Covers: RunTask of an awsvpc Fargate task and the `tasks_running` waiter, the container's
runtimeId in `docker inspect`, StopTask and the `tasks_stopped` waiter (stopCode UserInitiated),
an essential container exiting 3 (the `tasks_running` waiter fails; exitCode 3), a failed pull
(CannotPullContainerError), the list_tasks paginator, and DescribeTasks of an unknown id (MISSING).

Expectations follow the Amazon ECS API reference
(https://docs.aws.amazon.com/AmazonECS/latest/APIReference/), not local-ecs' current behaviour.
Plain Python: every check is a function named check_*; the run counts passes and failures, prints
each failure with detail, and ends with the line `N passed, N failed` (exit 1 on any failure).
The checks stop the tasks they start; the caller resets the server.

  AWS_ENDPOINT_URL=http://127.0.0.1:4566 AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test \
  AWS_DEFAULT_REGION=us-east-1 python3 scripts/smoke_tasks.py
"""

import json

import boto3
import subprocess
import sys

from smoke_support import ENDPOINT, REGION, RUN, CheckFailed, ecs_client, expect, expect_eq, run_checks
from botocore.exceptions import ClientError, WaiterError

IMAGE = "local-ecs-test:latest"
CLUSTER = f"smoke-tasks-{RUN}"
# The default VPC's first subnet, as describe-subnets lists it (ECS checks ids against EC2).
SUBNET = boto3.client("ec2", endpoint_url=ENDPOINT, region_name=REGION).describe_subnets(
    Filters=[{"Name": "default-for-az", "Values": ["true"]}]
)["Subnets"][0]["SubnetId"]
WAIT = {"Delay": 1, "MaxAttempts": 60}

ecs = ecs_client()

started = []  # every task a check starts, stopped at the end




def container_def(name, command, **extra):
    return {"name": name, "image": IMAGE, "command": command, "essential": True, **extra}


def register_fargate(family, containers):
    return ecs.register_task_definition(
        family=f"{family}-{RUN}", networkMode="awsvpc", requiresCompatibilities=["FARGATE"],
        cpu="256", memory="512", containerDefinitions=containers,
    )["taskDefinition"]["taskDefinitionArn"]


def run_fargate(td):
    resp = ecs.run_task(
        cluster=CLUSTER, taskDefinition=td, launchType="FARGATE",
        networkConfiguration={"awsvpcConfiguration": {"subnets": [SUBNET]}},
    )
    expect_eq(resp["failures"], [], "RunTask failures")
    expect_eq(len(resp["tasks"]), 1, "one task")
    arn = resp["tasks"][0]["taskArn"]
    started.append(arn)
    return arn


def describe(arn):
    resp = ecs.describe_tasks(cluster=CLUSTER, tasks=[arn])
    expect_eq(resp["failures"], [], "DescribeTasks failures")
    return resp["tasks"][0]


def wait(name, arn):
    ecs.get_waiter(name).wait(cluster=CLUSTER, tasks=[arn], WaiterConfig=WAIT)
    return describe(arn)


def docker_inspect(container_id):
    out = subprocess.run(["docker", "inspect", container_id], capture_output=True, text=True,
                         timeout=30)
    expect(out.returncode == 0, f"docker inspect {container_id} succeeds", out.stderr.strip())
    return json.loads(out.stdout)[0]


def sleeper_def(family):
    return register_fargate(family, [container_def("main", ["sleep", "300"], stopTimeout=2)])


# --- checks ----------------------------------------------------------------------------------------

def check_run_wait_running_and_runtime_id():
    arn = run_fargate(sleeper_def("sleeper"))
    task = wait("tasks_running", arn)
    expect_eq(task["lastStatus"], "RUNNING", "lastStatus")
    expect_eq(task["desiredStatus"], "RUNNING", "desiredStatus")
    runtime_id = task["containers"][0].get("runtimeId")
    expect(runtime_id, "the container has a runtimeId", task["containers"][0])
    state = docker_inspect(runtime_id)["State"]
    expect_eq(state["Running"], True, "the container runs in Docker")


def check_stop_task_and_wait_stopped():
    arn = run_fargate(sleeper_def("stopped"))
    wait("tasks_running", arn)
    stopping = ecs.stop_task(cluster=CLUSTER, task=arn, reason="smoke stop")["task"]
    expect_eq(stopping["desiredStatus"], "STOPPED", "desiredStatus after StopTask")
    task = wait("tasks_stopped", arn)
    expect_eq(task["lastStatus"], "STOPPED", "lastStatus")
    expect_eq(task.get("stopCode"), "UserInitiated", "stopCode")
    expect_eq(task.get("stoppedReason"), "smoke stop", "stoppedReason")
    expect_eq(task["containers"][0].get("exitCode"), 137, "SIGKILL after stopTimeout")


def check_essential_exit_fails_the_running_waiter():
    td = register_fargate("exit3", [container_def("main", ["sh", "-c", "exit 3"])])
    arn = run_fargate(td)
    try:
        ecs.get_waiter("tasks_running").wait(cluster=CLUSTER, tasks=[arn], WaiterConfig=WAIT)
    except WaiterError as e:
        expect("failure state" in str(e), "the waiter fails because the task STOPPED", str(e))
    else:
        raise CheckFailed("tasks_running succeeded for a task whose essential container exits 3")
    task = describe(arn)
    expect_eq(task["lastStatus"], "STOPPED", "lastStatus")
    expect_eq(task.get("stopCode"), "EssentialContainerExited", "stopCode")
    expect_eq(task["containers"][0].get("exitCode"), 3, "exitCode")


def check_failed_pull():
    td = register_fargate("ghost", [{"name": "main", "image": "does-not-exist.invalid/nothing:1",
                                     "essential": True}])
    arn = run_fargate(td)
    task = wait("tasks_stopped", arn)
    expect_eq(task.get("stopCode"), "TaskFailedToStart", "stopCode")
    reason = task.get("stoppedReason", "")
    expect(reason.startswith("CannotPullContainerError:"), "stoppedReason", reason)


def check_list_tasks_paginator():
    td = sleeper_def("listed")
    mine = {run_fargate(td) for _ in range(3)}
    pages = list(ecs.get_paginator("list_tasks").paginate(
        cluster=CLUSTER, PaginationConfig={"PageSize": 1}))
    arns = [a for p in pages for a in p["taskArns"]]
    for p in pages:
        expect(len(p["taskArns"]) <= 1, "at most 1 ARN a page", p["taskArns"])
    expect_eq(len(arns), len(set(arns)), "no ARN twice across pages")
    expect(mine <= set(arns), "every started task listed", arns)
    expect("nextToken" not in pages[-1], "the last page has no nextToken")


def check_describe_unknown_task_is_missing():
    resp = ecs.describe_tasks(cluster=CLUSTER, tasks=["0123456789abcdef0123456789abcdef"])
    expect_eq(resp["tasks"], [], "no tasks")
    expect_eq([f.get("reason") for f in resp["failures"]], ["MISSING"], "failure reasons")


def stop_everything():
    for arn in started:
        try:
            ecs.stop_task(cluster=CLUSTER, task=arn, reason="smoke cleanup")
        except ClientError:
            pass


def main():
    return run_checks(globals(), setup=lambda: ecs.create_cluster(clusterName=CLUSTER), teardown=stop_everything)


if __name__ == "__main__":
    sys.exit(main())
