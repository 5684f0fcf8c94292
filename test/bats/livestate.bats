#!/usr/bin/env bats
# Live-state capture (reconcile/livestate.c) and its JSON snapshot against
# the real kernel, through test/tools/vmap-live: what it captures agrees
# with dmsetup and sysfs, keys never reach it, references resolve or say
# why, it changes nothing, and the snapshot round-trips byte for byte.

load helpers

bats_require_minimum_version 1.5.0

T=${VMAPCTL_TOOLS:-$TOP/build/rel/tools}
vlive() { "$T/vmap-live" "$@"; }

setup() { common_setup; }
teardown() {
	# the 500-device test stops udevd; the rest of the suite needs it
	start_udevd
	common_teardown
}

# Debian's python directly: a pyenv shim in PATH costs seconds per call
# in the emulated guest
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3

# q JSONFILE PYEXPR: evaluate PYEXPR with `d` the parsed snapshot, and
# `dev(name)` / `bdev("M:m")` / `res(ref)` helpers; prints the result
q() {
	"$PY" - "$1" "$2" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
def dev(n): return next(x for x in d["devices"] if x["name"] == n)
def bdev(mm): return next(x for x in d["blockdevs"] if "%d:%d" % (x["major"], x["minor"]) == mm)
def res(r): return next(x for x in d["resolutions"] if x["ref"] == r)
v = eval(sys.argv[2])
print(json.dumps(v) if not isinstance(v, str) else v)
EOF
}

# expect EXPR WANT: queue the check that `q FILE EXPR` prints WANT (as
# [ "$(q FILE EXPR)" = WANT ] does: trailing newlines dropped from what
# EXPR gives); expect_all FILE runs the queued checks in one python and
# fails naming each that does not hold or raises.  A python start costs
# about 350 ms in the emulated VM, and a test here makes up to fifteen
# checks.
expect() {
	_EXPECT+=("$1" "$2")
}
expect_all() {
	local rc=0
	"$PY" - "$1" "${_EXPECT[@]}" <<'EOF' || rc=$?
import json, re, sys
d = json.load(open(sys.argv[1]))
def dev(n): return next(x for x in d["devices"] if x["name"] == n)
def bdev(mm): return next(x for x in d["blockdevs"] if "%d:%d" % (x["major"], x["minor"]) == mm)
def res(r): return next(x for x in d["resolutions"] if x["ref"] == r)
args = sys.argv[2:]
bad = 0
for expr, want in zip(args[0::2], args[1::2]):
    try:
        v = eval(expr)
        got = (json.dumps(v) if not isinstance(v, str) else v).rstrip("\n")
    except Exception as e:
        got = "<%s: %s>" % (type(e).__name__, e)
    if got != want:
        bad += 1
        print("%s\n  is:   %r\n  want: %r" % (expr, got, want), file=sys.stderr)
sys.exit(1 if bad or not args or len(args) % 2 else 0)
EOF
	_EXPECT=()
	return "$rc"
}

@test "capture lists every dm device with info, both tables and deps as dmsetup sees them" {
	a=$(make_loop 64M)
	b=$(make_loop 64M)
	dmsetup create cap-lin --uuid VMAP-cap-lin --table "0 1000 linear $a 0"
	dmsetup create cap-two --table "0 100 linear $a 0
100 100 linear $b 0"
	dmsetup load cap-two --table "0 300 zero"
	dmsetup suspend cap-two
	vlive >"$BATS_TEST_TMPDIR/l.json"
	expect 'dev("cap-lin")["uuid"]' VMAP-cap-lin
	expect 'dev("cap-two")["uuid"]' ""
	expect '"%d:%d" % (dev("cap-lin")["major"], dev("cap-lin")["minor"])' \
		"$(dmsetup info -c --noheadings -o major,minor --separator : cap-lin | tr -d ' ')"
	expect 'dev("cap-two")["suspended"]' true
	expect 'dev("cap-lin")["suspended"]' false
	expect 'dev("cap-two")["inactive_table"]' true
	expect 'dev("cap-two")["open_count"]' "$(dmsetup info -c --noheadings -o open cap-two | tr -d ' ')"
	expect 'dev("cap-two")["event_nr"]' "$(dmsetup info -c --noheadings -o events cap-two | tr -d ' ')"
	expect '"\n".join("%d %d %s %s" % (l["start"], l["len"], l["type"], l["params"]) for l in dev("cap-two")["live"])' \
		"$(dmsetup table cap-two | sed 's/ *$//')"
	expect '"\n".join("%d %d %s" % (l["start"], l["len"], l["type"]) for l in dev("cap-two")["inactive"])' "0 300 zero"
	expect '" ".join(sorted(dev("cap-two")["deps"]))' \
		"$(printf '%s\n' "$(devnum "$a")" "$(devnum "$b")" | sort | xargs)"
	# every device dmsetup lists, no more
	expect '" ".join(x["name"] for x in d["devices"])' \
		"$(dmsetup ls | awk '$1 != "No" { print $1 }' | sort | xargs)"
	expect 'd["format"]' vmapctl-live/1
	expect 'd["kernel_release"]' "$(uname -r)"
	expect '".".join(map(str, d["driver_version"]))' \
		"$(dmsetup version | awk '/Driver version/ { print $3 }')"
	expect '" ".join(sorted(t["name"] for t in d["targets"]))' \
		"$(dmsetup targets | awk '{ print $1 }' | sort | xargs)"
	expect_all "$BATS_TEST_TMPDIR/l.json"
}

@test "request_based is true for multipath over loop devices and false for linear" {
	a=$(make_loop 64M)
	b=$(make_loop 64M)
	dmsetup create rb-mp --table "0 1000 multipath 0 0 1 1 round-robin 0 2 1 $a 1 $b 1"
	dmsetup create rb-lin --table "0 1000 linear $a 0"
	dmsetup create rb-bio --table "0 1000 multipath 2 queue_mode bio 0 1 1 round-robin 0 1 1 $b 1"
	vlive >"$BATS_TEST_TMPDIR/l.json"
	expect 'dev("rb-mp")["request_based"]' true
	expect 'dev("rb-lin")["request_based"]' false
	expect 'dev("rb-bio")["request_based"]' false
	expect_all "$BATS_TEST_TMPDIR/l.json"
}

@test "limits match sysfs for dm devices and their components" {
	a=$(make_loop 64M 4096)
	dmsetup create lim --table "0 1000 linear $a 0"
	vlive >"$BATS_TEST_TMPDIR/l.json"
	mm=$(dmsetup info -c --noheadings -o major,minor --separator : lim | tr -d ' ')
	for attr in logical_block_size physical_block_size max_sectors_kb max_hw_sectors_kb \
		max_segments max_segment_size discard_max_bytes; do
		expect "dev('lim')['limits']['$attr']" "$(cat /sys/dev/block/$mm/queue/$attr)"
		expect "bdev('$(devnum "$a")')['limits']['$attr']" \
			"$(cat "/sys/dev/block/$(devnum "$a")/queue/$attr")"
	done
	expect "dev('lim')['limits']['logical_block_size']" 4096
	expect_all "$BATS_TEST_TMPDIR/l.json"
}

@test "blockdevs carry size, read-only flag and kernel name of components and requested devices" {
	a=$(make_loop 64M)
	file=$(mktemp "$BATS_TEST_TMPDIR/ro.XXXXXX")
	truncate -s 16M "$file"
	ro=$(losetup -f --show -r "$file")
	echo "$ro" >>"$_LOOPS_FILE"
	dmsetup create bd --table "0 1000 linear $a 0"
	vlive "$ro" >"$BATS_TEST_TMPDIR/l.json"
	expect "bdev('$(devnum "$a")')['sectors']" "$(blockdev --getsz "$a")"
	expect "bdev('$(devnum "$a")')['kname']" "${a#/dev/}"
	expect "bdev('$(devnum "$a")')['read_only']" false
	expect "bdev('$(devnum "$ro")')['read_only']" true
	expect "bdev('$(devnum "$ro")')['sectors']" 32768
	expect_all "$BATS_TEST_TMPDIR/l.json"
}

@test "a table longer than the first read buffer is read whole, live and inactive, as dmsetup prints it" {
	a=$(make_loop 64M)
	# 64 lines of 56 bytes each in the reply (a 40-byte target spec and
	# its text): more than the 2 KiB the first TABLE is asked with, so
	# the kernel says it did not fit and the table is asked for again
	t='' u=''
	for ((i = 0; i < 64; i++)); do
		t+="$((i * 8)) 8 linear $a $((i * 16))"$'\n'
		u+="$((i * 4)) 4 linear $a $((i * 32 + 1))"$'\n'
	done
	dmsetup create long-tab --table "$t"
	dmsetup load long-tab --table "$u"
	vlive >"$BATS_TEST_TMPDIR/l.json"
	expect 'len(dev("long-tab")["live"])' 64
	expect '"\n".join("%d %d %s %s" % (l["start"], l["len"], l["type"], l["params"]) for l in dev("long-tab")["live"])' \
		"$(dmsetup table long-tab | sed 's/ *$//')"
	expect '"\n".join("%d %d %s %s" % (l["start"], l["len"], l["type"], l["params"]) for l in dev("long-tab")["inactive"])' \
		"$(dmsetup table --inactive long-tab | sed 's/ *$//')"
	expect_all "$BATS_TEST_TMPDIR/l.json"
}

@test "a device with no table, and one with only an inactive table, are read as such" {
	# the kernel answers TABLE for a missing table with its header alone
	# (a data size short of where the data would start)
	dmsetup create no-tab --notable
	dmsetup create inact-tab --notable
	dmsetup load inact-tab --table "0 8 zero"
	vlive >"$BATS_TEST_TMPDIR/l.json"
	expect '[dev("no-tab")["live_table"], dev("no-tab")["inactive_table"], dev("no-tab")["live"], dev("no-tab")["inactive"]]' \
		'[false, false, [], []]'
	expect '[dev("inact-tab")["live_table"], dev("inact-tab")["inactive_table"], dev("inact-tab")["live"]]' \
		'[false, true, []]'
	expect '[(l["start"], l["len"], l["type"]) for l in dev("inact-tab")["inactive"]]' '[[0, 8, "zero"]]'
	expect_all "$BATS_TEST_TMPDIR/l.json"
}

@test "a crypt key never reaches the snapshot: the live params carry its digest" {
	a=$(make_loop 64M)
	key=0123456789abcdef0123456789abcdeffedcba9876543210fedcba9876543210
	dmsetup create cr-key --table "0 1000 crypt aes-xts-plain64 $key 0 $a 0"
	dmsetup load cr-key --table "0 500 crypt aes-cbc-essiv:sha256 ${key:0:32} 0 $a 0"
	run vlive
	assert_success
	refute_output --partial "$key"
	refute_output --partial "${key:0:16}"
	refute_output --partial "${key:32:16}"
	printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/l.json"
	expect 'bool(re.fullmatch(r"aes-xts-plain64 <key:sha256:[0-9a-f]{16}> 0 [0-9]+:[0-9]+ 0", dev("cr-key")["live"][0]["params"]))' true
	expect 'bool(re.match(r"aes-cbc-essiv:sha256 <key:sha256:[0-9a-f]{16}> 0 ", dev("cr-key")["inactive"][0]["params"]))' true
	expect_all "$BATS_TEST_TMPDIR/l.json"
}

@test "paths and MAJ:MIN resolve to the device; missing ones say why" {
	a=$(make_loop 64M)
	dmsetup create rs --table "0 1000 linear $a 0"
	mm=$(dmsetup info -c --noheadings -o major,minor --separator : rs | tr -d ' ')
	vlive "$a" /dev/mapper/rs "$mm" /dev/nonexistent 7:250 /etc/hostname >"$BATS_TEST_TMPDIR/l.json"
	expect 'res("'"$a"'")["found"]' true
	expect '"%d:%d" % (res("'"$a"'")["major"], res("'"$a"'")["minor"])' "$(devnum "$a")"
	expect 'res("/dev/mapper/rs")["devnode"]' "/dev/dm-${mm#*:}"
	expect 'res("'"$mm"'")["devnode"]' "/dev/dm-${mm#*:}"
	expect 'res("/dev/nonexistent")["found"]' false
	expect 'res("/dev/nonexistent")["error"]' "no such device '/dev/nonexistent'"
	expect 'res("7:250")["error"]' "no block device 7:250"
	expect 'res("/etc/hostname")["error"]' "'/etc/hostname' is not a block device"
	# and the requested devices are among the blockdevs
	expect "bdev('$mm')['kname']" "dm-${mm#*:}"
	expect_all "$BATS_TEST_TMPDIR/l.json"
}

# an ext4 image on a loop device, processed by udev
ext4_loop() {
	local dev
	dev=$(make_loop 16M)
	mkfs.ext4 -q -F "$dev" >/dev/null
	udevadm trigger --action=change "$dev"
	udevadm settle --timeout=60
	echo "$dev"
}

@test "a udev property resolves to the one device that has it" {
	dev=$(ext4_loop)
	uuid=$(blkid -o value -s UUID "$dev")
	[ -n "$uuid" ]
	vlive "udev:ID_FS_UUID=$uuid,ID_FS_TYPE=ext4" >"$BATS_TEST_TMPDIR/l.json"
	# the key is sorted by property name
	expect 'res("udev:ID_FS_TYPE=ext4,ID_FS_UUID='"$uuid"'")["found"]' true
	expect 'res("udev:ID_FS_TYPE=ext4,ID_FS_UUID='"$uuid"'")["devnode"]' "$dev"
	expect '"%d:%d" % (d["resolutions"][0]["major"], d["resolutions"][0]["minor"])' "$(devnum "$dev")"
	expect_all "$BATS_TEST_TMPDIR/l.json"
}

@test "no udev match and several udev matches are errors, several listing every candidate" {
	dev=$(ext4_loop)
	uuid=$(blkid -o value -s UUID "$dev")
	# a second device with the same filesystem UUID: a copy of the image
	copy=$(make_loop 16M)
	dd if="$dev" of="$copy" bs=1M status=none
	udevadm trigger --action=change "$copy"
	udevadm settle --timeout=60
	vlive "udev:ID_FS_UUID=$uuid" "udev:ID_FS_UUID=00000000-dead-beef-0000-000000000000" \
		>"$BATS_TEST_TMPDIR/l.json"
	f=$BATS_TEST_TMPDIR/l.json
	expect 'res("udev:ID_FS_UUID='"$uuid"'")["found"]' false
	expect 'len(res("udev:ID_FS_UUID='"$uuid"'")["candidates"])' 2
	# each candidate listed (as "DEV (...)"), and the error names both
	expect 'any(c.startswith("'"$dev"' (") for c in res("udev:ID_FS_UUID='"$uuid"'")["candidates"])' true
	expect 'any(c.startswith("'"$copy"' (") for c in res("udev:ID_FS_UUID='"$uuid"'")["candidates"])' true
	expect 'res("udev:ID_FS_UUID=00000000-dead-beef-0000-000000000000")["found"]' false
	expect 'res("udev:ID_FS_UUID=00000000-dead-beef-0000-000000000000")["error"].startswith("no block device has udev properties ID_FS_UUID=00000000-dead-beef-0000-000000000000")' true
	expect 'res("udev:ID_FS_UUID='"$uuid"'")["error"].startswith("2 block devices have udev properties ID_FS_UUID='"$uuid"': ")' true
	expect '"'"$dev"' (" in res("udev:ID_FS_UUID='"$uuid"'")["error"]' true
	expect '"'"$copy"' (" in res("udev:ID_FS_UUID='"$uuid"'")["error"]' true
	expect_all "$f"
}

@test "many udev references resolve each to its own device, a shared value to every device with it" {
	# a LUN per volume, each named by a property of its own (as ID_WWN on
	# a multipath host): 24 dm devices, each with its own DM_UUID
	local loop n=24 i concise='' sep=''
	loop=$(make_loop 24M)
	for ((i = 0; i < n; i++)); do
		concise+="${sep}lr$i,LR-$i,,rw,0 2048 linear $loop $((i * 2048))"
		sep=';'
	done
	dmsetup create --concise "$concise"
	udevadm settle --timeout=60
	local refs=()
	for ((i = n - 1; i >= 0; i--)); do refs+=("udev:DM_UUID=LR-$i"); done
	# two keys, the first (sorted) picks the candidates, the second must
	# hold too: one device has both, no device has the other pair
	refs+=("udev:DM_NAME=lr3,DM_UUID=LR-3" "udev:DM_NAME=lr4,DM_UUID=LR-3")
	# a value every dm device has
	refs+=("udev:DM_UDEV_RULES_VSN=2")
	# the same reference three times (volumes on one disk) and twice
	# more among the others: each resolved once
	refs+=("$loop" "udev:DM_UUID=LR-7" "$loop" "$loop" "udev:DM_UUID=LR-7")
	vlive "${refs[@]}" >"$BATS_TEST_TMPDIR/l.json"
	f=$BATS_TEST_TMPDIR/l.json
	for ((i = 0; i < n; i++)); do
		expect 'res("udev:DM_UUID=LR-'"$i"'")["found"]' true
		expect '"%d:%d" % (res("udev:DM_UUID=LR-'"$i"'")["major"], res("udev:DM_UUID=LR-'"$i"'")["minor"])' \
			"$(devnum "/dev/mapper/lr$i")"
	done
	expect 'res("udev:DM_NAME=lr3,DM_UUID=LR-3")["devnode"] == res("udev:DM_UUID=LR-3")["devnode"]' true
	expect 'sum(1 for x in d["resolutions"] if x["ref"] == "'"$loop"'")' 1
	expect 'sum(1 for x in d["resolutions"] if x["ref"] == "udev:DM_UUID=LR-7")' 1
	expect 'len(d["resolutions"])' $((n + 4))
	expect 'res("udev:DM_NAME=lr4,DM_UUID=LR-3")["found"]' false
	expect 'res("udev:DM_NAME=lr4,DM_UUID=LR-3")["error"].startswith("no block device has udev properties")' true
	# every one of ours among the candidates, each once, in udev's order
	expect 'res("udev:DM_UDEV_RULES_VSN=2")["found"]' false
	expect 'len(res("udev:DM_UDEV_RULES_VSN=2")["candidates"]) >= '"$n" true
	expect 'len(set(res("udev:DM_UDEV_RULES_VSN=2")["candidates"])) == len(res("udev:DM_UDEV_RULES_VSN=2")["candidates"])' true
	for ((i = 0; i < n; i += 5)); do
		expect 'any(c.startswith(res("udev:DM_UUID=LR-'"$i"'")["devnode"] + " (") for c in res("udev:DM_UDEV_RULES_VSN=2")["candidates"])' true
	done
	expect_all "$f"
}

@test "loadable_targets lists unregistered types a module provides, and capture loads nothing" {
	# a target module not loaded yet: the VM loads most dm modules at boot,
	# and the corpus generator some of the rest (dm-era among them)
	local t='' m
	for t in zoned era unstripe log-writes switch dust ebs clone; do
		m=dm_${t//-/_}
		if ! lsmod | grep -q "^$m " && ! dmsetup targets | grep -q "^$t " &&
			modinfo "dm-$t" >/dev/null 2>&1; then
			break
		fi
		t=''
	done
	[ -n "$t" ] || skip "every candidate target module is loaded already"
	vlive --type "$t" --type nosuchtype --type linear >"$BATS_TEST_TMPDIR/l.json"
	expect "\"$t\" in d['loadable_targets']" true
	expect '"nosuchtype" in d["loadable_targets"]' false
	expect '"linear" in d["loadable_targets"]' false # registered already
	expect_all "$BATS_TEST_TMPDIR/l.json" || fail "loadable targets: $(cat "$BATS_TEST_TMPDIR/l.json")"
	if lsmod | grep -q "^$m "; then fail "the capture loaded $m"; fi
}

@test "capture changes nothing: tables, states and event numbers are the same afterwards" {
	a=$(make_loop 64M)
	dmsetup create nt --table "0 1000 linear $a 0"
	dmsetup load nt --table "0 10 zero"
	dmsetup suspend nt
	before=$(dmsetup info -c --noheadings -o name,attr,events,open; dmsetup table; dmsetup table --inactive)
	vlive "$a" >/dev/null
	after=$(dmsetup info -c --noheadings -o name,attr,events,open; dmsetup table; dmsetup table --inactive)
	[ "$before" = "$after" ]
}

@test "snapshot round trip: capture, write, read back, write again gives identical bytes" {
	a=$(make_loop 64M)
	dmsetup create rt --uuid VMAP-rt --table "0 1000 linear $a 0"
	dmsetup create rt-mp --table "0 1000 multipath 0 0 1 1 round-robin 0 1 1 $a 1"
	vlive --type era "$a" /dev/nonexistent >"$BATS_TEST_TMPDIR/one.json"
	vlive --read "$BATS_TEST_TMPDIR/one.json" >"$BATS_TEST_TMPDIR/two.json"
	cmp "$BATS_TEST_TMPDIR/one.json" "$BATS_TEST_TMPDIR/two.json"
	vlive --read "$BATS_TEST_TMPDIR/two.json" >"$BATS_TEST_TMPDIR/three.json"
	cmp "$BATS_TEST_TMPDIR/one.json" "$BATS_TEST_TMPDIR/three.json"
}

@test "a malformed snapshot is an error naming the file, never a crash" {
	a=$(make_loop 64M)
	dmsetup create mf --table "0 1000 linear $a 0"
	vlive >"$BATS_TEST_TMPDIR/good.json"
	head -c 300 "$BATS_TEST_TMPDIR/good.json" >"$BATS_TEST_TMPDIR/cut.json"
	run vlive --read "$BATS_TEST_TMPDIR/cut.json"
	assert_failure 1
	assert_output --regexp "^vmap-live: $BATS_TEST_TMPDIR/cut.json:[0-9]+:[0-9]+: invalid JSON: "
	sed 's/"minor": [0-9]*/"minor": "x"/' "$BATS_TEST_TMPDIR/good.json" >"$BATS_TEST_TMPDIR/type.json"
	run vlive --read "$BATS_TEST_TMPDIR/type.json"
	assert_failure 1
	assert_output --partial "$BATS_TEST_TMPDIR/type.json: devices[0].minor: expected an unsigned integer, found string"
	head -c 4096 /dev/urandom >"$BATS_TEST_TMPDIR/garbage.json"
	run vlive --read "$BATS_TEST_TMPDIR/garbage.json"
	assert_failure 1
	assert_output --partial "$BATS_TEST_TMPDIR/garbage.json:"
}

# bulk_concise N MAJ:MIN: N linear devices bulk1..bulkN over MAJ:MIN, as
# one `dmsetup create --concise` argument
bulk_concise() {
	local i spec=
	for ((i = 1; i <= $1; i++)); do
		spec+="${spec:+;}bulk$i,VMAP-bulk$i,,rw,0 2048 linear $2 $((i * 2048))"
	done
	printf '%s' "$spec"
}

@test "capture of 500 linear devices is quick (one LIST, then TABLE and DEPS per device)" {
	a=$(make_loop 1G)
	mm=$(devnum "$a")
	# udev would spend minutes of emulated CPU probing 500 new devices and
	# the capture would be measured against that: stop it for this test
	# (libdm makes the nodes), teardown starts it again
	udevadm settle --timeout=60 || true
	udevadm control --exit
	for _ in $(seq 50); do pgrep -x systemd-udevd >/dev/null || break; sleep 0.1; done
	spec=$(untraced bulk_concise 500 "$mm")
	# --noudevsync: udevd's socket file stays behind, so dmsetup would
	# otherwise wait for it
	dmsetup --noudevsync create --concise "$spec"
	[ "$(dmsetup ls | grep -c '^bulk')" = 500 ]
	top_dep=$(dmsetup info -c --noheadings -o major,minor --separator : bulk500 | tr -d ' ')
	dmsetup --noudevsync create bulk-top --table "0 2048 linear $top_dep 0"
	run --separate-stderr vlive --time "$a"
	assert_success
	printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/l.json"
	secs=$(printf '%s\n' "$stderr" | sed -n 's/^capture: \([0-9.]*\) s$/\1/p')
	echo "# capture of $(q "$BATS_TEST_TMPDIR/l.json" 'len(d["devices"])') devices: $secs s" >&3
	expect 'len([x for x in d["devices"] if x["name"].startswith("bulk") and x["name"] != "bulk-top"])' 500
	# minors past 255 decode right (the kernel's huge dev_t encoding)
	expect 'max(x["minor"] for x in d["devices"]) >= 500' true
	expect 'dev("bulk-top")["deps"][0]' "$top_dep"
	expect 'dev("bulk500")["live"][0]["params"]' "$mm 1024000"
	expect_all "$BATS_TEST_TMPDIR/l.json"
	# generous for an emulated (TCG) guest shared with other VMs
	awk -v s="$secs" 'BEGIN { exit !(s < 15) }'
	dmsetup --noudevsync remove bulk-top $(seq -f 'bulk%g' 1 500)
}
