#!/usr/bin/env bash
# Installs what the cluster tests run: etcd from Debian (etcd-server; kube-apiserver 1.36 accepts its 3.4) and, built
# from their Go modules into the upstream cache, kube-apiserver, kube-controller-manager and kube-scheduler, kwok,
# the Pulumi CLI and the Kubernetes provider (scripts/upstream/build.ts --cluster: about 16 minutes cold on 2 cores,
# seconds once cached). Needs root or sudo for apt-get, Go 1.26 and node_modules.
set -euo pipefail
cd "$(dirname "$0")/../.."

if ! command -v etcd >/dev/null 2>&1; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  # The package list of a fresh machine is empty or old: update first, as Debian's tools expect.
  $sudo apt-get update -qq
  # The package's maintainer scripts may try to start a system etcd on 2379; the cluster uses ports of its own.
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends etcd-server >/dev/null
fi
etcd --version | sed -n 1p  # sed reads to the end: head would make etcd die of SIGPIPE under pipefail
command -v openssl >/dev/null || { echo "openssl is needed to make the cluster's certificates" >&2; exit 1; }

bash scripts/upstream/build.sh --cluster
