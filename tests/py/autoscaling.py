#!/usr/bin/env python3
"""EC2 Auto Scaling through boto3, against $AWS_ENDPOINT_URL.

Covers the API without instances (defaults of a created group, AlreadyExists, size and
launch-source validation in AWS's words, UpdateAutoScalingGroup moving the desired capacity
with its bounds, tags and their filters, paging, deletion, unbuilt operations) and groups with
instances of the emulated EC2: a launch template, a group whose instances reach
`running` (ec2 waiter) and InService, SetDesiredCapacity scaling out and in, scale-in
protection honoured, DeleteAutoScalingGroup refused with instances and forced, the scaling
activities recorded, and an ECS capacity provider's managed scaling launching a protected
instance that registers in its cluster. A launch EC2 refuses is a Failed activity.

Expectations follow the Amazon EC2 Auto Scaling API reference
(https://docs.aws.amazon.com/autoscaling/ec2/APIReference/). Checks run in order; the run ends
with `N passed, N failed`.

  AWS_ENDPOINT_URL=http://127.0.0.1:4566 AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test \\
  AWS_DEFAULT_REGION=us-east-1 python3 tests/py/autoscaling.py
"""

import datetime
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))

import boto3  # noqa: E402
from botocore.config import Config  # noqa: E402
from botocore.exceptions import ClientError  # noqa: E402
from smoke_support import ENDPOINT, REGION, RUN, CheckFailed, expect, expect_eq, run_checks  # noqa: E402

CONFIG = Config(retries={"max_attempts": 1})
asg = boto3.client("autoscaling", endpoint_url=ENDPOINT, region_name=REGION, config=CONFIG)
ec2 = boto3.client("ec2", endpoint_url=ENDPOINT, region_name=REGION, config=CONFIG)
GROUP = f"asg-{RUN}"
TEMPLATE = f"lt-{RUN}"
ZONES = [f"{REGION}a"]


def error_of(call, **kwargs):
    try:
        call(**kwargs)
    except ClientError as e:
        return e.response["Error"]["Code"], e.response["Error"]["Message"], e.response["ResponseMetadata"]["HTTPStatusCode"]
    raise CheckFailed(f"{call.__name__} succeeded, an error was expected")


def describe(name=GROUP):
    groups = asg.describe_auto_scaling_groups(AutoScalingGroupNames=[name])["AutoScalingGroups"]
    return groups[0] if groups else None


def wait_for(what, predicate, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.5)
    raise CheckFailed(f"timed out waiting for {what}")


def template_args():
    return {"LaunchTemplate": {"LaunchTemplateName": TEMPLATE}}


def setup():
    ec2.create_launch_template(
        LaunchTemplateName=TEMPLATE,
        LaunchTemplateData={"ImageId": "ami-12345678", "InstanceType": "t3.micro"},
    )


def check_create_shows_aws_defaults():
    asg.create_auto_scaling_group(
        AutoScalingGroupName=GROUP, MinSize=0, MaxSize=3, AvailabilityZones=ZONES,
        Tags=[{"Key": "team", "Value": "web", "PropagateAtLaunch": True},
              {"Key": "cost", "Value": "x", "PropagateAtLaunch": False}],
        **template_args())
    g = describe()
    expect_eq(g["DesiredCapacity"], 0, "DesiredCapacity defaults to MinSize")
    expect_eq((g["MinSize"], g["MaxSize"]), (0, 3), "bounds")
    expect(g["AutoScalingGroupARN"].startswith("arn:aws:autoscaling:") and
           g["AutoScalingGroupARN"].endswith(f":autoScalingGroupName/{GROUP}"), "ARN", g["AutoScalingGroupARN"])
    expect_eq(g["LaunchTemplate"], {"LaunchTemplateName": TEMPLATE, "Version": "$Default"}, "LaunchTemplate")
    expect_eq((g["HealthCheckType"], g["DefaultCooldown"]), ("EC2", 300), "health check type and cooldown")
    expect_eq(g["TerminationPolicies"], ["Default"], "TerminationPolicies")
    expect_eq(g["AvailabilityZones"], ZONES, "AvailabilityZones")
    expect_eq(g["Instances"], [], "no instances")
    expect_eq(g["NewInstancesProtectedFromScaleIn"], False, "NewInstancesProtectedFromScaleIn")
    expect(isinstance(g["CreatedTime"], datetime.datetime), "CreatedTime is a timestamp", g["CreatedTime"])
    tags = {t["Key"]: (t["Value"], t["PropagateAtLaunch"], t["ResourceType"]) for t in g["Tags"]}
    expect_eq(tags["team"], ("web", True, "auto-scaling-group"), "tag")


def check_a_second_group_of_that_name_already_exists():
    code, msg, status = error_of(asg.create_auto_scaling_group, AutoScalingGroupName=GROUP, MinSize=0,
                                 MaxSize=1, AvailabilityZones=ZONES, **template_args())
    expect_eq((code, status), ("AlreadyExists", 400), "duplicate")
    expect_eq(msg, f"AutoScalingGroup by this name already exists - A group with the name {GROUP} already exists", "message")


def check_sizes_and_sources_are_validated():
    base = {"AutoScalingGroupName": f"bad-{RUN}", "AvailabilityZones": ZONES, **template_args()}
    code, msg, _ = error_of(asg.create_auto_scaling_group, MinSize=3, MaxSize=1, **base)
    expect_eq((code, msg), ("ValidationError", "Max bound, 1, must be greater than or equal to min bound, 3"), "min > max")
    code, msg, _ = error_of(asg.create_auto_scaling_group, MinSize=0, MaxSize=1, DesiredCapacity=2, **base)
    expect_eq(msg, "Desired capacity:2 must be between the specified min size:0 and max size:1", "desired out of range")
    code, msg, _ = error_of(asg.create_auto_scaling_group, AutoScalingGroupName=f"bad-{RUN}", MinSize=0,
                            MaxSize=1, AvailabilityZones=ZONES)
    expect(msg.startswith("Valid requests must contain either LaunchTemplate"), "no launch source", msg)
    code, msg, _ = error_of(asg.create_auto_scaling_group, AutoScalingGroupName=f"bad-{RUN}", MinSize=0,
                            MaxSize=1, **template_args())
    expect_eq(msg, "At least one Availability Zone or VPC Subnet is required.", "no zone")
    code, msg, _ = error_of(asg.create_auto_scaling_group, MinSize=0, MaxSize=1, AutoScalingGroupName=f"bad-{RUN}",
                            AvailabilityZones=ZONES, LaunchTemplate={"LaunchTemplateName": "nope"})
    expect_eq(msg, "You must use a valid fully-formed launch template. The specified launch template, with template name nope, does not exist.", "missing template")


def check_set_desired_capacity_stays_within_bounds():
    code, msg, _ = error_of(asg.set_desired_capacity, AutoScalingGroupName=GROUP, DesiredCapacity=4)
    expect_eq((code, msg), ("ValidationError", "New SetDesiredCapacity value 4 is above max value 3 for the AutoScalingGroup."), "above max")
    asg.update_auto_scaling_group(AutoScalingGroupName=GROUP, MinSize=1)
    expect_eq(describe()["DesiredCapacity"], 1, "a raised MinSize raises the desired capacity")
    code, msg, _ = error_of(asg.set_desired_capacity, AutoScalingGroupName=GROUP, DesiredCapacity=0)
    expect_eq(msg, "New SetDesiredCapacity value 0 is below min value 1 for the AutoScalingGroup.", "below min")
    code, msg, _ = error_of(asg.set_desired_capacity, AutoScalingGroupName="nope", DesiredCapacity=0)
    expect(code == "ValidationError" and msg.startswith("AutoScalingGroup name not found"), "unknown group", msg)
    asg.update_auto_scaling_group(AutoScalingGroupName=GROUP, MinSize=0)
    expect_eq(describe()["DesiredCapacity"], 1, "a lowered MinSize leaves the desired capacity")


def check_a_failed_launch_is_a_failed_activity():
    name, template = f"fail-{RUN}", f"badlt-{RUN}"
    ec2.create_launch_template(LaunchTemplateName=template,
                               LaunchTemplateData={"ImageId": "ami-12345678", "InstanceType": "x9.nosuch"})
    asg.create_auto_scaling_group(AutoScalingGroupName=name, MinSize=1, MaxSize=1, AvailabilityZones=ZONES,
                                  LaunchTemplate={"LaunchTemplateName": template})
    acts = wait_for("a failed launch", lambda: asg.describe_scaling_activities(AutoScalingGroupName=name)["Activities"])
    expect_eq(acts[0]["StatusCode"], "Failed", "activity status")
    expect(acts[0]["Description"].startswith("Launching a new EC2 instance.  Status Reason: "), "description", acts[0]["Description"])
    expect("a user request created an AutoScalingGroup changing the desired capacity from 0 to 1" in acts[0]["Cause"], "cause", acts[0]["Cause"])
    expect_eq(describe(name)["Instances"], [], "no member")
    asg.delete_auto_scaling_group(AutoScalingGroupName=name)
    asg.set_desired_capacity(AutoScalingGroupName=GROUP, DesiredCapacity=0)


def check_tags_are_created_filtered_and_deleted():
    other = f"other-{RUN}"
    asg.create_auto_scaling_group(AutoScalingGroupName=other, MinSize=0, MaxSize=1, AvailabilityZones=ZONES, **template_args())
    asg.create_or_update_tags(Tags=[{"ResourceId": other, "ResourceType": "auto-scaling-group", "Key": "team",
                                     "Value": "db", "PropagateAtLaunch": False}])
    tags = asg.describe_tags(Filters=[{"Name": "key", "Values": ["team"]}])["Tags"]
    expect_eq(sorted((t["ResourceId"], t["Value"]) for t in tags), sorted([(GROUP, "web"), (other, "db")]), "by key")
    named = asg.describe_auto_scaling_groups(Filters=[{"Name": "tag:team", "Values": ["db"]}])["AutoScalingGroups"]
    expect_eq([g["AutoScalingGroupName"] for g in named], [other], "groups by tag:team")
    asg.delete_tags(Tags=[{"ResourceId": other, "ResourceType": "auto-scaling-group", "Key": "team"}])
    tags = asg.describe_tags(Filters=[{"Name": "auto-scaling-group", "Values": [other]}])["Tags"]
    expect_eq(tags, [], "tags after DeleteTags")
    page = asg.describe_auto_scaling_groups(MaxRecords=1)
    expect("NextToken" in page and len(page["AutoScalingGroups"]) == 1, "a first page", page)
    rest = asg.describe_auto_scaling_groups(MaxRecords=1, NextToken=page["NextToken"])
    expect_eq(len(rest["AutoScalingGroups"]), 1, "the second page")
    code, _, _ = error_of(asg.describe_auto_scaling_groups, NextToken="forged")
    expect_eq(code, "InvalidNextToken", "forged token")
    asg.delete_auto_scaling_group(AutoScalingGroupName=other)
    expect_eq(describe(other), None, "an empty group is deleted at once")
    code, msg, _ = error_of(asg.delete_auto_scaling_group, AutoScalingGroupName=other)
    expect_eq(code, "ValidationError", "deleting a missing group")


def check_unbuilt_operations_and_unknown_instances_answer_errors():
    code, _, status = error_of(asg.put_scaling_policy, AutoScalingGroupName=GROUP, PolicyName="p",
                               PolicyType="TargetTrackingScaling",
                               TargetTrackingConfiguration={"TargetValue": 50.0, "PredefinedMetricSpecification": {"PredefinedMetricType": "ASGAverageCPUUtilization"}})
    expect_eq((code, status), ("InvalidAction", 400), "PutScalingPolicy")
    code, msg, _ = error_of(asg.terminate_instance_in_auto_scaling_group, InstanceId="i-0123456789abcdef0",
                            ShouldDecrementDesiredCapacity=False)
    expect_eq(msg, "Instance Id not found - No managed instance found for instance ID: i-0123456789abcdef0", "unknown instance")


def members():
    return describe()["Instances"]


def in_service(count):
    def ready():
        m = members()
        return m if len(m) == count and all(i["LifecycleState"] == "InService" for i in m) else None
    return wait_for(f"{count} InService", ready)


def check_instances_run_and_scale_out():
    subnets = ec2.describe_subnets(Filters=[{"Name": "default-for-az", "Values": ["true"]},
                                            {"Name": "availability-zone", "Values": [f"{REGION}a", f"{REGION}b"]}])["Subnets"]
    expect_eq(len(subnets), 2, "two default subnets")
    asg.update_auto_scaling_group(AutoScalingGroupName=GROUP,
                                  VPCZoneIdentifier=",".join(s["SubnetId"] for s in subnets))
    expect_eq(sorted(describe()["AvailabilityZones"]), [f"{REGION}a", f"{REGION}b"], "zones from the subnets")
    asg.set_desired_capacity(AutoScalingGroupName=GROUP, DesiredCapacity=2)
    ids = [i["InstanceId"] for i in wait_for("two members", lambda: len(members()) == 2 and members())]
    ec2.get_waiter("instance_running").wait(InstanceIds=ids, WaiterConfig={"Delay": 1, "MaxAttempts": 60})
    zones = sorted(i["AvailabilityZone"] for i in in_service(2))
    expect_eq(len(set(zones)), 2, "instances spread over the zones")
    found = ec2.describe_instances(InstanceIds=ids)["Reservations"]
    tags = {t["Key"]: t["Value"] for r in found for i in r["Instances"] for t in i.get("Tags", [])}
    expect_eq(tags.get("aws:autoscaling:groupName"), GROUP, "the group's tag on its instances")
    expect_eq(tags.get("team"), "web", "a PropagateAtLaunch tag")
    expect("cost" not in tags, "a tag not propagated", tags)


def check_scale_in_honours_protection():
    ids = [i["InstanceId"] for i in members()]
    asg.set_instance_protection(AutoScalingGroupName=GROUP, InstanceIds=[ids[0]], ProtectedFromScaleIn=True)
    asg.set_desired_capacity(AutoScalingGroupName=GROUP, DesiredCapacity=0)
    left = wait_for("scale-in", lambda: [i["InstanceId"] for i in members()] == [ids[0]] and members())
    expect_eq(left[0]["ProtectedFromScaleIn"], True, "the protected instance stays")
    ec2.get_waiter("instance_terminated").wait(InstanceIds=[ids[1]], WaiterConfig={"Delay": 1, "MaxAttempts": 60})
    acts = asg.describe_scaling_activities(AutoScalingGroupName=GROUP)["Activities"]
    expect_eq(acts[0]["Description"], f"Terminating EC2 instance: {ids[1]}", "newest activity")
    expect(any(a["Description"] == f"Launching a new EC2 instance: {ids[0]}" for a in acts), "a launch activity", acts)


def check_delete_needs_force_while_instances_remain():
    code, msg, _ = error_of(asg.delete_auto_scaling_group, AutoScalingGroupName=GROUP)
    expect_eq((code, msg), ("ResourceInUse", "You cannot delete an AutoScalingGroup while there are instances or pending Spot instance request(s) still in the group."), "delete with instances")
    asg.delete_auto_scaling_group(AutoScalingGroupName=GROUP, ForceDelete=True)
    g = describe()
    expect(g is None or g.get("Status") == "Delete in progress", "status while deleting", g)
    wait_for("the group to go", lambda: describe() is None)


def check_ecs_managed_scaling_drives_a_group():
    import base64
    ecs = boto3.client("ecs", endpoint_url=ENDPOINT, region_name=REGION, config=CONFIG)
    cluster, group, template = f"cp-{RUN}", f"cpg-{RUN}", f"cplt-{RUN}"
    user_data = base64.b64encode(f"#!/bin/bash\necho ECS_CLUSTER={cluster} >> /etc/ecs/ecs.config\n".encode()).decode()
    ec2.create_launch_template(LaunchTemplateName=template, LaunchTemplateData={
        "ImageId": "ami-12345678", "InstanceType": "t3.micro", "UserData": user_data})
    asg.create_auto_scaling_group(AutoScalingGroupName=group, MinSize=0, MaxSize=3, AvailabilityZones=ZONES,
                                  LaunchTemplate={"LaunchTemplateName": template},
                                  NewInstancesProtectedFromScaleIn=True)
    arn = describe(group)["AutoScalingGroupARN"]
    ecs.create_capacity_provider(name=f"cp-{RUN}", autoScalingGroupProvider={
        "autoScalingGroupArn": arn, "managedScaling": {"status": "ENABLED", "targetCapacity": 100},
        "managedTerminationProtection": "ENABLED"})
    strategy = [{"capacityProvider": f"cp-{RUN}", "weight": 1}]
    ecs.create_cluster(clusterName=cluster, capacityProviders=[f"cp-{RUN}"], defaultCapacityProviderStrategy=strategy)
    ecs.register_task_definition(family=f"cpf-{RUN}", requiresCompatibilities=["EC2"],
                                 containerDefinitions=[{"name": "c", "image": "local-ecs-test:latest", "memory": 128}])
    ecs.create_service(cluster=cluster, serviceName="s", taskDefinition=f"cpf-{RUN}", desiredCount=1,
                       capacityProviderStrategy=strategy)

    def registered():
        g = describe(group)
        done = g["Instances"] and all(i["LifecycleState"] == "InService" for i in g["Instances"])
        return done and ecs.list_container_instances(cluster=cluster)["containerInstanceArns"] and g
    g = wait_for("a managed instance registered in the cluster", registered)
    expect(g["DesiredCapacity"] >= 1, "managed scaling raised the desired capacity", g["DesiredCapacity"])
    expect(all(i["ProtectedFromScaleIn"] for i in g["Instances"]), "new instances protected", g["Instances"])
    ecs.update_service(cluster=cluster, service="s", desiredCount=0)
    ecs.delete_service(cluster=cluster, service="s", force=True)
    asg.delete_auto_scaling_group(AutoScalingGroupName=group, ForceDelete=True)


def teardown():
    for name in (GROUP, f"other-{RUN}", f"bad-{RUN}"):
        try:
            asg.delete_auto_scaling_group(AutoScalingGroupName=name, ForceDelete=True)
        except ClientError:
            pass


if __name__ == "__main__":
    sys.exit(run_checks(globals(), setup=setup, teardown=teardown))
