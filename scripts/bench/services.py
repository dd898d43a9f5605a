#!/usr/bin/env python3
"""Service benchmark (issue: services), standard library only.

  1. time for a 20-task service to reach steady state (runningCount 20, one COMPLETED deployment)
     on the real Docker engine, against starting the same 20 containers directly with
     `docker run -d` (sequentially, as one client would);
  2. server CPU while 100 services (1 task each, simulated runtime) are steady: CPU seconds over
     a 30 s window, from /proc/PID/stat.

usage: services.py BIN
"""

import http.client
import json
import os
import socket
import subprocess
import sys
import time

IMAGE = "local-ecs-test:latest"
TARGET = "AmazonEC2ContainerServiceV20141113."
AUTH = ("AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/ecs/aws4_request, "
        "SignedHeaders=host, Signature=" + "0" * 64)
FARGATE = {"networkMode": "awsvpc", "requiresCompatibilities": ["FARGATE"], "cpu": "256", "memory": "512"}
NET = {"awsvpcConfiguration": {"subnets": ["subnet-bench"]}}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(port, op, body):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    conn.request("POST", "/", body=json.dumps(body), headers={
        "Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": TARGET + op, "Authorization": AUTH})
    resp = conn.getresponse()
    data = json.loads(resp.read() or b"{}")
    if resp.status != 200:
        raise RuntimeError(f"{op}: {resp.status} {data}")
    return data


def start(binary, runtime):
    port = free_port()
    proc = subprocess.Popen([binary, "--port", str(port), "--runtime", runtime, "--owner", f"bench-svc-{port}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(500):
        try:
            call(port, "ListClusters", {})
            return proc, port
        except OSError:
            time.sleep(0.01)
    raise RuntimeError("server did not start")


def stop(proc, port):
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        conn.request("POST", "/_local-ecs/reset")
        conn.getresponse().read()
    except OSError:
        pass
    proc.terminate()
    proc.wait()


def steady(port, names):
    services = []
    for i in range(0, len(names), 10):
        services += call(port, "DescribeServices", {"cluster": "bench", "services": names[i:i + 10]})["services"]
    return all(s["runningCount"] == s["desiredCount"] and len(s["deployments"]) == 1
               and s["deployments"][0].get("rolloutState") == "COMPLETED" for s in services)


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def service_to_steady(binary):
    proc, port = start(binary, "docker")
    try:
        call(port, "CreateCluster", {"clusterName": "bench"})
        call(port, "RegisterTaskDefinition", {"family": "svc", **FARGATE, "containerDefinitions": [
            {"name": "app", "image": IMAGE, "command": ["sleep", "3600"], "stopTimeout": 1}]})
        t0 = time.monotonic()
        call(port, "CreateService", {"cluster": "bench", "serviceName": "twenty", "taskDefinition": "svc",
                                     "desiredCount": 20, "launchType": "FARGATE", "networkConfiguration": NET})
        running_at = None
        while time.monotonic() - t0 < 300:
            s = call(port, "DescribeServices", {"cluster": "bench", "services": ["twenty"]})["services"][0]
            if running_at is None and s["runningCount"] == 20:
                running_at = time.monotonic() - t0
            if steady(port, ["twenty"]):
                break
            time.sleep(0.05)
        total = time.monotonic() - t0
    finally:
        stop(proc, port)
    t0 = time.monotonic()
    ids = [subprocess.run(["docker", "run", "-d", "--label", "local-ecs.bench=true", IMAGE, "sleep", "3600"],
                          check=True, capture_output=True, text=True).stdout.strip() for _ in range(20)]
    direct = time.monotonic() - t0
    subprocess.run(["docker", "rm", "-f", *ids], check=True, capture_output=True)
    print(f"20-task service: all RUNNING after {running_at:.1f} s, steady state (deployment COMPLETED, which "
          f"waits {3} s of stability) after {total:.1f} s; 20 x `docker run -d`: {direct:.1f} s; "
          f"ratio RUNNING/direct {running_at / direct:.2f}")


def idle_cpu(binary, services=100, window=30):
    proc, port = start(binary, "simulated")
    try:
        call(port, "CreateCluster", {"clusterName": "bench"})
        call(port, "RegisterTaskDefinition", {"family": "svc", **FARGATE, "containerDefinitions": [
            {"name": "app", "image": "busybox"}]})
        names = [f"s{i:03d}" for i in range(services)]
        for n in names:
            call(port, "CreateService", {"cluster": "bench", "serviceName": n, "taskDefinition": "svc",
                                         "desiredCount": 1, "launchType": "FARGATE", "networkConfiguration": NET})
        deadline = time.monotonic() + 120
        while not steady(port, names) and time.monotonic() < deadline:
            time.sleep(0.5)
        time.sleep(2)
        c0, t0 = cpu_seconds(proc.pid), time.monotonic()
        time.sleep(window)
        used, elapsed = cpu_seconds(proc.pid) - c0, time.monotonic() - t0
        print(f"{services} steady services (1 task each, simulated runtime): server CPU {used:.2f} s over "
              f"{elapsed:.0f} s = {100 * used / elapsed:.2f}% of one core")
    finally:
        stop(proc, port)


if __name__ == "__main__":
    binary = sys.argv[1]
    service_to_steady(binary)
    idle_cpu(binary)
