#!/usr/bin/env python3
"""Persistence of CloudWatch Logs and CloudWatch across a kill -9 (`--state-dir`).

`create(client)` makes log groups (retention, tags), streams with events, a metric with
datapoints over a few minutes, a metric alarm set to ALARM by SetAlarmState, one evaluated to
ALARM by the alarm controller, and a composite alarm over both; it returns, as plain JSON data,
every answer that must come back the same. `check(client, created)` asks the same questions
after a restart and raises AssertionError naming what differs. `client(name)` returns a boto3
client (`client("logs")`, `client("cloudwatch")`) pointed at the server.

The alarms treat missing data as `ignore`, so that the controller, which keeps evaluating after
the restart, has no reason to move them while the test runs.

By hand (the runner does the same):

  target/debug/local-ecs --port 4597 --runtime simulated --state-dir /tmp/sd-cw &
  python3 tests/py/persist_cw.py create 4597 /tmp/created.json
  kill -9 %1; target/debug/local-ecs --port 4597 --runtime simulated --state-dir /tmp/sd-cw &
  python3 tests/py/persist_cw.py check 4597 /tmp/created.json
"""

import json
import sys
import time
import uuid


def plain(value):
    """JSON data only (datetimes as text, no ResponseMetadata), so answers compare and keep."""
    if isinstance(value, dict):
        value = {k: v for k, v in value.items() if k != "ResponseMetadata"}
    return json.loads(json.dumps(value, default=str, sort_keys=True))


def log_answers(logs, names):
    out = {"groups": [], "streams": {}, "events": {}, "filtered": {}, "tags": {}}
    for prefix in (names["prefix"],):
        out["groups"] = plain(logs.describe_log_groups(logGroupNamePrefix=prefix))
    for group in names["groups"]:
        streams = plain(logs.describe_log_streams(logGroupName=group))
        out["streams"][group] = streams
        out["tags"][group] = plain(logs.list_tags_log_group(logGroupName=group))
        out["filtered"][group] = plain(logs.filter_log_events(logGroupName=group))
        for s in streams["logStreams"]:
            name = s["logStreamName"]
            got = logs.get_log_events(logGroupName=group, logStreamName=name, startFromHead=True)
            out["events"][f"{group} {name}"] = plain(got["events"])
    return out


def metric_answers(cw, names):
    dims = [{"Name": "Host", "Value": "a"}]
    window = {"StartTime": names["start"], "EndTime": names["end"], "Period": 60}
    metric = {"Namespace": names["namespace"], "MetricName": "Load", "Dimensions": dims}
    stats = cw.get_metric_statistics(
        **metric, **window, Statistics=["Average", "Sum", "Minimum", "Maximum", "SampleCount"]
    )
    p90 = cw.get_metric_statistics(**metric, **window, ExtendedStatistics=["p90"])
    query = {"Id": "load", "MetricStat": {"Metric": metric, "Period": 60, "Stat": "Average"}}
    data = cw.get_metric_data(
        MetricDataQueries=[query], StartTime=names["start"], EndTime=names["end"]
    )
    alarms = cw.describe_alarms(
        AlarmNames=names["alarms"], AlarmTypes=["MetricAlarm", "CompositeAlarm"]
    )
    history = {
        a: plain(cw.describe_alarm_history(AlarmName=a, ScanBy="TimestampAscending"))
        for a in names["alarms"]
    }
    return {
        "statistics": plain(sorted(stats["Datapoints"], key=lambda d: str(d["Timestamp"]))),
        "p90": plain(sorted(p90["Datapoints"], key=lambda d: str(d["Timestamp"]))),
        "data": plain(data["MetricDataResults"]),
        "metrics": plain(cw.list_metrics(Namespace=names["namespace"])),
        "alarms": plain(alarms),
        "history": history,
    }


def make_logs(logs, run):
    prefix = f"/persist-cw/{run}"
    app, plain_group = f"{prefix}/app", f"{prefix}/plain"
    logs.create_log_group(logGroupName=app, tags={"team": "web", "run": run})
    logs.put_retention_policy(logGroupName=app, retentionInDays=7)
    logs.create_log_group(logGroupName=plain_group)
    now = int(time.time() * 1000)
    for stream, batches in (("web/1", 3), ("web/2", 1)):
        logs.create_log_stream(logGroupName=app, logStreamName=stream)
        for b in range(batches):
            events = [
                {"timestamp": now - 60_000 + b * 1000 + i,
                 "message": f"{stream} batch {b} line {i}"}
                for i in range(10)
            ]
            logs.put_log_events(logGroupName=app, logStreamName=stream, logEvents=events)
    logs.create_log_stream(logGroupName=plain_group, logStreamName="empty")
    return {"prefix": prefix, "groups": [app, plain_group]}


def make_metrics(cw, run):
    namespace = f"PersistCW/{run}"
    dims = [{"Name": "Host", "Value": "a"}]
    now = int(time.time()) // 60 * 60
    data = [
        {"MetricName": "Load", "Dimensions": dims, "Timestamp": now - 60 * m + s,
         "Value": 60.0 + m + s, "Unit": "Percent"}
        for m in range(5) for s in (5, 25, 45)
    ]
    data.append({"MetricName": "Load", "Dimensions": dims, "Timestamp": now - 100,
                 "StatisticValues": {"SampleCount": 4, "Sum": 300, "Minimum": 70, "Maximum": 80},
                 "Unit": "Percent"})
    cw.put_metric_data(Namespace=namespace, MetricData=data)
    high, by_hand, anyof = (f"persist-cw-{run}-{n}" for n in ("high", "set", "any"))
    common = {"Namespace": namespace, "Statistic": "Average", "Period": 60,
              "EvaluationPeriods": 1, "ComparisonOperator": "GreaterThanThreshold",
              "TreatMissingData": "ignore"}
    cw.put_metric_alarm(AlarmName=high, MetricName="Load", Dimensions=dims, Threshold=50,
                        Tags=[{"Key": "run", "Value": run}], **common)
    cw.put_metric_alarm(AlarmName=by_hand, MetricName="Idle", Threshold=1, **common)
    cw.set_alarm_state(AlarmName=by_hand, StateValue="ALARM", StateReason="set by hand")
    cw.put_composite_alarm(AlarmName=anyof, AlarmRule=f"ALARM({high}) OR ALARM({by_hand})")
    wait_for_alarms(cw, [high, anyof])
    return {"namespace": namespace, "start": now - 600, "end": now + 60,
            "alarms": [high, by_hand, anyof]}


def wait_for_alarms(cw, names, timeout=60):
    """The controller evaluates every 10 emulated seconds: wait until these are in ALARM."""
    deadline = time.time() + timeout
    while True:
        got = cw.describe_alarms(AlarmNames=names, AlarmTypes=["MetricAlarm", "CompositeAlarm"])
        states = {a["AlarmName"]: a["StateValue"]
                  for a in got["MetricAlarms"] + got["CompositeAlarms"]}
        if all(states.get(n) == "ALARM" for n in names):
            return
        assert time.time() < deadline, f"alarms not evaluated to ALARM in {timeout}s: {states}"
        time.sleep(1)


def create(client):
    run = uuid.uuid4().hex[:8]
    names = {
        "logs": make_logs(client("logs"), run),
        "metrics": make_metrics(client("cloudwatch"), run),
    }
    answers = {
        "logs": log_answers(client("logs"), names["logs"]),
        "metrics": metric_answers(client("cloudwatch"), names["metrics"]),
    }
    sanity(answers)
    return {"names": names, "answers": answers}


def sanity(answers):
    """What create made is there before the restart (so check compares something)."""
    events = answers["logs"]["events"]
    assert sum(len(e) for e in events.values()) == 40, f"events: {events}"
    assert len(answers["metrics"]["statistics"]) == 5, answers["metrics"]["statistics"]
    states = [a["StateValue"] for a in answers["metrics"]["alarms"]["MetricAlarms"]]
    assert states == ["ALARM", "ALARM"], states


def differences(before, after, path=""):
    """Where two answers differ, as readable paths."""
    if isinstance(before, dict) and isinstance(after, dict):
        out = []
        for k in sorted(set(before) | set(after)):
            if k not in after:
                out.append(f"{path}.{k}: missing after the restart")
            elif k not in before:
                out.append(f"{path}.{k}: new after the restart: {after[k]!r:.200}")
            else:
                out += differences(before[k], after[k], f"{path}.{k}")
        return out
    if isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
        return [d for i, (b, a) in enumerate(zip(before, after))
                for d in differences(b, a, f"{path}[{i}]")]
    if before != after:
        return [f"{path}: before {before!r:.300}, after {after!r:.300}"]
    return []


def check(client, created):
    names = created["names"]
    try:
        after = {
            "logs": log_answers(client("logs"), names["logs"]),
            "metrics": metric_answers(client("cloudwatch"), names["metrics"]),
        }
    except Exception as e:  # a group or alarm gone makes the describing itself fail
        raise AssertionError(f"after the restart, describing what create made failed: {e}") from e
    diffs = differences(created["answers"], after)
    assert not diffs, "after the restart, these differ:\n  " + "\n  ".join(diffs[:40])


def main():
    import boto3

    what, port, path = sys.argv[1], sys.argv[2], sys.argv[3]

    def client(name):
        return boto3.client(name, endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1",
                            aws_access_key_id="test", aws_secret_access_key="test")

    if what == "create":
        with open(path, "w") as f:
            json.dump(create(client), f)
        print(f"created; answers in {path}")
    else:
        with open(path) as f:
            check(client, json.load(f))
        print("check passed: all of it describes identically after the restart")


if __name__ == "__main__":
    main()
