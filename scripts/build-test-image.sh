#!/usr/bin/env bash
# Builds the tiny test image `local-ecs-test:latest` (FROM scratch: busybox's sh, sleep, wget,
# httpd, nc...) from Debian's busybox-static package, with `docker import` of a root-filesystem
# tarball: no registry, base image or builder plugin needed.
set -euo pipefail

image="${1:-local-ecs-test:latest}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

busybox="$(command -v busybox || true)"
if [[ -z "$busybox" ]] || ! "$busybox" --list >/dev/null 2>&1 || ldd "$busybox" >/dev/null 2>&1; then
  # Not there, or not static: take the static build from Debian's package without installing it.
  (cd "$work" && apt-get download busybox-static >/dev/null 2>&1) || {
    apt-get update >/dev/null && (cd "$work" && apt-get download busybox-static >/dev/null)
  }
  dpkg-deb -x "$work"/busybox-static_*.deb "$work/pkg"
  busybox="$work/pkg/bin/busybox"
fi

root="$work/rootfs"
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,tmp,etc,www,proc,sys,dev,root}
chmod 1777 "$root/tmp"
cp "$busybox" "$root/bin/busybox"
for applet in $("$root/bin/busybox" --list); do
  [[ -e "$root/bin/$applet" ]] || ln -s busybox "$root/bin/$applet"
done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$root/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
echo 'local-ecs test image' >"$root/www/index.html"

tar -C "$root" -c . | docker import \
  --change 'ENV PATH=/bin:/sbin:/usr/bin:/usr/sbin' \
  --change 'CMD ["sh"]' \
  --change 'LABEL local-ecs.test-image=true' \
  - "$image" >/dev/null
echo "built $image"
