#!/usr/bin/env bash
# Smoke tests with real clients: starts local-ecs on a free port, runs scripts/smoke.py (boto3) and
# scripts/smoke-cli.sh (AWS CLI) against it, stops it. Builds nothing: uses $LOCAL_ECS_BIN, else
# target/debug/local-ecs. Exits non-zero on any failure; the last line is `N passed, N failed`
# (totals of both suites).
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
BIN="${LOCAL_ECS_BIN:-$ROOT/target/debug/local-ecs}"
if [ ! -x "$BIN" ]; then
  echo "smoke.sh: no server binary at $BIN (cargo build, or set LOCAL_ECS_BIN)" >&2
  echo "0 passed, 1 failed"
  exit 1
fi

PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
LOG="$(mktemp)"
# Tasks run on the real engine when there is one (CI always has one).
RUNTIME=simulated
if docker info >/dev/null 2>&1; then RUNTIME=docker; fi
"$BIN" --host 127.0.0.1 --port "$PORT" --runtime "$RUNTIME" --owner "smoke-$PORT" \
  --inject-endpoint-url true >"$LOG" 2>&1 &
SERVER_PID=$!
FAST_PID=""
cleanup() {
  if [ -n "$FAST_PID" ]; then kill "$FAST_PID" 2>/dev/null || true; fi
  # Reset first: it removes every container this server created.
  curl -s -X POST "http://127.0.0.1:$PORT/_local-ecs/reset" >/dev/null 2>&1 || true
  kill "$SERVER_PID" 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || true
  rm -f "$LOG"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Wait (up to 10 s) for the health endpoint.
if ! python3 - "$PORT" <<'PY'; then
import sys, time, urllib.request
url = f"http://127.0.0.1:{sys.argv[1]}/_local-ecs/health"
deadline = time.monotonic() + 10
while time.monotonic() < deadline:
    try:
        with urllib.request.urlopen(url, timeout=1) as r:
            if r.status == 200:
                sys.exit(0)
    except OSError:
        time.sleep(0.05)
sys.exit(1)
PY
  echo "smoke.sh: local-ecs did not answer its health check; its log:" >&2
  cat "$LOG" >&2
  echo "0 passed, 1 failed"
  exit 1
fi

export AWS_ENDPOINT_URL="http://127.0.0.1:$PORT" AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test \
  AWS_DEFAULT_REGION=us-east-1
unset AWS_PROFILE AWS_SESSION_TOKEN AWS_REGION
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null # ignore any local AWS config

# run_suite NAME CMD...: runs one suite, echoes its output, adds its closing counts to the totals.
PASSED=0
FAILED=0
run_suite() {
  local name="$1" out rc=0 last p f
  shift
  echo "== $name"
  out="$("$@" 2>&1)" || rc=$?
  printf '%s\n' "$out"
  last="$(printf '%s\n' "$out" | tail -n 1)"
  if [[ "$last" =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
    p="${BASH_REMATCH[1]}"
    f="${BASH_REMATCH[2]}"
  else
    p=0
    f=1 # the suite crashed before counting
    echo "FAIL $name: exited $rc without a closing count"
  fi
  if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
    f=1
    echo "FAIL $name: exited $rc"
  fi
  PASSED=$((PASSED + p))
  FAILED=$((FAILED + f))
}
run_suite "boto3 (scripts/smoke.py)" python3 "$ROOT/scripts/smoke.py"
run_suite "AWS CLI (scripts/smoke-cli.sh)" bash "$ROOT/scripts/smoke-cli.sh"
run_suite "boto3 Auto Scaling (tests/py/autoscaling.py)" python3 "$ROOT/tests/py/autoscaling.py"
run_suite "boto3 daemons (scripts/smoke_daemons.py)" python3 "$ROOT/scripts/smoke_daemons.py"
run_suite "boto3 EC2 (tests/py/ec2.py)" python3 "$ROOT/tests/py/ec2.py"
run_suite "boto3 ELBv2 (tests/py/elbv2.py)" python3 "$ROOT/tests/py/elbv2.py"
run_suite "boto3 express gateway services (tests/py/express.py)" python3 "$ROOT/tests/py/express.py"
run_suite "boto3 Logs (tests/py/logs.py)" python3 "$ROOT/tests/py/logs.py"
run_suite "boto3 CloudWatch (tests/py/cloudwatch.py)" python3 "$ROOT/tests/py/cloudwatch.py"
run_suite "boto3 Application Auto Scaling (tests/py/appscaling.py)" python3 "$ROOT/tests/py/appscaling.py"
run_suite "boto3 IAM and STS (tests/py/iam.py)" python3 "$ROOT/tests/py/iam.py"
# ELBv2 publishes its metrics once per emulated minute: this suite gets its own server whose
# clock runs 60 times fast (simulated runtime: its targets are Python servers).
FAST_PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
"$BIN" --host 127.0.0.1 --port "$FAST_PORT" --runtime simulated --owner "smoke-$FAST_PORT" \
  --time-scale 60 >/dev/null 2>&1 &
FAST_PID=$!
for _ in $(seq 100); do
  curl -sf "http://127.0.0.1:$FAST_PORT/_local-ecs/health" >/dev/null 2>&1 && break
  sleep 0.1
done
run_suite "boto3 ELBv2 metrics at --time-scale 60 (tests/py/elbv2_metrics.py)" \
  env AWS_ENDPOINT_URL="http://127.0.0.1:$FAST_PORT" python3 "$ROOT/tests/py/elbv2_metrics.py"
kill "$FAST_PID" 2>/dev/null || true
wait "$FAST_PID" 2>/dev/null || true
if [ "$RUNTIME" = docker ]; then
  run_suite "boto3 tasks on Docker (scripts/smoke_tasks.py)" python3 "$ROOT/scripts/smoke_tasks.py"
  run_suite "boto3 services on Docker (scripts/smoke_services.py)" python3 "$ROOT/scripts/smoke_services.py"
  run_suite "boto3 ELBv2 on Docker (scripts/smoke_elbv2.py)" python3 "$ROOT/scripts/smoke_elbv2.py"
  run_suite "boto3 task logs on Docker (scripts/smoke_task_io.py)" python3 "$ROOT/scripts/smoke_task_io.py"
  run_suite "boto3 AWS/ECS metrics on Docker (scripts/smoke_metrics.py)" python3 "$ROOT/scripts/smoke_metrics.py"
  # Starts its own servers on a state dir, kills one with SIGKILL and starts it again.
  run_suite "boto3 --state-dir: kill -9 and re-adoption (scripts/smoke_persistence.py)" python3 "$ROOT/scripts/smoke_persistence.py"
  # Starts its own server (--time-scale 30) so that alarm minutes pass in seconds.
  run_suite "boto3 Application Auto Scaling on Docker (scripts/smoke_scaling.py)" python3 "$ROOT/scripts/smoke_scaling.py"
else
  echo "== boto3 tasks and services on Docker: skipped, no Docker engine answers"
fi

echo "$PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
