#!/usr/bin/env python3
"""Generate the trimmed ECS service model used by local-ecs (src/model/data/).

The data comes from botocore's public service model for ECS
(botocore/data/ecs/2014-11-13/service-2.json[.gz]). That model is AWS's work,
distributed by botocore under the Apache License 2.0; it is not ours. This
script keeps only facts needed to route and validate requests (operations,
shape types, members, required lists, enums, min/max, error traits) and drops
all documentation text.

Usage:
    scripts/gen-models.py            # rewrite src/model/data/ecs-2014-11-13.json
    scripts/gen-models.py --check    # exit 1 if the committed file is stale

Without botocore, --check prints a note and exits 0 so CI never fails for
lack of it.
"""

import gzip
import json
import os
import sys

SERVICE = "ecs"
API_VERSION = "2014-11-13"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "src", "model", "data", f"{SERVICE}-{API_VERSION}.json")

METADATA_KEYS = ("apiVersion", "jsonVersion", "protocol", "signingName", "targetPrefix")
# Shape traits kept, in output order. Member order inside "members" is the model's own
# declaration order (validation reports errors in that order).
SHAPE_KEYS = ("type", "members", "required", "member", "key", "value", "enum", "min", "max",
              "document", "exception", "fault", "error")


def load_botocore_model():
    """Returns (model dict, botocore version), or None if botocore is not installed."""
    try:
        import botocore
    except ImportError:
        return None
    base = os.path.join(os.path.dirname(botocore.__file__), "data", SERVICE, API_VERSION)
    for name, opener in (("service-2.json.gz", gzip.open), ("service-2.json", open)):
        path = os.path.join(base, name)
        if os.path.exists(path):
            with opener(path, "rt", encoding="utf-8") as f:
                return json.load(f), botocore.__version__
    sys.exit(f"botocore {botocore.__version__} has no {SERVICE} {API_VERSION} model under {base}")


def trim_operation(op):
    return {
        "input": op.get("input", {}).get("shape"),
        "output": op.get("output", {}).get("shape"),
        "errors": [e["shape"] for e in op.get("errors", [])],
    }


def trim_shape(shape):
    out = {}
    for key in SHAPE_KEYS:
        if key not in shape:
            continue
        value = shape[key]
        if key == "members":
            value = {name: m["shape"] for name, m in value.items()}
        elif key in ("member", "key", "value"):
            value = value["shape"]
        elif key == "error":
            value = {k: value[k] for k in ("code", "httpStatusCode", "senderFault") if k in value}
        out[key] = value
    return out


def source_note(version):
    return (f"Trimmed by scripts/gen-models.py from botocore {version} "
            f"(data/{SERVICE}/{API_VERSION}/service-2.json); the model is AWS's (Apache-2.0).")


def render(model, version):
    """The trimmed model as text: sorted top-level maps, one operation/shape per line."""
    def dump(value):
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)

    meta = {k: model["metadata"][k] for k in METADATA_KEYS if k in model["metadata"]}
    ops = model["operations"]
    shapes = model["shapes"]
    lines = ["{", f'"source":{dump(source_note(version))},', f'"metadata":{dump(meta)},']
    lines.append('"operations":{')
    lines.append(",\n".join(f"{dump(n)}:{dump(trim_operation(ops[n]))}" for n in sorted(ops)))
    lines.append('},')
    lines.append('"shapes":{')
    lines.append(",\n".join(f"{dump(n)}:{dump(trim_shape(shapes[n]))}" for n in sorted(shapes)))
    lines.append("}")
    lines.append("}")
    return "\n".join(lines) + "\n"


def without_source(text):
    # The botocore version alone changing is not staleness; the model content is.
    return "\n".join(l for l in text.splitlines() if not l.startswith('"source":'))


def main(argv):
    check = "--check" in argv[1:]
    loaded = load_botocore_model()
    if loaded is None:
        print("note: botocore is not installed; cannot regenerate the ECS model (skipped).")
        return 0
    model, version = loaded
    text = render(model, version)
    if not check:
        os.makedirs(os.path.dirname(OUT), exist_ok=True)
        with open(OUT, "w", encoding="utf-8") as f:
            f.write(text)
        print(f"wrote {os.path.relpath(OUT, ROOT)} ({len(text)} bytes, "
              f"{len(model['operations'])} operations, {len(model['shapes'])} shapes)")
        return 0
    try:
        with open(OUT, encoding="utf-8") as f:
            committed = f.read()
    except FileNotFoundError:
        print(f"{os.path.relpath(OUT, ROOT)} is missing; run scripts/gen-models.py")
        return 1
    if without_source(committed) != without_source(text):
        print(f"{os.path.relpath(OUT, ROOT)} differs from botocore {version}; "
              "run scripts/gen-models.py")
        return 1
    if committed != text:
        print("note: model content matches, but it was generated from another botocore version")
    print("model is up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
