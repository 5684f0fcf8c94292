#!/usr/bin/env bats
# Live migration (contract 5.10) on the real kernel: with --migrate a
# volume whose backing changes keeps its data: the kernel copies it while
# the volume stays mounted and written to, then the volume switches to its
# new table and the temporary devices go.  Every write acknowledged during
# the copy is on the new backing (blockwriter's log), the file system is
# clean, nothing is left suspended or behind; a kill -9 at any point is
# finished by `recover`; a failing destination leaves the data on the old
# backing.

load helpers
bats_require_minimum_version 1.5.0

BW=${VMAPCTL_TOOLS:-$TOP/build/rel/tools}/blockwriter

setup() {
	common_setup
	WRITERS=()
}
teardown() {
	local p
	for p in "${WRITERS[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${WRITERS[@]}"; do wait "$p" 2>/dev/null || true; done
	umount "$BATS_TEST_TMPDIR/mnt" 2>/dev/null || true
	common_teardown
}

# writer DEV LOG [ARGS...]: blockwriter in the background, without bats'
# descriptors (bats would wait for it), niced: on the VM's one emulated
# CPU a writer at full speed would starve vmapctl and the copy
writer() {
	nice -n 19 "$BW" write "$@" 3>&- 2>>"$BATS_TEST_TMPDIR/writer.err" &
	WRITERS+=($!)
}
stop_writers() { untraced _stop_writers "$@"; }
_stop_writers() {
	local p
	for p in "${WRITERS[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${WRITERS[@]}"; do wait "$p" 2>/dev/null || true; done
	WRITERS=()
}
# verify DEV LOG: every block the writer logged reads back intact
verify() { untraced _verify "$@"; }
_verify() {
	run "$BW" verify "$@"
	[ "$status" -eq 0 ] || fail "blockwriter verify $1: $output"
}
# the writer wrote this many blocks so far
acked() { wc -l <"$1"; }

# nothing of a migration is left: no temporary device, no journal, no
# device suspended or with an inactive table
clean_end() { untraced _clean_end "$@"; }
_clean_end() {
	local left n attr
	left=$(dmsetup ls | awk '$1 ~ /^vmapctl-mig-/ { print $1 }')
	[ -z "$left" ] || fail "temporary devices left: $left"
	! ls /run/vmapctl/migration-*.json 2>/dev/null || fail "a migration journal was left"
	# a killed run's udev cookies are released by recover (journaled)
	[ "$(dmsetup udevcookies | grep -vc '^Cookie')" -eq 0 ] ||
		fail "udev cookies left: $(dmsetup udevcookies)"
	for n in "$@"; do
		attr=$(dmsetup info -c --noheadings -o attr "$n")
		[[ $attr != ??s* ]] || fail "$n was left suspended ($attr)"
		[[ $attr != ????i* ]] || fail "$n was left with an inactive table ($attr)"
	done
}

# moving_v BLOCKS: volume v on $a with BLOCKS blocks written by the
# writer (its log: $BATS_TEST_TMPDIR/v.log), and the spec moving it to $b
# ($a and $b: two 8 MiB loop devices)
moving_v() {
	a=$(make_loop 8M) b=$(make_loop 8M)
	spec_lin v 8192 "$a" 2048
	run -0 vmapctl apply
	"$BW" write /dev/mapper/v "$BATS_TEST_TMPDIR/v.log" --blocks "$1" 3>&-
	spec_lin v 8192 "$b" 2048
}

# linear_on NAME DEV OFFSET: NAME's table is one linear line on DEV
linear_on() {
	local t
	t=$(dmsetup table "$1")
	[ "$t" = "0 $(blockdev --getsz "/dev/mapper/$1") linear $(devnum "$2") $3" ] ||
		fail "$1 is not on $2 at $3: '$t'"
}

# spec_lin NAME SECTORS DEV OFFSET [NAME SECTORS DEV OFFSET...]: a spec of
# linear volumes
spec_lin() {
	{
		echo "apiVersion: vmapctl/v1"
		echo "volumes:"
		while [ $# -gt 0 ]; do
			echo "  - name: $1"
			echo "    targets: [{type: linear, size: $2, device: $3, offset: $4}]"
			shift 4
		done
	} | write_spec vols.yaml
}

@test "a mounted ext4 volume and a raw volume, written to throughout, migrate to another disk with every acknowledged block on it" {
	a=$(make_loop 100M); b=$(make_loop 100M)
	spec_lin data 131072 "$a" 2048 raw 16384 "$a" 140000
	run -0 vmapctl apply
	mkfs.ext4 -q /dev/mapper/data
	mkdir -p "$BATS_TEST_TMPDIR/mnt"
	mount /dev/mapper/data "$BATS_TEST_TMPDIR/mnt"
	# O_DIRECT through the file system, and straight onto a volume
	fallocate -l 8M "$BATS_TEST_TMPDIR/mnt/blocks"
	writer "$BATS_TEST_TMPDIR/mnt/blocks" "$BATS_TEST_TMPDIR/fs.log"
	writer /dev/mapper/raw "$BATS_TEST_TMPDIR/raw.log"
	sleep 1

	spec_lin data 131072 "$b" 2048 raw 16384 "$b" 140000
	# without --migrate the move is a remap: refused, nothing touched
	run -3 vmapctl apply
	assert_output --partial "use --migrate"
	run -0 vmapctl plan --migrate
	assert_output --partial "migrate  data"
	assert_output --partial "migrate: copies 64 MiB online"
	before=$(acked "$BATS_TEST_TMPDIR/raw.log")
	run -0 --separate-stderr vmapctl apply --migrate --json
	echo "$output" >"$BATS_TEST_TMPDIR/apply.json"
	# the writers went on during the copy
	[ "$(acked "$BATS_TEST_TMPDIR/raw.log")" -gt "$before" ] || fail "the raw writer stalled"
	for p in "${WRITERS[@]}"; do kill -0 "$p" || fail "a writer died: $(cat "$BATS_TEST_TMPDIR/writer.err")"; done
	stop_writers

	linear_on data "$b" 2048
	linear_on raw "$b" 140000
	clean_end data raw
	verify "$BATS_TEST_TMPDIR/mnt/blocks" "$BATS_TEST_TMPDIR/fs.log"
	verify /dev/mapper/raw "$BATS_TEST_TMPDIR/raw.log"
	umount "$BATS_TEST_TMPDIR/mnt"
	run -0 fsck.ext4 -fn /dev/mapper/data

	run -0 /usr/bin/python3 "$TOP/test/tools/json-check.py" \
		"$TOP/schema/apply.schema.json=$BATS_TEST_TMPDIR/apply.json"
	# the numbers for the report: copy rate and the longest suspend, next
	# to dd of the same size between the same kind of devices
	run -0 /usr/bin/python3 -c 'import json, sys
r = json.load(open(sys.argv[1]))["result"]
m = {x["volume"]: x for x in r["migrations"]}
assert m["data"]["state"] == "done" and m["raw"]["state"] == "done", m
assert m["data"]["bytes"] == 64 << 20, m
x = m["data"]
print("# migrate 64 MiB: %.2f s (%.1f MiB/s), longest suspend %.1f ms (all volumes: %.1f ms)" % (
    x["seconds"], 64 / x["seconds"], x["longestSuspendMs"], max(s["ms"] for s in r["suspended"])))' \
		"$BATS_TEST_TMPDIR/apply.json"
	echo "$output" >&3
	s=$(date +%s.%N)
	dd if="$b" of="$a" bs=1M count=64 skip=1 seek=1 iflag=direct oflag=direct status=none
	echo "# dd 64 MiB loop to loop (O_DIRECT): $(echo "$(date +%s.%N) - $s" | bc) s" >&3
}

@test "apply --no-wait leaves the copy running, status shows how far it is, recover --wait finishes it" {
	moving_v 1024
	# slow enough to be seen copying: 4 MiB at 512 KiB/s, 8 s; four
	# commands run before recover looks, each up to a second or more in
	# the emulated VM when the machine is busy (at 1 MiB/s the copy had
	# once finished by then)
	run -0 vmapctl apply --migrate --no-wait --migrate-rate 512
	assert_output --partial "migrating 'v': copying in the background"
	vmapctl status --json >"$BATS_TEST_TMPDIR/status.json"
	run -0 vmapctl status
	assert_output --regexp "v +active .*migration copying: [0-9]+% of 4.0 MiB"
	# the plan knows: nothing to start again
	vmapctl plan --migrate --json >"$BATS_TEST_TMPDIR/plan.json"
	# recover without --wait leaves it running
	run -0 vmapctl recover
	assert_output --partial "is still copying"
	[ -e /run/vmapctl/migration-v.json ] || fail "the journal went while the copy runs"
	vmapctl recover --wait --json >"$BATS_TEST_TMPDIR/recover.json"
	linear_on v "$b" 2048
	clean_end v
	verify /dev/mapper/v "$BATS_TEST_TMPDIR/v.log"
	run -0 /usr/bin/python3 "$TOP/test/tools/json-check.py" \
		"$TOP/schema/status.schema.json=$BATS_TEST_TMPDIR/status.json" \
		"$TOP/schema/plan.schema.json=$BATS_TEST_TMPDIR/plan.json" \
		"$TOP/schema/recover.schema.json=$BATS_TEST_TMPDIR/recover.json"
	run -0 /usr/bin/python3 -c 'import json, sys
v = {x["name"]: x for x in json.load(open(sys.argv[1]))["volumes"]}
m = v["v"]["migration"]
assert m["state"] == "copying" and m["totalBytes"] == 4 << 20 and m["copiedBytes"] < m["totalBytes"], m
assert "vmapctl-mig-v-r" not in v, "a temporary device listed as a volume"
p = json.load(open(sys.argv[2]))["plan"]
pv = {x["name"]: x for x in p["volumes"]}["v"]
assert pv["action"] == "migrate" and pv["migrating"], pv
assert not p["steps"], p["steps"]
r = json.load(open(sys.argv[3]))
assert [m["state"] for m in r["migrations"]] == ["done"], r' \
		"$BATS_TEST_TMPDIR/status.json" "$BATS_TEST_TMPDIR/plan.json" "$BATS_TEST_TMPDIR/recover.json"
}

@test "kill -9 at any point of a migration: recover ends it on the old or the new table, no acknowledged write lost" {
	a=$(make_loop 16M); b=$(make_loop 16M)
	# 8 MiB at 8 MiB/s: about a second of copy to land kills in
	spec_lin v 16384 "$a" 2048
	run -0 vmapctl apply
	writer /dev/mapper/v "$BATS_TEST_TMPDIR/v.log"
	# one whole migration, timed: the kills are stepped over its length
	spec_lin v 16384 "$b" 2048
	local s0 whole
	s0=$(date +%s%N)
	run -0 vmapctl apply --migrate --migrate-rate 8192
	whole=$((($(date +%s%N) - s0) / 1000000))
	# the first migration is the slowest (nothing cached yet)
	whole=$((whole * 3 / 4))
	local round there delay old new t rounds=10 ended_new=0 da db
	da=$(devnum "$a") db=$(devnum "$b")
	t=$(dmsetup table v)
	for ((round = 0; round < rounds; round++)); do
		if [ "$t" = "0 16384 linear $da 2048" ]; then
			there=$b old="0 16384 linear $da 2048" new="0 16384 linear $db 2048"
		else
			there=$a old="0 16384 linear $db 2048" new="0 16384 linear $da 2048"
		fi
		spec_lin v 16384 "$there" 2048
		# from 0 to a whole migration's time: before the mirror, during
		# the copy, around the switch to the new table
		delay=$(printf '%d.%03d' $((whole * round / rounds / 1000)) $((whole * round / rounds % 1000)))
		"$VMAPCTL_BIN" apply --migrate --migrate-rate 8192 -q 3>&- >/dev/null 2>&1 &
		local pid=$!
		sleep "$delay"
		{ kill -9 "$pid" && wait "$pid"; } 2>/dev/null || true
		run vmapctl recover --wait
		[ "$status" -eq 0 ] || fail "round $round (kill after ${delay}s): recover failed: $output"
		t=$(dmsetup table v)
		[ "$t" = "$old" ] || [ "$t" = "$new" ] ||
			fail "round $round (kill after ${delay}s): v is on neither table: '$t'"
		[ "$t" = "$new" ] && ended_new=$((ended_new + 1))
		clean_end v
		for p in "${WRITERS[@]}"; do
			kill -0 "$p" || fail "round $round: the writer died: $(cat "$BATS_TEST_TMPDIR/writer.err")"
		done
		echo "# round $round: kill after ${delay}s of ${whole}ms: on the $([ "$t" = "$new" ] && echo new || echo old) table (recover: ${output//$'\n'/; })" >&3
	done
	# the kills landed on both sides of the switch
	[ "$ended_new" -gt 0 ] && [ "$ended_new" -lt "$rounds" ] ||
		fail "every kill ended on the same side ($ended_new of $rounds on the new table)"
	stop_writers
	verify /dev/mapper/v "$BATS_TEST_TMPDIR/v.log"
}

@test "a migration killed once its udev cookie exists, before its journal names it: recover releases the cookie and ends it on the old table" {
	moving_v 256
	# the first cookie is the migration's, for its temporary devices
	kill_at_cookie apply --migrate
	[ -e /run/vmapctl/migration-v.json ] || fail "the killed migration left no journal"
	! grep -q "$(printf '%d' "$cookie")" /run/vmapctl/migration-v.json ||
		fail "the journal names the cookie already"
	recover_releases_cookie "the migration of 'v'" recover --wait
	[[ $recovered == *"ended the migration of 'v' on its old table"* ]] || fail "$recovered"
	linear_on v "$a" 2048
	clean_end v
	verify /dev/mapper/v "$BATS_TEST_TMPDIR/v.log"
}

@test "the middle volume of a three-level stack migrates with a writer on the top volume" {
	a=$(make_loop 24M); b=$(make_loop 24M)
	stack() {
		write_spec vols.yaml <<EOS
apiVersion: vmapctl/v1
volumes:
  - name: disk-a
    targets: [{type: linear, size: 40960, device: $a}]
  - name: disk-b
    targets: [{type: linear, size: 40960, device: $b}]
  - name: mid
    onRemap: migrate
    targets: [{type: linear, size: 32768, device: {volume: $1}, offset: 2048}]
  - name: top
    targets: [{type: linear, size: 30720, device: {volume: mid}, offset: 2048}]
EOS
	}
	stack disk-a
	run -0 vmapctl apply
	writer /dev/mapper/top "$BATS_TEST_TMPDIR/top.log"
	sleep 1
	stack disk-b
	# onRemap: migrate in the spec: no flag needed
	run -0 --separate-stderr vmapctl apply --json
	echo "$output" >"$BATS_TEST_TMPDIR/apply.json"
	linear_on mid /dev/mapper/disk-b 2048
	linear_on top /dev/mapper/mid 2048
	clean_end disk-a disk-b mid top
	for p in "${WRITERS[@]}"; do kill -0 "$p" || fail "the writer died"; done
	# top is refreshed after the copy, and is the only other volume touched
	run -0 /usr/bin/python3 -c 'import json, sys
r = json.load(open(sys.argv[1]))["result"]
touched = sorted({e["volume"] for e in r["executed"]})
assert touched == ["mid", "top"], touched
assert [m["state"] for m in r["migrations"]] == ["done"], r["migrations"]' "$BATS_TEST_TMPDIR/apply.json"
	stop_writers
	verify /dev/mapper/top "$BATS_TEST_TMPDIR/top.log"
}

@test "a striped volume moves to other disks; onto a failing destination the migration stops with the data on the old backing" {
	s1=$(make_loop 16M); s2=$(make_loop 16M); s3=$(make_loop 16M); s4=$(make_loop 16M)
	c=$(make_loop 24M)
	striped() {
		write_spec vols.yaml <<EOS
apiVersion: vmapctl/v1
volumes:
  - name: st
    targets:
      - type: striped
        size: 16384
        chunkSize: 128
        stripes: [{device: $1, offset: 2048}, {device: $2, offset: 2048}]
EOS
	}
	striped "$s1" "$s2"
	run -0 vmapctl apply
	"$BW" write /dev/mapper/st "$BATS_TEST_TMPDIR/st.log" --blocks 2048 3>&-
	striped "$s3" "$s4"
	run -0 vmapctl apply --migrate
	[ "$(dmsetup table st)" = "0 16384 striped 2 128 $(devnum "$s3") 2048 $(devnum "$s4") 2048" ] ||
		fail "st is not on the new disks: $(dmsetup table st)"
	clean_end st
	verify /dev/mapper/st "$BATS_TEST_TMPDIR/st.log"

	# a linear volume whose new backing fails during the copy: a device
	# of ours (not managed) that turns into an error target
	d=$(make_loop 16M)
	spec_lin v 16384 "$d" 2048
	run -0 vmapctl apply
	writer /dev/mapper/v "$BATS_TEST_TMPDIR/v.log"
	dmsetup create mig-bad --table "0 40960 linear $c 0"
	spec_lin v 16384 /dev/mapper/mig-bad 2048
	run -0 vmapctl apply --migrate --no-wait --migrate-rate 1024
	dmsetup load mig-bad --table "0 40960 error"
	dmsetup resume mig-bad
	run -1 vmapctl recover --wait
	assert_output --partial "the new backing failed while the data was being copied"
	linear_on v "$d" 2048
	clean_end v
	for p in "${WRITERS[@]}"; do kill -0 "$p" || fail "the writer died: $(cat "$BATS_TEST_TMPDIR/writer.err")"; done
	stop_writers
	verify /dev/mapper/v "$BATS_TEST_TMPDIR/v.log"

	# an error target as the new backing from the start: nothing changes
	run -1 vmapctl apply --migrate
	assert_output --partial "the new backing failed"
	linear_on v "$d" 2048
	clean_end v
	verify /dev/mapper/v "$BATS_TEST_TMPDIR/v.log"
}

@test "a move onto an overlapping range of the same device and a non-linear table are refused, nothing touched" {
	a=$(make_loop 48M)
	write_spec vols.yaml <<EOF
apiVersion: vmapctl/v1
volumes:
  - name: v
    targets: [{type: linear, size: 32768, device: $a, offset: 2048}]
  - name: z
    targets: [{type: linear, size: 8192, device: $a, offset: 60000}]
EOF
	run -0 vmapctl apply
	write_spec vols.yaml <<EOF
apiVersion: vmapctl/v1
volumes:
  - name: v
    targets: [{type: linear, size: 32768, device: $a, offset: 4096}]
  - name: z
    targets: [{type: zero, size: 8192}]
EOF
	run -3 vmapctl apply --migrate
	assert_output --partial "volume 'v': cannot be migrated: its new table puts sectors 0..30719 on 'linear $(devnum "$a")' sectors 4096..34815, which its old table uses for sectors 2048..32767"
	assert_output --partial "volume 'z': cannot be migrated: only linear and striped tables can be, and line 1 of its new table is 'zero'"
	linear_on v "$a" 2048
	linear_on z "$a" 60000
	clean_end v z
}
