#!/usr/bin/env python3
"""Amazon CloudWatch Logs through boto3, against $AWS_ENDPOINT_URL (any runtime: no containers).

Covers log groups (CreateLogGroup with tags, class and KMS key id, ResourceAlreadyExistsException,
name validation, DescribeLogGroups' fields, prefix, pattern, class filter, the paginator,
DeleteLogGroup), retention (PutRetentionPolicy's allowed values, DeleteRetentionPolicy, events
older than the retention rejected), streams (CreateLogStream, DescribeLogStreams' fields, prefix,
orderBy LastEventTime, descending, the paginator, DeleteLogStream), PutLogEvents (AWS's batch
rules, too-old and too-new rejections, missing group or stream), GetLogEvents (startTime and
endTime, startFromHead, forward and backward tokens that come back unchanged at the end),
FilterLogEvents (filter patterns: terms, phrases, ?any, -exclusion, JSON selectors; stream
selection, time range, interleaving, eventIds, the paginator, the polling that
`aws logs tail --follow` does), tags by ARN and by name, an unbuilt operation's modelled error,
the health endpoint, and the AWS CLI reading the events back.

Expectations follow the CloudWatch Logs API reference
(https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/) and botocore's `logs`
model, not local-ecs' current behaviour. Checks run in order (later ones use what earlier ones
create); the run ends with `N passed, N failed`.

  AWS_ENDPOINT_URL=http://127.0.0.1:4566 AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test \\
  AWS_DEFAULT_REGION=us-east-1 python3 tests/py/logs.py
"""

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))

import boto3  # noqa: E402
from botocore.config import Config  # noqa: E402
from botocore.exceptions import ClientError  # noqa: E402
from smoke_support import ENDPOINT, REGION, RUN, CheckFailed, expect, expect_eq, run_checks  # noqa: E402

logs = boto3.client("logs", endpoint_url=ENDPOINT, region_name=REGION,
                    config=Config(retries={"max_attempts": 1}))
GROUP = f"/local-ecs/{RUN}/app"
OTHER = f"/local-ecs/{RUN}/other"
DAY = 86_400_000
S = {}


def now_ms():
    return int(time.time() * 1000)


def error_of(call, **kwargs):
    try:
        call(**kwargs)
    except ClientError as e:
        return e.response["Error"]["Code"], e.response["Error"]["Message"], e.response["ResponseMetadata"]["HTTPStatusCode"]
    raise CheckFailed(f"{call.__name__} succeeded, an error was expected")


def group(name=GROUP):
    found = [g for g in logs.describe_log_groups(logGroupNamePrefix=name)["logGroups"] if g["logGroupName"] == name]
    return found[0] if found else None


def put(stream, events, name=GROUP):
    return logs.put_log_events(logGroupName=name, logStreamName=stream,
                               logEvents=[{"timestamp": t, "message": m} for t, m in events])


def teardown():
    for name in (GROUP, OTHER, f"{GROUP}-retention", f"{GROUP}-tail", f"{GROUP}-big"):
        try:
            logs.delete_log_group(logGroupName=name)
        except ClientError:
            pass
    for i in range(5):
        try:
            logs.delete_log_group(logGroupName=f"/local-ecs/{RUN}/page/{i}")
        except ClientError:
            pass


def check_create_log_group_shows_aws_fields():
    before = now_ms()
    logs.create_log_group(logGroupName=GROUP, tags={"team": "web"}, kmsKeyId="alias/my-key")
    g = group()
    expect(g is not None, "the group is described")
    expect(before - 5000 <= g["creationTime"] <= now_ms() + 5000, "creationTime in epoch ms", g["creationTime"])
    expect_eq(g["arn"], f"arn:aws:logs:{REGION}:{g['arn'].split(':')[4]}:log-group:{GROUP}:*", "arn ends with :*")
    expect_eq(g["logGroupArn"], g["arn"][:-2], "logGroupArn has no :*")
    expect_eq((g["metricFilterCount"], g["storedBytes"], g["logGroupClass"]), (0, 0, "STANDARD"), "defaults")
    expect_eq(g.get("kmsKeyId"), "alias/my-key", "kmsKeyId stored")
    expect("retentionInDays" not in g, "no retention until one is set", g)


def check_a_second_group_of_that_name_already_exists():
    code, msg, status = error_of(logs.create_log_group, logGroupName=GROUP)
    expect_eq((code, status), ("ResourceAlreadyExistsException", 400), "duplicate")
    expect_eq(msg, "The specified log group already exists", "message")


def check_group_names_and_classes_are_validated():
    code, msg, _ = error_of(logs.create_log_group, logGroupName="bad name!")
    expect_eq(code, "InvalidParameterException", "bad name")
    expect("logGroupName" in msg and "regular expression" in msg, "validation message", msg)
    code, _, _ = error_of(logs.create_log_group, logGroupName=f"{GROUP}-x", logGroupClass="COLD")
    expect_eq(code, "InvalidParameterException", "unknown class")


def check_describe_log_groups_filters():
    logs.create_log_group(logGroupName=OTHER, logGroupClass="INFREQUENT_ACCESS")
    names = [g["logGroupName"] for g in logs.describe_log_groups(logGroupNamePrefix=f"/local-ecs/{RUN}/")["logGroups"]]
    expect_eq(names, sorted([GROUP, OTHER]), "prefix lists both, in name order")
    names = [g["logGroupName"] for g in logs.describe_log_groups(logGroupNamePattern=f"{RUN}/OTH")["logGroups"]]
    expect_eq(names, [OTHER], "pattern matches case-insensitively anywhere in the name")
    code, msg, _ = error_of(logs.describe_log_groups, logGroupNamePrefix="/a", logGroupNamePattern="b")
    expect_eq(code, "InvalidParameterException", "prefix and pattern together")
    ia = logs.describe_log_groups(logGroupNamePrefix=f"/local-ecs/{RUN}/", logGroupClass="INFREQUENT_ACCESS")
    expect_eq([g["logGroupName"] for g in ia["logGroups"]], [OTHER], "class filter")


def check_describe_log_groups_paginates():
    names = [f"/local-ecs/{RUN}/page/{i}" for i in range(5)]
    for n in names:
        logs.create_log_group(logGroupName=n)
    first = logs.describe_log_groups(logGroupNamePrefix=f"/local-ecs/{RUN}/page/", limit=2)
    expect_eq(len(first["logGroups"]), 2, "a page of 2")
    expect("nextToken" in first, "a token while more remain")
    pages = logs.get_paginator("describe_log_groups").paginate(
        logGroupNamePrefix=f"/local-ecs/{RUN}/page/", PaginationConfig={"PageSize": 2})
    got = [g["logGroupName"] for p in pages for g in p["logGroups"]]
    expect_eq(got, names, "the paginator visits every group once")
    code, _, _ = error_of(logs.describe_log_groups, nextToken="forged")
    expect_eq(code, "InvalidParameterException", "a forged token")


def check_delete_log_group():
    name = f"/local-ecs/{RUN}/page/4"
    logs.delete_log_group(logGroupName=name)
    expect(group(name) is None, "deleted")
    code, msg, _ = error_of(logs.delete_log_group, logGroupName=name)
    expect_eq((code, msg), ("ResourceNotFoundException", "The specified log group does not exist."), "again")


def check_retention_policy():
    logs.put_retention_policy(logGroupName=GROUP, retentionInDays=7)
    expect_eq(group()["retentionInDays"], 7, "retentionInDays")
    code, msg, _ = error_of(logs.put_retention_policy, logGroupName=GROUP, retentionInDays=2)
    expect_eq(code, "InvalidParameterException", "2 days is not an allowed period")
    expect("retentionInDays" in msg, "message names the member", msg)
    logs.delete_retention_policy(logGroupName=GROUP)
    expect("retentionInDays" not in group(), "retention removed")
    code, _, _ = error_of(logs.put_retention_policy, logGroupName=f"{GROUP}-none", retentionInDays=1)
    expect_eq(code, "ResourceNotFoundException", "unknown group")


def check_create_log_stream():
    for s in ("web/app/1", "web/app/2", "worker/1"):
        logs.create_log_stream(logGroupName=GROUP, logStreamName=s)
    code, msg, _ = error_of(logs.create_log_stream, logGroupName=GROUP, logStreamName="worker/1")
    expect_eq(code, "ResourceAlreadyExistsException", "duplicate stream")
    code, msg, _ = error_of(logs.create_log_stream, logGroupName=f"{GROUP}-none", logStreamName="s")
    expect_eq((code, msg), ("ResourceNotFoundException", "The specified log group does not exist."), "no group")
    code, _, _ = error_of(logs.create_log_stream, logGroupName=GROUP, logStreamName="a:b")
    expect_eq(code, "InvalidParameterException", "':' is not allowed in a stream name")


def check_put_log_events():
    t = now_ms()
    S["t0"] = t
    r = put("web/app/1", [(t - 3000, "GET /health 200"), (t - 2000, "ERROR disk full"),
                          (t - 1000, json.dumps({"level": "ERROR", "status": 503, "user": {"id": "u-42"}}))])
    expect(r["nextSequenceToken"].isdigit(), "nextSequenceToken is digits", r["nextSequenceToken"])
    expect("rejectedLogEventsInfo" not in r, "nothing rejected", r)
    r = put("web/app/2", [(t - 2500, "WARN slow"), (t - 500, json.dumps({"level": "INFO", "status": 200}))])
    logs.put_log_events(logGroupName=GROUP, logStreamName="worker/1", sequenceToken="whatever",
                        logEvents=[{"timestamp": t - 1500, "message": "retry ERROR job 7"}])


def check_put_log_events_batch_rules():
    t = now_ms()
    code, msg, _ = error_of(put, stream="worker/1", events=[(t, "b"), (t - 1, "a")])
    expect_eq((code, msg), ("InvalidParameterException",
                            "Log events in a single PutLogEvents request must be in chronological order."), "order")
    code, _, _ = error_of(put, stream="worker/1", events=[(t - DAY - 60_000, "a"), (t, "b")])
    expect_eq(code, "InvalidParameterException", "a batch spanning more than 24 hours")
    code, msg, _ = error_of(put, stream="nope", events=[(t, "a")])
    expect_eq((code, msg), ("ResourceNotFoundException", "The specified log stream does not exist."), "no stream")
    code, msg, _ = error_of(put, stream="s", events=[(t, "a")], name=f"{GROUP}-none")
    expect_eq((code, msg), ("ResourceNotFoundException", "The specified log group does not exist."), "no group")
    code, _, _ = error_of(put, stream="worker/1", events=[(t, "x" * 600_000), (t, "y" * 600_000)])
    expect_eq(code, "InvalidParameterException", "a batch over 1,048,576 bytes")


def check_too_old_and_too_new_events_are_rejected():
    t = now_ms()
    logs.create_log_stream(logGroupName=GROUP, logStreamName="edge")
    r = put("edge", [(t - 15 * DAY, "old"), (t - 15 * DAY + 1, "old too")])
    expect_eq(r.get("rejectedLogEventsInfo", {}).get("tooOldLogEventEndIndex"), 1, "older than 14 days")
    r = put("edge", [(t, "fine"), (t + 3 * 3_600_000, "future")])
    expect_eq(r.get("rejectedLogEventsInfo", {}).get("tooNewLogEventStartIndex"), 1, "more than 2 h ahead")
    events = logs.get_log_events(logGroupName=GROUP, logStreamName="edge")["events"]
    expect_eq([e["message"] for e in events], ["fine"], "only the accepted event is stored")


def check_retention_rejects_events_older_than_it():
    name = f"{GROUP}-retention"
    logs.create_log_group(logGroupName=name)
    logs.create_log_stream(logGroupName=name, logStreamName="s")
    t = now_ms()
    put("s", [(t - 2 * DAY, "two days old")], name=name)
    logs.put_retention_policy(logGroupName=name, retentionInDays=1)
    kept = logs.get_log_events(logGroupName=name, logStreamName="s")["events"]
    expect_eq(kept, [], "an event older than the new retention is deleted")
    r = put("s", [(t - DAY - 60_000, "expired"), (t - DAY + 60_000, "just inside")], name=name)
    info = r.get("rejectedLogEventsInfo", {})
    expect_eq(info.get("tooOldLogEventEndIndex"), 0, "older than the retention is too old")
    events = logs.get_log_events(logGroupName=name, logStreamName="s")["events"]
    expect_eq([e["message"] for e in events], ["just inside"], "the event inside the retention is kept")


def check_describe_log_streams():
    streams = logs.describe_log_streams(logGroupName=GROUP)["logStreams"]
    expect_eq([s["logStreamName"] for s in streams], ["edge", "web/app/1", "web/app/2", "worker/1"], "name order")
    s = next(s for s in streams if s["logStreamName"] == "web/app/1")
    expect_eq((s["firstEventTimestamp"], s["lastEventTimestamp"]), (S["t0"] - 3000, S["t0"] - 1000), "event times")
    expect(s["lastIngestionTime"] >= s["creationTime"], "lastIngestionTime", s)
    expect(s["arn"].endswith(f":log-group:{GROUP}:log-stream:web/app/1"), "stream arn", s["arn"])
    expect(s["storedBytes"] > 0 and s["uploadSequenceToken"].isdigit(), "storedBytes and token", s)
    names = [s["logStreamName"] for s in logs.describe_log_streams(
        logGroupName=GROUP, logStreamNamePrefix="web/")["logStreams"]]
    expect_eq(names, ["web/app/1", "web/app/2"], "prefix")
    by_time = logs.describe_log_streams(logGroupName=GROUP, orderBy="LastEventTime", descending=True)["logStreams"]
    expect_eq(by_time[0]["logStreamName"], "edge", "the latest event first")
    code, _, _ = error_of(logs.describe_log_streams, logGroupName=GROUP, orderBy="LastEventTime",
                          logStreamNamePrefix="web")
    expect_eq(code, "InvalidParameterException", "prefix with orderBy LastEventTime")
    pages = logs.get_paginator("describe_log_streams").paginate(logGroupName=GROUP, PaginationConfig={"PageSize": 1})
    expect_eq(len([s for p in pages for s in p["logStreams"]]), 4, "paginator")
    code, _, _ = error_of(logs.describe_log_streams, logGroupName=f"{GROUP}-none")
    expect_eq(code, "ResourceNotFoundException", "no group")


def check_get_log_events_ranges_and_direction():
    t = S["t0"]
    r = logs.get_log_events(logGroupName=GROUP, logStreamName="web/app/1")
    expect_eq([e["timestamp"] for e in r["events"]], [t - 3000, t - 2000, t - 1000], "every event, oldest first")
    expect(all(set(e) == {"timestamp", "message", "ingestionTime"} for e in r["events"]), "event shape", r["events"])
    expect(r["nextForwardToken"].startswith("f/") and r["nextBackwardToken"].startswith("b/"), "token shapes", r)
    r = logs.get_log_events(logGroupName=GROUP, logStreamName="web/app/1", startTime=t - 2000, endTime=t - 1000)
    expect_eq([e["timestamp"] for e in r["events"]], [t - 2000], "startTime inclusive, endTime exclusive")
    r = logs.get_log_events(logGroupName=GROUP, logStreamName="web/app/1", limit=1, startFromHead=True)
    expect_eq([e["timestamp"] for e in r["events"]], [t - 3000], "startFromHead")
    r = logs.get_log_events(logGroupName=GROUP, logStreamName="web/app/1", limit=1)
    expect_eq([e["timestamp"] for e in r["events"]], [t - 1000], "the latest by default")
    back = logs.get_log_events(logGroupName=GROUP, logStreamName="web/app/1", limit=1, nextToken=r["nextBackwardToken"])
    expect_eq([e["timestamp"] for e in back["events"]], [t - 2000], "a backward page")


def check_get_log_events_tokens_end_where_they_started():
    seen, token, calls = [], None, 0
    while calls < 10:
        kwargs = {"nextToken": token} if token else {"startFromHead": True}
        r = logs.get_log_events(logGroupName=GROUP, logStreamName="web/app/1", limit=2, **kwargs)
        seen += [e["message"] for e in r["events"]]
        calls += 1
        if r["nextForwardToken"] == token:
            break
        token = r["nextForwardToken"]
    expect_eq(len(seen), 3, "every event once, forward")
    expect(calls <= 3, "the same token comes back when nothing is left", calls)
    put("web/app/1", [(now_ms(), "later")])
    r = logs.get_log_events(logGroupName=GROUP, logStreamName="web/app/1", nextToken=token)
    expect_eq([e["message"] for e in r["events"]], ["later"], "the forward token picks up new events")
    r2 = logs.get_log_events(logGroupName=GROUP, logStreamName="web/app/1", nextToken=r["nextForwardToken"])
    expect_eq((r2["events"], r2["nextForwardToken"]), ([], r["nextForwardToken"]), "then the same token")


def messages(**kwargs):
    return [e["message"] for e in logs.filter_log_events(logGroupName=GROUP, **kwargs)["events"]]


def check_filter_patterns():
    expect_eq(len(messages()), 8, "an empty pattern matches everything")
    expect_eq(messages(filterPattern="ERROR disk"), ["ERROR disk full"], "all terms")
    expect_eq(messages(filterPattern='"disk full"'), ["ERROR disk full"], "a phrase")
    expect_eq(sorted(messages(filterPattern="?WARN ?retry")), ["WARN slow", "retry ERROR job 7"], "any term")
    expect_eq(messages(filterPattern="ERROR -retry -level"), ["ERROR disk full"], "exclusions")
    got = messages(filterPattern='{ $.level = "ERROR" }')
    expect(len(got) == 1 and json.loads(got[0])["status"] == 503, "JSON equality", got)
    expect_eq(len(messages(filterPattern="{ $.status >= 500 }")), 1, "a numeric comparison")
    expect_eq(len(messages(filterPattern='{ $.level = "INFO" || $.status = 503 }')), 2, "||")
    expect_eq(len(messages(filterPattern='{ $.level != "ERROR" && $.status < 300 }')), 1, "!= and &&")
    expect_eq(len(messages(filterPattern='{ $.user.id = "u-*" }')), 1, "a wildcard in a string value")
    code, _, _ = error_of(logs.filter_log_events, logGroupName=GROUP, filterPattern="{ $.level = }")
    expect_eq(code, "InvalidParameterException", "a malformed pattern")


def check_filter_log_events_selection_and_shape():
    r = logs.filter_log_events(logGroupName=GROUP, logStreamNames=["web/app/1", "web/app/2"])
    stamps = [e["timestamp"] for e in r["events"]]
    expect_eq(stamps, sorted(stamps), "interleaved by time")
    expect_eq({e["logStreamName"] for e in r["events"]}, {"web/app/1", "web/app/2"}, "both streams")
    e = r["events"][0]
    expect_eq(set(e), {"logStreamName", "timestamp", "message", "ingestionTime", "eventId"}, "event shape")
    expect_eq(len({e["eventId"] for e in r["events"]}), len(r["events"]), "unique eventIds")
    expect_eq(sorted(s["logStreamName"] for s in r["searchedLogStreams"]), ["web/app/1", "web/app/2"], "searched")
    expect_eq(messages(logStreamNamePrefix="worker"), ["retry ERROR job 7"], "stream prefix")
    t = S["t0"]
    expect_eq(messages(startTime=t - 2500, endTime=t - 1500), ["WARN slow", "ERROR disk full"], "time range")
    arn = group()["logGroupArn"]
    r = logs.filter_log_events(logGroupIdentifier=arn, filterPattern="WARN")
    expect_eq([e["message"] for e in r["events"]], ["WARN slow"], "logGroupIdentifier as an ARN")
    code, _, _ = error_of(logs.filter_log_events, logGroupName=GROUP, logGroupIdentifier=arn)
    expect_eq(code, "InvalidParameterException", "name and identifier together")


def check_filter_log_events_paginates():
    first = logs.filter_log_events(logGroupName=GROUP, limit=3)
    expect_eq(len(first["events"]), 3, "a page of 3")
    expect("nextToken" in first, "a token while more remain")
    pages = logs.get_paginator("filter_log_events").paginate(logGroupName=GROUP, PaginationConfig={"PageSize": 3})
    ids = [e["eventId"] for p in pages for e in p["events"]]
    expect_eq(len(ids), 8, "the paginator visits every event")
    expect_eq(len(set(ids)), 8, "once")


def check_tail_follow_polling():
    # What CLI v2's `aws logs tail --follow` does (awscli/customizations/logs/tail.py,
    # FollowLogEventsGenerator): FilterLogEvents from startTime, following nextToken; on the last
    # page, restart from the newest timestamp seen, skipping the eventIds seen at that timestamp.
    name = f"{GROUP}-tail"
    logs.create_log_group(logGroupName=name)
    logs.create_log_stream(logGroupName=name, logStreamName="s")
    t = now_ms()
    put("s", [(t - 100, "one"), (t, "two")], name=name)
    kwargs = {"logGroupName": name, "interleaved": True, "startTime": t - 3_600_000}
    ids_at = {}
    printed = []

    def poll():
        nonlocal ids_at
        while True:
            r = logs.filter_log_events(**kwargs)
            for e in r["events"]:
                seen = ids_at.setdefault(e["timestamp"], set())
                if e["eventId"] not in seen:
                    seen.add(e["eventId"])
                    printed.append(e["message"])
            if ids_at:
                newest = max(ids_at)
                ids_at = {newest: ids_at[newest]}
            if "nextToken" in r:
                kwargs["nextToken"] = r["nextToken"]
                continue
            if ids_at:
                kwargs["startTime"] = max(ids_at)
            kwargs.pop("nextToken", None)
            return

    poll()
    put("s", [(t, "three"), (t + 50, "four")], name=name)
    poll()
    poll()
    expect_eq(printed, ["one", "two", "three", "four"], "every event once, in order")


def check_pages_stop_at_one_megabyte():
    name = f"{GROUP}-big"
    logs.create_log_group(logGroupName=name)
    logs.create_log_stream(logGroupName=name, logStreamName="s")
    t = now_ms()
    for i in range(3):
        put("s", [(t + i, str(i) * 400_000)], name=name)
    head = logs.get_log_events(logGroupName=name, logStreamName="s", startFromHead=True)
    expect_eq([e["message"][0] for e in head["events"]], ["0", "1"], "a forward page holds at most 1 MB")
    rest = logs.get_log_events(logGroupName=name, logStreamName="s", nextToken=head["nextForwardToken"])
    expect_eq([e["message"][0] for e in rest["events"]], ["2"], "the next page has the rest")
    tail = logs.get_log_events(logGroupName=name, logStreamName="s")
    expect_eq([e["message"][0] for e in tail["events"]], ["1", "2"], "the default page keeps the newest")
    pages = logs.get_paginator("filter_log_events").paginate(logGroupName=name)
    sizes = [len(p["events"]) for p in pages]
    expect_eq(sizes, [2, 1], "FilterLogEvents pages stop at 1 MB too")


def check_tags_by_arn_and_by_name():
    arn = group()["logGroupArn"]
    expect_eq(logs.list_tags_for_resource(resourceArn=arn)["tags"], {"team": "web"}, "tags from create")
    logs.tag_resource(resourceArn=arn, tags={"env": "dev"})
    logs.untag_resource(resourceArn=arn, tagKeys=["team"])
    expect_eq(logs.list_tags_for_resource(resourceArn=arn)["tags"], {"env": "dev"}, "tag and untag by ARN")
    logs.tag_log_group(logGroupName=GROUP, tags={"owner": "me"})
    logs.untag_log_group(logGroupName=GROUP, tags=["env"])
    expect_eq(logs.list_tags_log_group(logGroupName=GROUP)["tags"], {"owner": "me"}, "the older operations")
    code, _, _ = error_of(logs.list_tags_for_resource, resourceArn=arn + "-none")
    expect_eq(code, "ResourceNotFoundException", "an unknown group")


def check_delete_log_stream():
    logs.delete_log_stream(logGroupName=GROUP, logStreamName="edge")
    code, msg, _ = error_of(logs.delete_log_stream, logGroupName=GROUP, logStreamName="edge")
    expect_eq((code, msg), ("ResourceNotFoundException", "The specified log stream does not exist."), "again")


def check_unbuilt_operations_answer_a_modelled_error():
    code, msg, status = error_of(logs.describe_metric_filters, logGroupName=GROUP)
    expect_eq((code, status), ("InvalidParameterException", 400), "DescribeMetricFilters is not built")
    expect("DescribeMetricFilters" in msg, "the message names the operation", msg)


def check_health_lists_logs():
    with urllib.request.urlopen(f"{ENDPOINT}/_local-ecs/health", timeout=5) as resp:
        body = json.load(resp)
    expect_eq(body["services"].get("logs"), "running", "health")


def cli(*args):
    env = dict(os.environ, AWS_ENDPOINT_URL=ENDPOINT, AWS_DEFAULT_REGION=REGION)
    env.setdefault("AWS_ACCESS_KEY_ID", "test")
    env.setdefault("AWS_SECRET_ACCESS_KEY", "test")
    return subprocess.run(["aws", "--endpoint-url", ENDPOINT, *args], env=env, capture_output=True,
                          text=True, timeout=60)


def check_the_aws_cli_reads_the_events():
    if not shutil.which("aws"):
        print("note: aws is not installed; skipping the CLI check")
        return
    tail = cli("logs", "tail", GROUP, "--since", "1h")
    if tail.returncode == 0:
        expect("ERROR disk full" in tail.stdout, "aws logs tail prints the events", tail.stdout)
        return
    # CLI v1 has no `logs tail`: its auto-paginating reads must end and show the events.
    print("note: this aws has no `logs tail` (CLI v1); reading with filter-log-events and get-log-events")
    out = cli("logs", "filter-log-events", "--log-group-name", GROUP, "--filter-pattern", "ERROR")
    expect(out.returncode == 0, "filter-log-events ran", out.stderr)
    expect_eq(sorted(e["message"] for e in json.loads(out.stdout)["events"] if not e["message"].startswith("{")),
              ["ERROR disk full", "retry ERROR job 7"], "filter-log-events")
    out = cli("logs", "get-log-events", "--log-group-name", GROUP, "--log-stream-name", "web/app/1")
    expect(out.returncode == 0, "get-log-events ran (its pagination ends)", out.stderr)
    expect("ERROR disk full" in out.stdout, "get-log-events prints the events", out.stdout)


def cli_v2():
    """Debian's `awscli` package is the AWS CLI v2 (installed by .ci/run beside PyPI's v1)."""
    for path in ("/usr/bin/aws", shutil.which("aws")):
        if path and os.path.exists(path):
            out = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=30)
            if out.stdout.startswith("aws-cli/2"):
                return path
    return None


def check_aws_logs_tail_follow_with_cli_v2():
    aws = cli_v2()
    if not aws:
        print("note: no AWS CLI v2 here (Debian's awscli package); skipping aws logs tail --follow")
        return
    env = dict(os.environ, AWS_DEFAULT_REGION=REGION)
    env.setdefault("AWS_ACCESS_KEY_ID", "test")
    env.setdefault("AWS_SECRET_ACCESS_KEY", "test")
    base = [aws, "--endpoint-url", ENDPOINT, "logs"]
    logs.create_log_stream(logGroupName=GROUP, logStreamName=f"follow-{RUN}")
    tail = subprocess.Popen(base + ["tail", GROUP, "--follow", "--since", "1h", "--log-stream-names", f"follow-{RUN}"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(3)
        logs.put_log_events(logGroupName=GROUP, logStreamName=f"follow-{RUN}", logEvents=[
            {"timestamp": int(time.time() * 1000), "message": f"followed {RUN}"}])
        time.sleep(8)  # the CLI polls every 5 s
    finally:
        tail.terminate()
        stdout, stderr = tail.communicate(timeout=30)
    expect(f"followed {RUN}" in stdout, "aws logs tail --follow prints an event put while it follows",
           (stdout[-300:], stderr[-300:]))


if __name__ == "__main__":
    sys.exit(run_checks(globals(), teardown=teardown))
