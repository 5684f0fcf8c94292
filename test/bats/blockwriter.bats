#!/usr/bin/env bats
# test/tools/blockwriter, the writer of the kill-matrix and migration
# tests, checked on regular files: verify passes on what write wrote, and
# fails on a lost or a corrupted acknowledged block.  (The file lives in
# the test's temporary directory; where that file system has no O_DIRECT,
# as tmpfs before Linux 6.6, the tool falls back to buffered I/O for
# regular files only, and says so.)

# runs-on: host

load helpers
bats_require_minimum_version 1.5.0

setup() {
	host_setup
	BW=${VMAPCTL_TOOLS:-$TOP/build/rel/tools}/blockwriter
	[ -x "$BW" ] || fail "no $BW (run make)"
	F=$BATS_TEST_TMPDIR/disk
	L=$BATS_TEST_TMPDIR/log
	truncate -s 1M "$F"
}
teardown() { host_teardown; }

@test "blockwriter verify passes on every block blockwriter write acknowledged, across two runs" {
	run "$BW" write "$F" "$L" --blocks 300 --seed 3
	assert_success
	assert_output --partial "wrote 300 blocks"
	[ "$(grep -vc '^#' "$L")" -eq 300 ]
	# a second run goes on from the last logged generation
	run "$BW" write "$F" "$L" --blocks 10 --seed 3
	assert_success
	[ "$(tail -n 1 "$L")" = "310 53" ]
	run "$BW" verify "$F" "$L"
	assert_success
	assert_output --partial "310 acknowledged writes logged, 256 blocks: 256 intact"
}

@test "blockwriter verify fails on a flipped byte in an acknowledged block" {
	"$BW" write "$F" "$L" --blocks 40 >/dev/null
	printf 'X' | dd of="$F" bs=1 seek=$((7 * 4096 + 100)) conv=notrunc status=none
	run "$BW" verify "$F" "$L"
	assert_failure 1
	assert_output --partial "block 7: corrupt"
}

@test "blockwriter verify fails when an acknowledged block shows an older generation (a lost write)" {
	"$BW" write "$F" "$L" --blocks 10 >/dev/null
	cp "$F" "$F.old"
	"$BW" write "$F" "$L" --blocks 300 >/dev/null
	dd if="$F.old" of="$F" bs=4096 skip=5 seek=5 count=1 conv=notrunc status=none
	run "$BW" verify "$F" "$L"
	assert_failure 1
	assert_output --partial "block 5: generation 6 where 262 was acknowledged: lost"
}

@test "blockwriter verify accepts a newer generation than any logged one (a write in flight at the kill)" {
	"$BW" write "$F" "$L" --blocks 20 --span 16 >/dev/null
	# the log lost its last line: that write was in flight, not acknowledged
	head -n 19 "$L" >"$L.cut"
	run "$BW" verify "$F" "$L.cut"
	assert_success
	assert_output --partial "1 newer (in flight)"
}

@test "blockwriter verify fails on a block zeroed under it and on a block beyond the end" {
	"$BW" write "$F" "$L" --blocks 20 >/dev/null
	dd if=/dev/zero of="$F" bs=4096 seek=2 count=1 conv=notrunc status=none
	run "$BW" verify "$F" "$L"
	assert_failure 1
	assert_output --partial "block 2: corrupt"
	truncate -s 40K "$F"
	run "$BW" verify "$F" "$L"
	assert_failure 1
	assert_output --partial "beyond the end"
}

@test "blockwriter refuses usage errors and unreadable logs with exit 2" {
	run "$BW" write "$F"
	assert_failure 2
	run "$BW" write "$F" "$L" --blocks many
	assert_failure 2
	printf 'garbage\n' >"$L"
	run "$BW" verify "$F" "$L"
	assert_failure 2
	assert_output --partial "not a log line"
}

@test "blockwriter --interval waits that long after each write" {
	local t0 t1
	t0=$(date +%s%N)
	run "$BW" write "$F" "$L" --blocks 20 --interval 20000
	t1=$(date +%s%N)
	assert_success
	# 20 writes, 20 ms after each: at least 0.4 s
	[ $(((t1 - t0) / 1000000)) -ge 400 ] || fail "20 writes at 20 ms took $(((t1 - t0) / 1000000)) ms"
	run "$BW" verify "$F" "$L"
	assert_success
	run "$BW" write "$F" "$L" --blocks 1 --interval soon
	assert_failure 2
}
