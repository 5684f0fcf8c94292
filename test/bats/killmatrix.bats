#!/usr/bin/env bats
# SIGKILL at many points of `vmapctl apply` under load (issue 14; contract
# sections 5 and 6): a three-level stack with a writer on top, an
# independent volume and a noflush (multipath) volume; test/tools/
# killmatrix.sh kills the run at stepped delays and exactly between
# suspend and resume, runs `vmapctl recover` after each kill and checks
# that nothing is left suspended, no inactive table and no udev cookie
# remain, each table is all old or all new, and the writer lost no
# acknowledged block.  Also: a volume found suspended in the stack is
# resumed first, and the apply never hangs behind it.

load helpers
bats_require_minimum_version 1.5.0

setup() { common_setup; }
teardown() {
	[ -z "${wpid:-}" ] || { kill "$wpid" 2>/dev/null; wait "$wpid" 2>/dev/null; } || true
	common_teardown
}

BW=${VMAPCTL_TOOLS:-$TOP/build/rel/tools}/blockwriter

@test "28 kills of apply (3 between suspend and resume, 25 at stepped delays) under a writer: recover leaves nothing suspended, half-switched or lost" {
	run "$TOP/test/tools/killmatrix.sh" --kills 28 --pause-kills 3 --keep-going
	printf '%s\n' "$output" | grep '^#' >&3 || true
	[ "$status" -eq 0 ] || fail "$output"
	# the kills that count are those of a run still going
	[[ $output =~ \(([0-9]+)\ kills\ of\ a\ running\ apply\) ]] || fail "no summary: $output"
	[ "${BASH_REMATCH[1]}" -ge 25 ] || fail "only ${BASH_REMATCH[1]} kills hit a running apply: $output"
}

# The issue's hang: the middle of a stack suspended by hand (so the writer
# on top blocks), a grow of the top pending.  A volume found suspended is
# drift to resume first, bottom-up; a flush suspend above a suspended
# device could never complete.
@test "a middle volume suspended by hand under a writer is resumed first and the grow above it finishes in bounded time" {
	D=$(make_loop 64M)
	spec() {
		write_spec s.yaml <<EOS
apiVersion: vmapctl/v1
volumes:
  - name: sus-low
    targets: [{type: linear, size: 40MiB, device: $D}]
  - name: sus-mid
    targets: [{type: linear, size: 32MiB, device: {volume: sus-low}}]
  - name: sus-top
    targets: [{type: linear, size: $1, device: {volume: sus-mid}}]
EOS
	}
	spec 16MiB
	vmapctl apply -q
	"$BW" write /dev/mapper/sus-top "$BATS_TEST_TMPDIR/bw.log" --span 1024 >"$BATS_TEST_TMPDIR/bw.out" 2>&1 </dev/null &
	wpid=$!
	sleep 0.3
	dmsetup suspend sus-mid
	spec 24MiB
	# bounded: if apply hangs behind sus-mid (it did: the issue), resume
	# sus-mid by hand so the hung run can end and the VM is not held up
	"$VMAPCTL_BIN" apply --udev-timeout 10 >"$BATS_TEST_TMPDIR/apply.out" 2>&1 &
	local apid=$! i rc
	for i in $(seq 600); do kill -0 "$apid" 2>/dev/null || break; sleep 0.1; done
	if kill -0 "$apid" 2>/dev/null; then
		dmsetup resume sus-mid sus-top sus-low 2>/dev/null || true
		kill -9 "$apid" 2>/dev/null || true
		wait "$apid" || true
		fail "apply did not finish within 60 s behind the suspended middle volume: $(cat "$BATS_TEST_TMPDIR/apply.out")"
	fi
	rc=0
	wait "$apid" || rc=$?
	[ "$rc" -eq 0 ] || fail "apply exited $rc: $(cat "$BATS_TEST_TMPDIR/apply.out")"
	for v in sus-low sus-mid sus-top; do
		[ "$(dm_state $v)" = ACTIVE ] || fail "$v is left $(dm_state $v)"
	done
	[ "$(blockdev --getsz /dev/mapper/sus-top)" = $((24 * 2048)) ]
	assert_no_udev_cookies
	kill -0 "$wpid" || fail "the writer died: $(cat "$BATS_TEST_TMPDIR/bw.out")"
	kill "$wpid"; wait "$wpid" || true; wpid=
	run "$BW" verify /dev/mapper/sus-top "$BATS_TEST_TMPDIR/bw.log"
	assert_success
}
