"""Persistence (`--state-dir`) of ELBv2, IAM, STS and Application Auto Scaling across a `kill -9`.

Used by the restart runner: `create(client)` makes a representative set of resources against a
server started with `--state-dir` and returns what to check; after the server was killed and
started again with the same flags, `check(client, created)` asserts that everything describes as
before, that the ALB listener's port answers its fixed response again over a real socket (and its
target's health checks resume), and that credentials from AssumeRole still stand for the role.

`client(name)` returns a boto3 client pointed at the server (`client("elbv2")`, `client("iam")`…).
The ECS service that Application Auto Scaling scales need not survive the restart here: only
Application Auto Scaling's own state is checked.
"""

import datetime as dt
import http.client
import json
import socket
import time
import uuid

import boto3

BODY = "persisted fixed response"
TRUST = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                                                 "Action": "sts:AssumeRole"}]}
INLINE = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
DIM = "ecs:service:DesiredCount"


class PersistCheckFailed(AssertionError):
    pass


def expect_eq(got, want, what):
    if got != want:
        raise PersistCheckFailed(f"{what}: after the restart\n  {got!r}\nbefore it\n  {want!r}")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(port, path="/", timeout=5):
    """One GET on a fresh connection: (status, body text)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        return resp.status, resp.read().decode()
    finally:
        conn.close()


def wait_for(what, predicate, seconds=30):
    deadline = time.monotonic() + seconds
    last = None
    while time.monotonic() < deadline:
        try:
            last = predicate()
            if last:
                return last
        except (OSError, http.client.HTTPException) as e:
            last = e
        time.sleep(0.5)
    raise PersistCheckFailed(f"timed out waiting for {what} (last: {last!r})")


def plain(value):
    """Answers with their timestamps as ISO 8601 text, so that what `create` returns survives a
    JSON round trip (the runner may keep it in a file across the restart)."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return value


def bare(answer):
    answer = dict(answer)
    answer.pop("ResponseMetadata", None)
    return answer


# --- create -----------------------------------------------------------------------------------------

def network(ec2):
    subnets = ec2.describe_subnets(Filters=[{"Name": "default-for-az", "Values": ["true"]}])["Subnets"]
    subnets.sort(key=lambda s: s["AvailabilityZone"])
    vpc = subnets[0]["VpcId"]
    sg = ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc]},
                                               {"Name": "group-name", "Values": ["default"]}])["SecurityGroups"][0]
    return vpc, [s["SubnetId"] for s in subnets[:2]], sg["GroupId"]


def create_elb(client, run):
    elb = client("elbv2")
    vpc, subnets, sg = network(client("ec2"))
    port = free_port()
    lb = elb.create_load_balancer(Name=f"pe-{run}", Subnets=subnets, SecurityGroups=[sg], Type="application",
                                  Tags=[{"Key": "team", "Value": "web"}])["LoadBalancers"][0]["LoadBalancerArn"]
    elb.modify_load_balancer_attributes(LoadBalancerArn=lb, Attributes=[
        {"Key": "idle_timeout.timeout_seconds", "Value": "42"}])
    # The target is the listener itself: its fixed response answers the health check, so the
    # target is healthy exactly when the restored listener serves again.
    tg = elb.create_target_group(Name=f"pe-{run}", Protocol="HTTP", Port=80, VpcId=vpc, TargetType="ip",
                                 HealthCheckIntervalSeconds=5, HealthCheckTimeoutSeconds=2, HealthyThresholdCount=2, UnhealthyThresholdCount=2,
                                 Tags=[{"Key": "tier", "Value": "app"}])["TargetGroups"][0]["TargetGroupArn"]
    listener = elb.create_listener(LoadBalancerArn=lb, Protocol="HTTP", Port=port, DefaultActions=[
        {"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "200", "ContentType": "text/plain",
                                                            "MessageBody": BODY}}])["Listeners"][0]["ListenerArn"]
    rule = elb.create_rule(ListenerArn=listener, Priority=10,
                           Conditions=[{"Field": "path-pattern", "PathPatternConfig": {"Values": ["/app/*"]}}],
                           Actions=[{"Type": "forward", "TargetGroupArn": tg}])["Rules"][0]["RuleArn"]
    elb.create_rule(ListenerArn=listener, Priority=20,
                    Conditions=[{"Field": "path-pattern", "PathPatternConfig": {"Values": ["/teapot"]}}],
                    Actions=[{"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "418"}}])
    elb.add_tags(ResourceArns=[rule], Tags=[{"Key": "rule", "Value": "app"}])
    elb.register_targets(TargetGroupArn=tg, Targets=[{"Id": "127.0.0.1", "Port": port}])
    wait_for("the target to become healthy before the restart", lambda: target_state(elb, tg) == "healthy")
    return {"lb": lb, "tg": tg, "listener": listener, "rule": rule, "port": port}


def create_iam(client, run):
    iam = client("iam")
    role = f"pe-role-{run}"
    iam.create_role(RoleName=role, AssumeRolePolicyDocument=json.dumps(TRUST), Description="persisted",
                    Tags=[{"Key": "owner", "Value": "persist"}])
    iam.put_role_policy(RoleName=role, PolicyName="read", PolicyDocument=json.dumps(INLINE))
    policy = iam.create_policy(PolicyName=f"pe-policy-{run}", PolicyDocument=json.dumps(INLINE),
                               Description="customer managed")["Policy"]["Arn"]
    iam.attach_role_policy(RoleName=role, PolicyArn=policy)
    iam.attach_role_policy(RoleName=role,
                           PolicyArn="arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy")
    profile = f"pe-profile-{run}"
    iam.create_instance_profile(InstanceProfileName=profile)
    iam.add_role_to_instance_profile(InstanceProfileName=profile, RoleName=role)
    arn = iam.get_role(RoleName=role)["Role"]["Arn"]
    return {"role": role, "role_arn": arn, "policy": policy, "profile": profile}


def create_sts(client, role_arn):
    creds = client("sts").assume_role(RoleArn=role_arn, RoleSessionName="persisted")
    return plain({"credentials": creds["Credentials"], "assumed": creds["AssumedRoleUser"]})


def create_service(client, run, subnets):
    ecs = client("ecs")
    cluster = f"pe-{run}"
    ecs.create_cluster(clusterName=cluster)
    td = ecs.register_task_definition(
        family=f"pe-{run}", networkMode="awsvpc", requiresCompatibilities=["FARGATE"], cpu="256", memory="512",
        containerDefinitions=[{"name": "app", "image": "busybox", "essential": True}])["taskDefinition"]
    ecs.create_service(cluster=cluster, serviceName="web", taskDefinition=td["taskDefinitionArn"], desiredCount=1,
                       launchType="FARGATE", networkConfiguration={"awsvpcConfiguration": {"subnets": subnets}})
    return f"service/{cluster}/web"


def create_aas(client, run):
    aas = client("application-autoscaling")
    _, subnets, _ = network(client("ec2"))
    resource = create_service(client, run, subnets)
    target = aas.register_scalable_target(ServiceNamespace="ecs", ResourceId=resource, ScalableDimension=DIM,
                                          MinCapacity=1, MaxCapacity=4, Tags={"app": "web"})["ScalableTargetARN"]
    aas.put_scaling_policy(
        PolicyName="cpu", ServiceNamespace="ecs", ResourceId=resource, ScalableDimension=DIM,
        PolicyType="TargetTrackingScaling", TargetTrackingScalingPolicyConfiguration={
            "TargetValue": 60.0, "ScaleOutCooldown": 30, "ScaleInCooldown": 120,
            "PredefinedMetricSpecification": {"PredefinedMetricType": "ECSServiceAverageCPUUtilization"}})
    aas.put_scaling_policy(
        PolicyName="step", ServiceNamespace="ecs", ResourceId=resource, ScalableDimension=DIM,
        PolicyType="StepScaling", StepScalingPolicyConfiguration={
            "AdjustmentType": "ChangeInCapacity", "Cooldown": 60, "MetricAggregationType": "Average",
            "StepAdjustments": [{"MetricIntervalLowerBound": 0.0, "ScalingAdjustment": 1}]})
    aas.put_scheduled_action(ServiceNamespace="ecs", ResourceId=resource, ScalableDimension=DIM,
                             ScheduledActionName="nightly", Schedule="cron(0 3 * * ? *)",
                             ScalableTargetAction={"MinCapacity": 1, "MaxCapacity": 2})
    return {"resource": resource, "target_arn": target}


def create(client):
    """Makes the resources; returns what `check` needs (plain JSON data), with every describe
    answer as it was."""
    run = uuid.uuid4().hex[:8]
    created = {"elb": create_elb(client, run), "iam": create_iam(client, run), "aas": create_aas(client, run)}
    created["sts"] = create_sts(client, created["iam"]["role_arn"])
    created["before"] = describe_all(client, created)
    return created


# --- describe ---------------------------------------------------------------------------------------

def target_state(elb, tg):
    found = elb.describe_target_health(TargetGroupArn=tg)["TargetHealthDescriptions"]
    return found[0]["TargetHealth"]["State"] if found else None


def describe_elb(elb, c):
    return {
        "load_balancers": elb.describe_load_balancers(LoadBalancerArns=[c["lb"]])["LoadBalancers"],
        "lb_attributes": elb.describe_load_balancer_attributes(LoadBalancerArn=c["lb"])["Attributes"],
        "listeners": elb.describe_listeners(LoadBalancerArn=c["lb"])["Listeners"],
        "rules": elb.describe_rules(ListenerArn=c["listener"])["Rules"],
        "target_groups": elb.describe_target_groups(TargetGroupArns=[c["tg"]])["TargetGroups"],
        "tg_attributes": elb.describe_target_group_attributes(TargetGroupArn=c["tg"])["Attributes"],
        "target_health": elb.describe_target_health(TargetGroupArn=c["tg"])["TargetHealthDescriptions"],
        "tags": elb.describe_tags(ResourceArns=[c["lb"], c["tg"], c["rule"]])["TagDescriptions"],
    }


def describe_iam(iam, c):
    role = c["role"]
    return {
        "role": iam.get_role(RoleName=role)["Role"],
        "inline": iam.list_role_policies(RoleName=role)["PolicyNames"],
        "inline_document": bare(iam.get_role_policy(RoleName=role, PolicyName="read")),
        "attached": iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"],
        "policy": iam.get_policy(PolicyArn=c["policy"])["Policy"],
        "profile": iam.get_instance_profile(InstanceProfileName=c["profile"])["InstanceProfile"],
        "role_tags": iam.list_role_tags(RoleName=role)["Tags"],
    }


def describe_aas(aas, c):
    ns = {"ServiceNamespace": "ecs", "ResourceId": c["resource"]}
    return {
        "targets": aas.describe_scalable_targets(ServiceNamespace="ecs", ResourceIds=[c["resource"]])["ScalableTargets"],
        "policies": aas.describe_scaling_policies(**ns)["ScalingPolicies"],
        "scheduled": aas.describe_scheduled_actions(**ns)["ScheduledActions"],
        "activities": aas.describe_scaling_activities(**ns)["ScalingActivities"],
        "tags": aas.list_tags_for_resource(ResourceARN=c["target_arn"])["Tags"],
    }


def describe_all(client, c):
    return plain({"elb": describe_elb(client("elbv2"), c["elb"]), "iam": describe_iam(client("iam"), c["iam"]),
                  "aas": describe_aas(client("application-autoscaling"), c["aas"])})


# --- check ------------------------------------------------------------------------------------------

def check_same(after, before, service):
    for what, want in before.items():
        got = after[what]
        if service == "aas" and what == "activities":
            # Activities may be added by the controller after the snapshot; none may be lost.
            ids = {a["ActivityId"] for a in got}
            lost = [a["ActivityId"] for a in want if a["ActivityId"] not in ids]
            if lost:
                raise PersistCheckFailed(f"aas activities lost in the restart: {lost}")
            continue
        expect_eq(got, want, f"{service} {what}")


def check_listener(client, c):
    port = c["port"]
    status, body = wait_for(f"the restored listener on port {port} to answer",
                            lambda: fetch(port), seconds=15)
    expect_eq((status, body), (200, BODY), f"fixed response on port {port}")
    expect_eq(fetch(port, "/teapot")[0], 418, f"rule answer on port {port}")
    # Health checks resume against the listener that serves again: after two intervals' worth of
    # probes (enough for the unhealthy threshold) the target is still, or again, healthy.
    elb = client("elbv2")
    time.sleep(11)
    wait_for("the target to be healthy after the restart", lambda: target_state(elb, c["tg"]) == "healthy", 20)
    listener = elb.describe_listeners(ListenerArns=[c["listener"]])["Listeners"][0]
    expect_eq(listener["Port"], port, "listener port")
    lb = elb.describe_load_balancers(LoadBalancerArns=[c["lb"]])["LoadBalancers"][0]
    expect_eq(lb["State"]["Code"], "active", "load balancer state")


def check_sts(client, c):
    creds = c["credentials"]
    base = client("sts")
    sts = boto3.client("sts", endpoint_url=base.meta.endpoint_url, region_name=base.meta.region_name,
                       aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                       aws_session_token=creds["SessionToken"])
    who = sts.get_caller_identity()
    expect_eq(who["Arn"], c["assumed"]["Arn"], "GetCallerIdentity with the assumed role's credentials")
    expect_eq(who["UserId"], c["assumed"]["AssumedRoleId"], "assumed role id")
    if dt.datetime.fromisoformat(creds["Expiration"]) <= dt.datetime.now(dt.timezone.utc):
        raise PersistCheckFailed("the assumed-role credentials expired during the test")


def check(client, created):
    """After the restart: everything describes as before, and serves and maps as before."""
    after = describe_all(client, created)
    for service, before in created["before"].items():
        check_same(after[service], before, service)
    check_listener(client, created["elb"])
    check_sts(client, created["sts"])
