#!/usr/bin/env bash
# Builds the helm command from the Go module proxy, once per version, into a cache outside the
# checkout (next to the control plane's), for the chart's tests. Prints the binary's path on its last
# line of stdout. First build: about 2 minutes on 2 cores; later runs reuse it.
#
#   CONTROL_PLANE_CACHE  parent of the cache (default ~/.cache/remediation-orchestrator/control-plane)
set -euo pipefail
HELM_VERSION=v4.3.1
export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=mod

[ -n "${HOME:-}" ] || HOME=$(getent passwd "$(id -u)" | cut -d: -f6)
export HOME
command -v go >/dev/null || { [ -x /usr/local/go/bin/go ] && PATH=$PATH:/usr/local/go/bin; }
command -v go >/dev/null || { echo "helm: Go is needed to build helm $HELM_VERSION for the chart's tests (or put helm on PATH as HELM)" >&2; exit 1; }

cache=${CONTROL_PLANE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/remediation-orchestrator/control-plane}
out="$cache/helm-$HELM_VERSION"
mkdir -p "$cache"
exec 9>"$cache/.helm.lock"
flock 9
if [ -x "$out/bin/helm" ] && [ -f "$out/.complete" ]; then
  echo "$out/bin/helm"
  exit 0
fi

echo "helm: building $HELM_VERSION from the Go module proxy (first run on this machine: about 2 minutes)" >&2
start=$(date +%s)
rm -rf "$out.tmp" && mkdir -p "$out.tmp/bin"
ldflags="-s -w -X helm.sh/helm/v4/internal/version.version=$HELM_VERSION"
GOBIN="$out.tmp/bin" go install -trimpath -ldflags "$ldflags" "helm.sh/helm/v4/cmd/helm@$HELM_VERSION" >&2
touch "$out.tmp/.complete"
rm -rf "$out" && mv "$out.tmp" "$out"
echo "helm: built in $(( $(date +%s) - start ))s into $out/bin" >&2
echo "$out/bin/helm"
