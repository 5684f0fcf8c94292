#!/usr/bin/env bats
# Bash completion of volume names, which come from the spec set and from
# the kernel's devices: the one completion test that needs dm devices, so
# it runs in the VM (completion.bats runs the rest on the host).

load helpers
load completion_helpers
bats_require_minimum_version 1.5.0

setup() {
	common_setup
	cd "$BATS_TEST_TMPDIR"
	source "$TOP/completions/vmapctl.bash"
}
teardown() { common_teardown; }

@test "bash completes volume names from the spec set and managed devices, and adopt's from devices without a uuid" {
	spec_two
	dmsetup create cmp-managed --uuid VMAP-cmp-managed --table "0 8 zero"
	dmsetup create cmp-bare --table "0 8 zero"
	dmsetup create cmp-lvm --uuid LVM-xyz --table "0 8 zero"
	for cmd in status export destroy; do
		[ "$(offers "$VMAPCTL_BIN" $cmd cmp- | tr '\n' ' ')" = "cmp-alpha cmp-beta cmp-managed " ] ||
			fail "$cmd: $(offers "$VMAPCTL_BIN" $cmd cmp-)"
	done
	[ "$(offers "$VMAPCTL_BIN" adopt cmp- | tr '\n' ' ')" = "cmp-bare " ]
	# -f on the line is the spec set the names come from
	mkdir -p other
	printf 'apiVersion: vmapctl/v1\nvolumes:\n  - {name: cmp-other, targets: [{type: zero, size: 8}]}\n' >other/o.yaml
	[ "$(offers "$VMAPCTL_BIN" status -f other cmp-o)" = cmp-other ]
	[ "$(offers "$VMAPCTL_BIN" status --file=other cmp-o)" = cmp-other ]
	# commands that take no names offer none
	[ -z "$(offers "$VMAPCTL_BIN" plan cmp-)" ]
}
