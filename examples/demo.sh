#!/usr/bin/env bash
# examples/demo.sh: what `make demo` runs inside the test VM.
set -euo pipefail
vmapctl=${VMAPCTL_BIN:-$(dirname "$0")/../vmapctl}
step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }

step vmapctl version
"$vmapctl" version
