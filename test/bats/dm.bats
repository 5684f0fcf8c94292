#!/usr/bin/env bats
# reconcile/dm.c against the real kernel, through test/tools/vmap-dm:
# what it reads agrees with dmsetup, what it does reaches the kernel with
# the right flags, failures carry errno and the kernel's own reason, and
# the udev wait is bounded and leaves no cookie behind.

load helpers

bats_require_minimum_version 1.5.0

T=${VMAPCTL_TOOLS:-$TOP/build/rel/tools}
vdm() { "$T/vmap-dm" "$@"; }

setup() { common_setup; }
teardown() {
	# a test that stopped udevd must not leave the rest of the suite without it
	start_udevd
	# a multipath left queueing would make every later remove wait
	local n
	for n in $(dmsetup ls --target multipath 2>/dev/null | awk '$1 != "No" { print $1 }'); do
		dmsetup message "$n" 0 fail_if_no_path >/dev/null 2>&1 || true
	done
	common_teardown
}

# field NAME KEY: one "key: value" line of `vmap-dm info`
field() { vdm info "$1" | sed -n "s/^$2: //p"; }

@test "info agrees with dmsetup: uuid, numbers, flags, open count, events, tables, deps" {
	dev=$(make_loop 64M)
	run vdm create lin --uuid VMAP-lin --table "0 1000 linear $dev 8"
	assert_success
	exec 7</dev/mapper/lin # hold it open: open count 1 (fd 3 is bats' own)
	run vdm info lin
	exec 7<&-
	assert_success
	assert_line "uuid: VMAP-lin"
	want=$(dmsetup info -c --noheadings -o major,minor --separator : lin | tr -d ' ')
	assert_line "major_minor: $want"
	assert_line "state: ACTIVE"
	assert_line "tables: LIVE"
	assert_line "read_only: 0"
	assert_line "open_count: 1"
	assert_line "event_nr: $(dmsetup info -c --noheadings -o events lin | tr -d ' ')"
	assert_line "live: $(dmsetup table lin | sed 's/ *$//')"
	assert_line "deps: $(devnum "$dev")"
	# dmsetup prints "(7, 0)"
	dmsetup deps lin | tr -d ' ' | grep -qF "($(devnum "$dev" | tr : ,))"
}

@test "an inactive table is visible, suspend shows SUSPENDED, resume swaps it in" {
	dev=$(make_loop 64M)
	vdm create sw --table "0 1000 linear $dev 0"
	run vdm load sw --table "0 2000 linear $dev 0"
	assert_success
	run vdm info sw
	assert_line "tables: LIVE & INACTIVE"
	assert_line "inactive: $(dmsetup table --inactive sw | sed 's/ *$//')"
	assert_line "live: 0 1000 linear $(devnum "$dev") 0"
	run vdm suspend sw
	assert_success
	[ "$(dm_state sw)" = SUSPENDED ]
	[ "$(field sw state)" = SUSPENDED ]
	run vdm resume sw
	assert_success
	[ "$(dm_state sw)" = ACTIVE ]
	[ "$(dmsetup table sw)" = "0 2000 linear $(devnum "$dev") 0" ]
	[ "$(field sw tables)" = LIVE ]
}

@test "clear drops the inactive table and keeps the live one" {
	dev=$(make_loop 64M)
	vdm create cl --table "0 1000 linear $dev 0"
	vdm load cl --table "0 2000 zero"
	run vdm clear cl
	assert_success
	[ "$(field cl tables)" = LIVE ]
	[ "$(dmsetup table cl)" = "0 1000 linear $(devnum "$dev") 0" ]
}

@test "a reload of an unknown target type fails with EINVAL and the kernel's reason" {
	dev=$(make_loop 64M)
	vdm create uk --table "0 1000 linear $dev 0"
	run vdm load uk --table "0 1000 nosuchtarget $dev 0"
	assert_failure 1
	assert_output --partial "cannot load the table: Invalid argument"
	assert_output --partial "(kernel: device-mapper: table: "
	assert_output --partial "nosuchtarget: unknown target type"
	[ "$(field uk tables)" = LIVE ]
}

@test "each failed call of one run carries the kernel's reason for that call only, none logged before it" {
	dev=$(make_loop 64M)
	# a device-mapper line in the kernel log from before the run
	dmsetup create kb-before --table "0 1000 oldtarget $dev 0" 2>/dev/null && fail "the kernel took an unknown type"
	dmesg | grep -q 'oldtarget: unknown target type' || fail "the earlier refusal is not in the kernel log"
	vdm create kb1 --table "0 1000 linear $dev 0"
	vdm create kb2 --table "0 1000 linear $dev 1000"
	# one process, two refused loads: each error gets its own window of
	# the kernel log
	run vdm load kb1 --table "0 1000 firsttarget $dev 0" , load kb2 --table "0 1000 secondtarget $dev 0"
	assert_failure 1
	refute_output --partial oldtarget
	[ "$(grep -c 'cannot load the table' <<<"$output")" = 2 ] || fail "not two errors: $output"
	grep 'kb1' <<<"$output" | grep -q 'firsttarget: unknown target type' || fail "kb1 lacks its reason: $output"
	grep 'kb2' <<<"$output" | grep -q 'secondtarget: unknown target type' || fail "kb2 lacks its reason: $output"
	! grep 'kb1' <<<"$output" | grep -q secondtarget || fail "kb1 carries kb2's reason: $output"
	! grep 'kb2' <<<"$output" | grep -q firsttarget || fail "kb2 carries kb1's reason: $output"
}

@test "an unaligned table reloads, fails at resume with the kernel's reason, device left suspended on its old table" {
	dev=$(make_loop 16M 4096)
	vdm create al --table "0 1000 linear $dev 0"
	run vdm load al --table "0 1000 linear $dev 1"
	assert_success # RELOAD does not check alignment on a device that has a table
	run vdm resume al
	assert_failure 1
	assert_output --partial "cannot resume: Invalid argument"
	assert_output --partial "start=1 not aligned to h/w logical block size 4096"
	# recorded behaviour: the new table is gone, the old one stays, suspended
	[ "$(dm_state al)" = SUSPENDED ]
	[ "$(field al tables)" = LIVE ]
	[ "$(dmsetup table al)" = "0 1000 linear $(devnum "$dev") 0" ]
	# and a plain resume brings it back
	run vdm resume al
	assert_success
	[ "$(dm_state al)" = ACTIVE ]
}

@test "a create the kernel refuses leaves no device and no cookie behind" {
	dev=$(make_loop 16M 4096)
	# on a new device the first load computes limits, so it fails at RELOAD
	run vdm create bad --table "0 1000 linear $dev 1"
	assert_failure 1
	assert_output --partial "volume 'bad': cannot load the table: Invalid argument"
	assert_output --partial "not aligned to h/w logical block size 4096"
	run dmsetup info bad
	assert_failure
	assert_no_udev_cookies
}

@test "names over 127 and uuids over 128 characters are refused before any ioctl" {
	long=$(printf 'n%.0s' $(seq 128))
	run vdm create "$long" --table "0 8 zero"
	assert_failure 1
	assert_output --partial "is longer than 127 characters"
	uuid=VMAP-$(printf 'u%.0s' $(seq 124))
	run vdm create okname --uuid "$uuid" --table "0 8 zero"
	assert_failure 1
	assert_output --partial "is longer than 128 characters"
	run dmsetup info okname
	assert_failure
	# 127 and 128 are fine
	run vdm create "${long:1}" --uuid "${uuid:1}" --table "0 8 zero"
	assert_success
}

@test "remove deletes the device and its node; removing a missing device says ENXIO" {
	vdm create rm1 --table "0 8 zero"
	[ -b /dev/mapper/rm1 ]
	run vdm remove rm1
	assert_success
	[ ! -e /dev/mapper/rm1 ]
	run vdm remove rm1
	assert_failure 1
	assert_output --partial "volume 'rm1': cannot remove: No such device or address"
}

@test "one cookie covers a batch of creates, and of removes; none is left behind" {
	dev=$(make_loop 64M)
	run vdm --time create b1 --table "0 100 linear $dev 0" , create b2 --table "0 100 linear $dev 100" , create b3 --table "0 100 zero"
	assert_success
	# the wait covered all three: their udev links exist now
	[ -b /dev/mapper/b1 ] && [ -b /dev/mapper/b2 ] && [ -b /dev/mapper/b3 ]
	[ -L "/dev/disk/by-id/dm-name-b2" ]
	assert_no_udev_cookies
	run vdm remove b1 , remove b2 , remove b3
	assert_success
	[ ! -e /dev/mapper/b1 ] && [ ! -e /dev/mapper/b3 ]
	assert_no_udev_cookies
}

@test "the udev wait is bounded: a create udev cannot finish times out in time and leaves no cookie" {
	# no paths and queue_if_no_path: udev's blkid probe blocks on the
	# queued I/O, so udev never completes the cookie
	SECONDS=0
	run vdm --time --udev-timeout 2 create mpq --table "0 1000 multipath 1 queue_if_no_path 0 0 0"
	total=$SECONDS
	assert_failure 3
	assert_output --partial "udev did not finish processing 'mpq' within 2 s: 1 of 1 uevents still pending"
	assert_output --partial "[timeout]"
	waited=$(printf '%s\n' "$output" | sed -n 's/^udev wait: \([0-9.]*\) s$/\1/p')
	echo "# udev wait took $waited s (bound 2 s), whole command ${total} s" >&3
	awk -v w="$waited" 'BEGIN { exit !(w >= 2.0 && w < 3.0) }'
	assert_no_udev_cookies
	# the device itself was created and is there
	run dmsetup info mpq
	assert_success
}

@test "with udevd stopped, create still makes /dev/mapper nodes and remove takes them away" {
	udevadm control --exit
	for _ in $(seq 50); do pgrep -x systemd-udevd >/dev/null || break; sleep 0.1; done
	! pgrep -x systemd-udevd || false
	# the socket file stays behind: libudev alone would think udev runs
	[ -S /run/udev/control ]
	run vdm sync
	assert_output 0
	dev=$(make_loop 64M)
	run vdm --udev-timeout 5 create nou --table "0 1000 linear $dev 0"
	assert_success
	[ -b /dev/mapper/nou ]
	run vdm remove nou
	assert_success
	[ ! -e /dev/mapper/nou ]
	assert_no_udev_cookies
}

@test "read-only create gives a read-only device" {
	dev=$(make_loop 64M)
	run vdm create ro1 --ro --table "0 1000 linear $dev 0"
	assert_success
	[ "$(field ro1 read_only)" = 1 ]
	[ "$(blockdev --getro /dev/mapper/ro1)" = 1 ]
}

@test "set-uuid adopts a device that has none" {
	dmsetup create plain --table "0 8 zero"
	run vdm set-uuid plain VMAP-plain
	assert_success
	[ "$(dmsetup info -c --noheadings -o uuid plain)" = VMAP-plain ]
	assert_no_udev_cookies
	# a uuid is set once
	run vdm set-uuid plain VMAP-other
	assert_failure 1
	assert_output --partial "cannot set uuid 'VMAP-other'"
}

@test "noflush reaches the kernel: multipath keeps queue_if_no_path only across a noflush suspend" {
	dev=$(make_loop 64M)
	vdm create mpf --table "0 1000 multipath 1 queue_if_no_path 0 1 1 round-robin 0 1 1 $dev 1"
	dmsetup table mpf | grep -q "queue_if_no_path"
	run vdm suspend mpf --noflush
	assert_success
	dmsetup table mpf | grep -q "queue_if_no_path"
	vdm resume mpf --noflush
	# a flushing suspend turns queueing off while suspended (multipath_presuspend)
	run vdm suspend mpf
	assert_success
	! dmsetup table mpf | grep -q "queue_if_no_path" || false
	vdm resume mpf
	dmsetup table mpf | grep -q "queue_if_no_path"
}

@test "info shows a crypt key only as its digest" {
	dev=$(make_loop 64M)
	key=0123456789abcdef0123456789abcdeffedcba9876543210fedcba9876543210
	run vdm create cr --secure --table "0 1000 crypt aes-xts-plain64 $key 0 $dev 0"
	assert_success
	# the kernel does hold and report the key...
	dmsetup table --showkeys cr | grep -q "$key"
	# ...but vmap-dm never prints it
	run vdm info cr
	assert_success
	assert_line --regexp '^live: 0 1000 crypt aes-xts-plain64 <key:sha256:[0-9a-f]{16}> 0 [0-9]+:[0-9]+ 0$'
	refute_output --partial "$key"
	refute_output --partial "${key:0:16}"
}

# ---- the run lock (lock.c), between real processes ----

@test "the run lock serialises two processes and times out with VMAP_E_LOCK naming the holder" {
	export VMAPCTL_LOCK_FILE=$BATS_TEST_TMPDIR/vmapctl.lock
	"$T/vmap-dm" lock 0 4 >"$BATS_TEST_TMPDIR/holder" & # not via vdm: $! must be its pid
	holder=$!
	for _ in $(seq 100); do grep -q locked "$BATS_TEST_TMPDIR/holder" && break; sleep 0.1; done
	grep -qx "locked pid $holder" "$BATS_TEST_TMPDIR/holder"
	# no wait allowed: refused at once
	run vdm lock 0 0
	assert_failure 75
	assert_output --partial "lock '$VMAPCTL_LOCK_FILE' is held by another vmapctl run (pid $holder); tried once"
	# a short wait runs out
	run vdm lock 1 0
	assert_failure 75
	assert_output --partial "(pid $holder); gave up after 1 s"
	# a long enough wait gets it once the holder is done
	run vdm lock 20 0
	assert_success
	wait "$holder"
}

@test "the run lock is free as soon as its holder is killed" {
	export VMAPCTL_LOCK_FILE=$BATS_TEST_TMPDIR/vmapctl.lock
	"$T/vmap-dm" lock 0 600 >"$BATS_TEST_TMPDIR/holder" &
	holder=$!
	for _ in $(seq 100); do grep -q locked "$BATS_TEST_TMPDIR/holder" && break; sleep 0.1; done
	run vdm lock 0 0
	assert_failure 75
	kill -9 "$holder"
	wait "$holder" || true
	run vdm lock 0 0
	assert_success
}
