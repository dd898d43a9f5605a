#!/usr/bin/env bash
# Benchmarks local-ecs against the performance targets of its issue, over loopback:
#   - wrk req/s and p50/p99 for ListClusters, DescribeClusters, RegisterTaskDefinition and
#     DescribeTaskDefinition at 1 and 32 connections, and the same load against a minimal hyper
#     server (scripts/bench/fixed_server.rs);
#   - cold start (spawn to first answered health check), median of 10 runs;
#   - RSS idle and after registering 10,000 task definitions;
#   - a page of ListTaskDefinitions after 10 and after 10,000 definitions.
# Prints a summary table at the end. Takes about 2 minutes with the default 5 s per wrk run (plus
# the release build). Servers run with the default runtime unless LOCAL_ECS_RUNTIME is set.
#
# Environment: BENCH_DURATION (wrk -d, default 5s), BENCH_NO_BUILD=1 (use existing release binaries),
# BENCH_COLD_RUNS (default 10). Logs and raw results go to .bench/ (git-ignored).
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"

DURATION="${BENCH_DURATION:-5s}"
COLD_RUNS="${BENCH_COLD_RUNS:-10}"
OUT="$ROOT/.bench"
RESULTS="$OUT/results.txt"
BIN="$ROOT/target/release/local-ecs"
FIXED="$ROOT/target/release/bench-fixed-server"
LUA="$ROOT/scripts/bench/ecs.lua"
helper() { python3 "$ROOT/scripts/bench/helper.py" "$@"; }

mkdir -p "$OUT"
: >"$RESULTS"

# wrk: install it when missing and we are root (Debian package `wrk`).
if ! command -v wrk >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "== installing wrk"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
  else
    echo "bench.sh: wrk is not installed (apt-get install wrk)" >&2
    exit 1
  fi
fi

if [ -z "${BENCH_NO_BUILD:-}" ]; then
  echo "== cargo build --release --features bench --bin local-ecs --bin bench-fixed-server"
  cargo build --release --features bench --bin local-ecs --bin bench-fixed-server
fi

# Every server we start is recorded here and stopped on exit.
PIDS=()
cleanup() {
  local p
  for p in "${PIDS[@]+"${PIDS[@]}"}"; do
    kill "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
  done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# start_ecs NAME: starts a fresh local-ecs on a free port; sets PORT, URL and SERVER_PID.
start_ecs() {
  PORT="$(helper freeport)"
  URL="http://127.0.0.1:$PORT"
  "$BIN" --host 127.0.0.1 --port "$PORT" >"$OUT/$1.log" 2>&1 &
  SERVER_PID=$!
  PIDS+=("$SERVER_PID")
  helper wait "$URL" 10
}

stop_server() {
  kill "$SERVER_PID" 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || true
}

# bench NAME CONNS OP BODY: one wrk run against $URL; appends a `wrk` line to the results.
bench() {
  local name="$1" conns="$2" op="$3" body="$4" threads=2 log line
  [ "$conns" = 1 ] && threads=1
  log="$OUT/wrk-${name// /_}-c$conns.log"
  ECS_OP="$op" ECS_BODY="$body" wrk "-t$threads" "-c$conns" "-d$DURATION" --latency -s "$LUA" "$URL" >"$log" 2>&1 || true
  line="$(grep '^BENCH ' "$log" | tail -1 || true)"
  if [ -z "$line" ]; then
    echo "  $name c$conns: wrk gave no result, see $log" >&2
    line="BENCH requests=0 rps=0 p50_us=0 p99_us=0 non2xx=0 socket_errors=0"
  fi
  # BENCH requests=N rps=R p50_us=N p99_us=N non2xx=N socket_errors=N
  local rps p50 p99 non2xx
  rps="$(sed -E 's/.* rps=([0-9.]+).*/\1/' <<<"$line")"
  p50="$(sed -E 's/.* p50_us=([0-9]+).*/\1/' <<<"$line")"
  p99="$(sed -E 's/.* p99_us=([0-9]+).*/\1/' <<<"$line")"
  non2xx="$(sed -E 's/.* non2xx=([0-9]+).*/\1/' <<<"$line")"
  echo "wrk $(tr ' ' '_' <<<"$name") $conns $rps $p50 $p99 $non2xx" >>"$RESULTS"
  printf '  %-34s c%-3s %10s req/s  p50 %6s us  p99 %6s us  non-2xx %s\n' "$name" "$conns" "$rps" "$p50" "$p99" "$non2xx"
}

rss_kb() { helper rss "$SERVER_PID"; }

echo "== cold start ($COLD_RUNS runs, default runtime ${LOCAL_ECS_RUNTIME:-auto})"
cold="$(helper coldstart "$BIN" "$COLD_RUNS")"
echo "  $cold"
echo "metric coldstart_ms $(sed -E 's/median_ms=([0-9.]+).*/\1/' <<<"$cold")" >>"$RESULTS"
# The default runtime (auto) probes Docker at start; the simulated runtime shows the cost without it.
cold="$(LOCAL_ECS_RUNTIME=simulated helper coldstart "$BIN" "$COLD_RUNS")"
echo "  --runtime simulated: $cold"
echo "metric coldstart_simulated_ms $(sed -E 's/median_ms=([0-9.]+).*/\1/' <<<"$cold")" >>"$RESULTS"

echo "== local-ecs: clusters and RegisterTaskDefinition, and the fixed-server baseline"
# The baseline (minimal hyper, fixed JSON body) runs beside local-ecs; its runs alternate with
# DescribeClusters' so load from elsewhere on the machine hits both sides of the ratio alike.
FIXED_PORT="$(helper freeport)"
FIXED_URL="http://127.0.0.1:$FIXED_PORT"
"$FIXED" "$FIXED_PORT" >"$OUT/fixed-server.log" 2>&1 &
PIDS+=("$!")
helper wait "$FIXED_URL" 10 # the fixed server answers 200 to any path, health included
DESCRIBE='{"clusters":["bench"]}'
start_ecs ecs-ops
echo "  CreateCluster bench: $(helper call "$URL" CreateCluster '{"clusterName":"bench"}' || true)"
echo "  DescribeClusters check: $(helper call "$URL" DescribeClusters "$DESCRIBE" || true)"
REGISTER='{"family":"bench","containerDefinitions":[{"name":"web","image":"busybox","memory":64}]}'
for c in 1 32; do bench ListClusters "$c" ListClusters '{}'; done
for c in 1 32; do
  URL="$FIXED_URL" bench fixed-server "$c" DescribeClusters "$DESCRIBE"
  bench DescribeClusters "$c" DescribeClusters "$DESCRIBE"
done
for c in 1 32; do bench RegisterTaskDefinition "$c" RegisterTaskDefinition "$REGISTER"; done
for c in 1 32; do bench DescribeTaskDefinition "$c" DescribeTaskDefinition '{"taskDefinition":"bench"}'; done
stop_server

echo "== local-ecs: RSS idle and after 10,000 task definitions (fresh process)"
# Definitions go round-robin over 100 families fam-000..fam-099 (see helper.py register).
start_ecs ecs-10k
URL_10K="$URL"
idle="$(rss_kb)"
echo "  idle VmRSS ${idle} kB"
echo "metric rss_idle_kb $idle" >>"$RESULTS"
reg="$(helper register "$URL" 0 10000 100)"
echo "  $reg"
echo "metric registered_10k $(sed -E 's/registered=([0-9]+).*/\1/' <<<"$reg")" >>"$RESULTS"
big="$(rss_kb)"
echo "  after 10,000 VmRSS ${big} kB"
echo "metric rss_10k_kb $big" >>"$RESULTS"

echo "== local-ecs: a page of ListTaskDefinitions at 10 and at 10,000 definitions"
# Two servers, one holding 10 definitions and the one above holding 10,000; runs alternate between
# them so load from elsewhere on the machine hits both sides alike.
start_ecs ecs-10
URL_10="$URL"
echo "  $(helper register "$URL_10" 0 10 100)"
# ListTaskDefinitions' familyPrefix is a full family name (API reference), so fam-005 selects one family.
MAX100='{"maxResults":100}'
FAMILY='{"familyPrefix":"fam-005","maxResults":100}'
MAX10='{"maxResults":10}'
for size in 10 10k; do
  [ "$size" = 10 ] && URL="$URL_10" || URL="$URL_10K"
  echo "  page sizes @$size: max100 $(helper call "$URL" ListTaskDefinitions "$MAX100" || true);" \
    "family $(helper call "$URL" ListTaskDefinitions "$FAMILY" || true)"
done
for c in 1 32; do
  for variant in max100 family max10; do
    case "$variant" in max100) body="$MAX100" ;; family) body="$FAMILY" ;; *) body="$MAX10" ;; esac
    URL="$URL_10" bench "ListTaskDefinitions $variant @10" "$c" ListTaskDefinitions "$body"
    URL="$URL_10K" bench "ListTaskDefinitions $variant @10k" "$c" ListTaskDefinitions "$body"
  done
done

helper summary "$RESULTS"
echo
echo "== hardening: peak RSS with 50 concurrent 16 MiB bodies, and 50 bodies under the 1 MiB limit"
python3 "$ROOT/scripts/bench/hardening.py" bodies "$BIN"
echo "== EC2: RunInstances, DescribeInstances pages, RunTask and placement over many instances"
python3 "$ROOT/scripts/bench/ec2.py" "$BIN"
echo "== CloudWatch: GetMetricData p99 over a day of 10 metrics, PutMetricData at 32 connections, RSS per 1M points"
python3 "$ROOT/scripts/bench/cloudwatch.py" "$BIN"
echo "== --state-dir: cold start with 10,000 task definitions and 1,000 tasks; write p99 with persistence on vs off"
python3 "$ROOT/scripts/bench/persistence.py" "$BIN"
echo
echo "raw results: .bench/results.txt; wrk logs: .bench/wrk-*.log"

# Tasks and services on the real engine (needs Docker and local-ecs-test:latest; BENCH_SKIP_DOCKER=1
# skips them).
if [ -z "${BENCH_SKIP_DOCKER:-}" ] && docker info >/dev/null 2>&1; then
  docker image inspect local-ecs-test:latest >/dev/null 2>&1 || bash "$ROOT/scripts/build-test-image.sh"
  echo
  echo "== tasks: RunTask to RUNNING vs docker run -d; 50 at once; RSS per running task"
  python3 "$ROOT/scripts/bench/tasks.py" "$BIN"
  echo
  echo "== services: a 20-task service to steady state vs 20 x docker run -d; CPU with 100 steady services"
  python3 "$ROOT/scripts/bench/services.py" "$BIN"
  echo
  echo "== ELBv2: wrk -c32 through a listener to two tasks vs straight to one; health checks of 200 targets"
  python3 "$ROOT/scripts/bench/elbv2.py" "$BIN"
  echo
  echo "== task I/O: 100,000 lines through awslogs; log pages at 1k and 1M events; metadata p99 from a container"
  python3 "$ROOT/scripts/bench/task_io.py" "$BIN"
  echo
  echo "== metrics: collector CPU with 50 running Fargate tasks, Container Insights off vs on (time scale 10)"
  python3 "$ROOT/scripts/bench/metrics.py" "$BIN"
  echo
  echo "== shutdown: SIGTERM with 50 running Fargate tasks, until the process exits"
  python3 "$ROOT/scripts/bench/hardening.py" shutdown "$BIN"
  if command -v docker-compose >/dev/null; then
    echo
    echo "== sidecar: the release image's size; docker-compose down with 50 running Fargate tasks"
    bash "$ROOT/scripts/build-sidecar.sh" local-ecs:dev
    python3 "$ROOT/scripts/bench/compose.py" local-ecs:dev
  fi
fi
