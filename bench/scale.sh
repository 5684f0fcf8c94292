#!/usr/bin/env bash
# bench/scale.sh: vmapctl against dmsetup at scale, side by side in one run
# of the test VM (contract section 9, issue 13).  `make bench` runs it
# (through bench/run); by hand:
#
#   flock /work/vm.lock test/vm/run --timeout 3600 -- bench/scale.sh
#
# For N linear volumes (slices of one loop device over a sparse file), the
# same devices made by each tool, udev running:
#   - create: `vmapctl apply` of a spec of N volumes vs one
#     `dmsetup create --concise` process, with udev sync and with
#     DM_DISABLE_UDEV=1, and how long `udevadm settle` takes after each;
#     with udev sync, also the CPU udev used for the create's events (its
#     workers and what they ran): over the VM's CPUs, that is how fast
#     any tool that waits for udev could be on this machine; and the
#     machine's CPU meanwhile (/proc/stat: every process and the kernel);
#   - converged no-op `apply`, `plan`, `status` and `validate` vs
#     `dmsetup table` / `dmsetup status` of all N (the same devices: those
#     vmapctl made);
#   - remove: `vmapctl destroy NAMES` vs `dmsetup remove NAMES` (one
#     process), `vmapctl apply --prune` of an empty spec vs
#     `dmsetup remove_all`;
#   - one more pass under strace and `udevadm monitor`: ioctls by DM_*
#     command, other syscalls, sysfs/modules paths and kernel uevents of
#     every operation (tracing slows a command down, so those runs are
#     not timed); creates and removes are traced below N=1000 only (their
#     counts grow linearly and tracing them costs minutes at 1000), the
#     read-only commands at every N;
#   - peak RSS of every timed command.
# Then, at each N, the multipath shape: N volumes each on its own device
# (N linear devices made by dmsetup stand for N LUNs; the spec names each
# by /dev/mapper path), converged no-op and plan vs `dmsetup table` of all
# 2N devices: what a host with a LUN per volume pays for a converged run
# (each volume's device resolved and read from sysfs); made and removed
# with udevd stopped and DM_DISABLE_UDEV=1, so it costs seconds.
# Before all that, how much faster the VM runs two chains of short
# processes at once than one (par_speedup): the parallel capacity a batch's
# udev events get, next to the create's floor in the targets table.
# Then the activation storm: M loop devices attached at once with the
# installed udev rule (as test/bats/activate.bats sets it up), one volume
# each, against one `vmapctl apply` of the same M volumes.  Last, how long
# each volume of a three-level stack stays suspended while it grows.
#
# Times are the fastest of VMAPCTL_BENCH_RUNS runs (default 3).  Creates
# and removes cost udev's work on every device (about 0.5 s a volume for
# all of them in the emulated VM), so from N >= VMAPCTL_BENCH_ONE_RUN_FROM
# (default 1000) they run once.  The read-only commands (no-op, plan,
# status, validate and the dmsetup reads they are set against) cost a
# tenth of a second and run at least VMAPCTL_BENCH_READS times (default 7;
# spread evenly over the timed runs, so 9 where those are 3) at every N,
# the two tools in turn: a single run in the emulator can take 1.5x its
# usual time, and fastest of 3 often caught one lucky run of one tool only.
# From N >= VMAPCTL_BENCH_QUIET_FROM (default 1000) only the two creates
# with udev sync on keep udev running: the DM_DISABLE_UDEV=1 creates and
# every remove run (both tools, DM_DISABLE_UDEV=1) with systemd-udevd
# stopped, so no settle follows them.  udev's work on those events is the
# same for both tools and would add hours at 3,000 in the emulator; what
# the tools themselves cost is what those rows compare.
# The storm runs once.  The emulated VM's absolute times are noise; the
# ratios are the result.  Settings (environment):
#   VMAPCTL_BENCH_N="100 1000 3000"   volume counts (e.g. "100 300" for a quick run;
#                                     "" with VMAPCTL_BENCH_M set: the storm alone)
#   VMAPCTL_BENCH_M="50 200"          storm sizes ("" skips the storm)
#   VMAPCTL_BENCH_RUNS=3  VMAPCTL_BENCH_ONE_RUN_FROM=1000
#   VMAPCTL_BENCH_READS=7             runs (at least) of the read-only commands
#   VMAPCTL_BENCH_QUIET_FROM=1000     udevd stopped for the udev-off creates
#                                     and the removes from this N on
#   VMAPCTL_BENCH_QUIET_RUNS_BELOW=3000  below this N, the udev-off creates
#                                     run VMAPCTL_BENCH_RUNS times even where
#                                     the other creates run once (a create of
#                                     1,000 takes 2 s there, one run is noise;
#                                     each extra run costs two removes, 80 s)
#   VMAPCTL_BENCH_TRACE=1             0 skips the strace/uevent pass
#   VMAPCTL_BENCH_TRACE_HEAVY_BELOW=1000  trace creates/removes below this N
#   VMAPCTL_BENCH_STORM_TIMEOUT=1200  seconds to wait for a storm's volumes
#   VMAPCTL_BENCH_VALIDATE="SEC KIB"  host-side validate of 10 000 volumes
#                                     (bench/parse-10k.sh), for the summary
#   VMAPCTL_BENCH_PAR_K=100           runs of `dmsetup version` in each chain
#                                     of the parallel speed-up row
#   VMAPCTL_BENCH_EMIT_TSV=1          also print the raw measurements (TSV)
#                                     between marker lines, for bench/run
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
here=$top/bench
vmapctl=${VMAPCTL_BIN:-$top/vmapctl}
tools=${VMAPCTL_TOOLS:-$top/build/rel/tools}
BR=$tools/bench-run
read -r -a NS <<<"${VMAPCTL_BENCH_N-100 1000 3000}"
read -r -a MS <<<"${VMAPCTL_BENCH_M-50 200}"
RUNS=${VMAPCTL_BENCH_RUNS:-3}
ONE_RUN_FROM=${VMAPCTL_BENCH_ONE_RUN_FROM:-1000}
QUIET_FROM=${VMAPCTL_BENCH_QUIET_FROM:-1000}
QUIET_RUNS_BELOW=${VMAPCTL_BENCH_QUIET_RUNS_BELOW:-3000}
TRACE=${VMAPCTL_BENCH_TRACE:-1}
TRACE_HEAVY_BELOW=${VMAPCTL_BENCH_TRACE_HEAVY_BELOW:-1000}
READS=${VMAPCTL_BENCH_READS:-7}
# vmapctl bounds its wait for udev (--udev-timeout, default 30 s for the
# whole batch) where dmsetup waits as long as udev takes; in the emulated VM
# udev needs longer than 30 s for the events of 1,000 devices, and apply
# then fails.  Both wait until udev is done here.
UT=(--udev-timeout 3600)
STORM_TIMEOUT=${VMAPCTL_BENCH_STORM_TIMEOUT:-1200}

die() { echo "bench: $*" >&2; exit 1; }
[ "${VMAPCTL_IN_VM:-}" = 1 ] || die "run me in the VM: make bench"
[ -x "$BR" ] || die "$BR is missing (run make first)"
for t in strace stdbuf udevadm dmsetup losetup python3 pgrep; do
	command -v "$t" >/dev/null || die "'$t' is missing"
done
[ ${#NS[@]} -gt 0 ] || [ ${#MS[@]} -gt 0 ] || die "VMAPCTL_BENCH_N and VMAPCTL_BENCH_M are both empty"

# The test VM boots without address space randomisation (test/vm/run:
# it makes the emulator's process starts cheaper, more so for a bigger
# program); a host has it, so the benchmark turns it back on, for every
# program measured here.
echo 2 >/proc/sys/kernel/randomize_va_space
work=$(mktemp -d /tmp/bench.XXXXXX)
raw=$work/raw.tsv
: >"$raw"
loops=$work/loops
: >"$loops"
mon_pid=
finished=
cleanup() {
	if [ -z "$finished" ] && [ -s "$raw" ]; then
		echo "bench: stopped early; what was measured until then:" >&2
		report || true
	fi
	[ -n "$mon_pid" ] && kill "$mon_pid" 2>/dev/null
	rm -f /etc/udev/rules.d/69-vmapctl.rules
	dmsetup remove_all --force >/dev/null 2>&1 || true
	local d
	while read -r d; do losetup -d "$d" 2>/dev/null || true; done <"$loops"
	rm -rf "$work"
}
trap cleanup EXIT

t_start=$EPOCHREALTIME
say() { printf 'bench: [%5.0fs] %s\n' "$(bc_sub "$EPOCHREALTIME" "$t_start")" "$*" >&2; }
# seconds between two EPOCHREALTIME values, in the shell (no fork)
bc_sub() {
	local a=${1/./} b=${2/./}
	local d=$((10#$a - 10#$b))
	printf '%d.%06d' $((d / 1000000)) $((d % 1000000))
}

row() { local IFS=$'\t'; printf '%s\n' "$*" >>"$raw"; }

# the tables (and the raw rows, for bench/run)
report() {
	python3 "$here/scale-report.py" "$raw"
	if [ "${VMAPCTL_BENCH_EMIT_TSV:-}" = 1 ]; then
		echo "--- bench raw tsv begin ---"
		cat "$raw"
		echo "--- bench raw tsv end ---"
	fi
}

# dm devices that exist now (the kernel's view, no fork)
dm_count() {
	local a=(/sys/block/dm-*)
	[ -e "${a[0]}" ] && echo ${#a[@]} || echo 0
}
expect() {
	local have
	have=$(dm_count)
	[ "$have" = "$1" ] || die "expected $1 dm devices after $2, found $have"
}

# timed N TOOL OP RUN CMD...: run CMD once under bench-run (wall, CPU, peak
# RSS) and record it; a failing command stops the benchmark
timed() {
	local n=$1 tool=$2 op=$3 run=$4 wall user sys rss
	shift 4
	: >"$work/t"
	"$BR" -o "$work/t" -- "$@" >/dev/null 2>"$work/err" ||
		{ cat "$work/err" >&2; die "'$*' failed (N=$n, $tool $op)"; }
	read -r wall user sys rss _ <"$work/t"
	row time "$n" "$tool" "$op" "$run" "$wall" "$user" "$sys" "$rss"
}
settle() { timed "$1" "$2" "settle.$3" "$4" udevadm settle --timeout=900; }

# udev_ticks: the CPU time (clock ticks) systemd-udevd and its workers,
# with the programs they ran, have used so far: udevd's own and its
# reaped children's, and each live worker's own and its reaped children's
udev_ticks() {
	local main p t=0 f
	main=$(pgrep -o -x systemd-udevd) || { echo 0; return; }
	for p in "$main" $(pgrep -P "$main"); do
		read -r -a f 2>/dev/null <"/proc/$p/stat" || continue
		t=$((t + f[13] + f[14] + f[15] + f[16]))
	done
	echo "$t"
}
CLK_TCK=$(getconf CLK_TCK)
# the machine's CPU (every CPU's user, nice and system time), in ticks
sys_ticks() {
	local _ u n s _r
	read -r _ u n s _r </proc/stat
	echo $((u + n + s))
}
# cpu_since WHO N TOOL OP RUN TICKS0: the CPU of WHO (udev: udevd and its
# workers, udev_ticks; sys: the machine, sys_ticks) since WHO_ticks said
# TICKS0, recorded as op WHOcpu.OP (seconds in the wall column).  With
# udev sync on, a tool waits until udev has processed its events, so
# udev's CPU over the VM's CPUs bounds how fast any tool can create
# (contract section 9)
cpu_since() {
	local t1
	t1=$("$1_ticks")
	row time "$2" "$3" "$1cpu.$4" "$5" "$(echo "($t1 - $6) / $CLK_TCK" | bc -l)" 0 0 0
}

# udev_stop / udev_start: systemd-udevd out of the way for the quiet
# operations (VMAPCTL_BENCH_QUIET_FROM); the events of devices made or
# removed meanwhile go to no one (both tools run with DM_DISABLE_UDEV=1,
# libdevmapper makes and removes the nodes)
udev_stop() {
	udevadm settle --timeout=900
	udevadm control --exit || die "systemd-udevd did not stop"
}
udev_start() {
	/lib/systemd/systemd-udevd --daemon >/dev/null 2>&1 || die "systemd-udevd did not start"
	udevadm settle --timeout=900
}
# quiet N TOOL OP RUN CMD...: CMD timed with udevd stopped (the caller
# stopped it), DM_DISABLE_UDEV=1
quiet() { DM_DISABLE_UDEV=1 timed "$@"; }

# traced N TOOL OP CMD...: the same command under strace, counted
traced() {
	local n=$1 tool=$2 op=$3
	shift 3
	strace -f -qq -o "$work/strace" "$@" >/dev/null 2>"$work/err" ||
		{ cat "$work/err" >&2; die "'$*' failed under strace (N=$n, $tool $op)"; }
	awk -f "$here/strace-summary.awk" "$work/strace" |
		sed "s/^/count\t$n\t$tool\t$op\t/" >>"$raw"
	rm -f "$work/strace"
}

# uevents: udevadm monitor around a command; mon_stop lets udev finish
# (events a command causes late, such as a change event from udev's watch
# of a device opened for writing, come after the command returns)
mon_start() {
	stdbuf -oL udevadm monitor --kernel --subsystem-match=block >"$work/mon" 2>&1 &
	mon_pid=$!
	local i
	for i in $(seq 100); do
		grep -q '^KERNEL - ' "$work/mon" && break
		sleep 0.1
	done
	sleep 0.3
}
mon_stop() {
	udevadm settle --timeout=900
	sleep 1
	udevadm settle --timeout=900
	kill "$mon_pid"
	wait "$mon_pid" 2>/dev/null || true
	mon_pid=
	awk -f "$here/uevent-summary.awk" "$work/mon" |
		sed "s/^/count\t$1\t$2\t$3\t/" >>"$raw"
}

# --- the volumes: N slices of 1 MiB of one loop device -------------------
max_n=0
for n in "${NS[@]}"; do [ "$n" -gt "$max_n" ] && max_n=$n; done
# (and at least 80 MiB: the stack at the end uses 65)
size=$((max_n + 1))
[ "$size" -ge 80 ] || size=80
truncate -s "${size}M" "$work/disk"
disk=$(losetup -f --show "$work/disk")
echo "$disk" >>"$loops"
dn=$(printf '%d:%d' "0x$(stat -c %t "$disk")" "0x$(stat -c %T "$disk")")
printf 'apiVersion: vmapctl/v1\nvolumes: []\n' >"$work/empty.yaml"

# make_set N: the spec (vmapctl) and the concise list (dmsetup) of the
# same N tables; names v<i> (uuid VMAP-v<i>) and d<i> (uuid P<i>), so both
# tools' devices carry a uuid and get the same udev links.
# The list goes to dmsetup as its one argument: dmsetup 1.02.185 cannot read
# it from stdin beyond 4 KiB (_slurp_stdin keeps reading into the buffer
# it has just realloc'ed away: "Read from stdin aborted: Bad address"), and
# one argument may have 128 KiB, about 3,100 volumes with these names.
make_set() {
	local n=$1 i sep=
	vnames=() dnames=() concise=''

	{
		echo "apiVersion: vmapctl/v1"
		echo "volumes:"
		for ((i = 0; i < n; i++)); do
			echo "  - {name: v$i, targets: [{type: linear, size: 2048, device: $disk, offset: $((i * 2048))}]}"
		done
	} >"$work/spec.yaml"
	for ((i = 0; i < n; i++)); do
		concise+="${sep}d$i,P$i,,rw,0 2048 linear $dn $((i * 2048))"
		sep=';'
		vnames+=("v$i") dnames+=("d$i")
	done
	[ ${#concise} -lt 131072 ] ||
		die "N=$n: the dmsetup list is ${#concise} bytes, more than one argument may have (128 KiB)"
}

# reads N RUN: the read-only commands, vmapctl's N devices in place;
# dmsetup reads the same devices
reads() {
	local n=$1 r=$2 s=$work/spec.yaml
	timed "$n" vmapctl noop "$r" "$vmapctl" apply "${UT[@]}" -q -f "$s"
	timed "$n" dmsetup table "$r" dmsetup table
	timed "$n" vmapctl plan "$r" "$vmapctl" plan -f "$s"
	timed "$n" vmapctl status "$r" "$vmapctl" status -f "$s"
	timed "$n" dmsetup status "$r" dmsetup status
	timed "$n" vmapctl validate "$r" "$vmapctl" validate -f "$s"
}

# cycle N RUN NREADS: one timed run of the creates and removes at N, with
# NREADS runs of the reads; the two tools alternate, so a drift of the
# emulated machine's speed hits both.  From VMAPCTL_BENCH_QUIET_FROM on,
# the removes and the DM_DISABLE_UDEV=1 creates run with udevd stopped.
cycle() {
	local n=$1 r=$2 nreads=$3 s=$work/spec.yaml i q=0
	[ "$n" -ge "$QUIET_FROM" ] && q=1
	# udev sync on
	synced_create "$n" dmsetup create "$r" dmsetup create --concise "$concise"
	quiet_from_here
	step "$n" dmsetup remove "$r" dmsetup remove "${dnames[@]}"
	expect 0 "dmsetup remove"
	quiet_until_here

	synced_create "$n" vmapctl create "$r" "$vmapctl" apply "${UT[@]}" -q -f "$s"
	for ((i = 0; i < nreads; i++)); do
		reads "$n" $(((r - 1) * nreads + i + 1))
	done
	quiet_from_here
	step "$n" vmapctl destroy "$r" "$vmapctl" destroy "${UT[@]}" -q "${vnames[@]}"
	expect 0 "vmapctl destroy"

	# DM_DISABLE_UDEV=1: no udev sync, libdevmapper makes the nodes itself;
	# udev still processes the events, which the settle after it measures
	DM_DISABLE_UDEV=1 step "$n" dmsetup create.noudev "$r" dmsetup create --concise "$concise"
	expect "$n" "dmsetup create (DM_DISABLE_UDEV=1)"
	step "$n" dmsetup remove_all "$r" dmsetup remove_all
	expect 0 "dmsetup remove_all"

	DM_DISABLE_UDEV=1 step "$n" vmapctl create.noudev "$r" "$vmapctl" apply "${UT[@]}" -q -f "$s"
	expect "$n" "vmapctl apply (DM_DISABLE_UDEV=1)"
	step "$n" vmapctl prune "$r" "$vmapctl" apply "${UT[@]}" -q --prune -f "$work/empty.yaml"
	expect 0 "vmapctl apply --prune"
	quiet_until_here
}
# synced_create N TOOL OP RUN CMD...: CMD (a create of N devices, udev
# sync on) timed, the settle after it, udev's and the machine's CPU
synced_create() {
	local u0 s0
	u0=$(udev_ticks) s0=$(sys_ticks)
	timed "$@"
	settle "$1" "$2" "$3" "$4"
	cpu_since udev "$1" "$2" "$3" "$4" "$u0"
	cpu_since sys "$1" "$2" "$3" "$4" "$s0"
	expect "$1" "$2 $3"
}
# quiet_creates N RUN: one more timed run of the two DM_DISABLE_UDEV=1
# creates alone (udevd stopped, as in cycle from QUIET_FROM on), each
# followed by an untimed remove
quiet_creates() {
	local n=$1 r=$2 s=$work/spec.yaml
	udev_stop
	quiet "$n" dmsetup create.noudev "$r" dmsetup create --concise "$concise"
	expect "$n" "dmsetup create (DM_DISABLE_UDEV=1)"
	DM_DISABLE_UDEV=1 dmsetup remove_all >/dev/null
	expect 0 "dmsetup remove_all"
	quiet "$n" vmapctl create.noudev "$r" "$vmapctl" apply "${UT[@]}" -q -f "$s"
	expect "$n" "vmapctl apply (DM_DISABLE_UDEV=1)"
	DM_DISABLE_UDEV=1 "$vmapctl" apply "${UT[@]}" -q --prune -f "$work/empty.yaml" >/dev/null
	expect 0 "vmapctl apply --prune"
	udev_start
}
# step N TOOL OP RUN CMD...: in cycle, CMD timed and the udev settle after
# it, or (quiet) CMD alone, with DM_DISABLE_UDEV=1
step() {
	if [ "$q" = 1 ]; then
		quiet "$@"
	else
		timed "$@"
		settle "$1" "$2" "$3" "$4"
	fi
}
quiet_from_here() { [ "$q" = 0 ] || udev_stop; }
quiet_until_here() { [ "$q" = 0 ] || udev_start; }

# trace_cycle N HEAVY: the counting pass at N: strace on every command,
# uevents on creates and removes; with HEAVY=0 only the reads (one create
# and destroy to have devices, not traced)
trace_cycle() {
	local n=$1 heavy=$2 s=$work/spec.yaml
	if [ "$heavy" = 1 ]; then
		mon_start
		traced "$n" dmsetup create dmsetup create --concise "$concise"
		mon_stop "$n" dmsetup create
		mon_start
		traced "$n" dmsetup remove dmsetup remove "${dnames[@]}"
		mon_stop "$n" dmsetup remove
		mon_start
		traced "$n" vmapctl create "$vmapctl" apply "${UT[@]}" -q -f "$s"
		mon_stop "$n" vmapctl create
	elif [ "$n" -ge "$QUIET_FROM" ]; then
		udev_stop
		DM_DISABLE_UDEV=1 "$vmapctl" apply "${UT[@]}" -q -f "$s"
		udev_start
	else
		"$vmapctl" apply "${UT[@]}" -q -f "$s"
		udevadm settle --timeout=900
	fi
	"$vmapctl" plan -q --detailed-exitcode -f "$s" >/dev/null ||
		die "the spec of $n volumes does not plan as converged right after apply"
	traced "$n" vmapctl noop "$vmapctl" apply "${UT[@]}" -q -f "$s"
	traced "$n" dmsetup table dmsetup table
	traced "$n" vmapctl plan "$vmapctl" plan -f "$s"
	traced "$n" vmapctl status "$vmapctl" status -f "$s"
	traced "$n" dmsetup status dmsetup status
	traced "$n" vmapctl validate "$vmapctl" validate -f "$s"
	if [ "$heavy" != 1 ] && [ "$n" -ge "$QUIET_FROM" ]; then
		udev_stop
		DM_DISABLE_UDEV=1 "$vmapctl" destroy "${UT[@]}" -q "${vnames[@]}"
		udev_start
		expect 0 "the counting pass"
		return
	elif [ "$heavy" != 1 ]; then
		"$vmapctl" destroy "${UT[@]}" -q "${vnames[@]}"
		udevadm settle --timeout=900
		expect 0 "the counting pass"
		return
	fi
	mon_start
	traced "$n" vmapctl destroy "$vmapctl" destroy "${UT[@]}" -q "${vnames[@]}"
	mon_stop "$n" vmapctl destroy

	mon_start
	DM_DISABLE_UDEV=1 traced "$n" dmsetup create.noudev dmsetup create --concise "$concise"
	mon_stop "$n" dmsetup create.noudev
	mon_start
	traced "$n" dmsetup remove_all dmsetup remove_all
	mon_stop "$n" dmsetup remove_all
	mon_start
	DM_DISABLE_UDEV=1 traced "$n" vmapctl create.noudev "$vmapctl" apply "${UT[@]}" -q -f "$s"
	mon_stop "$n" vmapctl create.noudev
	mon_start
	traced "$n" vmapctl prune "$vmapctl" apply "${UT[@]}" -q --prune -f "$work/empty.yaml"
	mon_stop "$n" vmapctl prune
	expect 0 "the counting pass"
}

# luns N: the multipath shape (see the top): N devices b<i> made by dmsetup,
# a spec of N volumes each on its own (/dev/mapper/b<i>), applied; the
# read-only commands against `dmsetup table` of all 2N devices, READS
# times each, the tools in turn; one pass under strace; all removed
luns() {
	local n=$1 i r s=$work/luns.yaml list='' sep=''
	for ((i = 0; i < n; i++)); do
		list+="${sep}b$i,B$i,,rw,0 2048 linear $dn $((i * 2048))"
		sep=';'
	done
	{
		echo "apiVersion: vmapctl/v1"
		echo "volumes:"
		for ((i = 0; i < n; i++)); do
			echo "  - {name: v$i, targets: [{type: linear, size: 2048, device: /dev/mapper/b$i}]}"
		done
	} >"$s"
	udev_stop
	DM_DISABLE_UDEV=1 dmsetup create --concise "$list" >/dev/null
	DM_DISABLE_UDEV=1 "$vmapctl" apply "${UT[@]}" -q -f "$s"
	expect $((2 * n)) "the devices and volumes of the multipath shape"
	udev_start
	"$vmapctl" plan -q --detailed-exitcode -f "$s" >/dev/null ||
		die "the spec of $n volumes on their own devices does not plan as converged"
	for ((r = 1; r <= READS; r++)); do
		timed "$n" vmapctl noop.luns "$r" "$vmapctl" apply "${UT[@]}" -q -f "$s"
		timed "$n" dmsetup table.luns "$r" dmsetup table
		timed "$n" vmapctl plan.luns "$r" "$vmapctl" plan -f "$s"
	done
	if [ "$TRACE" = 1 ]; then
		traced "$n" vmapctl noop.luns "$vmapctl" apply "${UT[@]}" -q -f "$s"
		traced "$n" dmsetup table.luns dmsetup table
	fi
	udev_stop
	DM_DISABLE_UDEV=1 dmsetup remove_all >/dev/null
	expect 0 "removing the multipath shape"
	udev_start
}

# --- the activation storm ---------------------------------------------------
SPECS=/etc/vmapctl/volumes.d
storm_uuid() { printf '5b1e2c3d-0000-4000-8000-%012d' "$1"; }

# M small images with a swap signature (a filesystem UUID for
# ID_FS_UUID, as activate.bats uses with ext4, written without M mkfs runs)
make_images() { python3 "$top/test/tools/swap-images.py" "$work/img" "$1"; }

# attach_all M: attach the M images at once, as disks appearing together
attach_all() {
	local i pids=()
	: >"$work/storm-loops"
	for ((i = 0; i < $1; i++)); do
		losetup -f --show "$work/img/$i.img" >>"$work/storm-loops" &
		pids+=($!)
	done
	# these, not every child: udevadm monitor runs in the background too
	wait "${pids[@]}"
	cat "$work/storm-loops" >>"$loops"
}
detach_all() {
	local d
	while read -r d; do losetup -d "$d"; done <"$work/storm-loops"
	udevadm settle --timeout=900
}
# an activation on its way through the rule's helper is named after the
# helper (15 characters of it) or setsid until it execs vmapctl
activations_running() {
	pgrep -x vmapctl >/dev/null || pgrep -x vmapctl-udev-ac >/dev/null || pgrep -x setsid >/dev/null
}
acct_sum() { python3 "$here/acct.py" sum "$1" | sed "s/^/storm\t$2\t$3\t/; s/ /\t/" >>"$raw"; }

storm() {
	local m=$1 i t0 t first='' last='' up names=() rc=0
	rm -rf "$SPECS" /run/vmapctl
	mkdir -p "$SPECS"
	for ((i = 0; i < m; i++)); do
		names+=("s$i")
		cat >"$SPECS/s$i.yaml" <<EOF
apiVersion: vmapctl/v1
volumes:
  - name: s$i
    targets:
      - {type: linear, size: 1MiB, offset: 1MiB, device: {udev: {ID_FS_UUID: $(storm_uuid "$i")}}}
EOF
	done

	# one apply of the M volumes, their disks already there (no rule)
	rm -f /etc/udev/rules.d/69-vmapctl.rules
	udevadm control --reload
	t0=$EPOCHREALTIME
	attach_all "$m"
	udevadm settle --timeout=900
	row storm "$m" attach settle.s "$(bc_sub "$EPOCHREALTIME" "$t0")"
	timed "$m" vmapctl storm.apply 1 "$vmapctl" apply "${UT[@]}" -q
	expect "$m" "vmapctl apply of the storm's volumes"
	udevadm settle --timeout=900
	"$vmapctl" destroy "${UT[@]}" -q "${names[@]}"
	detach_all
	expect 0 "destroy of the storm's volumes"

	# the storm: the rule and its helper as `make install` puts them (as
	# activate.bats does), vmapctl on the helper's PATH
	cp "$top/udev/69-vmapctl.rules" /etc/udev/rules.d/
	cp "$(dirname "$(readlink -f "$vmapctl")")/vmapctl-udev-activate" /usr/lib/udev/
	mkdir -p /usr/local/sbin
	ln -sf "$vmapctl" /usr/local/sbin/vmapctl
	udevadm control --reload
	rm -rf /run/vmapctl
	python3 "$here/acct.py" on "$work/acct.storm"
	mon_start
	t0=$EPOCHREALTIME
	attach_all "$m"
	row storm "$m" attach storm.s "$(bc_sub "$EPOCHREALTIME" "$t0")"
	# a fifo nobody writes: `read -t` on it is a sleep without a fork
	mkfifo "$work/tick"
	exec {tick}<>"$work/tick"
	local deadline=$((SECONDS + STORM_TIMEOUT)) all
	while :; do
		all=(/dev/mapper/s[0-9]*)
		[ -e "${all[0]}" ] && up=${#all[@]} || up=0
		t=$(bc_sub "$EPOCHREALTIME" "$t0")
		[ "$up" -gt 0 ] && [ -z "$first" ] && first=$t
		[ "$up" -ge "$m" ] && { last=$t; break; }
		[ "$SECONDS" -lt "$deadline" ] || break
		read -r -t 0.2 -u "$tick" _ || true
	done
	row storm "$m" storm up "$up"
	row storm "$m" storm first.s "${first:-NA}"
	row storm "$m" storm last.s "${last:-NA}"
	# every activation ends (lock timeouts included) before the count
	deadline=$((SECONDS + 300))
	while activations_running && [ "$SECONDS" -lt "$deadline" ]; do
		read -r -t 0.5 -u "$tick" _ || true
	done
	row storm "$m" storm ended.s "$(bc_sub "$EPOCHREALTIME" "$t0")"
	# late events (udev's watch) start no more runs once the rule is gone;
	# the runs they started before count with the storm
	rm -f /etc/udev/rules.d/69-vmapctl.rules
	udevadm control --reload
	mon_stop "$m" storm storm
	deadline=$((SECONDS + 120))
	while activations_running && [ "$SECONDS" -lt "$deadline" ]; do
		read -r -t 0.5 -u "$tick" _ || true
	done
	exec {tick}<&-
	rm -f "$work/tick"
	if pgrep -x vmapctl >/dev/null; then
		row storm "$m" storm still-running "$(pgrep -cx vmapctl)"
		# only ours: nothing else runs vmapctl in this VM
		kill $(pgrep -x vmapctl) 2>/dev/null || true
	fi
	python3 "$here/acct.py" off
	acct_sum "$work/acct.storm" "$m" storm
	row storm "$m" storm log.errors "$(grep -c 'vmapctl:' /run/vmapctl/activate.log 2>/dev/null || true)"
	# what they were (the log goes with the VM)
	grep 'vmapctl:' /run/vmapctl/activate.log 2>/dev/null | sort | uniq -c | sort -rn | head -n 5 |
		sed "s/^/bench: storm of $m: /" >&2 || true
	# the activations' own count: devices announced and the runners'
	# rounds (each a whole run), reconcile/exec/handover.h
	local gen=NA rounds=NA
	[ -e /run/vmapctl/activate.state ] && read -r gen rounds _ </run/vmapctl/activate.state
	row storm "$m" storm announced "$gen"
	row storm "$m" storm rounds "$rounds"
	row storm "$m" storm handed.over "$(grep -c '^handed over' /run/vmapctl/activate.log 2>/dev/null || true)"
	cp /run/vmapctl/activate.log "$work/activate-$m.log" 2>/dev/null || true

	udevadm settle --timeout=900
	"$vmapctl" destroy "${UT[@]}" -q "${names[@]}" >/dev/null 2>&1 || rc=$?
	[ "$(dm_count)" = 0 ] || dmsetup remove_all --force >/dev/null 2>&1 || true
	detach_all
	rm -rf "$SPECS"
	return $rc
}

# par_speedup: how much faster this machine does two chains of short
# processes at once than one.  udev's work on a device is of that kind (each
# event forks `dmsetup udevflags` and `dmsetup udevcomplete`, probes with
# blkid), and a batch's events run in parallel where dmsetup's run one at a
# time; on 2 CPUs the ideal is 2x.  Emulated (TCG) CPUs give less: every
# fork and exec flushes and refills what the emulator translated, and both
# CPUs share that.  The fastest of 3 of each, in turn.
par_chain() { local i; for ((i = 0; i < PAR_K; i++)); do dmsetup version >/dev/null; done; }
par_speedup() {
	local r t0 one='' two='' t
	for r in 1 2 3; do
		t0=$EPOCHREALTIME
		par_chain
		t=$(bc_sub "$EPOCHREALTIME" "$t0")
		[ -z "$one" ] || [ "$(echo "$t < $one" | bc -l)" = 1 ] && one=$t
		t0=$EPOCHREALTIME
		par_chain &
		par_chain
		wait
		t=$(bc_sub "$EPOCHREALTIME" "$t0")
		[ -z "$two" ] || [ "$(echo "$t < $two" | bc -l)" = 1 ] && two=$t
	done
	row info par.one "$one"
	row info par.two "$two"
	row info par.k "$PAR_K"
}
PAR_K=${VMAPCTL_BENCH_PAR_K:-100}

# --- run ------------------------------------------------------------------
row info kernel "$(uname -r)"
row info cpus "$(nproc)"
row info aslr "$(cat /proc/sys/kernel/randomize_va_space)"
row info dmsetup "$(dmsetup --version | awk '/Library/ { print $3 }')"
row info udev "$(udevadm --version)"
row info vmapctl "$("$vmapctl" version | head -n 1)"
row info runs "$RUNS"
row info one_run_from "$ONE_RUN_FROM"
row info quiet_from "$QUIET_FROM"
[ -n "${VMAPCTL_BENCH_VALIDATE:-}" ] && row info validate10k "$VMAPCTL_BENCH_VALIDATE"
[ -n "${VMAPCTL_BENCH_COMMIT:-}" ] && row info commit "$VMAPCTL_BENCH_COMMIT"
say "two process chains at once against one"
par_speedup

for n in "${NS[@]}"; do
	make_set "$n"
	runs=$RUNS
	[ "$n" -ge "$ONE_RUN_FROM" ] && runs=1
	# the reads run READS times in all, spread over the runs
	nreads=$(((READS + runs - 1) / runs))
	for ((r = 1; r <= runs; r++)); do
		say "N=$n: timed run $r of $runs"
		cycle "$n" "$r" "$nreads"
	done
	if [ "$n" -ge "$QUIET_FROM" ] && [ "$n" -lt "$QUIET_RUNS_BELOW" ]; then
		for ((r = runs + 1; r <= RUNS; r++)); do
			say "N=$n: DM_DISABLE_UDEV=1 creates, run $r of $RUNS"
			quiet_creates "$n" "$r"
		done
	fi
	if [ "$TRACE" = 1 ]; then
		heavy=0
		[ "$n" -lt "$TRACE_HEAVY_BELOW" ] && heavy=1
		say "N=$n: counting ioctls and uevents$([ $heavy = 1 ] || echo ' (reads only)')"
		trace_cycle "$n" "$heavy"
	fi
	say "N=$n: $n volumes on $n devices (the multipath shape)"
	luns "$n"
done

if [ ${#MS[@]} -gt 0 ]; then
	max_m=0
	for m in "${MS[@]}"; do [ "$m" -gt "$max_m" ] && max_m=$m; done
	make_images "$max_m"
	for m in "${MS[@]}"; do
		say "storm of $m disks"
		storm "$m"
	done
fi
# a three-level stack, grown: how long each volume is suspended
say "suspend times of a growing 3-level stack"
cat >"$work/stack.yaml" <<Y
apiVersion: vmapctl/v1
volumes:
  - {name: low, targets: [{type: linear, size: 65536, device: $disk, offset: 2048}]}
  - {name: mid, targets: [{type: linear, size: 32768, device: {volume: low}}]}
  - {name: top, targets: [{type: linear, size: 16384, device: {volume: mid}}]}
Y
"$vmapctl" apply "${UT[@]}" -q -f "$work/stack.yaml"
sed -i 's/65536/131072/; s/32768/98304/; s/16384/65536/' "$work/stack.yaml"
"$vmapctl" apply "${UT[@]}" --json -f "$work/stack.yaml" >"$work/stack.json"
python3 -c '
import json, sys
for s in json.load(open(sys.argv[1]))["result"]["suspended"]:
    print("stack\t%s\t%.1f" % (s["volume"], s["ms"]))' "$work/stack.json" >>"$raw"
"$vmapctl" destroy "${UT[@]}" -q top mid low

row info total.s "$(bc_sub "$EPOCHREALTIME" "$t_start")"
say "done"

finished=1
report
