#!/usr/bin/env bats
# The normaliser against the real kernel: for every target type, a table
# written the way a user would (paths, features out of order, odd case,
# extra blanks) is loaded as it is, and the text the kernel reports back
# (dmsetup table --showkeys) must equal what vmap-normalise predicted for
# it, character for character.  Then the prediction itself is reloaded and
# must come back unchanged, and the live text must canonicalise to what
# plan compares the desired table with.

load helpers

setup() { common_setup; }
teardown() { common_teardown; }

norm() { "$VMAPCTL_TOOLS/vmap-normalise" "$@"; }

# kernel_agrees NAME LINE...: the check described above.  KA_RO=1 loads
# read-only (verity); KA_NO_RELOAD=1 skips the reload of the prediction.
# One vmap-normalise run (--agree) gives the prediction and both canonical
# forms: each start of the sanitizer build costs about 200 ms in the
# emulated VM, and this runs some eighty times.  The prediction is made
# after the create (the create loads the user's text, not the prediction).
# Here-strings, not pipes: each pipe would fork a subshell.
kernel_agrees() { untraced _kernel_agrees "$@"; }
_kernel_agrees() {
	local name=$1
	shift
	local ro=() user want got out rest canon_live canon_user
	[ -z "${KA_RO:-}" ] || ro=(--readonly)
	printf -v user '%s\n' "$@"
	user=${user%$'\n'}
	dmsetup create "${ro[@]}" "$name" <<<"$user" ||
		fail "the kernel refused the user's table: $user"
	got=$(dmsetup table --showkeys "$name")
	out=$(norm --agree <<<"$user"$'\n--\n'"$got") ||
		fail "$(printf 'the normaliser refused the user'"'"'s or the live text:\nuser:   [%s]\nkernel: [%s]' "$user" "$got")"
	# three parts: the prediction, the user's canonical form, the live one
	[[ $out == *$'\n--\n'*$'\n--\n'* ]] || fail "not three parts from the normaliser: [$out]"
	want=${out%%$'\n--\n'*}
	rest=${out#*$'\n--\n'}
	canon_user=${rest%%$'\n--\n'*}
	canon_live=${rest#*$'\n--\n'}
	[ "$got" = "$want" ] || fail "$(printf 'user:       [%s]\nkernel:     [%s]\nnormaliser: [%s]' "$user" "$got" "$want")"
	[ "$canon_live" = "$canon_user" ] ||
		fail "$(printf 'canonical live: [%s]\ncanonical user: [%s]' "$canon_live" "$canon_user")"
	[ -z "${KA_NO_RELOAD:-}" ] || return 0
	dmsetup reload "${ro[@]}" "$name" <<<"$want" || fail "the kernel refused the prediction: $want"
	dmsetup resume "$name"
	got=$(dmsetup table --showkeys "$name")
	[ "$got" = "$want" ] || fail "$(printf 'after reloading the prediction:\nkernel:     [%s]\nnormaliser: [%s]' "$got" "$want")"
}

# zero DEV [MIB]: clear the start of a device (metadata the kernel formats).
# BLKZEROOUT: the loop device zeroes the range of its file (and the page
# cache), 0.2 s for 64 MiB in the emulated VM where dd takes 0.5 s
zero() {
	blkdiscard -z -l "${2:-4}M" "$1"
}

@test "linear, striped, zero and error come back as the normaliser writes them" {
	a=$(make_loop 64M)
	b=$(make_loop 64M)
	kernel_agrees n-lin "0   8192 linear   $a    0016"
	kernel_agrees n-str "0 16384 striped 2 128 $a 0 $b 2048"
	kernel_agrees n-mix "0 2048 zero" "2048 2048 error" "4096 4096 linear $b 8"
}

@test "crypt: key in lowercase hex, features recounted in kernel order" {
	a=$(make_loop 64M)
	key=000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F
	kernel_agrees n-c1 "0 8192 crypt aes-xts-plain64 $key 0 $a 0"
	kernel_agrees n-c2 "0 8192 crypt aes-xts-plain64 $key 0 $a 16 5 SAME_CPU_CRYPT no_write_workqueue sector_size:4096 allow_discards iv_large_sectors"
	kernel_agrees n-c3 "0 8192 crypt aes-cbc-essiv:sha256 ${key:0:32} 7 $a 0 4 submit_from_crypt_cpus no_read_workqueue same_cpu_crypt allow_discards"
	# sector_size:512 is the default and an empty feature group is dropped
	kernel_agrees n-c4 "0 8192 crypt aes-xts-plain64 $key 0 $a 0 1 sector_size:512"
	kernel_agrees n-c5 "0 8192 crypt aes-xts-plain64 $key 0 $a 0 0"
	kernel_agrees n-c6 "0 8192 crypt cipher_null-ecb - 0 $a 0"
	kernel_agrees n-c7 "0 8192 crypt capi:xts(aes)-plain64 $key 0 $a 0"
}

@test "crypt: CANON mode shows a digest where the kernel shows the key" {
	a=$(make_loop 64M)
	key=00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff
	run norm --canon --table "0 8192 crypt aes-xts-plain64 $key 0 $a 0"
	assert_success
	refute_output --partial "$key"
	assert_output --regexp 'crypt aes-xts-plain64 <key:sha256:[0-9a-f]{16}> 0 [0-9]+:[0-9]+ 0$'
}

@test "crypt: a keyring key is kept as :size:type:description, a key file as hex" {
	a=$(make_loop 64M)
	head -c 32 /dev/urandom >"$BATS_TEST_TMPDIR/key"
	# the user keyring: reachable from every process of this user (a new
	# session keyring made for keyctl alone would die with it)
	keyctl padd logon vmap:nk1 @u <"$BATS_TEST_TMPDIR/key" >/dev/null
	kernel_agrees n-kr "0 8192 crypt aes-cbc-essiv:sha256 :32:logon:vmap:nk1 0 $a 0 2 same_cpu_crypt allow_discards"
	cat >"$BATS_TEST_TMPDIR/k.yaml" <<EOF
apiVersion: vmapctl/v1
volumes:
  - name: k-ring
    targets:
      - type: crypt
        size: 8192
        cipher: aes-cbc-essiv:sha256
        key: {keyring: "logon:vmap:nk1"}
        keySize: 32
        device: $a
  - name: k-file
    targets:
      - type: crypt
        cipher: aes-cbc-essiv:sha256
        key: {file: "$BATS_TEST_TMPDIR/key"}
        device: $a
        offset: 8
        ivOffset: 8
EOF
	for v in k-ring k-file; do
		want=$(norm -f "$BATS_TEST_TMPDIR/k.yaml" --volume "$v") || fail "normaliser refused volume $v"
		printf '%s\n' "$want" | dmsetup create "$v" || fail "the kernel refused $v: $want"
		got=$(dmsetup table --showkeys "$v")
		[ "$got" = "$want" ] || fail "$(printf '%s\nkernel:     [%s]\nnormaliser: [%s]' "$v" "$got" "$want")"
	done
	# the size left out is the rest of the device after the offset
	[[ "$(dmsetup table k-file)" == "0 131064 crypt "* ]]
	[[ "$(dmsetup table --showkeys k-file)" == *" $(od -An -tx1 -v "$BATS_TEST_TMPDIR/key" | tr -d ' \n') 8 "* ]]
}

@test "multipath: round-robin repeat_count forced to 1, feature count recomputed" {
	a=$(make_loop 64M)
	b=$(make_loop 64M)
	c=$(make_loop 64M)
	kernel_agrees n-m1 "0 8192 multipath 0 0 1 1 round-robin 0 2 1 $a 1000 $b 1000"
	kernel_agrees n-m2 "0 8192 multipath 1 queue_if_no_path 0 1 1 round-robin 0 2 0 $a $b"
	kernel_agrees n-m3 "0 8192 multipath 5 pg_init_retries 3 pg_init_delay_msecs 500 retain_attached_hw_handler 0 2 2 queue-length 0 1 1 $a 0 service-time 0 2 2 $b 7 50 $c 0 0"
	kernel_agrees n-m4 "0 8192 multipath 0 0 2 1 round-robin 1 ignored 1 1 $a 0 service-time 0 1 0 $b"
	kernel_agrees n-m5 "0 8192 multipath 2 pg_init_delay_msecs 2000 0 1 1 queue-length 0 1 1 $a 5"
}

@test "multipath: queue_mode rq/mq dropped, bio brings retain_attached_hw_handler" {
	a=$(make_loop 64M)
	kernel_agrees n-q1 "0 8192 multipath 2 queue_mode rq 0 1 1 round-robin 0 1 1 $a 5"
	kernel_agrees n-q2 "0 8192 multipath 2 QUEUE_MODE MQ 0 1 1 round-robin 0 1 1 $a 5"
	kernel_agrees n-q3 "0 8192 multipath 2 queue_mode bio 0 1 1 round-robin 0 1 1 $a 5"
	# a bio-based multipath drops the hardware handler altogether
	kernel_agrees n-q4 "0 8192 multipath 2 queue_mode bio 2 emc 1 1 1 round-robin 0 1 1 $a 1"
	[ -e /sys/block/"$(basename "$(readlink -f /dev/mapper/n-q3)")"/mq ] && fail "n-q3 should be bio-based"
	[ -e /sys/block/"$(basename "$(readlink -f /dev/mapper/n-q1)")"/mq ] || fail "n-q1 should be request-based"
}

@test "multipath: hardware handler arguments are dropped, the handler kept" {
	# loop devices cannot take a SCSI handler, so no paths here
	kernel_agrees n-h1 "0 8192 multipath 0 3 emc 1 1 0 0"
	kernel_agrees n-h2 "0 8192 multipath 0 2 alua 7 0 0"
	kernel_agrees n-h3 "0 8192 multipath 0 0 0 0"
}

@test "thin-pool: features in kernel order, trailing space; thin with external origin" {
	meta=$(make_loop 64M)
	data=$(make_loop 256M)
	ext=$(make_loop 64M)
	zero "$meta"
	kernel_agrees n-pool "0 524288 thin-pool $meta $data 128 10 2 no_discard_passdown SKIP_BLOCK_ZEROING"
	dmsetup message n-pool 0 "create_thin 0"
	dmsetup message n-pool 0 "create_thin 1"
	kernel_agrees n-thin0 "0 20000 thin /dev/mapper/n-pool 0"
	kernel_agrees n-thin1 "0 20000 thin /dev/mapper/n-pool   1 $ext"
	dmsetup remove n-thin0 n-thin1 n-pool
	# read_only needs formatted metadata: the pool above formatted it
	kernel_agrees n-pool2 "0 524288 thin-pool $meta $data 128 0 4 error_if_no_space read_only no_discard_passdown skip_block_zeroing"
	dmsetup remove n-pool2
	kernel_agrees n-pool3 "0 524288 thin-pool $meta $data 128 0 4 ignore_discard read_only no_discard_passdown skip_block_zeroing"
	dmsetup remove n-pool3
	kernel_agrees n-pool4 "0 524288 thin-pool $meta $data 128 0"
}

@test "snapshot-origin and snapshot: store type in capitals, features in kernel order" {
	origin=$(make_loop 64M)
	cow=$(make_loop 64M)
	kernel_agrees n-orig "0 131072 snapshot-origin $origin"
	zero "$cow"
	kernel_agrees n-s1 "0 131072 snapshot $origin $cow p 16 2 discard_passdown_origin discard_zeroes_cow"
	dmsetup remove n-s1
	zero "$cow"
	kernel_agrees n-s2 "0 131072 snapshot $origin $cow po 16"
	dmsetup remove n-s2
	zero "$cow"
	kernel_agrees n-s3 "0 131072 snapshot $origin $cow n 32 1 DISCARD_ZEROES_COW"
}

@test "snapshot: a persistent store keeps its chunk size (the one value taken from disk)" {
	origin=$(make_loop 64M)
	cow=$(make_loop 64M)
	zero "$cow"
	dmsetup create n-so --table "0 131072 snapshot-origin $origin"
	dmsetup create n-sa --table "0 131072 snapshot $origin $cow P 8"
	dmsetup remove n-sa
	dmsetup create n-sb --table "0 131072 snapshot $origin $cow P 64"
	run dmsetup table n-sb
	assert_output --partial " P 8"
	run norm --table "0 131072 snapshot $origin $cow P 64"
	assert_output --partial " P 64"
}

@test "delay: the 3, 6 and 9 argument forms" {
	a=$(make_loop 64M)
	b=$(make_loop 64M)
	c=$(make_loop 64M)
	kernel_agrees n-d1 "0 8192 delay $a 0 10"
	kernel_agrees n-d2 "0 8192 delay $a 16 10   $b 32 20"
	kernel_agrees n-d3 "0 8192 delay $a 16 10 $b 32 20 $c 0 0"
}

@test "flakey: feature count always there, every word followed by a space" {
	a=$(make_loop 64M)
	kernel_agrees n-f1 "0 8192 flakey $a 0 1 0"
	kernel_agrees n-f2 "0 8192 flakey $a 0 5 5 1 DROP_WRITES"
	kernel_agrees n-f3 "0 8192 flakey $a 0 5 5 1 error_writes"
	kernel_agrees n-f4 "0 8192 flakey $a 0 5 5 5 corrupt_bio_byte 32 W 1 0"
	kernel_agrees n-f5 "0 8192 flakey $a 0 5 5 6 corrupt_bio_byte 32 r 255 4 error_writes"
}

@test "verity: digest and salt in lowercase, options recounted in kernel order" {
	# small: veritysetup hashes and encodes FEC over the whole device, slow
	# in the emulator, and the table text is the same at any size
	data=$(make_loop 8M)
	hash=$(make_loop 8M)
	fec=$(make_loop 8M)
	dd if=/dev/urandom of="$data" bs=1M count=2 status=none
	veritysetup format --fec-device="$fec" --fec-roots=2 "$data" "$hash" >"$BATS_TEST_TMPDIR/vf"
	root=$(awk '/^Root hash:/ { print $3 }' "$BATS_TEST_TMPDIR/vf")
	salt=$(awk '/^Salt:/ { print $2 }' "$BATS_TEST_TMPDIR/vf")
	nb=$(awk '/^Data blocks:/ { print $3 }' "$BATS_TEST_TMPDIR/vf")
	# veritysetup's "FEC blocks" is the size of the FEC data; the table
	# wants the blocks FEC covers: take them from the table it loads
	veritysetup open --fec-device="$fec" --fec-roots=2 "$data" n-vs "$hash" "$root"
	fb=$(dmsetup table n-vs | sed 's/.* fec_blocks \([0-9]*\) .*/\1/')
	veritysetup close n-vs
	len=$((nb * 8))
	export KA_RO=1
	kernel_agrees n-v1 "0 $len verity 1 $data $hash 4096 4096 $nb 1 sha256 ${root^^} ${salt^^}"
	kernel_agrees n-v2 "0 $len verity 1 $data $hash 4096 4096 $nb 1 sha256 $root $salt 4 try_verify_in_tasklet check_at_most_once ignore_zero_blocks restart_on_corruption"
	kernel_agrees n-v3 "0 $len verity 1 $data $hash 4096 4096 $nb 1 sha256 $root $salt 2 ignore_corruption ignore_zero_blocks"
	kernel_agrees n-v4 "0 $len verity 1 $data $hash 4096 4096 $nb 1 sha256 $root $salt 9 fec_roots 2 fec_blocks $fb check_at_most_once fec_start 0 use_fec_from_device $fec"
	# fec_start defaults to 0 and is reported; fec_roots must be given (the
	# 6.1 kernel refuses a FEC device without it: "Missing fec_roots")
	kernel_agrees n-v5 "0 $len verity 1 $data $hash 4096 4096 $nb 1 sha256 $root $salt 7 panic_on_corruption use_fec_from_device $fec fec_roots 2 fec_blocks $fb"
	kernel_agrees n-v6 "0 $len verity 1 $data $hash 4096 4096 $nb 1 sha256 $root $salt 0"
	veritysetup format --no-superblock --salt=- "$data" "$hash" >"$BATS_TEST_TMPDIR/vf2"
	root2=$(awk '/^Root hash:/ { print $3 }' "$BATS_TEST_TMPDIR/vf2")
	dmsetup remove n-v1 n-v2 n-v3 n-v4 n-v5 n-v6
	kernel_agrees n-v7 "0 $len verity 1 $data $hash 4096 4096 $nb 0 sha256 $root2 -"
}

@test "integrity: defaults filled in from the device size, mode-specific options" {
	a=$(make_loop 64M)
	big=$(make_loop 256M)
	# the kernel formats a zeroed device with the table's values
	zero "$a" 64
	kernel_agrees n-i1 "0 100000 integrity $a 0 4 J 0"
	dmsetup remove n-i1
	zero "$a" 64
	kernel_agrees n-i2 "0 100000 integrity $a 0 4 D 1 internal_hash:crc32c"
	dmsetup remove n-i2
	zero "$big" 64
	kernel_agrees n-i3 "0 400000 integrity $big 0 4 J 1 internal_hash:crc32c"
}

@test "integrity: sizes rounded to powers of two, watermark and bitmap values as the kernel keeps them" {
	a=$(make_loop 64M)
	zero "$a" 64
	kernel_agrees n-i4 "0 100000 integrity $a 0 4 B 4 sectors_per_bit:1000 bitmap_flush_interval:1000 block_size:4096 internal_hash:crc32c"
	dmsetup remove n-i4
	zero "$a" 64
	# a small interleave means more tag runs, each padded: less room for data
	kernel_agrees n-i5 "0 50000 integrity $a 0 4 J 7 journal_sectors:1000 interleave_sectors:1000 buffer_sectors:100 journal_watermark:33 commit_time:1234 allow_discards internal_hash:crc32c"
	dmsetup remove n-i5
	zero "$a" 64
	# fix_padding shrinks the tag area, and the buffer with it
	kernel_agrees n-i6 "0 100000 integrity $a 0 4 J 4 fix_padding interleave_sectors:512 buffer_sectors:128 journal_watermark:7"
	dmsetup remove n-i6
	zero "$a" 64
	# big tags (252 bytes, the largest the kernel takes) make a journal
	# section of few entries: a 1% watermark comes back as 0%
	kernel_agrees n-i7 "0 40000 integrity $a 0 252 J 2 journal_sectors:0 journal_watermark:1"
}

@test "integrity: keyed hashes, meta device, block size, flags" {
	a=$(make_loop 64M)
	m=$(make_loop 64M)
	b4k=$(make_loop 64M 4096)
	zero "$a" 64
	kernel_agrees n-k1 "0 100000 integrity $a 0 32 J 4 internal_hash:hmac(sha256):00112233445566778899aabbccddeeff journal_crypt:cbc(aes):00112233445566778899aabbccddeeff journal_mac:hmac(sha256):0011223344 fix_hmac"
	dmsetup remove n-k1
	zero "$a" 64
	zero "$m" 64
	kernel_agrees n-k2 "0 100000 integrity $a 0 4 J 2 meta_device:$m fix_padding"
	dmsetup remove n-k2
	zero "$a" 64
	kernel_agrees n-k3 "0 100000 integrity $a 0 4 J 2 legacy_recalculate fix_hmac"
	zero "$b4k" 64
	kernel_agrees n-k4 "0 100000 integrity $b4k 0 4 J 1 block_size:4096"
	# the kernel reports a key as it was written: one loaded in capitals by
	# another tool still compares equal to vmapctl's lowercase one
	dmsetup remove n-k3
	zero "$a" 64
	upper="0 100000 integrity $a 0 32 J 1 internal_hash:hmac(sha256):00112233445566778899AABBCCDDEEFF"
	dmsetup create n-k5 --table "$upper"
	[[ "$(dmsetup table --showkeys n-k5)" == *":00112233445566778899AABBCCDDEEFF" ]]
	[ "$(dmsetup table --showkeys n-k5 | norm --canon --live)" = "$(norm --canon --table "${upper/AABBCCDDEEFF/aabbccddeeff}")" ]
	run norm --canon --table "0 100000 integrity $a 0 32 J 1 internal_hash:hmac(sha256):00112233445566778899aabbccddeeff"
	assert_success
	refute_output --partial 00112233445566778899aabbccddeeff
	assert_output --regexp 'internal_hash:hmac\(sha256\):<key:sha256:[0-9a-f]{16}>$'
}

@test "mirror: log arguments recounted, features in kernel order, no trailing space" {
	a=$(make_loop 64M)
	b=$(make_loop 64M)
	c=$(make_loop 64M)
	d=$(make_loop 64M)
	kernel_agrees n-r1 "0 8192 mirror core 1 1024 2 $a 0 $b 0"
	kernel_agrees n-r2 "0 8192 mirror core 2 1024 nosync 2 $a 0 $b 0 1 handle_errors"
	kernel_agrees n-r3 "0 8192 mirror core 2 1024 sync 2 $a 0 $b 0 2 keep_log handle_errors"
	kernel_agrees n-r4 "0 8192 mirror disk 2 $c 1024 3 $a 0 $b 8 $d 0"
	dmsetup remove n-r4
	kernel_agrees n-r5 "0 8192 mirror disk 3 $c 1024 nosync 2 $a 0 $b 8 1 handle_errors"
}

@test "raid: parameters in kernel order, raid1 chunk size reported as 0" {
	m0=$(make_loop 64M)
	m1=$(make_loop 64M)
	d0=$(make_loop 64M)
	d1=$(make_loop 64M)
	zero "$m0"
	zero "$m1"
	# daemon_sleep of a second or more: with less the kernel writes a bitmap
	# superblock it then refuses on every reload ("daemon sleep period out
	# of range")
	kernel_agrees n-a1 "0 65536 raid raid1 10 128 max_recovery_rate 1000 min_recovery_rate 10 daemon_sleep 5000 nosync write_mostly 1 2 $m0 $d0 $m1 $d1"
	dmsetup remove n-a1
	zero "$m0"
	zero "$m1"
	kernel_agrees n-a2 "0 65536 raid RAID1 4 0 region_size 1024 sync 2 $m0 $d0 $m1 $d1"
	dmsetup remove n-a2
	kernel_agrees n-a3 "0 65536 raid raid0 1 128 2 - $d0 - $d1"
	dmsetup remove n-a3
	zero "$m0"
	zero "$m1"
	kernel_agrees n-a4 "0 65536 raid raid10 5 64 raid10_format near raid10_copies 2 2 $m0 $d0 $m1 $d1"
}

@test "raid: raid4/5/6 with stripe cache, journal and region size" {
	for i in 0 1 2 3 4; do
		eval "m$i=\$(make_loop 64M)"
		eval "d$i=\$(make_loop 64M)"
	done
	for m in "$m0" "$m1" "$m2" "$m3" "$m4"; do zero "$m"; done
	kernel_agrees n-b1 "0 65536 raid raid5_ls 3 64 stripe_cache 4096 3 $m0 $d0 $m1 $d1 $m2 $d2"
	dmsetup remove n-b1
	for m in "$m0" "$m1" "$m2" "$m3" "$m4"; do zero "$m"; done
	kernel_agrees n-b2 "0 65536 raid raid5_ls 5 64 journal_dev $m4 journal_mode writeback 3 $m0 $d0 $m1 $d1 $m2 $d2"
	dmsetup remove n-b2
	for m in "$m0" "$m1" "$m2" "$m3" "$m4"; do zero "$m"; done
	kernel_agrees n-b3 "0 65536 raid raid6_nc 3 64 region_size 8192 4 $m0 $d0 $m1 $d1 $m2 $d2 $m3 $d3"
	dmsetup remove n-b3
	kernel_agrees n-b4 "0 65536 raid raid4 3 64 region_size 4096 3 - $d0 - $d1 - $d2"
}

@test "raid: max_write_behind is reported halved; plan's comparison still converges" {
	m0=$(make_loop 64M)
	m1=$(make_loop 64M)
	d0=$(make_loop 64M)
	d1=$(make_loop 64M)
	zero "$m0"
	zero "$m1"
	user="0 65536 raid raid1 5 0 max_write_behind 512 write_mostly 1 2 $m0 $d0 $m1 $d1"
	dmsetup create n-w --table "$user"
	got=$(dmsetup table n-w)
	[[ "$got" == *"max_write_behind 256 "* ]] || fail "the kernel no longer halves it: $got"
	# what is loaded is the user's value; what is compared is the kernel's
	[[ "$(norm --table "$user")" == *"max_write_behind 512 "* ]]
	[ "$(norm --canon --table "$user")" = "$got" ]
	[ "$(norm --canon --live --table "$got")" = "$got" ]
}

@test "cache: the words after the devices come back as loaded" {
	meta=$(make_loop 64M)
	fast=$(make_loop 64M)
	slow=$(make_loop 64M)
	zero "$meta"
	kernel_agrees n-x1 "0 65536 cache $meta $fast $slow 512 1 writeback smq 0"
	dmsetup remove n-x1
	zero "$meta"
	# loaded as written, the kernel would echo this order and 00512:
	# vmapctl always loads its canonical form instead
	want=$(norm --table "0 65536 cache  $meta   $fast $slow 00512  3 passthrough  no_discard_passdown metadata2 mq 0")
	dmsetup create n-x2 --table "$want"
	[ "$(dmsetup table n-x2)" = "$want" ]
	dmsetup remove n-x2
	zero "$meta"
	# lvm2's order (metadata2 first) is vmapctl's
	kernel_agrees n-x3 "0 65536 cache $meta $fast $slow 512 2 metadata2 writethrough smq 2 migration_threshold 2048"
	dmsetup remove n-x3
	zero "$meta"
	# another tool's order is echoed as it is, and compares equal all the same
	other="0 65536 cache $meta $fast $slow 512 2 writethrough metadata2 smq 2 migration_threshold 2048"
	dmsetup create n-x5 --table "$other"
	[[ "$(dmsetup table n-x5)" == *" 512 2 writethrough metadata2 smq "* ]]
	[ "$(dmsetup table n-x5 | norm --canon --live)" = "$(norm --canon --table "$other")" ]
	dmsetup remove n-x5
	zero "$meta"
	kernel_agrees n-x4 "0 65536 cache $meta $fast $slow 1024 0 cleaner 0"
}

@test "a type vmapctl does not know: paths resolved, blanks collapsed" {
	a=$(make_loop 64M)
	kernel_agrees n-u "0 65536   unstriped 2 128   1 $a 0"
	run norm --table "0 8 writecache s   $a /dev/null-not-there 4096 0"
	assert_failure
}

@test "a spec file's typed targets load as the normaliser writes them" {
	a=$(make_loop 64M)
	b=$(make_loop 64M)
	m0=$(make_loop 64M)
	m1=$(make_loop 64M)
	meta=$(make_loop 64M)
	zero "$m0"
	zero "$m1"
	zero "$meta"
	cat >"$BATS_TEST_TMPDIR/s.yaml" <<EOF
apiVersion: vmapctl/v1
volumes:
  - name: t-crypt
    targets:
      - type: crypt
        size: 4MiB
        cipher: aes-xts-plain64
        key: {hex: "000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F"}
        device: $a
        offset: 1MiB
        sectorSize: 4096
        noWriteWorkqueue: true
        allowDiscards: true
  - name: t-mp
    targets:
      - type: multipath
        size: 8192
        queueIfNoPath: true
        pathGroups:
          - selector: service-time
            paths:
              - {device: $a, repeatCount: 100, relativeThroughput: 10}
              - {device: $b}
  - name: t-raid
    targets:
      - type: raid
        size: 65536
        level: raid1
        regionSize: 2MiB
        nosync: true
        devices:
          - {metadata: $m0, data: $b}
          - {metadata: $m1, data: $a, writeMostly: true}
  - name: t-pool
    targets:
      - type: thin-pool
        size: 131072
        metadataDevice: $meta
        dataDevice: $a
        blockSize: 64KiB
        errorIfNoSpace: true
        skipBlockZeroing: true
  - name: t-flakey
    targets:
      - type: flakey
        device: $b
        upInterval: 1
        downInterval: 0
EOF
	for v in t-crypt t-mp t-raid t-pool t-flakey; do
		want=$(norm -f "$BATS_TEST_TMPDIR/s.yaml" --volume "$v") || fail "normaliser refused volume $v"
		printf '%s\n' "$want" | dmsetup create "$v" || fail "the kernel refused $v: $want"
		got=$(dmsetup table --showkeys "$v")
		[ "$got" = "$want" ] || fail "$(printf '%s\nkernel:     [%s]\nnormaliser: [%s]' "$v" "$got" "$want")"
		dmsetup remove "$v"
	done
}
