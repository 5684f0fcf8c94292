#!/usr/bin/env bats
# vmapctl export against the real kernel: the YAML it writes is a spec
# that validates and plans as "no change" on the same host; the concise
# text is what dmsetup reads back into the same devices; keys never come
# out (contract sections 2 and 3).

load helpers
bats_require_minimum_version 1.5.0

setup() {
	common_setup
	A=$(make_loop 64M)
	B=$(make_loop 64M)
}
teardown() { common_teardown; }

# export_to FILE ARGS...: export into FILE (stderr kept in FILE.err)
export_to() {
	local f=$1
	shift
	"$VMAPCTL_BIN" export "$@" >"$f" 2>"$f.err"
}

# Every dm table and uuid, one device a line, in name order.
tables() {
	local n
	for n in $(dmsetup ls | awk '$1 != "No" { print $1 }' | sort); do
		printf '%s %s %s: %s\n' "$n" "$(dmsetup info -c --noheadings -o uuid "$n")" \
			"$(dmsetup info -c --noheadings -o attr "$n")" "$(dmsetup table "$n" | tr '\n' '|')"
	done
}

linear_striped_stack_zero_error() {
	write_spec set.yaml <<EOF
apiVersion: vmapctl/v1
volumes:
  - name: e-lin
    targets:
      - {type: linear, size: 8MiB, device: $A, offset: 2048}
  - name: e-str
    targets:
      - type: striped
        size: 16MiB
        chunkSize: 64KiB
        stripes:
          - {device: $A, offset: 32MiB}
          - {device: $B, offset: 0}
  - name: e-mid
    uuid: middle-one
    targets:
      - {type: linear, size: 4MiB, device: {volume: e-str}, offset: 8}
  - name: e-top
    readOnly: true
    targets:
      - {type: linear, size: 2MiB, device: {volume: e-mid}}
      - {type: zero, size: 1MiB}
      - {type: error, size: 1MiB}
  - name: e-ze
    targets:
      - {type: zero, size: 1GiB}
      - {type: error, size: 8}
EOF
	vmapctl apply -q
}

@test "the YAML export of linear, striped, a stack, zero and error validates and plans no change" {
	linear_striped_stack_zero_error
	ex=$BATS_TEST_TMPDIR/export.yaml
	export_to "$ex"
	[ ! -s "$ex.err" ] || fail "export said: $(cat "$ex.err")"
	run vmapctl validate -f "$ex"
	assert_success
	assert_output "ok: 5 volumes in 1 file"
	run vmapctl plan -f "$ex" --detailed-exitcode
	assert_success
	# stacks survive as references, lowest first; non-default uuid and
	# readOnly are kept
	grep -q 'device: {volume: e-str}' "$ex"
	grep -q 'device: {volume: e-mid}' "$ex"
	grep -q 'uuid: middle-one' "$ex"
	grep -q 'readOnly: true' "$ex"
	order=$(awk '/^- name:/ { print $3 }' "$ex" | tr '\n' ' ')
	[ "$order" = "e-lin e-str e-mid e-top e-ze " ] || fail "order: $order"
	# and the spec it came from plans the same: nothing to do
	run vmapctl plan --detailed-exitcode
	assert_success
}

@test "export of named volumes writes only those" {
	linear_striped_stack_zero_error
	run --separate-stderr vmapctl export e-top e-lin
	assert_success
	[ "$(printf '%s\n' "$output" | awk '/^- name:/ { print $3 }' | tr '\n' ' ')" = "e-lin e-top " ]
	# e-mid is not exported: e-top names it by number
	printf '%s\n' "$output" | grep -q "device: \"$(devnum /dev/mapper/e-mid)\""
}

@test "a named device vmapctl does not manage is refused with exit 3, a missing one with exit 1" {
	linear_striped_stack_zero_error
	dmsetup create e-foreign --uuid LVM-abc --table "0 8 zero"
	dmsetup create e-bare --table "0 8 zero"
	run --separate-stderr vmapctl export e-lin e-foreign
	assert_failure 3
	[ -z "$output" ]
	[[ "$stderr" == *"'e-foreign': device is not managed by vmapctl: its uuid 'LVM-abc' belongs to another tool"* ]]
	run --separate-stderr vmapctl export e-bare
	assert_failure 3
	[[ "$stderr" == *"vmapctl adopt e-bare"* ]]
	run --separate-stderr vmapctl export e-nothing
	assert_failure 1
	[[ "$stderr" == *"'e-nothing': no such device"* ]]
	# without names, unmanaged devices are simply not part of it
	run --separate-stderr vmapctl export
	assert_success
	[[ "$output" != *e-foreign* && "$output" != *e-bare* ]]
}

@test "the concise export is dmsetup's own, and dmsetup create --concise makes the same devices" {
	linear_striped_stack_zero_error
	run --separate-stderr vmapctl export --format concise
	assert_success
	concise=$output
	# the same entries dmsetup prints (dmsetup lists them in name order)
	want=$(dmsetup table --concise | tr ';' '\n' | sort)
	got=$(printf '%s' "$concise" | tr ';' '\n' | sort)
	[ "$got" = "$want" ] || fail "$(printf 'dmsetup: %s\nvmapctl: %s' "$want" "$got")"
	before=$(tables)
	vmapctl destroy -q e-top e-mid e-str e-lin e-ze
	[ -z "$(dmsetup ls | awk '$1 ~ /^e-/')" ]
	run dmsetup create --concise "$concise"
	assert_success
	[ "$(tables)" = "$before" ] || fail "$(diff <(echo "$before") <(tables))"
	run vmapctl plan --detailed-exitcode
	assert_success
}

@test "the dm-init export is the dm-mod.create= value for what early boot can create" {
	write_spec set.yaml <<EOF
apiVersion: vmapctl/v1
volumes:
  - name: boot-a
    targets:
      - {type: linear, size: 2048, device: $A, offset: 0}
      - {type: striped, size: 4096, chunkSize: 8, stripes: [{device: $A, offset: 4096}, {device: $B}]}
  - name: boot-b
    targets:
      - {type: linear, size: 1024, device: {volume: boot-a}}
  - name: other
    targets:
      - {type: zero, size: 8}
EOF
	vmapctl apply -q
	a=$(devnum "$A") b=$(devnum "$B") mina=$(dmsetup info -c --noheadings -o minor boot-a)
	run --separate-stderr vmapctl export --format dm-init boot-b boot-a
	assert_success
	assert_output "boot-a,VMAP-boot-a,$mina,rw,0 2048 linear $a 0,2048 4096 striped 2 8 $a 4096 $b 0;boot-b,VMAP-boot-b,$(dmsetup info -c --noheadings -o minor boot-b),rw,0 1024 linear $(devnum /dev/mapper/boot-a) 0"
	# zero is not a type dm-mod.create= takes (drivers/md/dm-init.c)
	run --separate-stderr vmapctl export --format dm-init
	assert_failure 1
	[ -z "$output" ]
	[[ "$stderr" == *"volume 'other': cannot write target 0 (zero) for dm-mod.create=: the kernel creates only crypt, delay, linear, snapshot-origin, striped and verity"* ]]
}

@test "a crypt key never comes out: YAML points at a key file and says so, text formats refuse" {
	key=00112233445566778899aabbccddeeff8899aabbccddeeff0011223344556677
	write_spec crypt.yaml <<EOF
apiVersion: vmapctl/v1
volumes:
  - name: e-vault
    targets:
      - type: crypt
        size: 16MiB
        cipher: aes-xts-plain64
        key: {hex: "$key"}
        device: $A
        allowDiscards: true
EOF
	vmapctl apply -q
	# the kernel has the key; greps below ignore case
	dmsetup table --showkeys e-vault | grep -q "$key"
	ex=$BATS_TEST_TMPDIR/export.yaml
	for fmt in yaml concise dm-init; do
		"$VMAPCTL_BIN" export --format $fmt >"$ex.$fmt" 2>"$ex.$fmt.err" || true
		"$VMAPCTL_BIN" export --json --format $fmt >"$ex.$fmt.json" 2>/dev/null || true
		for f in "$ex.$fmt" "$ex.$fmt.err" "$ex.$fmt.json"; do
			if grep -qi "$key" "$f"; then fail "the key is in the $fmt export: $f"; fi
			if grep -qi "${key:0:16}" "$f"; then fail "part of the key is in the $fmt export: $f"; fi
		done
	done
	grep -q 'key: {file: /etc/vmapctl/keys/e-vault.key}' "$ex.yaml"
	grep -q "warning: volume 'e-vault': export does not write keys: put the key for 'key' (raw bytes) in '/etc/vmapctl/keys/e-vault.key'" "$ex.yaml.err"
	[ ! -s "$ex.concise" ] && [ ! -s "$ex.dm-init" ]
	grep -q "holds a key, and export never writes keys" "$ex.concise.err"
	run vmapctl validate -f "$ex.yaml"
	assert_success
	# once the key is where the warning says, the export plans no change
	mkdir -p /etc/vmapctl/keys
	perl -e 'print pack("H*", $ARGV[0])' "$key" >/etc/vmapctl/keys/e-vault.key
	run vmapctl plan -f "$ex.yaml" --detailed-exitcode
	rm -f /etc/vmapctl/keys/e-vault.key
	assert_success
}

@test "export from a live-state snapshot is the same as from the host" {
	linear_striped_stack_zero_error
	vmapctl status -q --live-state-out "$BATS_TEST_TMPDIR/live.json"
	for fmt in yaml concise; do
		diff <("$VMAPCTL_BIN" export --format $fmt) \
			<("$VMAPCTL_BIN" export --format $fmt --live-state "$BATS_TEST_TMPDIR/live.json")
	done
}

@test "export --format of anything else is a usage error" {
	run --separate-stderr vmapctl export --format json
	assert_failure 64
	[[ "$stderr" == *"--format takes yaml, concise or dm-init, not 'json'"* ]]
}
