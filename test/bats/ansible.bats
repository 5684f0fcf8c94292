#!/usr/bin/env bats
# The vmapctl.dm Ansible modules (ansible_collections/vmapctl/dm) on a real
# kernel, with Debian's ansible-core (scripts/deps ansible), connection
# local: test/ansible/module.yml runs every case in one ansible-playbook
# run (each costs tens of seconds in the emulated guest) and asserts on the
# registered results; this file checks the kernel and the spec directory
# after it.  What needs no kernel (ansible-doc, sanity, unit tests, the
# example playbook's lint) is in ansible-host.bats.

load helpers
bats_require_minimum_version 1.5.0

setup() {
	common_setup
	command -v ansible-playbook >/dev/null || fail "ansible-playbook is missing (scripts/deps ansible)"
	# 128 MiB: the largest spec is 64 MiB at offset 2048 (1 MiB)
	DISK=$(make_loop 128M)
	export ANSIBLE_COLLECTIONS_PATH=$TOP
	export ANSIBLE_LOCAL_TEMP=$BATS_TEST_TMPDIR/ansible-local
	export ANSIBLE_REMOTE_TEMP=$BATS_TEST_TMPDIR/ansible-remote
	export ANSIBLE_NOCOLOR=1 ANSIBLE_RETRY_FILES_ENABLED=0 ANSIBLE_HOST_KEY_CHECKING=0
	# modules piped to one python each, without temp files: fewer processes
	# in the emulated VM, where each costs
	export ANSIBLE_PIPELINING=1
	mkdir -m 0700 "$ANSIBLE_LOCAL_TEMP" "$ANSIBLE_REMOTE_TEMP"
	DEST=$BATS_TEST_TMPDIR/volumes.d
}
teardown() {
	[ -z "${LOCKFD:-}" ] || exec {LOCKFD}>&-
	common_teardown
}

@test "the vmapctl module creates, is idempotent, checks and diffs without touching the kernel, fails with vmapctl's message and restores the spec, prunes, applies the layered set, and vmapctl_info reports" {
	# a spec file on the controller, given to the module as src
	cat >"$BATS_TEST_TMPDIR/zero.yaml" <<-EOF2
		apiVersion: vmapctl/v1
		volumes:
		  - name: ans-zero
		    targets:
		      - {type: zero, size: 8MiB}
	EOF2
	# a root for the layered default set (vmapctl --root)
	LROOT=$BATS_TEST_TMPDIR/root
	mkdir -p "$LROOT/usr/lib/vmapctl/volumes.d" "$LROOT/etc/vmapctl/volumes.d"
	for v in vendor masked; do
		printf 'apiVersion: vmapctl/v1\nvolumes:\n  - name: ans-%s\n    targets: [{type: zero, size: 1MiB}]\n' \
			"$v" >"$LROOT/usr/lib/vmapctl/volumes.d/$v.yaml"
	done
	ln -s /dev/null "$LROOT/etc/vmapctl/volumes.d/masked.yaml"
	# another vmapctl run, as far as the lock says (the module's apply must
	# fail on it after the spec file was written)
	HELD=$BATS_TEST_TMPDIR/held.lock
	exec {LOCKFD}>"$HELD"
	flock -n "$LOCKFD"
	run ansible-playbook -i localhost, -c local \
		-e ansible_python_interpreter=/usr/bin/python3 \
		-e "{\"vmapctl_bin\": \"$VMAPCTL_BIN\", \"spec_dir\": \"$DEST\", \"disk\": \"$DISK\",
		     \"disk_num\": \"$(devnum "$DISK")\", \"zero_spec\": \"$BATS_TEST_TMPDIR/zero.yaml\",
		     \"held_lock\": \"$HELD\", \"root\": \"$LROOT\"}" \
		"$TOP/test/ansible/module.yml"
	assert_success
	# all 18 tasks ran; changed: the create, the check, the prune and the
	# two layered runs; the two expected failures ignored (and asserted)
	assert_output --regexp 'localhost +: ok=18 +changed=5 +unreachable=0 +failed=0 +skipped=0 +rescued=0 +ignored=2'
	# the prune task shrank ans-data (allowed) and removed ans-zero
	[ "$(dmsetup table ans-data)" = "0 32768 linear $(devnum "$DISK") 2048" ]
	run ! dmsetup info ans-zero
	[ "$(ls -A "$DEST")" = data.yaml ]
	grep -q 'size: 16MiB' "$DEST/data.yaml"
	# the layered set: the given spec in the etc layer, the mask kept
	dmsetup info ans-layer >/dev/null
	dmsetup info ans-vendor >/dev/null
	run ! dmsetup info ans-masked
	[ "$(readlink "$LROOT/etc/vmapctl/volumes.d/masked.yaml")" = /dev/null ]
	[ -f "$LROOT/etc/vmapctl/volumes.d/layer.yaml" ]
}
