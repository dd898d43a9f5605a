#!/usr/bin/env bash
# Runs every test: formatting and lints, unit and integration tests (through the official Rust
# SDK), the trimmed-model check, and the boto3 / AWS CLI smoke against the real binary.
# Needs: a Rust toolchain, python3 with boto3 and awscli (pip install -r scripts/requirements.txt).
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== %s\n' "$*"; }

step "cargo fmt --check"
cargo fmt --check
step "cargo clippy -D warnings"
cargo clippy --all-targets --all-features --locked -- -D warnings
step "trimmed service models match botocore"
python3 scripts/gen-models.py --check
step "cargo test"
cargo test --locked
step "smoke: boto3 and the AWS CLI against the binary"
LOCAL_ECS_BIN=target/debug/local-ecs bash scripts/smoke.sh
