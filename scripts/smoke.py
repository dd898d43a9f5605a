#!/usr/bin/env python3
"""Smoke tests of local-ecs with a real client (boto3), against $AWS_ENDPOINT_URL.

Expectations follow the Amazon ECS API reference
(https://docs.aws.amazon.com/AmazonECS/latest/APIReference/), not local-ecs' current behaviour.
Plain Python: every check is a function named check_*; the run counts passes and failures, prints
each failure with detail, and ends with the line `N passed, N failed` (exit 1 on any failure).

Run by scripts/smoke.sh, or by hand:
  AWS_ENDPOINT_URL=http://127.0.0.1:4566 AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test \
  AWS_DEFAULT_REGION=us-east-1 python3 scripts/smoke.py
"""

import datetime
import http.client
import json
import math
import sys
from urllib.parse import urlparse

from smoke_support import ENDPOINT, REGION, RUN, CheckFailed, ecs_client, expect, expect_eq, run_checks
from botocore.exceptions import ClientError

ACCOUNT = "000000000000"  # local-ecs' account for a non-numeric access key such as "test"
# Names are suffixed so the checks can run against a server that already holds state.

ecs = ecs_client()

CONTAINER = {"name": "web", "image": "busybox", "memory": 64}


def name(base):
    return f"smoke-{base}-{RUN}"


def arn(resource):
    return f"arn:aws:ecs:{REGION}:{ACCOUNT}:{resource}"




def error_code(fn, *args, **kwargs):
    """Calls fn and returns the ClientError code; fails when the call succeeds."""
    try:
        fn(*args, **kwargs)
    except ClientError as e:
        return e.response["Error"]["Code"]
    raise CheckFailed(f"{getattr(fn, '__name__', fn)} succeeded; an error was expected")


def raw(target, body, content_type="application/x-amz-json-1.1"):
    """One raw AWS JSON 1.1 request; returns (status, headers as a lower-case dict, body bytes)."""
    u = urlparse(ENDPOINT)
    conn = http.client.HTTPConnection(u.hostname, u.port or 80, timeout=10)
    headers = {"Content-Type": content_type}
    if target:
        headers["X-Amz-Target"] = "AmazonEC2ContainerServiceV20141113." + target
    conn.request("POST", "/", body=body, headers=headers)
    resp = conn.getresponse()
    data = resp.read()
    conn.close()
    return resp.status, {k.lower(): v for k, v in resp.getheaders()}, data


def raw_error_type(data):
    """The error code of an AWS JSON error body; `__type` may carry a namespace (`ns#Code`)."""
    doc = json.loads(data)
    return doc.get("__type", "").split("#")[-1].split(":")[0]


# --- clusters -------------------------------------------------------------------------------------

def check_create_cluster_and_idempotence():
    n = name("c1")
    first = ecs.create_cluster(clusterName=n)["cluster"]
    expect_eq(first["clusterName"], n, "clusterName")
    expect_eq(first["clusterArn"], arn(f"cluster/{n}"), "clusterArn")
    expect_eq(first["status"], "ACTIVE", "status")
    second = ecs.create_cluster(clusterName=n)["cluster"]
    expect_eq(second["clusterArn"], first["clusterArn"], "same name twice gives the same ARN")


def check_describe_clusters_include_and_missing():
    n = name("tagged")
    ecs.create_cluster(clusterName=n, tags=[{"key": "team", "value": "bench"}])
    missing = name("missing")
    resp = ecs.describe_clusters(clusters=[n, missing], include=["STATISTICS", "TAGS"])
    clusters = resp["clusters"]
    expect_eq([c["clusterName"] for c in clusters], [n], "described clusters")
    c = clusters[0]
    expect_eq(c["status"], "ACTIVE", "status")
    expect_eq(c.get("tags"), [{"key": "team", "value": "bench"}], "tags with include TAGS")
    expect(isinstance(c.get("statistics"), list), "statistics is a list with include STATISTICS", c.get("statistics"))
    for counter in ("registeredContainerInstancesCount", "runningTasksCount", "pendingTasksCount",
                    "activeServicesCount"):
        expect_eq(c.get(counter), 0, counter)
    failures = resp["failures"]
    expect_eq(len(failures), 1, "one failure")
    expect_eq(failures[0].get("reason"), "MISSING", "failure reason")
    expect_eq(failures[0].get("arn"), arn(f"cluster/{missing}"), "failure arn")


def check_describe_clusters_without_include_omits_tags():
    n = name("notags")
    ecs.create_cluster(clusterName=n, tags=[{"key": "k", "value": "v"}])
    c = ecs.describe_clusters(clusters=[n])["clusters"][0]
    expect("tags" not in c or c["tags"] == [], "tags only with include TAGS", c.get("tags"))


def check_list_clusters_paginator():
    mine = [name(f"page{i}") for i in range(5)]
    for n in mine:
        ecs.create_cluster(clusterName=n)
    pages = list(ecs.get_paginator("list_clusters").paginate(PaginationConfig={"PageSize": 2}))
    arns = [a for p in pages for a in p["clusterArns"]]
    for p in pages:
        expect(len(p["clusterArns"]) <= 2, "at most 2 ARNs a page", len(p["clusterArns"]))
    expect_eq(len(arns), len(set(arns)), "no ARN twice across pages")
    for n in mine:
        expect(arn(f"cluster/{n}") in arns, f"{n} listed")
    expect_eq(len(pages), math.ceil(len(arns) / 2), "number of pages")
    expect(len(pages) >= 3, "5 clusters take at least 3 pages of 2", len(pages))
    expect("nextToken" not in pages[-1], "the last page has no nextToken")


def check_delete_cluster_inactive():
    n = name("gone")
    ecs.create_cluster(clusterName=n)
    deleted = ecs.delete_cluster(cluster=n)["cluster"]
    expect_eq(deleted["status"], "INACTIVE", "delete_cluster status")
    expect_eq(deleted["clusterArn"], arn(f"cluster/{n}"), "deleted clusterArn")
    # AWS keeps a deleted cluster describable and listed as INACTIVE for a while.
    described = ecs.describe_clusters(clusters=[n])["clusters"]
    expect_eq([c["status"] for c in described], ["INACTIVE"], "described after delete")
    listed = [a for p in ecs.get_paginator("list_clusters").paginate() for a in p["clusterArns"]]
    expect(arn(f"cluster/{n}") in listed, "deleted cluster still listed")


# --- task definitions -----------------------------------------------------------------------------

def register(family, **extra):
    return ecs.register_task_definition(family=family, containerDefinitions=[dict(CONTAINER)], **extra)


def check_register_task_definition_revisions():
    fam = name("web")
    r1 = register(fam, tags=[{"key": "app", "value": "web"}])
    td = r1["taskDefinition"]
    expect_eq(td["taskDefinitionArn"], arn(f"task-definition/{fam}:1"), "taskDefinitionArn")
    expect_eq(td["family"], fam, "family")
    expect_eq(td["revision"], 1, "revision")
    expect_eq(td["status"], "ACTIVE", "status")
    expect("EC2" in td.get("compatibilities", []), "compatibilities include EC2", td.get("compatibilities"))
    expect(isinstance(td.get("registeredAt"), datetime.datetime), "registeredAt is a timestamp",
           td.get("registeredAt"))
    c = td["containerDefinitions"][0]
    expect_eq(c.get("essential"), True, "container essential defaults to true")
    expect_eq((c["name"], c["image"], c["memory"]), ("web", "busybox", 64), "container echoed")
    expect_eq(r1.get("tags"), [{"key": "app", "value": "web"}], "tags echoed")
    td2 = register(fam)["taskDefinition"]
    expect_eq(td2["revision"], 2, "second revision")
    expect_eq(td2["taskDefinitionArn"], arn(f"task-definition/{fam}:2"), "second ARN")


def check_describe_task_definition_forms():
    fam = name("desc")
    register(fam, tags=[{"key": "k", "value": "v"}])
    register(fam)
    latest = ecs.describe_task_definition(taskDefinition=fam)["taskDefinition"]
    expect_eq(latest["revision"], 2, "family alone is the latest ACTIVE revision")
    by_rev = ecs.describe_task_definition(taskDefinition=f"{fam}:1", include=["TAGS"])
    expect_eq(by_rev["taskDefinition"]["revision"], 1, "family:revision")
    expect_eq(by_rev.get("tags"), [{"key": "k", "value": "v"}], "tags with include TAGS")
    by_arn = ecs.describe_task_definition(taskDefinition=arn(f"task-definition/{fam}:1"))
    expect_eq(by_arn["taskDefinition"]["taskDefinitionArn"], arn(f"task-definition/{fam}:1"), "by ARN")
    expect(not by_arn.get("tags"), "no tags without include TAGS", by_arn.get("tags"))


def check_list_task_definitions_paginator():
    fam = name("list")
    for _ in range(3):
        register(fam)
    pages = list(ecs.get_paginator("list_task_definitions").paginate(
        familyPrefix=fam, PaginationConfig={"PageSize": 1}))
    arns = [a for p in pages for a in p["taskDefinitionArns"]]
    expect_eq(arns, [arn(f"task-definition/{fam}:{r}") for r in (1, 2, 3)], "ARNs in ascending order")
    expect_eq(len(pages), 3, "pages of 1")
    desc = ecs.list_task_definitions(familyPrefix=fam, sort="DESC")["taskDefinitionArns"]
    expect_eq(desc, list(reversed(arns)), "sort DESC")


def check_list_task_definition_families():
    prefix = name("fam")
    for suffix in ("a", "b"):
        register(f"{prefix}-{suffix}")
    fams = ecs.list_task_definition_families(familyPrefix=prefix)["families"]
    expect_eq(fams, [f"{prefix}-a", f"{prefix}-b"], "families by prefix")


def check_deregister_then_delete():
    fam = name("dereg")
    register(fam)
    register(fam)
    td = ecs.deregister_task_definition(taskDefinition=f"{fam}:1")["taskDefinition"]
    expect_eq(td["status"], "INACTIVE", "deregistered status")
    expect(isinstance(td.get("deregisteredAt"), datetime.datetime), "deregisteredAt", td.get("deregisteredAt"))
    active = ecs.list_task_definitions(familyPrefix=fam)["taskDefinitionArns"]
    expect_eq(active, [arn(f"task-definition/{fam}:2")], "ACTIVE listing (the default)")
    inactive = ecs.list_task_definitions(familyPrefix=fam, status="INACTIVE")["taskDefinitionArns"]
    expect_eq(inactive, [arn(f"task-definition/{fam}:1")], "INACTIVE listing")
    expect_eq(ecs.describe_task_definition(taskDefinition=f"{fam}:1")["taskDefinition"]["status"], "INACTIVE",
              "an INACTIVE revision is still describable")
    resp = ecs.delete_task_definitions(taskDefinitions=[f"{fam}:1"])
    expect_eq(resp.get("failures", []), [], "no failures")
    expect_eq([t["status"] for t in resp["taskDefinitions"]], ["DELETE_IN_PROGRESS"], "deleted status")
    # A new registration never reuses a revision number.
    expect_eq(register(fam)["taskDefinition"]["revision"], 3, "revision after deletion")


# --- tags, account settings, attributes ----------------------------------------------------------

def check_cluster_tags():
    n = name("tags")
    cluster_arn = ecs.create_cluster(clusterName=n)["cluster"]["clusterArn"]
    ecs.tag_resource(resourceArn=cluster_arn, tags=[{"key": "a", "value": "1"}, {"key": "b", "value": "2"}])
    tags = ecs.list_tags_for_resource(resourceArn=cluster_arn)["tags"]
    expect_eq(sorted((t["key"], t["value"]) for t in tags), [("a", "1"), ("b", "2")], "tags after tag_resource")
    ecs.untag_resource(resourceArn=cluster_arn, tagKeys=["a"])
    tags = ecs.list_tags_for_resource(resourceArn=cluster_arn)["tags"]
    expect_eq(tags, [{"key": "b", "value": "2"}], "tags after untag_resource")


def check_account_settings():
    setting = ecs.put_account_setting(name="containerInsights", value="enabled")["setting"]
    expect_eq((setting["name"], setting["value"]), ("containerInsights", "enabled"), "put_account_setting echo")
    settings = ecs.list_account_settings(name="containerInsights", effectiveSettings=True)["settings"]
    expect([s for s in settings if s["value"] == "enabled"], "listed as enabled", settings)
    ecs.put_account_setting(name="containerInsights", value="disabled")
    settings = ecs.list_account_settings(name="containerInsights", effectiveSettings=True)["settings"]
    expect_eq([s["value"] for s in settings], ["disabled"], "listed after a second put")


def check_attributes_on_a_cluster():
    n = name("attrs")
    ecs.create_cluster(clusterName=n)
    # targetType container-instance is the only type; targetId is an instance id or ARN. The cluster
    # has no container instances, so AWS answers TargetNotFoundException for one that does not exist.
    missing_instance = arn(f"container-instance/{n}/0123456789abcdef0123456789abcdef")
    code = error_code(ecs.put_attributes, cluster=n, attributes=[
        {"name": "stack", "value": "prod", "targetType": "container-instance", "targetId": missing_instance}])
    expect_eq(code, "TargetNotFoundException", "put_attributes on a missing container instance")
    attrs = ecs.list_attributes(cluster=n, targetType="container-instance")["attributes"]
    expect_eq(attrs, [], "list_attributes on a cluster without instances")
    code = error_code(ecs.list_attributes, cluster=name("nocluster"), targetType="container-instance")
    expect_eq(code, "ClusterNotFoundException", "list_attributes on a missing cluster")


# --- errors ---------------------------------------------------------------------------------------

def check_describe_missing_task_definition():
    code = error_code(ecs.describe_task_definition, taskDefinition=name("nosuch") + ":1")
    expect_eq(code, "ClientException", "describe_task_definition of a missing one")


def check_delete_missing_cluster():
    code = error_code(ecs.delete_cluster, cluster=name("nosuch"))
    expect_eq(code, "ClusterNotFoundException", "delete_cluster of a missing one")


def check_raw_bad_enum():
    # botocore rejects sort='UP' client-side, so the server's own validation needs a raw request.
    status, _, data = raw("ListTaskDefinitions", b'{"sort":"UP"}')
    expect_eq(status, 400, "status")
    expect_eq(raw_error_type(data), "InvalidParameterException", "bad enum error code")


def check_raw_malformed_json():
    status, headers, data = raw("ListClusters", b'{"maxResults": ')
    expect_eq(status, 400, "status")
    expect_eq(raw_error_type(data), "SerializationException", "error code")


def check_raw_unknown_operation():
    status, _, data = raw("NoSuchOperation", b"{}")
    expect_eq(status, 400, "status")
    expect_eq(raw_error_type(data), "UnknownOperationException", "error code")


def check_raw_request_id_everywhere():
    cases = [("ListClusters", b"{}"), ("DescribeClusters", b'{"clusters":["x"]}'),
             ("ListClusters", b"not json"), ("NoSuchOperation", b"{}"), ("DeleteCluster", b'{"cluster":"nosuch"}')]
    for target, body in cases:
        status, headers, _ = raw(target, body)
        expect(headers.get("x-amzn-requestid"), f"x-amzn-RequestId on {target} {body!r} ({status})")


def main():
    return run_checks(globals(), setup=None, teardown=None)


if __name__ == "__main__":
    sys.exit(main())
