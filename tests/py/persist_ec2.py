#!/usr/bin/env python3
"""EC2 and Auto Scaling across a restart with `--state-dir` (a kill -9, then the same flags).

`create(client)` makes a representative set of resources and returns what they described as
(plain data: ids, states, tags, whole Describe answers); `check(client, created)`, after the
restart, asserts that everything describes identically, that no Auto Scaling group launched
an instance it already had, and that an instance waiting for its ECS cluster registers once the
cluster is created. `client(name)` returns a boto3 client pointed at the server.

Key pairs are not made: local-ecs's EC2 does not implement them (UnsupportedOperation).

Run by hand (create, kill -9, restart, check):

  python3 tests/py/persist_ec2.py create http://127.0.0.1:4599 /tmp/created.json
  python3 tests/py/persist_ec2.py check http://127.0.0.1:4599 /tmp/created.json
"""

import datetime
import json
import sys
import time
import uuid

REGION = "us-east-1"
GROUP_CAPACITY = 2


def _plain(value):
    """Answers as plain data (datetimes as text, no request metadata), so they compare and
    travel as JSON."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if k != "ResponseMetadata"}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    return value


def _wait(what, predicate, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


def _tags(pairs):
    return [{"Key": k, "Value": v} for k, v in pairs]


def _network(ec2, run):
    vpc = ec2.create_vpc(
        CidrBlock="10.42.0.0/16",
        TagSpecifications=[{"ResourceType": "vpc", "Tags": _tags([("Name", f"persist-{run}")])}],
    )["Vpc"]["VpcId"]
    subnets = []
    for n, zone in enumerate(["a", "b"]):
        subnets.append(
            ec2.create_subnet(
                VpcId=vpc,
                CidrBlock=f"10.42.{n}.0/24",
                AvailabilityZone=f"{REGION}{zone}",
                TagSpecifications=[{"ResourceType": "subnet", "Tags": _tags([("tier", f"app-{zone}")])}],
            )["Subnet"]["SubnetId"]
        )
    group = ec2.create_security_group(VpcId=vpc, GroupName=f"web-{run}", Description="web")["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=group,
        IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": "https"}]}
        ],
    )
    ec2.create_tags(Resources=[group], Tags=_tags([("role", "web")]))
    return vpc, subnets, group


def _template(ec2, run, group):
    name = f"persist-lt-{run}"
    template = ec2.create_launch_template(
        LaunchTemplateName=name,
        LaunchTemplateData={"ImageId": "ami-12345678", "InstanceType": "t3.micro", "SecurityGroupIds": [group]},
        TagSpecifications=[{"ResourceType": "launch-template", "Tags": _tags([("team", "infra")])}],
    )["LaunchTemplate"]["LaunchTemplateId"]
    ec2.create_launch_template_version(
        LaunchTemplateId=template, SourceVersion="1", LaunchTemplateData={"InstanceType": "t3.small"}
    )
    ec2.modify_launch_template(LaunchTemplateId=template, DefaultVersion="2")
    return name, template


def _instances(ec2, subnet, group):
    """Three instances: one left running, one stopped, one terminated (still described)."""
    ids = [
        i["InstanceId"]
        for i in ec2.run_instances(
            ImageId="ami-12345678",
            InstanceType="m5.large",
            MinCount=3,
            MaxCount=3,
            SubnetId=subnet,
            SecurityGroupIds=[group],
            UserData="echo hello",
            TagSpecifications=[{"ResourceType": "instance", "Tags": _tags([("Name", "persisted"), ("env", "test")])}],
        )["Instances"]
    ]
    ec2.get_waiter("instance_running").wait(InstanceIds=ids, WaiterConfig={"Delay": 1})
    ec2.stop_instances(InstanceIds=[ids[1]])
    ec2.terminate_instances(InstanceIds=[ids[2]])
    ec2.get_waiter("instance_stopped").wait(InstanceIds=[ids[1]], WaiterConfig={"Delay": 1})
    ec2.get_waiter("instance_terminated").wait(InstanceIds=[ids[2]], WaiterConfig={"Delay": 1})
    ec2.create_tags(Resources=[ids[0]], Tags=_tags([("added", "later")]))
    return ids


def _group(asg, run, template, subnets):
    name = f"persist-asg-{run}"
    asg.create_auto_scaling_group(
        AutoScalingGroupName=name,
        LaunchTemplate={"LaunchTemplateName": template, "Version": "$Latest"},
        MinSize=1,
        MaxSize=4,
        DesiredCapacity=GROUP_CAPACITY,
        VPCZoneIdentifier=",".join(subnets),
        Tags=[{"Key": "owner", "Value": "persist", "PropagateAtLaunch": True}],
    )

    def in_service():
        members = asg.describe_auto_scaling_groups(AutoScalingGroupNames=[name])["AutoScalingGroups"][0]["Instances"]
        states = [m["LifecycleState"] for m in members]
        return states == ["InService"] * GROUP_CAPACITY

    _wait(f"group {name} at {GROUP_CAPACITY} InService instances", in_service)
    return name


def _awaiting(ec2, subnet, run):
    """An instance whose ecs.config names a cluster that does not exist yet: its agent keeps
    trying to register, across the restart too."""
    user_data = f"#!/bin/bash\necho ECS_CLUSTER=later-{run} >> /etc/ecs/ecs.config\n"
    instance = ec2.run_instances(ImageId="ami-12345678", InstanceType="t3.small", MinCount=1, MaxCount=1,
                                 SubnetId=subnet, UserData=user_data)["Instances"][0]["InstanceId"]
    ec2.get_waiter("instance_running").wait(InstanceIds=[instance], WaiterConfig={"Delay": 1})
    return instance


def _live_instance_ids(ec2):
    """Every instance of the region not terminated (an extra launch would show here)."""
    reservations = ec2.describe_instances()["Reservations"]
    return sorted(
        i["InstanceId"] for r in reservations for i in r["Instances"] if i["State"]["Name"] != "terminated"
    )


def _described(ec2, asg, ids):
    """Everything `check` compares, as plain data."""
    vpc, subnets, group, template, instances, group_name = (
        ids["vpc"], ids["subnets"], ids["security_group"], ids["template_id"], ids["instances"], ids["group"]
    )
    return _plain({
        "vpc": ec2.describe_vpcs(VpcIds=[vpc])["Vpcs"],
        "subnets": ec2.describe_subnets(SubnetIds=subnets)["Subnets"],
        "security_group": ec2.describe_security_groups(GroupIds=[group])["SecurityGroups"],
        "template": ec2.describe_launch_templates(LaunchTemplateIds=[template])["LaunchTemplates"],
        "template_versions": ec2.describe_launch_template_versions(LaunchTemplateId=template)["LaunchTemplateVersions"],
        "instances": ec2.describe_instances(InstanceIds=instances)["Reservations"],
        "tags": ec2.describe_tags(Filters=[{"Name": "resource-id", "Values": [vpc, group, *instances]}])["Tags"],
        "group": asg.describe_auto_scaling_groups(AutoScalingGroupNames=[group_name])["AutoScalingGroups"],
        "group_instances": ec2.describe_instances(
            Filters=[{"Name": "tag:aws:autoscaling:groupName", "Values": [group_name]}]
        )["Reservations"],
        "activities": asg.describe_scaling_activities(AutoScalingGroupName=group_name)["Activities"],
        "live_instance_ids": _live_instance_ids(ec2),
    })


def create(client):
    """Makes a VPC with two subnets and a security group, a launch template with two versions,
    three instances (running, stopped, terminated) and an Auto Scaling group at its desired
    capacity; returns the ids and what everything described as."""
    ec2, asg = client("ec2"), client("autoscaling")
    run = uuid.uuid4().hex[:8]
    vpc, subnets, group = _network(ec2, run)
    template_name, template_id = _template(ec2, run, group)
    instances = _instances(ec2, subnets[0], group)
    group_name = _group(asg, run, template_name, subnets)
    awaiting = _awaiting(ec2, subnets[1], run)
    ids = {
        "awaiting": awaiting,
        "run": run,
        "vpc": vpc,
        "subnets": subnets,
        "security_group": group,
        "template_id": template_id,
        "instances": instances,
        "group": group_name,
    }
    return {"ids": ids, "described": _described(ec2, asg, ids)}


def _same(what, before, after):
    if before == after:
        return
    detail = json.dumps({"before": before, "after": after}, indent=1, sort_keys=True, default=str)
    raise AssertionError(f"{what} is not described as before the restart:\n{detail[:6000]}")


def check(client, created):
    """After the restart: everything `create` made describes as it did, the group's members
    are the same instances, and no instance was launched since (checked again after the group
    controller's resync period has passed)."""
    ec2, asg = client("ec2"), client("autoscaling")
    ids, before = created["ids"], created["described"]
    after = _described(ec2, asg, ids)
    for what in before:
        _same(what, before[what], after[what])
    member_ids = sorted(i["InstanceId"] for i in after["group"][0]["Instances"])
    assert len(member_ids) == GROUP_CAPACITY, f"group {ids['group']} has {member_ids}, expected {GROUP_CAPACITY} members"
    states = {i["InstanceId"]: i["State"]["Name"] for r in after["instances"] for i in r["Instances"]}
    expected = dict(zip(ids["instances"], ["running", "stopped", "terminated"]))
    assert states == expected, f"instance states after the restart: {states}, expected {expected}"
    # The group controller runs every 5 s: give it two passes to (wrongly) launch or replace.
    time.sleep(11)
    again = _described(ec2, asg, ids)
    _same("the set of live instances (after the group controller's passes)", before["live_instance_ids"], again["live_instance_ids"])
    _same("the group (after the group controller's passes)", before["group"], again["group"])
    _same("the scaling activities (after the group controller's passes)", before["activities"], again["activities"])
    # The instance waiting for its cluster registers once the cluster exists.
    ecs = client("ecs")
    cluster = f"later-{ids['run']}"
    ecs.create_cluster(clusterName=cluster)

    def registered():
        arns = ecs.list_container_instances(cluster=cluster)["containerInstanceArns"]
        if not arns:
            return None
        return ecs.describe_container_instances(cluster=cluster, containerInstances=arns)["containerInstances"]

    joined = _wait(f"instance {ids['awaiting']} registering in {cluster}", registered, seconds=30)
    assert [ci["ec2InstanceId"] for ci in joined] == [ids["awaiting"]], f"registered: {joined}"
    ecs.deregister_container_instance(cluster=cluster, containerInstance=joined[0]["containerInstanceArn"], force=True)
    ecs.delete_cluster(cluster=cluster)


def _client_factory(endpoint):
    import boto3

    def client(name):
        return boto3.client(
            name, endpoint_url=endpoint, region_name=REGION, aws_access_key_id="test", aws_secret_access_key="test"
        )

    return client


if __name__ == "__main__":
    step, endpoint, path = sys.argv[1:4]
    factory = _client_factory(endpoint)
    if step == "create":
        with open(path, "w") as f:
            json.dump(create(factory), f)
    else:
        with open(path) as f:
            check(factory, json.load(f))
    print(f"{step}: ok")
