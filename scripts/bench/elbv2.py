#!/usr/bin/env python3
"""ELBv2 benchmark, standard library (and wrk through subprocess) only, against a server binary on
the Docker runtime with `local-ecs-test:latest` built (scripts/build-test-image.sh).

Measures:
  1. the data plane: wrk -t2 -c32 -d$BENCH_DURATION (default 5s) --latency, requests/s and p99,
     straight to one busybox httpd task (its awsvpc address, port 8080) and through an ALB
     listener forwarding to two such tasks. The tasks are an ECS Fargate service of 2 registered
     in an ip target group by ECS (`loadBalancers`): only ECS creates containers. Target: the
     listener serves >= 70 % of the direct rate.
  2. the cost of health checks: 200 ip targets (200 ports of one asyncio HTTP server in this
     process) in a target group with 5 s checks, attached to the load balancer; local-ecs' CPU
     (utime + stime of /proc/PID/stat) over $BENCH_HC_SECONDS (default 30) minus the same
     measure before registering them, as percent of one core. Target: < 2 %.

usage: elbv2.py BIN      prints one `name value unit` line per figure, then the checks
"""

import asyncio
import http.client
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import xml.etree.ElementTree as ET

ECS_TARGET = "AmazonEC2ContainerServiceV20141113."
IMAGE = "local-ecs-test:latest"
HTTPD = ["sh", "-c", "mkdir -p /www && echo $HOSTNAME > /www/index.html && httpd -f -p 8080 -h /www"]
DURATION = os.environ.get("BENCH_DURATION", "5s")
HC_SECONDS = float(os.environ.get("BENCH_HC_SECONDS", "30"))
HC_TARGETS = 200


def auth(service):
    return (f"AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/{service}/aws4_request, "
            "SignedHeaders=host, Signature=" + "0" * 64)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def strip(root):
    for el in root.iter():
        el.tag = el.tag.split("}", 1)[-1]
    return root


class Server:
    def __init__(self, binary):
        self.port = free_port()
        self.proc = subprocess.Popen(
            [binary, "--host", "127.0.0.1", "--port", str(self.port), "--runtime", "docker",
             "--owner", f"bench-elbv2-{self.port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 15
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
        try:
            self.conn.request("POST", "/_local-ecs/reset")  # removes the containers it created
            self.conn.getresponse().read()
        except OSError:
            pass
        self.proc.terminate()
        self.proc.wait(30)

    def query(self, service, version, action, params):
        body = urllib.parse.urlencode({"Action": action, "Version": version, **params})
        self.conn.request("POST", "/", body=body, headers={
            "Content-Type": "application/x-www-form-urlencoded; charset=utf-8", "Authorization": auth(service)})
        resp = self.conn.getresponse()
        data = resp.read().decode()
        if resp.status != 200:
            raise RuntimeError(f"{action}: {resp.status} {data[:400]}")
        return strip(ET.fromstring(data))

    def elb(self, action, params):
        return self.query("elasticloadbalancing", "2015-12-01", action, params)

    def ec2(self, action, params):
        return self.query("ec2", "2016-11-15", action, params)

    def ecs(self, op, body):
        self.conn.request("POST", "/", body=json.dumps(body), headers={
            "Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": ECS_TARGET + op, "Authorization": auth("ecs")})
        resp = self.conn.getresponse()
        data = json.loads(resp.read() or b"{}")
        if resp.status != 200:
            raise RuntimeError(f"{op}: {resp.status} {data}")
        return data


def members(prefix, values):
    return {f"{prefix}.member.{i}": v for i, v in enumerate(values, 1)}


def targets(pairs):
    out = {}
    for i, (ip, port) in enumerate(pairs, 1):
        out[f"Targets.member.{i}.Id"] = ip
        out[f"Targets.member.{i}.Port"] = str(port)
    return out


def health_states(srv, tg):
    root = srv.elb("DescribeTargetHealth", {"TargetGroupArn": tg})
    return [m.findtext("TargetHealth/State") for m in root.iter("member") if m.find("TargetHealth") is not None]


def wait_healthy(srv, tg, count, timeout=180):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        states = health_states(srv, tg)
        if len(states) == count and all(s == "healthy" for s in states):
            return
        time.sleep(0.5)
    raise RuntimeError(f"{count} targets never all healthy (last: {states})")


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    # After the command: state is field 3, utime 14 and stime 15 (1-based over the whole line).
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def core_percent(pid, seconds):
    c0, t0 = cpu_seconds(pid), time.monotonic()
    time.sleep(seconds)
    return (cpu_seconds(pid) - c0) / (time.monotonic() - t0) * 100


def wrk(url):
    out = subprocess.run(["wrk", "-t2", "-c32", f"-d{DURATION}", "--latency", url],
                         capture_output=True, text=True, timeout=300).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    m = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
    p99 = float(m.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[m.group(2)]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: (.*)", out)
    return rps, p99, int(errors.group(1)) if errors else 0, socket_errors.group(1) if socket_errors else ""


class Many:
    """One asyncio HTTP server on `count` ports of 127.0.0.1, counting the requests it answers."""

    def __init__(self, count):
        self.ports, self.hits = [], 0
        self.loop = asyncio.new_event_loop()
        ready = threading.Event()
        threading.Thread(target=self.run, args=(count, ready), daemon=True).start()
        if not ready.wait(30):
            raise RuntimeError("the asyncio servers did not start")

    async def handle(self, reader, writer):
        try:
            await reader.readuntil(b"\r\n\r\n")
            self.hits += 1
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
            await writer.drain()
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
            pass
        finally:
            writer.close()

    def run(self, count, ready):
        asyncio.set_event_loop(self.loop)

        async def start():
            for _ in range(count):
                server = await asyncio.start_server(self.handle, "127.0.0.1", 0)
                self.ports.append(server.sockets[0].getsockname()[1])
        self.loop.run_until_complete(start())
        ready.set()
        self.loop.run_forever()


def main(argv):
    binary = argv[1]
    if not subprocess.run(["which", "wrk"], capture_output=True).returncode == 0:
        print("elbv2.py: wrk is not installed (apt-get install wrk)", file=sys.stderr)
        return 1

    def out(name, value, unit):
        print(f"{name} {value:.3f} {unit}", flush=True)

    srv = Server(binary)
    try:
        subnets = srv.ec2("DescribeSubnets", {"Filter.1.Name": "default-for-az", "Filter.1.Value.1": "true"})
        by_zone = {}
        for s in subnets.iter("item"):
            if s.findtext("subnetId"):
                by_zone.setdefault(s.findtext("availabilityZone"), (s.findtext("subnetId"), s.findtext("vpcId")))
        picked = [by_zone[z] for z in sorted(by_zone)[:2]]
        subnet_ids, vpc = [p[0] for p in picked], picked[0][1]

        lb = srv.elb("CreateLoadBalancer", {"Name": "bench", "Type": "application", **members("Subnets", subnet_ids)}
                     ).findtext(".//LoadBalancerArn")
        quick = {"HealthCheckIntervalSeconds": "5", "HealthCheckTimeoutSeconds": "2",
                 "HealthyThresholdCount": "2", "UnhealthyThresholdCount": "2"}
        tg = srv.elb("CreateTargetGroup", {"Name": "bench-web", "Protocol": "HTTP", "Port": "8080", "VpcId": vpc,
                                           "TargetType": "ip", **quick}).findtext(".//TargetGroupArn")
        srv.elb("ModifyTargetGroupAttributes", {"TargetGroupArn": tg,
                                                "Attributes.member.1.Key": "deregistration_delay.timeout_seconds",
                                                "Attributes.member.1.Value": "0"})
        port = free_port()
        listener = srv.elb("CreateListener", {
            "LoadBalancerArn": lb, "Protocol": "HTTP", "Port": str(port),
            "DefaultActions.member.1.Type": "forward", "DefaultActions.member.1.TargetGroupArn": tg,
        }).findtext(".//ListenerArn")

        srv.ecs("CreateCluster", {"clusterName": "bench"})
        srv.ecs("RegisterTaskDefinition", {
            "family": "bench-httpd", "networkMode": "awsvpc", "requiresCompatibilities": ["FARGATE"],
            "cpu": "256", "memory": "512",
            "containerDefinitions": [{"name": "web", "image": IMAGE, "command": HTTPD, "essential": True,
                                      "portMappings": [{"containerPort": 8080}]}]})
        srv.ecs("CreateService", {
            "cluster": "bench", "serviceName": "web", "taskDefinition": "bench-httpd", "desiredCount": 2,
            "launchType": "FARGATE",
            "loadBalancers": [{"targetGroupArn": tg, "containerName": "web", "containerPort": 8080}],
            "networkConfiguration": {"awsvpcConfiguration": {"subnets": subnet_ids}}})
        wait_healthy(srv, tg, 2)
        arns = srv.ecs("ListTasks", {"cluster": "bench", "serviceName": "web"})["taskArns"]
        tasks = srv.ecs("DescribeTasks", {"cluster": "bench", "tasks": arns})["tasks"]
        task_ip = tasks[0]["containers"][0]["networkInterfaces"][0]["privateIpv4Address"]

        wrk(f"http://127.0.0.1:{port}/")  # warm-up
        direct = wrk(f"http://{task_ip}:8080/")
        through = wrk(f"http://127.0.0.1:{port}/")
        out("elbv2_direct_rps", direct[0], "req/s (wrk -c32, one task)")
        out("elbv2_direct_p99_ms", direct[1], "ms")
        out("elbv2_listener_rps", through[0], "req/s (wrk -c32, ALB listener, two tasks)")
        out("elbv2_listener_p99_ms", through[1], "ms")
        ratio = through[0] / direct[0] * 100 if direct[0] else 0.0
        out("elbv2_listener_vs_direct_pct", ratio, "%")
        if direct[2] or through[2] or direct[3] or through[3]:
            print(f"note: direct non-2xx={direct[2]} errors=[{direct[3]}]; "
                  f"listener non-2xx={through[2]} errors=[{through[3]}]", flush=True)

        # Health checks of 200 targets: an idle baseline first (the 2 tasks' checks included).
        many = Many(HC_TARGETS)
        hc = srv.elb("CreateTargetGroup", {"Name": "bench-hc", "Protocol": "HTTP", "Port": "80", "VpcId": vpc,
                                           "TargetType": "ip", **quick}).findtext(".//TargetGroupArn")
        srv.elb("CreateRule", {
            "ListenerArn": listener, "Priority": "1",
            "Conditions.member.1.Field": "path-pattern", "Conditions.member.1.Values.member.1": "/hc/*",
            "Actions.member.1.Type": "forward", "Actions.member.1.TargetGroupArn": hc})
        time.sleep(2)
        idle = core_percent(srv.proc.pid, min(HC_SECONDS, 15))
        for start in range(0, HC_TARGETS, 50):
            srv.elb("RegisterTargets", {"TargetGroupArn": hc,
                                        **targets(("127.0.0.1", p) for p in many.ports[start:start + 50])})
        wait_healthy(srv, hc, HC_TARGETS, 60)
        hits0 = many.hits
        t0 = time.monotonic()
        loaded = core_percent(srv.proc.pid, HC_SECONDS)
        rate = (many.hits - hits0) / (time.monotonic() - t0)
        cost = max(loaded - idle, 0.0)
        out("elbv2_idle_cpu_pct", idle, "% of one core")
        out("elbv2_200_targets_cpu_pct", loaded, "% of one core")
        out("elbv2_health_checks_cost_pct", cost, "% of one core (200 targets, 5 s interval)")
        out("elbv2_health_checks_per_s", rate, f"checks/s (expected about {HC_TARGETS / 5:.0f})")
    finally:
        srv.stop()

    ok = True
    for label, good in [("listener req/s >= 70% of straight to one target", ratio >= 70),
                        ("health checks of 200 targets every 5 s cost < 2% of a core", cost < 2),
                        (f"health checks really run (>= 80% of {HC_TARGETS / 5:.0f}/s)", rate >= 0.8 * HC_TARGETS / 5)]:
        print(f"check {'PASS' if good else 'FAIL'}: {label}")
        ok &= good
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
