#!/usr/bin/env bats
# vmapctl adopt: devices made by hand (no uuid) become managed (uuid
# VMAP-NAME); devices another tool owns are refused and nothing is
# touched; with export this gives a hand-made setup a spec (contract 4).

load helpers
bats_require_minimum_version 1.5.0

setup() {
	common_setup
	DISK=$(make_loop 64M)
}
teardown() { common_teardown; }

uuid_of() { dmsetup info -c --noheadings -o uuid "$1"; }

@test "a hand-made two-level stack is adopted, exported, and the export plans no change" {
	dmsetup create hand-low --table "0 32768 linear $DISK 2048"
	dmsetup create hand-up --table "0 16384 linear /dev/mapper/hand-low 64
16384 2048 zero"
	[ -z "$(uuid_of hand-low)" ]
	run --separate-stderr vmapctl adopt hand-up hand-low --detailed-exitcode
	assert_failure 2
	assert_line "adopted 'hand-up': uuid VMAP-hand-up"
	assert_line "adopted 'hand-low': uuid VMAP-hand-low"
	[ "$(uuid_of hand-low)" = VMAP-hand-low ]
	[ "$(uuid_of hand-up)" = VMAP-hand-up ]
	# udev saw the change: its database has the new uuid
	[ "$(udevadm info --query=property --name=/dev/mapper/hand-up | sed -n 's/^DM_UUID=//p')" = VMAP-hand-up ]
	assert_no_udev_cookies
	vmapctl export >"$VMAPCTL_SPEC_DIR/adopted.yaml"
	grep -q 'device: {volume: hand-low}' "$VMAPCTL_SPEC_DIR/adopted.yaml"
	run vmapctl plan --detailed-exitcode
	assert_success
	assert_output --partial "every volume matches its spec"
	# and vmapctl now manages them: a change to the spec is applied (a
	# new offset shows other data: refused unless said on purpose)
	sed -i 's/offset: 32KiB$/offset: 64KiB/' "$VMAPCTL_SPEC_DIR/adopted.yaml"
	grep -q 'offset: 64KiB' "$VMAPCTL_SPEC_DIR/adopted.yaml"
	run vmapctl apply --detailed-exitcode
	assert_failure 3
	assert_output --partial "would show other data"
	run vmapctl apply --detailed-exitcode --allow-remap
	assert_failure 2
	[ "$(dmsetup table hand-up | head -n 1)" = "0 16384 linear $(devnum /dev/mapper/hand-low) 128" ]
}

@test "a device with another tool's uuid is refused with exit 3, and no name of the call is adopted" {
	dmsetup create own-lvm --uuid LVM-Xy12abcdefgh --table "0 8 zero"
	dmsetup create own-crypt --uuid CRYPT-PLAIN-x --table "0 8 zero"
	dmsetup create own-part --uuid part1-mpath-abc --table "0 8 zero"
	dmsetup create own-none --table "0 8 zero"
	run --separate-stderr vmapctl adopt own-none own-lvm own-crypt own-part
	assert_failure 3
	[[ "$stderr" == *"'own-lvm': device has uuid 'LVM-Xy12abcdefgh' (LVM owns it): vmapctl adopts only devices without a uuid"* ]]
	[[ "$stderr" == *"'own-crypt': device has uuid 'CRYPT-PLAIN-x' (cryptsetup owns it)"* ]]
	[[ "$stderr" == *"'own-part': device has uuid 'part1-mpath-abc' (kpartx owns it)"* ]]
	[ "$(uuid_of own-lvm)" = LVM-Xy12abcdefgh ]
	# checked before anything is set: the good name stays as it was
	[ -z "$(uuid_of own-none)" ]
}

@test "a device vmapctl manages already is left alone and adopt succeeds" {
	dmsetup create own-vmap --uuid VMAP-own-vmap --table "0 8 zero"
	dmsetup create own-spec --uuid VMAP-another-uuid --table "0 8 zero"
	events=$(dmsetup info -c --noheadings -o events own-vmap)
	run --separate-stderr vmapctl adopt own-vmap own-spec --detailed-exitcode
	assert_success
	assert_line "'own-vmap' is managed already"
	assert_line "'own-spec' is managed already"
	[ "$(uuid_of own-spec)" = VMAP-another-uuid ]
	[ "$(dmsetup info -c --noheadings -o events own-vmap)" = "$events" ]
}

@test "adopting a device that does not exist fails with exit 1" {
	run --separate-stderr vmapctl adopt nothing-here
	assert_failure 1
	[[ "$stderr" == *"'nothing-here': no such device"* ]]
}

@test "a name another device already uses as uuid VMAP-NAME is refused" {
	dmsetup create clash --table "0 8 zero"
	dmsetup create other --uuid VMAP-clash --table "0 8 zero"
	run --separate-stderr vmapctl adopt clash
	assert_failure 3
	[[ "$stderr" == *"device 'other' already has the uuid 'VMAP-clash'"* ]]
	[ -z "$(uuid_of clash)" ]
}

@test "adopt --json lists what it adopted and what was managed already" {
	dmsetup create j-new --table "0 8 zero"
	dmsetup create j-old --uuid VMAP-j-old --table "0 8 zero"
	run --separate-stderr vmapctl adopt --json j-new j-old
	assert_success
	printf '%s' "$output" | python3 -c '
import json, sys
o = json.load(sys.stdin)
assert o == {"adopted": ["j-new"], "unchanged": ["j-old"], "errors": []}, o'
}

@test "adopt killed once its udev cookie exists leaves a journal: recover releases the cookie" {
	dmsetup create hand-k --table "0 2048 linear $DISK 0"
	kill_at_cookie adopt hand-k
	[ -e /run/vmapctl/journal.json ] || fail "adopt wrote no journal"
	recover_releases_cookie "the run"
	# killed before its RENAME: adopting again does it
	run vmapctl adopt hand-k
	assert_success
	[ "$(uuid_of hand-k)" = VMAP-hand-k ]
	assert_no_udev_cookies
	[ ! -e /run/vmapctl/journal.json ]
}
