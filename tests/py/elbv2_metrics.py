#!/usr/bin/env python3
"""The AWS/ApplicationELB and AWS/NetworkELB metrics of real listeners, through boto3 against
$AWS_ENDPOINT_URL: requests driven through an application load balancer to two Python servers
(ip targets in two zones, one answering 200 and one 500), then GetMetricStatistics shows
RequestCount (also by AvailabilityZone), the target 2XX/5XX split, TargetResponseTime, RequestCountPerTarget, HTTPCode_ELB_5XX_Count (a path
routed to a group without targets) and HealthyHostCount; and a network load balancer's
NewFlowCount and ProcessedBytes.

ELBv2 publishes once per emulated minute, so run the server with a fast clock
(`--time-scale 60`: a minute is a second; scripts/smoke.sh does); at scale 1 each wait takes up
to a minute. Expectations follow "CloudWatch metrics for your Application Load Balancer"
(https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-cloudwatch-metrics.html).

  AWS_ENDPOINT_URL=http://127.0.0.1:4566 AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test \\
  AWS_DEFAULT_REGION=us-east-1 python3 tests/py/elbv2_metrics.py
"""

import datetime
import os
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))

import boto3  # noqa: E402
import elbv2 as e  # noqa: E402  (its helpers; its checks run only as a script)
from smoke_support import ENDPOINT, REGION, RUN, expect, expect_eq, run_checks  # noqa: E402

cw = boto3.client("cloudwatch", endpoint_url=ENDPOINT, region_name=REGION, config=e.CONFIG)
elb, S = e.elb, e.S
OK_REQUESTS, FAILING_REQUESTS, UNROUTED = 12, 4, 3


def stats(namespace, name, dims, statistics=("Sum",), extended=None, seconds=90):
    """The datapoints of the last 10 minutes once any has appeared (waits up to `seconds`)."""
    deadline = time.monotonic() + seconds
    while True:
        now = datetime.datetime.now(datetime.timezone.utc)
        kwargs = {"Namespace": namespace, "MetricName": name, "Period": 60,
                  "StartTime": now - datetime.timedelta(minutes=600), "EndTime": now + datetime.timedelta(minutes=600),
                  "Dimensions": [{"Name": k, "Value": v} for k, v in dims.items()]}
        if extended:
            kwargs["ExtendedStatistics"] = list(extended)
        else:
            kwargs["Statistics"] = list(statistics)
        points = cw.get_metric_statistics(**kwargs)["Datapoints"]
        if points or time.monotonic() > deadline:
            return points
        time.sleep(0.5)


def total(points, stat="Sum"):
    return sum(p[stat] for p in points)


def wait_total(namespace, name, dims, want, seconds=90):
    """Waits until the Sum over all minutes reaches `want` (requests may straddle two minutes)."""
    deadline = time.monotonic() + seconds
    got = 0
    while time.monotonic() < deadline:
        got = total(stats(namespace, name, dims, seconds=0))
        if got >= want:
            break
        time.sleep(0.5)
    return got


def setup():
    e.setup()
    ok, failing = e.Target("ok"), e.Target("failing", status=500, health_status=200)
    S["tg_m"] = e.create_tg("m", HealthCheckPath="/health", **e.QUICK)
    S["tg_empty"] = e.create_tg("empty")
    lb = elb.create_load_balancer(Name=f"m-{RUN}", Subnets=S["subnets"])["LoadBalancers"][0]
    S["lb"] = lb["LoadBalancerArn"]
    # One target in each of the load balancer's zones: requests and hosts count by zone.
    S["zones"] = sorted(z["ZoneName"] for z in lb["AvailabilityZones"])[:2]
    elb.register_targets(TargetGroupArn=S["tg_m"], Targets=[
        dict(e.ip(ok), AvailabilityZone=S["zones"][0]), dict(e.ip(failing), AvailabilityZone=S["zones"][1])])
    S["port"] = e.free_port()
    S["listener"] = elb.create_listener(LoadBalancerArn=S["lb"], Protocol="HTTP", Port=S["port"],
                                        DefaultActions=e.forward(S["tg_m"]))["Listeners"][0]["ListenerArn"]
    e.add_rule(10, [e.path_is("/nowhere")], e.forward(S["tg_empty"]))
    S["lb_dim"] = S["lb"].split(":loadbalancer/", 1)[1]
    S["tg_dim"] = "targetgroup/" + S["tg_m"].split(":targetgroup/", 1)[1]
    e.wait_for("both targets healthy", lambda: all(
        h["State"] == "healthy" for h in e.health(S["tg_m"]).values()), 60)


def check_requests_are_counted_by_load_balancer_and_target_group():
    statuses = [e.request(S["port"], "/")[0] for _ in range(OK_REQUESTS + FAILING_REQUESTS)]
    # Round robin over two targets: half answer 200, half 500.
    expect_eq(sorted(set(statuses)), [200, 500], "both targets answered")
    for _ in range(UNROUTED):
        expect_eq(e.request(S["port"], "/nowhere")[0], 503, "a group without targets")
    sent = OK_REQUESTS + FAILING_REQUESTS
    lb = {"LoadBalancer": S["lb_dim"]}
    pair = {"TargetGroup": S["tg_dim"], "LoadBalancer": S["lb_dim"]}
    ns = "AWS/ApplicationELB"
    expect_eq(wait_total(ns, "RequestCount", lb, sent), sent, "RequestCount by LoadBalancer")
    expect_eq(wait_total(ns, "RequestCount", pair, sent), sent, "RequestCount by TargetGroup, LoadBalancer")
    half = sent // 2
    expect_eq(wait_total(ns, "HTTPCode_Target_2XX_Count", pair, half), half, "2XX")
    expect_eq(wait_total(ns, "HTTPCode_Target_5XX_Count", pair, half), half, "5XX")
    expect_eq(wait_total(ns, "HTTPCode_ELB_5XX_Count", lb, UNROUTED), UNROUTED, "the load balancer's 503s")
    expect_eq(stats(ns, "HTTPCode_Target_4XX_Count", pair, seconds=0), [], "no datapoint without requests")
    ok_zone, failing_zone = S["zones"]
    for zone in S["zones"]:
        by_zone = {"AvailabilityZone": zone, "LoadBalancer": S["lb_dim"]}
        expect_eq(wait_total(ns, "RequestCount", by_zone, half), half, f"RequestCount in {zone}")
    triple = dict(pair, AvailabilityZone=ok_zone)
    expect_eq(wait_total(ns, "HTTPCode_Target_2XX_Count", triple, half), half, f"2XX by target group in {ok_zone}")
    triple = dict(pair, AvailabilityZone=failing_zone)
    expect_eq(wait_total(ns, "HTTPCode_Target_5XX_Count", triple, half), half, f"5XX by target group in {failing_zone}")
    expect_eq(stats(ns, "HTTPCode_Target_2XX_Count", triple, seconds=0), [], f"no 2XX in {failing_zone}")


def check_target_response_time_is_per_request():
    pair = {"TargetGroup": S["tg_dim"], "LoadBalancer": S["lb_dim"]}
    points = stats("AWS/ApplicationELB", "TargetResponseTime", pair, ("SampleCount", "Average", "Maximum"))
    expect_eq(total(points, "SampleCount"), OK_REQUESTS + FAILING_REQUESTS, "one sample per request")
    for p in points:
        expect(0 < p["Average"] <= p["Maximum"] < 5, f"plausible seconds: {p}")
        expect_eq(p["Unit"], "Seconds", "unit")
    p99 = stats("AWS/ApplicationELB", "TargetResponseTime", pair, extended=("p99",))
    expect(all(0 < p["ExtendedStatistics"]["p99"] < 5 for p in p99), f"p99: {p99}")


def check_request_count_per_target_divides_by_healthy_targets():
    points = stats("AWS/ApplicationELB", "RequestCountPerTarget", {"TargetGroup": S["tg_dim"]})
    expect_eq(total(points), (OK_REQUESTS + FAILING_REQUESTS) / 2, "requests / 2 healthy targets")


def check_healthy_host_count_every_minute():
    pair = {"TargetGroup": S["tg_dim"], "LoadBalancer": S["lb_dim"]}
    points = stats("AWS/ApplicationELB", "HealthyHostCount", pair, ("Maximum",))
    expect(points and max(p["Maximum"] for p in points) == 2, f"2 healthy: {points}")
    points = stats("AWS/ApplicationELB", "UnHealthyHostCount", pair, ("Maximum",))
    expect(points and all(p["Maximum"] == 0 for p in points), f"none unhealthy: {points}")
    for zone in S["zones"]:
        points = stats("AWS/ApplicationELB", "HealthyHostCount", dict(pair, AvailabilityZone=zone), ("Maximum",))
        expect(points and max(p["Maximum"] for p in points) == 1, f"1 healthy in {zone}: {points}")


def check_network_load_balancer_flows_and_bytes():
    echo = e.Echo("echo")
    tg = e.create_tg("mt", protocol="TCP", port=echo.port)
    S["tg_mt"] = tg
    elb.register_targets(TargetGroupArn=tg, Targets=[e.ip(echo)])
    S["nlb"] = elb.create_load_balancer(Name=f"mn-{RUN}", Type="network", Subnets=S["subnets"]
                                        )["LoadBalancers"][0]["LoadBalancerArn"]
    port = e.free_port()
    elb.create_listener(LoadBalancerArn=S["nlb"], Protocol="TCP", Port=port, DefaultActions=e.forward(tg))
    for _ in range(3):
        with socket.create_connection(("127.0.0.1", port), timeout=5) as c:
            c.sendall(b"hello")
            expect_eq(c.recv(16), b"hello", "echoed")
    lb = {"LoadBalancer": S["nlb"].split(":loadbalancer/", 1)[1]}
    expect_eq(wait_total("AWS/NetworkELB", "NewFlowCount", lb, 3), 3, "NewFlowCount")
    expect(wait_total("AWS/NetworkELB", "ProcessedBytes", lb, 30) >= 30, "ProcessedBytes both ways")


def teardown():
    e.teardown()


if __name__ == "__main__":
    sys.exit(run_checks(globals(), setup=setup, teardown=teardown))
