# test/bats/helpers.bash: fixtures and cleanup for the integration suite.
#
# A test file that touches the kernel runs inside the test VM (test/vm/run):
# it creates real loop and dm devices on a real kernel.  It does
#
#     load helpers
#     setup() { common_setup; }
#     teardown() { common_teardown; }
#
# common_teardown removes every dm device and loop device the test made,
# whether it passed or failed, so tests cannot leak into each other.
#
# A file that never touches the kernel (validate, schema, man pages,
# completions, install into a temporary root) says so on a line of its own,
#
#     # runs-on: host
#
# and uses host_setup/host_teardown instead.  test/run-suite runs those
# files on the host, where a test costs a tenth of what it costs in the
# emulated VM; they pass in the VM too.

# bats-support and bats-assert, sourced file by file: their load.bash runs
# `dirname` once per file, and in the emulated VM those 15 forks cost half
# a second per test.
for _f in /usr/lib/bats/bats-support/src/*.bash /usr/lib/bats/bats-assert/src/*.bash; do
	# shellcheck source=/dev/null
	source "$_f"
done
unset _f

# the top of the tree, without $(...): a fork costs tens of ms in the
# emulated VM, and this file is read for every test
_helpers_cwd=$PWD
cd "${BASH_SOURCE[0]%/*}/../.." && TOP=$PWD
cd "$_helpers_cwd" || exit 1
unset _helpers_cwd
# shellcheck source=test/bats/lib/untraced.bash
source "$TOP/test/bats/lib/untraced.bash"
# Called first in each test's setup, from this file: the exclusion of
# lib/ is then in place before the first command there is traced (bats
# resets it for every test), and a failure in a test's first helper or
# `run` is reported at the test's line too.
untraced_from_here() {
	[[ " ${BATS_DEBUG_EXCLUDE_PATHS[*]-} " == *" $_UNTRACED_DIR "* ]] ||
		bats_add_debug_exclude_path "$_UNTRACED_DIR" 2>/dev/null || true
}
untraced untrace_functions run fail assert refute assert_equal assert_not_equal \
	assert_success assert_failure assert_output refute_output assert_line \
	refute_line assert_regex refute_regex
# bats (1.8) times each test with `date +%s%N` in a command substitution,
# twice a test: a fork and an exec each, tens of ms in the emulated VM.
# bats-exec-test calls this after sourcing the test file, so the shell's
# own clock answers instead (same value: milliseconds since the epoch).
get_mills_since_epoch() {
	local us=${EPOCHREALTIME/[.,]/}
	printf '%d\n' "$((us / 1000))"
}
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

host_setup() {
	untraced_from_here
	export VMAPCTL_SPEC_DIR=$BATS_TEST_TMPDIR/specs
	mkdir -p "$VMAPCTL_SPEC_DIR"
	# never the host's own run directory or lock
	export VMAPCTL_RUN_DIR=$BATS_TEST_TMPDIR/run
	export VMAPCTL_LOCK_FILE=$BATS_TEST_TMPDIR/vmapctl.lock
}
host_teardown() { :; }

# The helpers below run untraced (lib/untraced.bash): they loop over
# every dm device, and bats' per-command trace made each test pay for it.
common_setup() {
	untraced_from_here
	untraced _common_setup
}
_common_setup() {
	require_vm || return 1
	_LOOPS_FILE=$BATS_TEST_TMPDIR/.loops
	: >"$_LOOPS_FILE"
	# dm devices that existed before the test are not ours to remove
	_sysfs_dm_names >"$BATS_TEST_TMPDIR/.dm-before"
	export VMAPCTL_SPEC_DIR=$BATS_TEST_TMPDIR/specs
	mkdir -p "$VMAPCTL_SPEC_DIR"
	[ ! -e /run/vmapctl ] || rm -rf /run/vmapctl
}

# _sysfs_dm_names: the names of the dm devices that have a table, one a
# line, read from sysfs without starting a process (each costs tens of ms
# in the emulated VM, and this runs for every test).  A device without a
# table has no gendisk yet, so it is not there: that is fine for the
# list of what existed before a test, which only keeps teardown off
# devices it did not make.
_sysfs_dm_names() {
	local f n
	for f in /sys/block/dm-*/dm/name; do
		[ -e "$f" ] || continue
		read -r n <"$f" && printf '%s\n' "$n"
	done
}

# Remove the dm devices this test created.  They may be stacked and some may
# be suspended (a test that failed half way).  Each round resumes what is
# suspended and removes what nothing holds open, so uppers go before lowers
# without ever asking the kernel to remove a device in use: dmsetup's
# --retry would spend five seconds on each such attempt.  One `dmsetup
# info` a round lists every device, with or without a table; a test that
# made a few devices nothing holds is done in one round, one `dmsetup
# remove` for them all.
_remove_test_dm_devices() {
	local before round n attr open mp seen=$'\n' mine=() _
	before=$'\n'$(<"$BATS_TEST_TMPDIR/.dm-before")$'\n'
	# a multipath table queueing I/O with no path blocks whoever reads it
	# (udev's probe, the remove's flush): let that I/O fail first.  The
	# module's count is the tables using its target plus the modules
	# using it (the path selectors), so the listing runs only when there
	# is such a table.
	local mprefs=0 mpholders=()
	if [ -r /sys/module/dm_multipath/refcnt ]; then
		read -r mprefs </sys/module/dm_multipath/refcnt
		mpholders=(/sys/module/dm_multipath/holders/*)
		[ -e "${mpholders[0]}" ] || mpholders=()
	fi
	if [ "${mprefs:-0}" -gt ${#mpholders[@]} ]; then
		# one dmsetup lists them ("NAME: START LEN multipath ...", a line a segment)
		while read -r mp _; do
			mp=${mp%:}
			[[ $seen == *$'\n'"$mp"$'\n'* ]] && continue
			seen+=$mp$'\n'
			[[ $before == *$'\n'"$mp"$'\n'* ]] ||
				dmsetup message "$mp" 0 fail_if_no_path >/dev/null 2>&1
		done < <(dmsetup table --target multipath 2>/dev/null)
	fi
	local suspended=() order=() h held ok progress
	local -A minor_of name_of done_
	for round in 1 2 3 4 5 6 7 8 9; do
		suspended=() mine=() order=() minor_of=() name_of=() done_=()
		while read -r n attr open minor; do
			[ "$n" != No ] || continue
			[[ $before == *$'\n'"$n"$'\n'* ]] && continue
			mine+=("$n")
			minor_of[$n]=$minor name_of[dm-$minor]=$n
			[[ $attr == ??s* ]] && suspended+=("$n")
			# open only by the dm devices stacked on it: it can go
			# once they have (sysfs lists them as holders)
			held=(/sys/block/dm-"$minor"/holders/*)
			[ -e "${held[0]}" ] || held=()
			[ "$open" = ${#held[@]} ] || done_[$n]=skip
		done < <(dmsetup info -c --noheadings --separator ' ' -o name,attr,open,minor 2>/dev/null)
		[ ${#mine[@]} -gt 0 ] || return 0
		[ "$round" -lt 9 ] || break
		# uppers before lowers: a device goes after every device holding it
		progress=1
		while [ "$progress" = 1 ]; do
			progress=0
			for n in "${mine[@]}"; do
				[ -z "${done_[$n]-}" ] || continue
				ok=1
				for h in /sys/block/dm-"${minor_of[$n]}"/holders/*; do
					[ -e "$h" ] || continue
					h=${name_of[${h##*/}]-}
					[ -n "$h" ] && [ "${done_[$h]-}" = removed ] || { ok=0; break; }
				done
				[ "$ok" = 1 ] || continue
				order+=("$n") done_[$n]=removed progress=1
			done
		done
		# one dmsetup for all of them: a test may leave hundreds
		[ ${#suspended[@]} -eq 0 ] || dmsetup resume "${suspended[@]}" >/dev/null 2>&1
		if [ ${#order[@]} -gt 0 ] && dmsetup remove --retry "${order[@]}" >/dev/null 2>&1 &&
			[ ${#order[@]} -eq ${#mine[@]} ]; then
			return 0
		fi
	done
	for n in "${mine[@]}"; do
		# last resort: error target, then remove
		dmsetup wipe_table "$n" >/dev/null 2>&1 || true
		dmsetup remove --force "$n" >/dev/null 2>&1 || true
	done
}

common_teardown() { untraced _common_teardown; }
_common_teardown() {
	[ "${VMAPCTL_IN_VM:-}" = 1 ] || return 0
	_remove_test_dm_devices
	local loops=() dev
	# one losetup for all of them (it goes on past a device it cannot
	# detach); one a time if that failed (it stops at a first that is no
	# loop device)
	[ ! -e "${_LOOPS_FILE:-}" ] || mapfile -t loops <"$_LOOPS_FILE"
	if [ ${#loops[@]} -gt 0 ] && ! losetup -d "${loops[@]}" 2>/dev/null; then
		for dev in "${loops[@]}"; do
			losetup -d "$dev" 2>/dev/null || true
		done
	fi
	[ ! -e /run/vmapctl ] || rm -rf /run/vmapctl
	_no_cookies_left
}

# A udev cookie (libdm's semaphore, key 0x0D4Dxxxx) left by a test is
# that test's failure, not the next ones': fail it here, after releasing
# them all.  Read from /proc, without a process, as this runs every test.
_no_cookies_left() {
	local key _
	while read -r key _; do
		if [[ $key =~ ^[0-9]+$ ]] && [ $((key >> 16)) -eq $((0x0D4D)) ]; then
			local left
			left=$(dmsetup udevcookies)
			dmsetup udevcomplete_all -y 0 >/dev/null 2>&1 || true
			fail "udev cookies left behind: $left"
			return 1
		fi
	done </proc/sysvipc/sem
}

# make_loop SIZE [BLOCK]: a loop device over a sparse file of SIZE (as
# truncate takes it: 64M, 1G), with BLOCK-byte logical blocks (default 512).
# Prints the device path; common_teardown detaches it.
make_loop() { untraced _make_loop "$@"; }
_make_loop() {
	local size=$1 block=${2:-512} file dev n=0
	# a name of this subshell's own, without a mktemp process
	file=$BATS_TEST_TMPDIR/disk.$BASHPID
	while [ -e "$file" ]; do file=$BATS_TEST_TMPDIR/disk.$BASHPID.$((++n)); done
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

# kill_at_cookie CMD ARGS...: vmapctl CMD ARGS with the test hook that
# pauses once its first udev cookie exists, before its journal names it;
# killed there with SIGKILL (and reaped).  $killed: its pid; $cookie: the
# cookie it left (there must be one, or the caller tests nothing)
kill_at_cookie() {
	rm -f /run/vmapctl/paused
	VMAPCTL_TEST_HOOK=pause-after-cookie "$VMAPCTL_BIN" "$@" >"$BATS_TEST_TMPDIR/out" 2>&1 &
	killed=$!
	local _
	for _ in $(seq 100); do [ -e /run/vmapctl/paused ] && break; sleep 0.1; done
	[ -e /run/vmapctl/paused ] || fail "never paused: $(cat "$BATS_TEST_TMPDIR/out")"
	kill -9 "$killed"
	wait "$killed" || true
	cookie=$(dmsetup udevcookies | awk 'NR > 1 {print tolower($1)}')
	[ -n "$cookie" ] || fail "the killed run ($*) left no cookie"
}

# recover_releases_cookie WHOSE [CMD...]: after kill_at_cookie, vmapctl
# CMD (default: recover) succeeds, says it released $cookie, which WHOSE
# ("the run", "the migration of 'v'") of pid $killed made, and leaves no
# udev cookie and no journal.  $recovered: what CMD said
recover_releases_cookie() {
	local whose=$1
	shift
	run vmapctl "${@:-recover}"
	assert_success
	assert_output --partial "released udev cookie $cookie, which $whose (pid $killed) made"
	# shellcheck disable=SC2034 # read by the caller
	recovered=$output
	assert_no_udev_cookies
	[ ! -e /run/vmapctl/journal.json ] || fail "the journal is left: $(cat /run/vmapctl/journal.json)"
}

# install_activation_rules: the udev rules and their helper as `make
# install` puts them, and the default spec directory ($SPECS, emptied),
# which is what a udev-started vmapctl reads.  The caller puts vmapctl on
# the helper's PATH (/usr/local/sbin) and reloads udev's rules.
install_activation_rules() {
	cp "$TOP/udev/69-vmapctl.rules" "$TOP/udev/09-vmapctl-dm.rules" /etc/udev/rules.d/
	[ -f "${VMAPCTL_UDEV_HELPER:-}" ] ||
		fail "no vmapctl-udev-activate: build it (make), or set VMAPCTL_UDEV_HELPER"
	cp "$VMAPCTL_UDEV_HELPER" /usr/lib/udev/vmapctl-udev-activate
	mkdir -p /usr/local/sbin
	unset VMAPCTL_SPEC_DIR
	SPECS=/etc/vmapctl/volumes.d
	rm -rf "$SPECS"
	mkdir -p "$SPECS"
}

# start_udevd: start systemd-udevd again after a test stopped it.  Without
# any of our descriptors: a daemon holding bats' output pipe (fd 3 and the
# others bats keeps open) makes bats wait for it forever after the last
# test, and the VM never ends.
start_udevd() {
	udevadm control --ping >/dev/null 2>&1 && return 0
	(
		for fd in /proc/self/fd/*; do
			fd=${fd##*/}
			[ "$fd" -gt 2 ] && eval "exec $fd>&-"
		done
		exec /lib/systemd/systemd-udevd --daemon
	) </dev/null >/dev/null 2>&1
	udevadm settle --timeout=30 || true
}

# strace ARGS...: strace without LeakSanitizer in the traced program.  LSan
# cannot work under ptrace (it dies with "LeakSanitizer has encountered a
# fatal error" and exit 1 in an ASan build, `make check SANITIZE=1`); the
# same commands run untraced in other tests, with leak checking.
strace() {
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" command strace "$@"
}
