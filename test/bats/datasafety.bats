#!/usr/bin/env bats
# Data identity and the remap gate (contract 5.9), on the real kernel: a
# config edit that would make a volume show other data is refused with
# exit 3 before anything is loaded or suspended, the data still readable;
# --allow-remap makes it; and a change that keeps every sector's data goes
# through without being asked.

load helpers
bats_require_minimum_version 1.5.0

setup() { common_setup; }
teardown() {
	common_teardown
	# two SCSI paths to one LUN (the multipath test); gone once no
	# device stands on them
	rmmod scsi_debug 2>/dev/null || true
}

zero() { dd if=/dev/zero of="$1" bs=1M count="${2:-4}" conv=notrunc status=none; }

# sentinel DEV SECTOR [TAG]: a random 4 KiB block at SECTOR (a multiple of
# 8) of DEV, kept as TAG (default: the device's name); sentinel_ok DEV
# SECTOR [TAG]: it reads back the same.  Whole 4 KiB blocks with O_DIRECT:
# the cache must not answer, and some devices (verity) take nothing
# smaller.
sentinel() {
	head -c 4096 /dev/urandom >"$BATS_TEST_TMPDIR/s.${3:-$(basename "$1")}"
	dd if="$BATS_TEST_TMPDIR/s.${3:-$(basename "$1")}" of="$1" bs=4096 seek=$(($2 / 8)) \
		count=1 oflag=direct conv=notrunc status=none
}
sentinel_ok() { untraced _sentinel_ok "$@"; }
_sentinel_ok() {
	local got
	got=$(dd if="$1" bs=4096 skip=$(($2 / 8)) count=1 iflag=direct status=none | sha256sum)
	[ "$got" = "$(sha256sum <"$BATS_TEST_TMPDIR/s.${3:-$(basename "$1")}")" ] ||
		fail "the data at sector $2 of $1 is not what was written there"
}

# nothing of NAMES is suspended or has an inactive table
untouched() { untraced _untouched "$@"; }
_untouched() {
	local n attr
	for n in "$@"; do
		attr=$(dmsetup info -c --noheadings -o attr "$n")
		[[ $attr != ??s* ]] || fail "$n was left suspended ($attr)"
		[[ $attr != ????i* ]] || fail "$n was left with an inactive table ($attr)"
	done
}

KEY=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
KEY2=ff0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f

@test "changes that would show other data are refused before anything is touched, and made with --allow-remap" {
	a=$(make_loop 64M); b=$(make_loop 64M); s1=$(make_loop 32M); s2=$(make_loop 32M)
	c=$(make_loop 32M); meta=$(make_loop 16M); data=$(make_loop 64M)
	origin=$(make_loop 32M); cow1=$(make_loop 32M); cow2=$(make_loop 32M)
	vdata=$(make_loop 16M); vhash=$(make_loop 16M); iv=$(make_loop 64M)
	m1=$(make_loop 32M); m2=$(make_loop 32M)
	zero "$meta"; zero "$cow1"; zero "$cow2"; zero "$iv" 64
	# the data verity checks: a sentinel first, then the hash tree
	sentinel "$vdata" 4096 ver
	veritysetup format "$vdata" "$vhash" >"$BATS_TEST_TMPDIR/vf"
	root=$(awk '/^Root hash:/ { print $3 }' "$BATS_TEST_TMPDIR/vf")
	# another root hash: the first digit changed
	if [ "${root:0:1}" = a ]; then root2=b${root:1}; else root2=a${root:1}; fi
	salt=$(awk '/^Salt:/ { print $2 }' "$BATS_TEST_TMPDIR/vf")
	# spec VARIANT: the old (0) or new (1) form of each volume
	spec() {
		local v=$1
		local off=(2048 4096) dev=("$a" "$b") chunk=(8 16) ckey=("$KEY" "$KEY2")
		local cow=("$cow1" "$cow2") rh=("$root" "$root2") ih=(crc32c crc32)
		local mp=("$m1" "$m2")
		write_spec remap.yaml <<EOF
apiVersion: vmapctl/v1
volumes:
  - name: lin-dev
    targets: [{type: linear, size: 16384, device: ${dev[$v]}, offset: 2048}]
  - name: lin-off
    targets: [{type: linear, size: 16384, device: $a, offset: $((40000 + ${off[$v]}))}]
  - name: str
    targets:
      - type: striped
        size: 16384
        chunkSize: ${chunk[$v]}
        stripes: [{device: $s1}, {device: $s2}]
  - name: cr
    targets:
      - {type: crypt, size: 16384, cipher: aes-xts-plain64, key: {hex: "${ckey[$v]}"}, device: $c}
  - name: th
    table: "0 16384 thin /dev/mapper/pool $((v + 1))"
  - name: sn
    table: "0 16384 snapshot $origin ${cow[$v]} P 16"
  - name: ver
    readOnly: true
    table: "0 16384 verity 1 $vdata $vhash 4096 4096 2048 1 sha256 ${rh[$v]} $salt"
  - name: itg
    table: "0 16384 integrity $iv 0 4 J 1 internal_hash:${ih[$v]}"
  - name: mp
    table: "0 16384 multipath 0 0 1 1 round-robin 0 1 1 ${mp[$v]} 1"
EOF
	}
	vols=(lin-dev lin-off str cr th sn ver itg mp)
	# the pool first, then its thin devices (their ids are created by a
	# message, not by a table)
	write_spec pool.yaml <<EOF
apiVersion: vmapctl/v1
volumes:
  - name: pool
    table: "0 131072 thin-pool $meta $data 128 0"
EOF
	run -0 vmapctl apply
	dmsetup message pool 0 "create_thin 1"
	dmsetup message pool 0 "create_thin 2"
	spec 0
	run vmapctl apply
	assert_success
	for v in "${vols[@]}"; do
		[ "$v" = ver ] || sentinel "/dev/mapper/$v" 4096
	done
	sentinel_ok /dev/mapper/ver 4096
	for v in "${vols[@]}"; do dmsetup table --showkeys "$v"; done >"$BATS_TEST_TMPDIR/before"

	spec 1
	run vmapctl apply
	[ "$status" -eq 3 ] || fail "expected exit 3 (refused), got $status: $output"
	for v in "${vols[@]}"; do
		assert_output --partial "volume '$v': would show other data: sectors "
	done
	assert_output --partial "volume 'lin-dev': would show other data: sectors 0..16383, 16384 sectors (8 MiB): 'linear $(devnum "$a") 2048' from its sector 0 -> 'linear $(devnum "$b") 2048' from its sector 0"
	assert_output --partial "--allow-remap"
	untouched "${vols[@]}"
	for v in "${vols[@]}"; do dmsetup table --showkeys "$v"; done >"$BATS_TEST_TMPDIR/after"
	diff "$BATS_TEST_TMPDIR/before" "$BATS_TEST_TMPDIR/after" || fail "a refused apply changed a table"
	for v in "${vols[@]}"; do
		sentinel_ok "/dev/mapper/$v" 4096
	done

	# the plan says so in JSON too, and it matches the schema
	vmapctl plan --json >"$BATS_TEST_TMPDIR/plan.json" || true
	run /usr/bin/python3 "$TOP/test/tools/json-check.py" \
		"$TOP/schema/plan.schema.json=$BATS_TEST_TMPDIR/plan.json"
	assert_success
	run /usr/bin/python3 -c 'import json, sys
p = json.load(open(sys.argv[1]))["plan"]
v = {x["name"]: x for x in p["volumes"]}
for n in sys.argv[2:]:
    assert v[n]["risk"] == "destructive", (n, v[n])
    assert "remapped" in [r["class"] for r in v[n]["ranges"]], (n, v[n]["ranges"])
assert [r["class"] for r in v["lin-dev"]["ranges"]] == ["remapped"], v["lin-dev"]
r = v["lin-dev"]["ranges"][0]
assert r["start"] == 0 and r["length"] == 16384 and r["old"].startswith("linear "), r
assert not p["steps"], p["steps"]' "$BATS_TEST_TMPDIR/plan.json" "${vols[@]}"
	assert_success

	run vmapctl apply --allow-remap
	assert_success
	run -0 vmapctl plan --detailed-exitcode
	# every volume took its new table
	for v in "${vols[@]}"; do
		if [ "$(dmsetup table --showkeys "$v")" = "$(grep -m1 -F "$(dmsetup table --showkeys "$v")" "$BATS_TEST_TMPDIR/before")" ]; then
			fail "--allow-remap left $v on its old table: $(dmsetup table "$v")"
		fi
	done
	[[ $(dmsetup table lin-dev) == *" $(devnum "$b") 2048" ]] || fail "lin-dev: $(dmsetup table lin-dev)"
}

@test "a volume's allow: [remap] permits it for that volume alone" {
	a=$(make_loop 32M); b=$(make_loop 32M)
	write_spec v.yaml <<EOF
apiVersion: vmapctl/v1
volumes:
  - name: free
    targets: [{type: linear, size: 8192, device: $a}]
  - name: kept
    targets: [{type: linear, size: 8192, device: $a, offset: 8192}]
EOF
	run -0 vmapctl apply
	write_spec v.yaml <<EOF
apiVersion: vmapctl/v1
volumes:
  - name: free
    allow: [remap]
    targets: [{type: linear, size: 8192, device: $b}]
  - name: kept
    targets: [{type: linear, size: 8192, device: $b, offset: 8192}]
EOF
	run -3 vmapctl apply
	assert_output --partial "volume 'kept': would show other data"
	refute_output --partial "volume 'free'"
	sed -i 's/^  - name: kept$/  - name: kept\n    allow: [remap]/' "$VMAPCTL_SPEC_DIR/v.yaml"
	run -0 vmapctl apply
	[[ $(dmsetup table kept) == *" $(devnum "$b") 8192" ]]
}

@test "changes that keep every sector's data go through without being asked, the data intact" {
	a=$(make_loop 64M); b=$(make_loop 64M); c=$(make_loop 32M); d=$(make_loop 32M)
	meta=$(make_loop 16M); data=$(make_loop 64M)
	zero "$meta"
	# two SCSI paths to one LUN: udev gives both the same ID_WWN
	modprobe scsi_debug add_host=2 vpd_use_hostno=0 dev_size_mb=16
	udevadm settle
	paths=($(for s in /sys/block/sd*; do
		[ "$(cat "$s/device/model" 2>/dev/null | tr -d ' ')" = scsi_debug ] && echo "/dev/${s##*/}"
	done))
	[ ${#paths[@]} -eq 2 ] || fail "expected two scsi_debug paths, found: ${paths[*]}"
	[ "$(udevadm info -q property -n "${paths[0]}" | grep ^ID_WWN=)" = \
		"$(udevadm info -q property -n "${paths[1]}" | grep ^ID_WWN=)" ] || fail "the paths are not one LUN"
	spec() {
		local v=$1
		local grow=("" "      - {type: linear, size: 8192, device: $b}")
		local split=("0 8192 linear $a 20000" "0 3000 linear $a 20000
      3000 5192 linear $a 23000")
		local disc=("" ", allowDiscards: true") lwm=(10 20) dl=(0 50)
		local mpp=("1 1 ${paths[0]} 1" "2 1 ${paths[0]} 1 ${paths[1]} 1")
		local fill=("zero" "linear $d 0")
		write_spec keep.yaml <<EOF
apiVersion: vmapctl/v1
volumes:
  - name: grow
    targets:
      - {type: linear, size: 8192, device: $a}
${grow[$v]}
  - name: split
    table: |
      ${split[$v]}
  - name: cr
    targets:
      - {type: crypt, size: 8192, cipher: aes-xts-plain64, key: {hex: "$KEY"}, device: $c${disc[$v]}}
  - name: mp
    table: "0 16384 multipath 0 0 1 1 round-robin 0 ${mpp[$v]}"
  - name: fill
    table: "0 8192 ${fill[$v]}"
  - name: pool
    table: "0 131072 thin-pool $meta $data 128 ${lwm[$v]}"
  - name: dly
    table: "0 8192 delay $a 40000 ${dl[$v]}"
EOF
	}
	spec 0
	run -0 vmapctl apply
	dmsetup message pool 0 "create_thin 1"
	write_spec thin.yaml <<EOF
apiVersion: vmapctl/v1
volumes:
  - name: th
    table: "0 8192 thin /dev/mapper/pool 1"
EOF
	run -0 vmapctl apply
	for v in grow split cr mp th dly; do sentinel "/dev/mapper/$v" 1024; done

	spec 1
	run vmapctl apply --detailed-exitcode
	[ "$status" -eq 2 ] || fail "expected the changes to be made (exit 2), got $status: $output"
	run -0 vmapctl plan --detailed-exitcode
	for v in grow split cr mp th dly; do sentinel_ok "/dev/mapper/$v" 1024; done
	[ "$(blockdev --getsz /dev/mapper/grow)" -eq 16384 ]
	[ "$(dmsetup table split | wc -l)" -eq 2 ]
	[[ $(dmsetup table cr) == *allow_discards* ]]
	[[ $(dmsetup table mp) == *"$(devnum "${paths[1]}")"* ]]
	[[ $(dmsetup table fill) == *linear* ]]
}
