#!/usr/bin/env python3
"""IAM and STS through boto3, against $AWS_ENDPOINT_URL (any runtime: nothing here runs a container).

Covers IAM: CreateRole (defaults, path, ARN and RoleId forms, the trust policy answered back as a
document, MaxSessionDuration range, name rules, EntityAlreadyExists, MalformedPolicyDocument),
GetRole and the `role_exists` waiter, ListRoles with PathPrefix and the paginator,
UpdateAssumeRolePolicy, inline policies (Put/Get/List/DeleteRolePolicy), customer managed
policies (CreatePolicy's ARN, ANPA id, v1; GetPolicy and the `policy_exists` waiter; ListPolicies
by Scope, OnlyAttached and PathPrefix, with the paginator), attaching customer and AWS managed
policies (AttachmentCount, ListAttachedRolePolicies, an unknown customer ARN), instance profiles
(one role only: LimitExceeded; ListInstanceProfilesForRole), role tags, and every DeleteConflict
(role with inline or attached policies or in a profile, attached policy, profile with a role)
with NoSuchEntity after deletion, each with IAM's HTTP status.

And STS: GetCallerIdentity for the plain keys (the account root), AssumeRole's credentials and
ranges (DurationSeconds against the role's MaxSessionDuration, RoleSessionName rules, an ARN that
is not a role's), then GetCallerIdentity with the issued keys answering the assumed role in the
same account.

Expectations follow the IAM and STS API references
(https://docs.aws.amazon.com/IAM/latest/APIReference/, https://docs.aws.amazon.com/STS/latest/APIReference/)
and botocore's `iam` and `sts` models and waiters. Checks run in order (later ones use what earlier
ones create); the run ends with `N passed, N failed`.

  AWS_ENDPOINT_URL=http://127.0.0.1:4566 AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test \\
  AWS_DEFAULT_REGION=us-east-1 python3 tests/py/iam.py
"""

import datetime
import json
import os
import re
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))

import boto3  # noqa: E402
from botocore.config import Config  # noqa: E402
from botocore.exceptions import ClientError  # noqa: E402
from smoke_support import ENDPOINT, REGION, RUN, CheckFailed, expect, expect_eq, run_checks  # noqa: E402

CONFIG = Config(retries={"max_attempts": 1})
iam = boto3.client("iam", endpoint_url=ENDPOINT, region_name=REGION, config=CONFIG)
sts = boto3.client("sts", endpoint_url=ENDPOINT, region_name=REGION, config=CONFIG)
# Without botocore's own checks, so that the server's range and length checks are what answers.
UNCHECKED = Config(retries={"max_attempts": 1}, parameter_validation=False)
raw_iam = boto3.client("iam", endpoint_url=ENDPOINT, region_name=REGION, config=UNCHECKED)
raw_sts = boto3.client("sts", endpoint_url=ENDPOINT, region_name=REGION, config=UNCHECKED)
FAST = {"Delay": 1, "MaxAttempts": 5}
EXEC_POLICY = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                   "Action": "sts:AssumeRole"}],
}
POLICY = {"Version": "2012-10-17",
          "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
ROLE = f"task-{RUN}"
S = {}  # what the checks share: the account, ARNs


def error_of(call, *args, **kwargs):
    """(code, message, HTTP status) of a call that must fail."""
    try:
        call(*args, **kwargs)
    except ClientError as e:
        return e.response["Error"]["Code"], e.response["Error"]["Message"], e.response["ResponseMetadata"]["HTTPStatusCode"]
    raise CheckFailed(f"{call.__name__} succeeded, an error was expected")


def expect_error(want_code, want_status, call, *args, **kwargs):
    code, message, status = error_of(call, *args, **kwargs)
    expect_eq((code, status), (want_code, want_status), f"{call.__name__} error ({message})")
    return message


def create_role(name, **kwargs):
    return iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(TRUST), **kwargs)["Role"]


# --- STS: who am I --------------------------------------------------------------------------------

def check_get_caller_identity_is_the_account_root():
    who = sts.get_caller_identity()
    expect(re.fullmatch(r"\d{12}", who["Account"]), "Account is 12 digits", who["Account"])
    expect_eq(who["Arn"], f"arn:aws:iam::{who['Account']}:root", "Arn")
    expect_eq(who["UserId"], who["Account"], "UserId")
    S["account"] = who["Account"]


# --- roles ----------------------------------------------------------------------------------------

def check_create_role_fields_and_defaults():
    role = create_role(ROLE, Description="task role", Tags=[{"Key": "team", "Value": "a"}])
    acct = S["account"]
    expect_eq(role["Arn"], f"arn:aws:iam::{acct}:role/{ROLE}", "Arn")
    expect_eq(role["Path"], "/", "Path")
    expect(re.fullmatch(r"AROA[A-Z0-9]{17}", role["RoleId"]), "RoleId is AROA + 17", role["RoleId"])
    expect(isinstance(role["CreateDate"], datetime.datetime), "CreateDate is a timestamp")
    expect_eq(role["AssumeRolePolicyDocument"], TRUST, "trust policy answered back")
    expect_eq(role["MaxSessionDuration"], 3600, "MaxSessionDuration default")
    expect_eq(role["Description"], "task role", "Description")
    expect_eq(role["Tags"], [{"Key": "team", "Value": "a"}], "Tags")
    S["role_arn"] = role["Arn"]


def check_create_role_with_a_path_and_a_long_session():
    role = create_role(f"svc-{RUN}", Path=f"/svc-{RUN}/", MaxSessionDuration=7200)
    expect_eq(role["Arn"], f"arn:aws:iam::{S['account']}:role/svc-{RUN}/svc-{RUN}", "Arn with path")
    expect_eq(role["MaxSessionDuration"], 7200, "MaxSessionDuration")


def check_create_role_errors():
    expect_error("EntityAlreadyExists", 409, create_role, ROLE)
    expect_error("ValidationError", 400, create_role, "no spaces allowed")
    expect_error("ValidationError", 400, raw_iam.create_role, RoleName="r" * 65,
                 AssumeRolePolicyDocument=json.dumps(TRUST))
    expect_error("ValidationError", 400, raw_iam.create_role, RoleName=f"nodoc-{RUN}")
    for seconds in (3599, 43201):
        expect_error("ValidationError", 400, raw_iam.create_role, RoleName=f"range-{RUN}",
                     AssumeRolePolicyDocument=json.dumps(TRUST), MaxSessionDuration=seconds)
    expect_error("MalformedPolicyDocument", 400, iam.create_role, RoleName=f"bad-{RUN}",
                 AssumeRolePolicyDocument="{not json")


def check_get_role_and_the_role_exists_waiter():
    iam.get_waiter("role_exists").wait(RoleName=ROLE, WaiterConfig=FAST)
    role = iam.get_role(RoleName=ROLE)["Role"]
    expect_eq(role["Arn"], S["role_arn"], "GetRole Arn")
    expect_eq(role["AssumeRolePolicyDocument"], TRUST, "GetRole trust policy")
    message = expect_error("NoSuchEntity", 404, iam.get_role, RoleName=f"nope-{RUN}")
    expect(f"nope-{RUN}" in message, "message names the role", message)


def check_list_roles_path_prefix_and_paginator():
    for i in range(3):
        create_role(f"page-{RUN}-{i}", Path=f"/page-{RUN}/")
    only = iam.list_roles(PathPrefix=f"/page-{RUN}/")["Roles"]
    expect_eq(sorted(r["RoleName"] for r in only), [f"page-{RUN}-{i}" for i in range(3)], "PathPrefix")
    first = iam.list_roles(PathPrefix=f"/page-{RUN}/", MaxItems=2)
    expect(first["IsTruncated"] and first.get("Marker"), "truncated page has a Marker", first.get("IsTruncated"))
    pages = list(iam.get_paginator("list_roles").paginate(
        PathPrefix=f"/page-{RUN}/", PaginationConfig={"PageSize": 1}))
    expect_eq(len(pages), 3, "pages of one")
    names = [r["RoleName"] for p in pages for r in p["Roles"]]
    expect_eq(sorted(names), [f"page-{RUN}-{i}" for i in range(3)], "every role once")
    expect(ROLE in [r["RoleName"] for r in iam.list_roles()["Roles"]], "ListRoles lists the role")


def check_update_assume_role_policy():
    trust = dict(TRUST, Statement=TRUST["Statement"] + [
        {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}])
    iam.update_assume_role_policy(RoleName=ROLE, PolicyDocument=json.dumps(trust))
    expect_eq(iam.get_role(RoleName=ROLE)["Role"]["AssumeRolePolicyDocument"], trust, "new trust policy")
    expect_error("MalformedPolicyDocument", 400, iam.update_assume_role_policy, RoleName=ROLE, PolicyDocument="[")
    expect_error("NoSuchEntity", 404, iam.update_assume_role_policy, RoleName=f"nope-{RUN}",
                 PolicyDocument=json.dumps(TRUST))


def check_role_tags():
    iam.tag_role(RoleName=ROLE, Tags=[{"Key": "env", "Value": "dev"}, {"Key": "team", "Value": "b"}])
    tags = {t["Key"]: t["Value"] for t in iam.list_role_tags(RoleName=ROLE)["Tags"]}
    expect_eq(tags, {"team": "b", "env": "dev"}, "tags after TagRole")
    iam.untag_role(RoleName=ROLE, TagKeys=["team"])
    expect_eq(iam.list_role_tags(RoleName=ROLE)["Tags"], [{"Key": "env", "Value": "dev"}], "after UntagRole")
    expect_error("NoSuchEntity", 404, iam.tag_role, RoleName=f"nope-{RUN}", Tags=[{"Key": "a", "Value": "b"}])


# --- inline policies ------------------------------------------------------------------------------

def check_inline_policies():
    iam.put_role_policy(RoleName=ROLE, PolicyName="read", PolicyDocument=json.dumps(POLICY))
    got = iam.get_role_policy(RoleName=ROLE, PolicyName="read")
    expect_eq((got["RoleName"], got["PolicyName"], got["PolicyDocument"]), (ROLE, "read", POLICY), "GetRolePolicy")
    expect_eq(iam.list_role_policies(RoleName=ROLE)["PolicyNames"], ["read"], "ListRolePolicies")
    expect_error("NoSuchEntity", 404, iam.get_role_policy, RoleName=ROLE, PolicyName="nope")
    expect_error("MalformedPolicyDocument", 400, iam.put_role_policy, RoleName=ROLE, PolicyName="bad",
                 PolicyDocument="not json")
    expect_error("NoSuchEntity", 404, iam.put_role_policy, RoleName=f"nope-{RUN}", PolicyName="p",
                 PolicyDocument=json.dumps(POLICY))


def check_delete_role_with_an_inline_policy_conflicts():
    expect_error("DeleteConflict", 409, iam.delete_role, RoleName=ROLE)
    iam.delete_role_policy(RoleName=ROLE, PolicyName="read")
    expect_eq(iam.list_role_policies(RoleName=ROLE)["PolicyNames"], [], "no inline policies left")
    expect_error("NoSuchEntity", 404, iam.delete_role_policy, RoleName=ROLE, PolicyName="read")


# --- managed policies -----------------------------------------------------------------------------

def check_create_policy_fields():
    p = iam.create_policy(PolicyName=f"read-{RUN}", Path=f"/app-{RUN}/", PolicyDocument=json.dumps(POLICY),
                          Description="reads", Tags=[{"Key": "k", "Value": "v"}])["Policy"]
    expect_eq(p["Arn"], f"arn:aws:iam::{S['account']}:policy/app-{RUN}/read-{RUN}", "policy Arn")
    expect(re.fullmatch(r"ANPA[A-Z0-9]{17}", p["PolicyId"]), "PolicyId is ANPA + 17", p["PolicyId"])
    expect_eq((p["DefaultVersionId"], p["AttachmentCount"], p["IsAttachable"]), ("v1", 0, True), "version, count")
    expect_eq(p["Path"], f"/app-{RUN}/", "Path")
    S["policy_arn"] = p["Arn"]
    expect_error("EntityAlreadyExists", 409, iam.create_policy, PolicyName=f"read-{RUN}",
                 PolicyDocument=json.dumps(POLICY))
    expect_error("MalformedPolicyDocument", 400, iam.create_policy, PolicyName=f"bad-{RUN}", PolicyDocument="{")


def check_get_policy_and_the_policy_exists_waiter():
    iam.get_waiter("policy_exists").wait(PolicyArn=S["policy_arn"], WaiterConfig=FAST)
    p = iam.get_policy(PolicyArn=S["policy_arn"])["Policy"]
    expect_eq((p["PolicyName"], p["Description"]), (f"read-{RUN}", "reads"), "GetPolicy")
    missing = f"arn:aws:iam::{S['account']}:policy/nope-{RUN}"
    expect_error("NoSuchEntity", 404, iam.get_policy, PolicyArn=missing)


def check_attach_policies():
    iam.attach_role_policy(RoleName=ROLE, PolicyArn=S["policy_arn"])
    iam.attach_role_policy(RoleName=ROLE, PolicyArn=EXEC_POLICY)
    attached = iam.list_attached_role_policies(RoleName=ROLE)["AttachedPolicies"]
    expect_eq(sorted(a["PolicyArn"] for a in attached), sorted([S["policy_arn"], EXEC_POLICY]), "attached")
    names = {a["PolicyArn"]: a["PolicyName"] for a in attached}
    expect_eq(names[EXEC_POLICY], "AmazonECSTaskExecutionRolePolicy", "AWS managed policy name")
    expect_eq(iam.get_policy(PolicyArn=S["policy_arn"])["Policy"]["AttachmentCount"], 1, "AttachmentCount")
    unknown = f"arn:aws:iam::{S['account']}:policy/nope-{RUN}"
    expect_error("NoSuchEntity", 404, iam.attach_role_policy, RoleName=ROLE, PolicyArn=unknown)
    expect_error("NoSuchEntity", 404, iam.attach_role_policy, RoleName=f"nope-{RUN}", PolicyArn=EXEC_POLICY)


def check_list_policies_scope_only_attached_and_paginator():
    local = iam.list_policies(Scope="Local")["Policies"]
    expect(S["policy_arn"] in [p["Arn"] for p in local], "Local lists the customer policy")
    expect(EXEC_POLICY not in [p["Arn"] for p in local], "Local leaves out AWS managed policies")
    aws = iam.list_policies(Scope="AWS", OnlyAttached=True)["Policies"]
    expect(EXEC_POLICY in [p["Arn"] for p in aws], "AWS lists the attached AWS managed policy")
    prefixed = iam.list_policies(PathPrefix=f"/app-{RUN}/")["Policies"]
    expect_eq([p["Arn"] for p in prefixed], [S["policy_arn"]], "PathPrefix")
    for i in range(3):
        iam.create_policy(PolicyName=f"pg-{RUN}-{i}", Path=f"/pg-{RUN}/", PolicyDocument=json.dumps(POLICY))
    pages = list(iam.get_paginator("list_policies").paginate(
        Scope="Local", PathPrefix=f"/pg-{RUN}/", PaginationConfig={"PageSize": 2}))
    expect_eq(len(pages), 2, "two pages")
    names = sorted(p["PolicyName"] for page in pages for p in page["Policies"])
    expect_eq(names, [f"pg-{RUN}-{i}" for i in range(3)], "every policy once")
    unattached = iam.list_policies(Scope="Local", OnlyAttached=True, PathPrefix=f"/pg-{RUN}/")["Policies"]
    expect_eq(unattached, [], "OnlyAttached leaves out unattached policies")


def check_delete_conflicts_for_attached_policies():
    expect_error("DeleteConflict", 409, iam.delete_policy, PolicyArn=S["policy_arn"])
    expect_error("DeleteConflict", 409, iam.delete_role, RoleName=ROLE)
    iam.detach_role_policy(RoleName=ROLE, PolicyArn=S["policy_arn"])
    iam.detach_role_policy(RoleName=ROLE, PolicyArn=EXEC_POLICY)
    expect_eq(iam.list_attached_role_policies(RoleName=ROLE)["AttachedPolicies"], [], "nothing attached")
    expect_error("NoSuchEntity", 404, iam.detach_role_policy, RoleName=ROLE, PolicyArn=EXEC_POLICY)
    iam.delete_policy(PolicyArn=S["policy_arn"])
    expect_error("NoSuchEntity", 404, iam.get_policy, PolicyArn=S["policy_arn"])


# --- instance profiles ----------------------------------------------------------------------------

def check_instance_profiles():
    name = f"prof-{RUN}"
    p = iam.create_instance_profile(InstanceProfileName=name)["InstanceProfile"]
    expect_eq(p["Arn"], f"arn:aws:iam::{S['account']}:instance-profile/{name}", "profile Arn")
    expect(re.fullmatch(r"AIPA[A-Z0-9]{17}", p["InstanceProfileId"]), "AIPA id", p["InstanceProfileId"])
    expect_eq(p["Roles"], [], "no roles yet")
    expect_error("EntityAlreadyExists", 409, iam.create_instance_profile, InstanceProfileName=name)
    iam.add_role_to_instance_profile(InstanceProfileName=name, RoleName=ROLE)
    roles = iam.get_instance_profile(InstanceProfileName=name)["InstanceProfile"]["Roles"]
    expect_eq([r["RoleName"] for r in roles], [ROLE], "the profile's role")
    expect_error("LimitExceeded", 409, iam.add_role_to_instance_profile, InstanceProfileName=name,
                 RoleName=f"svc-{RUN}")
    for_role = iam.list_instance_profiles_for_role(RoleName=ROLE)["InstanceProfiles"]
    expect_eq([p["InstanceProfileName"] for p in for_role], [name], "ListInstanceProfilesForRole")
    expect(name in [p["InstanceProfileName"] for p in iam.list_instance_profiles()["InstanceProfiles"]],
           "ListInstanceProfiles")
    expect_error("NoSuchEntity", 404, iam.get_instance_profile, InstanceProfileName=f"nope-{RUN}")


def check_instance_profile_delete_conflicts():
    name = f"prof-{RUN}"
    expect_error("DeleteConflict", 409, iam.delete_role, RoleName=ROLE)
    expect_error("DeleteConflict", 409, iam.delete_instance_profile, InstanceProfileName=name)
    iam.remove_role_from_instance_profile(InstanceProfileName=name, RoleName=ROLE)
    expect_eq(iam.list_instance_profiles_for_role(RoleName=ROLE)["InstanceProfiles"], [], "removed")
    iam.delete_instance_profile(InstanceProfileName=name)
    expect_error("NoSuchEntity", 404, iam.get_instance_profile, InstanceProfileName=name)


# --- STS: assuming a role -------------------------------------------------------------------------

def check_assume_role_credentials():
    out = sts.assume_role(RoleArn=S["role_arn"], RoleSessionName="sess-1", DurationSeconds=900)
    creds, user = out["Credentials"], out["AssumedRoleUser"]
    expect(re.fullmatch(r"ASIA[A-Z0-9]{16}", creds["AccessKeyId"]), "ASIA key", creds["AccessKeyId"])
    expect_eq(len(creds["SecretAccessKey"]), 40, "secret length")
    expect(creds["SessionToken"], "a session token")
    left = creds["Expiration"] - datetime.datetime.now(datetime.timezone.utc)
    expect(0 < left.total_seconds() <= 905, "expires in about 900 s", left)
    expect_eq(user["Arn"], f"arn:aws:sts::{S['account']}:assumed-role/{ROLE}/sess-1", "assumed-role Arn")
    role_id = iam.get_role(RoleName=ROLE)["Role"]["RoleId"]
    expect_eq(user["AssumedRoleId"], f"{role_id}:sess-1", "AssumedRoleId")
    S["creds"] = creds


def check_assume_role_ranges():
    expect_error("ValidationError", 400, sts.assume_role, RoleArn=S["role_arn"], RoleSessionName="s1",
                 DurationSeconds=7200)  # the role allows 3600
    svc = iam.get_role(RoleName=f"svc-{RUN}")["Role"]["Arn"]
    sts.assume_role(RoleArn=svc, RoleSessionName="s1", DurationSeconds=7200)
    expect_error("ValidationError", 400, raw_sts.assume_role, RoleArn=S["role_arn"], RoleSessionName="x")
    expect_error("ValidationError", 400, raw_sts.assume_role, RoleArn=S["role_arn"], RoleSessionName="s1",
                 DurationSeconds=899)
    expect_error("ValidationError", 400, sts.assume_role, RoleArn=S["role_arn"], RoleSessionName="bad name")
    expect_error("ValidationError", 400, sts.assume_role,
                 RoleArn=f"arn:aws:iam::{S['account']}:user/bob", RoleSessionName="s1")


def check_assume_role_of_a_role_iam_does_not_know():
    arn = f"arn:aws:iam::{S['account']}:role/unknown-{RUN}"
    user = sts.assume_role(RoleArn=arn, RoleSessionName="s2")["AssumedRoleUser"]
    expect_eq(user["Arn"], f"arn:aws:sts::{S['account']}:assumed-role/unknown-{RUN}/s2", "Arn")


def check_caller_identity_with_assumed_credentials():
    creds = S["creds"]
    assumed = boto3.client("sts", endpoint_url=ENDPOINT, region_name=REGION, config=CONFIG,
                           aws_access_key_id=creds["AccessKeyId"],
                           aws_secret_access_key=creds["SecretAccessKey"],
                           aws_session_token=creds["SessionToken"])
    who = assumed.get_caller_identity()
    expect_eq(who["Arn"], f"arn:aws:sts::{S['account']}:assumed-role/{ROLE}/sess-1", "Arn")
    expect_eq(who["Account"], S["account"], "same account")
    expect(who["UserId"].startswith("AROA") and who["UserId"].endswith(":sess-1"), "UserId", who["UserId"])
    # The issued keys act in the same account: IAM answers the same roles.
    assumed_iam = boto3.client("iam", endpoint_url=ENDPOINT, region_name=REGION, config=CONFIG,
                               aws_access_key_id=creds["AccessKeyId"],
                               aws_secret_access_key=creds["SecretAccessKey"],
                               aws_session_token=creds["SessionToken"])
    expect_eq(assumed_iam.get_role(RoleName=ROLE)["Role"]["Arn"], S["role_arn"], "same account's role")


def check_unbuilt_operations_answer_invalid_action():
    expect_error("InvalidAction", 400, iam.create_user, UserName=f"u-{RUN}")
    expect_error("InvalidAction", 400, sts.get_session_token)


def check_ecs_refuses_a_role_that_does_not_trust_ecs_tasks():
    ecs = boto3.client("ecs", endpoint_url=ENDPOINT, region_name=REGION, config=CONFIG)
    ec2_trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                         "Principal": {"Service": "ec2.amazonaws.com"}}]}
    wrong = iam.create_role(RoleName=f"ec2only-{RUN}", AssumeRolePolicyDocument=json.dumps(ec2_trust))["Role"]["Arn"]
    right = iam.get_role(RoleName=ROLE)["Role"]["Arn"]
    cluster = f"iam-{RUN}"
    ecs.create_cluster(clusterName=cluster)
    subnet = boto3.client("ec2", endpoint_url=ENDPOINT, region_name=REGION).describe_subnets()["Subnets"][0]["SubnetId"]

    def run(role):
        td = ecs.register_task_definition(
            family=f"iam-{RUN}", taskRoleArn=role, networkMode="awsvpc", requiresCompatibilities=["FARGATE"],
            cpu="256", memory="512", containerDefinitions=[{"name": "app", "image": "busybox", "essential": True}],
        )["taskDefinition"]["taskDefinitionArn"]
        return ecs.run_task(cluster=cluster, taskDefinition=td, launchType="FARGATE", networkConfiguration={
            "awsvpcConfiguration": {"subnets": [subnet]}})
    message = expect_error("ClientException", 400, run, wrong)
    expect_eq(message, f"ECS was unable to assume the role '{wrong}' that was provided for this task. Please verify "
              "that the role being passed has the proper trust relationship and permissions and that your IAM user "
              "has permissions to pass this role.", "message")
    tasks = run(right)["tasks"]
    expect_eq(len(tasks), 1, "a role that trusts ecs-tasks.amazonaws.com runs")
    ecs.stop_task(cluster=cluster, task=tasks[0]["taskArn"])
    unknown = run(f"arn:aws:iam::{S['account']}:role/unknown-{RUN}")["tasks"]
    expect_eq(len(unknown), 1, "a role IAM does not know is not checked (nothing is enforced)")
    ecs.stop_task(cluster=cluster, task=unknown[0]["taskArn"])
    td = ecs.register_task_definition(
        family=f"iam-svc-{RUN}", taskRoleArn=wrong, networkMode="awsvpc", requiresCompatibilities=["FARGATE"],
        cpu="256", memory="512", containerDefinitions=[{"name": "app", "image": "busybox", "essential": True}],
    )["taskDefinition"]["taskDefinitionArn"]
    ecs.create_service(cluster=cluster, serviceName="svc", taskDefinition=td, desiredCount=1, launchType="FARGATE",
                       networkConfiguration={"awsvpcConfiguration": {"subnets": [subnet]}})
    wanted = f"(service svc) failed to launch a task with (error {message})."
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        events = [e["message"] for e in ecs.describe_services(cluster=cluster, services=["svc"])["services"][0]["events"]]
        if wanted in events:
            break
        time.sleep(0.2)
    expect(wanted in events, "the service's event", events[:3])
    expect_eq(ecs.list_tasks(cluster=cluster, serviceName="svc")["taskArns"], [], "no task started")
    ecs.delete_service(cluster=cluster, service="svc", force=True)
    iam.delete_role(RoleName=f"ec2only-{RUN}")


# --- clean up -------------------------------------------------------------------------------------

def check_delete_roles():
    iam.delete_role(RoleName=ROLE)
    expect_error("NoSuchEntity", 404, iam.get_role, RoleName=ROLE)
    expect_error("NoSuchEntity", 404, iam.delete_role, RoleName=ROLE)
    iam.delete_role(RoleName=f"svc-{RUN}")
    for i in range(3):
        iam.delete_role(RoleName=f"page-{RUN}-{i}")
        iam.delete_policy(PolicyArn=f"arn:aws:iam::{S['account']}:policy/pg-{RUN}/pg-{RUN}-{i}")
    expect_eq(iam.list_roles(PathPrefix=f"/page-{RUN}/")["Roles"], [], "roles gone")


if __name__ == "__main__":
    sys.exit(run_checks(dict(globals())))
