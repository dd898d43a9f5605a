#!/usr/bin/env python3
"""Task benchmark (issue: tasks run as real Docker containers), standard library only.

Measures, against the real Docker engine and the local test image:
  1. median time from RunTask to lastStatus RUNNING (bridge, EC2 launch type), side by side with
     `docker run -d` of the same image and command on the same machine;
  2. 50 tasks started at once (5 concurrent RunTask calls of count 10): all reach RUNNING, errors;
  3. the server's RSS per running task (RSS with 50 running minus idle RSS, divided by 50).

usage: tasks.py BIN [RUNS]   (BIN: a local-ecs binary; needs local-ecs-test:latest)
"""

import concurrent.futures as cf
import json
import os
import socket
import statistics
import subprocess
import sys
import time
import http.client

IMAGE = "local-ecs-test:latest"
TARGET = "AmazonEC2ContainerServiceV20141113."
AUTH = ("AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/ecs/aws4_request, "
        "SignedHeaders=host, Signature=" + "0" * 64)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Ecs:
    def __init__(self, port):
        self.port = port

    def __call__(self, op, body):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        conn.request("POST", "/", body=json.dumps(body), headers={
            "Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": TARGET + op, "Authorization": AUTH})
        resp = conn.getresponse()
        data = json.loads(resp.read() or b"{}")
        if resp.status != 200:
            raise RuntimeError(f"{op}: {resp.status} {data}")
        return data


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def wait_running(ecs, arns, timeout=120):
    """Polls DescribeTasks until every task is RUNNING; returns (seconds, stopped reasons)."""
    start = time.monotonic()
    pending = list(arns)
    stopped = []
    while pending and time.monotonic() - start < timeout:
        tasks = []
        for i in range(0, len(pending), 100):
            tasks += ecs("DescribeTasks", {"cluster": "bench", "tasks": pending[i:i + 100]})["tasks"]
        stopped += [t.get("stoppedReason", "?") for t in tasks if t["lastStatus"] == "STOPPED"]
        pending = [t["taskArn"] for t in tasks if t["lastStatus"] not in ("RUNNING", "STOPPED")]
        if pending:
            time.sleep(0.005)
    return time.monotonic() - start, stopped, pending


def one_run_task(ecs):
    t0 = time.monotonic()
    arn = ecs("RunTask", {"cluster": "bench", "taskDefinition": "bench", "launchType": "EC2"})["tasks"][0]["taskArn"]
    while True:
        t = ecs("DescribeTasks", {"cluster": "bench", "tasks": [arn]})["tasks"][0]
        if t["lastStatus"] in ("RUNNING", "STOPPED"):
            break
        time.sleep(0.002)
    elapsed = time.monotonic() - t0
    if t["lastStatus"] != "RUNNING":
        raise RuntimeError(f"task stopped: {t.get('stoppedReason')}")
    ecs("StopTask", {"cluster": "bench", "task": arn})
    return elapsed


def one_docker_run():
    t0 = time.monotonic()
    cid = subprocess.run(["docker", "run", "-d", "--label", "local-ecs.bench=true", IMAGE, "sleep", "3600"],
                         check=True, capture_output=True, text=True).stdout.strip()
    elapsed = time.monotonic() - t0
    subprocess.run(["docker", "rm", "-f", cid], check=True, capture_output=True)
    return elapsed


def main():
    binary = sys.argv[1]
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    port = free_port()
    owner = f"bench-{os.getpid()}"
    proc = subprocess.Popen([binary, "--port", str(port), "--runtime", "docker", "--owner", owner,
                             "--task-retention", "5"], stdout=subprocess.DEVNULL, stderr=open("/tmp/local-ecs-bench-tasks.log", "w"))
    try:
        ecs = Ecs(port)
        for _ in range(200):
            try:
                ecs("ListClusters", {})
                break
            except OSError:
                time.sleep(0.02)
        ecs("CreateCluster", {"clusterName": "bench"})
        ecs("RegisterContainerInstance", {"cluster": "bench", "totalResources": [
            {"name": "CPU", "type": "INTEGER", "integerValue": 1_000_000},
            {"name": "MEMORY", "type": "INTEGER", "integerValue": 1_000_000}]})
        ecs("RegisterTaskDefinition", {"family": "bench", "containerDefinitions": [
            {"name": "app", "image": IMAGE, "memory": 16, "command": ["sleep", "3600"], "stopTimeout": 1}]})
        one_run_task(ecs)  # warm-up
        one_docker_run()
        ours = [one_run_task(ecs) for _ in range(runs)]
        theirs = [one_docker_run() for _ in range(runs)]
        m_ours, m_theirs = statistics.median(ours), statistics.median(theirs)
        print(f"RunTask->RUNNING median {m_ours * 1000:.0f} ms; docker run -d median {m_theirs * 1000:.0f} ms; "
              f"ratio {m_ours / m_theirs:.2f} (target <= 1.25) over {runs} runs each")

        time.sleep(2)
        idle = rss_kb(proc.pid)
        t0 = time.monotonic()
        with cf.ThreadPoolExecutor(5) as pool:
            batches = list(pool.map(lambda _: ecs("RunTask", {"cluster": "bench", "taskDefinition": "bench",
                                                                "launchType": "EC2", "count": 10}), range(5)))
        arns = [t["taskArn"] for b in batches for t in b["tasks"]]
        failures = [f for b in batches for f in b["failures"]]
        secs, stopped, pending = wait_running(ecs, arns)
        busy = rss_kb(proc.pid)
        print(f"50 tasks at once: {len(arns)} started, {len(failures)} placement failures, {len(stopped)} stopped, "
              f"{len(pending)} not running; all RUNNING after {time.monotonic() - t0:.1f} s")
        print(f"server RSS idle {idle / 1024:.1f} MiB, with 50 running tasks {busy / 1024:.1f} MiB: "
              f"{(busy - idle) / 50:.0f} KiB per running task")
        for arn in arns:
            ecs("StopTask", {"cluster": "bench", "task": arn})
        wait_stopped = time.monotonic()
        while time.monotonic() - wait_stopped < 120:
            tasks = ecs("ListTasks", {"cluster": "bench"})["taskArns"]
            if not tasks:
                break
            time.sleep(0.2)
    finally:
        ecs_reset = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        try:
            ecs_reset.request("POST", "/_local-ecs/reset")
            ecs_reset.getresponse().read()
        except OSError:
            pass
        proc.terminate()
        proc.wait()


if __name__ == "__main__":
    main()
