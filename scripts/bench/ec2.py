#!/usr/bin/env python3
"""EC2 benchmark (issue: fake EC2 that really hosts tasks), standard library only, against a
release binary on the simulated runtime (no containers: what is measured is the control plane).

Measures:
  1. RunInstances of 100 instances: one call of MaxCount=100, and 100 calls of one;
  2. a page of DescribeInstances (MaxResults=5, no filter; and with instance-state-name=running)
     at 10 instances and at 10,000, median of 200 calls each;
  3. RunTask latency (count 1, bridge) with 1 registered instance and with 1,000 (instances
     launched through RunInstances with ECS user data), median of 100 calls each;
  4. placement decision time per task: 1,000 tasks placed over 100 instances by 100 RunTask
     calls of count 10, with binpack(memory) and with spread(instanceId).

usage: ec2.py BIN        prints one `name value unit` line per figure, then the checks
"""

import base64
import http.client
import re
import json
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse

TARGET = "AmazonEC2ContainerServiceV20141113."


def auth(service):
    return (f"AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/{service}/aws4_request, "
            "SignedHeaders=host, Signature=" + "0" * 64)


class Server:
    def __init__(self, binary):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.proc = subprocess.Popen(
            [binary, "--host", "127.0.0.1", "--port", str(self.port), "--runtime", "simulated",
             "--time-scale", "100"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.conn = None
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
                self.conn.request("GET", "/_local-ecs/health")
                if self.conn.getresponse().read() is not None:
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("server did not start")

    def stop(self):
        self.proc.terminate()
        self.proc.wait(30)

    def ec2(self, action, params):
        body = urllib.parse.urlencode({"Action": action, "Version": "2016-11-15", **params})
        self.conn.request("POST", "/", body=body, headers={
            "Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
            "Authorization": auth("ec2")})
        resp = self.conn.getresponse()
        data = resp.read().decode()
        if resp.status != 200:
            raise RuntimeError(f"{action}: {resp.status} {data[:300]}")
        return data

    def ecs(self, op, body):
        self.conn.request("POST", "/", body=json.dumps(body), headers={
            "Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": TARGET + op,
            "Authorization": auth("ecs")})
        resp = self.conn.getresponse()
        data = json.loads(resp.read() or b"{}")
        if resp.status != 200:
            raise RuntimeError(f"{op}: {resp.status} {data}")
        return data


def timed(fn):
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def median_ms(fn, runs):
    return statistics.median(timed(fn)[0] for _ in range(runs)) * 1000


def subnets(srv):
    """The default VPC's subnets (a /20 each holds about 4,000 instances)."""
    return re.findall(r"<subnetId>(subnet-[0-9a-f]+)</subnetId>", srv.ec2("DescribeSubnets", {}))


def launch(srv, count, cluster=None, kind="m5.xlarge", subnet=None):
    params = {"ImageId": "ami-0123456789abcdef0", "InstanceType": kind,
              "MinCount": str(count), "MaxCount": str(count)}
    if subnet:
        params["SubnetId"] = subnet
    if cluster:
        data = f"#!/bin/bash\necho ECS_CLUSTER={cluster} >> /etc/ecs/ecs.config\n"
        params["UserData"] = base64.b64encode(data.encode()).decode()
    return srv.ec2("RunInstances", params)


def wait_registered(srv, cluster, n, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got, token = 0, None
        while True:
            body = {"cluster": cluster, "maxResults": 100}
            if token:
                body["nextToken"] = token
            out = srv.ecs("ListContainerInstances", body)
            got += len(out.get("containerInstanceArns", []))
            token = out.get("nextToken")
            if not token:
                break
        if got >= n:
            return
        time.sleep(0.1)
    raise RuntimeError(f"{cluster}: {n} instances never registered")


def cluster_with(srv, name, instances):
    srv.ecs("CreateCluster", {"clusterName": name})
    for start in range(0, instances, 100):
        launch(srv, min(100, instances - start), name)
    wait_registered(srv, name, instances)


def register_task(srv):
    srv.ecs("RegisterTaskDefinition", {"family": "bench", "networkMode": "bridge",
        "containerDefinitions": [{"name": "app", "image": "busybox", "memory": 16}]})


def run_instances(binary, out):
    srv = Server(binary)
    try:
        out("run_instances_100_one_call_ms", timed(lambda: launch(srv, 100))[0] * 1000, "ms")
        total = sum(timed(lambda: launch(srv, 1))[0] for _ in range(100))
        out("run_instances_100_calls_ms", total * 1000, "ms")
    finally:
        srv.stop()


def describe_pages(binary, out):
    page = {"MaxResults": "5"}
    running = {"MaxResults": "5", "Filter.1.Name": "instance-state-name", "Filter.1.Value.1": "running"}
    srv = Server(binary)
    try:
        launch(srv, 10)
        time.sleep(0.2)
        small = median_ms(lambda: srv.ec2("DescribeInstances", page), 200)
        small_f = median_ms(lambda: srv.ec2("DescribeInstances", running), 200)
        nets = subnets(srv)
        for i in range(100):
            launch(srv, 100, subnet=nets[i % len(nets)])
        time.sleep(0.5)
        big = median_ms(lambda: srv.ec2("DescribeInstances", page), 200)
        big_f = median_ms(lambda: srv.ec2("DescribeInstances", running), 200)
    finally:
        srv.stop()
    out("describe_instances_page_at_10_ms", small, "ms")
    out("describe_instances_page_at_10000_ms", big, "ms")
    out("describe_instances_running_page_at_10_ms", small_f, "ms")
    out("describe_instances_running_page_at_10000_ms", big_f, "ms")
    return small, big


def run_task_latency(binary, out):
    srv = Server(binary)
    try:
        register_task(srv)
        cluster_with(srv, "one", 1)
        one = median_ms(lambda: srv.ecs("RunTask", {"cluster": "one", "taskDefinition": "bench",
                                                      "launchType": "EC2"}), 100)
        cluster_with(srv, "thousand", 1000)
        many = median_ms(lambda: srv.ecs("RunTask", {"cluster": "thousand", "taskDefinition": "bench",
                                                       "launchType": "EC2"}), 100)
    finally:
        srv.stop()
    out("run_task_with_1_instance_ms", one, "ms")
    out("run_task_with_1000_instances_ms", many, "ms")
    return one, many


def placement(binary, out):
    srv = Server(binary)
    try:
        register_task(srv)
        figures = {}
        for name, strategy in [("binpack", {"type": "binpack", "field": "memory"}),
                               ("spread", {"type": "spread", "field": "instanceId"})]:
            cluster_with(srv, name, 100)
            total = 0.0
            for _ in range(100):
                t, res = timed(lambda: srv.ecs("RunTask", {
                    "cluster": name, "taskDefinition": "bench", "launchType": "EC2", "count": 10,
                    "placementStrategy": [strategy]}))
                if res.get("failures"):
                    raise RuntimeError(f"placement failed: {res['failures'][:2]}")
                total += t
            figures[name] = total / 1000 * 1000
            out(f"placement_{name}_per_task_ms", figures[name], "ms (1,000 tasks, 100 instances)")
    finally:
        srv.stop()
    return figures


def main(argv):
    binary = argv[1]
    lines = []

    def out(name, value, unit):
        print(f"{name} {value:.3f} {unit}", flush=True)
        lines.append(name)

    run_instances(binary, out)
    small, big = describe_pages(binary, out)
    one, many = run_task_latency(binary, out)
    placement(binary, out)
    ok = True
    for label, good in [("RunTask with 1,000 instances <= 2x with 1", many <= 2 * one),
                        ("DescribeInstances page at 10,000 <= 1.5x at 10", big <= 1.5 * small)]:
        print(f"check {'PASS' if good else 'FAIL'}: {label}")
        ok &= good
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
