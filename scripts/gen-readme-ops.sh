#!/usr/bin/env bash
# Rewrites the README's supported-operations table from the dispatch table.
set -euo pipefail
cd "$(dirname "$0")/.."
table="$(cargo run -q --bin local-ecs -- --list-operations)"
python3 - "$table" <<'PY'
import sys
readme = open("README.md").read()
begin, end = "<!-- operations:begin -->\n", "<!-- operations:end -->"
head, rest = readme.split(begin, 1)
_, tail = rest.split(end, 1)
open("README.md", "w").write(head + begin + sys.argv[1] + "\n" + end + tail)
PY
