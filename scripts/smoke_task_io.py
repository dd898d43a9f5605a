#!/usr/bin/env python3
"""Smoke tests of what a task says, on REAL containers with a real client (boto3), against
$AWS_ENDPOINT_URL, for a server on the Docker runtime with `local-ecs-test:latest` built
(scripts/build-test-image.sh).

Covers the awslogs log driver: a Fargate task's stdout and stderr delivered to CloudWatch Logs in
order, with the engine's timestamps, in the stream `<awslogs-stream-prefix>/<container>/<task id>`
of a group `awslogs-create-group` created, every line there once the task is STOPPED;
`awslogs-multiline-pattern` and `awslogs-datetime-format` grouping lines into events; a task
whose group is missing (without awslogs-create-group) failing as ECS fails it.

And the agent's endpoints at 169.254.170.2 read from inside real containers (their output comes
back through awslogs): the task metadata v4 task and container documents, v4 task stats, v2 by
the caller's address, the ECS_* variables, task-role credentials in awsvpc (Fargate) and bridge
(EC2) mode that map back to the task's account and role when used with STS, and task scale-in
protection set from inside a service's task through ${ECS_AGENT_URI}, and (with the server's
--inject-endpoint-url true) a task calling local-ecs' ECS API through $AWS_ENDPOINT_URL.

Expectations follow the Amazon ECS developer guide (the awslogs log driver, task metadata endpoint
v4, task IAM roles, task scale-in protection endpoint) and the CloudWatch Logs
API reference, not local-ecs' current behaviour. Plain Python: every check is a function named
check_*, run in order; the run ends with the line `N passed, N failed` (exit 1 on any failure).

  AWS_ENDPOINT_URL=http://127.0.0.1:4566 AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test \\
  AWS_DEFAULT_REGION=us-east-1 python3 scripts/smoke_task_io.py
"""

import json
import sys
import time

import boto3
from botocore.config import Config

from smoke_support import ENDPOINT, REGION, RUN, CheckFailed, ecs_client, expect, expect_eq, run_checks

IMAGE = "local-ecs-test:latest"
CLUSTER = f"smoke-io-{RUN}"
GROUP = f"/ecs/smoke-io-{RUN}"
WAIT = {"Delay": 1, "MaxAttempts": 90}

ecs = ecs_client()
iam = boto3.client("iam", endpoint_url=ENDPOINT, region_name=REGION)
S = {}
logs = boto3.client("logs", endpoint_url=ENDPOINT, region_name=REGION, config=Config(retries={"max_attempts": 1}))
SUBNET = boto3.client("ec2", endpoint_url=ENDPOINT, region_name=REGION).describe_subnets(
    Filters=[{"Name": "default-for-az", "Values": ["true"]}])["Subnets"][0]["SubnetId"]


def run_to_stop(family, command, options, role=None, bridge=False):
    extra = {"taskRoleArn": role} if role else {}
    if bridge:
        extra.update(networkMode="bridge", requiresCompatibilities=["EC2"])
        launch = {"launchType": "EC2"}
    else:
        extra.update(networkMode="awsvpc", requiresCompatibilities=["FARGATE"], cpu="256", memory="512")
        launch = {"launchType": "FARGATE", "networkConfiguration": {"awsvpcConfiguration": {"subnets": [SUBNET]}}}
    td = ecs.register_task_definition(
        family=f"{family}-{RUN}", **extra,
        containerDefinitions=[{"name": "app", "image": IMAGE, "essential": True, "command": ["sh", "-c", command],
                               "memory": 128, "logConfiguration": {"logDriver": "awslogs", "options": options}}],
    )["taskDefinition"]["taskDefinitionArn"]
    task = ecs.run_task(cluster=CLUSTER, taskDefinition=td, **launch)["tasks"][0]
    ecs.get_waiter("tasks_stopped").wait(cluster=CLUSTER, tasks=[task["taskArn"]], WaiterConfig=WAIT)
    return ecs.describe_tasks(cluster=CLUSTER, tasks=[task["taskArn"]])["tasks"][0]


def events_of(stream):
    return logs.get_log_events(logGroupName=GROUP, logStreamName=stream, startFromHead=True)["events"]


def setup():
    ecs.create_cluster(clusterName=CLUSTER)
    # A container instance on this engine, for the bridge-mode (EC2) task.
    ecs.register_container_instance(cluster=CLUSTER)
    S["account"] = boto3.client("sts", endpoint_url=ENDPOINT, region_name=REGION).get_caller_identity()["Account"]
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                     "Principal": {"Service": "ecs-tasks.amazonaws.com"}}]}
    S["role"] = iam.create_role(RoleName=f"io-{RUN}", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]


LOGGED = {"awslogs-group": GROUP, "awslogs-region": REGION, "awslogs-stream-prefix": "ep", "awslogs-create-group": "true"}


def output(task):
    return [e["message"] for e in events_of(f"ep/app/{task['taskArn'].rsplit('/', 1)[1]}")]


def json_lines(task):
    out = []
    for line in output(task):
        try:
            out.append(json.loads(line))
        except ValueError:
            pass
    return out


def check_metadata_v4_from_inside_a_task():
    task = run_to_stop("io-meta", 'sleep 1; wget -qO- "$ECS_CONTAINER_METADATA_URI_V4/task"; echo; '
                       'wget -qO- "$ECS_CONTAINER_METADATA_URI_V4"; echo; '
                       'wget -qO- "$ECS_CONTAINER_METADATA_URI_V4/task/stats"; echo; '
                       'wget -qO- http://169.254.170.2/v2/metadata; echo; env | grep "^ECS_" | sort', LOGGED)
    docs = json_lines(task)
    expect(len(docs) >= 4, "four JSON documents read from inside the container", output(task)[:6])
    doc, me, stats, v2 = docs[:4]
    expect_eq((doc["TaskARN"], doc["Cluster"], doc["Family"], doc["Revision"]),
              (task["taskArn"], task["clusterArn"], f"io-meta-{RUN}", task["taskDefinitionArn"].rsplit(":", 1)[1]),
              "the task document")
    expect_eq((doc["DesiredStatus"], doc["KnownStatus"], doc["LaunchType"]), ("RUNNING", "RUNNING", "FARGATE"), "statuses")
    expect_eq(doc["Limits"], {"CPU": 0.25, "Memory": 512}, "Limits")
    expect("PullStartedAt" in doc and doc.get("AvailabilityZone"), "PullStartedAt and AvailabilityZone", doc)
    runtime_id = task["containers"][0]["runtimeId"]
    expect_eq([(c["Name"], c["DockerId"]) for c in doc["Containers"]], [("app", runtime_id)], "Containers")
    expect_eq((me["Name"], me["DockerId"], me["Image"], me["LogDriver"]), ("app", runtime_id, IMAGE, "awslogs"),
              "the container document")
    ip = task["containers"][0]["networkInterfaces"][0]["privateIpv4Address"]
    expect_eq(me["Networks"][0]["NetworkMode"], "awsvpc", "NetworkMode")
    expect_eq(me["Networks"][0]["IPv4Addresses"], [ip], "the task's address")
    expect(me["Labels"].get("com.amazonaws.ecs.task-arn") == task["taskArn"], "Labels", me["Labels"])
    expect(runtime_id in stats and stats[runtime_id].get("memory_stats", {}).get("usage", 0) > 0,
           "task stats are the engine's, keyed by Docker id", list(stats))
    expect_eq(v2["TaskARN"], task["taskArn"], "v2 metadata knows the task by its address")
    env = [l for l in output(task) if l.startswith("ECS_")]
    token = f"{task['taskArn'].rsplit('/', 1)[1]}-app"
    expect_eq(env, [f"ECS_AGENT_URI=http://169.254.170.2/api/{token}",
                    f"ECS_CONTAINER_METADATA_URI=http://169.254.170.2/v3/{token}",
                    f"ECS_CONTAINER_METADATA_URI_V4=http://169.254.170.2/v4/{token}"], "the ECS_ variables")


def credentials_check(bridge):
    task = run_to_stop("io-creds-bridge" if bridge else "io-creds",
                       'echo "uri=$AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"; '
                       'C=$(wget -qO- "http://169.254.170.2$AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"); echo "$C"; '
                       # The task calls STS itself with its credentials. local-ecs verifies no
                       # signature (nothing is enforced), so this shell client sends a placeholder
                       # where an SDK would sign.
                       'K=$(echo "$C" | sed \'s/.*"AccessKeyId":"\\([^"]*\\)".*/\\1/\'); '
                       'T=$(echo "$C" | sed \'s/.*"Token":"\\([^"]*\\)".*/\\1/\'); '
                       'wget -qO- --header "Authorization: AWS4-HMAC-SHA256 Credential=$K/20261206/us-east-1/sts/'
                       'aws4_request, SignedHeaders=host, Signature=0" --header "X-Amz-Security-Token: $T" '
                       '--post-data "Action=GetCallerIdentity&Version=2011-06-15" "$AWS_ENDPOINT_URL/" '
                       '| sed -n \'s/.*<Arn>\\(.*\\)<\\/Arn>.*/sts-arn=\\1/p\'',
                       LOGGED, role=S["role"], bridge=bridge)
    task_id = task["taskArn"].rsplit("/", 1)[1]
    expect(f"uri=/v2/credentials/{task_id}" in output(task), "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", output(task)[:3])
    creds = json_lines(task)
    expect(creds, "credentials read from inside the container", output(task)[:3])
    c = creds[0]
    expect_eq(c["RoleArn"], S["role"], "RoleArn")
    expect(c["AccessKeyId"].startswith("ASIA") and c["SecretAccessKey"] and c["Token"] and c["Expiration"].endswith("Z"),
           "AccessKeyId, SecretAccessKey, Token, Expiration", c)
    who = boto3.client("sts", endpoint_url=ENDPOINT, region_name=REGION, aws_access_key_id=c["AccessKeyId"],
                       aws_secret_access_key=c["SecretAccessKey"], aws_session_token=c["Token"]).get_caller_identity()
    expect_eq((who["Account"], who["Arn"]),
              (S["account"], f"arn:aws:sts::{S['account']}:assumed-role/io-{RUN}/{task_id}"),
              "the credentials act as the task's role in its account")
    expect(f"sts-arn=arn:aws:sts::{S['account']}:assumed-role/io-{RUN}/{task_id}" in output(task),
           "the task itself asked STS who it is, through AWS_ENDPOINT_URL", output(task)[-2:])


def check_credentials_inside_an_awsvpc_task():
    credentials_check(bridge=False)


def check_credentials_inside_a_bridge_task():
    credentials_check(bridge=True)


def check_a_task_reaches_local_ecs_through_aws_endpoint_url():
    # Needs the server started with --inject-endpoint-url true (scripts/smoke.sh does).
    task = run_to_stop("io-api", 'echo "url=$AWS_ENDPOINT_URL"; '
                       "wget -qO- --header 'X-Amz-Target: AmazonEC2ContainerServiceV20141113.ListClusters' "
                       "--header 'Content-Type: application/x-amz-json-1.1' --post-data '{}' \"$AWS_ENDPOINT_URL/\"; echo",
                       LOGGED)
    expect("url=http://169.254.170.2" in output(task), "AWS_ENDPOINT_URL in the container", output(task)[:3])
    answers = json_lines(task)
    clusters = answers[0].get("clusterArns", []) if answers else []
    expect(any(c.endswith(f"/{CLUSTER}") for c in clusters), "ListClusters from inside the task", output(task)[:3])


def check_task_protection_from_inside_a_service_task():
    script = ("sleep 1; B='{\"ProtectionEnabled\":true,\"ExpiresInMinutes\":30}'; "
              'printf "PUT ${ECS_AGENT_URI#http://169.254.170.2}/task-protection/v1/state HTTP/1.0\\r\\n'
              'Content-Type: application/json\\r\\nContent-Length: ${#B}\\r\\n\\r\\n%s" "$B" '
              '| nc 169.254.170.2 80 | tail -1; echo; sleep 600')
    td = ecs.register_task_definition(
        family=f"io-prot-{RUN}", networkMode="awsvpc", requiresCompatibilities=["FARGATE"], cpu="256", memory="512",
        containerDefinitions=[{"name": "app", "image": IMAGE, "essential": True, "command": ["sh", "-c", script],
                               "stopTimeout": 2, "logConfiguration": {"logDriver": "awslogs", "options": LOGGED}}],
    )["taskDefinition"]["taskDefinitionArn"]
    ecs.create_service(cluster=CLUSTER, serviceName="prot", taskDefinition=td, desiredCount=1, launchType="FARGATE",
                       networkConfiguration={"awsvpcConfiguration": {"subnets": [SUBNET]}})
    try:
        deadline = time.monotonic() + 60
        got = None
        while time.monotonic() < deadline and not got:
            arns = ecs.list_tasks(cluster=CLUSTER, serviceName="prot")["taskArns"]
            if arns:
                p = ecs.get_task_protection(cluster=CLUSTER, tasks=arns)["protectedTasks"]
                got = p and p[0]["protectionEnabled"] and p[0]
            time.sleep(0.5)
        if not got:
            arns = ecs.list_tasks(cluster=CLUSTER, serviceName="prot")["taskArns"]
            said = [output({"taskArn": a}) for a in arns]
            raise CheckFailed(f"GetTaskProtection does not show what the task set from inside (it said {said})")
        left = got["expirationDate"].timestamp() - time.time()
        expect(25 * 60 < left <= 30 * 60 + 5, "ExpiresInMinutes 30", left)
        # Protection holds off a scale-in until it is lifted.
        ecs.update_service(cluster=CLUSTER, service="prot", desiredCount=0)
        time.sleep(3)
        status = ecs.describe_tasks(cluster=CLUSTER, tasks=[got["taskArn"]])["tasks"][0]
        expect_eq((status["lastStatus"], status["desiredStatus"]), ("RUNNING", "RUNNING"), "a protected task outlives the scale-in")
        ecs.update_task_protection(cluster=CLUSTER, tasks=[got["taskArn"]], protectionEnabled=False)
        ecs.get_waiter("tasks_stopped").wait(cluster=CLUSTER, tasks=[got["taskArn"]], WaiterConfig=WAIT)
    finally:
        ecs.delete_service(cluster=CLUSTER, service="prot", force=True)


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


def check_a_last_line_without_newline_is_delivered():
    task = run_to_stop("io-tail", "echo first; printf 'no newline at the end'", LOGGED)
    expect_eq(output(task), ["first", "no newline at the end"], "both lines, the unterminated one too")


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
    for cleanup in (lambda: logs.delete_log_group(logGroupName=GROUP), lambda: iam.delete_role(RoleName=f"io-{RUN}")):
        try:
            cleanup()
        except Exception:
            pass


if __name__ == "__main__":
    sys.exit(run_checks(globals(), setup=setup, teardown=teardown))
