#!/usr/bin/env bash
# Builds Prometheus's promtool from the Go module proxy, once per version, into the cache of
# tools/go-tool.sh (next to helm's), so the alert tests run the real rule engine (`promtool check rules`,
# `promtool test rules`). Prints the binary's path on its last line of stdout. First build: about 5
# minutes, 1 GB of memory on 2 cores (docs/control-plane.md); later runs reuse it.
set -euo pipefail
PROMETHEUS_VERSION=v0.316.0
# shellcheck source=../go-tool.sh
source "$(dirname "$0")/../go-tool.sh"

# remove_all_sd leaves out the cloud service discoveries (AWS, Azure, GCE, ...), which rules never use:
# less to download and to compile.
go_install_tool promtool "$PROMETHEUS_VERSION" github.com/prometheus/prometheus/cmd/promtool \
  "for the alert tests" "about 5 minutes" \
  -tags remove_all_sd -ldflags "-s -w -X github.com/prometheus/common/version.Version=${PROMETHEUS_VERSION#v}"
