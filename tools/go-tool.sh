# Sourced by tools/helm/build.sh and tools/promtool/build.sh. `go_install_tool` builds one command from
# the Go module proxy, once per version, into a cache outside the checkout (next to the control plane's),
# under a lock so that test runs started side by side build it once, and prints the binary's path on the
# last line of stdout.
#
#   go_install_tool NAME VERSION PACKAGE PURPOSE DURATION [go install flags...]
#     NAME      the command; its cache folder is NAME-VERSION
#     PACKAGE   the package to install, without @VERSION
#     PURPOSE   what it is built for, and DURATION how long a first build takes, for the messages
#
#   CONTROL_PLANE_CACHE  parent of the cache (default ~/.cache/remediation-orchestrator/control-plane)
go_install_tool() {
  local name=$1 version=$2 package=$3 purpose=$4 duration=$5
  shift 5
  export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=mod
  [ -n "${HOME:-}" ] || HOME=$(getent passwd "$(id -u)" | cut -d: -f6)
  export HOME
  command -v go >/dev/null || { [ -x /usr/local/go/bin/go ] && PATH=$PATH:/usr/local/go/bin; }
  command -v go >/dev/null || { echo "$name: Go is needed to build $name $version $purpose" >&2; exit 1; }

  local cache=${CONTROL_PLANE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/remediation-orchestrator/control-plane}
  local out="$cache/$name-$version"
  mkdir -p "$cache"
  exec 9>"$cache/.$name.lock"
  flock 9
  if [ -x "$out/bin/$name" ] && [ -f "$out/.complete" ]; then
    echo "$out/bin/$name"
    return 0
  fi

  echo "$name: building $version from the Go module proxy (first run on this machine: $duration)" >&2
  local start
  start=$(date +%s)
  rm -rf "$out.tmp" && mkdir -p "$out.tmp/bin"
  GOBIN="$out.tmp/bin" go install -trimpath "$@" "$package@$version" >&2
  touch "$out.tmp/.complete"
  rm -rf "$out" && mv "$out.tmp" "$out"
  echo "$name: built in $(( $(date +%s) - start ))s into $out/bin" >&2
  echo "$out/bin/$name"
}
