#!/usr/bin/env bats
# The harness itself: the suite really runs on a guest kernel with
# device-mapper, and the fixtures really make (and clean up) devices.

load helpers

setup() { common_setup; }
teardown() { common_teardown; }

@test "version reports the guest kernel's device-mapper driver version" {
	run vmapctl version
	assert_success
	# dmsetup asks the same kernel; the two must agree
	want=$(dmsetup version | awk '/Driver version/ { print $3 }')
	[ -n "$want" ]
	assert_line "kernel driver $want"
	assert_line --regexp '^libdevmapper 1\.02\.[0-9]+'
}

@test "version --json carries the same driver version" {
	run vmapctl version --json
	assert_success
	want=$(dmsetup version | awk '/Driver version/ { print $3 }')
	drv=$(printf '%s' "$output" | python3 -c 'import json,sys; print(json.load(sys.stdin)["driver"])')
	[ "$drv" = "$want" ]
}

@test "version without device-mapper says so plainly and exits 1" {
	# Unload nothing: hide the driver from this one process by running it
	# in a mount namespace whose /dev and /proc/misc lack device-mapper.
	run unshare -m sh -c 'mount -t tmpfs none /dev/mapper && echo > /tmp/misc && mount --bind /tmp/misc /proc/misc && exec "$VMAPCTL_BIN" version'
	assert_failure 1
	assert_output --partial "device-mapper is not available in this kernel"
}

@test "make_loop with 4096-byte blocks gives a 4096-byte logical block device" {
	dev=$(make_loop 16M 4096)
	[ "$(blockdev --getss "$dev")" = 4096 ]
	dev2=$(make_loop 16M)
	[ "$(blockdev --getss "$dev2")" = 512 ]
}

@test "teardown removes dm devices a test leaves, even suspended and stacked" {
	dev=$(make_loop 16M)
	dmsetup create h-low --table "0 1000 linear $dev 0"
	dmsetup create h-up --table "0 1000 linear /dev/mapper/h-low 0"
	dmsetup suspend h-up
	common_teardown
	run dmsetup info h-low
	assert_failure
	run dmsetup info h-up
	assert_failure
	run losetup "$dev"
	assert_failure
	# leave teardown's own run something to do nothing with
	: >"$_LOOPS_FILE"
}
