#!/usr/bin/env bash
# Installs what the tests run: the pinned Prometheus/promtool, Alertmanager/amtool, OpenTelemetry Collector, Jaeger,
# Thanos, telemetrygen and SeaweedFS (the Thanos test's bucket), built from their Go modules into a cache outside the
# repository (scripts/upstream/build.sh).
# Needs Go 1.26 or later and the Go module proxy; a finished build is reused, so a second run takes seconds.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v go >/dev/null 2>&1; then
  cat >&2 <<'MSG'
Go is not on PATH. The tests run the releases the stack deploys, built from their Go modules:
install Go 1.26 or later (https://go.dev/doc/install), then run this script again.
MSG
  exit 1
fi

bash scripts/upstream/build.sh

# The probes of Prometheus and Alertmanager run busybox's wget in their images; the end-to-end tests run the rendered
# probe commands with Debian's busybox (and GNU wget).
if ! command -v busybox >/dev/null 2>&1 || ! command -v wget >/dev/null 2>&1; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends busybox wget >/dev/null
fi

# The cluster tests' tools: Debian's etcd, kube-apiserver/controller-manager/scheduler, kwok, the Pulumi CLI and the
# Kubernetes provider (scripts/cluster/install.sh).
bash scripts/cluster/install.sh

# The manifest scanners `npm run scan` runs: checkov (PyPI) and kube-score (Go module), scripts/scanners/install.sh.
bash scripts/scanners/install.sh
