#!/usr/bin/env python3
"""Elastic Load Balancing v2 through boto3, against $AWS_ENDPOINT_URL: the API and the data plane,
without Docker (targets are Python servers this suite starts on 127.0.0.1, registered as ip
targets), so it runs on either runtime.

Covers the API: CreateLoadBalancer (application, two default subnets, the default security
group) and its fields, the `load_balancer_available` waiter, idempotent create and
DuplicateLoadBalancerName, unknown subnet and security group, one subnet only, LoadBalancerNotFound,
load balancer attributes and deletion protection; target groups (defaults, range validation,
idempotent create and DuplicateTargetGroupName, TargetGroupNotFound, attributes); listeners
(idempotent create, DuplicateListener, ListenerNotFound); rules with every condition type,
PriorityInUse, the default rule, SetRulePriorities, ModifyRule, DeleteRule, RuleNotFound;
RegisterTargets / DeregisterTargets and DescribeTargetHealth's states and reason codes (unused
NotRegistered and NotInUse, healthy, unhealthy ResponseCodeMismatch / FailedHealthChecks /
Timeout, draining) with the `target_in_service` and `target_deregistered` waiters; tags;
deletions (ResourceInUse, ports closed at once).

And the data plane through a listener on a free local port: round robin over two targets, path
and host rules, every condition type, fixed responses, redirects, X-Forwarded-* headers, 503
without targets, failing open when every target is unhealthy, a dead target never breaking the
listener, lb_cookie stickiness (AWSALB), a weighted forward, and a network load balancer
forwarding raw TCP to an echo server.

Expectations follow the Elastic Load Balancing API reference
(https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/), its user guides and
botocore's `elbv2` model and waiters, not local-ecs' current behaviour. Checks run in order (later
ones use what earlier ones create); the run ends with `N passed, N failed`.

  AWS_ENDPOINT_URL=http://127.0.0.1:4566 AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test \\
  AWS_DEFAULT_REGION=us-east-1 python3 tests/py/elbv2.py
"""

import datetime
import http.client
import http.server
import json
import os
import re
import socket
import sys
import threading
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))

import boto3  # noqa: E402
from botocore.config import Config  # noqa: E402
from botocore.exceptions import ClientError  # noqa: E402
from smoke_support import ENDPOINT, REGION, RUN, CheckFailed, expect, expect_eq, run_checks  # noqa: E402

CONFIG = Config(retries={"max_attempts": 1})
elb = boto3.client("elbv2", endpoint_url=ENDPOINT, region_name=REGION, config=CONFIG)
ec2 = boto3.client("ec2", endpoint_url=ENDPOINT, region_name=REGION, config=CONFIG)
FAST = {"Delay": 1, "MaxAttempts": 40}
LB_NAME = f"alb-{RUN}"
NLB_NAME = f"nlb-{RUN}"
# Fast health checks for the data plane: a probe every 5 s, 2 s to answer, 2 results to flip.
QUICK = {"HealthCheckIntervalSeconds": 5, "HealthCheckTimeoutSeconds": 2,
         "HealthyThresholdCount": 2, "UnhealthyThresholdCount": 2}

S = {}        # what the checks share: ARNs, ports, subnets
SERVERS = []  # every server started, stopped at the end


# --- helpers ----------------------------------------------------------------------------------------

def error_of(call, **kwargs):
    try:
        call(**kwargs)
    except ClientError as e:
        return e.response["Error"]["Code"], e.response["Error"]["Message"], e.response["ResponseMetadata"]["HTTPStatusCode"]
    raise CheckFailed(f"{call.__name__} succeeded, an error was expected")


def wait_for(what, predicate, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.5)
    raise CheckFailed(f"timed out waiting for {what}")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def refused(port):
    """True when nothing accepts connections on 127.0.0.1:port."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2):
            return False
    except ConnectionRefusedError:
        return True


def request(port, path="/", method="GET", headers=None, body=None, timeout=5):
    """One request on a fresh connection: (status, headers, body bytes)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, resp.headers, resp.read()
    finally:
        conn.close()


def who(path="/", port=None, **kwargs):
    """The name of the target that answered a request through the ALB listener (its JSON body)."""
    status, _, body = request(port or S["port"], path, **kwargs)
    expect_eq(status, 200, f"status of {path}")
    return json.loads(body)["name"]


class Target:
    """An HTTP server on 127.0.0.1 answering JSON: its name, the request's method, path and
    headers. `status` answers every path; `health_status` (when set) answers paths under /health."""

    def __init__(self, name, status=200, health_status=None):
        self.name, self.status, self.health_status = name, status, health_status
        self.conns = set()
        target = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self):
                super().setup()
                target.conns.add(self.connection)

            def finish(self):
                target.conns.discard(self.connection)
                super().finish()

            def log_message(self, *args):
                pass

            def answer(self):
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                status = target.status
                if target.health_status is not None and self.path.startswith("/health"):
                    status = target.health_status
                body = json.dumps({"name": target.name, "method": self.command, "path": self.path,
                                   "headers": {k.lower(): v for k, v in self.headers.items()},
                                   "client": self.client_address[0]}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("X-Target", target.name)
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = answer

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        SERVERS.append(self)

    def stop(self):
        """Closes the listening socket and every open connection: the port refuses from now on."""
        if self.server is None:
            return
        self.server.shutdown()
        self.server.server_close()
        for c in list(self.conns):
            try:
                c.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self.server = None


class Silent:
    """Accepts connections and never answers (a health check times out)."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.held = []
        threading.Thread(target=self.loop, daemon=True).start()
        SERVERS.append(self)

    def loop(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.held.append(conn)

    def stop(self):
        self.sock.close()
        for c in self.held:
            c.close()


class Echo:
    """A TCP echo server: sends back what it reads, prefixed with its name once per connection."""

    def __init__(self, name):
        self.name = name
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self.loop, daemon=True).start()
        SERVERS.append(self)

    def loop(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self.serve, args=(conn,), daemon=True).start()

    def serve(self, conn):
        with conn:
            try:
                while True:
                    data = conn.recv(4096)
                    if not data:
                        return
                    conn.sendall(data)
            except OSError:
                return

    def stop(self):
        self.sock.close()


def ip(target_or_port):
    port = target_or_port if isinstance(target_or_port, int) else target_or_port.port
    return {"Id": "127.0.0.1", "Port": port}


def health(tg, targets=None):
    """DescribeTargetHealth as {port: TargetHealth}."""
    kwargs = {"TargetGroupArn": tg}
    if targets:
        kwargs["Targets"] = targets
    return {d["Target"]["Port"]: d["TargetHealth"]
            for d in elb.describe_target_health(**kwargs)["TargetHealthDescriptions"]}


def state_of(tg, port):
    return health(tg, [ip(port)]).get(port, {}).get("State")


def create_tg(name, protocol="HTTP", port=80, target_type="ip", **extra):
    return elb.create_target_group(Name=f"{name}-{RUN}", Protocol=protocol, Port=port,
                                   VpcId=S["vpc"], TargetType=target_type, **extra
                                   )["TargetGroups"][0]["TargetGroupArn"]


def set_tg_attrs(tg, **attrs):
    elb.modify_target_group_attributes(TargetGroupArn=tg, Attributes=[
        {"Key": k, "Value": v} for k, v in attrs.items()])


def forward(tg):
    return [{"Type": "forward", "TargetGroupArn": tg}]


def fixed(body, status="200", content_type="text/plain"):
    return [{"Type": "fixed-response", "FixedResponseConfig": {
        "StatusCode": status, "ContentType": content_type, "MessageBody": body}}]


def path_is(*values):
    return {"Field": "path-pattern", "PathPatternConfig": {"Values": list(values)}}


def add_rule(priority, conditions, actions):
    return elb.create_rule(ListenerArn=S["listener"], Priority=priority, Conditions=conditions,
                           Actions=actions)["Rules"][0]["RuleArn"]


def describe_lb(arn):
    return elb.describe_load_balancers(LoadBalancerArns=[arn])["LoadBalancers"][0]


def setup():
    subnets = ec2.describe_subnets(Filters=[{"Name": "default-for-az", "Values": ["true"]},
                                            {"Name": "availability-zone", "Values": [f"{REGION}a", f"{REGION}b"]}])["Subnets"]
    subnets.sort(key=lambda s: s["AvailabilityZone"])
    S["subnets"] = [s["SubnetId"] for s in subnets]
    S["zones"] = {s["SubnetId"]: s["AvailabilityZone"] for s in subnets}
    S["vpc"] = subnets[0]["VpcId"]
    S["sg"] = ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [S["vpc"]]},
                                                    {"Name": "group-name", "Values": ["default"]}]
                                           )["SecurityGroups"][0]["GroupId"]
    S["port"] = free_port()


# --- load balancers ---------------------------------------------------------------------------------

def lb_args():
    return {"Name": LB_NAME, "Subnets": S["subnets"], "SecurityGroups": [S["sg"]],
            "Type": "application", "Tags": [{"Key": "team", "Value": "web"}]}


def check_create_application_load_balancer():
    expect_eq(len(S["subnets"]), 2, "two default subnets (zones a and b)")
    lb = elb.create_load_balancer(**lb_args())["LoadBalancers"][0]
    S["lb"] = arn = lb["LoadBalancerArn"]
    expect(re.fullmatch(rf"arn:aws:elasticloadbalancing:{REGION}:\d{{12}}:loadbalancer/app/{LB_NAME}/[0-9a-f]{{16}}", arn),
           "load balancer ARN", arn)
    S["account"] = arn.split(":")[4]
    expect(lb["State"]["Code"] in ("provisioning", "active"), "State", lb["State"])
    expect(lb["DNSName"].startswith(f"{LB_NAME}-") and lb["DNSName"].endswith(".elb.localhost"),
           "DNSName <name>-….elb.localhost", lb["DNSName"])
    expect_eq(lb["LoadBalancerName"], LB_NAME, "LoadBalancerName")
    expect_eq(lb["Scheme"], "internet-facing", "Scheme defaults to internet-facing")
    expect_eq(lb["Type"], "application", "Type")
    expect_eq(lb["VpcId"], S["vpc"], "VpcId of the subnets")
    expect_eq(lb["IpAddressType"], "ipv4", "IpAddressType")
    expect_eq(lb["SecurityGroups"], [S["sg"]], "SecurityGroups")
    expect(lb.get("CanonicalHostedZoneId"), "CanonicalHostedZoneId", lb)
    expect(isinstance(lb["CreatedTime"], datetime.datetime), "CreatedTime is a timestamp", lb["CreatedTime"])
    zones = sorted((z["ZoneName"], z["SubnetId"]) for z in lb["AvailabilityZones"])
    expect_eq(zones, sorted((S["zones"][s], s) for s in S["subnets"]), "AvailabilityZones")


def check_load_balancer_available_waiter():
    elb.get_waiter("load_balancer_available").wait(LoadBalancerArns=[S["lb"]], WaiterConfig=FAST)
    expect_eq(describe_lb(S["lb"])["State"]["Code"], "active", "State after the waiter")


def check_same_settings_same_load_balancer_else_duplicate():
    again = elb.create_load_balancer(**lb_args())["LoadBalancers"][0]
    expect_eq(again["LoadBalancerArn"], S["lb"], "identical CreateLoadBalancer returns the existing one")
    code, _, status = error_of(elb.create_load_balancer, **{**lb_args(), "Scheme": "internal"})
    expect_eq((code, status), ("DuplicateLoadBalancerName", 400), "same name, another scheme")
    named = elb.describe_load_balancers(Names=[LB_NAME])["LoadBalancers"]
    expect_eq([lb["LoadBalancerArn"] for lb in named], [S["lb"]], "still one load balancer of that name")


def check_create_validates_subnets_and_security_groups():
    base = {"Name": f"bad-{RUN}", "Type": "application"}
    code, _, status = error_of(elb.create_load_balancer, Subnets=[S["subnets"][0], "subnet-0123456789abcdef0"],
                               SecurityGroups=[S["sg"]], **base)
    # botocore: SubnetNotFoundException "The specified subnet does not exist" (InvalidSubnet is
    # "out of available addresses"); AWS answers SubnetNotFound for an unknown id.
    expect_eq((code, status), ("SubnetNotFound", 400), "unknown subnet")
    code, _, status = error_of(elb.create_load_balancer, Subnets=S["subnets"],
                               SecurityGroups=["sg-0123456789abcdef0"], **base)
    expect_eq((code, status), ("InvalidSecurityGroup", 400), "unknown security group")
    code, msg, _ = error_of(elb.create_load_balancer, Subnets=S["subnets"][:1], SecurityGroups=[S["sg"]], **base)
    expect_eq((code, msg), ("ValidationError", "At least two subnets in two different Availability Zones must be specified"),
              "an ALB in one subnet")
    code, _, _ = error_of(elb.describe_load_balancers, Names=[f"bad-{RUN}"])
    expect_eq(code, "LoadBalancerNotFound", "nothing created by the failed calls")


def check_describe_load_balancers_not_found():
    code, msg, status = error_of(elb.describe_load_balancers, Names=[f"ghost-{RUN}"])
    expect_eq((code, status), ("LoadBalancerNotFound", 400), "unknown name")
    expect_eq(msg, "One or more load balancers not found", "message")
    ghost = S["lb"].rsplit("/", 1)[0] + "/0123456789abcdef"
    code, _, _ = error_of(elb.describe_load_balancers, LoadBalancerArns=[ghost])
    expect_eq(code, "LoadBalancerNotFound", "unknown ARN")
    mine = [lb["LoadBalancerArn"] for lb in elb.describe_load_balancers()["LoadBalancers"]]
    expect(S["lb"] in mine, "DescribeLoadBalancers without names lists it", mine)


def check_load_balancer_attributes_and_deletion_protection():
    attrs = {a["Key"]: a["Value"] for a in elb.describe_load_balancer_attributes(LoadBalancerArn=S["lb"])["Attributes"]}
    expect_eq(attrs.get("idle_timeout.timeout_seconds"), "60", "idle_timeout.timeout_seconds default")
    expect_eq(attrs.get("deletion_protection.enabled"), "false", "deletion_protection.enabled default")
    out = elb.modify_load_balancer_attributes(LoadBalancerArn=S["lb"], Attributes=[
        {"Key": "idle_timeout.timeout_seconds", "Value": "120"},
        {"Key": "deletion_protection.enabled", "Value": "true"}])["Attributes"]
    got = {a["Key"]: a["Value"] for a in out}
    expect_eq((got.get("idle_timeout.timeout_seconds"), got.get("deletion_protection.enabled")), ("120", "true"),
              "ModifyLoadBalancerAttributes answers the new values")
    attrs = {a["Key"]: a["Value"] for a in elb.describe_load_balancer_attributes(LoadBalancerArn=S["lb"])["Attributes"]}
    expect_eq(attrs.get("idle_timeout.timeout_seconds"), "120", "idle timeout kept")
    code, _, status = error_of(elb.delete_load_balancer, LoadBalancerArn=S["lb"])
    expect_eq((code, status), ("OperationNotPermitted", 400), "delete with deletion protection")
    elb.modify_load_balancer_attributes(LoadBalancerArn=S["lb"], Attributes=[
        {"Key": "deletion_protection.enabled", "Value": "false"}])
    expect_eq(describe_lb(S["lb"])["State"]["Code"], "active", "still there")


# --- target groups ----------------------------------------------------------------------------------

def check_target_group_defaults():
    tg = elb.create_target_group(Name=f"defaults-{RUN}", Protocol="HTTP", Port=80, VpcId=S["vpc"])["TargetGroups"][0]
    S["tg_defaults"] = tg["TargetGroupArn"]
    expect(re.fullmatch(rf"arn:aws:elasticloadbalancing:{REGION}:\d{{12}}:targetgroup/defaults-{RUN}/[0-9a-f]{{16}}",
                        tg["TargetGroupArn"]), "target group ARN", tg["TargetGroupArn"])
    want = {"TargetGroupName": f"defaults-{RUN}", "Protocol": "HTTP", "Port": 80, "VpcId": S["vpc"],
            "HealthCheckProtocol": "HTTP", "HealthCheckPort": "traffic-port", "HealthCheckEnabled": True,
            "HealthCheckIntervalSeconds": 30, "HealthCheckTimeoutSeconds": 5, "HealthyThresholdCount": 5,
            "UnhealthyThresholdCount": 2, "HealthCheckPath": "/", "Matcher": {"HttpCode": "200"},
            "TargetType": "instance", "LoadBalancerArns": [], "ProtocolVersion": "HTTP1"}
    expect_eq({k: tg.get(k) for k in want}, want, "CreateTargetGroup defaults")
    described = elb.describe_target_groups(Names=[f"defaults-{RUN}"])["TargetGroups"][0]
    expect_eq({k: described.get(k) for k in want}, want, "DescribeTargetGroups")


def check_target_group_validation_and_duplicates():
    base = {"Name": f"range-{RUN}", "Protocol": "HTTP", "Port": 80, "VpcId": S["vpc"]}
    for field, value in [("HealthCheckIntervalSeconds", 301), ("HealthCheckTimeoutSeconds", 121),
                         ("HealthyThresholdCount", 11), ("UnhealthyThresholdCount", 11)]:
        code, _, status = error_of(elb.create_target_group, **base, **{field: value})
        expect_eq((code, status), ("ValidationError", 400), f"{field}={value}")
    code, _, _ = error_of(elb.create_target_group, **base, HealthCheckIntervalSeconds=5, HealthCheckTimeoutSeconds=10)
    expect_eq(code, "ValidationError", "a timeout longer than the interval")
    code, _, _ = error_of(elb.describe_target_groups, Names=[f"range-{RUN}"])
    expect_eq(code, "TargetGroupNotFound", "nothing created by the refused calls")
    same = elb.create_target_group(Name=f"defaults-{RUN}", Protocol="HTTP", Port=80, VpcId=S["vpc"])["TargetGroups"][0]
    expect_eq(same["TargetGroupArn"], S["tg_defaults"], "identical CreateTargetGroup returns the existing one")
    code, _, status = error_of(elb.create_target_group, Name=f"defaults-{RUN}", Protocol="HTTP", Port=8080, VpcId=S["vpc"])
    expect_eq((code, status), ("DuplicateTargetGroupName", 400), "same name, another port")
    code, msg, status = error_of(elb.describe_target_groups, Names=[f"ghost-{RUN}"])
    expect_eq((code, status, msg), ("TargetGroupNotFound", 400, "One or more target groups not found"), "unknown name")
    ghost = S["tg_defaults"].rsplit("/", 1)[0] + "/0123456789abcdef"
    code, _, _ = error_of(elb.describe_target_health, TargetGroupArn=ghost)
    expect_eq(code, "TargetGroupNotFound", "DescribeTargetHealth of an unknown group")
    code, _, _ = error_of(elb.register_targets, TargetGroupArn=ghost, Targets=[{"Id": "127.0.0.1", "Port": 1}])
    expect_eq(code, "TargetGroupNotFound", "RegisterTargets in an unknown group")


def check_target_group_attributes():
    attrs = {a["Key"]: a["Value"] for a in elb.describe_target_group_attributes(TargetGroupArn=S["tg_defaults"])["Attributes"]}
    want = {"deregistration_delay.timeout_seconds": "300", "stickiness.enabled": "false",
            "stickiness.type": "lb_cookie", "slow_start.duration_seconds": "0",
            "stickiness.lb_cookie.duration_seconds": "86400", "load_balancing.algorithm.type": "round_robin"}
    expect_eq({k: attrs.get(k) for k in want}, want, "target group attribute defaults")
    out = elb.modify_target_group_attributes(TargetGroupArn=S["tg_defaults"], Attributes=[
        {"Key": "deregistration_delay.timeout_seconds", "Value": "10"}])["Attributes"]
    expect_eq({a["Key"]: a["Value"] for a in out}.get("deregistration_delay.timeout_seconds"), "10",
              "ModifyTargetGroupAttributes answers the new value")
    attrs = {a["Key"]: a["Value"] for a in elb.describe_target_group_attributes(TargetGroupArn=S["tg_defaults"])["Attributes"]}
    expect_eq(attrs.get("deregistration_delay.timeout_seconds"), "10", "described after the change")
    expect_eq(attrs.get("stickiness.enabled"), "false", "other attributes untouched")


def check_targets_of_a_group_no_load_balancer_uses_are_not_in_use():
    # The group of every health state: healthy, 500, closed port, silent; attached later.
    S["ok"], S["bad"], S["silent"] = Target("ok"), Target("bad", status=500), Silent()
    S["closed"] = free_port()
    S["tg_health"] = create_tg("health", **QUICK)
    elb.register_targets(TargetGroupArn=S["tg_health"], Targets=[
        ip(S["ok"]), ip(S["bad"]), ip(S["silent"]), ip(S["closed"])])
    got = health(S["tg_health"])
    expect_eq(sorted(got), sorted([S["ok"].port, S["bad"].port, S["silent"].port, S["closed"]]), "the four targets")
    for port, h in got.items():
        expect_eq((h["State"], h.get("Reason"), h.get("Description")),
                  ("unused", "Target.NotInUse", "Target group is not configured to receive traffic from the load balancer"),
                  f"target :{port} of a group without load balancer")
    other = free_port()
    h = health(S["tg_health"], [ip(other)])[other]
    expect_eq((h["State"], h.get("Reason"), h.get("Description")),
              ("unused", "Target.NotRegistered", "Target is not registered to the target group"), "an unregistered target")


# --- listeners and routing --------------------------------------------------------------------------

def check_create_listener_answers_on_its_port():
    S["web1"], S["web2"] = Target("web1"), Target("web2")
    S["tg_web"] = create_tg("web", **QUICK)
    set_tg_attrs(S["tg_web"], **{"deregistration_delay.timeout_seconds": "1"})
    elb.register_targets(TargetGroupArn=S["tg_web"], Targets=[ip(S["web1"]), ip(S["web2"])])
    listener = elb.create_listener(LoadBalancerArn=S["lb"], Protocol="HTTP", Port=S["port"],
                                   DefaultActions=forward(S["tg_web"]))["Listeners"][0]
    S["listener"] = listener["ListenerArn"]
    expect(re.fullmatch(rf"arn:aws:elasticloadbalancing:{REGION}:\d{{12}}:listener/app/{LB_NAME}/[0-9a-f]{{16}}/[0-9a-f]{{16}}",
                        S["listener"]), "listener ARN", S["listener"])
    expect_eq((listener["Port"], listener["Protocol"], listener["LoadBalancerArn"]), (S["port"], "HTTP", S["lb"]), "listener")
    expect_eq([(a["Type"], a.get("TargetGroupArn")) for a in listener["DefaultActions"]],
              [("forward", S["tg_web"])], "DefaultActions")
    wait_for(f"the listener to accept on 127.0.0.1:{S['port']}", lambda: not refused(S["port"]), 15)
    status, _, _ = request(S["port"], "/")
    expect(status in (200, 502, 503), "the listener answers HTTP", status)
    tg = elb.describe_target_groups(TargetGroupArns=[S["tg_web"]])["TargetGroups"][0]
    expect_eq(tg["LoadBalancerArns"], [S["lb"]], "the group's LoadBalancerArns")


def check_routing_attaches_target_groups():
    """Every target group of the later data-plane checks, attached now so that their health
    checks run while the API checks go on."""
    S["api1"], S["host1"] = Target("api1"), Target("host1")
    S["sick1"], S["sick2"] = Target("sick1", health_status=500), Target("sick2", health_status=500)
    S["mix1"], S["mix2"] = Target("mix1"), Target("mix2")
    S["sticky1"], S["sticky2"] = Target("sticky1"), Target("sticky2")
    groups = {
        "api": [S["api1"]], "host": [S["host1"]], "sick": [S["sick1"], S["sick2"]],
        "mixed": [S["mix1"], S["mix2"], free_port()], "empty": [], "sticky": [S["sticky1"], S["sticky2"]],
    }
    for name, targets in groups.items():
        extra = {"HealthCheckPath": "/health"} if name == "sick" else {}
        S[f"tg_{name}"] = create_tg(name, **QUICK, **extra)
        if targets:
            elb.register_targets(TargetGroupArn=S[f"tg_{name}"], Targets=[ip(t) for t in targets])
    S["mixed_closed"] = groups["mixed"][2]
    set_tg_attrs(S["tg_sticky"], **{"stickiness.enabled": "true", "stickiness.type": "lb_cookie",
                                    "stickiness.lb_cookie.duration_seconds": "300"})
    S["rule_api"] = add_rule(1, [{"Field": "path-pattern", "Values": ["/api/*"]}], forward(S["tg_api"]))
    S["rule_host"] = add_rule(2, [{"Field": "host-header", "HostHeaderConfig": {"Values": ["api.example.com"]}}],
                              forward(S["tg_host"]))
    add_rule(5, [path_is("/fixed")], fixed("nothing here", "404"))
    add_rule(6, [path_is("/redirect301")], [{"Type": "redirect", "RedirectConfig": {
        "Protocol": "HTTPS", "Port": "443", "Host": "example.com", "Path": "/moved", "Query": "from=lb",
        "StatusCode": "HTTP_301"}}])
    add_rule(7, [path_is("/redirect302/*")], [{"Type": "redirect", "RedirectConfig": {
        "Path": "/new/#{path}", "StatusCode": "HTTP_302"}}])
    add_rule(20, [path_is("/health-group/*")], forward(S["tg_health"]))
    add_rule(21, [path_is("/sick/*")], forward(S["tg_sick"]))
    add_rule(22, [path_is("/mixed/*")], forward(S["tg_mixed"]))
    add_rule(23, [path_is("/empty")], forward(S["tg_empty"]))
    add_rule(24, [path_is("/sticky/*")], forward(S["tg_sticky"]))
    add_rule(25, [path_is("/weighted/*")], [{"Type": "forward", "ForwardConfig": {"TargetGroups": [
        {"TargetGroupArn": S["tg_api"], "Weight": 1}, {"TargetGroupArn": S["tg_host"], "Weight": 0}]}}])
    h = health(S["tg_health"])
    expect(all(x.get("Reason") != "Target.NotInUse" for x in h.values()),
           "targets of an attached group are no longer Target.NotInUse", h)


def check_listener_idempotent_duplicate_and_not_found():
    same = elb.create_listener(LoadBalancerArn=S["lb"], Protocol="HTTP", Port=S["port"],
                               DefaultActions=forward(S["tg_web"]))["Listeners"][0]
    expect_eq(same["ListenerArn"], S["listener"], "identical CreateListener returns the existing one")
    code, _, status = error_of(elb.create_listener, LoadBalancerArn=S["lb"], Protocol="HTTP", Port=S["port"],
                               DefaultActions=fixed("other"))
    expect_eq((code, status), ("DuplicateListener", 400), "same port, another default action")
    listed = elb.describe_listeners(LoadBalancerArn=S["lb"])["Listeners"]
    expect_eq([x["ListenerArn"] for x in listed], [S["listener"]], "DescribeListeners by load balancer")
    ghost = S["listener"].rsplit("/", 1)[0] + "/0123456789abcdef"
    code, msg, status = error_of(elb.describe_listeners, ListenerArns=[ghost])
    expect_eq((code, status), ("ListenerNotFound", 400), "unknown listener")
    expect_eq(msg, "One or more listeners not found", "message")


def check_target_in_service_waiter():
    elb.get_waiter("target_in_service").wait(TargetGroupArn=S["tg_web"],
                                             Targets=[ip(S["web1"]), ip(S["web2"])], WaiterConfig=FAST)
    descs = elb.describe_target_health(TargetGroupArn=S["tg_web"])["TargetHealthDescriptions"]
    expect_eq(len(descs), 2, "two targets")
    for d in descs:
        expect_eq(d["TargetHealth"]["State"], "healthy", "State")
        expect("Reason" not in d["TargetHealth"], "no reason for a healthy target", d["TargetHealth"])
        expect_eq(d.get("HealthCheckPort"), str(d["Target"]["Port"]), "HealthCheckPort is the traffic port")


def check_round_robin_over_two_targets():
    names = [who("/") for _ in range(10)]
    expect_eq(sorted(set(names)), ["web1", "web2"], "both targets answer")
    expect_eq((names.count("web1"), names.count("web2")), (5, 5), "round robin shares evenly")
    expect(all(a != b for a, b in zip(names, names[1:])), "targets answer in turn", names)


def check_forwarded_headers_reach_the_target():
    _, _, body = request(S["port"], "/headers?x=1")
    seen = json.loads(body)
    h = seen["headers"]
    expect_eq(h.get("x-forwarded-for"), "127.0.0.1", "X-Forwarded-For")
    expect_eq(h.get("x-forwarded-proto"), "http", "X-Forwarded-Proto")
    expect_eq(h.get("x-forwarded-port"), str(S["port"]), "X-Forwarded-Port")
    expect_eq(seen["path"], "/headers?x=1", "path and query forwarded")
    _, _, body = request(S["port"], "/", headers={"X-Forwarded-For": "203.0.113.7", "Host": "shop.example.com"})
    h = json.loads(body)["headers"]
    expect_eq(h.get("x-forwarded-for"), "203.0.113.7, 127.0.0.1", "X-Forwarded-For appended to the client's")
    expect_eq(h.get("host"), "shop.example.com", "Host header kept")
    _, _, body = request(S["port"], "/post", method="POST", body=b"payload", headers={"Content-Type": "text/plain"})
    expect_eq(json.loads(body)["method"], "POST", "method forwarded")


def check_path_and_host_rules_route_to_their_groups():
    elb.get_waiter("target_in_service").wait(TargetGroupArn=S["tg_api"], WaiterConfig=FAST)
    elb.get_waiter("target_in_service").wait(TargetGroupArn=S["tg_host"], WaiterConfig=FAST)
    expect_eq(who("/api/users"), "api1", "/api/* goes to the api group")
    expect(who("/apix") in ("web1", "web2"), "/apix goes to the default action")
    expect_eq(who("/", headers={"Host": "api.example.com"}), "host1", "host-header rule")
    expect_eq(who("/", headers={"Host": "API.Example.COM"}), "host1", "host names match without regard to case")
    expect(who("/", headers={"Host": "www.example.com"}) in ("web1", "web2"), "another host: default action")


def check_rule_conditions_route_requests():
    S["rule_header"] = add_rule(30, [{"Field": "http-header", "HttpHeaderConfig": {
        "HttpHeaderName": "X-Env", "Values": ["canary"]}}], fixed("by-header"))
    add_rule(31, [{"Field": "http-request-method", "HttpRequestMethodConfig": {"Values": ["DELETE"]}}], fixed("by-method"))
    add_rule(32, [{"Field": "query-string", "QueryStringConfig": {"Values": [{"Key": "version", "Value": "v2"}]}}],
             fixed("by-query"))
    add_rule(33, [{"Field": "source-ip", "SourceIpConfig": {"Values": ["127.0.0.1/32"]}}, path_is("/whoami")],
             fixed("by-source"))
    add_rule(34, [{"Field": "source-ip", "SourceIpConfig": {"Values": ["192.0.2.0/24"]}}, path_is("/elsewhere")],
             fixed("by-other-source"))

    def body(path, **kw):
        status, _, data = request(S["port"], path, **kw)
        return status, data.decode(errors="replace")

    expect_eq(body("/", headers={"X-Env": "canary"}), (200, "by-header"), "http-header rule")
    expect(who("/", headers={"X-Env": "prod"}) in ("web1", "web2"), "another header value: default action")
    expect_eq(body("/", method="DELETE"), (200, "by-method"), "http-request-method rule")
    expect_eq(body("/search?version=v2&q=1"), (200, "by-query"), "query-string rule")
    expect(who("/search?version=v1") in ("web1", "web2"), "another query value: default action")
    expect_eq(body("/whoami"), (200, "by-source"), "source-ip rule")
    expect(who("/elsewhere") in ("web1", "web2"), "a source-ip rule for other addresses does not match")


def check_rules_crud():
    rules = elb.describe_rules(ListenerArn=S["listener"])["Rules"]
    default = [r for r in rules if r["IsDefault"]]
    expect_eq(len(default), 1, "one default rule")
    expect_eq((default[0]["Priority"], default[0]["Conditions"]), ("default", []), "the default rule")
    expect_eq([(a["Type"], a.get("TargetGroupArn")) for a in default[0]["Actions"]], [("forward", S["tg_web"])],
              "the default rule's actions")
    expect_eq(rules[-1]["IsDefault"], True, "the default rule comes last")
    api = next(r for r in rules if r["RuleArn"] == S["rule_api"])
    expect_eq((api["Priority"], api["IsDefault"]), ("1", False), "a rule's priority is a string")
    cond = api["Conditions"][0]
    expect_eq((cond["Field"], (cond.get("PathPatternConfig") or {}).get("Values") or cond.get("Values")),
              ("path-pattern", ["/api/*"]), "the api rule's condition")
    code, msg, status = error_of(elb.create_rule, ListenerArn=S["listener"], Priority=30,
                                 Conditions=[path_is("/taken")], Actions=fixed("x"))
    expect_eq((code, status), ("PriorityInUse", 400), "priority 30 again")
    moved = elb.set_rule_priorities(RulePriorities=[{"RuleArn": S["rule_header"], "Priority": 40}])["Rules"]
    expect_eq([(r["RuleArn"], r["Priority"]) for r in moved], [(S["rule_header"], "40")], "SetRulePriorities")
    elb.modify_rule(RuleArn=S["rule_header"], Conditions=[{"Field": "http-header", "HttpHeaderConfig": {
        "HttpHeaderName": "X-Env", "Values": ["beta"]}}], Actions=fixed("by-header-beta"))
    rule = elb.describe_rules(RuleArns=[S["rule_header"]])["Rules"][0]
    expect_eq(rule["Conditions"][0]["HttpHeaderConfig"]["Values"], ["beta"], "ModifyRule conditions")
    expect_eq(rule["Priority"], "40", "ModifyRule keeps the priority")
    expect_eq(request(S["port"], "/", headers={"X-Env": "beta"})[2], b"by-header-beta", "the modified rule routes")
    expect(who("/", headers={"X-Env": "canary"}) in ("web1", "web2"), "the old condition no longer matches")
    elb.delete_rule(RuleArn=S["rule_header"])
    code, msg, status = error_of(elb.describe_rules, RuleArns=[S["rule_header"]])
    expect_eq((code, status), ("RuleNotFound", 400), "a deleted rule")
    expect_eq(msg, "One or more rules not found", "message")
    code, _, _ = error_of(elb.delete_rule, RuleArn=S["rule_header"])
    expect_eq(code, "RuleNotFound", "deleting it again")
    code, _, _ = error_of(elb.delete_rule, RuleArn=default[0]["RuleArn"])
    expect_eq(code, "OperationNotPermitted", "deleting the default rule")


def check_fixed_response_and_redirects():
    status, headers, body = request(S["port"], "/fixed")
    expect_eq((status, body), (404, b"nothing here"), "fixed response status and body")
    expect((headers.get("Content-Type") or "").startswith("text/plain"), "fixed response content type",
           headers.get("Content-Type"))
    status, headers, _ = request(S["port"], "/redirect301")
    expect_eq(status, 301, "HTTP_301")
    location = headers.get("Location") or ""
    expect(location.startswith("https://example.com") and "/moved?from=lb" in location, "Location of the 301", location)
    status, headers, _ = request(S["port"], "/redirect302/a/b")
    expect_eq(status, 302, "HTTP_302")
    location = headers.get("Location") or ""
    expect(location.startswith("http://") and location.endswith("/new/redirect302/a/b"),
           "Location of the 302 (#{path} without its leading /, other parts kept)", location)


def check_target_health_states_and_reasons():
    want = {S["ok"].port: ("healthy", None, None),
            S["bad"].port: ("unhealthy", "Target.ResponseCodeMismatch", "Health checks failed with these codes: [500]"),
            S["closed"]: ("unhealthy", "Target.FailedHealthChecks", "Health checks failed"),
            S["silent"].port: ("unhealthy", "Target.Timeout", "Request timed out")}

    def settled():
        got = {p: (h["State"], h.get("Reason"), h.get("Description")) for p, h in health(S["tg_health"]).items()}
        return got if got == want else None

    try:
        wait_for("every target's health", settled, 40)
    except CheckFailed:
        got = {p: (h["State"], h.get("Reason"), h.get("Description")) for p, h in health(S["tg_health"]).items()}
        raise CheckFailed(f"target health: expected {want!r}, got {got!r}")


def check_no_registered_targets_answers_503():
    status, _, _ = request(S["port"], "/empty")
    expect_eq(status, 503, "a target group without targets")


def check_all_targets_unhealthy_fails_open():
    def both_unhealthy():
        h = health(S["tg_sick"])
        return len(h) == 2 and all(x["State"] == "unhealthy" for x in h.values()) and h
    h = wait_for("both sick targets unhealthy", both_unhealthy, 30)
    expect(all(x.get("Reason") == "Target.ResponseCodeMismatch" for x in h.values()), "sick reason", h)
    names = {who("/sick/x") for _ in range(6)}
    expect_eq(names, {"sick1", "sick2"}, "requests still reach every target when none is healthy")


def check_dead_target_never_breaks_the_listener():
    tg = S["tg_mixed"]

    def settled():
        h = health(tg)
        return (h.get(S["mix1"].port, {}).get("State") == "healthy" and h.get(S["mix2"].port, {}).get("State") == "healthy"
                and h.get(S["mixed_closed"], {}).get("State") == "unhealthy")
    wait_for("two healthy targets and a refusing one", settled, 30)
    names = [who("/mixed/a") for _ in range(8)]
    expect_eq(set(names), {"mix1", "mix2"}, "only the healthy targets answer")
    S["mix2"].stop()
    statuses = [request(S["port"], "/mixed/b")[0] for _ in range(8)]
    expect(set(statuses) <= {200, 502}, "while its death is unnoticed: 200 or 502, always an answer", statuses)
    wait_for("the dead target unhealthy", lambda: state_of(tg, S["mix2"].port) == "unhealthy", 30)
    names = [who("/mixed/c") for _ in range(6)]
    expect_eq(set(names), {"mix1"}, "after its health checks failed only the live target answers")


def check_stickiness_lb_cookie():
    elb.get_waiter("target_in_service").wait(TargetGroupArn=S["tg_sticky"], WaiterConfig=FAST)
    sessions = {}
    for _ in range(4):
        status, headers, body = request(S["port"], "/sticky/x")
        expect_eq(status, 200, "status")
        cookies = [c for c in headers.get_all("Set-Cookie") or [] if c.startswith("AWSALB=")]
        expect(cookies, "an AWSALB cookie", headers.get_all("Set-Cookie"))
        sessions.setdefault(json.loads(body)["name"], cookies[0].split(";", 1)[0])
        if len(sessions) == 2:
            break
    expect_eq(sorted(sessions), ["sticky1", "sticky2"], "fresh clients go to both targets")
    for name, cookie in sessions.items():
        names = {who("/sticky/y", headers={"Cookie": cookie}) for _ in range(6)}
        expect_eq(names, {name}, f"the cookie of {name} keeps its requests there")


def check_weighted_forward():
    names = [who("/weighted/x") for _ in range(8)]
    expect_eq(set(names), {"api1"}, "weights 1 and 0: everything to the first group")


def check_deregistration_drains_then_forgets():
    web3 = Target("web3")
    tg = S["tg_web"]
    elb.register_targets(TargetGroupArn=tg, Targets=[ip(web3)])
    h = health(tg, [ip(web3)])[web3.port]
    expect(h["State"] in ("initial", "healthy"), "a new target is initial (or already healthy)", h)
    if h["State"] == "initial":
        expect(h.get("Reason") in ("Elb.RegistrationInProgress", "Elb.InitialHealthChecking"), "initial reason", h)
    elb.get_waiter("target_in_service").wait(TargetGroupArn=tg, Targets=[ip(web3)], WaiterConfig=FAST)
    expect("web3" in {who("/") for _ in range(6)}, "the new target takes requests")
    set_tg_attrs(tg, **{"deregistration_delay.timeout_seconds": "2"})
    elb.deregister_targets(TargetGroupArn=tg, Targets=[ip(web3)])
    h = health(tg, [ip(web3)])[web3.port]
    expect_eq((h["State"], h.get("Reason"), h.get("Description")),
              ("draining", "Target.DeregistrationInProgress", "Target deregistration is in progress"), "after DeregisterTargets")
    expect("web3" not in {who("/") for _ in range(6)}, "a draining target takes no new requests")
    elb.get_waiter("target_deregistered").wait(TargetGroupArn=tg, Targets=[ip(web3)], WaiterConfig=FAST)
    expect_eq(sorted(health(tg)), sorted([S["web1"].port, S["web2"].port]), "gone from DescribeTargetHealth")
    h = health(tg, [ip(web3)])[web3.port]
    expect_eq((h["State"], h.get("Reason")), ("unused", "Target.NotRegistered"), "asked for by name")
    elb.deregister_targets(TargetGroupArn=tg, Targets=[ip(web3)])  # AWS: succeeds for an unknown target
    web3.stop()


def check_tags_on_load_balancer_and_target_group():
    elb.add_tags(ResourceArns=[S["lb"], S["tg_web"]], Tags=[{"Key": "env", "Value": "dev"}, {"Key": "owner", "Value": "me"}])
    elb.remove_tags(ResourceArns=[S["lb"]], TagKeys=["owner"])
    got = {d["ResourceArn"]: sorted((t["Key"], t["Value"]) for t in d["Tags"])
           for d in elb.describe_tags(ResourceArns=[S["lb"], S["tg_web"]])["TagDescriptions"]}
    expect_eq(got, {S["lb"]: [("env", "dev"), ("team", "web")], S["tg_web"]: [("env", "dev"), ("owner", "me")]},
              "DescribeTags")
    elb.add_tags(ResourceArns=[S["tg_web"]], Tags=[{"Key": "env", "Value": "prod"}])
    got = elb.describe_tags(ResourceArns=[S["tg_web"]])["TagDescriptions"][0]["Tags"]
    expect_eq(sorted((t["Key"], t["Value"]) for t in got), [("env", "prod"), ("owner", "me")], "AddTags overwrites a key")
    ghost = S["lb"].rsplit("/", 1)[0] + "/0123456789abcdef"
    code, _, _ = error_of(elb.describe_tags, ResourceArns=[ghost])
    expect_eq(code, "LoadBalancerNotFound", "tags of an unknown load balancer")


# --- network load balancer --------------------------------------------------------------------------

def check_network_load_balancer_forwards_tcp():
    echo = Echo("echo")
    lb = elb.create_load_balancer(Name=NLB_NAME, Type="network", Subnets=S["subnets"])["LoadBalancers"][0]
    S["nlb"] = lb["LoadBalancerArn"]
    expect(f":loadbalancer/net/{NLB_NAME}/" in S["nlb"], "network load balancer ARN", S["nlb"])
    expect_eq((lb["Type"], lb["Scheme"]), ("network", "internet-facing"), "Type and Scheme")
    expect("SecurityGroups" not in lb or lb["SecurityGroups"] == [], "no security groups", lb.get("SecurityGroups"))
    expect(lb["DNSName"].startswith(f"{NLB_NAME}-") and lb["DNSName"].endswith(".elb.localhost"), "DNSName", lb["DNSName"])
    tg = elb.create_target_group(Name=f"tcp-{RUN}", Protocol="TCP", Port=7, VpcId=S["vpc"], TargetType="ip",
                                 HealthCheckIntervalSeconds=5, HealthCheckTimeoutSeconds=2, HealthyThresholdCount=2,
                                 UnhealthyThresholdCount=2)["TargetGroups"][0]
    S["tg_tcp"] = tg["TargetGroupArn"]
    expect_eq((tg["Protocol"], tg["HealthCheckProtocol"], tg["HealthCheckPort"]), ("TCP", "TCP", "traffic-port"),
              "a TCP group checks health over TCP on the traffic port")
    expect("HealthCheckPath" not in tg and "Matcher" not in tg, "no HTTP health settings for TCP", tg)
    elb.register_targets(TargetGroupArn=S["tg_tcp"], Targets=[ip(echo)])
    S["nlb_port"] = free_port()
    listener = elb.create_listener(LoadBalancerArn=S["nlb"], Protocol="TCP", Port=S["nlb_port"],
                                   DefaultActions=forward(S["tg_tcp"]))["Listeners"][0]
    expect_eq((listener["Protocol"], listener["Port"]), ("TCP", S["nlb_port"]), "TCP listener")
    elb.get_waiter("load_balancer_available").wait(LoadBalancerArns=[S["nlb"]], WaiterConfig=FAST)
    elb.get_waiter("target_in_service").wait(TargetGroupArn=S["tg_tcp"], WaiterConfig=FAST)
    for i in range(3):
        with socket.create_connection(("127.0.0.1", S["nlb_port"]), timeout=5) as s:
            payload = f"hello {i} over tcp\n".encode() * 100
            s.sendall(payload)
            got = b""
            while len(got) < len(payload):
                chunk = s.recv(65536)
                if not chunk:
                    break
                got += chunk
            expect_eq(got, payload, "raw TCP echoed back through the NLB")


def check_port_that_cannot_be_bound_fails_the_load_balancer():
    blocker = socket.socket()
    blocker.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    blocker.bind(("127.0.0.1", 0))
    blocker.listen(1)
    port = blocker.getsockname()[1]
    lb = elb.create_load_balancer(Name=f"busy-{RUN}", Type="network", Subnets=S["subnets"])["LoadBalancers"][0]
    S["busy"] = lb["LoadBalancerArn"]
    S["tg_busy"] = create_tg("busy", "TCP", 7)
    listener = elb.create_listener(LoadBalancerArn=S["busy"], Protocol="TCP", Port=port,
                                   DefaultActions=forward(S["tg_busy"]))
    try:
        state = describe_lb(S["busy"])["State"]
        expect_eq(state["Code"], "failed", "a load balancer whose listener port is taken")
        expect(str(port) in state.get("Reason", ""), "the reason names the port", state)
        with urllib.request.urlopen(f"{ENDPOINT}/_local-ecs/health", timeout=5) as r:
            listeners = json.load(r)["listeners"]
        mine = [x for x in listeners if x["listenerArn"] == listener["Listeners"][0]["ListenerArn"]]
        expect_eq([(x["status"], x["address"]) for x in mine], [("failed", f"127.0.0.1:{port}")], "/_local-ecs/health")
    finally:
        blocker.close()
    wait_for("the freed port to be bound", lambda: describe_lb(S["busy"])["State"]["Code"] == "active", 20)
    expect(not refused(port), "the listener accepts once the port is free")
    elb.delete_load_balancer(LoadBalancerArn=S["busy"])
    expect(refused(port), "and refuses after deletion")


# --- deletions --------------------------------------------------------------------------------------

def check_delete_target_group_in_use():
    code, _, status = error_of(elb.delete_target_group, TargetGroupArn=S["tg_web"])
    expect_eq((code, status), ("ResourceInUse", 400), "a group the listener forwards to")
    elb.delete_target_group(TargetGroupArn=S["tg_defaults"])  # not used: deleted
    code, _, _ = error_of(elb.describe_target_groups, TargetGroupArns=[S["tg_defaults"]])
    expect_eq(code, "TargetGroupNotFound", "the deleted group")


def check_delete_listener_closes_its_port():
    elb.delete_listener(ListenerArn=S["listener"])
    expect(refused(S["port"]), "the port refuses right after DeleteListener")
    code, _, _ = error_of(elb.describe_listeners, ListenerArns=[S["listener"]])
    expect_eq(code, "ListenerNotFound", "the deleted listener")
    expect_eq(elb.describe_listeners(LoadBalancerArn=S["lb"])["Listeners"], [], "no listener left")


def check_delete_load_balancers():
    expect(not refused(S["nlb_port"]), "the NLB listens before deletion")
    elb.delete_load_balancer(LoadBalancerArn=S["nlb"])
    expect(refused(S["nlb_port"]), "the NLB's port refuses right after DeleteLoadBalancer")
    elb.delete_load_balancer(LoadBalancerArn=S["lb"])
    for name in (LB_NAME, NLB_NAME):
        code, _, _ = error_of(elb.describe_load_balancers, Names=[name])
        expect_eq(code, "LoadBalancerNotFound", f"{name} after deletion")
    elb.delete_load_balancer(LoadBalancerArn=S["lb"])  # AWS: deleting a deleted load balancer succeeds
    tg = elb.describe_target_groups(TargetGroupArns=[S["tg_web"]])["TargetGroups"][0]
    expect_eq(tg["LoadBalancerArns"], [], "the group is no longer attached")
    elb.delete_target_group(TargetGroupArn=S["tg_web"])


def teardown():
    for key in ("nlb", "lb", "busy"):
        if key in S:
            try:
                elb.modify_load_balancer_attributes(LoadBalancerArn=S[key], Attributes=[
                    {"Key": "deletion_protection.enabled", "Value": "false"}])
                elb.delete_load_balancer(LoadBalancerArn=S[key])
            except ClientError:
                pass
    for key in [k for k in S if k.startswith("tg_")]:
        try:
            elb.delete_target_group(TargetGroupArn=S[key])
        except ClientError:
            pass
    for s in SERVERS:
        try:
            s.stop()
        except OSError:
            pass


if __name__ == "__main__":
    sys.exit(run_checks(globals(), setup=setup, teardown=teardown))
