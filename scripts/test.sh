#!/usr/bin/env bash
# Runs every test: formatting and lints, unit and integration tests (through the official Rust
# SDK), the trimmed-model check, and the boto3 / AWS CLI smoke against the real binary.
# Needs a Rust toolchain and python3; installs boto3/awscli and builds the test image when missing.
# The Docker tests need an engine: without one they skip locally, and fail in CI (CI is set).
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== %s\n' "$*"; }

# What the tests need beyond the toolchain: boto3 and the AWS CLI, and (when a Docker engine
# answers) the local test image. Installed here so that this one command works on a fresh machine.
if ! python3 -c "import boto3, awscli" 2>/dev/null; then
  step "pip install -r scripts/requirements.txt"
  python3 -m pip install -q -r scripts/requirements.txt
fi
if docker info >/dev/null 2>&1 && ! docker image inspect local-ecs-test:latest >/dev/null 2>&1; then
  step "building the test image"
  bash scripts/build-test-image.sh
fi

step "cargo fmt --check"
cargo fmt --check
step "cargo clippy -D warnings"
cargo clippy --all-targets --all-features --locked -- -D warnings
step "trimmed service models match botocore"
python3 scripts/gen-models.py --check
python3 scripts/gen-ec2-operations.py --check
step "cargo test"
cargo test --locked --features testing
step "smoke: boto3 and the AWS CLI against the binary"
LOCAL_ECS_BIN=target/debug/local-ecs bash scripts/smoke.sh
if docker info >/dev/null 2>&1 && command -v docker-compose >/dev/null; then
  step "sidecar: the FROM-scratch image through docker-compose (scripts/smoke_compose.sh)"
  bash scripts/smoke_compose.sh
elif [ -n "${CI:-}" ]; then
  echo "CI needs Docker and docker-compose for the sidecar test" >&2
  exit 1
fi
