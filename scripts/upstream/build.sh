#!/usr/bin/env bash
# Builds the upstream programs the tests run (Prometheus, Alertmanager, the Collector, Jaeger, telemetrygen, Thanos,
# SeaweedFS) from their Go modules into a cache outside the repository; see scripts/upstream/build.ts. Needs Go and
# node_modules. With names (`build.sh thanos`), builds only those.
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v go >/dev/null || { echo "Go is needed to build the test binaries (https://go.dev/doc/install)" >&2; exit 1; }
exec npx --no-install tsx scripts/upstream/build.ts "$@"
