#!/usr/bin/env bash
# Installs the manifest scanners that `npm run scan` runs (scripts/scanners/scan.ts) into the upstream cache, outside
# the repository, one folder per tool and version:
#   <cache>/checkov-3.3.30/          a Python venv with checkov from PyPI (bin/checkov)
#   <cache>/kube-score-1.20.0/bin/   kube-score, `go install`ed from its Go module
# <cache> is $OBSERVABILITY_UPSTREAM_CACHE, else $XDG_CACHE_HOME/observability-upstream, else
# ~/.cache/observability-upstream (the same rule as scripts/upstream/layout.ts). A folder is finished when its marker
# file INSTALL-INFO exists (written last); a finished install is reused, an unfinished one is removed and redone.
# Needs python3 (with venv; python3-venv is installed with apt-get when missing) and Go 1.26 with the module proxy.
set -euo pipefail
cd "$(dirname "$0")/../.."

CHECKOV_VERSION="3.3.30"
KUBE_SCORE_VERSION="1.20.0"
MARKER="INSTALL-INFO"

cache="${OBSERVABILITY_UPSTREAM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/observability-upstream}"
mkdir -p "$cache"

# Prints "<what> <m>:<ss>" for a duration in seconds.
took() {
  printf '%-22s %d:%02d\n' "$1" $(($2 / 60)) $(($2 % 60))
}
summary=()

# --- checkov (PyPI) ---------------------------------------------------------------------------------------------
checkov_dir="$cache/checkov-$CHECKOV_VERSION"
# A venv outlives the interpreter it was made from only as long as that stays put: a broken one is made anew.
if [ -f "$checkov_dir/$MARKER" ] && ! "$checkov_dir/bin/python" -c '' 2>/dev/null; then
  echo "checkov $CHECKOV_VERSION: the venv in $checkov_dir no longer runs (its Python moved?); installing it again"
  rm -f "$checkov_dir/$MARKER"
fi
if [ -f "$checkov_dir/$MARKER" ]; then
  echo "checkov $CHECKOV_VERSION: installed in $checkov_dir (reused)"
  summary+=("$(took "checkov $CHECKOV_VERSION" 0) (cached)")
else
  command -v python3 >/dev/null || { echo "python3 is needed to install checkov" >&2; exit 1; }
  start=$SECONDS
  rm -rf "$checkov_dir"
  # A venv is not relocatable (its scripts name their interpreter by absolute path), so it is made in place and the
  # marker, written last, says it is complete.
  if ! python3 -m venv "$checkov_dir" 2>/dev/null; then
    rm -rf "$checkov_dir"
    echo "python3 has no working venv module: installing python3-venv with apt-get"
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends python3-venv >/dev/null
    python3 -m venv "$checkov_dir"
  fi
  "$checkov_dir/bin/python" -m pip install --quiet --disable-pip-version-check "checkov==$CHECKOV_VERSION"
  installed="$("$checkov_dir/bin/checkov" --version)"
  [ "$installed" = "$CHECKOV_VERSION" ] || { echo "checkov reports version '$installed', expected $CHECKOV_VERSION" >&2; exit 1; }
  elapsed=$((SECONDS - start))
  printf 'checkov %s\npython %s\ninstall seconds %d\n' "$installed" "$("$checkov_dir/bin/python" -c 'import platform; print(platform.python_version())')" "$elapsed" >"$checkov_dir/$MARKER"
  summary+=("$(took "checkov $CHECKOV_VERSION" "$elapsed")")
fi

# --- kube-score (Go module) -------------------------------------------------------------------------------------
ks_dir="$cache/kube-score-$KUBE_SCORE_VERSION"
if [ -f "$ks_dir/$MARKER" ] && [ -x "$ks_dir/bin/kube-score" ]; then
  echo "kube-score $KUBE_SCORE_VERSION: installed in $ks_dir (reused)"
  summary+=("$(took "kube-score $KUBE_SCORE_VERSION" 0) (cached)")
else
  command -v go >/dev/null || { echo "Go is needed to build kube-score (https://go.dev/doc/install)" >&2; exit 1; }
  start=$SECONDS
  rm -rf "$ks_dir"
  mkdir -p "$ks_dir/bin"
  GOBIN="$ks_dir/bin" go install "github.com/zegl/kube-score/cmd/kube-score@v$KUBE_SCORE_VERSION"
  "$ks_dir/bin/kube-score" version >/dev/null
  elapsed=$((SECONDS - start))
  printf 'kube-score %s\nmodule github.com/zegl/kube-score@v%s\n%s\ninstall seconds %d\n' "$KUBE_SCORE_VERSION" "$KUBE_SCORE_VERSION" "$(go version)" "$elapsed" >"$ks_dir/$MARKER"
  summary+=("$(took "kube-score $KUBE_SCORE_VERSION" "$elapsed")")
fi

echo "scanner installs (m:ss):"
printf '  %s\n' "${summary[@]}"
