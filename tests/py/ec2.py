#!/usr/bin/env python3
"""Smoke tests of local-ecs' EC2 with boto3, against $AWS_ENDPOINT_URL.

Covers: the default VPC, subnets and `default` group (present, deterministic ids), availability
zones; RunInstances with user data and tags and the `instance_running` waiter; DescribeInstances
with each filter and its paginator; instance types' vCPUs and memory; stop/start with the
`instance_stopped` waiter; terminate with `instance_terminated`; launch templates with versions
and RunInstances from a template; VPC, subnet and security group create/delete with their
conflict errors; tags; error codes and statuses for bad ids, a malformed AMI id and DryRun.

Expectations follow the Amazon EC2 API reference
(https://docs.aws.amazon.com/AWSEC2/latest/APIReference/), not local-ecs' current behaviour.
Every check is a function named check_*; the run ends with `N passed, N failed`.

  AWS_ENDPOINT_URL=http://127.0.0.1:4566 AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test \
  AWS_DEFAULT_REGION=us-east-1 python3 tests/py/ec2.py
"""

import base64
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))

import boto3  # noqa: E402
from botocore.config import Config  # noqa: E402
from botocore.exceptions import ClientError  # noqa: E402
from smoke_support import ENDPOINT, REGION, RUN, CheckFailed, expect, expect_eq, run_checks  # noqa: E402

AMI = "ami-0123456789abcdef0"
FAST = {"Delay": 1, "MaxAttempts": 30}
ID17 = re.compile(r"^(vpc|subnet|sg)-[0-9a-f]{17}$")


def client():
    return boto3.client("ec2", endpoint_url=ENDPOINT, region_name=REGION,
                        config=Config(retries={"max_attempts": 1}))


EC2 = client()
LAUNCHED = []


def expect_error(call, code, status=400, **kwargs):
    try:
        call(**kwargs)
    except ClientError as e:
        expect_eq(e.response["Error"]["Code"], code, "error code")
        expect_eq(e.response["ResponseMetadata"]["HTTPStatusCode"], status, "HTTP status")
        return e.response["Error"]["Message"]
    raise CheckFailed(f"expected {code}, the call succeeded")


def run(**kwargs):
    args = {"ImageId": AMI, "MinCount": 1, "MaxCount": 1, "InstanceType": "t3.micro"}
    args.update(kwargs)
    args = {k: v for k, v in args.items() if v is not None}
    ids = [i["InstanceId"] for i in EC2.run_instances(**args)["Instances"]]
    LAUNCHED.extend(ids)
    return ids


def instance(iid):
    return EC2.describe_instances(InstanceIds=[iid])["Reservations"][0]["Instances"][0]


def default_vpc():
    vpcs = EC2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"]
    expect_eq(len(vpcs), 1, "default VPCs")
    return vpcs[0]


def check_default_network():
    vpc = default_vpc()
    expect_eq(vpc["CidrBlock"], "172.31.0.0/16", "default VPC block")
    expect(ID17.match(vpc["VpcId"]), "vpc id form", vpc["VpcId"])
    subnets = EC2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc["VpcId"]]},
                                            {"Name": "default-for-az", "Values": ["true"]}])["Subnets"]
    zones = EC2.describe_availability_zones()["AvailabilityZones"]
    expect_eq(len(subnets), len(zones), "one default subnet per zone")
    by_zone = {s["AvailabilityZone"]: s for s in subnets}
    first = by_zone[f"{REGION}a"]
    expect_eq(first["CidrBlock"], "172.31.0.0/20", "first default subnet")
    expect_eq(by_zone[f"{REGION}b"]["CidrBlock"], "172.31.16.0/20", "second default subnet")
    expect(first["MapPublicIpOnLaunch"] and first["DefaultForAz"], "default subnet flags", first)
    groups = EC2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc["VpcId"]]},
                                                   {"Name": "group-name", "Values": ["default"]}])
    expect_eq(len(groups["SecurityGroups"]), 1, "default group")
    # Deterministic: the same ids from a fresh client, and by name in the default VPC.
    again = client().describe_security_groups(GroupNames=["default"])["SecurityGroups"][0]
    expect_eq(again["GroupId"], groups["SecurityGroups"][0]["GroupId"], "default group id")


def check_availability_zones():
    zones = EC2.describe_availability_zones(ZoneNames=[f"{REGION}a"])["AvailabilityZones"]
    expect_eq(zones[0]["State"], "available", "zone state")
    expect_eq(zones[0]["RegionName"], REGION, "zone region")
    expect(re.match(r"^[a-z]+[0-9]-az1$", zones[0]["ZoneId"]), "zone id form", zones[0]["ZoneId"])
    expect_error(EC2.describe_availability_zones, "InvalidParameterValue", ZoneNames=[f"{REGION}z"])


def check_run_with_user_data_and_tags():
    ids = run(MinCount=2, MaxCount=2, UserData="#!/bin/bash\necho ECS_CLUSTER=x",
              TagSpecifications=[{"ResourceType": "instance",
                                  "Tags": [{"Key": "Name", "Value": f"web-{RUN}"}]}])
    expect_eq(len(ids), 2, "launched")
    EC2.get_waiter("instance_running").wait(InstanceIds=ids, WaiterConfig=FAST)
    i = instance(ids[0])
    expect_eq(i["State"], {"Code": 16, "Name": "running"}, "state")
    expect_eq(i["Tags"], [{"Key": "Name", "Value": f"web-{RUN}"}], "tags")
    expect(i["PrivateIpAddress"].startswith("172.31."), "private IP in the default VPC", i["PrivateIpAddress"])
    dns = "ip-" + i["PrivateIpAddress"].replace(".", "-")
    expect(i["PrivateDnsName"].startswith(dns), "private DNS name", i["PrivateDnsName"])
    expect_eq(i["Architecture"], "x86_64", "architecture")
    attr_ok = i["Placement"]["AvailabilityZone"].startswith(REGION)
    expect(attr_ok, "placement", i["Placement"])


def check_describe_filters_and_paginator():
    ids = run(MinCount=6, MaxCount=6, InstanceType="t3.small",
              TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "batch", "Value": RUN}]}])
    mine = [{"Name": "tag:batch", "Values": [RUN]}]

    def found(*filters):
        res = EC2.describe_instances(Filters=mine + list(filters))["Reservations"]
        return sorted(i["InstanceId"] for r in res for i in r["Instances"])

    expect_eq(found(), sorted(ids), "tag:KEY")
    expect_eq(found({"Name": "instance-id", "Values": [ids[0]]}), [ids[0]], "instance-id")
    expect_eq(found({"Name": "instance-type", "Values": ["t3.small"]}), sorted(ids), "instance-type")
    expect_eq(found({"Name": "instance-type", "Values": ["m5.large"]}), [], "instance-type miss")
    expect_eq(found({"Name": "tag-key", "Values": ["batch"]}), sorted(ids), "tag-key")
    expect_eq(found({"Name": "image-id", "Values": [AMI]}), sorted(ids), "image-id")
    expect_eq(found({"Name": "instance-state-name", "Values": ["pending", "running"]}), sorted(ids),
              "instance-state-name")
    i = instance(ids[0])
    expect_eq(found({"Name": "subnet-id", "Values": [i["SubnetId"]]}), sorted(ids), "subnet-id")
    expect_eq(found({"Name": "vpc-id", "Values": [i["VpcId"]]}), sorted(ids), "vpc-id")
    expect_eq(found({"Name": "availability-zone", "Values": [i["Placement"]["AvailabilityZone"]]}),
              sorted(ids), "availability-zone")
    res = EC2.describe_instances(Filters=mine)["Reservations"]
    expect_eq(len(res), 1, "one reservation for one launch")
    pages = list(EC2.get_paginator("describe_instances").paginate(
        Filters=mine, PaginationConfig={"PageSize": 5}))
    seen = sorted(i["InstanceId"] for p in pages for r in p["Reservations"] for i in r["Instances"])
    expect_eq(seen, sorted(ids), "paginator")
    expect_eq(len(pages), 2, "pages of five for six instances")
    expect_error(EC2.describe_instances, "InvalidParameterValue",
                 Filters=[{"Name": "colour", "Values": ["red"]}])


def check_instance_types():
    types = {t["InstanceType"]: t for t in EC2.describe_instance_types(
        InstanceTypes=["t3.micro", "m5.large", "c6g.xlarge", "r6i.2xlarge"])["InstanceTypes"]}
    expect_eq(types["t3.micro"]["VCpuInfo"]["DefaultVCpus"], 2, "t3.micro vCPUs")
    expect_eq(types["t3.micro"]["MemoryInfo"]["SizeInMiB"], 1024, "t3.micro memory")
    expect_eq(types["m5.large"]["MemoryInfo"]["SizeInMiB"], 8192, "m5.large memory")
    expect_eq(types["c6g.xlarge"]["ProcessorInfo"]["SupportedArchitectures"], ["arm64"], "c6g arch")
    expect_eq(types["r6i.2xlarge"]["VCpuInfo"]["DefaultVCpus"], 8, "r6i.2xlarge vCPUs")
    expect_eq(types["r6i.2xlarge"]["MemoryInfo"]["SizeInMiB"], 65536, "r6i.2xlarge memory")
    arm = EC2.describe_instance_types(Filters=[
        {"Name": "processor-info.supported-architecture", "Values": ["arm64"]},
        {"Name": "vcpu-info.default-vcpus", "Values": ["64"]}])["InstanceTypes"]
    expect(arm and all(t["InstanceType"].split(".")[0][-1] == "g" for t in arm), "arm64 filter", arm)
    expect_error(EC2.describe_instance_types, "InvalidParameterValue", InstanceTypes=["t9.huge"])


def check_stop_start_terminate():
    [iid] = run()
    EC2.get_waiter("instance_running").wait(InstanceIds=[iid], WaiterConfig=FAST)
    stop = EC2.stop_instances(InstanceIds=[iid])["StoppingInstances"][0]
    expect_eq((stop["PreviousState"]["Name"], stop["CurrentState"]["Name"]), ("running", "stopping"),
              "stop answer")
    EC2.get_waiter("instance_stopped").wait(InstanceIds=[iid], WaiterConfig=FAST)
    i = instance(iid)
    expect_eq(i["StateReason"]["Code"], "Client.UserInitiatedShutdown", "state reason")
    expect(i["StateTransitionReason"].startswith("User initiated ("), "transition reason",
           i["StateTransitionReason"])
    start = EC2.start_instances(InstanceIds=[iid])["StartingInstances"][0]
    expect_eq((start["PreviousState"]["Code"], start["CurrentState"]["Code"]), (80, 0), "start answer")
    EC2.get_waiter("instance_running").wait(InstanceIds=[iid], WaiterConfig=FAST)
    term = EC2.terminate_instances(InstanceIds=[iid])["TerminatingInstances"][0]
    expect_eq(term["CurrentState"]["Name"], "shutting-down", "terminate answer")
    EC2.get_waiter("instance_terminated").wait(InstanceIds=[iid], WaiterConfig=FAST)
    expect_error(EC2.start_instances, "IncorrectInstanceState", InstanceIds=[iid])
    statuses = EC2.describe_instance_status(InstanceIds=[iid], IncludeAllInstances=True)
    expect_eq(statuses["InstanceStatuses"][0]["InstanceState"]["Name"], "terminated", "status")
    running_only = EC2.describe_instance_status(InstanceIds=[iid])["InstanceStatuses"]
    expect_eq(running_only, [], "only running instances without IncludeAllInstances")


def check_launch_templates():
    name = f"lt-{RUN}"
    data = base64.b64encode(b"echo from-template").decode()
    lt = EC2.create_launch_template(LaunchTemplateName=name, LaunchTemplateData={
        "ImageId": AMI, "InstanceType": "t3.micro", "UserData": data,
        "TagSpecifications": [{"ResourceType": "instance", "Tags": [{"Key": "from", "Value": "lt"}]}]})
    tid = lt["LaunchTemplate"]["LaunchTemplateId"]
    expect_eq(lt["LaunchTemplate"]["LatestVersionNumber"], 1, "first version")
    expect_error(EC2.create_launch_template, "InvalidLaunchTemplateName.AlreadyExistsException",
                 LaunchTemplateName=name, LaunchTemplateData={"ImageId": AMI})
    v2 = EC2.create_launch_template_version(LaunchTemplateId=tid, SourceVersion="1",
                                            LaunchTemplateData={"InstanceType": "m5.large"})
    expect_eq(v2["LaunchTemplateVersion"]["VersionNumber"], 2, "second version")
    expect_eq(v2["LaunchTemplateVersion"]["LaunchTemplateData"]["ImageId"], AMI, "inherited image")
    latest = EC2.describe_launch_template_versions(LaunchTemplateName=name, Versions=["$Latest"])
    expect_eq(latest["LaunchTemplateVersions"][0]["LaunchTemplateData"]["InstanceType"], "m5.large", "$Latest")
    default = EC2.describe_launch_template_versions(LaunchTemplateId=tid, Versions=["$Default"])
    expect_eq(default["LaunchTemplateVersions"][0]["VersionNumber"], 1, "$Default")
    [iid] = run(LaunchTemplate={"LaunchTemplateId": tid, "Version": "$Latest"}, InstanceType="c5.large",
                ImageId=AMI)
    i = instance(iid)
    expect_eq(i["InstanceType"], "c5.large", "RunInstances' own type wins")
    tags = {t["Key"]: t["Value"] for t in i["Tags"]}
    expect_eq(tags.get("from"), "lt", "template tags")
    expect_eq(tags.get("aws:ec2launchtemplate:id"), tid, "template id tag")
    # No ImageId or type of its own: everything from the default version (1).
    [iid2] = run(LaunchTemplate={"LaunchTemplateName": name}, ImageId=None, InstanceType=None)
    expect_eq(instance(iid2)["InstanceType"], "t3.micro", "default version's type")
    EC2.modify_launch_template(LaunchTemplateId=tid, DefaultVersion="2")
    described = EC2.describe_launch_templates(LaunchTemplateNames=[name])["LaunchTemplates"][0]
    expect_eq(described["DefaultVersionNumber"], 2, "new default")
    deleted = EC2.delete_launch_template_versions(LaunchTemplateId=tid, Versions=["1", "2"])
    expect_eq([v["VersionNumber"] for v in deleted["SuccessfullyDeletedLaunchTemplateVersions"]], [1],
              "deleted versions")
    expect_eq(len(deleted["UnsuccessfullyDeletedLaunchTemplateVersions"]), 1, "the default stays")
    EC2.delete_launch_template(LaunchTemplateId=tid)
    expect_error(EC2.describe_launch_templates, "InvalidLaunchTemplateId.NotFound", LaunchTemplateIds=[tid])
    expect_error(EC2.describe_launch_templates, "InvalidLaunchTemplateName.NotFoundException",
                 LaunchTemplateNames=[name])


def check_vpc_subnet_and_group_lifecycle():
    vpc = EC2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
    subnet = EC2.create_subnet(VpcId=vpc, CidrBlock="10.20.1.0/24",
                               AvailabilityZone=f"{REGION}b")["Subnet"]
    expect_eq(subnet["AvailableIpAddressCount"], 251, "usable addresses")
    expect_error(EC2.create_subnet, "InvalidSubnet.Conflict", VpcId=vpc, CidrBlock="10.20.1.128/25")
    expect_error(EC2.create_subnet, "InvalidSubnet.Range", VpcId=vpc, CidrBlock="10.99.0.0/24")
    expect_error(EC2.delete_vpc, "DependencyViolation", VpcId=vpc)
    sg = EC2.create_security_group(GroupName=f"web-{RUN}", Description="web", VpcId=vpc)["GroupId"]
    expect_error(EC2.create_security_group, "InvalidGroup.Duplicate", GroupName=f"web-{RUN}",
                 Description="again", VpcId=vpc)
    EC2.authorize_security_group_ingress(GroupId=sg, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    expect_error(EC2.authorize_security_group_ingress, "InvalidPermission.Duplicate", GroupId=sg,
                 IpPermissions=[{"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80,
                                 "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    rules = EC2.describe_security_groups(GroupIds=[sg])["SecurityGroups"][0]["IpPermissions"]
    expect_eq((rules[0]["FromPort"], rules[0]["IpRanges"][0]["CidrIp"]), (80, "0.0.0.0/0"), "stored rule")
    [iid] = run(SubnetId=subnet["SubnetId"], SecurityGroupIds=[sg])
    i = instance(iid)
    expect_eq((i["VpcId"], i["Placement"]["AvailabilityZone"]), (vpc, f"{REGION}b"), "instance placement")
    expect(i["PrivateIpAddress"].startswith("10.20.1."), "address from the subnet", i["PrivateIpAddress"])
    expect_error(EC2.delete_subnet, "DependencyViolation", SubnetId=subnet["SubnetId"])
    EC2.terminate_instances(InstanceIds=[iid])
    EC2.get_waiter("instance_terminated").wait(InstanceIds=[iid], WaiterConfig=FAST)
    EC2.delete_security_group(GroupId=sg)
    EC2.delete_subnet(SubnetId=subnet["SubnetId"])
    EC2.delete_vpc(VpcId=vpc)
    expect_error(EC2.describe_vpcs, "InvalidVpcID.NotFound", VpcIds=[vpc])
    expect_error(EC2.describe_subnets, "InvalidSubnetID.NotFound", SubnetIds=[subnet["SubnetId"]])
    expect_error(EC2.describe_security_groups, "InvalidGroup.NotFound", GroupIds=[sg])


def check_tags():
    [iid] = run()
    EC2.create_tags(Resources=[iid], Tags=[{"Key": "team", "Value": "a"}, {"Key": "tier", "Value": "web"}])
    got = EC2.describe_tags(Filters=[{"Name": "resource-id", "Values": [iid]}])["Tags"]
    expect_eq(sorted((t["Key"], t["Value"], t["ResourceType"]) for t in got),
              [("team", "a", "instance"), ("tier", "web", "instance")], "described tags")
    EC2.delete_tags(Resources=[iid], Tags=[{"Key": "team"}])
    got = EC2.describe_tags(Filters=[{"Name": "resource-id", "Values": [iid]}, {"Name": "key", "Values": ["team"]}])
    expect_eq(got["Tags"], [], "deleted tag")
    expect_error(EC2.create_tags, "InvalidInstanceID.NotFound", Resources=["i-0000000000000dead"],
                 Tags=[{"Key": "a", "Value": "b"}])


def check_errors():
    msg = expect_error(EC2.describe_instances, "InvalidInstanceID.NotFound", InstanceIds=["i-0123456789abcdef1"])
    expect_eq(msg, "The instance ID 'i-0123456789abcdef1' does not exist", "not-found message")
    expect_error(EC2.describe_instances, "InvalidInstanceID.Malformed", InstanceIds=["not-an-id"])
    expect_error(EC2.terminate_instances, "InvalidInstanceID.NotFound", InstanceIds=["i-0123456789abcdef1"])
    expect_error(EC2.run_instances, "InvalidAMIID.Malformed", ImageId="ami-xyz", MinCount=1, MaxCount=1)
    expect_error(EC2.run_instances, "DryRunOperation", 412, ImageId=AMI, MinCount=1, MaxCount=1, DryRun=True)
    expect_error(EC2.run_instances, "InvalidParameterValue", ImageId=AMI, MinCount=1, MaxCount=1,
                 InstanceType="t3.gigantic")
    expect_error(EC2.run_instances, "InvalidSubnetID.NotFound", ImageId=AMI, MinCount=1, MaxCount=1,
                 SubnetId="subnet-0123456789abcdef0")
    expect_error(EC2.run_instances, "InvalidGroup.NotFound", ImageId=AMI, MinCount=1, MaxCount=1,
                 SecurityGroupIds=["sg-0123456789abcdef0"])
    expect_error(EC2.create_vpc, "InvalidParameterValue", CidrBlock="10.0.0.1/16")
    expect_error(EC2.create_image, "UnsupportedOperation", InstanceId="i-0123456789abcdef1", Name="img")


def teardown():
    if LAUNCHED:
        try:
            EC2.terminate_instances(InstanceIds=sorted(set(LAUNCHED)))
        except ClientError:
            pass


if __name__ == "__main__":
    sys.exit(run_checks(globals(), teardown=teardown))
