#!/usr/bin/env python3
"""Write the names of every operation of the EC2 model (src/ec2/data/operations.txt).

The names come from botocore's public EC2 service model
(botocore/data/ec2/2016-11-15/service-2.json[.gz], AWS's work under the Apache License 2.0).
Only the names are kept: local-ecs answers an operation of the model it has not built with
EC2's UnsupportedOperation error, and a name outside the model with InvalidAction.

Usage:
    scripts/gen-ec2-operations.py            # rewrite the list
    scripts/gen-ec2-operations.py --check    # exit 1 if the committed list is stale
Without botocore, --check prints a note and exits 0.
"""

import gzip
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "src", "ec2", "data", "operations.txt")


def names():
    try:
        import botocore
    except ImportError:
        return None
    base = os.path.join(os.path.dirname(botocore.__file__), "data", "ec2", "2016-11-15")
    plain = os.path.join(base, "service-2.json")
    model = json.load(open(plain)) if os.path.exists(plain) else json.load(
        gzip.open(plain + ".gz"))
    return sorted(model["operations"])


def main():
    found = names()
    if found is None:
        print("botocore is not installed: nothing to check")
        return 0
    text = "".join(n + "\n" for n in found)
    if "--check" in sys.argv:
        current = open(OUT).read() if os.path.exists(OUT) else ""
        if current != text:
            print(f"{OUT} is stale: run scripts/gen-ec2-operations.py")
            return 1
        return 0
    with open(OUT, "w") as f:
        f.write(text)
    print(f"wrote {len(found)} operation names to {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
