#!/usr/bin/env bash
# Builds the sidecar image `local-ecs:dev` without a registry: a statically linked release binary
# (glibc's static libraries, `+crt-static`; only the target crates are static, build scripts and
# proc macros stay dynamic, hence the explicit --target) copied into a FROM-scratch image.
# Usage: scripts/build-sidecar.sh [TAG] [PROFILE]
#   TAG defaults to local-ecs:dev (the tag docker-compose.yml uses); PROFILE to release (CI uses
#   dev: the same image, built faster and larger).
set -euo pipefail
cd "$(dirname "$0")/.."
TAG="${1:-local-ecs:dev}"
PROFILE="${2:-release}"
TARGET=x86_64-unknown-linux-gnu
RUSTFLAGS="${RUSTFLAGS:-} -C target-feature=+crt-static" \
  cargo build --profile "$PROFILE" --locked --bin local-ecs --target "$TARGET"
DIR=$PROFILE
if [ "$PROFILE" = dev ]; then DIR=debug; fi
BIN="target/$TARGET/$DIR/local-ecs"
if ! ldd "$BIN" 2>&1 | grep -Eq "statically linked|not a dynamic executable"; then
  echo "build-sidecar.sh: $BIN is not static" >&2
  exit 1
fi
docker build -q -f scripts/docker/Dockerfile --build-arg "BIN=$BIN" -t "$TAG" . >/dev/null
SIZE=$(docker image inspect -f '{{.Size}}' "$TAG")
echo "built $TAG ($((SIZE / 1024 / 1024)) MB)"
