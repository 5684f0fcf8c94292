#!/usr/bin/env bats
# scale.bats: what vmapctl asks of the kernel per volume, counted with strace
# (contract section 9).  A converged apply is what every host pays every few
# minutes: one table read per managed volume, nothing of the devices it does
# not manage, nothing that changes state.  Creating volumes costs no more
# device ioctls than dmsetup's own CREATE, LOAD and RESUME.  The ioctls are
# told apart by bench/strace-summary.awk (strace's decoding of the dm_ioctl:
# a table read and a status read are one ioctl number with another flag).

load helpers

setup() { common_setup; }
teardown() { common_teardown; }

N=20

# spec_n LOOP: N linear volumes v0..v(N-1), 1 MiB slices of LOOP
spec_n() {
	local i
	{
		echo "apiVersion: vmapctl/v1"
		echo "volumes:"
		for ((i = 0; i < N; i++)); do
			echo "  - {name: v$i, targets: [{type: linear, size: 2048, device: $1, offset: $((i * 2048))}]}"
		done
	} | write_spec scale.yaml
}

# traced FILE CMD...: run CMD under strace, its dm ioctls counted into FILE
# ("KEY COUNT" lines: dm.TABLE_STATUS.table, dm.DEV_CREATE, ...)
traced() {
	local out=$1
	shift
	strace -f -qq -o "$BATS_TEST_TMPDIR/strace.log" "$@"
	awk -f "$TOP/bench/strace-summary.awk" "$BATS_TEST_TMPDIR/strace.log" >"$out"
}

# count FILE KEY...: the sum of the counts of KEYs (0 when absent)
count() { untraced _count "$@"; }
_count() {
	local f=$1
	shift
	awk -v keys=" $* " 'index(keys, " " $1 " ") { s += $2 } END { print s + 0 }' "$f"
}

# every dm ioctl that changes state, by strace's name
CHANGES="dm.DEV_CREATE dm.TABLE_LOAD dm.DEV_SUSPEND.suspend dm.DEV_SUSPEND.resume dm.DEV_REMOVE
dm.REMOVE_ALL dm.DEV_RENAME dm.TABLE_CLEAR dm.TARGET_MSG dm.DEV_SET_GEOMETRY"
# the ones that name no device: one each per run, whatever the number of volumes
LISTS="dm.VERSION dm.LIST_DEVICES dm.LIST_VERSIONS"

# no ioctl of device-mapper's was left undecoded (those would escape the counts)
assert_all_decoded() { untraced _assert_all_decoded "$@"; }
_assert_all_decoded() {
	if grep -q '^dm\.0x' "$1"; then
		fail "undecoded dm ioctls: $(grep '^dm\.0x' "$1")"
	fi
}

@test "a converged apply reads one table per managed volume, none of the others, no DEPS of linear volumes, and changes nothing" {
	loop=$(make_loop 32M)
	spec_n "$loop"
	# and one stacked on v0, so v0 is open: what holds it is a volume
	# read, so nothing more needs reading
	echo "  - {name: v-up, targets: [{type: linear, size: 1024, device: {volume: v0}}]}" \
		>>"$VMAPCTL_SPEC_DIR/scale.yaml"
	vmapctl apply
	# two devices vmapctl does not manage: it has no need to read them
	dmsetup create other-lin --table "0 2048 linear $loop $((N * 2048))"
	dmsetup create other-zero --table "0 2048 zero"
	udevadm settle
	traced "$BATS_TEST_TMPDIR/noop" "$VMAPCTL_BIN" apply
	c=$BATS_TEST_TMPDIR/noop
	assert_all_decoded "$c"
	[ "$(count "$c" dm.TABLE_STATUS.table)" -eq $((N + 1)) ] ||
		fail "table reads: $(count "$c" dm.TABLE_STATUS.table), expected $((N + 1)): $(grep ^dm "$c")"
	[ "$(count "$c" dm.TABLE_DEPS)" -eq 0 ] || fail "DEPS read: $(grep ^dm "$c")"
	[ "$(count "$c" dm.TABLE_STATUS.status)" -eq 0 ] || fail "STATUS read: $(grep ^dm "$c")"
	# shellcheck disable=SC2086
	[ "$(count "$c" $CHANGES)" -eq 0 ] || fail "state changed: $(grep ^dm "$c")"
	# nothing else: the lists and the tables are all
	# shellcheck disable=SC2086
	[ "$(count "$c" $LISTS dm.TABLE_STATUS.table)" -eq "$(count "$c" dm)" ] ||
		fail "other dm ioctls: $(grep ^dm "$c")"
	# the module index is not read: every type the set uses is registered
	[ "$(count "$c" path.modules)" -eq 0 ] || fail "modules read: $(grep modules "$c")"
	run vmapctl plan --detailed-exitcode
	assert_success
}

@test "a device outside the set stacked on a managed volume is still seen: destroy refuses the volume under it" {
	loop=$(make_loop 32M)
	# a few volumes do: the point is the device stacked on one
	N=4 spec_n "$loop"
	vmapctl apply
	dmsetup create theirs --table "0 1024 linear /dev/mapper/v3 0"
	run vmapctl destroy v3
	assert_failure 3
	assert_output --partial "device 'theirs' is stacked on it"
	dmsetup info v3
}

@test "apply creating volumes issues no more dm ioctls per device than dmsetup create --concise" {
	loop=$(make_loop 32M)
	dn=$(devnum "$loop")
	spec_n "$loop"
	concise='' sep=''
	for ((i = 0; i < N; i++)); do
		concise+="${sep}d$i,P$i,,rw,0 2048 linear $dn $((i * 2048))"
		sep=';'
	done
	traced "$BATS_TEST_TMPDIR/dmsetup" dmsetup create --concise "$concise"
	traced "$BATS_TEST_TMPDIR/vmapctl" "$VMAPCTL_BIN" apply
	d=$BATS_TEST_TMPDIR/dmsetup v=$BATS_TEST_TMPDIR/vmapctl
	assert_all_decoded "$d"
	assert_all_decoded "$v"
	for k in dm.DEV_CREATE dm.TABLE_LOAD dm.DEV_SUSPEND.resume; do
		[ "$(count "$v" $k)" -eq "$N" ] || fail "$k: $(count "$v" $k), expected $N: $(grep ^dm "$v")"
	done
	# per device: every dm ioctl but the lists and the version
	# shellcheck disable=SC2086
	per_v=$(($(count "$v" dm) - $(count "$v" $LISTS)))
	# shellcheck disable=SC2086
	per_d=$(($(count "$d" dm) - $(count "$d" $LISTS)))
	[ "$per_v" -le "$per_d" ] ||
		fail "vmapctl: $per_v device ioctls for $N volumes, dmsetup: $per_d ($(grep ^dm "$v" | tr '\n' ' '))"
	# and one of each list at most (the live state is read once)
	for k in $LISTS; do
		[ "$(count "$v" "$k")" -le 1 ] || fail "$k: $(count "$v" "$k") times"
	done
}

# queue_reads FILE DEV: the queue limits DEV's number (MAJ:MIN) was read
# for in FILE (strace's openat lines), by attribute name, one a line
queue_reads() { untraced _queue_reads "$@"; }
_queue_reads() {
	local n
	n=$(devnum "$2")
	grep -oE "\"/sys/dev/block/$n(/\.\.)?/queue/[a-z_]+\"" "$1" | sed -E 's|.*/||; s|"||' | sort -u
}

@test "status reads the queue limits of the volumes it shows and of their devices, a plan only the block size, neither those of other dm devices nor a link" {
	loop=$(make_loop 32M)
	# three dm devices vmapctl does not manage: one a volume is on, two
	# no volume uses (on a multipath host: thousands of LUNs)
	dmsetup create lun0 --uuid LUN0 --table "0 4096 linear $loop 0"
	dmsetup create lun1 --uuid LUN1 --table "0 4096 linear $loop 4096"
	dmsetup create lun2 --table "0 4096 zero"
	udevadm settle
	write_spec luns.yaml <<Y
apiVersion: vmapctl/v1
volumes:
  - {name: on-lun, targets: [{type: linear, size: 2048, device: /dev/mapper/lun0}]}
  - {name: on-loop, targets: [{type: linear, size: 2048, device: $loop, offset: 8192}]}
Y
	vmapctl apply
	udevadm settle
	t=$BATS_TEST_TMPDIR/st
	# status shows or compares all but max_segment_size (a snapshot's)
	shown="discard_max_bytes logical_block_size max_hw_sectors_kb max_sectors_kb max_segments physical_block_size"
	all="discard_max_bytes logical_block_size max_hw_sectors_kb max_sectors_kb max_segment_size max_segments physical_block_size"
	strace -f -qq -e trace=openat,readlink,readlinkat -o "$t" "$VMAPCTL_BIN" status >/dev/null
	# neither a kernel name nor a path's node: only a snapshot records them
	! grep -E 'readlink(at)?\(.*"/(sys|dev)/' "$t" || fail "status read links"
	for d in /dev/mapper/on-lun /dev/mapper/on-loop /dev/mapper/lun0 "$loop"; do
		[ "$(queue_reads "$t" "$d" | xargs)" = "$shown" ] ||
			fail "status read of $d's limits: $(queue_reads "$t" "$d" | xargs)"
	done
	for d in /dev/mapper/lun1 /dev/mapper/lun2; do
		[ -z "$(queue_reads "$t" "$d")" ] || fail "status read $d's limits, which no volume uses"
	done
	# what it read is what it shows: a volume's limits are sysfs's
	run vmapctl status --json
	assert_success
	want=$(cat "/sys/block/$(basename "$(readlink -f /dev/mapper/on-lun)")/queue/max_sectors_kb")
	got=$(python3 -c 'import json, sys
print([v for v in json.load(sys.stdin)["volumes"] if v["name"] == "on-lun"][0]["limits"]["maxSectorsKb"])' <<<"$output")
	[ "$got" = "$want" ] || fail "on-lun max_sectors_kb: $got, sysfs $want"
	# a snapshot has every device's, those of the others too
	strace -f -qq -e trace=openat,readlink,readlinkat -o "$t" "$VMAPCTL_BIN" status --live-state-out "$BATS_TEST_TMPDIR/snap.json" >/dev/null
	grep -qE "readlink(at)?\(.*\"/sys/dev/block/$(devnum /dev/mapper/lun0)\"" "$t" ||
		fail "the snapshot did not read lun0's kernel name"
	grep -qF "\"/sys/dev/block/$(devnum /dev/mapper/lun0)/ro\"" "$t" ||
		fail "the snapshot did not read lun0's read-only flag"
	[ "$(queue_reads "$t" /dev/mapper/lun2 | xargs)" = "$all" ] ||
		fail "the snapshot's capture read of lun2's limits: $(queue_reads "$t" /dev/mapper/lun2 | xargs)"
	# a plan (a no-op apply): the block size of the devices it maps, no more
	strace -f -qq -e trace=openat,readlink,readlinkat -o "$t" "$VMAPCTL_BIN" apply --detailed-exitcode >/dev/null
	! grep -E 'readlink(at)?\(.*"/(sys|dev)/' "$t" || fail "the no-op read links"
	for d in /dev/mapper/lun0 "$loop"; do
		[ "$(queue_reads "$t" "$d" | xargs)" = logical_block_size ] ||
			fail "the no-op read of $d's limits: $(queue_reads "$t" "$d" | xargs)"
		grep -qF "\"/sys/dev/block/$(devnum "$d")/size\"" "$t" || fail "the no-op did not read $d's size"
		! grep -F "\"/sys/dev/block/$(devnum "$d")/ro\"" "$t" || fail "the no-op read $d's read-only flag"
	done
	for d in /dev/mapper/on-lun /dev/mapper/on-loop /dev/mapper/lun1 /dev/mapper/lun2; do
		[ -z "$(queue_reads "$t" "$d")" ] || fail "the no-op read $d's limits"
	done
}

@test "status says a volume's limits went stale when a device under it lowered one, and only that volume's" {
	loop=$(make_loop 32M)
	other=$(make_loop 32M)
	dmsetup create lun0 --uuid LUN0 --table "0 4096 linear $other 0"
	write_spec luns.yaml <<Y
apiVersion: vmapctl/v1
volumes:
  - {name: on-lun, targets: [{type: linear, size: 2048, device: /dev/mapper/lun0}]}
  - {name: on-loop, targets: [{type: linear, size: 2048, device: $loop}]}
Y
	vmapctl apply
	run vmapctl status --json
	assert_success
	stale() {
		python3 -c 'import json, sys
v = {v["name"]: v for v in json.load(sys.stdin)["volumes"]}
print(v[sys.argv[1]]["limitsStale"], *v[sys.argv[1]]["staleReasons"])' "$1" <<<"$output"
	}
	[ "$(stale on-loop)" = False ] || fail "on-loop before: $(stale on-loop)"
	# the loop device takes smaller requests from now on; on-loop's table
	# was loaded with its old limit (the kernel stacks limits at load)
	q=/sys/dev/block/$(devnum "$loop")/queue
	was=$(cat "$q/max_sectors_kb")
	[ "$was" -gt 8 ] || skip "max_sectors_kb of the loop device is $was already"
	echo 8 >"$q/max_sectors_kb"
	run vmapctl status --json
	assert_success
	[ "$(stale on-loop)" = "True max_sectors_kb $was is larger than its devices' 8" ] ||
		fail "on-loop: $(stale on-loop)"
	[ "$(stale on-lun)" = False ] || fail "on-lun: $(stale on-lun)"
}

# strace_files FILE CMD...: CMD's openat and rename calls into FILE
strace_files() {
	local out=$1
	shift
	strace -f -qq -e trace=openat,rename -o "$out" "$@" >/dev/null
}

@test "apply reads its spec file's parsed tree back; an edit, a damaged entry or one others may write is parsed again" {
	export VMAPCTL_RUN_DIR=$BATS_TEST_TMPDIR/run
	loop=$(make_loop 32M)
	N=4 spec_n "$loop"
	vmapctl apply
	entries=("$VMAPCTL_RUN_DIR"/parsed/*)
	[ ${#entries[@]} -eq 1 ] || fail "entries: ${entries[*]}"
	e=${entries[0]}
	[ "$(stat -c %a "$VMAPCTL_RUN_DIR/parsed") $(stat -c %a "$e")" = "700 600" ]
	t=$BATS_TEST_TMPDIR/st
	# unchanged: read back, nothing written
	strace_files "$t" "$VMAPCTL_BIN" apply
	grep -q "\"$e\", O_RDONLY" "$t" || fail "the entry was not read: $(grep parsed "$t")"
	! grep -q "rename(.*\"$e\")" "$t" || fail "written again: $(grep rename "$t")"
	# an edit is seen at once (a fifth volume), and kept anew
	N=5 spec_n "$loop"
	run vmapctl plan --detailed-exitcode
	assert_failure 2
	assert_output --partial v4
	vmapctl apply
	dmsetup info v4 >/dev/null
	strace_files "$t" "$VMAPCTL_BIN" apply
	! grep -q "rename(.*\"$e\")" "$t" || fail "the edit's tree was not kept"
	# a damaged entry: the file is parsed (the same plan) and the entry written anew
	head -c 300 "$e" >"$e.cut" && cat "$e.cut" >"$e"
	strace_files "$t" "$VMAPCTL_BIN" plan --detailed-exitcode
	grep -q "rename(.*\"$e\")" "$t" || fail "the damaged entry was not replaced: $(grep -E 'parsed|rename' "$t")"
	run vmapctl plan --detailed-exitcode
	assert_success
	# an entry others may write is not read, but replaced by one that is ours alone
	chmod 0666 "$e"
	strace_files "$t" "$VMAPCTL_BIN" plan --detailed-exitcode
	grep -q "rename(.*\"$e\")" "$t" || fail "the entry others may write was used"
	[ "$(stat -c %a "$e")" = 600 ]
	# validate never uses it
	strace_files "$t" "$VMAPCTL_BIN" validate
	! grep -q parsed "$t" || fail "validate used the cache: $(grep parsed "$t")"
}
