#!/usr/bin/env bats
# Names, uuids and values at their limits, checked by `validate` (contract
# section 1; issue 14): every character a name may have, the kernel's
# 127-byte name and 128-byte uuid (the uuid is "VMAP-" + uuid, or + name),
# names that look like options, names the kernel or udev reserve, and
# values that would reach the kernel's table text broken (whitespace in a
# typed field, an offset past 2^64 sectors).  names-kernel.bats applies the
# valid ones to a real kernel.

# runs-on: host

load helpers
bats_require_minimum_version 1.5.0

setup() { host_setup; }
teardown() { host_teardown; }

# spec VOLUMES: a one-file spec set with these volume lines (YAML text
# after "volumes:"), in $f.  The first volume is on line 3.
spec() {
	f=$BATS_TEST_TMPDIR/s.yaml
	printf 'apiVersion: vmapctl/v1\nvolumes:\n%s\n' "$1" >"$f"
}

# repeat CHAR N
repeat() { local s; printf -v s '%*s' "$2" ''; printf '%s' "${s// /$1}"; }

# refused_at LINE[:COL] WORD: validate fails with exit 65 and names
# $f:LINE:COL (any column when only LINE is given) on a line that also
# says WORD.
refused_at() {
	run vmapctl validate -f "$f"
	[ "$status" -eq 65 ] || fail "exit $status, not 65 (refused as an invalid spec): $output"
	local where=$1 re
	if [[ $where == *:* ]]; then re="vmapctl: $f:$where: "; else re="vmapctl: $f:$where:[0-9]+: "; fi
	printf '%s\n' "$output" | grep -E "^$re" | grep -qF -- "$2" ||
		fail "no error at $f:$where naming '$2': $output"
}

accepted() {
	run vmapctl validate -f "$f"
	[ "$status" -eq 0 ] || fail "a valid spec is refused (exit $status): $output"
}

@test "a name made of every character the contract allows validates" {
	spec "  - name: \"AZaz09#+-.:=@_\"
    table: \"0 8 zero\"
  - name: \"$(printf '%s' {A..Z} {a..z} {0..9})#+-.:=@_\"
    table: \"0 8 zero\""
	accepted
}

@test "each character outside the contract's set is refused in a name at its location" {
	local c
	for c in '/' ' ' '!' '$' '%' '*' '?' '[' '\\' ',' ';' '~' 'é'; do
		spec "  - name: \"a${c}b\"
    table: \"0 8 zero\""
		refused_at 3:11 "volume name"
	done
}

@test "a 127-character name with a uuid that fits validates" {
	spec "  - name: $(repeat n 127)
    uuid: short
    table: \"0 8 zero\""
	accepted
}

@test "a 128-character name is refused at the name" {
	spec "  - name: $(repeat n 128)
    uuid: short
    table: \"0 8 zero\""
	refused_at 3:11 "too long"
}

@test "a 123-character name validates: its uuid VMAP-name is exactly 128 bytes" {
	spec "  - name: $(repeat n 123)
    table: \"0 8 zero\""
	accepted
}

# The contract refuses a name whose default uuid ("VMAP-" + name) exceeds
# the kernel's 128 bytes; it passed validate and failed only at apply.
@test "a 124-character name without a uuid is refused at validate: VMAP-name would exceed 128 bytes" {
	spec "  - name: $(repeat n 124)
    table: \"0 8 zero\""
	refused_at 3:11 "uuid"
}

@test "a 127-character name without a uuid is refused at validate with its location" {
	spec "  - name: $(repeat n 127)
    table: \"0 8 zero\""
	refused_at 3:11 "uuid"
}

@test "an explicit uuid of 123 characters validates and one of 124 is refused at the uuid" {
	spec "  - name: u
    uuid: $(repeat u 123)
    table: \"0 8 zero\""
	accepted
	spec "  - name: u
    uuid: $(repeat u 124)
    table: \"0 8 zero\""
	refused_at 4:11 "uuid"
}

@test "names the kernel or udev reserve (control, ., ..) are refused at the name" {
	local n
	for n in control . ..; do
		spec "  - name: \"$n\"
    table: \"0 8 zero\""
		refused_at 3:11 "'$n'"
	done
}

@test "names that look like options or hidden files are valid names" {
	spec '  - name: "-x"
    table: "0 8 zero"
  - name: "--help"
    table: "0 8 zero"
  - name: ".hidden"
    table: "0 8 zero"
  - name: "..x"
    table: "0 8 zero"
  - name: "a.."
    table: "0 8 zero"'
	accepted
}

@test "a name that looks like a path is refused at the name" {
	spec '  - name: "a/b"
    table: "0 8 zero"
  - name: "/dev/mapper/x"
    table: "0 8 zero"'
	refused_at 3:11 "volume name"
	refused_at 5:11 "volume name"
}

@test "args: \"\" on a raw zero target means no arguments and validates" {
	spec '  - name: r
    targets:
      - {type: raw, target: zero, size: 8, args: ""}'
	accepted
}

@test "a crypt cipher with whitespace is refused at the cipher (it would add arguments to the table line)" {
	spec '  - name: c
    targets:
      - type: crypt
        size: 8
        cipher: "aes xts"
        key: {hex: "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"}
        device: /dev/loop0'
	refused_at 7:17 "cipher"
	spec '  - name: c
    targets:
      - type: crypt
        size: 8
        cipher: "aes-xts-plain64	"
        key: {hex: "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"}
        device: /dev/loop0'
	refused_at 7:17 "cipher"
}

@test "a raw target's args with a line break are refused at args (they would end the table line)" {
	spec '  - name: r
    targets:
      - {type: raw, target: linear, size: 8, args: "/dev/loop0 0\n8 8 error"}'
	refused_at 5 "args"
}

@test "an offset plus size past 2^64 sectors is refused at the target" {
	spec '  - name: o
    targets:
      - {type: linear, size: 16, device: /dev/loop0, offset: 18446744073709551608}'
	refused_at 5 "2^64"
}

@test "targets whose sizes add up past 2^64 sectors are refused" {
	spec '  - name: z
    targets:
      - {type: zero, size: 9223372036854775808}
      - {type: zero, size: 9223372036854775808}'
	refused_at 6 "2^64"
}
