#!/usr/bin/env bash
# Installs the command-line tools the tests run: promtool (Prometheus) and amtool (Alertmanager).
# Debian/Ubuntu: installs them with apt (as root, or with sudo). Elsewhere it says what to install.
set -euo pipefail

if command -v promtool >/dev/null 2>&1 && command -v amtool >/dev/null 2>&1; then
  echo "promtool and amtool found: $(promtool --version 2>&1 | head -n1); amtool $(amtool --version 2>&1 | head -n1)"
  exit 0
fi

if command -v apt-get >/dev/null 2>&1; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
      echo "apt-get needs root: run this script as root or install sudo" >&2
      exit 1
    fi
  fi
  # --no-install-recommends keeps node-exporter and its collectors out; the daemons are never started by the install
  # in containers (policy-rc.d), and the tests start their own on loopback.
  $SUDO apt-get update
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends prometheus prometheus-alertmanager
else
  cat >&2 <<'MSG'
No apt-get here. Install these and put them on PATH, then run the tests again:
  - promtool: from a Prometheus release (2.42 or later), e.g. `brew install prometheus` on macOS
  - amtool:   from an Alertmanager release (0.25 or later), e.g. `brew install alertmanager` on macOS
  - for the end-to-end tests, the prometheus and alertmanager daemons from the same releases
MSG
  exit 1
fi

# Debian names the Alertmanager daemon prometheus-alertmanager; tests look for either name.
command -v promtool >/dev/null && command -v amtool >/dev/null
echo "installed: $(promtool --version 2>&1 | head -n1); amtool $(amtool --version 2>&1 | head -n1)"
