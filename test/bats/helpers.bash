# test/bats/helpers.bash: fixtures and cleanup for the integration suite.
#
# Every test runs inside the test VM (test/vm/run): it creates real loop and
# dm devices on a real kernel.  Each test file does
#
#     load helpers
#     setup() { common_setup; }
#     teardown() { common_teardown; }
#
# common_teardown removes every dm device and loop device the test made,
# whether it passed or failed, so tests cannot leak into each other.

load /usr/lib/bats/bats-support/load.bash
load /usr/lib/bats/bats-assert/load.bash

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
VMAPCTL_BIN=${VMAPCTL_BIN:-$TOP/vmapctl}
export VMAPCTL_BIN

vmapctl() { "$VMAPCTL_BIN" "$@"; }

# Refuse to run on a host: this suite creates and removes dm devices.
require_vm() {
	if [ "${VMAPCTL_IN_VM:-}" != 1 ]; then
		echo "the bats suite runs inside the test VM only (make check, or test/vm/run -- bats ...)" >&2
		return 1
	fi
}

common_setup() {
	require_vm || return 1
	_LOOPS_FILE=$BATS_TEST_TMPDIR/.loops
	: >"$_LOOPS_FILE"
	# dm devices that existed before the test are not ours to remove
	dmsetup ls 2>/dev/null | awk '$1 != "No" { print $1 }' | sort >"$BATS_TEST_TMPDIR/.dm-before"
	export VMAPCTL_SPEC_DIR=$BATS_TEST_TMPDIR/specs
	mkdir -p "$VMAPCTL_SPEC_DIR"
	rm -rf /run/vmapctl
}

# Remove the dm devices this test created.  They may be stacked and some may
# be suspended (a test that failed half way): resume first, then remove in
# rounds until nothing more goes, so uppers go before lowers.
_remove_test_dm_devices() {
	local names round n
	for round in 1 2 3 4 5 6 7 8; do
		names=$(comm -13 "$BATS_TEST_TMPDIR/.dm-before" \
			<(dmsetup ls 2>/dev/null | awk '$1 != "No" { print $1 }' | sort))
		[ -n "$names" ] || return 0
		for n in $names; do
			# a multipath table queueing I/O with no path blocks
			# whoever reads it (udev's probe): let that I/O fail
			if dmsetup table "$n" 2>/dev/null | grep -q ' multipath '; then
				dmsetup message "$n" 0 fail_if_no_path >/dev/null 2>&1 || true
			fi
			dmsetup resume "$n" >/dev/null 2>&1 || true
			dmsetup remove --retry "$n" >/dev/null 2>&1 || true
		done
	done
	names=$(comm -13 "$BATS_TEST_TMPDIR/.dm-before" \
		<(dmsetup ls 2>/dev/null | awk '$1 != "No" { print $1 }' | sort))
	for n in $names; do
		# last resort: error target, then remove
		dmsetup wipe_table "$n" >/dev/null 2>&1 || true
		dmsetup remove --force "$n" >/dev/null 2>&1 || true
	done
}

common_teardown() {
	[ "${VMAPCTL_IN_VM:-}" = 1 ] || return 0
	_remove_test_dm_devices
	local dev
	if [ -e "${_LOOPS_FILE:-}" ]; then
		while read -r dev; do
			losetup -d "$dev" 2>/dev/null || true
		done <"$_LOOPS_FILE"
	fi
	rm -rf /run/vmapctl
}

# make_loop SIZE [BLOCK]: a loop device over a sparse file of SIZE (as
# truncate takes it: 64M, 1G), with BLOCK-byte logical blocks (default 512).
# Prints the device path; common_teardown detaches it.
make_loop() {
	local size=$1 block=${2:-512} file dev
	file=$(mktemp "$BATS_TEST_TMPDIR/disk.XXXXXX")
	truncate -s "$size" "$file"
	if [ "$block" = 512 ]; then
		dev=$(losetup -f --show "$file")
	else
		dev=$(losetup -f --show -b "$block" "$file")
	fi
	echo "$dev" >>"$_LOOPS_FILE"
	echo "$dev"
}

# devnum DEV: "MAJ:MIN" of a block device
devnum() {
	printf '%d:%d\n' "0x$(stat -L -c %t "$1")" "0x$(stat -L -c %T "$1")"
}

# write_spec NAME: the spec text on stdin goes to $VMAPCTL_SPEC_DIR/NAME
write_spec() {
	cat >"$VMAPCTL_SPEC_DIR/$1"
}

# dm_state NAME: "ACTIVE" or "SUSPENDED" (dmsetup info's State line)
dm_state() {
	dmsetup info "$1" | awk '/^State:/ { print $2 }'
}

assert_no_udev_cookies() {
	run dmsetup udevcookies
	assert_success
	# only the header line may be there
	[ "$(printf '%s\n' "$output" | grep -vc '^Cookie')" -eq 0 ] ||
		fail "udev cookies left behind: $output"
}
