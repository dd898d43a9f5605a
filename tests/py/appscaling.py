#!/usr/bin/env python3
"""Application Auto Scaling through boto3, against $AWS_ENDPOINT_URL (any runtime: the simulated one
needs no containers).

Covers RegisterScalableTarget (new, update, clamping the service's desired count, missing bounds,
min > max, a service that does not exist, another namespace), DescribeScalableTargets with its
paginator, DeregisterScalableTarget, target-tracking policies (the AlarmHigh and AlarmLow alarms
CloudWatch holds, their settings and actions, none low with DisableScaleIn, deleted with the
policy), SetAlarmState on AlarmHigh scaling the ECS service out with AWS's activity wording, step
scaling via SetAlarmState on the caller's alarm, suspended dynamic scaling, a scheduled `at()`
action firing, not-scaled activities, tags, GetPredictiveScalingForecast's answer, errors in
AWS's codes, and the AWS CLI once.

Expectations follow the Application Auto Scaling API reference and user guide
(https://docs.aws.amazon.com/autoscaling/application/) and botocore's model. The run ends with
`N passed, N failed`.

  AWS_ENDPOINT_URL=http://127.0.0.1:4566 AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test \\
  AWS_DEFAULT_REGION=us-east-1 python3 tests/py/appscaling.py
"""

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))

import boto3  # noqa: E402
from botocore.config import Config  # noqa: E402
from botocore.exceptions import ClientError  # noqa: E402
from smoke_support import ENDPOINT, REGION, RUN, CheckFailed, ecs_client, expect, expect_eq, run_checks  # noqa: E402

aas = boto3.client("application-autoscaling", endpoint_url=ENDPOINT, region_name=REGION,
                   config=Config(retries={"max_attempts": 1}))
cw = boto3.client("cloudwatch", endpoint_url=ENDPOINT, region_name=REGION, config=Config(retries={"max_attempts": 1}))
ecs = ecs_client()
CLUSTER = f"aas-{RUN}"
DIM = "ecs:service:DesiredCount"


def rid(service):
    return f"service/{CLUSTER}/{service}"


def error_of(call, **kwargs):
    try:
        call(**kwargs)
    except ClientError as e:
        return e.response["Error"]["Code"], e.response["Error"]["Message"]
    raise CheckFailed(f"{call.__name__} succeeded, an error was expected")


def make_service(name, desired=1):
    td = ecs.register_task_definition(
        family=f"aas-{RUN}", networkMode="awsvpc", requiresCompatibilities=["FARGATE"], cpu="256", memory="512",
        containerDefinitions=[{"name": "app", "image": "busybox", "essential": True}])["taskDefinition"]["taskDefinitionArn"]
    ecs.create_service(cluster=CLUSTER, serviceName=name, taskDefinition=td, desiredCount=desired,
                       launchType="FARGATE",
                       networkConfiguration={"awsvpcConfiguration": {"subnets": [subnet()]}})


def subnet():
    ec2 = boto3.client("ec2", endpoint_url=ENDPOINT, region_name=REGION)
    return ec2.describe_subnets(Filters=[{"Name": "default-for-az", "Values": ["true"]}])["Subnets"][0]["SubnetId"]


def desired(name):
    return ecs.describe_services(cluster=CLUSTER, services=[name])["services"][0]["desiredCount"]


def wait_desired(name, want, seconds=10):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if desired(name) == want:
            return
        time.sleep(0.2)
    raise CheckFailed(f"desired count of {name} stayed {desired(name)}, expected {want}")


def register(name, lo, hi, **extra):
    return aas.register_scalable_target(ServiceNamespace="ecs", ResourceId=rid(name), ScalableDimension=DIM,
                                        MinCapacity=lo, MaxCapacity=hi, **extra)


def activities(name, **extra):
    return aas.describe_scaling_activities(ServiceNamespace="ecs", ResourceId=rid(name), **extra)["ScalingActivities"]


def setup():
    ecs.create_cluster(clusterName=CLUSTER)
    for name in ("web", "tt", "step", "sched", "zoned", "pages"):
        make_service(name)


def check_register_describe_and_clamp():
    arn = register("web", 2, 5)["ScalableTargetARN"]
    expect(arn.startswith(f"arn:aws:application-autoscaling:{REGION}:") and ":scalable-target/" in arn, "ARN", arn)
    t = aas.describe_scalable_targets(ServiceNamespace="ecs", ResourceIds=[rid("web")])["ScalableTargets"][0]
    expect_eq((t["MinCapacity"], t["MaxCapacity"], t["ScalableDimension"], t["ScalableTargetARN"]),
              (2, 5, DIM, arn), "described target")
    expect_eq(t["SuspendedState"], {"DynamicScalingInSuspended": False, "DynamicScalingOutSuspended": False,
                                    "ScheduledScalingSuspended": False}, "SuspendedState")
    expect("RoleARN" in t and isinstance(t["CreationTime"], dt.datetime), "RoleARN and CreationTime", t)
    wait_desired("web", 2)
    a = activities("web")[0]
    expect_eq((a["Description"], a["StatusCode"]), ("Setting desired count to 2.", "Successful"), "clamp activity")
    expect_eq(a["StatusMessage"], "Successfully set desired count to 2. Change successfully fulfilled by ecs.",
              "StatusMessage")
    # Registering again updates only what is given, and keeps the ARN.
    again = aas.register_scalable_target(ServiceNamespace="ecs", ResourceId=rid("web"), ScalableDimension=DIM,
                                         MaxCapacity=8)["ScalableTargetARN"]
    expect_eq(again, arn, "same target")
    t = aas.describe_scalable_targets(ServiceNamespace="ecs", ResourceIds=[rid("web")])["ScalableTargets"][0]
    expect_eq((t["MinCapacity"], t["MaxCapacity"]), (2, 8), "updated bounds")


def check_register_errors():
    code, msg = error_of(aas.register_scalable_target, ServiceNamespace="ecs", ResourceId=rid("nope"),
                         ScalableDimension=DIM, MinCapacity=1, MaxCapacity=2)
    expect_eq(code, "ValidationException", "missing service")
    expect(rid("nope") in msg, "message names the resource", msg)
    code, _ = error_of(aas.register_scalable_target, ServiceNamespace="ecs", ResourceId=rid("pages"),
                       ScalableDimension=DIM, MinCapacity=1)
    expect_eq(code, "ValidationException", "a new target needs both bounds")
    code, msg = error_of(aas.register_scalable_target, ServiceNamespace="ecs", ResourceId=rid("pages"),
                         ScalableDimension=DIM, MinCapacity=5, MaxCapacity=2)
    expect_eq(code, "ValidationException", "min > max")
    expect("Minimum capacity cannot be greater than maximum capacity" in msg, "message", msg)
    code, msg = error_of(aas.register_scalable_target, ServiceNamespace="dynamodb", ResourceId="table/t",
                         ScalableDimension="dynamodb:table:ReadCapacityUnits", MinCapacity=1, MaxCapacity=2)
    expect_eq(code, "ValidationException", "another namespace")
    expect("table/t" in msg, "names the resource", msg)
    code, _ = error_of(aas.deregister_scalable_target, ServiceNamespace="ecs", ResourceId=rid("nope"),
                       ScalableDimension=DIM)
    expect_eq(code, "ObjectNotFoundException", "deregister unknown")
    code, _ = error_of(aas.put_scaling_policy, PolicyName="p", ServiceNamespace="ecs", ResourceId=rid("nope"),
                       ScalableDimension=DIM, PolicyType="StepScaling",
                       StepScalingPolicyConfiguration={"AdjustmentType": "ChangeInCapacity",
                                                       "StepAdjustments": [{"ScalingAdjustment": 1,
                                                                            "MetricIntervalLowerBound": 0}]})
    expect_eq(code, "ObjectNotFoundException", "policy on no target")
    code, _ = error_of(aas.describe_scalable_targets, ServiceNamespace="ecs", NextToken="garbage")
    expect_eq(code, "InvalidNextTokenException", "bad token")


def check_pagination():
    for i in range(3):
        name = f"p{i}"
        make_service(name)
        register(name, 0, 3)
    pages = list(aas.get_paginator("describe_scalable_targets").paginate(
        ServiceNamespace="ecs", PaginationConfig={"PageSize": 2}))
    ids = [t["ResourceId"] for p in pages for t in p["ScalableTargets"]]
    expect(len(pages) >= 2, "more than one page", len(pages))
    expect(set(ids) >= {rid(f"p{i}") for i in range(3)} and len(ids) == len(set(ids)), "every target once", ids)
    for i in range(3):
        aas.deregister_scalable_target(ServiceNamespace="ecs", ResourceId=rid(f"p{i}"), ScalableDimension=DIM)
    left = aas.describe_scalable_targets(ServiceNamespace="ecs", ResourceIds=[rid("p0")])["ScalableTargets"]
    expect_eq(left, [], "deregistered")


def tt_policy(name="cpu-tracking", **config):
    conf = {"TargetValue": 50.0, "ScaleOutCooldown": 0, "ScaleInCooldown": 0,
            "PredefinedMetricSpecification": {"PredefinedMetricType": "ECSServiceAverageCPUUtilization"}, **config}
    return aas.put_scaling_policy(PolicyName=name, ServiceNamespace="ecs", ResourceId=rid("tt"),
                                  ScalableDimension=DIM, PolicyType="TargetTrackingScaling",
                                  TargetTrackingScalingPolicyConfiguration=conf)


def alarm(name):
    found = cw.describe_alarms(AlarmNames=[name])["MetricAlarms"]
    expect(len(found) == 1, f"alarm {name} in CloudWatch", found)
    return found[0]


def check_target_tracking_alarms():
    register("tt", 1, 6)
    out = tt_policy()
    arn, alarms = out["PolicyARN"], out["Alarms"]
    expect(":scalingPolicy:" in arn and arn.endswith(f"resource/ecs/{rid('tt')}:policyName/cpu-tracking"), "ARN", arn)
    names = sorted(a["AlarmName"] for a in alarms)
    expect(len(names) == 2 and names[0].startswith(f"TargetTracking-{rid('tt')}-AlarmHigh-")
           and names[1].startswith(f"TargetTracking-{rid('tt')}-AlarmLow-"), "alarm names", names)
    high, low = alarm(names[0]), alarm(names[1])
    expect_eq((high["MetricName"], high["Namespace"], high["Statistic"], high["EvaluationPeriods"],
               high["Period"], high["ComparisonOperator"], high["Threshold"]),
              ("CPUUtilization", "AWS/ECS", "Average", 3, 60, "GreaterThanThreshold", 50.0), "AlarmHigh")
    expect_eq(sorted((d["Name"], d["Value"]) for d in high["Dimensions"]),
              [("ClusterName", CLUSTER), ("ServiceName", "tt")], "dimensions")
    expect_eq(high["AlarmActions"], [arn], "actions name the policy")
    expect_eq((low["EvaluationPeriods"], low["ComparisonOperator"], low["Threshold"]),
              (15, "LessThanThreshold", 45.0), "AlarmLow")
    p = aas.describe_scaling_policies(ServiceNamespace="ecs", ResourceId=rid("tt"))["ScalingPolicies"][0]
    expect_eq(sorted(a["AlarmName"] for a in p["Alarms"]), names, "Alarms described")
    expect_eq(p["TargetTrackingScalingPolicyConfiguration"]["TargetValue"], 50.0, "config echoed")


def check_alarm_high_scales_out():
    aas.register_scalable_target(ServiceNamespace="ecs", ResourceId=rid("tt"), ScalableDimension=DIM,
                                 SuspendedState={"DynamicScalingOutSuspended": False})
    p = aas.describe_scaling_policies(ServiceNamespace="ecs", ResourceId=rid("tt"))["ScalingPolicies"][0]
    high = next(a["AlarmName"] for a in p["Alarms"] if "-AlarmHigh-" in a["AlarmName"])
    before = desired("tt")
    cw.set_alarm_state(AlarmName=high, StateValue="ALARM", StateReason="test")
    wait_desired("tt", before + 1)
    a = activities("tt")[0]
    expect_eq(a["Cause"], f"monitor alarm {high} in state ALARM triggered policy cpu-tracking", "Cause")
    expect_eq(a["Description"], f"Setting desired count to {before + 1}.", "Description")


def check_suspended_scale_out_does_nothing():
    aas.register_scalable_target(ServiceNamespace="ecs", ResourceId=rid("tt"), ScalableDimension=DIM,
                                 SuspendedState={"DynamicScalingOutSuspended": True})
    t = aas.describe_scalable_targets(ServiceNamespace="ecs", ResourceIds=[rid("tt")])["ScalableTargets"][0]
    expect_eq(t["SuspendedState"]["DynamicScalingOutSuspended"], True, "suspended")
    p = aas.describe_scaling_policies(ServiceNamespace="ecs", ResourceId=rid("tt"))["ScalingPolicies"][0]
    high = next(a["AlarmName"] for a in p["Alarms"] if "-AlarmHigh-" in a["AlarmName"])
    before = desired("tt")
    cw.set_alarm_state(AlarmName=high, StateValue="OK", StateReason="reset")
    cw.set_alarm_state(AlarmName=high, StateValue="ALARM", StateReason="test")
    time.sleep(1.5)
    expect_eq(desired("tt"), before, "no scale-out while suspended")


def check_disable_scale_in_and_delete_remove_alarms():
    out = tt_policy("mem", DisableScaleIn=True, PredefinedMetricSpecification={
        "PredefinedMetricType": "ECSServiceAverageMemoryUtilization"})
    expect_eq(len(out["Alarms"]), 1, "no AlarmLow with DisableScaleIn")
    name = out["Alarms"][0]["AlarmName"]
    expect_eq(alarm(name)["MetricName"], "MemoryUtilization", "memory metric")
    aas.delete_scaling_policy(PolicyName="mem", ServiceNamespace="ecs", ResourceId=rid("tt"), ScalableDimension=DIM)
    expect_eq(cw.describe_alarms(AlarmNames=[name])["MetricAlarms"], [], "alarm deleted with the policy")
    code, msg = error_of(aas.delete_scaling_policy, PolicyName="mem", ServiceNamespace="ecs", ResourceId=rid("tt"),
                         ScalableDimension=DIM)
    expect_eq(code, "ObjectNotFoundException", "deleted twice")
    expect("policy name: mem" in msg, "message", msg)


def check_step_scaling_via_alarm():
    register("step", 1, 10)
    arn = aas.put_scaling_policy(
        PolicyName="step-out", ServiceNamespace="ecs", ResourceId=rid("step"), ScalableDimension=DIM,
        PolicyType="StepScaling", StepScalingPolicyConfiguration={
            "AdjustmentType": "ChangeInCapacity", "Cooldown": 0, "MetricAggregationType": "Average",
            "StepAdjustments": [{"MetricIntervalLowerBound": 0, "MetricIntervalUpperBound": 20, "ScalingAdjustment": 2},
                                {"MetricIntervalLowerBound": 20, "ScalingAdjustment": 4}]})["PolicyARN"]
    name = f"step-high-{RUN}"
    cw.put_metric_alarm(AlarmName=name, MetricName="CPUUtilization", Namespace="AWS/ECS", Statistic="Average",
                        Period=60, EvaluationPeriods=1, Threshold=70, ComparisonOperator="GreaterThanThreshold",
                        AlarmActions=[arn],
                        Dimensions=[{"Name": "ClusterName", "Value": CLUSTER}, {"Name": "ServiceName", "Value": "step"}])
    before = desired("step")
    cw.set_alarm_state(AlarmName=name, StateValue="ALARM", StateReason="test")
    wait_desired("step", before + 2)
    expect_eq(activities("step")[0]["Cause"], f"monitor alarm {name} in state ALARM triggered policy step-out",
              "Cause")
    p = aas.describe_scaling_policies(ServiceNamespace="ecs", PolicyNames=["step-out"])["ScalingPolicies"][0]
    expect_eq([a["AlarmName"] for a in p["Alarms"]], [name], "the invoking alarm listed")
    aas.delete_scaling_policy(PolicyName="step-out", ServiceNamespace="ecs", ResourceId=rid("step"),
                              ScalableDimension=DIM)
    expect_eq(len(cw.describe_alarms(AlarmNames=[name])["MetricAlarms"]), 1, "the caller's alarm outlives the policy")
    aas.put_scaling_policy(
        PolicyName="step-out", ServiceNamespace="ecs", ResourceId=rid("step"), ScalableDimension=DIM,
        PolicyType="StepScaling", StepScalingPolicyConfiguration={
            "AdjustmentType": "ChangeInCapacity", "Cooldown": 0,
            "StepAdjustments": [{"MetricIntervalLowerBound": 0, "ScalingAdjustment": 2}]})
    cw.delete_alarms(AlarmNames=[name])


def check_not_scaled_at_max():
    aas.register_scalable_target(ServiceNamespace="ecs", ResourceId=rid("step"), ScalableDimension=DIM,
                                 MaxCapacity=desired("step"))
    arn = aas.describe_scaling_policies(ServiceNamespace="ecs", ResourceId=rid("step"))["ScalingPolicies"][0]["PolicyARN"]
    name = f"step-max-{RUN}"
    cw.put_metric_alarm(AlarmName=name, MetricName="CPUUtilization", Namespace="AWS/ECS", Statistic="Average",
                        Period=60, EvaluationPeriods=1, Threshold=70, ComparisonOperator="GreaterThanThreshold",
                        AlarmActions=[arn])
    cw.set_alarm_state(AlarmName=name, StateValue="ALARM", StateReason="test")
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        found = [a for a in activities("step", IncludeNotScaledActivities=True) if a.get("NotScaledReasons")]
        if found:
            break
        time.sleep(0.2)
    else:
        raise CheckFailed("no not-scaled activity")
    expect_eq(found[0]["NotScaledReasons"][0]["Code"], "AlreadyAtMaxCapacity", "reason")
    expect(all(not a.get("NotScaledReasons") for a in activities("step")), "hidden by default")
    cw.delete_alarms(AlarmNames=[name])


def check_scheduled_at_fires():
    register("sched", 1, 3)
    when = dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=2)
    aas.put_scheduled_action(ServiceNamespace="ecs", ScheduledActionName="bump", ResourceId=rid("sched"),
                             ScalableDimension=DIM, Schedule=f"at({when:%Y-%m-%dT%H:%M:%S})",
                             ScalableTargetAction={"MinCapacity": 2, "MaxCapacity": 5})
    a = aas.describe_scheduled_actions(ServiceNamespace="ecs", ResourceId=rid("sched"))["ScheduledActions"][0]
    expect_eq((a["ScheduledActionName"], a["ScalableTargetAction"]), ("bump", {"MinCapacity": 2, "MaxCapacity": 5}),
              "described")
    expect(":scheduledAction:" in a["ScheduledActionARN"], "ARN", a["ScheduledActionARN"])
    wait_desired("sched", 2, seconds=20)
    t = aas.describe_scalable_targets(ServiceNamespace="ecs", ResourceIds=[rid("sched")])["ScalableTargets"][0]
    expect_eq((t["MinCapacity"], t["MaxCapacity"]), (2, 5), "bounds from the action")
    causes = [(a["Cause"], a["Description"]) for a in activities("sched")]
    expect(("scheduled action name bump was triggered", "Setting min capacity to 2 and max capacity to 5") in causes,
           "activity", causes)
    code, _ = error_of(aas.put_scheduled_action, ServiceNamespace="ecs", ScheduledActionName="bad",
                       ResourceId=rid("sched"), ScalableDimension=DIM, Schedule="cron(0 0 * * * *)")
    expect_eq(code, "ValidationException", "bad cron")
    aas.put_scheduled_action(ServiceNamespace="ecs", ScheduledActionName="nightly", ResourceId=rid("sched"),
                             ScalableDimension=DIM, Schedule="cron(0 2 * * ? *)", Timezone="UTC",
                             ScalableTargetAction={"MinCapacity": 1})
    aas.delete_scheduled_action(ServiceNamespace="ecs", ScheduledActionName="nightly", ResourceId=rid("sched"),
                                ScalableDimension=DIM)
    code, _ = error_of(aas.delete_scheduled_action, ServiceNamespace="ecs", ScheduledActionName="nightly",
                       ResourceId=rid("sched"), ScalableDimension=DIM)
    expect_eq(code, "ObjectNotFoundException", "deleted twice")


def check_scheduled_at_reads_its_time_zone():
    register("zoned", 1, 3)
    # Tokyo keeps +09:00 all year: two seconds from now on its wall clock. Read as UTC the action
    # would be nine hours away and would not fire.
    tokyo = dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=9, seconds=2)
    aas.put_scheduled_action(ServiceNamespace="ecs", ScheduledActionName="tokyo", ResourceId=rid("zoned"),
                             ScalableDimension=DIM, Schedule=f"at({tokyo:%Y-%m-%dT%H:%M:%S})",
                             Timezone="Asia/Tokyo", ScalableTargetAction={"MinCapacity": 2})
    a = aas.describe_scheduled_actions(ServiceNamespace="ecs", ResourceId=rid("zoned"))["ScheduledActions"][0]
    expect_eq(a["Timezone"], "Asia/Tokyo", "the zone is answered back")
    wait_desired("zoned", 2, seconds=20)
    code, msg = error_of(aas.put_scheduled_action, ServiceNamespace="ecs", ScheduledActionName="mars",
                         ResourceId=rid("zoned"), ScalableDimension=DIM, Schedule="cron(0 9 ? * MON#1 *)",
                         Timezone="Mars/Olympus_Mons", ScalableTargetAction={"MinCapacity": 1})
    expect_eq(code, "ValidationException", f"unknown zone: {msg}")
    aas.put_scheduled_action(ServiceNamespace="ecs", ScheduledActionName="month-end", ResourceId=rid("zoned"),
                             ScalableDimension=DIM, Schedule="cron(0 18 LW * ? *)", Timezone="Europe/Paris",
                             ScalableTargetAction={"MinCapacity": 1})
    names = [a["ScheduledActionName"] for a in
             aas.describe_scheduled_actions(ServiceNamespace="ecs", ResourceId=rid("zoned"))["ScheduledActions"]]
    expect_eq(sorted(names), ["month-end", "tokyo"], "the LW cron is accepted")


def check_tags_and_forecast():
    arn = register("web", 2, 8)["ScalableTargetARN"]
    aas.tag_resource(ResourceARN=arn, Tags={"team": "core"})
    expect_eq(aas.list_tags_for_resource(ResourceARN=arn)["Tags"], {"team": "core"}, "tags")
    aas.untag_resource(ResourceARN=arn, TagKeys=["team"])
    expect_eq(aas.list_tags_for_resource(ResourceARN=arn)["Tags"], {}, "untagged")
    code, _ = error_of(aas.list_tags_for_resource, ResourceARN=arn[:-4] + "0000")
    expect_eq(code, "ResourceNotFoundException", "unknown target")
    now = dt.datetime.now(dt.timezone.utc)
    code, _ = error_of(aas.get_predictive_scaling_forecast, ServiceNamespace="ecs", ResourceId=rid("web"),
                       ScalableDimension=DIM, PolicyName="none", StartTime=now, EndTime=now + dt.timedelta(days=1))
    expect_eq(code, "ValidationException", "no predictive policy")


def check_aws_cli():
    if not shutil.which("aws"):
        raise CheckFailed("no aws CLI on PATH")
    out = subprocess.run(["aws", "application-autoscaling", "describe-scalable-targets", "--service-namespace", "ecs",
                          "--resource-ids", rid("web"), "--output", "json"],
                         capture_output=True, text=True, timeout=60)
    expect(out.returncode == 0, "aws exited 0", out.stderr)
    targets = json.loads(out.stdout)["ScalableTargets"]
    expect_eq([t["ResourceId"] for t in targets], [rid("web")], "CLI answer")


def check_deregister_removes_policies_and_alarms():
    p = aas.describe_scaling_policies(ServiceNamespace="ecs", ResourceId=rid("tt"))["ScalingPolicies"]
    names = [a["AlarmName"] for x in p for a in x["Alarms"]]
    aas.deregister_scalable_target(ServiceNamespace="ecs", ResourceId=rid("tt"), ScalableDimension=DIM)
    expect_eq(aas.describe_scaling_policies(ServiceNamespace="ecs", ResourceId=rid("tt"))["ScalingPolicies"], [],
              "policies gone")
    expect_eq(cw.describe_alarms(AlarmNames=names)["MetricAlarms"] if names else [], [], "alarms gone")


def teardown():
    for name in ("web", "tt", "step", "sched", "pages", "p0", "p1", "p2"):
        try:
            ecs.delete_service(cluster=CLUSTER, service=name, force=True)
        except ClientError:
            pass


if __name__ == "__main__":
    sys.exit(run_checks(globals(), setup, teardown))
