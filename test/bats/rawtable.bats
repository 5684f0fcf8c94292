#!/usr/bin/env bats
# Table text in a spec (`table:` lines and `raw` targets) is read into
# targets once, where the spec is loaded: every target type vmapctl knows,
# and kernel types it does not, written with their devices as /dev paths,
# as "MAJ:MIN" and as /dev/mapper/VOLUME of the set, plans and applies on
# the real kernel, and a second plan finds nothing to change.  (A device
# reference found in such text used to point into a temporary object: a
# crash or "device ... is not available" for a device that exists.)

load helpers
bats_require_minimum_version 1.5.0

setup() { common_setup; }
teardown() { common_teardown; }

zero() { dd if=/dev/zero of="$1" bs=1M count="${2:-4}" conv=notrunc status=none; }

# applied: apply the spec set, then a plan must find nothing to change
applied() {
	run vmapctl plan --detailed-exitcode
	[ "$status" -eq 2 ] || fail "plan before apply ($status): $output"
	run vmapctl apply
	[ "$status" -eq 0 ] || fail "apply failed ($status): $output"
	run vmapctl plan --detailed-exitcode
	[ "$status" -eq 0 ] || fail "the applied tables do not match the spec ($status): $output"
}

# uses VOL DEV: the live table of VOL uses device DEV (dmsetup deps
# prints "(MAJ, MIN)")
uses() {
	local want
	want=$(devnum "$2")
	dmsetup deps -o devno "$1" | grep -qF "(${want/:/, })" ||
		fail "$1 does not use $2 ($want): $(dmsetup deps -o devno "$1") / $(dmsetup table "$1")"
}

@test "every known type as table: and raw, with paths, MAJ:MIN and volume references, applies and converges" {
	a=$(make_loop 64M); b=$(make_loop 64M); c=$(make_loop 64M)
	meta=$(make_loop 16M); data=$(make_loop 128M); cow=$(make_loop 64M)
	vdata=$(make_loop 16M); vhash=$(make_loop 16M); iv=$(make_loop 64M)
	r1=$(make_loop 32M); r2=$(make_loop 32M); m1=$(make_loop 32M)
	cmeta=$(make_loop 16M); cfast=$(make_loop 32M)
	zero "$meta"; zero "$cow"; zero "$iv" 64; zero "$cmeta"
	veritysetup format "$vdata" "$vhash" >"$BATS_TEST_TMPDIR/vf"
	root=$(awk '/^Root hash:/ { print $3 }' "$BATS_TEST_TMPDIR/vf")
	salt=$(awk '/^Salt:/ { print $2 }' "$BATS_TEST_TMPDIR/vf")
	key=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
	B=$(devnum "$b"); C=$(devnum "$c"); DATA=$(devnum "$data"); M1=$(devnum "$m1")
	write_spec all.yaml <<EOF
apiVersion: vmapctl/v1
volumes:
  # linear: a path, MAJ:MIN, and volumes of the set through /dev/mapper
  - name: lo-t
    table: "0 8192 linear $a 0"
  - name: lo-r
    targets:
      - {type: raw, target: linear, size: 8192, args: "$B 0"}
  - name: up-t
    table: |
      0 2048 linear /dev/mapper/lo-t 0
      2048 2048 linear /dev/mapper/lo-r 2048
  - name: up-r
    targets:
      - {type: raw, target: linear, size: 4096, args: "/dev/mapper/lo-r 4096"}
  - name: str
    table: "0 4096 striped 2 8 /dev/mapper/lo-t 4096 $C 0"
  - name: ze
    table: |
      0 8 zero
      8 8 error
  - name: ze-r
    targets:
      - {type: raw, target: zero, size: 8, args: ""}
      - {type: raw, target: error, size: 8}
  - name: cr-t
    table: "0 4096 crypt aes-xts-plain64 $key 0 $c 8192 1 allow_discards"
  - name: cr-r
    targets:
      - {type: raw, target: crypt, size: 2048, args: "aes-xts-plain64 $key 0 /dev/mapper/lo-r 0"}
  - name: mp
    table: "0 8192 multipath 0 0 1 1 round-robin 0 2 1 $a 1 $B 1"
  - name: pooldata
    table: "0 262144 linear $DATA 0"
  - name: pool
    table: "0 262144 thin-pool $meta /dev/mapper/pooldata 128 0 1 skip_block_zeroing"
  - name: orig
    table: "0 8192 snapshot-origin /dev/mapper/lo-t"
  - name: snap
    targets:
      - {type: raw, target: snapshot, size: 8192, args: "/dev/mapper/lo-t $cow P 16"}
  - name: dly
    table: "0 4096 delay $c 4096 0 /dev/mapper/lo-r 0 5"
  - name: flk
    targets:
      - {type: raw, target: flakey, size: 4096, args: "$C 12288 10 0"}
  - name: ver
    readOnly: true
    table: "0 24576 verity 1 $vdata $vhash 4096 4096 3072 1 sha256 $root $salt"
  - name: itg
    table: "0 100000 integrity $iv 0 4 J 0"
  - name: mir
    table: "0 8192 mirror core 1 1024 2 $M1 0 /dev/mapper/lo-t 0 1 handle_errors"
  - name: rd
    targets:
      - {type: raw, target: raid, size: 65536, args: "raid1 3 0 region_size 1024 2 - $r1 - $r2"}
  - name: cch
    table: "0 8192 cache $cmeta $cfast /dev/mapper/lo-r 64 1 writethrough default 0"
  # a kernel type vmapctl has no first-class support for: kept as words,
  # its device words resolved
  - name: uns
    table: |
      0 2048 unstriped 2 8 0 /dev/mapper/lo-t 0
      2048 2048 unstriped 2 8 1 $C 0
EOF
	applied
	uses lo-t "$a"
	uses lo-r "$b"
	uses up-t /dev/mapper/lo-t
	uses up-t /dev/mapper/lo-r
	uses up-r /dev/mapper/lo-r
	uses str "$c"
	uses cr-r /dev/mapper/lo-r
	uses mp "$b"
	uses pool /dev/mapper/pooldata
	uses snap "$cow"
	uses dly /dev/mapper/lo-r
	uses mir "$m1"
	uses cch /dev/mapper/lo-r
	uses uns "$c"

	# thin needs its id in the pool's metadata first (a message, not a table)
	dmsetup message pool 0 "create_thin 7"
	P=$(devnum /dev/mapper/pool)
	write_spec thin.yaml <<EOF
apiVersion: vmapctl/v1
volumes:
  - name: th-t
    table: "0 8192 thin /dev/mapper/pool 7"
  - name: th-r
    targets:
      - {type: raw, target: thin, size: 8192, args: "$P 7"}
EOF
	applied
	uses th-t /dev/mapper/pool
	uses th-r /dev/mapper/pool
}

@test "a raw multipath target naming its paths as /dev paths plans and applies (it crashed in udev_matches)" {
	a=$(make_loop 32M)
	b=$(make_loop 32M)
	write_spec mp.yaml <<EOF
apiVersion: vmapctl/v1
volumes:
  - name: mpr
    targets:
      - type: raw
        target: multipath
        size: 8192
        args: "0 0 1 1 service-time 0 2 2 $a 1 1 $b 1 1"
EOF
	applied
	uses mpr "$a"
	uses mpr "$b"
}
