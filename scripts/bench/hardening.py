#!/usr/bin/env python3
"""Hardening figures (issue 8), standard library only.

  hardening.py bodies BIN [N] [MB]   peak RSS (VmHWM) of the server while N clients (default 50)
                                     send an MB-MiB JSON body each at once (default 16), then
                                     N DescribeClusters bodies just under the 1 MiB limit
  hardening.py shutdown BIN [N]      N Fargate tasks (default 50) on the real engine, then SIGTERM:
                                     seconds until the process exits, its exit code, and what it
                                     left behind (needs Docker and local-ecs-test:latest)
"""

import concurrent.futures as cf
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time

TARGET = "AmazonEC2ContainerServiceV20141113."
AUTH = ("AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/ecs/aws4_request, "
        "SignedHeaders=host, Signature=" + "0" * 64)
IMAGE = "local-ecs-test:latest"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def status_kb(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def start(bin_path, *args):
    port = free_port()
    owner = f"bench-{os.getpid()}-{port}"
    log = tempfile.TemporaryFile()
    proc = subprocess.Popen([bin_path, "--port", str(port), "--owner", owner, *args],
                            stdout=log, stderr=subprocess.STDOUT,
                            env={**os.environ, "RUST_LOG": "info", "NO_COLOR": "1"})
    proc.log = log
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            c.request("GET", "/_local-ecs/health")
            if c.getresponse().status == 200:
                return proc, port, owner
        except OSError:
            time.sleep(0.05)
    proc.kill()
    sys.exit("the server did not start")


def post(port, op, body, timeout=120):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        try:
            conn.request("POST", "/", body=body, headers={
                "Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": TARGET + op,
                "Authorization": AUTH})
        except OSError:
            pass  # the server answered (413) and closed before the whole body was sent
        resp = conn.getresponse()
        return resp.status, resp.read()
    except (OSError, http.client.HTTPException) as e:
        return type(e).__name__, b""
    finally:
        conn.close()


def json_body(size):
    """A RegisterTaskDefinition-shaped body of about `size` bytes, made of many small values
    (the shape that costs the most once parsed)."""
    item = '{"name":"E","value":"v"},'
    n = max(1, (size - 200) // len(item))
    env = ("[" + item * n)[:-1] + "]"
    return ('{"family":"big","containerDefinitions":[{"name":"c","image":"i","memory":64,'
            '"environment":' + env + '}]}').encode()


def list_body(size):
    """A DescribeClusters body of about `size` bytes: one long list of short names, parsed whole
    before validation refuses it (no state is kept, so what is measured is decoding)."""
    n = max(1, (size - 20) // 4)
    return ('{"clusters":[' + ",".join(['"c"'] * n) + "]}").encode()


def flood(port, n, body, op="RegisterTaskDefinition"):
    with cf.ThreadPoolExecutor(n) as pool:
        results = list(pool.map(lambda _: post(port, op, body)[0], range(n)))
    counts = {}
    for r in results:
        counts[r] = counts.get(r, 0) + 1
    return counts


def bodies(bin_path, n=50, mb=16):
    proc, port, _ = start(bin_path, "--runtime", "simulated")
    try:
        idle = status_kb(proc.pid, "VmHWM")
        big = json_body(mb * 1024 * 1024)
        started = time.monotonic()
        counts = flood(port, n, big)
        took = time.monotonic() - started
        peak = status_kb(proc.pid, "VmHWM")
        print(f"{n} x {len(big) / 2**20:.1f} MiB JSON bodies at once: answers {counts}, "
              f"{took:.2f} s; peak RSS {peak / 1024:.1f} MiB (idle {idle / 1024:.1f} MiB)")
        limit = list_body(1024 * 1024 - 4096)
        counts = flood(port, n, limit, "DescribeClusters")
        peak = status_kb(proc.pid, "VmHWM")
        rss = status_kb(proc.pid, "VmRSS")
        print(f"{n} x {len(limit) / 2**20:.2f} MiB JSON bodies (just under the limit) at once: "
              f"answers {counts}; peak RSS {peak / 1024:.1f} MiB, RSS afterwards {rss / 1024:.1f} MiB")
    finally:
        proc.terminate()
        proc.wait(30)


def ecs(port, op, body):
    status, data = post(port, op, json.dumps(body).encode())
    if status != 200:
        raise RuntimeError(f"{op}: {status} {data[:300]!r}")
    return json.loads(data or b"{}")


def owned(kind, owner):
    args = ["docker", kind, "ls", "-q", "--filter", f"label=local-ecs.owner={owner}"]
    if kind == "container":
        args = ["docker", "ps", "-aq", "--filter", f"label=local-ecs.owner={owner}"]
    return subprocess.run(args, capture_output=True, text=True).stdout.split()


def shutdown(bin_path, n=50):
    proc, port, owner = start(bin_path, "--runtime", "docker")
    ecs(port, "CreateCluster", {})
    # A container that exits on SIGTERM (as well-behaved services do); stopTimeout 10 bounds it.
    script = "trap 'exit 0' TERM; sleep 600 & wait"
    ecs(port, "RegisterTaskDefinition", {
        "family": "shutdown-bench", "networkMode": "awsvpc", "requiresCompatibilities": ["FARGATE"],
        "cpu": "256", "memory": "512",
        "containerDefinitions": [{"name": "main", "image": IMAGE, "command": ["sh", "-c", script],
                                  "stopTimeout": 10}]})
    net = {"awsvpcConfiguration": {"subnets": ["subnet-local"]}}
    arns = []
    for _ in range(n // 10):
        out = ecs(port, "RunTask", {"taskDefinition": "shutdown-bench", "count": 10,
                                    "launchType": "FARGATE", "networkConfiguration": net})
        arns += [t["taskArn"] for t in out["tasks"]]
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        tasks = ecs(port, "DescribeTasks", {"tasks": arns})["tasks"]
        running = sum(t["lastStatus"] == "RUNNING" for t in tasks)
        if running == len(arns):
            break
        time.sleep(1)
    print(f"{running}/{len(arns)} tasks RUNNING; {len(owned('container', owner))} containers "
          f"(tasks and sandboxes) owned")
    started = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    code = proc.wait(120)
    took = time.monotonic() - started
    proc.log.seek(0)
    log = proc.log.read().decode(errors="replace")
    summary = [line for line in log.splitlines() if "stopped every task" in line]
    left = owned("container", owner), owned("volume", owner)
    print(f"SIGTERM with {len(arns)} running tasks: exit code {code} after {took:.2f} s; "
          f"left {len(left[0])} containers, {len(left[1])} volumes")
    if summary:
        print("  " + summary[-1].strip())
    if left[0]:
        subprocess.run(["docker", "rm", "-f", *left[0]], capture_output=True)


if __name__ == "__main__":
    if len(sys.argv) < 3 or sys.argv[1] not in ("bodies", "shutdown"):
        sys.exit(__doc__)
    extra = [int(a) for a in sys.argv[3:]]
    {"bodies": bodies, "shutdown": shutdown}[sys.argv[1]](sys.argv[2], *extra)
