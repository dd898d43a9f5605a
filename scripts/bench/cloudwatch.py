#!/usr/bin/env python3
"""CloudWatch benchmark, standard library (and wrk through subprocess) only, against a release
server binary on the simulated runtime (no containers).

Measures:
  1. GetMetricData: 10 metrics over one day of 1-minute points (seeded with PutMetricData), one
     request asking all 10 at Period 60; p50 and p99 latency over $BENCH_CW_CALLS (default 300)
     calls on one keep-alive connection, request to last byte (the ~230 kB answer is not parsed
     inside the timing). Target: p99 < 10 ms.
  2. PutMetricData throughput at 32 connections (wrk -t2 -c32, $BENCH_DURATION, default 5s), one
     datum per request, against the same load on the fixed-body server
     (target/release/bench-fixed-server, if built: `cargo build --release --features bench`);
     without wrk, a 32-thread keep-alive Python client measures both sides.
  3. Memory per million stored datapoints: VmRSS (/proc/PID/status) of a fresh server before and
     after putting 1,000,000 values, each in its own 1-minute bucket (100 metrics x 10,000
     minutes, 1,000 datums a request).

usage: cloudwatch.py BIN      prints one `name value unit` line per figure, then the checks
"""

import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

TARGET = "GraniteServiceVersion20100801."
AUTH = ("AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/monitoring/aws4_request, "
        "SignedHeaders=host, Signature=" + "0" * 64)
DURATION = os.environ.get("BENCH_DURATION", "5s")
CALLS = int(os.environ.get("BENCH_CW_CALLS", "300"))
NS = "Bench/CloudWatch"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait(port, seconds=10.0):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", "/_local-ecs/health")
            conn.getresponse().read()
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"server on {port} did not answer")


class Server:
    def __init__(self, binary, fixed=False):
        self.port = free_port()
        cmd = [binary, "--host", "127.0.0.1", "--port", str(self.port), "--runtime", "simulated",
               "--owner", f"bench-cw-{self.port}"]
        if fixed:
            cmd = [binary, str(self.port)]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait(self.port)

    def rss_kb(self):
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return 0

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)


def send(conn, op, payload):
    """One request; the answer's bytes (latency is to the last byte, not the client's parse)."""
    conn.request("POST", "/", body=payload, headers={
        "Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": TARGET + op, "Authorization": AUTH})
    resp = conn.getresponse()
    data = resp.read()
    if resp.status != 200:
        raise SystemExit(f"{op}: {resp.status} {data[:300]!r}")
    return data


def call(conn, op, body):
    return json.loads(send(conn, op, json.dumps(body)))


def put_points(conn, datums):
    for i in range(0, len(datums), 1000):
        call(conn, "PutMetricData", {"Namespace": NS, "MetricData": datums[i:i + 1000]})


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p / 100))]


def bench_get_metric_data(binary):
    server = Server(binary)
    try:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        end = int(time.time()) // 60 * 60
        start = end - 86_400
        datums = [{"MetricName": f"m{m}", "Timestamp": t, "Value": float(t % 97)}
                  for m in range(10) for t in range(start, end, 60)]
        put_points(conn, datums)
        queries = [{"Id": f"q{m}", "MetricStat": {"Metric": {"Namespace": NS, "MetricName": f"m{m}"},
                                                  "Period": 60, "Stat": "Average"}} for m in range(10)]
        body = {"StartTime": start, "EndTime": end, "MetricDataQueries": queries}
        got = call(conn, "GetMetricData", body)
        points = sum(len(r["Values"]) for r in got["MetricDataResults"])
        times, payload = [], json.dumps(body)
        for _ in range(CALLS):
            t0 = time.perf_counter()
            send(conn, "GetMetricData", payload)
            times.append((time.perf_counter() - t0) * 1000)
        return {"points": points, "p50": percentile(times, 50), "p99": percentile(times, 99)}
    finally:
        server.stop()


def wrk_rps(port, body, target):
    lua = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)
    lua.write(f"""wrk.method = "POST"
wrk.body = {json.dumps(json.dumps(body))}
wrk.headers["Content-Type"] = "application/x-amz-json-1.0"
wrk.headers["X-Amz-Target"] = "{target}"
wrk.headers["Authorization"] = "{AUTH}"
function done(s, latency, r)
  io.write(string.format("BENCH rps=%.1f p99_us=%d non2xx=%d\\n", s.requests / (s.duration / 1e6),
    latency:percentile(99), s.errors.status))
end
""")
    lua.close()
    out = subprocess.run(["wrk", "-t2", "-c32", f"-d{DURATION}", "--latency", "-s", lua.name,
                          f"http://127.0.0.1:{port}/"], capture_output=True, text=True).stdout
    os.unlink(lua.name)
    line = [x for x in out.splitlines() if x.startswith("BENCH ")][-1]
    fields = dict(kv.split("=") for kv in line.split()[1:])
    return float(fields["rps"]), int(fields["non2xx"])


def threads_rps(port, body, target, seconds=5.0):
    """32 keep-alive connections from 32 threads (a Python client: its own ceiling is low)."""
    counts = [0] * 32
    stop = time.time() + seconds

    def worker(i):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        payload = json.dumps(body)
        headers = {"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": target, "Authorization": AUTH}
        while time.time() < stop:
            conn.request("POST", "/", body=payload, headers=headers)
            conn.getresponse().read()
            counts[i] += 1

    workers = [threading.Thread(target=worker, args=(i,)) for i in range(32)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return sum(counts) / seconds, 0


def bench_put_throughput(binary):
    body = {"Namespace": NS, "MetricData": [{"MetricName": "Put", "Value": 1.0,
                                             "Dimensions": [{"Name": "Service", "Value": "web"}]}]}
    measure = wrk_rps if shutil.which("wrk") else threads_rps
    server = Server(binary)
    try:
        rps, non2xx = measure(server.port, body, TARGET + "PutMetricData")
    finally:
        server.stop()
    fixed_bin = os.path.join(os.path.dirname(binary), "bench-fixed-server")
    fixed = None
    if os.path.exists(fixed_bin):
        baseline = Server(fixed_bin, fixed=True)
        try:
            fixed, _ = measure(baseline.port, body, TARGET + "PutMetricData")
        finally:
            baseline.stop()
    return {"rps": rps, "non2xx": non2xx, "fixed": fixed, "client": "wrk" if measure is wrk_rps else "threads"}


def bench_memory(binary):
    server = Server(binary)
    try:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
        call(conn, "ListMetrics", {})
        idle = server.rss_kb()
        end = int(time.time()) // 60 * 60
        for m in range(100):
            put_points(conn, [{"MetricName": f"mem{m}", "Timestamp": end - 60 * i, "Value": float(i)}
                              for i in range(1, 10_001)])
        full = server.rss_kb()
        return {"idle": idle, "full": full}
    finally:
        server.stop()


def main(binary):
    g = bench_get_metric_data(binary)
    print(f"cw_get_metric_data_points {g['points']} points")
    print(f"cw_get_metric_data_p50 {g['p50']:.2f} ms")
    print(f"cw_get_metric_data_p99 {g['p99']:.2f} ms")
    p = bench_put_throughput(binary)
    print(f"cw_put_metric_data_rps_c32 {p['rps']:.0f} req/s ({p['client']}, non-2xx {p['non2xx']})")
    if p["fixed"]:
        print(f"fixed_server_rps_c32 {p['fixed']:.0f} req/s")
        print(f"cw_put_vs_fixed {p['rps'] / p['fixed']:.2f} ratio")
    m = bench_memory(binary)
    print(f"cw_rss_idle {m['idle']} kB")
    print(f"cw_rss_1m_points {m['full']} kB")
    print(f"cw_bytes_per_point {(m['full'] - m['idle']) * 1024 / 1_000_000:.0f} bytes")
    ok = g["points"] == 14_400 and g["p99"] < 10.0
    print(f"check GetMetricData p99 < 10 ms over {g['points']} points: {'ok' if ok else 'MISSED'}")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    sys.exit(main(sys.argv[1]))
