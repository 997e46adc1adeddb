#!/usr/bin/env bash
# Installs what Kapstan needs on a fresh Debian machine: Debian packages
# (etcd, protoc, nftables, iproute2, a C compiler) and the npm dependencies.
set -euo pipefail
cd "$(dirname "$0")/.."
need=()
command -v etcd >/dev/null || need+=(etcd-server)
command -v protoc >/dev/null || need+=(protobuf-compiler)
command -v nft >/dev/null || need+=(nftables)
command -v ip >/dev/null || need+=(iproute2)
command -v cc >/dev/null || need+=(gcc libc6-dev)
command -v make >/dev/null || need+=(make)
command -v setfattr >/dev/null || need+=(attr)               # overlay opaque-dir markers in image layers
command -v crun >/dev/null || need+=(crun)                     # cross-checks the helper against crun
[ -x /bin/busybox ] || need+=(busybox-static)                # the base images (npm run images:base)
command -v docker-registry >/dev/null || need+=(docker-registry) # a loopback OCI registry for pull tests
command -v kubectl >/dev/null || true # the machine's kubectl, when present, is used by the kubectl test
if [ ${#need[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need[@]}"
fi
npm ci --no-audit --no-fund
