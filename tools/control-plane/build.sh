#!/usr/bin/env bash
# Builds etcd, kube-apiserver, kube-controller-manager and kubectl from the wrapper module, once per
# version, into a cache outside the checkout; later runs (and fresh clones on the same machine) reuse it.
# Prints the directory that holds the binaries on its last line of stdout.
#
#   CONTROL_PLANE_CACHE  where binaries are cached (default ~/.cache/remediation-orchestrator/control-plane)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=versions.env
source "$here/versions.env"
export GOTOOLCHAIN=local GOFLAGS=-mod=mod CGO_ENABLED=0

[ -n "${HOME:-}" ] || HOME=$(getent passwd "$(id -u)" | cut -d: -f6)
export HOME
command -v go >/dev/null || { [ -x /usr/local/go/bin/go ] && PATH=$PATH:/usr/local/go/bin; }
command -v go >/dev/null || { echo "control-plane: Go is needed to build the local control plane (go >= $(sed -n 's/^go //p' "$here/go.mod")); or set KUBECONFIG_TEST to use an existing cluster" >&2; exit 1; }

key=$(cat "$here/go.mod" "$here/go.sum" | sha256sum | cut -c1-12)
cache=${CONTROL_PLANE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/remediation-orchestrator/control-plane}
out="$cache/$KUBERNETES_VERSION-$key"
binaries=(etcd kube-apiserver kube-controller-manager kubectl)

complete() { [ -f "$out/.complete" ] && for b in "${binaries[@]}"; do [ -x "$out/bin/$b" ] || return 1; done; }

mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9
if complete; then
  echo "$out/bin"
  exit 0
fi

echo "control-plane: building Kubernetes $KUBERNETES_VERSION (first run on this machine: about 10-20 minutes on 2 cores)" >&2
start=$(date +%s)
major=${KUBERNETES_VERSION#v}; major=${major%%.*}
minor=${KUBERNETES_VERSION#v*.}; minor=${minor%%.*}
ldflags="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  ldflags+=" -X $pkg.gitVersion=$KUBERNETES_VERSION -X $pkg.gitMajor=$major -X $pkg.gitMinor=$minor"
  ldflags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
done
rm -rf "$out.tmp" && mkdir -p "$out.tmp/bin"
cd "$here"
/usr/bin/time -v -o "$out.tmp/build-time.txt" \
  go build -trimpath -ldflags "$ldflags" -o "$out.tmp/bin/" \
    k8s.io/kubernetes/cmd/kube-apiserver \
    k8s.io/kubernetes/cmd/kube-controller-manager \
    k8s.io/kubernetes/cmd/kubectl >&2
go build -trimpath -ldflags "-s -w" -o "$out.tmp/bin/etcd" go.etcd.io/etcd/server/v3 >&2
echo "built in $(( $(date +%s) - start ))s" >> "$out.tmp/build-time.txt"
touch "$out.tmp/.complete"
rm -rf "$out" && mv "$out.tmp" "$out"
echo "control-plane: built in $(( $(date +%s) - start ))s into $out/bin" >&2
echo "$out/bin"
