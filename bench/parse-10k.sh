#!/usr/bin/env bash
# bench/parse-10k.sh [N]: time the spec front end on a set of N (default
# 10 000) volumes: parse + validate (what `vmapctl validate` does) and
# normalise every target (what `plan` does before comparing tables).
# The target is under one second for 10 000 volumes on a 2-core machine
# (natively; `make bench` runs it in the emulated test VM, which is slower).
# Needs a build (`make`): it uses build/rel/tools/bench-parse (bench/bench-parse.c).
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
n=${1:-10000}
tool=${VMAPCTL_TOOLS:-$top/build/rel/tools}/bench-parse
bin=${VMAPCTL_BIN:-$top/vmapctl}
[ -x "$tool" ] || { echo "bench: $tool is missing (run make first)" >&2; exit 1; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"$tool" --gen "$n" "$dir"
echo "set: $n volumes, $(du -sh "$dir" | cut -f1) of YAML in $(ls "$dir" | wc -l) files"
"$bin" validate -f "$dir"
"$tool" -r 5 "$dir"
