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

@test "capture lists every dm device with info, both tables and deps as dmsetup sees them" {
	a=$(make_loop 64M)
	b=$(make_loop 64M)
	dmsetup create cap-lin --uuid VMAP-cap-lin --table "0 1000 linear $a 0"
	dmsetup create cap-two --table "0 100 linear $a 0
100 100 linear $b 0"
	dmsetup load cap-two --table "0 300 zero"
	dmsetup suspend cap-two
	vlive >"$BATS_TEST_TMPDIR/l.json"
	f=$BATS_TEST_TMPDIR/l.json
	[ "$(q "$f" 'dev("cap-lin")["uuid"]')" = VMAP-cap-lin ]
	[ "$(q "$f" 'dev("cap-two")["uuid"]')" = "" ]
	[ "$(q "$f" '"%d:%d" % (dev("cap-lin")["major"], dev("cap-lin")["minor"])')" = \
		"$(dmsetup info -c --noheadings -o major,minor --separator : cap-lin | tr -d ' ')" ]
	[ "$(q "$f" 'dev("cap-two")["suspended"]')" = true ]
	[ "$(q "$f" 'dev("cap-lin")["suspended"]')" = false ]
	[ "$(q "$f" 'dev("cap-two")["inactive_table"]')" = true ]
	[ "$(q "$f" 'dev("cap-two")["open_count"]')" = "$(dmsetup info -c --noheadings -o open cap-two | tr -d ' ')" ]
	[ "$(q "$f" 'dev("cap-two")["event_nr"]')" = "$(dmsetup info -c --noheadings -o events cap-two | tr -d ' ')" ]
	[ "$(q "$f" '"\n".join("%d %d %s %s" % (l["start"], l["len"], l["type"], l["params"]) for l in dev("cap-two")["live"])')" = \
		"$(dmsetup table cap-two | sed 's/ *$//')" ]
	[ "$(q "$f" '"\n".join("%d %d %s" % (l["start"], l["len"], l["type"]) for l in dev("cap-two")["inactive"])')" = "0 300 zero" ]
	[ "$(q "$f" '" ".join(sorted(dev("cap-two")["deps"]))')" = \
		"$(printf '%s\n' "$(devnum "$a")" "$(devnum "$b")" | sort | xargs)" ]
	# every device dmsetup lists, no more
	[ "$(q "$f" '" ".join(x["name"] for x in d["devices"])')" = \
		"$(dmsetup ls | awk '$1 != "No" { print $1 }' | sort | xargs)" ]
	[ "$(q "$f" 'd["format"]')" = vmapctl-live/1 ]
	[ "$(q "$f" 'd["kernel_release"]')" = "$(uname -r)" ]
	[ "$(q "$f" '".".join(map(str, d["driver_version"]))')" = \
		"$(dmsetup version | awk '/Driver version/ { print $3 }')" ]
	[ "$(q "$f" '" ".join(sorted(t["name"] for t in d["targets"]))')" = \
		"$(dmsetup targets | awk '{ print $1 }' | sort | xargs)" ]
}

@test "request_based is true for multipath over loop devices and false for linear" {
	a=$(make_loop 64M)
	b=$(make_loop 64M)
	dmsetup create rb-mp --table "0 1000 multipath 0 0 1 1 round-robin 0 2 1 $a 1 $b 1"
	dmsetup create rb-lin --table "0 1000 linear $a 0"
	dmsetup create rb-bio --table "0 1000 multipath 2 queue_mode bio 0 1 1 round-robin 0 1 1 $b 1"
	vlive >"$BATS_TEST_TMPDIR/l.json"
	[ "$(q "$BATS_TEST_TMPDIR/l.json" 'dev("rb-mp")["request_based"]')" = true ]
	[ "$(q "$BATS_TEST_TMPDIR/l.json" 'dev("rb-lin")["request_based"]')" = false ]
	[ "$(q "$BATS_TEST_TMPDIR/l.json" 'dev("rb-bio")["request_based"]')" = false ]
}

@test "limits match sysfs for dm devices and their components" {
	a=$(make_loop 64M 4096)
	dmsetup create lim --table "0 1000 linear $a 0"
	vlive >"$BATS_TEST_TMPDIR/l.json"
	f=$BATS_TEST_TMPDIR/l.json
	mm=$(dmsetup info -c --noheadings -o major,minor --separator : lim | tr -d ' ')
	for attr in logical_block_size physical_block_size max_sectors_kb max_hw_sectors_kb \
		max_segments max_segment_size discard_max_bytes; do
		[ "$(q "$f" "dev('lim')['limits']['$attr']")" = "$(cat /sys/dev/block/$mm/queue/$attr)" ]
		[ "$(q "$f" "bdev('$(devnum "$a")')['limits']['$attr']")" = \
			"$(cat /sys/dev/block/$(devnum "$a")/queue/$attr)" ]
	done
	[ "$(q "$f" "dev('lim')['limits']['logical_block_size']")" = 4096 ]
}

@test "blockdevs carry size, read-only flag and kernel name of components and requested devices" {
	a=$(make_loop 64M)
	file=$(mktemp "$BATS_TEST_TMPDIR/ro.XXXXXX")
	truncate -s 16M "$file"
	ro=$(losetup -f --show -r "$file")
	echo "$ro" >>"$_LOOPS_FILE"
	dmsetup create bd --table "0 1000 linear $a 0"
	vlive "$ro" >"$BATS_TEST_TMPDIR/l.json"
	f=$BATS_TEST_TMPDIR/l.json
	[ "$(q "$f" "bdev('$(devnum "$a")')['sectors']")" = "$(blockdev --getsz "$a")" ]
	[ "$(q "$f" "bdev('$(devnum "$a")')['kname']")" = "${a#/dev/}" ]
	[ "$(q "$f" "bdev('$(devnum "$a")')['read_only']")" = false ]
	[ "$(q "$f" "bdev('$(devnum "$ro")')['read_only']")" = true ]
	[ "$(q "$f" "bdev('$(devnum "$ro")')['sectors']")" = 32768 ]
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
	q "$BATS_TEST_TMPDIR/l.json" 'dev("cr-key")["live"][0]["params"]' |
		grep -Eq '^aes-xts-plain64 <key:sha256:[0-9a-f]{16}> 0 [0-9]+:[0-9]+ 0$'
	q "$BATS_TEST_TMPDIR/l.json" 'dev("cr-key")["inactive"][0]["params"]' |
		grep -Eq '^aes-cbc-essiv:sha256 <key:sha256:[0-9a-f]{16}> 0 '
}

@test "paths and MAJ:MIN resolve to the device; missing ones say why" {
	a=$(make_loop 64M)
	dmsetup create rs --table "0 1000 linear $a 0"
	mm=$(dmsetup info -c --noheadings -o major,minor --separator : rs | tr -d ' ')
	vlive "$a" /dev/mapper/rs "$mm" /dev/nonexistent 7:250 /etc/hostname >"$BATS_TEST_TMPDIR/l.json"
	f=$BATS_TEST_TMPDIR/l.json
	[ "$(q "$f" 'res("'"$a"'")["found"]')" = true ]
	[ "$(q "$f" '"%d:%d" % (res("'"$a"'")["major"], res("'"$a"'")["minor"])')" = "$(devnum "$a")" ]
	[ "$(q "$f" 'res("/dev/mapper/rs")["devnode"]')" = "/dev/dm-${mm#*:}" ]
	[ "$(q "$f" 'res("'"$mm"'")["devnode"]')" = "/dev/dm-${mm#*:}" ]
	[ "$(q "$f" 'res("/dev/nonexistent")["found"]')" = false ]
	[ "$(q "$f" 'res("/dev/nonexistent")["error"]')" = "no such device '/dev/nonexistent'" ]
	[ "$(q "$f" 'res("7:250")["error"]')" = "no block device 7:250" ]
	[ "$(q "$f" 'res("/etc/hostname")["error"]')" = "'/etc/hostname' is not a block device" ]
	# and the requested devices are among the blockdevs
	q "$f" "bdev('$mm')['kname']" | grep -qx "dm-${mm#*:}"
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
	f=$BATS_TEST_TMPDIR/l.json
	# the key is sorted by property name
	[ "$(q "$f" 'res("udev:ID_FS_TYPE=ext4,ID_FS_UUID='"$uuid"'")["found"]')" = true ]
	[ "$(q "$f" 'res("udev:ID_FS_TYPE=ext4,ID_FS_UUID='"$uuid"'")["devnode"]')" = "$dev" ]
	[ "$(q "$f" '"%d:%d" % (d["resolutions"][0]["major"], d["resolutions"][0]["minor"])')" = "$(devnum "$dev")" ]
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
	[ "$(q "$f" 'res("udev:ID_FS_UUID='"$uuid"'")["found"]')" = false ]
	[ "$(q "$f" 'len(res("udev:ID_FS_UUID='"$uuid"'")["candidates"])')" = 2 ]
	q "$f" 'res("udev:ID_FS_UUID='"$uuid"'")["candidates"]' | grep -qF "\"$dev ("
	q "$f" 'res("udev:ID_FS_UUID='"$uuid"'")["candidates"]' | grep -qF "\"$copy ("
	err=$(q "$f" 'res("udev:ID_FS_UUID='"$uuid"'")["error"]')
	[[ $err == "2 block devices have udev properties ID_FS_UUID=$uuid: "* ]]
	[[ $err == *"$dev ("* && $err == *"$copy ("* ]]
	[ "$(q "$f" 'res("udev:ID_FS_UUID=00000000-dead-beef-0000-000000000000")["found"]')" = false ]
	q "$f" 'res("udev:ID_FS_UUID=00000000-dead-beef-0000-000000000000")["error"]' |
		grep -q "^no block device has udev properties ID_FS_UUID=00000000-dead-beef-0000-000000000000"
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
	f=$BATS_TEST_TMPDIR/l.json
	[ "$(q "$f" "\"$t\" in d['loadable_targets']")" = true ] || fail "$t not loadable: $(cat "$f")"
	[ "$(q "$f" '"nosuchtype" in d["loadable_targets"]')" = false ]
	[ "$(q "$f" '"linear" in d["loadable_targets"]')" = false ] # registered already
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
	[ "$(q "$BATS_TEST_TMPDIR/l.json" 'len([x for x in d["devices"] if x["name"].startswith("bulk") and x["name"] != "bulk-top"])')" = 500 ]
	# minors past 255 decode right (the kernel's huge dev_t encoding)
	[ "$(q "$BATS_TEST_TMPDIR/l.json" 'max(x["minor"] for x in d["devices"])')" -ge 500 ]
	[ "$(q "$BATS_TEST_TMPDIR/l.json" 'dev("bulk-top")["deps"][0]')" = "$top_dep" ]
	[ "$(q "$BATS_TEST_TMPDIR/l.json" 'dev("bulk500")["live"][0]["params"]')" = "$mm 1024000" ]
	# generous for an emulated (TCG) guest shared with other VMs
	awk -v s="$secs" 'BEGIN { exit !(s < 15) }'
	dmsetup --noudevsync remove bulk-top $(seq -f 'bulk%g' 1 500)
}
