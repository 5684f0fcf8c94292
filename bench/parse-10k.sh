#!/usr/bin/env bash
# bench/parse-10k.sh [N]: time the spec front end on a set of N (default
# 10 000) volumes, on the host (it never touches the kernel):
#  - `vmapctl validate` of the whole set as a user runs it: wall time and
#    peak RSS of the process, fastest of 5 (contract section 9: under
#    0.2 s and 100 MB for 10 000 volumes);
#  - inside the library: parse + validate, and normalise every target (what
#    `plan` does before comparing tables), fastest of 5.
# `make bench` runs it before the VM benchmark (bench/run).  With
# VMAPCTL_BENCH_VALIDATE_OUT=FILE it also writes "SECONDS PEAK_RSS_KIB" of
# the validate run there.  Needs a build (`make`): build/rel/tools.
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
n=${1:-10000}
tools=${VMAPCTL_TOOLS:-$top/build/rel/tools}
bin=${VMAPCTL_BIN:-$top/vmapctl}
for t in bench-parse bench-run; do
	[ -x "$tools/$t" ] || { echo "bench: $tools/$t is missing (run make first)" >&2; exit 1; }
done
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
mkdir "$dir/set"
"$tools/bench-parse" --gen "$n" "$dir/set"
echo "set: $n volumes, $(du -sh "$dir/set" | cut -f1) of YAML in $(ls "$dir/set" | wc -l) files"
"$bin" validate -f "$dir/set"
for _ in 1 2 3 4 5; do
	"$tools/bench-run" -o "$dir/runs" -- "$bin" validate -q -f "$dir/set"
done
# fastest wall time; the largest peak RSS
read -r secs kib < <(awk 'NR == 1 || $1 < best { best = $1 }
	$4 > rss { rss = $4 } END { print best, rss }' "$dir/runs")
awk -v s="$secs" -v k="$kib" -v n="$n" 'BEGIN {
	printf "vmapctl validate of %d volumes: %.3f s (fastest of 5), peak RSS %.1f MiB (targets at 10 000: < 0.2 s, < 100 MB)\n", n, s, k / 1024 }'
[ -z "${VMAPCTL_BENCH_VALIDATE_OUT:-}" ] || echo "$secs $kib" >"$VMAPCTL_BENCH_VALIDATE_OUT"
"$tools/bench-parse" -r 5 "$dir/set"
