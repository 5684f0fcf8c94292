#!/usr/bin/env bash
# bench/noop.sh: the converged no-op alone, vmapctl against `dmsetup table`,
# and what each asks of the kernel per volume.  A quick look at the path a
# fleet pays most (configuration management applies every few minutes)
# without the whole of bench/scale.sh (whose creates cost minutes at 1,000).
#
#   test/vm/run --smp 1 -- bench/noop.sh [VMAPCTL...]
#
# First the creation: VMAPCTL_BENCH_CREATE_N volumes (default 100) made by
# `dmsetup create --concise` and by `vmapctl apply` (first binary), udev
# sync on, traced: DM ioctls and kernel uevents per volume.
# Then, for each N, N linear volumes over one loop device are made at once with
# `dmsetup create --concise` (uuid VMAP-v<i>: managed, tables equal to the
# spec, so vmapctl's apply is a no-op), plus two unmanaged dm devices.
# Then, for each vmapctl binary given (default ./vmapctl), the fastest of
# VMAPCTL_BENCH_RUNS runs (default 5) of `apply -q -f SPEC` against the
# fastest of `dmsetup table`, the ratio, and one strace pass counting the
# DM ioctls (bench/strace-summary.awk) per volume.
#   VMAPCTL_BENCH_N="100 1000"  VMAPCTL_BENCH_RUNS=5  VMAPCTL_BENCH_CREATE_N=100
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
read -r -a NS <<<"${VMAPCTL_BENCH_N:-100 1000}"
RUNS=${VMAPCTL_BENCH_RUNS:-5}
bins=("$@")
[ ${#bins[@]} -gt 0 ] || bins=("$top/vmapctl")

die() { echo "noop: $*" >&2; exit 1; }
[ "${VMAPCTL_IN_VM:-}" = 1 ] || die "run me in the VM (test/vm/run -- bench/noop.sh)"

# The test VM boots without address space randomisation (test/vm/run:
# it makes the emulator's process starts cheaper, more so for a bigger
# program); a host has it, so the benchmark turns it back on, for every
# program measured here.
echo 2 >/proc/sys/kernel/randomize_va_space
work=$(mktemp -d /tmp/noop.XXXXXX)
disk=
cleanup() {
	dmsetup remove_all --force >/dev/null 2>&1 || true
	[ -n "$disk" ] && losetup -d "$disk" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

max=${VMAPCTL_BENCH_CREATE_N:-100}
for n in "${NS[@]}"; do [ "$n" -gt "$max" ] && max=$n; done
truncate -s "$((max + 4))M" "$work/disk"
disk=$(losetup -f --show "$work/disk")
dn=$(printf '%d:%d' "0x$(stat -c %t "$disk")" "0x$(stat -c %T "$disk")")

# fastest N CMD...: the fastest wall time of RUNS runs, in seconds
fastest() {
	local best='' i t0 t
	for ((i = 0; i < RUNS; i++)); do
		t0=$EPOCHREALTIME
		"$@" >/dev/null
		t=$(echo "$EPOCHREALTIME - $t0" | bc -l)
		if [ -z "$best" ] || [ "$(echo "$t < $best" | bc -l)" = 1 ]; then best=$t; fi
	done
	printf '%.4f' "$best"
}

# per N FILE: "CMD=COUNT/N" of the dm ioctls in an strace log
per() {
	awk -f "$top/bench/strace-summary.awk" "$2" |
		awk -v n="$1" '/^dm\./ { printf "%s=%.2f ", substr($1, 4), $2 / n }'
}
# uevents N FILE: kernel uevents per volume in a `udevadm monitor` log
uevents() {
	awk -f "$top/bench/uevent-summary.awk" "$2" |
		awk -v n="$1" '{ printf "%s=%.2f ", $1, $2 / n }'
}
# created TOOL N CMD...: CMD traced and watched; the devices are removed after
created() {
	local tool=$1 n=$2 mon
	shift 2
	stdbuf -oL udevadm monitor --kernel --subsystem-match=block >"$work/mon" 2>&1 &
	mon=$!
	sleep 1
	strace -f -qq -o "$work/st.c" "$@" >/dev/null
	udevadm settle --timeout=600
	sleep 1
	kill "$mon"
	wait "$mon" 2>/dev/null || true
	printf 'create N=%s %-8s ioctls/volume: %s\n' "$n" "$tool" "$(per "$n" "$work/st.c")"
	printf 'create N=%s %-8s uevents/volume: %s\n' "$n" "$tool" "$(uevents "$n" "$work/mon")"
	dmsetup remove_all >/dev/null
	udevadm settle --timeout=600
}
# spec N FILE: N linear volumes v<i>, 1 MiB slices of the disk
spec() {
	local i
	{
		echo "apiVersion: vmapctl/v1"
		echo "volumes:"
		for ((i = 0; i < $1; i++)); do
			echo "  - {name: v$i, targets: [{type: linear, size: 2048, device: $disk, offset: $((i * 2048))}]}"
		done
	} >"$2"
}
# concise N NAME UUID: the same tables for dmsetup --concise, devices
# NAME<i> with uuid UUID<i>
concise() {
	local i sep=''
	for ((i = 0; i < $1; i++)); do
		printf '%s%s%d,%s%d,,rw,0 2048 linear %s %d' "$sep" "$2" "$i" "$3" "$i" "$dn" $((i * 2048))
		sep=';'
	done
}
cn=${VMAPCTL_BENCH_CREATE_N:-100}
if [ "$cn" -gt 0 ]; then
	spec "$cn" "$work/create.yaml"
	created dmsetup "$cn" dmsetup create --concise "$(concise "$cn" d P)"
	created vmapctl "$cn" "${bins[0]}" apply -q --udev-timeout 600 -f "$work/create.yaml"
fi

printf '%-6s %-28s %9s %9s %6s  %s\n' N binary vmapctl_s dmsetup_s ratio "dm ioctls per volume (vmapctl | dmsetup table)"
for n in "${NS[@]}"; do
	dmsetup remove_all --force >/dev/null 2>&1 || true
	spec "$n" "$work/spec.yaml"
	# the volumes (uuid VMAP-: managed), and two devices vmapctl does not
	# manage
	c=$(concise "$n" v VMAP-v)
	c+=";other0,,,rw,0 2048 linear $dn $((n * 2048));other1,,,rw,0 1024 zero"
	DM_DISABLE_UDEV=1 dmsetup create --concise "$c" >/dev/null
	udevadm settle --timeout=600
	for b in "${bins[@]}"; do
		"$b" apply -q -f "$work/spec.yaml" >/dev/null || die "$b: the no-op apply failed"
		tv=$(fastest "$b" apply -q -f "$work/spec.yaml")
		td=$(fastest dmsetup table)
		strace -f -qq -o "$work/st.v" "$b" apply -q -f "$work/spec.yaml" >/dev/null
		strace -f -qq -o "$work/st.d" dmsetup table >/dev/null
		printf '%-6s %-28s %9s %9s %6.2f  %s| %s\n' "$n" "${b#"$top"/}" "$tv" "$td" \
			"$(echo "$tv / $td" | bc -l)" "$(per "$n" "$work/st.v")" "$(per "$n" "$work/st.d")"
	done
done
