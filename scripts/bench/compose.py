#!/usr/bin/env python3
"""Benchmark: `docker-compose down` of the sidecar with 50 running Fargate tasks, until the sidecar
has exited and removed everything it created (the time the user waits, against the compose file's
stop_grace_period of 45 s).

Usage: python3 scripts/bench/compose.py [IMAGE]   (default local-ecs:dev, from
scripts/build-sidecar.sh). Needs Docker, docker-compose, `local-ecs-test:latest`, and no other
local-ecs on port 4566 or holding 169.254.170.2:80.
"""

import os
import subprocess
import sys
import time
import urllib.request

import boto3

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
IMAGE = sys.argv[1] if len(sys.argv) > 1 else "local-ecs:dev"
PROJECT = "local-ecs-bench"
TASKS = 50
URL = "http://127.0.0.1:4566"


def compose(*args):
    env = dict(os.environ, LOCAL_ECS_IMAGE=IMAGE, LOCAL_ECS_PORT="4566")
    return subprocess.run(["docker-compose", "-p", PROJECT, *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, check=True)


def owned(kind):
    cmd = {"containers": ["docker", "ps", "-aq", "--filter", "label=local-ecs.owner=port-4566"],
           "volumes": ["docker", "volume", "ls", "-q", "--filter", "label=local-ecs.owner=port-4566"],
           "networks": ["docker", "network", "ls", "-q", "--filter", "label=local-ecs.task-endpoints"]}[kind]
    return len(subprocess.run(cmd, capture_output=True, text=True).stdout.split())


def main():
    compose("up", "-d")
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{URL}/_local-ecs/health", timeout=1)
            break
        except OSError:
            time.sleep(0.1)
    kw = dict(endpoint_url=URL, region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test")
    ecs = boto3.client("ecs", **kw)
    subnet = boto3.client("ec2", **kw).describe_subnets(
        Filters=[{"Name": "default-for-az", "Values": ["true"]}])["Subnets"][0]["SubnetId"]
    ecs.create_cluster(clusterName="bench-down")
    td = ecs.register_task_definition(
        family="bench-down", networkMode="awsvpc", requiresCompatibilities=["FARGATE"], cpu="256", memory="512",
        containerDefinitions=[{"name": "app", "image": "local-ecs-test:latest", "stopTimeout": 2,
                               "command": ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"]}],
    )["taskDefinition"]["taskDefinitionArn"]
    for _ in range(TASKS // 10):
        ecs.run_task(cluster="bench-down", taskDefinition=td, count=10, launchType="FARGATE",
                     networkConfiguration={"awsvpcConfiguration": {"subnets": [subnet]}})
    deadline = time.monotonic() + 180
    running = 0
    while time.monotonic() < deadline:
        arns = ecs.list_tasks(cluster="bench-down", desiredStatus="RUNNING")["taskArns"]
        tasks = ecs.describe_tasks(cluster="bench-down", tasks=arns)["tasks"] if arns else []
        running = sum(t["lastStatus"] == "RUNNING" for t in tasks)
        if running >= TASKS:
            break
        time.sleep(1)
    print(f"{running} tasks RUNNING, {owned('containers')} containers owned (tasks and awsvpc sandboxes)")
    start = time.monotonic()
    compose("down", "-t", "60")
    took = time.monotonic() - start
    left = {k: owned(k) for k in ("containers", "volumes", "networks")}
    print(f"docker-compose down with {running} running tasks: {took:.1f} s (stop_grace_period 45 s); left: {left}")
    return 0 if running >= TASKS and not any(left.values()) else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    finally:
        subprocess.run(["docker-compose", "-p", PROJECT, "down", "-t", "60"], cwd=ROOT,
                       env=dict(os.environ, LOCAL_ECS_IMAGE=IMAGE), capture_output=True)
