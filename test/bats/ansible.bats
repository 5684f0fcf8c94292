#!/usr/bin/env bats
# examples/ansible/vmapctl.yml with Debian's ansible-core (scripts/deps
# ansible), connection local, inventory "localhost,": vmapctl's
# --detailed-exitcode becomes Ansible's changed / ok / failed.

load helpers
bats_require_minimum_version 1.5.0

setup() {
	common_setup
	command -v ansible-playbook >/dev/null || fail "ansible-playbook is missing (scripts/deps ansible)"
	DISK=$(make_loop 128M)
	export ANSIBLE_LOCAL_TEMP=$BATS_TEST_TMPDIR/ansible-local
	export ANSIBLE_REMOTE_TEMP=$BATS_TEST_TMPDIR/ansible-remote
	export ANSIBLE_NOCOLOR=1 ANSIBLE_RETRY_FILES_ENABLED=0 ANSIBLE_HOST_KEY_CHECKING=0
	# modules piped to one python each, without temp files: fewer processes
	# in the emulated VM, where each costs
	export ANSIBLE_PIPELINING=1
	SPEC=$BATS_TEST_TMPDIR/data.yaml
	DEST=$BATS_TEST_TMPDIR/volumes.d
}
teardown() { common_teardown; }

spec() {
	cat >"$SPEC" <<EOF
apiVersion: vmapctl/v1
volumes:
  - name: ans-data
    targets:
      - {type: linear, size: $1, device: $DISK, offset: 2048}
EOF
}

playbook() {
	run ansible-playbook -i localhost, -c local \
		-e ansible_python_interpreter=/usr/bin/python3 \
		-e "{\"vmapctl_become\": false, \"vmapctl_bin\": \"$VMAPCTL_BIN\", \"vmapctl_spec_dir\": \"$DEST\", \"vmapctl_specs\": [\"$SPEC\"]}" \
		"$@" "$TOP/examples/ansible/vmapctl.yml"
}

# The result of the apply task ("changed", "ok", "fatal", "skipping")
apply_task() {
	printf '%s\n' "$output" | awk '/^TASK \[Make the kernel match the spec set\]/ { on = 1; next }
		on && /^(changed|ok|fatal|skipping):/ { sub(/:.*/, ""); print; exit }'
}

recap() {
	printf '%s\n' "$output" | awk '/^localhost +:/ { for (i = 3; i <= NF; i++) { split($i, kv, "="); printf "%s=%s ", kv[1], kv[2] } }'
}

@test "the playbook reports changed on the first run and ok on the second" {
	spec 32MiB
	playbook
	assert_success
	[ "$(apply_task)" = changed ] || fail "first run: $(apply_task): $output"
	[[ "$(recap)" == *"failed=0 "* ]]
	[ "$(dmsetup table ans-data)" = "0 65536 linear $(devnum "$DISK") 2048" ]
	playbook
	assert_success
	[ "$(apply_task)" = ok ] || fail "second run: $(apply_task): $output"
	[[ "$(recap)" == *"changed=0 "* ]] || fail "second run: $(recap)"
}

@test "in check mode the playbook reports what apply would change and changes nothing" {
	spec 32MiB
	playbook
	assert_success
	spec 64MiB
	cp "$SPEC" "$DEST/data.yaml"
	before=$(dmsetup table ans-data)
	playbook --check
	assert_success
	[ "$(apply_task)" = skipping ]
	printf '%s\n' "$output" | grep -A1 '^TASK \[What apply would change' | grep -q '^changed:'
	[ "$(dmsetup table ans-data)" = "$before" ]
}

@test "a change vmapctl refuses fails the play with vmapctl's message" {
	spec 32MiB
	playbook
	assert_success
	# shrinking needs --allow-shrink: vmapctl exits 3
	spec 16MiB
	playbook
	assert_failure 2
	[ "$(apply_task)" = fatal ] || fail "$(apply_task): $output"
	[[ "$output" == *'"rc": 3'* ]]
	[[ "$output" == *"allow-shrink"* ]]
	[[ "$(recap)" == *"failed=1 "* ]]
	[ "$(dmsetup table ans-data)" = "0 65536 linear $(devnum "$DISK") 2048" ]
	# allowed explicitly, it goes through
	playbook -e '{"vmapctl_options": ["--allow-shrink"]}'
	assert_success
	[ "$(apply_task)" = changed ]
}
