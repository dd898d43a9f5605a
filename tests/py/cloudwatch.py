#!/usr/bin/env python3
"""Amazon CloudWatch metrics through boto3, against $AWS_ENDPOINT_URL (any runtime: no containers).

Covers PutMetricData (single values, Values with Counts, StatisticValues, high resolution, the
reserved AWS/ namespace, mutually exclusive values, timestamps out of range, too many values),
GetMetricStatistics (the five statistics, Unit, p99 from raw values, period rules), GetMetricData
(MetricStat, an arithmetic expression, SUM over ids, ScanBy, the paginator with MaxDatapoints),
ListMetrics (namespace, name and dimension filters, RecentlyActive, the paginator), an unbuilt
operation's modelled error, and the same service in AWS JSON 1.0 and AWS Query (raw requests:
boto3 picks the model's first protocol, Smithy RPC v2 CBOR); metric alarms and the alarm_exists
waiter, composite alarms (rules, children and parents, suppressor fields, history, the
composite_alarm_exists waiter, deletion guards), metric-math alarms and their ValidationErrors,
the anomaly-detection refusal, and RATE and FILL in GetMetricData.

Expectations follow the CloudWatch API reference
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/) and botocore's `cloudwatch`
model. Checks run in order; the run ends with `N passed, N failed`.

  AWS_ENDPOINT_URL=http://127.0.0.1:4566 AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test \\
  AWS_DEFAULT_REGION=us-east-1 python3 tests/py/cloudwatch.py
"""

import datetime as dt
import http.client
import json
import os
import sys
import time
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))

import boto3  # noqa: E402
from botocore.config import Config  # noqa: E402
from botocore.exceptions import ClientError  # noqa: E402
from smoke_support import ENDPOINT, REGION, RUN, CheckFailed, expect, expect_eq, run_checks  # noqa: E402

cw = boto3.client("cloudwatch", endpoint_url=ENDPOINT, region_name=REGION,
                  config=Config(retries={"max_attempts": 1}))
NS = f"LocalEcs/{RUN}"
NOW = dt.datetime.now(dt.timezone.utc).replace(second=0, microsecond=0)
DIMS = [{"Name": "Service", "Value": "web"}, {"Name": "Cluster", "Value": "c1"}]
AUTH = (f"AWS4-HMAC-SHA256 Credential=test/20260101/{REGION}/monitoring/aws4_request, "
        "SignedHeaders=host, Signature=0")


def error_of(call, **kwargs):
    try:
        call(**kwargs)
    except ClientError as e:
        return e.response["Error"]["Code"], e.response["Error"]["Message"], e.response["ResponseMetadata"]["HTTPStatusCode"]
    raise CheckFailed(f"{call.__name__} succeeded, an error was expected")


def ago(minutes):
    return NOW - dt.timedelta(minutes=minutes)


def raw(headers, body):
    url = urllib.parse.urlparse(ENDPOINT)
    conn = http.client.HTTPConnection(url.hostname, url.port or 80, timeout=10)
    conn.request("POST", "/", body=body, headers={"Authorization": AUTH, **headers})
    resp = conn.getresponse()
    return resp.status, resp.read().decode()


def check_put_metric_data_variants():
    cw.put_metric_data(Namespace=NS, MetricData=[
        {"MetricName": "Latency", "Dimensions": DIMS, "Timestamp": ago(5), "Values": list(range(1, 101)),
         "Unit": "Milliseconds"},
        {"MetricName": "Latency", "Dimensions": DIMS, "Timestamp": ago(4), "Value": 500, "Unit": "Milliseconds"},
        {"MetricName": "Requests", "Dimensions": DIMS, "Timestamp": ago(5), "Values": [1, 2], "Counts": [10, 5]},
        {"MetricName": "Errors", "Dimensions": DIMS, "Timestamp": ago(5),
         "StatisticValues": {"SampleCount": 4, "Sum": 10, "Minimum": 1, "Maximum": 4}},
        {"MetricName": "Fine", "Timestamp": ago(2), "Value": 1, "StorageResolution": 1},
    ])
    for i in range(3):
        cw.put_metric_data(Namespace=NS, MetricData=[
            {"MetricName": "A", "Timestamp": ago(3 - i), "Value": i + 1},
            {"MetricName": "B", "Timestamp": ago(3 - i), "Value": 2 * (i + 1)}])


def check_put_metric_data_errors():
    item = {"MetricName": "m", "Value": 1}
    code, msg, status = error_of(cw.put_metric_data, Namespace="AWS/ECS", MetricData=[item])
    expect_eq((code, status), ("InvalidParameterValue", 400), "reserved namespace")
    expect("AWS/ECS" in msg, "message names the namespace", msg)
    code, _, _ = error_of(cw.put_metric_data, Namespace=NS, MetricData=[{**item, "Values": [1]}])
    expect_eq(code, "InvalidParameterCombination", "Value and Values")
    code, _, _ = error_of(cw.put_metric_data, Namespace=NS, MetricData=[{**item, "Timestamp": NOW - dt.timedelta(days=15)}])
    expect_eq(code, "InvalidParameterValue", "older than two weeks")
    code, _, _ = error_of(cw.put_metric_data, Namespace=NS, MetricData=[{"MetricName": "m", "Values": list(range(151))}])
    expect_eq(code, "InvalidParameterValue", "151 values")
    code, _, _ = error_of(cw.put_metric_data, Namespace=NS, MetricData=[{**item, "StorageResolution": 5}])
    expect_eq(code, "InvalidParameterValue", "storage resolution 5")


def stats(**kw):
    args = dict(Namespace=NS, MetricName="Latency", Dimensions=DIMS, StartTime=ago(10), EndTime=NOW, Period=600)
    args.update(kw)
    return cw.get_metric_statistics(**args)


def check_get_metric_statistics():
    out = stats(Statistics=["SampleCount", "Sum", "Average", "Minimum", "Maximum"])
    expect_eq(out["Label"], "Latency", "label")
    expect_eq(len(out["Datapoints"]), 1, "one period")
    d = out["Datapoints"][0]
    expect_eq((d["SampleCount"], d["Sum"], d["Minimum"], d["Maximum"]), (101.0, 5550.0, 1.0, 500.0), "statistics")
    expect_eq(d["Unit"], "Milliseconds", "unit")
    expect_eq(d["Timestamp"], ago(10), "the period's start")
    per_minute = stats(Statistics=["Sum"], Period=60)["Datapoints"]
    expect_eq(sorted(p["Sum"] for p in per_minute), [500.0, 5050.0], "two one-minute periods")
    expect_eq(stats(Statistics=["Sum"], Unit="Count")["Datapoints"], [], "another unit matches nothing")
    other = stats(Statistics=["Sum"], Dimensions=DIMS[:1])["Datapoints"]
    expect_eq(other, [], "dimensions match exactly")
    req = stats(MetricName="Requests", Statistics=["SampleCount", "Sum"])["Datapoints"][0]
    expect_eq((req["SampleCount"], req["Sum"]), (15.0, 20.0), "values with counts")
    err = stats(MetricName="Errors", Statistics=["Average"])["Datapoints"][0]
    expect_eq(err["Average"], 2.5, "statistic set")


def check_get_metric_statistics_percentiles():
    d = stats(ExtendedStatistics=["p99", "p50"], Period=60, StartTime=ago(5), EndTime=ago(4))["Datapoints"][0]
    expect_eq(d["ExtendedStatistics"], {"p99": 99.0, "p50": 50.0}, "percentiles from raw values")


def check_get_metric_statistics_errors():
    code, _, _ = error_of(stats, Statistics=["Sum"], Period=90)
    expect_eq(code, "InvalidParameterValue", "period 90")
    code, _, _ = error_of(stats, Statistics=["Sum"], ExtendedStatistics=["p99"])
    expect_eq(code, "InvalidParameterCombination", "both statistic kinds")
    code, _, _ = error_of(stats, Statistics=["Sum"], Period=60, StartTime=ago(60 * 48))
    expect_eq(code, "InvalidParameterCombination", "more than 1440 datapoints")
    code, _, _ = error_of(stats, Statistics=["Sum"], StartTime=NOW, EndTime=ago(1))
    expect_eq(code, "InvalidParameterValue", "start after end")


def stat_query(qid, name, **kw):
    return {"Id": qid, "MetricStat": {"Metric": {"Namespace": NS, "MetricName": name}, "Period": 60, "Stat": "Sum"}, **kw}


def check_get_metric_data_with_expressions():
    out = cw.get_metric_data(StartTime=ago(10), EndTime=NOW, MetricDataQueries=[
        stat_query("a", "A"), stat_query("b", "B", ReturnData=False),
        {"Id": "ratio", "Expression": "a / b * 100", "Label": "ratio"},
        {"Id": "total", "Expression": "SUM([a, b])"}])
    results = {r["Id"]: r for r in out["MetricDataResults"]}
    expect_eq(sorted(results), ["a", "ratio", "total"], "ReturnData false is left out")
    expect_eq(results["a"]["Values"], [3.0, 2.0, 1.0], "descending by default")
    expect_eq(results["a"]["Timestamps"], [ago(1), ago(2), ago(3)], "timestamps")
    expect_eq(results["a"]["Label"], "A", "label defaults to the metric name")
    expect_eq(results["ratio"]["Values"], [50.0] * 3, "arithmetic")
    expect_eq(results["total"]["Values"], [9.0, 6.0, 3.0], "SUM over ids")
    expect_eq(results["a"]["StatusCode"], "Complete", "status")
    out = cw.get_metric_data(StartTime=ago(10), EndTime=NOW, MetricDataQueries=[
        stat_query("a", "A", ReturnData=False), stat_query("b", "B", ReturnData=False),
        {"Id": "all", "Expression": "SUM(METRICS())"},
        {"Id": "bs", "Expression": "MAX(METRICS(\"b\"))"},
        {"Id": "each", "Expression": "METRICS() * 10", "Label": "x10"}])
    got = [(r["Id"], r["Label"], r["Values"]) for r in out["MetricDataResults"]]
    expect_eq(got, [("all", "all", [9.0, 6.0, 3.0]), ("bs", "bs", [6.0, 4.0, 2.0]),
                    ("each", "x10 A", [30.0, 20.0, 10.0]), ("each", "x10 B", [60.0, 40.0, 20.0])],
              "METRICS(): sums, a filter by id, and a list answered as one result per metric")
    asc = cw.get_metric_data(StartTime=ago(10), EndTime=NOW, ScanBy="TimestampAscending",
                             MetricDataQueries=[stat_query("a", "A")])
    expect_eq(asc["MetricDataResults"][0]["Values"], [1.0, 2.0, 3.0], "ascending")
    pct = cw.get_metric_data(StartTime=ago(10), EndTime=NOW, MetricDataQueries=[
        {"Id": "p", "MetricStat": {"Metric": {"Namespace": NS, "MetricName": "Latency", "Dimensions": DIMS},
                                   "Period": 60, "Stat": "p99"}}])
    expect_eq(pct["MetricDataResults"][0]["Values"], [500.0, 99.0], "p99 per period")


def check_get_metric_data_paginates():
    pages = cw.get_paginator("get_metric_data").paginate(
        StartTime=ago(10), EndTime=NOW, MaxDatapoints=2, ScanBy="TimestampAscending",
        MetricDataQueries=[stat_query("a", "A"), stat_query("b", "B")])
    got = {}
    count = 0
    for page in pages:
        count += 1
        for r in page["MetricDataResults"]:
            got.setdefault(r["Id"], []).extend(r["Values"])
    expect_eq(got, {"a": [1.0, 2.0, 3.0], "b": [2.0, 4.0, 6.0]}, "every point once")
    expect_eq(count, 3, "three pages of two")
    code, _, _ = error_of(cw.get_metric_data, StartTime=ago(10), EndTime=NOW, NextToken="forged",
                          MetricDataQueries=[stat_query("a", "A")])
    expect_eq(code, "InvalidNextToken", "a forged token")


def check_list_metrics_filters():
    names = sorted(m["MetricName"] for m in cw.list_metrics(Namespace=NS)["Metrics"])
    expect_eq(names, ["A", "B", "Errors", "Fine", "Latency", "Requests"], "every metric of the namespace")
    web = cw.list_metrics(Namespace=NS, Dimensions=[{"Name": "Service", "Value": "web"}])["Metrics"]
    expect_eq(sorted(m["MetricName"] for m in web), ["Errors", "Latency", "Requests"], "by dimension value")
    named = cw.list_metrics(Namespace=NS, MetricName="Latency")["Metrics"]
    expect_eq(len(named), 1, "by name")
    expect_eq(sorted(d["Name"] for d in named[0]["Dimensions"]), ["Cluster", "Service"], "dimensions listed")
    recent = cw.list_metrics(Namespace=NS, RecentlyActive="PT3H")["Metrics"]
    expect_eq(len(recent), 6, "recently active")
    expect_eq(cw.list_metrics(Namespace=NS, Dimensions=[{"Name": "Nope"}])["Metrics"], [], "no such dimension")


def check_list_metrics_paginates():
    ns = f"{NS}/many"
    for chunk in range(0, 520, 260):
        cw.put_metric_data(Namespace=ns, MetricData=[
            {"MetricName": f"m{i:04}", "Value": 1} for i in range(chunk, min(chunk + 260, 520))][:1000])
    first = cw.list_metrics(Namespace=ns)
    expect_eq(len(first["Metrics"]), 500, "500 per page")
    expect("NextToken" in first, "a token")
    got = [m["MetricName"] for p in cw.get_paginator("list_metrics").paginate(Namespace=ns) for m in p["Metrics"]]
    expect_eq(sorted(got), [f"m{i:04}" for i in range(520)], "the paginator visits each once")


def check_unbuilt_operation_answers_modelled_error():
    code, _, _ = error_of(cw.put_dashboard, DashboardName="d", DashboardBody="{}")
    expect_eq(code, "InvalidParameterValue", "PutDashboard's modelled error")


def alarm(name, **kw):
    args = dict(AlarmName=name, Namespace=NS, MetricName="Cpu", Statistic="Average", Period=60,
                EvaluationPeriods=1, Threshold=80.0, ComparisonOperator="GreaterThanOrEqualToThreshold")
    args.update(kw)
    return args


def check_put_metric_alarm_and_waiter():
    cw.put_metric_alarm(**alarm(f"{RUN}-a", AlarmActions=["arn:aws:sns:us-east-1:000000000000:t"],
                                Dimensions=DIMS[:1], EvaluationPeriods=3, DatapointsToAlarm=2))
    cw.get_waiter("alarm_exists").wait(AlarmNames=[f"{RUN}-a"], WaiterConfig={"Delay": 1, "MaxAttempts": 5})
    a = cw.describe_alarms(AlarmNames=[f"{RUN}-a"])["MetricAlarms"][0]
    expect_eq(a["AlarmArn"], f"arn:aws:cloudwatch:{REGION}:000000000000:alarm:{RUN}-a", "the ARN")
    expect_eq((a["StateValue"], a["StateReason"]), ("INSUFFICIENT_DATA", "Unchecked: Initial alarm creation"), "new state")
    expect_eq((a["EvaluationPeriods"], a["DatapointsToAlarm"], a["Threshold"]), (3, 2, 80.0), "configuration")
    expect_eq((a["ActionsEnabled"], a["TreatMissingData"]), (True, "missing"), "defaults")
    expect("StateUpdatedTimestamp" in a and "AlarmConfigurationUpdatedTimestamp" in a, "timestamps", a)
    got = cw.describe_alarms(AlarmNamePrefix=f"{RUN}-", ActionPrefix="arn:aws:sns", MaxRecords=1)
    expect_eq([x["AlarmName"] for x in got["MetricAlarms"]], [f"{RUN}-a"], "prefix filters")
    got = cw.describe_alarms_for_metric(Namespace=NS, MetricName="Cpu", Dimensions=DIMS[:1])
    expect_eq(len(got["MetricAlarms"]), 1, "DescribeAlarmsForMetric")


def check_put_metric_alarm_validation():
    for kw, code in [({"Period": 5}, "InvalidParameterValue"), ({"Period": 90}, "InvalidParameterValue"),
                     ({"Period": 86400, "EvaluationPeriods": 2}, "InvalidParameterValue"),
                     ({"DatapointsToAlarm": 2}, "InvalidParameterValue"),
                     ({"ComparisonOperator": "LessThanLowerOrGreaterThanUpperThreshold"}, "ValidationError")]:
        got, msg, _ = error_of(cw.put_metric_alarm, **alarm(f"{RUN}-bad", **kw))
        expect_eq(got, code, f"{kw}: {msg}")
    cw.delete_alarms(AlarmNames=[f"{RUN}-nope"])  # unknown names are skipped, as CloudWatch does
    code, _, _ = error_of(cw.set_alarm_state, AlarmName=f"{RUN}-nope", StateValue="OK", StateReason="x")
    expect_eq(code, "ResourceNotFound", "set state of unknown")


def check_set_alarm_state_and_history():
    name = f"{RUN}-a"
    cw.set_alarm_state(AlarmName=name, StateValue="ALARM", StateReason="testing")
    a = cw.describe_alarms(AlarmNames=[name], StateValue="ALARM")["MetricAlarms"]
    expect_eq([x["StateReason"] for x in a], ["testing"], "state set")
    items = cw.describe_alarm_history(AlarmName=name, HistoryItemType="StateUpdate")["AlarmHistoryItems"]
    expect_eq(items[0]["HistorySummary"], "Alarm updated from INSUFFICIENT_DATA to ALARM", "history summary")
    expect_eq(json.loads(items[0]["HistoryData"])["newState"]["stateValue"], "ALARM", "history data")
    acts = cw.describe_alarm_history(AlarmName=name, HistoryItemType="Action")["AlarmHistoryItems"]
    expect_eq([i["HistorySummary"] for i in acts], ["Action recorded: arn:aws:sns:us-east-1:000000000000:t"], "action")
    cw.disable_alarm_actions(AlarmNames=[name])
    cw.set_alarm_state(AlarmName=name, StateValue="OK", StateReason="quiet")
    acts = cw.describe_alarm_history(AlarmName=name, HistoryItemType="Action")["AlarmHistoryItems"]
    expect_eq(len(acts), 1, "no action recorded while disabled")
    expect_eq(cw.describe_alarms(AlarmNames=[name])["MetricAlarms"][0]["ActionsEnabled"], False, "disabled")
    whole = cw.describe_alarm_history(AlarmName=name)["AlarmHistoryItems"]
    pages = cw.get_paginator("describe_alarm_history").paginate(AlarmName=name, PaginationConfig={"PageSize": 1})
    paged = [i for p in pages for i in p["AlarmHistoryItems"]]
    expect(len(whole) >= 4, "configuration, two state updates and an action", len(whole))
    expect_eq(paged, whole, "the paginator walks the history a page of one at a time")
    cw.delete_alarms(AlarmNames=[name])
    expect_eq(cw.describe_alarms(AlarmNames=[name])["MetricAlarms"], [], "deleted")


def publish_until(name, value, state):
    deadline = time.time() + 30
    while time.time() < deadline:
        now = dt.datetime.now(dt.timezone.utc)
        cw.put_metric_data(Namespace=NS, MetricData=[
            {"MetricName": "Live", "Timestamp": now - dt.timedelta(seconds=s), "Value": value, "StorageResolution": 1}
            for s in (1, 2)])
        a = cw.describe_alarms(AlarmNames=[name])["MetricAlarms"][0]
        if a["StateValue"] == state:
            return a
        time.sleep(2)
    raise CheckFailed(f"{name} did not reach {state}: {a['StateValue']} ({a['StateReason']})")


def check_alarm_evaluates_published_data():
    name = f"{RUN}-live"
    cw.put_metric_alarm(**alarm(name, MetricName="Live", Period=10, Statistic="Maximum"))
    a = publish_until(name, 95.0, "ALARM")
    expect(a["StateReason"].startswith("Threshold Crossed: 1 datapoint [95.0 ("), "reason", a["StateReason"])
    expect(a["StateReason"].endswith("was greater than or equal to the threshold (80.0)."), "reason", a["StateReason"])
    data = json.loads(a["StateReasonData"])
    expect_eq((data["statistic"], data["period"], data["recentDatapoints"]), ("Maximum", 10, [95.0]), "reason data")
    a = publish_until(name, 5.0, "OK")
    expect("was not greater than or equal to" in a["StateReason"], "OK reason", a["StateReason"])
    items = cw.describe_alarm_history(AlarmName=name, HistoryItemType="StateUpdate", ScanBy="TimestampAscending")
    summaries = [i["HistorySummary"] for i in items["AlarmHistoryItems"]]
    expect_eq(summaries[-2:], ["Alarm updated from INSUFFICIENT_DATA to ALARM", "Alarm updated from ALARM to OK"], "history")
    cw.delete_alarms(AlarmNames=[name])


def wait_state(name, state, composite=False, timeout=30):
    key = "CompositeAlarms" if composite else "MetricAlarms"
    types = ["CompositeAlarm"] if composite else ["MetricAlarm"]
    deadline = time.time() + timeout
    while True:
        a = cw.describe_alarms(AlarmNames=[name], AlarmTypes=types)[key][0]
        if a["StateValue"] == state or time.time() > deadline:
            expect_eq(a["StateValue"], state, f"{name}'s state ({a['StateReason']})")
            return a
        time.sleep(1)


def check_composite_alarms():
    child_a, child_b, comp = f"{RUN}-ca", f"{RUN}-cb", f"{RUN}-comp"
    for n in (child_a, child_b):
        cw.put_metric_alarm(**alarm(n, MetricName="Quiet", TreatMissingData="ignore"))
    arn_b = f"arn:aws:cloudwatch:{REGION}:000000000000:alarm:{child_b}"
    cw.put_composite_alarm(AlarmName=comp, AlarmRule=f'ALARM({child_a}) AND NOT ALARM("{arn_b}")',
                           AlarmActions=["arn:aws:sns:us-east-1:000000000000:t"],
                           ActionsSuppressor=child_b, ActionsSuppressorWaitPeriod=60,
                           ActionsSuppressorExtensionPeriod=120)
    # The waiter's DescribeAlarms needs AlarmTypes: without it CloudWatch answers metric alarms only.
    cw.get_waiter("composite_alarm_exists").wait(AlarmNames=[comp], AlarmTypes=["CompositeAlarm"],
                                                 WaiterConfig={"Delay": 1, "MaxAttempts": 5})
    expect_eq(cw.describe_alarms(AlarmNames=[comp])["CompositeAlarms"], [], "no AlarmTypes: metric alarms only")
    c = cw.describe_alarms(AlarmNames=[comp], AlarmTypes=["CompositeAlarm"])["CompositeAlarms"][0]
    expect_eq((c["StateValue"], c["ActionsSuppressor"], c["ActionsSuppressorWaitPeriod"],
               c["ActionsSuppressedBy"]), ("INSUFFICIENT_DATA", child_b, 60, "None"), "stored")
    kids = cw.describe_alarms(ChildrenOfAlarmName=comp)
    expect_eq(sorted(a["AlarmName"] for a in kids["MetricAlarms"]), [child_a, child_b], "children")
    parents = cw.describe_alarms(ParentsOfAlarmName=child_a)
    expect_eq([a["AlarmName"] for a in parents["CompositeAlarms"]], [comp], "parents")
    cw.set_alarm_state(AlarmName=child_a, StateValue="ALARM", StateReason="test")
    c = wait_state(comp, "ALARM", composite=True)
    expect(c["StateReason"].startswith("arn:aws:cloudwatch:"), "reason names the child", c["StateReason"])
    # The suppressor is not in ALARM: the actions wait up to ActionsSuppressorWaitPeriod for it.
    expect_eq(c["ActionsSuppressedBy"], "WaitPeriod", "actions wait for the suppressor")
    cw.set_alarm_state(AlarmName=child_b, StateValue="ALARM", StateReason="test")
    c = wait_state(comp, "OK", composite=True)
    expect_eq(c["ActionsSuppressedBy"], "Alarm", "the suppressor in ALARM suppresses")
    actions = cw.describe_alarm_history(AlarmName=comp, HistoryItemType="Action")["AlarmHistoryItems"]
    expect_eq(actions, [], "the waiting actions were suppressed, not run")
    items = cw.describe_alarm_history(AlarmName=comp, HistoryItemType="StateUpdate",
                                      ScanBy="TimestampAscending")["AlarmHistoryItems"]
    expect_eq([(i["AlarmType"], i["HistorySummary"]) for i in items][-1],
              ("CompositeAlarm", "Alarm updated from ALARM to OK"), "composite history")
    code, msg, _ = error_of(cw.delete_alarms, AlarmNames=[child_a])
    expect_eq(code, "ValidationError", f"a child cannot be deleted: {msg}")
    code, msg, _ = error_of(cw.put_composite_alarm, AlarmName=f"{RUN}-c2", AlarmRule=f"OK({RUN}-none)")
    expect_eq(code, "ValidationError", f"unknown child: {msg}")
    code, msg, _ = error_of(cw.put_composite_alarm, AlarmName=f"{RUN}-c2", AlarmRule="ALARM(x) ANDD OK(y)")
    expect_eq(code, "ValidationError", f"bad rule: {msg}")
    cw.delete_alarms(AlarmNames=[comp, child_a, child_b])
    left = cw.describe_alarms(AlarmNamePrefix=f"{RUN}-c", AlarmTypes=["MetricAlarm", "CompositeAlarm"])
    expect_eq((left["MetricAlarms"], left["CompositeAlarms"]), ([], []), "deleted together")


def math_metrics(expression, returned="e1"):
    return [{"Id": "m1", "ReturnData": returned == "m1",
             "MetricStat": {"Metric": {"Namespace": NS, "MetricName": "Mathy"}, "Period": 10, "Stat": "Maximum"}},
            {"Id": "e1", "Expression": expression, "ReturnData": returned == "e1"}]


def check_metric_math_alarm():
    name = f"{RUN}-math"
    base = dict(AlarmName=name, EvaluationPeriods=1, Threshold=100.0, ComparisonOperator="GreaterThanThreshold")
    for kw, want in [({"Metrics": math_metrics("m1 * 2", returned="none")},
                      "Exactly one element of the metrics list should return data."),
                     ({"Metrics": math_metrics("m1 * 2"), "Statistic": "Average"},
                      "Statistic should not be set if list of Metrics is set.")]:
        code, msg, _ = error_of(cw.put_metric_alarm, **base, **kw)
        expect_eq((code, msg), ("ValidationError", want), str(kw)[:60])
    band = [{"Id": "m1", "MetricStat": math_metrics("")[0]["MetricStat"]},
            {"Id": "ad1", "Expression": "ANOMALY_DETECTION_BAND(m1, 2)"}]
    code, msg, _ = error_of(cw.put_metric_alarm, AlarmName=name, EvaluationPeriods=1, Metrics=band,
                            ThresholdMetricId="ad1", ComparisonOperator="GreaterThanUpperThreshold")
    expect(code == "ValidationError" and "anomaly detection" in msg, "anomaly detection refused", msg)
    cw.put_metric_alarm(**base, Metrics=math_metrics("m1 * 2"))
    a = cw.describe_alarms(AlarmNames=[name])["MetricAlarms"][0]
    expect_eq(a["Metrics"][1]["Expression"], "m1 * 2", "Metrics answered")
    deadline = time.time() + 30
    while time.time() < deadline:
        now = dt.datetime.now(dt.timezone.utc)
        cw.put_metric_data(Namespace=NS, MetricData=[
            {"MetricName": "Mathy", "Timestamp": now - dt.timedelta(seconds=s), "Value": 60.0, "StorageResolution": 1}
            for s in (1, 2)])
        a = cw.describe_alarms(AlarmNames=[name])["MetricAlarms"][0]
        if a["StateValue"] == "ALARM":
            break
        time.sleep(2)
    expect_eq(a["StateValue"], "ALARM", f"2 x 60 > 100 ({a['StateReason']})")
    cw.delete_alarms(AlarmNames=[name])


def check_get_metric_data_rate_and_fill():
    name = f"Counter{RUN}"
    cw.put_metric_data(Namespace=NS, MetricData=[
        {"MetricName": name, "Timestamp": ago(m), "Value": v} for m, v in [(10, 0.0), (9, 60.0), (7, 300.0)]])
    got = cw.get_metric_data(StartTime=ago(10), EndTime=ago(6), ScanBy="TimestampAscending", MetricDataQueries=[
        {"Id": "m1", "MetricStat": {"Metric": {"Namespace": NS, "MetricName": name}, "Period": 60, "Stat": "Sum"},
         "ReturnData": False},
        {"Id": "rate", "Expression": "RATE(m1)"},
        {"Id": "zero", "Expression": "FILL(m1, 0)"},
        {"Id": "rep", "Expression": "FILL(m1, REPEAT)"},
        {"Id": "lin", "Expression": "FILL(m1, LINEAR)"}])
    res = {r["Id"]: r["Values"] for r in got["MetricDataResults"]}
    expect_eq(res["rate"], [1.0, 2.0], "per-second change (60/60, 240/120)")
    expect_eq(res["zero"], [0.0, 60.0, 0.0, 300.0], "FILL with a value")
    expect_eq(res["rep"], [0.0, 60.0, 60.0, 300.0], "FILL REPEAT")
    expect_eq(res["lin"], [0.0, 60.0, 180.0, 300.0], "FILL LINEAR")


def check_health_lists_monitoring():
    with urllib.request.urlopen(f"{ENDPOINT}/_local-ecs/health", timeout=10) as resp:
        services = json.load(resp)["services"]
    expect_eq(services.get("monitoring"), "running", "health lists CloudWatch")


def check_json_1_0_protocol():
    status, body = raw({"Content-Type": "application/x-amz-json-1.0",
                        "X-Amz-Target": "GraniteServiceVersion20100801.ListMetrics"},
                       json.dumps({"Namespace": NS, "MetricName": "A"}))
    expect_eq(status, 200, "JSON 1.0 status")
    expect_eq([m["MetricName"] for m in json.loads(body)["Metrics"]], ["A"], "JSON 1.0 list")
    status, body = raw({"Content-Type": "application/x-amz-json-1.0",
                        "X-Amz-Target": "GraniteServiceVersion20100801.PutMetricData"},
                       json.dumps({"Namespace": "AWS/X", "MetricData": [{"MetricName": "m", "Value": 1}]}))
    expect_eq((status, json.loads(body).get("__type")), (400, "InvalidParameterValue"), "JSON 1.0 error")


def check_query_protocol():
    form = urllib.parse.urlencode({"Action": "ListMetrics", "Version": "2010-08-01", "Namespace": NS, "MetricName": "A"})
    status, body = raw({"Content-Type": "application/x-www-form-urlencoded"}, form)
    expect_eq(status, 200, "Query status")
    expect('<ListMetricsResponse xmlns="http://monitoring.amazonaws.com/doc/2010-08-01/">' in body, "envelope", body)
    expect("<Metrics><member>" in body and "<MetricName>A</MetricName>" in body, "members", body)
    expect(f"<Namespace>{NS}</Namespace>" in body, "namespace", body)
    form = urllib.parse.urlencode({"Action": "PutMetricData", "Version": "2010-08-01", "Namespace": NS,
                                   "MetricData.member.1.MetricName": "Q", "MetricData.member.1.Value": "7",
                                   "MetricData.member.1.Dimensions.member.1.Name": "d",
                                   "MetricData.member.1.Dimensions.member.1.Value": "v"})
    status, body = raw({"Content-Type": "application/x-www-form-urlencoded"}, form)
    expect_eq(status, 200, "Query put")
    out = cw.get_metric_statistics(Namespace=NS, MetricName="Q", Dimensions=[{"Name": "d", "Value": "v"}],
                                   StartTime=ago(5), EndTime=NOW + dt.timedelta(minutes=2), Period=60,
                                   Statistics=["Sum"])
    expect_eq([p["Sum"] for p in out["Datapoints"]], [7.0], "the Query put is read back")
    form = urllib.parse.urlencode({"Action": "PutMetricData", "Version": "2010-08-01", "Namespace": "AWS/X",
                                   "MetricData.member.1.MetricName": "Q", "MetricData.member.1.Value": "7"})
    status, body = raw({"Content-Type": "application/x-www-form-urlencoded"}, form)
    expect_eq(status, 400, "Query error status")
    expect("<Code>InvalidParameterValue</Code>" in body, "Query error code", body)


def check_alarms_over_query_and_tags():
    name = f"{RUN}-q"
    form = urllib.parse.urlencode({"Action": "PutMetricAlarm", "Version": "2010-08-01", "AlarmName": name,
                                   "Namespace": NS, "MetricName": "Q", "Statistic": "Sum", "Period": "60",
                                   "EvaluationPeriods": "2", "Threshold": "5",
                                   "ComparisonOperator": "LessThanThreshold",
                                   "Tags.member.1.Key": "team", "Tags.member.1.Value": "core"})
    status, body = raw({"Content-Type": "application/x-www-form-urlencoded"}, form)
    expect_eq(status, 200, f"Query PutMetricAlarm: {body}")
    form = urllib.parse.urlencode({"Action": "DescribeAlarms", "Version": "2010-08-01", "AlarmNames.member.1": name})
    status, body = raw({"Content-Type": "application/x-www-form-urlencoded"}, form)
    expect("<MetricAlarms><member>" in body and f"<AlarmName>{name}</AlarmName>" in body, "Query alarms", body)
    expect("<StateUpdatedTimestamp>20" in body, "an ISO 8601 state timestamp", body)
    a = cw.describe_alarms(AlarmNames=[name])["MetricAlarms"][0]
    expect_eq((a["Period"], a["EvaluationPeriods"], a["Threshold"]), (60, 2, 5.0), "typed back through CBOR")
    arn = a["AlarmArn"]
    expect_eq(cw.list_tags_for_resource(ResourceARN=arn)["Tags"], [{"Key": "team", "Value": "core"}], "tags")
    cw.tag_resource(ResourceARN=arn, Tags=[{"Key": "env", "Value": "dev"}])
    cw.untag_resource(ResourceARN=arn, TagKeys=["team"])
    expect_eq(cw.list_tags_for_resource(ResourceARN=arn)["Tags"], [{"Key": "env", "Value": "dev"}], "retagged")
    code, _, _ = error_of(cw.list_tags_for_resource, ResourceARN=arn + "x")
    expect_eq(code, "ResourceNotFoundException", "unknown ARN")
    cw.delete_alarms(AlarmNames=[name])


def check_query_answers_parse_with_botocore():
    import botocore.parsers
    fmt = "%Y-%m-%dT%H:%M:%SZ"
    form = urllib.parse.urlencode({"Action": "GetMetricStatistics", "Version": "2010-08-01", "Namespace": NS,
                                   "MetricName": "Latency", "Dimensions.member.1.Name": "Service",
                                   "Dimensions.member.1.Value": "web", "Dimensions.member.2.Name": "Cluster",
                                   "Dimensions.member.2.Value": "c1", "StartTime": ago(10).strftime(fmt),
                                   "EndTime": NOW.strftime(fmt), "Period": "600",
                                   "ExtendedStatistics.member.1": "p99"})
    status, body = raw({"Content-Type": "application/x-www-form-urlencoded"}, form)
    shape = cw.meta.service_model.operation_model("GetMetricStatistics").output_shape
    parsed = botocore.parsers.QueryParser().parse({"body": body.encode(), "headers": {}, "status_code": status}, shape)
    points = parsed["Datapoints"]
    expect_eq([p["ExtendedStatistics"] for p in points], [{"p99": 100.0}], "p99 over 101 values, read by botocore")
    expect_eq(points[0]["Timestamp"], ago(10), "an ISO 8601 timestamp")


if __name__ == "__main__":
    sys.exit(run_checks(globals()))
