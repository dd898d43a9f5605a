#!/usr/bin/env python3
"""Smoke tests of ELBv2 in front of an ECS service on REAL containers with a real client (boto3),
against $AWS_ENDPOINT_URL, for a server on the Docker runtime with `local-ecs-test:latest` built
(scripts/build-test-image.sh). Containers are only ever created through ECS.

Covers: an Application Load Balancer whose ip target group (port 8080, 5 s health checks) a
Fargate (awsvpc) service of 2 busybox httpd tasks registers itself in (`loadBalancers`), the
`services_stable` waiter, both targets healthy at the tasks' addresses, requests through the
listener answered by both tasks in turn, the service's "registered N targets" event, a path rule
forwarding to the tasks and a fixed response, a task made unhealthy (its index.html removed, so
httpd answers 404) reported as Target.ResponseCodeMismatch, stopped with "Task failed ELB health
checks in (target-group …)" and replaced, a scale-in to 1 under continuous traffic with no failed
request and a "deregistered 1 targets" event, a Network Load Balancer's TCP listener to the task,
and DeleteLoadBalancer closing the listener's port at once.

Expectations follow the Amazon ECS and Elastic Load Balancing API references and the ECS service
event messages of the ECS developer guide, not local-ecs' current behaviour. Plain Python: every
check is a function named check_*, run in order (later ones use what earlier ones create); the run
ends with the line `N passed, N failed` (exit 1 on any failure). The caller resets the server.

  AWS_ENDPOINT_URL=http://127.0.0.1:4566 AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test \
  AWS_DEFAULT_REGION=us-east-1 python3 scripts/smoke_elbv2.py
"""

import http.client
import re
import socket
import subprocess
import sys
import threading
import time

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from smoke_support import ENDPOINT, REGION, RUN, CheckFailed, ecs_client, expect, expect_eq, run_checks

IMAGE = "local-ecs-test:latest"
CLUSTER = f"smoke-elbv2-{RUN}"
SERVICE = "web"
CONTAINER = "web"
HTTPD = ["sh", "-c", "mkdir -p /www && echo $HOSTNAME > /www/index.html && httpd -f -p 8080 -h /www"]
WAIT = {"Delay": 1, "MaxAttempts": 120}
POLL_SECONDS = 90

CONFIG = Config(retries={"max_attempts": 1})
ecs = ecs_client()
elb = boto3.client("elbv2", endpoint_url=ENDPOINT, region_name=REGION, config=CONFIG)
ec2 = boto3.client("ec2", endpoint_url=ENDPOINT, region_name=REGION, config=CONFIG)

S = {}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def refused(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2):
            return False
    except ConnectionRefusedError:
        return True


def get(path="/", port=None, timeout=5, host=None):
    """GET through the ALB listener on a fresh connection: (status, body text)."""
    conn = http.client.HTTPConnection("127.0.0.1", port or S["port"], timeout=timeout)
    try:
        conn.request("GET", path, headers={"Host": host} if host else {})
        resp = conn.getresponse()
        return resp.status, resp.read().decode(errors="replace").strip()
    finally:
        conn.close()


def poll(what, probe, seconds=POLL_SECONDS):
    deadline = time.monotonic() + seconds
    while True:
        got = probe()
        if got:
            return got
        if time.monotonic() > deadline:
            raise CheckFailed(f"gave up waiting for {what}")
        time.sleep(0.5)


def describe_service():
    resp = ecs.describe_services(cluster=CLUSTER, services=[SERVICE])
    expect_eq(resp["failures"], [], "DescribeServices failures")
    return resp["services"][0]


def stable():
    ecs.get_waiter("services_stable").wait(cluster=CLUSTER, services=[SERVICE], WaiterConfig=WAIT)
    return describe_service()


def running_tasks():
    arns = ecs.list_tasks(cluster=CLUSTER, serviceName=SERVICE, desiredStatus="RUNNING")["taskArns"]
    if not arns:
        return []
    return [t for t in ecs.describe_tasks(cluster=CLUSTER, tasks=arns)["tasks"] if t["lastStatus"] == "RUNNING"]


def task_ip(task):
    return task["containers"][0]["networkInterfaces"][0]["privateIpv4Address"]


def target_health(tg):
    return {(d["Target"]["Id"], d["Target"]["Port"]): d["TargetHealth"]
            for d in elb.describe_target_health(TargetGroupArn=tg)["TargetHealthDescriptions"]}


def healthy_targets(tg, count):
    """Waits until the group has exactly `count` targets, all healthy; returns their keys."""
    def settled():
        h = target_health(tg)
        return len(h) == count and all(x["State"] == "healthy" for x in h.values()) and h
    return sorted(poll(f"{count} healthy targets", settled))


def event_messages():
    return [e["message"] for e in describe_service()["events"]]


def setup():
    subnets = ec2.describe_subnets(Filters=[{"Name": "default-for-az", "Values": ["true"]},
                                            {"Name": "availability-zone", "Values": [f"{REGION}a", f"{REGION}b"]}])["Subnets"]
    S["subnets"] = [s["SubnetId"] for s in subnets]
    S["vpc"] = subnets[0]["VpcId"]
    S["sg"] = ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [S["vpc"]]},
                                                    {"Name": "group-name", "Values": ["default"]}]
                                           )["SecurityGroups"][0]["GroupId"]
    S["port"] = free_port()
    ecs.create_cluster(clusterName=CLUSTER)


# --- checks (in order) ------------------------------------------------------------------------------

def check_load_balancer_target_group_and_listener():
    expect_eq(len(S["subnets"]), 2, "two default subnets")
    lb = elb.create_load_balancer(Name=f"smoke-{RUN}", Subnets=S["subnets"], SecurityGroups=[S["sg"]],
                                  Type="application")["LoadBalancers"][0]
    S["lb"] = lb["LoadBalancerArn"]
    elb.get_waiter("load_balancer_available").wait(LoadBalancerArns=[S["lb"]], WaiterConfig={"Delay": 1, "MaxAttempts": 30})
    S["tg"] = elb.create_target_group(
        Name=f"smoke-{RUN}", Protocol="HTTP", Port=8080, VpcId=S["vpc"], TargetType="ip",
        HealthCheckIntervalSeconds=5, HealthCheckTimeoutSeconds=2, HealthyThresholdCount=2,
        UnhealthyThresholdCount=2)["TargetGroups"][0]["TargetGroupArn"]
    elb.modify_target_group_attributes(TargetGroupArn=S["tg"], Attributes=[
        {"Key": "deregistration_delay.timeout_seconds", "Value": "2"}])
    S["listener"] = elb.create_listener(LoadBalancerArn=S["lb"], Protocol="HTTP", Port=S["port"], DefaultActions=[
        {"Type": "forward", "TargetGroupArn": S["tg"]}])["Listeners"][0]["ListenerArn"]
    poll("the listener to accept", lambda: not refused(S["port"]), 15)
    status, _ = get("/")
    expect_eq(status, 503, "no registered target yet")


def check_service_behind_the_load_balancer_becomes_stable():
    td = ecs.register_task_definition(
        family=f"smoke-elb-{RUN}", networkMode="awsvpc", requiresCompatibilities=["FARGATE"], cpu="256", memory="512",
        containerDefinitions=[{"name": CONTAINER, "image": IMAGE, "command": HTTPD, "essential": True, "stopTimeout": 2,
                               "portMappings": [{"containerPort": 8080, "protocol": "tcp"}]}],
    )["taskDefinition"]["taskDefinitionArn"]
    lbs = [{"targetGroupArn": S["tg"], "containerName": CONTAINER, "containerPort": 8080}]
    created = ecs.create_service(
        cluster=CLUSTER, serviceName=SERVICE, taskDefinition=td, desiredCount=2, launchType="FARGATE",
        loadBalancers=lbs, healthCheckGracePeriodSeconds=5,
        networkConfiguration={"awsvpcConfiguration": {"subnets": S["subnets"], "securityGroups": [S["sg"]]}},
    )["service"]
    expect_eq(created["loadBalancers"], lbs, "loadBalancers")
    expect_eq(created["healthCheckGracePeriodSeconds"], 5, "healthCheckGracePeriodSeconds")
    svc = stable()
    expect_eq(svc["runningCount"], 2, "runningCount")
    tg = elb.describe_target_groups(TargetGroupArns=[S["tg"]])["TargetGroups"][0]
    expect_eq(tg["LoadBalancerArns"], [S["lb"]], "the group's load balancer")


def check_both_tasks_are_healthy_targets():
    tasks = running_tasks()
    expect_eq(len(tasks), 2, "two running tasks")
    want = sorted((task_ip(t), 8080) for t in tasks)
    expect_eq(healthy_targets(S["tg"], 2), want, "targets are the tasks' addresses on port 8080")


def check_requests_are_answered_by_both_tasks_in_turn():
    bodies = []
    for _ in range(10):
        status, body = get("/")
        expect_eq(status, 200, "status through the listener")
        bodies.append(body)
    expect_eq(len(set(bodies)), 2, f"two tasks answer (bodies {sorted(set(bodies))})")
    expect(all(a != b for a, b in zip(bodies, bodies[1:])), "round robin: each task in turn", bodies)


def check_service_events_name_the_registration():
    pattern = re.compile(rf"^\(service {SERVICE}\) registered (\d+) targets in \(target-group {re.escape(S['tg'])}\)$")
    counts = [int(m.group(1)) for m in map(pattern.match, event_messages()) if m]
    expect(counts, "a 'registered N targets in (target-group …)' event", event_messages()[:6])
    expect_eq(sum(counts), 2, "two targets registered in all")


def check_path_rule_and_fixed_response():
    elb.create_rule(ListenerArn=S["listener"], Priority=10,
                    Conditions=[{"Field": "path-pattern", "PathPatternConfig": {"Values": ["/static/*"]}}],
                    Actions=[{"Type": "fixed-response", "FixedResponseConfig": {
                        "StatusCode": "200", "ContentType": "text/plain", "MessageBody": "static answer"}}])
    elb.create_rule(ListenerArn=S["listener"], Priority=20,
                    Conditions=[{"Field": "path-pattern", "PathPatternConfig": {"Values": ["/index.*"]}}],
                    Actions=[{"Type": "forward", "TargetGroupArn": S["tg"]}])
    elb.create_rule(ListenerArn=S["listener"], Priority=30,
                    Conditions=[{"Field": "host-header", "HostHeaderConfig": {"Values": ["*.internal.example.com"]}}],
                    Actions=[{"Type": "fixed-response", "FixedResponseConfig": {
                        "StatusCode": "403", "ContentType": "text/plain", "MessageBody": "internal only"}}])
    expect_eq(get("/static/logo.png"), (200, "static answer"), "fixed response")
    expect_eq(get("/", host="api.internal.example.com"), (403, "internal only"), "host rule")
    status, body = get("/", host="www.example.com")
    expect_eq(status, 200, "another host reaches the tasks")
    expect(body and body != "internal only", "a task answers", body)
    bodies = {get("/index.html") for _ in range(4)}
    expect_eq({s for s, _ in bodies}, {200}, "the path rule forwards to the tasks")
    expect_eq(len(bodies), 2, "both tasks answer the path rule")


def check_unhealthy_task_is_stopped_and_replaced():
    tasks = running_tasks()
    sick = tasks[0]
    sick_ip = task_ip(sick)
    sick_id = sick["taskArn"].rsplit("/", 1)[1]
    out = subprocess.run(["docker", "exec", sick["containers"][0]["runtimeId"], "rm", "/www/index.html"],
                         capture_output=True, text=True, timeout=30)
    expect_eq(out.returncode, 0, f"docker exec rm index.html ({out.stderr.strip()})")

    # ECS reacts to the unhealthy state at once (it stops the task, which drains its target), so
    # the state may already have moved on when we look: the event below carries the reason.
    seen = {}

    def unhealthy_or_stopping():
        h = target_health(S["tg"]).get((sick_ip, 8080))
        if h and h["State"] == "unhealthy":
            seen["health"] = h
            return True
        task = ecs.describe_tasks(cluster=CLUSTER, tasks=[sick["taskArn"]])["tasks"][0]
        return task["desiredStatus"] == "STOPPED"
    poll("the emptied task to turn unhealthy", unhealthy_or_stopping, 40)
    if "health" in seen:
        expect_eq((seen["health"].get("Reason"), seen["health"].get("Description")),
                  ("Target.ResponseCodeMismatch", "Health checks failed with these codes: [404]"), "reason")
    ecs.get_waiter("tasks_stopped").wait(cluster=CLUSTER, tasks=[sick["taskArn"]], WaiterConfig=WAIT)
    stopped = ecs.describe_tasks(cluster=CLUSTER, tasks=[sick["taskArn"]])["tasks"][0]
    reason = stopped.get("stoppedReason", "")
    expect(reason.startswith(f"Task failed ELB health checks in (target-group {S['tg']})"), "stoppedReason", reason)
    wanted = (f"(service {SERVICE}) (task {sick_id}) (port 8080) is unhealthy in (target-group {S['tg']}) "
              "due to (reason Health checks failed with these codes: [404]).")
    expect(wanted in event_messages(), "the unhealthy-target event", event_messages()[:6])
    svc = stable()
    expect_eq(svc["runningCount"], 2, "replaced: two running tasks")
    now = running_tasks()
    expect(sick["taskArn"] not in {t["taskArn"] for t in now}, "the sick task is gone")
    expect_eq(healthy_targets(S["tg"], 2), sorted((task_ip(t), 8080) for t in now), "the replacement is a healthy target")


def check_scale_in_drops_no_request():
    before = {e["id"] for e in describe_service()["events"]}
    tasks_before = {t["taskArn"] for t in running_tasks()}
    results = {"ok": 0, "failed": []}
    stop = threading.Event()

    def client():
        while not stop.is_set():
            try:
                status, _ = get("/", timeout=10)
                if status == 200:
                    results["ok"] += 1
                else:
                    results["failed"].append(status)
            except OSError as e:
                results["failed"].append(repr(e))
            time.sleep(0.02)

    thread = threading.Thread(target=client, daemon=True)
    thread.start()
    try:
        time.sleep(1)
        ecs.update_service(cluster=CLUSTER, service=SERVICE, desiredCount=1)
        gone = poll("one task to stop", lambda: len(tasks_before - {t["taskArn"] for t in running_tasks()}) == 1
                    and tasks_before - {t["taskArn"] for t in running_tasks()})
        ecs.get_waiter("tasks_stopped").wait(cluster=CLUSTER, tasks=list(gone), WaiterConfig=WAIT)
        svc = stable()
        expect_eq(svc["runningCount"], 1, "runningCount after scale-in")
        time.sleep(2)
    finally:
        stop.set()
        thread.join(15)
    expect(results["ok"] > 20, "the client kept sending", results["ok"])
    expect_eq(results["failed"][:10], [], f"failed requests during scale-in ({results['ok']} answered)")
    new = [e["message"] for e in describe_service()["events"] if e["id"] not in before]
    wanted = f"(service {SERVICE}) deregistered 1 targets in (target-group {S['tg']})"
    expect(wanted in new, "the deregistration event", new)
    healthy_targets(S["tg"], 1)


def check_network_load_balancer_reaches_the_task():
    task = running_tasks()[0]
    lb = elb.create_load_balancer(Name=f"smoke-nlb-{RUN}", Type="network", Subnets=S["subnets"])["LoadBalancers"][0]
    S["nlb"] = lb["LoadBalancerArn"]
    S["tg_tcp"] = elb.create_target_group(
        Name=f"smoke-tcp-{RUN}", Protocol="TCP", Port=8080, VpcId=S["vpc"], TargetType="ip",
        HealthCheckIntervalSeconds=5, HealthCheckTimeoutSeconds=2, HealthyThresholdCount=2,
        UnhealthyThresholdCount=2)["TargetGroups"][0]["TargetGroupArn"]
    S["nlb_port"] = free_port()
    elb.create_listener(LoadBalancerArn=S["nlb"], Protocol="TCP", Port=S["nlb_port"],
                        DefaultActions=[{"Type": "forward", "TargetGroupArn": S["tg_tcp"]}])
    elb.register_targets(TargetGroupArn=S["tg_tcp"], Targets=[{"Id": task_ip(task), "Port": 8080}])
    elb.get_waiter("load_balancer_available").wait(LoadBalancerArns=[S["nlb"]], WaiterConfig={"Delay": 1, "MaxAttempts": 30})
    elb.get_waiter("target_in_service").wait(TargetGroupArn=S["tg_tcp"], WaiterConfig={"Delay": 1, "MaxAttempts": 40})
    status, body = get("/", port=S["nlb_port"])
    expect_eq(status, 200, "HTTP over the NLB's TCP listener")
    expect_eq(body, get("/")[1], "the same task answers through both load balancers")


def check_rollout_failing_health_checks_trips_the_circuit_breaker():
    # The rollback goes to the last COMPLETED deployment: wait for the current one to complete.
    svc = poll("the current deployment to complete",
               lambda: (lambda s: s["deployments"][0].get("rolloutState") == "COMPLETED" and s)(describe_service()))
    good = svc["taskDefinition"]
    bad = ecs.register_task_definition(
        family=f"smoke-elb-{RUN}", networkMode="awsvpc", requiresCompatibilities=["FARGATE"], cpu="256", memory="512",
        containerDefinitions=[{"name": CONTAINER, "image": IMAGE, "essential": True, "stopTimeout": 2,
                               # Serves another port than the one mapped: every check is refused.
                               "command": ["sh", "-c", "mkdir -p /www && httpd -f -p 8081 -h /www"],
                               "portMappings": [{"containerPort": 8080, "protocol": "tcp"}]}],
    )["taskDefinition"]["taskDefinitionArn"]
    ecs.update_service(cluster=CLUSTER, service=SERVICE, taskDefinition=bad, deploymentConfiguration={
        "deploymentCircuitBreaker": {"enable": True, "rollback": True},
        "maximumPercent": 200, "minimumHealthyPercent": 100})

    # The old deployment still runs its task, so the rollback completes in the pass that trips
    # the breaker and the failed deployment leaves the list at once: the events tell it.
    def tripped():
        messages = event_messages()
        failed = [m for m in messages if m.endswith("deployment failed: tasks failed to start.")]
        rolled = [m for m in messages if " rolling back to deployment " in m]
        return failed and rolled and (failed, rolled)
    try:
        poll("the circuit breaker to trip on the revision that fails health checks", tripped, 240)
    except CheckFailed as e:
        svc = describe_service()
        state = [(d["taskDefinition"].rsplit(":", 1)[1], d["status"], d.get("rolloutState"), d["failedTasks"])
                 for d in svc["deployments"]]
        raise CheckFailed(f"{e}: deployments {state}, events {[x['message'] for x in svc['events'][:8]]}")
    svc = stable()
    expect_eq(svc["taskDefinition"], good, "rolled back to the healthy revision")
    expect_eq(svc["runningCount"], 1, "runningCount after the rollback")
    stopped = ecs.list_tasks(cluster=CLUSTER, serviceName=SERVICE, desiredStatus="STOPPED")["taskArns"]
    reasons = [t.get("stoppedReason", "") for t in ecs.describe_tasks(cluster=CLUSTER, tasks=stopped[:100])["tasks"]
               if t["taskDefinitionArn"] == bad]
    expect(any(r.startswith("Task failed ELB health checks") for r in reasons), "tasks of the bad revision failed ELB health checks", reasons)


def check_bridge_tasks_register_as_instance_targets():
    """An EC2 service in bridge mode with a dynamic host port behind an `instance` target group:
    ECS registers the container instance's EC2 id and the task's host port."""
    ci = ecs.register_container_instance(cluster=CLUSTER)["containerInstance"]
    tg = elb.create_target_group(
        Name=f"smoke-br-{RUN}", Protocol="HTTP", Port=80, VpcId=S["vpc"], TargetType="instance",
        HealthCheckIntervalSeconds=5, HealthCheckTimeoutSeconds=2, HealthyThresholdCount=2,
        UnhealthyThresholdCount=2)["TargetGroups"][0]["TargetGroupArn"]
    S["tg_bridge"] = tg
    S["bridge_port"] = free_port()
    elb.create_listener(LoadBalancerArn=S["lb"], Protocol="HTTP", Port=S["bridge_port"],
                        DefaultActions=[{"Type": "forward", "TargetGroupArn": tg}])
    td = ecs.register_task_definition(
        family=f"smoke-elb-br-{RUN}", networkMode="bridge", requiresCompatibilities=["EC2"],
        containerDefinitions=[{"name": CONTAINER, "image": IMAGE, "command": HTTPD, "essential": True, "memory": 64,
                               "stopTimeout": 2, "portMappings": [{"containerPort": 8080, "hostPort": 0}]}],
    )["taskDefinition"]["taskDefinitionArn"]
    ecs.create_service(cluster=CLUSTER, serviceName="bridge", taskDefinition=td, desiredCount=1, launchType="EC2",
                       loadBalancers=[{"targetGroupArn": tg, "containerName": CONTAINER, "containerPort": 8080}])
    try:
        def healthy():
            h = elb.describe_target_health(TargetGroupArn=tg)["TargetHealthDescriptions"]
            return len(h) == 1 and h[0]["TargetHealth"]["State"] == "healthy" and h[0]
        target = poll("the bridge task to be a healthy instance target", healthy, 60)
        arns = ecs.list_tasks(cluster=CLUSTER, serviceName="bridge")["taskArns"]
        task = ecs.describe_tasks(cluster=CLUSTER, tasks=arns)["tasks"][0]
        host_port = task["containers"][0]["networkBindings"][0]["hostPort"]
        expect_eq((target["Target"]["Id"], target["Target"]["Port"]), (ci["ec2InstanceId"], host_port),
                  "the instance's EC2 id and the task's dynamic host port")
        status, body = get("/", port=S["bridge_port"])
        expect_eq(status, 200, "the listener reaches the bridge task on its host port")
        expect(body, "the task answers", body)
    finally:
        ecs.delete_service(cluster=CLUSTER, service="bridge", force=True)


def check_delete_load_balancers_closes_their_ports():
    elb.delete_load_balancer(LoadBalancerArn=S["lb"])
    expect(refused(S["port"]), "the ALB's port refuses right after DeleteLoadBalancer")
    elb.delete_load_balancer(LoadBalancerArn=S["nlb"])
    expect(refused(S["nlb_port"]), "the NLB's port refuses right after DeleteLoadBalancer")
    try:
        elb.describe_load_balancers(LoadBalancerArns=[S["lb"]])
    except ClientError as e:
        expect_eq(e.response["Error"]["Code"], "LoadBalancerNotFound", "error code")
    else:
        raise CheckFailed("the deleted load balancer is still described")


def clean_up():
    try:
        ecs.update_service(cluster=CLUSTER, service=SERVICE, desiredCount=0)
        ecs.delete_service(cluster=CLUSTER, service=SERVICE, force=True)
    except ClientError:
        pass
    for key in ("lb", "nlb"):
        if key in S:
            try:
                elb.delete_load_balancer(LoadBalancerArn=S[key])
            except ClientError:
                pass


def main():
    return run_checks(globals(), setup=setup, teardown=clean_up)


if __name__ == "__main__":
    sys.exit(main())
