#!/usr/bin/env python3
"""Metrics collector benchmark (issue: ECS metrics and Container Insights), standard library only.

Starts BIN on the Docker runtime at `--time-scale 10`, runs 50 sleeping Fargate tasks of
`local-ecs-test:latest` in a cluster with Container Insights off and no services (so each
collector pass reads no stats: the idle baseline), measures the server's CPU from
/proc/PID/stat (utime+stime) over a window of several passes, then turns Container Insights on
(UpdateClusterSettings) so every pass reads all 50 containers' stats and publishes the metrics
and performance log events, and measures the same window again.

At time scale 10 a pass runs every 6 s instead of every 60 s, so the collector costs 10x what it
would in real time: the real-time-equivalent cost is (collecting - baseline) / 10. Target: under
3 % of one core.

usage: metrics.py BIN [WINDOW_SECONDS]   (default window 36 s = 6 passes at time scale 10)
"""

import json
import os
import re
import socket
import subprocess
import sys
import time
import http.client
import urllib.parse

IMAGE = "local-ecs-test:latest"
SCALE = 10
TASKS = 50
CLUSTER = "bench-metrics"
TARGET = "AmazonEC2ContainerServiceV20141113."


def auth(service):
    return (f"AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/{service}/aws4_request, "
            "SignedHeaders=host, Signature=" + "0" * 64)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(port, body, headers, timeout=120):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("POST", "/", body=body, headers=headers)
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def ecs(port, op, body):
    status, data = request(port, json.dumps(body), {
        "Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": TARGET + op, "Authorization": auth("ecs")})
    if status != 200:
        raise RuntimeError(f"{op}: {status} {data[:300]!r}")
    return json.loads(data or b"{}")


def list_metrics(port, namespace):
    body = urllib.parse.urlencode({"Action": "ListMetrics", "Version": "2010-08-01", "Namespace": namespace})
    _, data = request(port, body, {"Content-Type": "application/x-www-form-urlencoded",
                                   "Authorization": auth("monitoring")})
    return data.decode().count("<MetricName>")


def default_subnet(port):
    body = urllib.parse.urlencode({"Action": "DescribeSubnets", "Version": "2016-11-15",
                                   "Filter.1.Name": "default-for-az", "Filter.1.Value.1": "true"})
    _, data = request(port, body, {"Content-Type": "application/x-www-form-urlencoded", "Authorization": auth("ec2")})
    return re.search(r"<subnetId>([^<]+)</subnetId>", data.decode()).group(1)


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(pid, window):
    """The process's CPU over `window` seconds, as % of one core."""
    c0, t0 = cpu_seconds(pid), time.monotonic()
    time.sleep(window)
    return (cpu_seconds(pid) - c0) / (time.monotonic() - t0) * 100


def start(binary):
    port = free_port()
    owner = f"bench-metrics-{os.getpid()}"
    log = open("/tmp/local-ecs-bench-metrics.log", "w")
    proc = subprocess.Popen([binary, "--port", str(port), "--runtime", "docker", "--time-scale", str(SCALE),
                             "--owner", owner], stdout=log, stderr=subprocess.STDOUT)
    for _ in range(400):
        try:
            ecs(port, "ListClusters", {})
            return proc, port
        except OSError:
            time.sleep(0.05)
    proc.kill()
    sys.exit("the server did not start")


def run_tasks(port):
    ecs(port, "CreateCluster", {"clusterName": CLUSTER,
                                "settings": [{"name": "containerInsights", "value": "disabled"}]})
    ecs(port, "RegisterTaskDefinition", {
        "family": "bench-metrics", "networkMode": "awsvpc", "requiresCompatibilities": ["FARGATE"],
        "cpu": "256", "memory": "512",
        "containerDefinitions": [{"name": "app", "image": IMAGE, "command": ["sleep", "3600"], "stopTimeout": 1}]})
    net = {"awsvpcConfiguration": {"subnets": [default_subnet(port)]}}
    arns = []
    for _ in range(TASKS // 10):
        out = ecs(port, "RunTask", {"cluster": CLUSTER, "taskDefinition": "bench-metrics", "count": 10,
                                    "launchType": "FARGATE", "networkConfiguration": net})
        arns += [t["taskArn"] for t in out["tasks"]]
    deadline = time.monotonic() + 300
    running = 0
    while time.monotonic() < deadline and running < len(arns):
        tasks = ecs(port, "DescribeTasks", {"cluster": CLUSTER, "tasks": arns})["tasks"]
        running = sum(t["lastStatus"] == "RUNNING" for t in tasks)
        time.sleep(1)
    return running


def main():
    binary = sys.argv[1]
    window = float(sys.argv[2]) if len(sys.argv) > 2 else 36.0
    passes = window / (60 / SCALE)
    proc, port = start(binary)
    try:
        running = run_tasks(port)
        print(f"{running}/{TASKS} Fargate tasks RUNNING (time scale {SCALE}: a collector pass every {60 / SCALE:.0f} s)")
        if running < TASKS:
            sys.exit("not every task reached RUNNING (is the Docker engine busy?): no figures")
        time.sleep(10)  # let the start-up settle
        idle = measure(proc.pid, window)
        ecs(port, "UpdateClusterSettings", {"cluster": CLUSTER,
                                            "settings": [{"name": "containerInsights", "value": "enabled"}]})
        time.sleep(60 / SCALE + 3)  # the first pass with stats reads
        busy = measure(proc.pid, window)
        listed = list_metrics(port, "ECS/ContainerInsights")
        delta = max(busy - idle, 0.0)
        per_pass_ms = delta / 100 * window / passes * 1000
        print(f"server CPU over {window:.0f} s (~{passes:.0f} passes): baseline (insights off, no stats reads) "
              f"{idle:.2f} % of a core; collecting ({TASKS} stats reads a pass, insights on) {busy:.2f} %")
        print(f"collector: {delta:.2f} % of a core at time scale {SCALE} = {per_pass_ms:.0f} ms CPU per pass "
              f"for {TASKS} tasks; real-time equivalent (one pass a minute) {delta / SCALE:.2f} % "
              f"(target < 3 %); {listed} ECS/ContainerInsights metrics listed")
    finally:
        cleanup(proc, port)


def owned():
    return subprocess.run(["docker", "ps", "-aq", "--filter", f"label=local-ecs.owner=bench-metrics-{os.getpid()}"],
                          capture_output=True, text=True).stdout.split()


def cleanup(proc, port):
    """Resets the server (it stops and removes its containers), waits for that, then stops it;
    whatever is still left with our owner label is removed."""
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        conn.request("POST", "/_local-ecs/reset")
        conn.getresponse().read()
    except OSError:
        pass
    deadline = time.monotonic() + 60
    while owned() and time.monotonic() < deadline:
        time.sleep(1)
    proc.terminate()
    proc.wait()
    left = owned()
    if left:
        subprocess.run(["docker", "rm", "-f", *left], capture_output=True)

if __name__ == "__main__":
    main()
