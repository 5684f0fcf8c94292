#!/usr/bin/env bats
# Names at their limits against the real kernel (contract section 1; issue
# 14): what validate accepts (names.bats), apply creates under exactly that
# name, udev gives it its /dev/mapper node, and plan, status and destroy
# find it again; what validate refuses, apply refuses before touching
# anything.

load helpers
bats_require_minimum_version 1.5.0

setup() { common_setup; }
teardown() { common_teardown; }

repeat() { local s; printf -v s '%*s' "$2" ''; printf '%s' "${s// /$1}"; }

@test "names of every allowed character, 127 characters, and option look-alikes are created, planned, listed and destroyed" {
	local all long
	all="$(printf '%s' {A..Z} {a..z} {0..9})#+-.:=@_"
	long=$(repeat L 127)
	write_spec n.yaml <<EOF
apiVersion: vmapctl/v1
volumes:
  - name: "$all"
    table: "0 8 zero"
  - name: $long
    uuid: long-one
    table: "0 8 zero"
  - name: "-x"
    table: "0 8 zero"
  - name: "--help"
    table: "0 8 zero"
  - name: "..x"
    table: "0 8 zero"
  - name: $(repeat M 123)
    table: "0 8 zero"
EOF
	run vmapctl apply
	assert_success
	local n
	for n in "$all" "$long" -x --help ..x "$(repeat M 123)"; do
		[ "$(dmsetup info -c --noheadings -o name -- "$n")" = "$n" ] || fail "no device named '$n'"
		[ -b "/dev/mapper/$n" ] || fail "no /dev/mapper node for '$n'"
	done
	[ "$(dmsetup info -c --noheadings -o uuid "$long")" = VMAP-long-one ]
	[ "$(dmsetup info -c --noheadings -o uuid "$(repeat M 123)")" = "VMAP-$(repeat M 123)" ]
	run vmapctl plan --detailed-exitcode
	assert_success
	run vmapctl status -- -x --help
	assert_success
	assert_output --partial -- "--help"
	run vmapctl destroy -- -x --help "$all"
	assert_success
	for n in -x --help "$all"; do
		[ ! -e "/dev/mapper/$n" ] || fail "destroy left '$n'"
	done
	[ -b "/dev/mapper/$long" ]
}

# The issue: a 127-character name passed validate and failed at apply
# (the kernel's uuid holds 128 bytes, "VMAP-" + name needs 132).
@test "a name whose VMAP- uuid would not fit is refused by apply (exit 65) with nothing created" {
	write_spec n.yaml <<EOF
apiVersion: vmapctl/v1
volumes:
  - name: fits
    table: "0 8 zero"
  - name: $(repeat n 127)
    table: "0 8 zero"
EOF
	before=$(dmsetup ls)
	run vmapctl apply
	assert_failure 65
	assert_output --partial "n.yaml:5:"
	[ "$(dmsetup ls)" = "$before" ]
}

@test "a volume named control is refused by apply and /dev/mapper/control stays the control node" {
	write_spec n.yaml <<'EOF'
apiVersion: vmapctl/v1
volumes:
  - name: control
    table: "0 8 zero"
EOF
	run vmapctl apply
	assert_failure 65
	assert_output --partial "n.yaml:3:"
	[ -c /dev/mapper/control ]
	run dmsetup info control
	assert_failure
}

@test "args: \"\" on a raw zero target creates a zero table" {
	write_spec n.yaml <<'EOF'
apiVersion: vmapctl/v1
volumes:
  - name: raw-zero
    targets:
      - {type: raw, target: zero, size: 8, args: ""}
EOF
	run vmapctl apply
	assert_success
	[ "$(dmsetup table raw-zero)" = "0 8 zero " ] || [ "$(dmsetup table raw-zero)" = "0 8 zero" ]
	run vmapctl plan --detailed-exitcode
	assert_success
}
