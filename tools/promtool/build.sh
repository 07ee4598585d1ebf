#!/usr/bin/env bash
# Builds Prometheus's promtool from the Go module proxy, once per version, into the cache next to helm's,
# so the alert tests run the real rule engine (`promtool check rules`, `promtool test rules`). Prints the
# binary's path on its last line of stdout. First build: about 5 minutes, 1 GB of memory
# on 2 cores (docs/control-plane.md); later runs reuse it.
#
#   CONTROL_PLANE_CACHE  parent of the cache (default ~/.cache/remediation-orchestrator/control-plane)
set -euo pipefail
PROMETHEUS_VERSION=v0.316.0
export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=mod

[ -n "${HOME:-}" ] || HOME=$(getent passwd "$(id -u)" | cut -d: -f6)
export HOME
command -v go >/dev/null || { [ -x /usr/local/go/bin/go ] && PATH=$PATH:/usr/local/go/bin; }
command -v go >/dev/null || { echo "promtool: Go is needed to build promtool $PROMETHEUS_VERSION for the alert tests (or put promtool on PATH as PROMTOOL)" >&2; exit 1; }

cache=${CONTROL_PLANE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/remediation-orchestrator/control-plane}
out="$cache/promtool-$PROMETHEUS_VERSION"
mkdir -p "$cache"
exec 9>"$cache/.promtool.lock"
flock 9
if [ -x "$out/bin/promtool" ] && [ -f "$out/.complete" ]; then
  echo "$out/bin/promtool"
  exit 0
fi

echo "promtool: building $PROMETHEUS_VERSION from the Go module proxy (first run on this machine: about 5 minutes)" >&2
start=$(date +%s)
rm -rf "$out.tmp" && mkdir -p "$out.tmp/bin"
ldflags="-s -w -X github.com/prometheus/common/version.Version=${PROMETHEUS_VERSION#v}"
# remove_all_sd leaves out the cloud service discoveries (AWS, Azure, GCE, ...), which rules never use:
# less to download and to compile.
GOBIN="$out.tmp/bin" go install -trimpath -tags remove_all_sd -ldflags "$ldflags" \
  "github.com/prometheus/prometheus/cmd/promtool@$PROMETHEUS_VERSION" >&2
touch "$out.tmp/.complete"
rm -rf "$out" && mv "$out.tmp" "$out"
echo "promtool: built in $(( $(date +%s) - start ))s into $out/bin" >&2
echo "$out/bin/promtool"
