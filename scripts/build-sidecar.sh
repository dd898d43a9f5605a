#!/usr/bin/env bash
# Builds the sidecar image `local-ecs:dev` without a registry: a statically linked release binary
# (glibc's static libraries, `+crt-static`; only the target crates are static, build scripts and
# proc macros stay dynamic, hence the explicit --target) copied into a FROM-scratch image.
# Usage: scripts/build-sidecar.sh [TAG]   (default local-ecs:dev, the tag docker-compose.yml uses)
set -euo pipefail
cd "$(dirname "$0")/.."
TAG="${1:-local-ecs:dev}"
TARGET=x86_64-unknown-linux-gnu
RUSTFLAGS="${RUSTFLAGS:-} -C target-feature=+crt-static" \
  cargo build --release --locked --bin local-ecs --target "$TARGET"
BIN="target/$TARGET/release/local-ecs"
if ! ldd "$BIN" 2>&1 | grep -Eq "statically linked|not a dynamic executable"; then
  echo "build-sidecar.sh: $BIN is not static" >&2
  exit 1
fi
docker build -q -f scripts/docker/Dockerfile -t "$TAG" . >/dev/null
SIZE=$(docker image inspect -f '{{.Size}}' "$TAG")
echo "built $TAG ($((SIZE / 1024 / 1024)) MB)"
