#!/usr/bin/env bats
# The vmapctl.dm Ansible collection (ansible_collections/vmapctl/dm), where
# no kernel is needed: its documentation renders, ansible-test sanity and
# the module's unit tests pass, the playbooks lint clean, the collection
# builds, and the module's failures that come before anything reaches the
# kernel (an invalid spec, remap on a vmapctl without --allow-remap, a bad
# file name) say what vmapctl says and leave the spec directory alone.
# The modules on a real kernel: ansible.bats.

# runs-on: host

load helpers
bats_require_minimum_version 1.5.0

setup() {
	host_setup
	# Debian's ansible-core and python (scripts/deps ansible), not a
	# version manager's python3 from PATH
	export PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH
	command -v ansible-playbook >/dev/null || fail "ansible-playbook is missing (scripts/deps ansible)"
	export ANSIBLE_COLLECTIONS_PATH=$TOP
	export ANSIBLE_LOCAL_TEMP=$BATS_TEST_TMPDIR/ansible-local
	export ANSIBLE_REMOTE_TEMP=$BATS_TEST_TMPDIR/ansible-remote
	mkdir -m 0700 "$ANSIBLE_LOCAL_TEMP" "$ANSIBLE_REMOTE_TEMP"
	export ANSIBLE_NOCOLOR=1 ANSIBLE_RETRY_FILES_ENABLED=0
	COLL=$TOP/ansible_collections/vmapctl/dm
}
teardown() { host_teardown; }

@test "ansible-doc renders both modules with their options, examples and return values" {
	run ansible-doc vmapctl.dm.vmapctl
	assert_success
	for word in specs spec_dir exclusive allow prune state binary lock_timeout \
		EXAMPLES 'RETURN VALUES' actions plan files 'has a corresponding action plugin'; do
		assert_output --partial "$word"
	done
	run ansible-doc vmapctl.dm.vmapctl_info
	assert_success
	for word in spec_dir names binary EXAMPLES 'RETURN VALUES' volumes spec_loaded by_name; do
		assert_output --partial "$word"
	done
	# the JSON form has the documentation of both modules
	run ansible-doc --json vmapctl.dm.vmapctl vmapctl.dm.vmapctl_info
	assert_success
	python3 -c 'import json, sys; d = json.load(sys.stdin); assert sorted(d) == ["vmapctl.dm.vmapctl", "vmapctl.dm.vmapctl_info"], sorted(d)' <<<"$output"
}

@test "ansible-test sanity passes for the collection" {
	run "$TOP/scripts/ansible-sanity"
	assert_success
	# the tests that matter ran (ansible-test prints each it runs)
	for t in ansible-doc compile import pep8 pylint validate-modules yamllint action-plugin-docs; do
		assert_output --partial "Running sanity test \"$t\""
	done
	refute_output --partial ERROR
}

@test "the module's unit tests pass" {
	cd "$TOP"
	run python3 -m unittest ansible_collections.vmapctl.dm.tests.unit.plugins.modules.test_vmapctl
	assert_success
	assert_output --regexp $'Ran [0-9]+ tests in .*\n\nOK'
}

@test "the example playbook and the test playbooks pass ansible-lint" {
	command -v ansible-lint >/dev/null || fail "ansible-lint is missing (scripts/deps ansible)"
	cd "$TOP"
	# the cache ansible-lint keeps: not in the home directory
	export XDG_CACHE_HOME=$BATS_TEST_TMPDIR/cache
	run ansible-lint --offline --nocolor examples/ansible/vmapctl.yml test/ansible/module.yml test/ansible/offline.yml
	assert_success
	assert_output --partial "Passed with production profile: 0 failure(s), 0 warning(s)"
}

@test "galaxy.yml has the project's version, and the collection builds with the modules in it" {
	[ "$(sed -n 's/^version: *//p' "$COLL/galaxy.yml")" = "$(cat "$TOP/VERSION")" ]
	run ansible-galaxy collection build "$COLL" --output-path "$BATS_TEST_TMPDIR"
	assert_success
	tarball=$BATS_TEST_TMPDIR/vmapctl-dm-$(cat "$TOP/VERSION").tar.gz
	[ -f "$tarball" ]
	run tar -tzf "$tarball"
	for f in MANIFEST.json plugins/modules/vmapctl.py plugins/modules/vmapctl_info.py \
		plugins/action/vmapctl.py plugins/module_utils/vmapctl.py meta/runtime.yml README.md; do
		assert_line "$f"
	done
	refute_line --partial tests/output
}

@test "an invalid spec (given, or in another layer), remap without --allow-remap and a bad file name fail with the reason, and the spec directories stay as they were" {
	dest=$BATS_TEST_TMPDIR/volumes.d
	mkdir "$dest"
	echo 'apiVersion: vmapctl/v1' >"$dest/keep.yaml"
	# a root for the layered default set: a bad spec in its usr/lib layer
	root=$BATS_TEST_TMPDIR/root
	mkdir -p "$root/usr/lib/vmapctl/volumes.d"
	printf 'apiVersion: vmapctl/v1\nvolumes:\n  - name: off-vendor\n    sise: 1MiB\n' \
		>"$root/usr/lib/vmapctl/volumes.d/vendor.yaml"
	# vmapctl as it was before --allow-remap: its help does not list it
	old=$BATS_TEST_TMPDIR/old-vmapctl
	printf '#!/bin/sh\n"%s" "$@" | grep -v -e --allow-remap\n' "$VMAPCTL_BIN" >"$old"
	chmod +x "$old"
	run ansible-playbook -i localhost, -c local -e ansible_python_interpreter=/usr/bin/python3 \
		-e "{\"vmapctl_bin\": \"$VMAPCTL_BIN\", \"spec_dir\": \"$dest\", \"old_vmapctl\": \"$old\",
		     \"root\": \"$root\"}" \
		"$TOP/test/ansible/offline.yml"
	assert_success
	# five failures, each asserted by the task after it
	assert_output --regexp 'localhost +: ok=10 +changed=0 +unreachable=0 +failed=0 +skipped=0 +rescued=0 +ignored=5'
	[ "$(ls -A "$dest")" = keep.yaml ]
	[ "$(cat "$dest/keep.yaml")" = 'apiVersion: vmapctl/v1' ]
	[ ! -e "$root/etc" ]
}
