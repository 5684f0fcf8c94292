#!/usr/bin/env bats
# The reconcile engine against the real kernel: plans, ordered applies,
# idempotence, rollback, recover, ownership, locking (contract 3-6).

load helpers
bats_require_minimum_version 1.5.0

setup() {
	common_setup
	DISK=$(make_loop 256M)
}
teardown() { common_teardown; }

# A three-level stack on $DISK; sizes in sectors as arguments.
stack_spec() {
	write_spec stack.yaml <<EOF
apiVersion: vmapctl/v1
volumes:
  - name: low
    targets:
      - {type: linear, size: $1, device: $DISK, offset: 2048}
  - name: mid
    targets:
      - {type: linear, size: $2, device: {volume: low}}
  - name: top
    targets:
      - {type: linear, size: $3, device: {volume: mid}, offset: 8}
EOF
}

# Everything the kernel says about the dm devices: tables, info (incl.
# event counters), inactive tables.
kernel_state() { untraced _kernel_state "$@"; }
_kernel_state() {
	dmsetup table
	dmsetup table --inactive
	dmsetup info -c --noheadings -o name,attr,events,open,uuid
}

# The order of executed steps from apply --json, one "action:volume" per line.
executed_steps() { untraced _executed_steps "$@"; }
_executed_steps() {
	python3 -c 'import json,sys; r=json.load(sys.stdin)["result"]; print(" ".join(e["action"]+":"+e["volume"] for e in r["executed"] if not e["rollback"]))'
}

@test "a three-level stack is created from nothing, lowest volume first" {
	stack_spec 65536 32768 16384
	run --separate-stderr vmapctl apply --json --detailed-exitcode
	assert_failure 2
	steps=$(printf '%s' "$output" | executed_steps)
	[ "$steps" = "create:low create:mid create:top" ]
	[ "$(dmsetup table top)" = "0 16384 linear $(devnum /dev/mapper/mid) 8" ]
	[ "$(dmsetup table mid)" = "0 32768 linear $(devnum /dev/mapper/low) 0" ]
	[ "$(dmsetup table low)" = "0 65536 linear $(devnum "$DISK") 2048" ]
	[ "$(dmsetup info -c --noheadings -o uuid top)" = "VMAP-top" ]
	[ -b /dev/mapper/top ]
	assert_no_udev_cookies
}

@test "re-applying a converged set exits 0 and issues no state-changing ioctl" {
	stack_spec 65536 32768 16384
	vmapctl apply
	before=$(kernel_state)
	run strace -f -e trace=ioctl -o "$BATS_TEST_TMPDIR/trace" "$VMAPCTL_BIN" apply --detailed-exitcode
	assert_success
	[ "$(kernel_state)" = "$before" ]
	# strace decodes dm ioctls by name: only reads may appear
	grep -q 'DM_LIST_DEVICES' "$BATS_TEST_TMPDIR/trace"
	run grep -E 'DM_(DEV_CREATE|DEV_REMOVE|DEV_SUSPEND|TABLE_LOAD|TABLE_CLEAR|DEV_RENAME|TARGET_MSG|DEV_SET_GEOMETRY)' "$BATS_TEST_TMPDIR/trace"
	assert_failure
}

@test "plan on a changed set exits 2 with --detailed-exitcode and changes nothing" {
	stack_spec 65536 32768 16384
	vmapctl apply
	stack_spec 131072 32768 16384
	before=$(kernel_state)
	run vmapctl plan --detailed-exitcode
	assert_failure 2
	assert_output --partial "reload   low"
	[ "$(kernel_state)" = "$before" ]
	run vmapctl plan
	assert_success
}

@test "growing a stack grows the lower volume first: suspend top-down, resume bottom-up" {
	stack_spec 65536 32768 16384
	vmapctl apply
	stack_spec 131072 98304 65536
	run --separate-stderr vmapctl apply --json
	assert_success
	steps=$(printf '%s' "$output" | executed_steps)
	[ "$steps" = "load:low load:mid load:top suspend:top suspend:mid suspend:low resume:low resume:mid resume:top" ]
	[ "$(blockdev --getsz /dev/mapper/top)" = 65536 ]
	[ "$(blockdev --getsz /dev/mapper/low)" = 131072 ]
}

@test "shrinking is refused without --allow-shrink, and then shrinks the upper volume first" {
	stack_spec 131072 98304 65536
	vmapctl apply
	stack_spec 65536 32768 16384
	before=$(kernel_state)
	run vmapctl apply
	assert_failure 3
	assert_output --partial "--allow-shrink"
	[ "$(kernel_state)" = "$before" ]
	run --separate-stderr vmapctl apply --allow-shrink --json
	assert_success
	steps=$(printf '%s' "$output" | executed_steps)
	[ "$steps" = "load:low load:mid load:top suspend:top suspend:mid suspend:low resume:top resume:mid resume:low" ]
	[ "$(blockdev --getsz /dev/mapper/low)" = 65536 ]
}

@test "a volume never shrinks below what a volume stacked on it maps" {
	stack_spec 65536 32768 16384
	vmapctl apply
	# mid shrinks to 8192 but top still maps sectors 8..16392 of it
	stack_spec 65536 8192 16384
	run vmapctl apply --allow-shrink
	assert_failure 3
	assert_output --partial "maps up to sector 16392"
	[ "$(dmsetup table mid)" = "0 32768 linear $(devnum /dev/mapper/low) 0" ]
}

@test "a misaligned offset on a 4096-byte-sector disk stops before anything is suspended" {
	disk4k=$(make_loop 64M 4096)
	write_spec a.yaml <<EOF
apiVersion: vmapctl/v1
volumes:
  - name: a
    targets:
      - {type: linear, size: 8192, device: $disk4k, offset: 8}
EOF
	vmapctl apply
	sed -i 's/offset: 8}/offset: 1}/' "$VMAPCTL_SPEC_DIR/a.yaml"
	run strace -f -e trace=ioctl -o "$BATS_TEST_TMPDIR/trace" "$VMAPCTL_BIN" apply
	assert_failure 1
	assert_output --partial "not aligned to the 4096-byte logical blocks"
	run grep -E 'DM_(DEV_SUSPEND|TABLE_LOAD)' "$BATS_TEST_TMPDIR/trace"
	assert_failure
	[ "$(dm_state a)" = ACTIVE ]
	[ "$(dmsetup table a)" = "0 8192 linear $(devnum "$disk4k") 8" ]
}

@test "a table the kernel refuses only at resume is rolled back: the device is active on its old table" {
	disk4k=$(make_loop 64M 4096)
	write_spec a.yaml <<EOF
apiVersion: vmapctl/v1
volumes:
  - name: a
    targets:
      - {type: linear, size: 8192, device: $disk4k, offset: 8}
EOF
	vmapctl apply
	sed -i 's/offset: 8}/offset: 1}/' "$VMAPCTL_SPEC_DIR/a.yaml"
	# with the prediction off, the kernel takes the table at RELOAD and
	# refuses it at RESUME (contract 5.3): the run must roll back (the new
	# offset shows other data: meant, so --allow-remap)
	run --separate-stderr env VMAPCTL_TEST_HOOK=skip-predict "$VMAPCTL_BIN" apply --json --allow-remap
	assert_failure 1
	printf '%s' "$output" | python3 -c '
import json, sys
o = json.load(sys.stdin)
assert o["result"]["rolledBack"] is True, o["result"]
ev = [(e["action"], e["ok"], e["rollback"]) for e in o["result"]["executed"]]
assert ("resume", False, False) in ev, ev
assert ("resume", True, True) in ev, ev
assert any("aligned" in (e.get("kernel") or "") or "Invalid argument" in e["message"] for e in o["errors"]), o["errors"]
'
	[ "$(dm_state a)" = ACTIVE ]
	[ "$(dmsetup table a)" = "0 8192 linear $(devnum "$disk4k") 8" ]
	run dmsetup table --inactive a
	[ -z "$output" ]
	[ ! -e /run/vmapctl/journal.json ]
}

@test "a run killed right after a suspend leaves a journal that recover finishes" {
	stack_spec 65536 32768 16384
	vmapctl apply
	stack_spec 131072 32768 16384
	VMAPCTL_TEST_HOOK=pause-after-suspend "$VMAPCTL_BIN" apply >/dev/null 2>&1 &
	pid=$!
	for i in $(seq 100); do [ -e /run/vmapctl/paused ] && break; sleep 0.1; done
	[ -e /run/vmapctl/paused ]
	kill -9 "$pid"
	wait "$pid" || true
	[ -e /run/vmapctl/journal.json ]
	# only low changes, so low is what the run suspended
	[ "$(dm_state low)" = SUSPENDED ]
	run vmapctl recover
	assert_success
	assert_output --partial "resumed 'low'"
	for v in low mid top; do [ "$(dm_state $v)" = ACTIVE ]; done
	[ ! -e /run/vmapctl/journal.json ]
	# the old tables: the interrupted change is not half made
	[ "$(dmsetup table low)" = "0 65536 linear $(devnum "$DISK") 2048" ]
	run dmsetup table --inactive low
	[ -z "$output" ]
	# and a plain apply then makes the change
	run vmapctl apply --detailed-exitcode
	assert_failure 2
	[ "$(blockdev --getsz /dev/mapper/low)" = 131072 ]
}

@test "a run killed after making its udev cookie and before journaling it: recover releases the cookie" {
	local cookie killed
	# a create: the cookie is made for the first device's resume
	stack_spec 65536 32768 16384
	kill_at_cookie apply
	[ -e /run/vmapctl/journal.json ]
	! grep -qi "$(printf '%d' "$cookie")" /run/vmapctl/journal.json ||
		fail "the journal names the cookie already: $(cat /run/vmapctl/journal.json)"
	recover_releases_cookie "the run"
	vmapctl apply -q
	[ "$(blockdev --getsz /dev/mapper/top)" = 16384 ]
	# a run that only removes names no device, but it journals its pid
	# before its cookie exists
	printf 'apiVersion: vmapctl/v1\nvolumes: []\n' | write_spec stack.yaml
	kill_at_cookie apply --prune
	[ -e /run/vmapctl/journal.json ] || fail "a run that only removes wrote no journal"
	recover_releases_cookie "the run" apply --prune
	run dmsetup info top
	assert_failure
}

@test "a cookie a killed run left half made (created, never given its value) is released by recover" {
	local cookie killed half
	stack_spec 65536 32768 16384
	kill_at_cookie apply
	# libdm makes a cookie in two steps, semget and then SETVAL 1; a
	# kill between them leaves what this makes: a semaphore of libdm's
	# key at 0 that nobody set, whose maker is gone
	half=$(python3 -c '
import ctypes, random
libc = ctypes.CDLL(None)
while True:
    key = 0x0D4D0000 | random.randint(1, 0xFFFF)
    if libc.semget(key, 1, 0o600 | 0o1000 | 0o2000) >= 0:  # IPC_CREAT | IPC_EXCL
        print(hex(key))
        break
')
	[ "$(dmsetup udevcookies | grep -c "^$half ")" = 1 ] || fail "no half-made cookie: $(dmsetup udevcookies)"
	local recovered
	recover_releases_cookie "the run"
	[[ $recovered == *"released udev cookie $half, which was left half made"* ]] ||
		fail "recover did not say it released $half: $recovered"
}

@test "activate while a killed run's journal is there keeps it for recover, which then releases that run's cookie" {
	local cookie killed
	stack_spec 65536 32768 16384
	kill_at_cookie apply
	# a disk's volume comes up meanwhile: activate creates it (it does
	# not recover first: it only creates)
	write_spec fresh.yaml <<EOF2
apiVersion: vmapctl/v1
volumes:
  - name: fresh
    targets: [{type: linear, size: 2048, device: $DISK, offset: 400000}]
EOF2
	run vmapctl activate
	assert_success
	[ -b /dev/mapper/fresh ]
	grep -q "\"pid\":$killed," /run/vmapctl/journal.json ||
		fail "activate did not keep the killed run's journal: $(cat /run/vmapctl/journal.json 2>&1)"
	recover_releases_cookie "the run"
	vmapctl apply -q
	for v in low mid top fresh; do [ "$(dm_state $v)" = ACTIVE ]; done
}

@test "the next apply recovers a killed run before planning" {
	stack_spec 65536 32768 16384
	vmapctl apply
	stack_spec 131072 32768 16384
	VMAPCTL_TEST_HOOK=pause-after-suspend "$VMAPCTL_BIN" apply >/dev/null 2>&1 &
	pid=$!
	for i in $(seq 100); do [ -e /run/vmapctl/paused ] && break; sleep 0.1; done
	kill -9 "$pid"
	wait "$pid" || true
	[ "$(dm_state low)" = SUSPENDED ]
	run vmapctl apply
	assert_success
	assert_output --partial "recover: resumed 'low'"
	for v in low mid top; do [ "$(dm_state $v)" = ACTIVE ]; done
	[ "$(blockdev --getsz /dev/mapper/low)" = 131072 ]
}

@test "a device of the same name not managed by vmapctl is refused and untouched" {
	dmsetup create web --uuid LVM-notours --table "0 2048 linear $DISK 0"
	write_spec web.yaml <<EOF
apiVersion: vmapctl/v1
volumes:
  - name: web
    targets:
      - {type: linear, size: 4096, device: $DISK}
EOF
	before=$(kernel_state)
	run vmapctl apply --prune
	assert_failure 3
	assert_output --partial "does not manage"
	[ "$(kernel_state)" = "$before" ]
}

@test "--prune removes managed volumes missing from the set, never unmanaged ones" {
	dmsetup create theirs --table "0 2048 zero"
	stack_spec 65536 32768 16384
	vmapctl apply
	write_spec stack.yaml <<EOF
apiVersion: vmapctl/v1
volumes:
  - name: low
    targets:
      - {type: linear, size: 65536, device: $DISK, offset: 2048}
EOF
	run vmapctl plan
	assert_success
	assert_output --partial "managed volume 'top' is not in the spec set"
	[ -e /dev/mapper/top ]
	run --separate-stderr vmapctl apply --prune --json
	assert_success
	steps=$(printf '%s' "$output" | executed_steps)
	[ "$steps" = "remove:top remove:mid" ]
	run dmsetup info top
	assert_failure
	dmsetup info theirs
}

@test "destroy removes managed volumes upper first and refuses unmanaged ones" {
	stack_spec 65536 32768 16384
	vmapctl apply
	dmsetup create theirs --table "0 2048 zero"
	run vmapctl destroy theirs
	assert_failure 3
	dmsetup info theirs
	run vmapctl destroy mid
	assert_failure 3
	assert_output --partial "'top' is stacked on it"
	run --separate-stderr vmapctl destroy low mid top --json
	assert_success
	steps=$(printf '%s' "$output" | executed_steps)
	[ "$steps" = "remove:top remove:mid remove:low" ]
	assert_no_udev_cookies
}

@test "destroy removes each device after everything stacked on it, at any depth, and refuses one something kept stands on" {
	# c stands on b and on a itself, e on c; d stands beside them
	write_spec stack.yaml <<EOF
apiVersion: vmapctl/v1
volumes:
  - name: a
    targets:
      - {type: linear, size: 65536, device: $DISK, offset: 2048}
  - name: b
    targets:
      - {type: linear, size: 32768, device: {volume: a}}
  - name: c
    targets:
      - {type: linear, size: 1024, device: {volume: b}}
      - {type: linear, size: 1024, device: {volume: a}, offset: 40960}
  - name: d
    targets:
      - {type: linear, size: 4096, device: $DISK, offset: 131072}
  - name: e
    targets:
      - {type: linear, size: 1024, device: {volume: c}}
EOF
	vmapctl apply
	run vmapctl destroy a c
	assert_failure 3
	assert_output --partial "device 'b' is stacked on it"
	assert_output --partial "device 'e' is stacked on it"
	for v in a b c d e; do dmsetup info "$v" >/dev/null; done
	run --separate-stderr vmapctl destroy e a d c b --json
	assert_success
	steps=$(printf '%s' "$output" | executed_steps)
	[ "$steps" = "remove:d remove:e remove:c remove:b remove:a" ] || fail "steps: $steps"
	for v in a b c d e; do ! dmsetup info "$v" >/dev/null 2>&1 || fail "'$v' is still there"; done
	assert_no_udev_cookies
}

@test "a managed volume found suspended is resumed by apply" {
	stack_spec 65536 32768 16384
	vmapctl apply
	dmsetup suspend top
	run vmapctl plan --detailed-exitcode
	assert_failure 2
	assert_output --partial "resume   top"
	vmapctl apply
	[ "$(dm_state top)" = ACTIVE ]
}

@test "two applies started at once serialise and both succeed, leaving no udev cookie" {
	stack_spec 65536 32768 16384
	"$VMAPCTL_BIN" apply >"$BATS_TEST_TMPDIR/a.out" 2>&1 &
	a=$!
	"$VMAPCTL_BIN" apply >"$BATS_TEST_TMPDIR/b.out" 2>&1 &
	b=$!
	wait "$a"
	wait "$b"
	for v in low mid top; do [ "$(dm_state $v)" = ACTIVE ]; done
	# exactly one of them created the stack; the other found it done
	cat "$BATS_TEST_TMPDIR/a.out" "$BATS_TEST_TMPDIR/b.out" | grep -c "applied: 3 volumes changed" | grep -qx 1
	assert_no_udev_cookies
}

@test "an apply waiting for the lock gives up after --lock-timeout with exit 75" {
	stack_spec 65536 32768 16384
	exec 8>/run/lock/vmapctl.lock
	flock 8
	run vmapctl apply --lock-timeout 1
	exec 8>&-
	assert_failure 75
}

# v as a linear volume on $DISK, or as a multipath volume with $DISK as its
# one path (request-based: the device type differs).
linear_spec() {
	write_spec v.yaml <<EOF2
apiVersion: vmapctl/v1
volumes:
  - name: v
    targets:
      - {type: linear, size: 8192, device: $DISK}
EOF2
}
multipath_spec() {
	write_spec v.yaml <<EOF2
apiVersion: vmapctl/v1
volumes:
  - name: v
    targets:
      - type: multipath
        size: 8192
        queueIfNoPath: true
        ${1:-}
        pathGroups:
          - selector: round-robin
            paths: [{device: $DISK}]
EOF2
}

@test "a bio-based volume changed to multipath and back needs --allow-recreate, with nothing suspended until then" {
	linear_spec
	vmapctl apply
	multipath_spec
	before=$(kernel_state)
	run strace -f -e trace=ioctl -o "$BATS_TEST_TMPDIR/trace" "$VMAPCTL_BIN" apply
	assert_failure 3
	assert_output --partial "bio-based to request-based"
	assert_output --partial "--allow-recreate"
	[ "$(kernel_state)" = "$before" ]
	run grep -E 'DM_(DEV_SUSPEND|TABLE_LOAD|DEV_REMOVE)' "$BATS_TEST_TMPDIR/trace"
	assert_failure
	run vmapctl apply --allow-recreate
	assert_success
	dmsetup table v | grep -q ' multipath '
	[ -d "/sys/block/$(basename "$(readlink -f /dev/mapper/v)")/mq" ]
	[ "$(dmsetup info -c --noheadings -o uuid v)" = VMAP-v ]
	# and back
	linear_spec
	run vmapctl apply
	assert_failure 3
	run vmapctl apply --allow-recreate
	assert_success
	[ "$(dmsetup table v)" = "0 8192 linear $(devnum "$DISK") 0" ]
	assert_no_udev_cookies
}

@test "--allow-recreate is refused while the device is open" {
	linear_spec
	vmapctl apply
	multipath_spec
	exec 7</dev/mapper/v
	run vmapctl apply --allow-recreate
	exec 7<&-
	assert_failure 3
	assert_output --partial "is open"
	[ "$(dmsetup table v)" = "0 8192 linear $(devnum "$DISK") 0" ]
	[ "$(dm_state v)" = ACTIVE ]
}

@test "a thin-pool changed to another target type is refused, then recreated with --allow-recreate" {
	meta=$(make_loop 16M)
	data=$(make_loop 128M)
	pool_spec() {
		write_spec pool.yaml <<EOF2
apiVersion: vmapctl/v1
volumes:
  - name: pool
    targets:
$1
EOF2
	}
	pool_spec "      - {type: thin-pool, size: 128MiB, metadataDevice: $meta, dataDevice: $data, blockSize: 128, lowWaterMark: 0}"
	vmapctl apply
	dmsetup table pool | grep -q thin-pool
	pool_spec "      - {type: linear, size: 128MiB, device: $data}"
	before=$(kernel_state)
	run vmapctl apply
	assert_failure 3
	assert_output --partial "thin-pool target cannot be replaced"
	[ "$(kernel_state)" = "$before" ]
	# the pool's data device as a plain linear volume shows other data
	# than the pool did: that too must be meant
	run vmapctl apply --allow-recreate
	assert_failure 3
	assert_output --partial "would show other data"
	run vmapctl apply --allow-recreate --allow-remap
	assert_success
	[ "$(dmsetup table pool)" = "0 262144 linear $(devnum "$data") 0" ]
}

@test "a multipath volume queueing writes with no path is reloaded with noflush and no write is lost" {
	multipath_spec
	vmapctl apply
	dmsetup message v 0 fail_path "$(devnum "$DISK")"
	# 16 KiB of a known pattern, written while there is no path: queued
	head -c 16384 /dev/urandom >"$BATS_TEST_TMPDIR/pattern"
	dd if="$BATS_TEST_TMPDIR/pattern" of=/dev/mapper/v bs=4096 seek=1 oflag=direct 2>"$BATS_TEST_TMPDIR/dd.err" &
	dd_pid=$!
	sleep 2
	kill -0 "$dd_pid" # still queued
	# a table change: the path comes back in the new table
	multipath_spec "pgInitRetries: 3"
	run --separate-stderr vmapctl apply --json
	assert_success
	printf '%s' "$output" | python3 -c '
import json, sys
o = json.load(sys.stdin)
v = [v for v in o["plan"]["volumes"] if v["name"] == "v"][0]
assert v["action"] == "reload" and v["suspend"] == "noflush", v
s = [s for s in o["plan"]["steps"] if s["action"] == "suspend"]
assert s and s[0]["flush"] is False, s
'
	wait "$dd_pid" # the queued writes completed, successfully
	cmp <(dd if="$DISK" bs=4096 skip=1 count=4 2>/dev/null) "$BATS_TEST_TMPDIR/pattern"
}
