#!/usr/bin/env python3
"""Smoke tests of what a task says, on REAL containers with a real client (boto3), against
$AWS_ENDPOINT_URL, for a server on the Docker runtime with `local-ecs-test:latest` built
(scripts/build-test-image.sh).

Covers the awslogs log driver: a Fargate task's stdout and stderr delivered to CloudWatch Logs in
order, with the engine's timestamps, in the stream `<awslogs-stream-prefix>/<container>/<task id>`
of a group `awslogs-create-group` created, every line there once the task is STOPPED;
`awslogs-multiline-pattern` and `awslogs-datetime-format` grouping lines into events; a task
whose group is missing (without awslogs-create-group) failing as ECS fails it.

Expectations follow the Amazon ECS developer guide (the awslogs log driver) and the CloudWatch Logs
API reference, not local-ecs' current behaviour. Plain Python: every check is a function named
check_*, run in order; the run ends with the line `N passed, N failed` (exit 1 on any failure).

  AWS_ENDPOINT_URL=http://127.0.0.1:4566 AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test \\
  AWS_DEFAULT_REGION=us-east-1 python3 scripts/smoke_task_io.py
"""

import sys
import time

import boto3
from botocore.config import Config

from smoke_support import ENDPOINT, REGION, RUN, ecs_client, expect, expect_eq, run_checks

IMAGE = "local-ecs-test:latest"
CLUSTER = f"smoke-io-{RUN}"
GROUP = f"/ecs/smoke-io-{RUN}"
WAIT = {"Delay": 1, "MaxAttempts": 90}

ecs = ecs_client()
logs = boto3.client("logs", endpoint_url=ENDPOINT, region_name=REGION, config=Config(retries={"max_attempts": 1}))
SUBNET = boto3.client("ec2", endpoint_url=ENDPOINT, region_name=REGION).describe_subnets(
    Filters=[{"Name": "default-for-az", "Values": ["true"]}])["Subnets"][0]["SubnetId"]


def run_to_stop(family, command, options):
    td = ecs.register_task_definition(
        family=f"{family}-{RUN}", networkMode="awsvpc", requiresCompatibilities=["FARGATE"], cpu="256", memory="512",
        containerDefinitions=[{"name": "app", "image": IMAGE, "essential": True, "command": ["sh", "-c", command],
                               "logConfiguration": {"logDriver": "awslogs", "options": options}}],
    )["taskDefinition"]["taskDefinitionArn"]
    task = ecs.run_task(cluster=CLUSTER, taskDefinition=td, launchType="FARGATE", networkConfiguration={
        "awsvpcConfiguration": {"subnets": [SUBNET]}})["tasks"][0]
    ecs.get_waiter("tasks_stopped").wait(cluster=CLUSTER, tasks=[task["taskArn"]], WaiterConfig=WAIT)
    return ecs.describe_tasks(cluster=CLUSTER, tasks=[task["taskArn"]])["tasks"][0]


def events_of(stream):
    return logs.get_log_events(logGroupName=GROUP, logStreamName=stream, startFromHead=True)["events"]


def setup():
    ecs.create_cluster(clusterName=CLUSTER)


def check_stdout_and_stderr_reach_logs_in_order():
    lines = [f"line {i}" for i in range(1, 41)]
    script = "; ".join(f"echo '{l}'" + (" >&2" if i % 3 == 0 else "") for i, l in enumerate(lines)) + "; exit 0"
    started = time.time()
    task = run_to_stop("io-plain", script, {
        "awslogs-group": GROUP, "awslogs-region": REGION, "awslogs-stream-prefix": "web",
        "awslogs-create-group": "true"})
    expect_eq(task["containers"][0].get("exitCode"), 0, "exit code")
    task_id = task["taskArn"].rsplit("/", 1)[1]
    stream = f"web/app/{task_id}"
    streams = [s["logStreamName"] for s in logs.describe_log_streams(logGroupName=GROUP)["logStreams"]]
    expect(stream in streams, "the stream <prefix>/<container>/<task id>", streams)
    got = events_of(stream)
    messages = [e["message"] for e in got]
    expect_eq(sorted(messages), sorted(lines), "every line is there once the task is STOPPED")
    # stdout and stderr reach the engine through two pipes, each in order; across them only the
    # engine's timestamps order the lines (as with the real awslogs driver).
    out = [l for i, l in enumerate(lines) if i % 3]
    err = [l for i, l in enumerate(lines) if not i % 3]
    expect_eq([m for m in messages if m in out], out, "stdout lines in order")
    expect_eq([m for m in messages if m in err], err, "stderr lines in order")
    stamps = [e["timestamp"] for e in got]
    expect(stamps == sorted(stamps), "timestamps ascend", stamps)
    expect(abs(stamps[0] / 1000 - started) < 120, "the engine's timestamps (wall clock)", (stamps[0], started))


def check_multiline_pattern_groups_lines():
    script = ("echo 'INFO start'; echo '  at one'; echo '  at two'; echo 'ERROR boom'; echo '  cause'; "
              "echo 'INFO done'")
    task = run_to_stop("io-multi", script, {
        "awslogs-group": GROUP, "awslogs-region": REGION, "awslogs-stream-prefix": "multi",
        "awslogs-multiline-pattern": "^(INFO|ERROR)"})
    got = [e["message"] for e in events_of(f"multi/app/{task['taskArn'].rsplit('/', 1)[1]}")]
    expect_eq(got, ["INFO start\n  at one\n  at two", "ERROR boom\n  cause", "INFO done"], "events grouped by the pattern")


def check_datetime_format_groups_lines():
    script = ("echo '2026-12-06 10:00:00 first'; echo 'continued'; echo '2026-12-06 10:00:01 second'")
    task = run_to_stop("io-date", script, {
        "awslogs-group": GROUP, "awslogs-region": REGION, "awslogs-stream-prefix": "date",
        "awslogs-datetime-format": "%Y-%m-%d %H:%M:%S"})
    got = [e["message"] for e in events_of(f"date/app/{task['taskArn'].rsplit('/', 1)[1]}")]
    expect_eq(got, ["2026-12-06 10:00:00 first\ncontinued", "2026-12-06 10:00:01 second"], "events grouped by the date")


def check_missing_group_fails_the_task():
    task = run_to_stop("io-missing", "echo never", {
        "awslogs-group": f"/ecs/missing-{RUN}", "awslogs-region": REGION, "awslogs-stream-prefix": "x"})
    reason = task.get("stoppedReason", "")
    expect(reason.startswith("ResourceInitializationError: failed to validate logger args:")
           and "The specified log group does not exist." in reason, "stoppedReason", reason)
    expect_eq(task.get("stopCode"), "TaskFailedToStart", "stopCode")


def teardown():
    try:
        logs.delete_log_group(logGroupName=GROUP)
    except Exception:
        pass


if __name__ == "__main__":
    sys.exit(run_checks(globals(), setup=setup, teardown=teardown))
