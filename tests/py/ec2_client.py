#!/usr/bin/env python3
"""boto3's EC2 (or Auto Scaling) client as a command for the Rust tests (whose own SDK would be the huge EC2
crate): one call per run, its answer as JSON on stdout, an error as `{"Error": {...}}`.

  python3 tests/py/ec2_client.py ENDPOINT REGION OPERATION '{"Param": ...}' [SERVICE]

OPERATION is boto3's snake_case method name (run_instances, terminate_instances...); the extra
`wait` operation runs a waiter: '{"waiter": "instance_running", "InstanceIds": [...]}'.
"""

import json
import sys

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError


def main():
    endpoint, region, operation, params = sys.argv[1:5]
    service = sys.argv[5] if len(sys.argv) > 5 else "ec2"
    params = json.loads(params)
    ec2 = boto3.client(service, endpoint_url=endpoint, region_name=region,
                       aws_access_key_id="test", aws_secret_access_key="test",
                       config=Config(retries={"max_attempts": 1}))
    try:
        if operation == "wait":
            waiter = ec2.get_waiter(params.pop("waiter"))
            waiter.wait(WaiterConfig={"Delay": 0.2, "MaxAttempts": 100}, **params)
            out = {}
        else:
            out = getattr(ec2, operation)(**params)
    except ClientError as e:
        out = {"Error": e.response["Error"],
               "Status": e.response["ResponseMetadata"]["HTTPStatusCode"]}
    out.pop("ResponseMetadata", None)
    print(json.dumps(out, default=str))


if __name__ == "__main__":
    main()
