#!/usr/bin/env bash
# Builds the helm command for the chart's tests from the Go module proxy, once per version, into the
# cache of tools/go-tool.sh, and prints its path on the last line of stdout. First build: about 2
# minutes on 2 cores; later runs reuse it.
set -euo pipefail
HELM_VERSION=v4.3.1
# shellcheck source=../go-tool.sh
source "$(dirname "$0")/../go-tool.sh"

go_install_tool helm "$HELM_VERSION" helm.sh/helm/v4/cmd/helm "for the chart's tests" "about 2 minutes" \
  -ldflags "-s -w -X helm.sh/helm/v4/internal/version.version=$HELM_VERSION"
