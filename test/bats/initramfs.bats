#!/usr/bin/env bats
# What the boot integration decides without booting: the systemd units'
# conditions (no spec configured: they do nothing), and how the
# initramfs hook and dracut module read the spec set (initramfs/
# vmapctl-lib.sh): the files, modules and key files they copy.  The boots
# themselves are in boot.bats.

# runs-on: host

load helpers
bats_require_minimum_version 1.5.0

setup() {
	host_setup
	# shellcheck source=../../initramfs/vmapctl-lib.sh
	. "$TOP/initramfs/vmapctl-lib.sh"
}
teardown() { host_teardown; }

# conditions UNIT ROOT: evaluate the unit's Condition*= lines with every
# path moved under ROOT (systemd-analyze --root does not move them)
conditions() {
	local args=()
	mapfile -t args < <(grep '^Condition' "$TOP/systemd/$1" | sed "s#=\(|\{0,1\}\)/#=\1$2/#")
	[ ${#args[@]} -gt 0 ] || fail "$1 has no conditions"
	run systemd-analyze condition "${args[@]}"
}

@test "the boot units do nothing unless one of the three spec directories holds a spec" {
	R=$BATS_TEST_TMPDIR/root
	for unit in vmapctl.service vmapctl-activate@.service; do
		rm -rf "$R"
		mkdir -p "$R"
		conditions "$unit" "$R"
		assert_failure
		# an empty spec directory, as make install leaves it
		mkdir -p "$R/etc/vmapctl/volumes.d" "$R/run/vmapctl/volumes.d" "$R/usr/lib/vmapctl/volumes.d"
		conditions "$unit" "$R"
		assert_failure
		for d in etc run usr/lib; do
			echo "apiVersion: vmapctl/v1" >"$R/$d/vmapctl/volumes.d/a.yaml"
			conditions "$unit" "$R"
			assert_success
			rm "$R/$d/vmapctl/volumes.d/a.yaml"
		done
	done
}

@test "the udev rules read the three spec directories and keep VMAP- devices' database" {
	for d in /etc/vmapctl/volumes.d /run/vmapctl/volumes.d /usr/lib/vmapctl/volumes.d; do
		grep -q "^TEST==\"$d\", GOTO=\"vmapctl_specs\"" "$TOP/udev/69-vmapctl.rules"
	done
	grep -q '^ATTR{dm/uuid}!="VMAP-\*", GOTO="vmapctl_dm_end"' "$TOP/udev/09-vmapctl-dm.rules"
	grep -q '^OPTIONS+="db_persist"' "$TOP/udev/09-vmapctl-dm.rules"
}

@test "the hook finds the spec files, the target modules and the key files vmapctl validate names" {
	write_spec a.yaml <<'EOF'
apiVersion: vmapctl/v1
volumes:
  - name: low
    targets:
      - {type: linear, size: 8MiB, device: /dev/vdb}
  - name: vault
    targets:
      - type: crypt
        size: 8MiB
        cipher: aes-xts-plain64
        key: {file: /etc/vmapctl/keys/vault.key}   # a comment
        device: {volume: low}
  - name: second
    targets:
      - type: crypt
        size: 8MiB
        cipher: "capi:cbc(aes)-essiv:sha256"
        key:
          file: "/etc/keys/second key.bin"
        device: {volume: low}
EOF
	write_spec b.yaml <<'EOF'
apiVersion: vmapctl/v1
volumes:
  - name: mp
    table: |
      0 8192 multipath 0 0 1 1 round-robin 0 1 1 /dev/sda 1
  - name: t
    table: 0 2048 crypt serpent-xts-plain64 0000000000000000000000000000000000000000000000000000000000000000 0 /dev/vdc 0
EOF
	json=$("$VMAPCTL_BIN" validate --json)
	run vmapctl_json_array files <<<"$json"
	assert_output "$VMAPCTL_SPEC_DIR/a.yaml
$VMAPCTL_SPEC_DIR/b.yaml"
	# the types' modules, and the path selector the multipath table uses
	run vmapctl_json_array modules <<<"$json"
	assert_output "dm-crypt
dm-multipath
dm-round-robin"
	run vmapctl_spec_key_files "$VMAPCTL_SPEC_DIR/a.yaml" "$VMAPCTL_SPEC_DIR/b.yaml"
	assert_output "/etc/keys/second key.bin
/etc/vmapctl/keys/vault.key"
	# and validate names the same key files itself
	run vmapctl_json_array keyFiles <<<"$json"
	assert_output "/etc/vmapctl/keys/vault.key
/etc/keys/second key.bin"
	VMAPCTL_FILES=$(printf '%s\n' "$VMAPCTL_SPEC_DIR/a.yaml" "$VMAPCTL_SPEC_DIR/b.yaml")
	run vmapctl_extra_modules dm-crypt dm-multipath
	assert_success
	for m in crypto-aes crypto-xts crypto-serpent crypto-cbc crypto-essiv crypto-sha256 dm-round-robin dm-service-time; do
		assert_line "$m"
	done
	refute_line crypto-plain64
}

@test "an invalid spec set fails the build with vmapctl's errors" {
	write_spec bad.yaml <<'EOF'
apiVersion: vmapctl/v1
volumes:
  - name: x
    targets:
      - {type: linear, sise: 8MiB, device: /dev/vdb}
EOF
	# vmapctl_build_info reads the default set: a vmapctl that reads this one
	fake=$BATS_TEST_TMPDIR/bin/vmapctl
	mkdir -p "${fake%/*}"
	printf '#!/bin/sh\nVMAPCTL_SPEC_DIR=%s exec %s "$@"\n' "$VMAPCTL_SPEC_DIR" "$VMAPCTL_BIN" >"$fake"
	chmod +x "$fake"
	run vmapctl_build_info "$fake"
	assert_failure
	assert_output --partial "the spec set does not validate"
	assert_output --partial "bad.yaml:5:"
	assert_output --partial "unknown key 'sise'"
}
