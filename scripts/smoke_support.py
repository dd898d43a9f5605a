"""What the boto3 smoke suites share: the client for $AWS_ENDPOINT_URL, expectations, and the
runner that calls every check_* function of a suite, prints `ok`/`FAIL` lines and ends with
`N passed, N failed` (the closing line scripts/smoke.sh reads)."""

import os
import sys
import traceback
import uuid

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

ENDPOINT = os.environ.get("AWS_ENDPOINT_URL", "http://127.0.0.1:4566")
REGION = os.environ.get("AWS_DEFAULT_REGION", "us-east-1")
RUN = uuid.uuid4().hex[:6]


def ecs_client():
    # No retries: a wrong answer must show, not be retried away.
    return boto3.client("ecs", endpoint_url=ENDPOINT, region_name=REGION,
                        config=Config(retries={"max_attempts": 1}))


class CheckFailed(AssertionError):
    pass


def expect(cond, what, got=None):
    if not cond:
        raise CheckFailed(what + ("" if got is None else f" (got {got!r})"))


def expect_eq(got, want, what):
    if got != want:
        raise CheckFailed(f"{what}: expected {want!r}, got {got!r}")


def run_checks(namespace, setup=None, teardown=None):
    """Runs the suite's check_* functions in definition order; returns the exit code."""
    checks = [(n, f) for n, f in namespace.items() if n.startswith("check_") and callable(f)]
    passed = failed = 0
    try:
        if setup:
            setup()
        for n, f in checks:
            ok = run_one(n, f)
            passed, failed = passed + ok, failed + (not ok)
    finally:
        if teardown:
            teardown()
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


def run_one(name, check):
    try:
        check()
    except CheckFailed as e:
        print(f"FAIL {name}: {e}")
    except ClientError as e:
        err = e.response.get("Error", {})
        print(f"FAIL {name}: {e.operation_name} answered {err.get('Code')}: {err.get('Message')}")
    except Exception as e:  # a crash in a check is a failure of that check, not of the run
        print(f"FAIL {name}: {type(e).__name__}: {e}")
        traceback.print_exc(limit=3, file=sys.stdout)
    else:
        print(f"ok   {name}")
        return True
    return False
