#!/usr/bin/env bash
# Smoke tests of local-ecs through the AWS CLI (`aws ecs ...`, v1 from PyPI), against
# $AWS_ENDPOINT_URL. Expectations follow the Amazon ECS API reference. JSON output is read with
# python3 (jq is not assumed). Prints failures with detail and, last, `N passed, N failed`.
# Run by scripts/smoke.sh, or by hand with AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID,
# AWS_SECRET_ACCESS_KEY and AWS_DEFAULT_REGION set.
set -euo pipefail

: "${AWS_ENDPOINT_URL:?set AWS_ENDPOINT_URL}"
if ! command -v aws >/dev/null 2>&1; then
  echo "FAIL aws: the AWS CLI is not on PATH (pip install awscli)"
  echo "0 passed, 1 failed"
  exit 1
fi
REGION="${AWS_DEFAULT_REGION:-us-east-1}"
ACCOUNT=000000000000
RUN="$(python3 -c 'import uuid; print(uuid.uuid4().hex[:6])')"
ARN="arn:aws:ecs:$REGION:$ACCOUNT"
PASSED=0
FAILED=0
OUT=""
ERR=""
RC=0

# awsx ARGS...: runs `aws --output json ARGS`, keeping stdout in OUT, stderr in ERR, exit code in RC.
awsx() {
  local errfile
  errfile="$(mktemp)"
  RC=0
  OUT="$(aws --endpoint-url "$AWS_ENDPOINT_URL" --output json "$@" 2>"$errfile")" || RC=$?
  ERR="$(cat "$errfile")"
  rm -f "$errfile"
}

# jget EXPR: evaluates a Python expression over the JSON in OUT (bound to `d`) and prints it
# (or what OUT held, when the expression does not apply).
jget() {
  python3 -c "import json,sys; d=json.load(sys.stdin); print($1)" <<<"$OUT" 2>/dev/null || echo "<not in: ${OUT:0:200}>"
}

pass() { PASSED=$((PASSED + 1)); echo "ok   $1"; }
fail() { FAILED=$((FAILED + 1)); echo "FAIL $1: ${2//$'\n'/ }"; }

# check NAME GOT WANT: passes when GOT equals WANT.
check() {
  if [ "$2" = "$3" ]; then pass "$1"; else fail "$1" "expected '$3', got '$2' (rc=$RC) ${ERR:0:300}"; fi
}

# ok_call NAME ARGS...: runs an aws command that must succeed; returns 1 (and counts a failure) if not.
ok_call() {
  local n="$1"
  shift
  awsx "$@"
  if [ "$RC" != 0 ]; then
    fail "$n" "exit $RC: ${ERR:0:300}"
    return 1
  fi
}

# --- clusters -------------------------------------------------------------------------------------
C1="cli-c1-$RUN"
if ok_call "create-cluster" ecs create-cluster --cluster-name "$C1"; then
  check "create-cluster arn" "$(jget 'd["cluster"]["clusterArn"]')" "$ARN:cluster/$C1"
  check "create-cluster status" "$(jget 'd["cluster"]["status"]')" "ACTIVE"
fi
if ok_call "create-cluster again" ecs create-cluster --cluster-name "$C1"; then
  check "create-cluster is idempotent" "$(jget 'd["cluster"]["clusterArn"]')" "$ARN:cluster/$C1"
fi

if ok_call "describe-clusters" ecs describe-clusters --clusters "$C1" "cli-missing-$RUN" --include TAGS STATISTICS; then
  check "describe-clusters found" "$(jget '[c["clusterName"] for c in d["clusters"]]')" "['$C1']"
  check "describe-clusters failure" "$(jget '[(f["arn"], f["reason"]) for f in d["failures"]]')" \
    "[('$ARN:cluster/cli-missing-$RUN', 'MISSING')]"
fi

for i in 1 2 3; do awsx ecs create-cluster --cluster-name "cli-page$i-$RUN"; done
# --max-items caps the CLI's output and gives a NextToken; --page-size is the per-request maxResults.
if ok_call "list-clusters --max-items" ecs list-clusters --max-items 2 --page-size 1; then
  check "list-clusters --max-items 2 items" "$(jget 'len(d["clusterArns"])')" "2"
  check "list-clusters --max-items NextToken" "$(jget '"NextToken" in d')" "True"
fi
if ok_call "list-clusters --page-size" ecs list-clusters --page-size 1; then
  # The CLI follows every page itself: all clusters come back once each.
  check "list-clusters --page-size lists all" \
    "$(jget "all(('$ARN:cluster/cli-page%d-$RUN' % i) in d['clusterArns'] for i in (1, 2, 3)) and len(d['clusterArns']) == len(set(d['clusterArns']))")" "True"
fi

# --- task definitions -----------------------------------------------------------------------------
FAM="cli-web-$RUN"
if ok_call "register-task-definition --container-definitions" ecs register-task-definition --family "$FAM" \
  --container-definitions '[{"name":"web","image":"busybox","memory":64}]'; then
  check "register revision 1" "$(jget 'd["taskDefinition"]["taskDefinitionArn"]')" "$ARN:task-definition/$FAM:1"
  check "register status" "$(jget 'd["taskDefinition"]["status"]')" "ACTIVE"
  check "register essential default" "$(jget 'd["taskDefinition"]["containerDefinitions"][0].get("essential")')" "True"
fi
INPUT="{\"family\":\"$FAM\",\"containerDefinitions\":[{\"name\":\"web\",\"image\":\"busybox\",\"memory\":64}]}"
if ok_call "register-task-definition --cli-input-json" ecs register-task-definition --cli-input-json "$INPUT"; then
  check "register revision 2" "$(jget 'd["taskDefinition"]["revision"]')" "2"
fi

if ok_call "describe-task-definition" ecs describe-task-definition --task-definition "$FAM"; then
  check "describe family is latest" "$(jget 'd["taskDefinition"]["revision"]')" "2"
fi
if ok_call "describe-task-definition family:rev" ecs describe-task-definition --task-definition "$FAM:1"; then
  check "describe family:1" "$(jget 'd["taskDefinition"]["revision"]')" "1"
fi

if ok_call "list-task-definitions" ecs list-task-definitions --family-prefix "$FAM"; then
  check "list-task-definitions" "$(jget 'd["taskDefinitionArns"]')" \
    "['$ARN:task-definition/$FAM:1', '$ARN:task-definition/$FAM:2']"
fi

if ok_call "deregister-task-definition" ecs deregister-task-definition --task-definition "$FAM:1"; then
  check "deregister status" "$(jget 'd["taskDefinition"]["status"]')" "INACTIVE"
fi
if ok_call "list-task-definitions after deregister" ecs list-task-definitions --family-prefix "$FAM"; then
  check "list-task-definitions ACTIVE only" "$(jget 'd["taskDefinitionArns"]')" "['$ARN:task-definition/$FAM:2']"
fi

if ok_call "delete-cluster" ecs delete-cluster --cluster "$C1"; then
  check "delete-cluster status" "$(jget 'd["cluster"]["status"]')" "INACTIVE"
fi
# AWS lists a deleted cluster as INACTIVE for a while.
if ok_call "list-clusters after delete" ecs list-clusters; then
  check "list-clusters shows the INACTIVE cluster" "$(jget "'$ARN:cluster/$C1' in d['clusterArns']")" "True"
fi
# The agent's first call: every endpoint is this server.
if ok_call "discover-poll-endpoint" ecs discover-poll-endpoint --cluster "$C1"; then
  check "discover-poll-endpoint endpoint" "$(jget 'd["endpoint"]')" "${AWS_ENDPOINT_URL%/}/"
fi

# --- errors: the CLI exits 254 (v2) or 255 (v1) on a service error and names the code on stderr ------
expect_error() {
  local n="$1" code="$2"
  shift 2
  awsx "$@"
  if [ "$RC" != 254 ] && [ "$RC" != 255 ]; then
    fail "$n" "expected exit 254/255, got $RC: ${OUT:0:200} ${ERR:0:200}"
  elif ! grep -q "($code)" <<<"$ERR"; then
    fail "$n" "expected ($code) on stderr, got: ${ERR:0:300}"
  else
    pass "$n"
  fi
}
expect_error "delete-cluster missing" ClusterNotFoundException ecs delete-cluster --cluster "cli-missing-$RUN"
expect_error "describe-task-definition missing" ClientException \
  ecs describe-task-definition --task-definition "cli-missing-$RUN:1"
expect_error "long ARNs cannot be disabled" InvalidParameterException \
  ecs put-account-setting-default --name taskLongArnFormat --value disabled

# --- EC2: the default network, an instance through its lifecycle, an error ---------------------------
if ok_call "describe-subnets" ec2 describe-subnets --filters Name=default-for-az,Values=true; then
  check "default subnets: one per zone, 172.31.0.0/20 first" \
    "$(jget 'sorted(s["CidrBlock"] for s in d["Subnets"])[0] if len(d["Subnets"]) >= 3 else d')" "172.31.0.0/20"
fi
if ok_call "run-instances" ec2 run-instances --image-id ami-0123456789abcdef0 --count 1 \
  --instance-type t3.micro --tag-specifications "ResourceType=instance,Tags=[{Key=cli,Value=$RUN}]"; then
  IID="$(jget 'd["Instances"][0]["InstanceId"]')"
  check "run-instances: pending" "$(jget 'd["Instances"][0]["State"]["Name"]')" "pending"
  sleep 3 # the CLI's waiter polls every 15 s after a first look; pending lasts 2 s
  awsx ec2 wait instance-running --instance-ids "$IID"
  check "wait instance-running" "$RC" "0"
  ok_call "describe-instances" ec2 describe-instances --filters "Name=tag:cli,Values=$RUN" &&
    check "describe-instances: running" "$(jget 'd["Reservations"][0]["Instances"][0]["State"]["Name"]')" "running"
  ok_call "terminate-instances" ec2 terminate-instances --instance-ids "$IID" &&
    check "terminate-instances: shutting-down" "$(jget 'd["TerminatingInstances"][0]["CurrentState"]["Name"]')" "shutting-down"
fi
expect_error "unknown instance" InvalidInstanceID.NotFound \
  ec2 describe-instances --instance-ids i-0123456789abcdef1

echo "$PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
