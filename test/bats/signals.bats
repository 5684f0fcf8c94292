#!/usr/bin/env bats
# SIGINT, SIGTERM and SIGHUP during apply, destroy, activate and recover
# (contract section 6; issue 14): a run rolls back, or once a device of
# the switch is on its new table it finishes the switch, and it never
# exits with a device suspended.  The runs are stopped at exact points by
# the test hook (VMAPCTL_TEST_HOOK=pause-after-STEP, pause-in-recover:
# the run writes /run/vmapctl/paused and waits for a signal).  And a
# suspend that cannot complete is bounded: --suspend-timeout, or a signal,
# ends the kernel's wait, and the run rolls back.

load helpers
bats_require_minimum_version 1.5.0

setup() {
	common_setup
	DISK=$(make_loop 64M)
}
teardown() {
	# first what holds I/O: a writer blocked behind sig-ext cannot die
	dmsetup resume sig-ext 2>/dev/null || true
	# a run a failed test left paused: killed, and what it left recovered
	# (its udev cookie too), so the next test starts clean
	if [ -n "${pid:-}" ] && kill -9 "$pid" 2>/dev/null; then
		wait "$pid" 2>/dev/null || true
		"$VMAPCTL_BIN" recover >/dev/null 2>&1 || true
	fi
	[ -z "${wpid:-}" ] || { kill "$wpid" 2>/dev/null; wait "$wpid" 2>/dev/null; } || true
	common_teardown
}

BW=${VMAPCTL_TOOLS:-$TOP/build/rel/tools}/blockwriter

# stack_spec LOW TOP [NEW]: sig-low on the disk, sig-top on it, and with
# NEW a third volume on sig-top (created after the switch)
stack_spec() {
	{
		cat <<EOF
apiVersion: vmapctl/v1
volumes:
  - name: sig-low
    targets: [{type: linear, size: $1, device: $DISK}]
  - name: sig-top
    targets: [{type: linear, size: $2, device: {volume: sig-low}}]
EOF
		[ -z "${3:-}" ] || cat <<EOF
  - name: sig-new
    targets: [{type: linear, size: $3, device: {volume: sig-top}}]
EOF
	} | write_spec s.yaml
}

# run_paused HOOK CMD...: vmapctl CMD in the background with the test
# hook; returns once the run paused there ($pid)
run_paused() { untraced _run_paused "$@"; }
_run_paused() {
	local hook=$1 i
	shift
	rm -f /run/vmapctl/paused
	# a shell's background job inherits SIGINT and SIGQUIT ignored, and
	# vmapctl leaves ignored signals ignored: env gives them back
	VMAPCTL_TEST_HOOK=$hook env --default-signal=INT,QUIT "$VMAPCTL_BIN" "$@" \
		>"$BATS_TEST_TMPDIR/out" 2>&1 &
	pid=$!
	for i in $(seq 400); do
		[ -e /run/vmapctl/paused ] && return 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	fail "'vmapctl $*' never paused ($hook): $(cat "$BATS_TEST_TMPDIR/out")"
}

# signal_run SIG: send SIG to the run; it must end within 20 s ($rc, $out)
signal_run() { untraced _signal_run "$@"; }
_signal_run() {
	local i
	kill -s "$1" "$pid"
	for i in $(seq 400); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	if kill -0 "$pid" 2>/dev/null; then
		dmsetup resume sig-ext 2>/dev/null || true
		fail "the run was still going 20 s after SIG$1: $(cat "$BATS_TEST_TMPDIR/out")"
	fi
	rc=0
	wait "$pid" || rc=$?
	pid=
	out=$(cat "$BATS_TEST_TMPDIR/out")
}

# nothing_left NAME...: no device suspended, no inactive table, no journal
# and no udev cookie
nothing_left() { untraced _nothing_left "$@"; }
_nothing_left() {
	local n
	for n in "$@"; do
		[ "$(dm_state "$n")" = ACTIVE ] || fail "$n is left $(dm_state "$n"): $out"
		[ -z "$(dmsetup table --inactive "$n")" ] || fail "$n is left with an inactive table: $out"
	done
	[ ! -e /run/vmapctl/journal.json ] || fail "the journal is left: $out"
	assert_no_udev_cookies
}

tables() { dmsetup table sig-low; dmsetup table sig-top; }

@test "SIGINT, SIGTERM and SIGHUP after a load and after a suspend roll apply back: exit 1, the old tables, nothing suspended" {
	stack_spec 32768 16384
	vmapctl apply -q
	local old point sig
	old=$(tables)
	stack_spec 49152 24576
	for point in load suspend; do
		for sig in INT TERM HUP; do
			run_paused "pause-after-$point" apply
			signal_run "$sig"
			[ "$rc" -eq 1 ] || fail "SIG$sig after the first $point: exit $rc: $out"
			[[ $out == *"interrupted by SIG$sig before any table was switched: rolled back"* ]] ||
				fail "SIG$sig after the first $point: $out"
			nothing_left sig-low sig-top
			[ "$(tables)" = "$old" ] || fail "SIG$sig after the first $point: tables changed: $(tables)"
		done
	done
	# nothing was half done: a plain apply makes the change
	vmapctl apply -q
	[ "$(blockdev --getsz /dev/mapper/sig-top)" = 24576 ]
}

@test "a signal the run inherited as ignored stays ignored (nohup): SIGHUP does not stop it, SIGTERM does" {
	stack_spec 32768 16384
	vmapctl apply -q
	stack_spec 49152 24576
	rm -f /run/vmapctl/paused
	VMAPCTL_TEST_HOOK=pause-after-load nohup "$VMAPCTL_BIN" apply >"$BATS_TEST_TMPDIR/out" 2>&1 &
	pid=$!
	for i in $(seq 400); do [ -e /run/vmapctl/paused ] && break; sleep 0.05; done
	[ -e /run/vmapctl/paused ] || fail "never paused: $(cat "$BATS_TEST_TMPDIR/out")"
	kill -HUP "$pid"
	sleep 0.5
	kill -0 "$pid" || fail "SIGHUP stopped a run started with nohup: $(cat "$BATS_TEST_TMPDIR/out")"
	signal_run TERM
	[ "$rc" -eq 1 ] || fail "exit $rc: $out"
	[[ $out == *"interrupted by SIGTERM before any table was switched: rolled back"* ]] || fail "$out"
	nothing_left sig-low sig-top
}

@test "a volume found suspended is resumed first, and a signal after the suspend above it rolls that suspend back" {
	stack_spec 32768 16384
	vmapctl apply -q
	dmsetup suspend sig-low
	stack_spec 32768 24576
	run_paused pause-after-suspend apply
	# sig-low was resumed before anything else happened
	[ "$(dm_state sig-low)" = ACTIVE ]
	[ "$(dm_state sig-top)" = SUSPENDED ]
	signal_run INT
	[ "$rc" -eq 1 ] || fail "exit $rc: $out"
	nothing_left sig-low sig-top
	[ "$(blockdev --getsz /dev/mapper/sig-top)" = 16384 ]
}

@test "a signal once the switch resumed a device on its new table finishes the switch, then stops before what follows" {
	stack_spec 32768 16384
	vmapctl apply -q
	# the grow resumes sig-low first: the signal comes with sig-top still
	# suspended, and sig-new is created only after the switch
	stack_spec 49152 24576 8192
	run_paused pause-after-resume apply
	[ "$(dm_state sig-top)" = SUSPENDED ]
	signal_run TERM
	[ "$rc" -eq 1 ] || fail "exit $rc: $out"
	[[ $out == *"interrupted by SIGTERM: the switch is finished (every table is new), 1 of "* ]] || fail "$out"
	nothing_left sig-low sig-top
	[ "$(blockdev --getsz /dev/mapper/sig-low)" = 49152 ]
	[ "$(blockdev --getsz /dev/mapper/sig-top)" = 24576 ]
	[ ! -e /dev/mapper/sig-new ]
	# with nothing after the switch, the run that finished it succeeds
	stack_spec 65536 32768 8192
	vmapctl apply -q
	stack_spec 65536 40960 8192
	run_paused pause-after-resume apply
	signal_run INT
	[ "$rc" -eq 0 ] || fail "exit $rc: $out"
	nothing_left sig-low sig-top sig-new
	[ "$(blockdev --getsz /dev/mapper/sig-top)" = 40960 ]
}

@test "SIGTERM during destroy stops before the next removal: what is left is active" {
	stack_spec 32768 16384
	vmapctl apply -q
	run_paused pause-after-remove destroy sig-top sig-low
	signal_run TERM
	[ "$rc" -eq 1 ] || fail "exit $rc: $out"
	[[ $out == *"interrupted by SIGTERM: 1 of 2 steps were not carried out"* ]] || fail "$out"
	[ ! -e /dev/mapper/sig-top ]
	nothing_left sig-low
	run vmapctl destroy sig-low
	assert_success
}

@test "SIGHUP during activate removes the volumes it created" {
	stack_spec 32768 16384
	run_paused pause-after-create activate
	dmsetup info sig-low >/dev/null || fail "activate paused before it created sig-low"
	signal_run HUP
	[ "$rc" -eq 1 ] || fail "exit $rc: $out"
	[[ $out == *"interrupted by SIGHUP before any table was switched: rolled back"* ]] || fail "$out"
	[ ! -e /dev/mapper/sig-low ] && [ ! -e /dev/mapper/sig-top ] || fail "left: $(dmsetup ls)"
	[ ! -e /run/vmapctl/journal.json ]
	assert_no_udev_cookies
}

@test "SIGINT during recover does not stop it: every device the killed run suspended is resumed" {
	stack_spec 32768 16384
	vmapctl apply -q
	stack_spec 49152 24576
	run_paused pause-after-suspend apply
	kill -9 "$pid"
	wait "$pid" || true
	[ "$(dm_state sig-top)" = SUSPENDED ]
	run_paused pause-in-recover recover
	signal_run INT
	[ "$rc" -eq 0 ] || fail "exit $rc: $out"
	[[ $out == *"resumed 'sig-top'"* ]] || fail "$out"
	nothing_left sig-low sig-top
	[ "$(blockdev --getsz /dev/mapper/sig-top)" = 16384 ]
}

# A volume stacked on a device vmapctl does not manage, suspended by hand
# under a writer: the flush suspend of the volume waits for the writer's
# I/O, which the suspended device holds.  vmapctl never resumes a device
# it does not manage; it gives up the suspend and rolls back.
ext_stack() {
	dmsetup create sig-ext --table "0 65536 linear $DISK 0"
	write_spec s.yaml <<EOF
apiVersion: vmapctl/v1
volumes:
  - name: sig-top
    targets: [{type: linear, size: $1, device: /dev/mapper/sig-ext}]
EOF
}

@test "a suspend that cannot complete gives up after --suspend-timeout, or at a signal, and rolls back" {
	ext_stack 16384
	vmapctl apply -q
	"$BW" write /dev/mapper/sig-top "$BATS_TEST_TMPDIR/bw.log" --interval 1000 >"$BATS_TEST_TMPDIR/bw.out" 2>&1 </dev/null &
	wpid=$!
	sleep 0.3
	dmsetup suspend sig-ext
	ext_stack_grow() {
		write_spec s.yaml <<EOF
apiVersion: vmapctl/v1
volumes:
  - name: sig-top
    targets: [{type: linear, size: 24576, device: /dev/mapper/sig-ext}]
EOF
	}
	ext_stack_grow
	local t0 t1
	t0=$(date +%s)
	"$VMAPCTL_BIN" apply --suspend-timeout 3 >"$BATS_TEST_TMPDIR/out" 2>&1 &
	pid=$!
	# bounded: a hung run must not hold the VM (sig-ext resumed lets it end)
	for i in $(seq 600); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
	if kill -0 "$pid" 2>/dev/null; then
		dmsetup resume sig-ext
		fail "apply did not give up the suspend within 30 s: $(cat "$BATS_TEST_TMPDIR/out")"
	fi
	rc=0
	wait "$pid" || rc=$?
	pid=
	t1=$(date +%s)
	out=$(cat "$BATS_TEST_TMPDIR/out")
	[ "$rc" -eq 1 ] || fail "exit $rc: $out"
	[[ $out == *"volume 'sig-top': suspending it did not finish within 3 s"* ]] || fail "$out"
	nothing_left sig-top
	[ "$(blockdev --getsz /dev/mapper/sig-top)" = 16384 ]
	# no bound, and SIGINT while the kernel waits: interrupted, rolled back
	rm -f /run/vmapctl/paused
	env --default-signal=INT "$VMAPCTL_BIN" apply --suspend-timeout 0 >"$BATS_TEST_TMPDIR/out" 2>&1 &
	pid=$!
	# the table is loaded just before the suspend starts to wait
	local i
	for i in $(seq 200); do [ -n "$(dmsetup table --inactive sig-top)" ] && break; sleep 0.05; done
	sleep 1
	[ "$(dm_state sig-top)" = ACTIVE ] || fail "sig-top got suspended: $(cat "$BATS_TEST_TMPDIR/out")"
	kill -0 "$pid" || fail "the run ended before the signal: $(cat "$BATS_TEST_TMPDIR/out")"
	signal_run INT
	[ "$rc" -eq 1 ] || fail "exit $rc: $out"
	[[ $out == *"volume 'sig-top': interrupted by SIGINT while suspending it"* ]] || fail "$out"
	nothing_left sig-top
	# the writer was held, never failed: it goes on once sig-ext resumes
	dmsetup resume sig-ext
	sleep 0.3
	kill -0 "$wpid" || fail "the writer died: $(cat "$BATS_TEST_TMPDIR/bw.out")"
	kill "$wpid"
	wait "$wpid" || true
	wpid=
	run "$BW" verify /dev/mapper/sig-top "$BATS_TEST_TMPDIR/bw.log"
	assert_success
}
