#!/usr/bin/env bash
# The sidecar end to end, through docker-compose: builds the FROM-scratch image (debug profile by
# default: quicker; SIDECAR_PROFILE=release for the shipped one), `docker-compose up`, runs the
# Docker suites that check what a task sees and how it is reached (scripts/smoke_task_io.py:
# metadata, credentials in awsvpc and bridge tasks, AWS_ENDPOINT_URL, awslogs;
# scripts/smoke_elbv2.py: task IPs and listeners), leaves a service with running tasks, then
# `docker-compose down` and checks that nothing of local-ecs is left on the engine.
# Needs no other Docker-runtime local-ecs running (169.254.170.2:80 is one per machine).
# The last line is `N passed, N failed`.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"

PROFILE="${SIDECAR_PROFILE:-dev}"
export LOCAL_ECS_IMAGE="local-ecs:smoke-compose"
export LOCAL_ECS_PORT="${LOCAL_ECS_PORT:-4566}"
PROJECT="local-ecs-smoke"
OWNER="port-$LOCAL_ECS_PORT"
PASSED=0
FAILED=0

bash scripts/build-sidecar.sh "$LOCAL_ECS_IMAGE" "$PROFILE"
compose() { docker-compose -p "$PROJECT" "$@"; }
trap 'compose down -t 60 >/dev/null 2>&1 || true' EXIT
# An endpoints network another server left behind (with a stale endpoint the engine will not let
# go of) is not the sidecar's to answer for: only a network it created counts below.
PRE_NET=$(docker network ls -q --filter "label=local-ecs.task-endpoints")
compose up -d 2>&1 | tail -n 1

python3 - "$LOCAL_ECS_PORT" <<'PY'
import sys, time, urllib.request
url = f"http://127.0.0.1:{sys.argv[1]}/_local-ecs/health"
deadline = time.monotonic() + 20
while time.monotonic() < deadline:
    try:
        with urllib.request.urlopen(url, timeout=1) as r:
            if r.status == 200:
                sys.exit(0)
    except OSError:
        time.sleep(0.1)
sys.exit("the sidecar did not answer its health check")
PY

export AWS_ENDPOINT_URL="http://127.0.0.1:$LOCAL_ECS_PORT" AWS_ACCESS_KEY_ID=test \
  AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=us-east-1
unset AWS_PROFILE AWS_SESSION_TOKEN AWS_REGION
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null

count() {
  local out="$1" last
  printf '%s\n' "$out"
  last="$(printf '%s\n' "$out" | tail -n 1)"
  if [[ "$last" =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
    PASSED=$((PASSED + BASH_REMATCH[1]))
    FAILED=$((FAILED + BASH_REMATCH[2]))
  else
    FAILED=$((FAILED + 1))
  fi
}
for suite in smoke_task_io.py smoke_elbv2.py; do
  echo "== sidecar: $suite"
  count "$(cd scripts && python3 "$suite" 2>&1 || true)"
done

echo "== sidecar: docker-compose down with running tasks leaves nothing"
count "$(python3 - <<'PY' 2>&1 || true
import boto3, subprocess, sys, time
sys.path.insert(0, "scripts")
from smoke_support import ENDPOINT, REGION, RUN, ecs_client
ecs = ecs_client()
ecs.create_cluster(clusterName=f"down-{RUN}")
subnet = boto3.client("ec2", endpoint_url=ENDPOINT, region_name=REGION).describe_subnets(
    Filters=[{"Name": "default-for-az", "Values": ["true"]}])["Subnets"][0]["SubnetId"]
td = ecs.register_task_definition(
    family=f"down-{RUN}", networkMode="awsvpc", requiresCompatibilities=["FARGATE"], cpu="256", memory="512",
    containerDefinitions=[{
        "name": "app", "image": "local-ecs-test:latest", "stopTimeout": 2,
        "command": ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"]}],
)["taskDefinition"]["taskDefinitionArn"]
ecs.create_service(cluster=f"down-{RUN}", serviceName="s", taskDefinition=td, desiredCount=3,
                   launchType="FARGATE", networkConfiguration={"awsvpcConfiguration": {"subnets": [subnet]}})
deadline = time.monotonic() + 60
while time.monotonic() < deadline:
    s = ecs.describe_services(cluster=f"down-{RUN}", services=["s"])["services"][0]
    if s["runningCount"] == 3:
        break
    time.sleep(0.5)
print("ok   three tasks running before down" if s["runningCount"] == 3 else "FAIL tasks did not start")
print(f"{int(s['runningCount'] == 3)} passed, {int(s['runningCount'] != 3)} failed")
PY
)"
START=$(date +%s.%N)
compose down -t 60 2>&1 | tail -n 1
DOWN=$(python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.1f}')" "$START" "$(date +%s.%N)")
LEFT_C=$(docker ps -aq --filter "label=local-ecs.owner=$OWNER" | wc -l)
LEFT_V=$(docker volume ls -q --filter "label=local-ecs.owner=$OWNER" | wc -l)
LEFT_N=$(docker network ls -q --filter "label=local-ecs.task-endpoints" | { grep -vx "${PRE_NET:-none}" || true; } | wc -l)
if [ -n "$PRE_NET" ]; then
  echo "note: the endpoints network existed before the sidecar started ($PRE_NET); not counted"
fi
if [ "$LEFT_C" = 0 ] && [ "$LEFT_V" = 0 ] && [ "$LEFT_N" = 0 ]; then
  echo "ok   docker-compose down took ${DOWN}s and left no container, volume or network"
  PASSED=$((PASSED + 1))
else
  echo "FAIL after docker-compose down (${DOWN}s): $LEFT_C containers, $LEFT_V volumes, $LEFT_N networks left"
  FAILED=$((FAILED + 1))
fi
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
