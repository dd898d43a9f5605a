#!/usr/bin/env python3
"""Benchmark of --state-dir:
1. cold start (process spawn until the health endpoint answers) with an empty state dir, without
   one, and with one holding 10,000 task definitions and 1,000 tasks (a fresh copy per run, so
   every run loads the same state; simulated runtime, so the 1,000 tasks need no containers);
2. write latency (RegisterTaskDefinition, wrk at 32 connections) with persistence on and off.

Usage: python3 scripts/bench/persistence.py target/release/local-ecs   (needs wrk)
"""

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import helper  # noqa: E402

BIN = sys.argv[1] if len(sys.argv) > 1 else "target/release/local-ecs"
LUA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "ecs.lua")
RUNS = int(os.environ.get("BENCH_COLD_RUNS", "10"))
DURATION = os.environ.get("BENCH_DURATION", "5s")


def spawn(port, *extra):
    return subprocess.Popen([BIN, "--host", "127.0.0.1", "--port", str(port), "--runtime", "simulated",
                             *extra], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def populate(state):
    port = helper.freeport()
    proc = spawn(port, "--state-dir", state)
    url = f"http://127.0.0.1:{port}"
    helper.wait(url, 10)
    t0 = time.perf_counter()
    helper.register(url, 0, 10000, 100)
    conn = helper.connect(url)
    helper.ecs_request(conn, "CreateCluster", {"clusterName": "bench"})
    helper.ecs_request(conn, "RegisterTaskDefinition", {
        "family": "tasks", "networkMode": "awsvpc", "requiresCompatibilities": ["FARGATE"],
        "cpu": "256", "memory": "512", "containerDefinitions": [{"name": "web", "image": "busybox"}]})
    subnet = default_subnet(port)
    for _ in range(100):
        status, data = helper.ecs_request(conn, "RunTask", {
            "cluster": "bench", "taskDefinition": "tasks", "count": 10, "launchType": "FARGATE",
            "networkConfiguration": {"awsvpcConfiguration": {"subnets": [subnet]}}})
        if status != 200:
            raise SystemExit(f"RunTask answered {status}: {data[:200]!r}")
    print(f"  populated: 10,000 task definitions and 1,000 tasks in {time.perf_counter() - t0:.1f} s")
    time.sleep(1)  # the tasks reach RUNNING (simulated) and the flush loop saves them
    proc.terminate()
    proc.wait()


def default_subnet(port):
    import boto3
    ec2 = boto3.client("ec2", endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1",
                       aws_access_key_id="test", aws_secret_access_key="test")
    return ec2.describe_subnets()["Subnets"][0]["SubnetId"]


def cold(label, make_args):
    times = []
    for _ in range(RUNS):
        port = helper.freeport()
        args, cleanup = make_args()
        t0 = time.perf_counter()
        proc = spawn(port, *args)
        try:
            while True:
                try:
                    if helper.health_once(port):
                        times.append((time.perf_counter() - t0) * 1000)
                        break
                except OSError:
                    pass
                if proc.poll() is not None:
                    raise SystemExit(f"{BIN} exited with {proc.returncode}")
                if time.perf_counter() - t0 > 20:
                    raise SystemExit("no answer within 20 s")
                time.sleep(0.0005)
        finally:
            proc.kill()
            proc.wait()
            cleanup()
    print(f"  cold start {label}: median {statistics.median(times):.1f} ms, min {min(times):.1f}, "
          f"max {max(times):.1f} ({RUNS} runs)")
    return statistics.median(times)


def wrk_p99(*extra):
    port = helper.freeport()
    proc = spawn(port, *extra)
    url = f"http://127.0.0.1:{port}"
    helper.wait(url, 10)
    body = '{"family":"bench","containerDefinitions":[{"name":"web","image":"busybox","memory":64}]}'
    env = dict(os.environ, ECS_OP="RegisterTaskDefinition", ECS_BODY=body)
    out = subprocess.run(["wrk", "-t2", "-c32", f"-d{DURATION}", "--latency", "-s", LUA, url],
                         env=env, capture_output=True, text=True).stdout
    proc.terminate()
    proc.wait()
    line = next(l for l in out.splitlines() if l.startswith("BENCH "))
    fields = dict(kv.split("=") for kv in line.split()[1:])
    return float(fields["rps"]), int(fields["p50_us"]), int(fields["p99_us"]), int(fields["non2xx"])


def main():
    base = tempfile.mkdtemp(prefix="local-ecs-bench-state-")
    full = os.path.join(base, "full")
    try:
        populate(full)
        size = os.path.getsize(os.path.join(full, "state.redb"))
        print(f"  state dir: {size / 1e6:.1f} MB")
        cold("without a state dir", lambda: ([], lambda: None))

        def empty():
            d = tempfile.mkdtemp(dir=base)
            return ["--state-dir", d], lambda: shutil.rmtree(d, ignore_errors=True)

        def copy():
            d = tempfile.mkdtemp(dir=base)
            shutil.copy(os.path.join(full, "state.redb"), d)
            return ["--state-dir", d], lambda: shutil.rmtree(d, ignore_errors=True)

        cold("with an empty state dir", empty)
        loaded = cold("with 10,000 task definitions and 1,000 tasks", copy)
        print(f"  target: under 200 ms with the state dir: {'pass' if loaded < 200 else 'FAIL'}")
        off = wrk_p99()
        d = tempfile.mkdtemp(dir=base)
        on = wrk_p99("--state-dir", d)
        for label, (rps, p50, p99, bad) in (("off", off), ("on", on)):
            print(f"  RegisterTaskDefinition c32, persistence {label}: {rps:.0f} req/s, p50 {p50} us, "
                  f"p99 {p99} us, non-2xx {bad}")
        ratio = on[2] / max(off[2], 1)
        print(f"  p99 on/off: {ratio:.2f}x (target: at most 2x): {'pass' if ratio <= 2 else 'FAIL'}")
    finally:
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
