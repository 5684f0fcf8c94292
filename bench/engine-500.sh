#!/usr/bin/env bash
# bench/engine-500.sh: vmapctl against dmsetup on the same kernel, side by
# side in one VM run (TCG timings only mean something as ratios).
#
#   make bench            (runs this inside the test VM)
#
# 1. create N linear volumes from one spec (vmapctl apply) vs the same N
#    with one `dmsetup create --concise` process; udev sync on for both
# 2. a converged no-op apply of those N vs `dmsetup table` of all of them
# 3. how long each volume of a three-level stack is suspended by a reload
set -euo pipefail
N=${N:-500}
top=$(cd "$(dirname "$0")/.." && pwd)
vmapctl=${VMAPCTL_BIN:-$top/vmapctl}
[ "${VMAPCTL_IN_VM:-}" = 1 ] || { echo "bench: run me in the VM: make bench" >&2; exit 1; }
work=$(mktemp -d)
trap 'dmsetup remove_all --force >/dev/null 2>&1 || true; losetup -D; rm -rf "$work"' EXIT

truncate -s 4G "$work/disk"
disk=$(losetup -f --show "$work/disk")
dn=$(printf '%d:%d' "0x$(stat -c %t "$disk")" "0x$(stat -c %T "$disk")")

secs() { python3 -c "import sys; print(f'{float(sys.argv[1]):.2f}')" "$1"; }
timeit() { local t0 t1; t0=$(date +%s.%N); "$@" >/dev/null; t1=$(date +%s.%N); python3 -c "print($t1 - $t0)"; }

# the same N volumes for both tools: 2048 sectors each, back to back
concise=""
{
	echo "apiVersion: vmapctl/v1"
	echo "volumes:"
	for i in $(seq 0 $((N - 1))); do
		echo "  - {name: b$i, targets: [{type: linear, size: 2048, device: $disk, offset: $((i * 2048))}]}"
		concise+="${concise:+;}d$i,,,rw,0 2048 linear $dn $((i * 2048))"
	done
} >"$work/spec.yaml"

sync_on=$(udevadm control --ping >/dev/null 2>&1 && echo yes || echo no)
t_dmsetup=$(timeit dmsetup create --concise "$concise")
t_table=$(timeit dmsetup table)
dmsetup remove_all >/dev/null
udevadm settle
t_vmap=$(timeit "$vmapctl" apply -q -f "$work/spec.yaml")
t_noop=$(timeit "$vmapctl" apply -q -f "$work/spec.yaml")
t_table2=$(timeit dmsetup table)
[ "$(dmsetup ls | wc -l)" = "$N" ] || { echo "bench: expected $N devices" >&2; exit 1; }
cookies=$(dmsetup udevcookies | grep -vc '^Cookie' || true)
"$vmapctl" destroy -q $(seq -f 'b%g' 0 $((N - 1)))

# a three-level stack, grown: per-volume suspended time
cat >"$work/stack.yaml" <<Y
apiVersion: vmapctl/v1
volumes:
  - {name: low, targets: [{type: linear, size: 65536, device: $disk, offset: 2048}]}
  - {name: mid, targets: [{type: linear, size: 32768, device: {volume: low}}]}
  - {name: top, targets: [{type: linear, size: 16384, device: {volume: mid}}]}
Y
"$vmapctl" apply -q -f "$work/stack.yaml"
sed -i 's/65536/131072/; s/32768/98304/; s/16384/65536/' "$work/stack.yaml"
"$vmapctl" apply --json -f "$work/stack.yaml" >"$work/stack.json"

printf '\n%-46s %10s\n' "measurement (udev sync: $sync_on, N=$N)" "seconds"
printf '%-46s %10s\n' "dmsetup create --concise (N devices)" "$(secs "$t_dmsetup")"
printf '%-46s %10s\n' "vmapctl apply, creating N" "$(secs "$t_vmap")"
printf '%-46s %10s\n' "  ratio dmsetup / vmapctl (target >= 3)" "$(python3 -c "print(f'{$t_dmsetup / $t_vmap:.1f}')")"
printf '%-46s %10s\n' "dmsetup table (N devices)" "$(secs "$(python3 -c "print(($t_table + $t_table2) / 2)")")"
printf '%-46s %10s\n' "vmapctl apply, converged no-op" "$(secs "$t_noop")"
printf '%-46s %10s\n' "  ratio vmapctl / dmsetup table (target <= 2)" "$(python3 -c "print(f'{$t_noop / (($t_table + $t_table2) / 2):.1f}')")"
printf '%-46s %10s\n' "udev cookies left behind" "$cookies"
python3 - "$work/stack.json" <<'P'
import json, sys
r = json.load(open(sys.argv[1]))["result"]
print("\nsuspended during a grow of a 3-level stack (ms):")
for s in r["suspended"]:
    print(f"  {s['volume']:<8} {s['ms']:8.1f}")
P
