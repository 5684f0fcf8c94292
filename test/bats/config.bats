#!/usr/bin/env bats
# Layered configuration (contract section 7): the default spec set is the
# *.yaml files of /etc, /run and /usr/lib vmapctl/volumes.d, a file in a
# higher directory replacing the one of the same name below, a link to
# /dev/null masking it, read in file-name order; -f and $VMAPCTL_SPEC_DIR
# replace the whole set; --root prefixes the default directories; and
# `cat-config` shows what the set is made of.  Offline: validate and
# cat-config read only the spec directories.

# runs-on: host

load helpers
bats_require_minimum_version 1.5.0

setup() {
	host_setup
	# the default set, not the test's own spec directory
	unset VMAPCTL_SPEC_DIR
	R=$BATS_TEST_TMPDIR/root
	mkdir -p "$R/etc/vmapctl/volumes.d" "$R/run/vmapctl/volumes.d" "$R/usr/lib/vmapctl/volumes.d"
}
teardown() { host_teardown; }

# vol DIR FILE NAME...: a spec file of zero volumes called NAME...
vol() {
	local dir=$1 file=$2
	shift 2
	{
		echo "apiVersion: vmapctl/v1"
		echo "volumes:"
		for n in "$@"; do printf '  - name: %s\n    table: "0 8 zero"\n' "$n"; done
	} >"$R/$dir/vmapctl/volumes.d/$file"
}

volumes() {
	"$VMAPCTL_BIN" validate --json --root "$R" "$@" |
		/usr/bin/python3 -c 'import json, sys; print(" ".join(json.load(sys.stdin)["volumes"]))'
}

@test "a file in /etc overrides the same name in /run and /usr/lib, and the set is read by file name" {
	vol usr/lib 10-base.yaml vendor
	vol run 10-base.yaml runtime
	vol etc 10-base.yaml admin
	vol usr/lib 20-extra.yaml extra
	vol run 05-early.yaml early
	run volumes
	assert_success
	assert_output "early admin extra"
	rm "$R/etc/vmapctl/volumes.d/10-base.yaml"
	run volumes
	assert_output "early runtime extra"
}

@test "a link to /dev/null masks the file of that name below it" {
	vol usr/lib 30-gone.yaml gone
	vol usr/lib 40-kept.yaml kept
	ln -s /dev/null "$R/etc/vmapctl/volumes.d/30-gone.yaml"
	run volumes
	assert_success
	assert_output "kept"
	run "$VMAPCTL_BIN" cat-config --root "$R"
	assert_success
	assert_line "# $R/etc/vmapctl/volumes.d/30-gone.yaml: masked (a link to /dev/null)"
	assert_line "# (masks $R/usr/lib/vmapctl/volumes.d/30-gone.yaml)"
	assert_line "# $R/usr/lib/vmapctl/volumes.d/40-kept.yaml"
	assert_line "  - name: kept"
}

@test "-f and VMAPCTL_SPEC_DIR replace the whole layered set" {
	vol etc 10-a.yaml layered
	mkdir -p "$BATS_TEST_TMPDIR/only"
	printf 'apiVersion: vmapctl/v1\nvolumes:\n  - name: only\n    table: "0 8 zero"\n' \
		>"$BATS_TEST_TMPDIR/only/x.yaml"
	run volumes -f "$BATS_TEST_TMPDIR/only"
	assert_output "only"
	VMAPCTL_SPEC_DIR=$BATS_TEST_TMPDIR/only run volumes
	assert_output "only"
	VMAPCTL_SPEC_DIR=$BATS_TEST_TMPDIR/only run "$VMAPCTL_BIN" cat-config --json --root "$R"
	assert_success
	assert_output --partial '"source": "$VMAPCTL_SPEC_DIR"'
}

@test "errors in the layered set name the file really read, with line and column" {
	vol usr/lib 10-base.yaml fine
	printf 'apiVersion: vmapctl/v1\nvolumes:\n  - name: bad\n    sise: 8\n' \
		>"$R/run/vmapctl/volumes.d/10-base.yaml"
	run -65 "$VMAPCTL_BIN" validate --root "$R"
	assert_output --partial "$R/run/vmapctl/volumes.d/10-base.yaml:4:5: volume 'bad': unknown key 'sise'"
}

@test "no default directory at all is an empty set, not an error" {
	run "$VMAPCTL_BIN" validate --root "$BATS_TEST_TMPDIR/nothing-here"
	assert_success
	assert_output "ok: 0 volumes in 0 files"
	run "$VMAPCTL_BIN" cat-config --root "$BATS_TEST_TMPDIR/nothing-here"
	assert_success
	assert_output "# no spec files (layered)"
}

@test "cat-config --json lists each file with its directory and what it overrides, and matches its schema" {
	vol usr/lib 10-base.yaml vendor
	vol etc 10-base.yaml admin
	vol run 20-run.yml runtime
	"$VMAPCTL_BIN" cat-config --json --root "$R" >"$BATS_TEST_TMPDIR/c.json"
	run /usr/bin/python3 "$TOP/test/tools/json-check.py" \
		"$TOP/schema/cat-config.schema.json=$BATS_TEST_TMPDIR/c.json"
	assert_success
	run /usr/bin/python3 -c 'import json, sys
c = json.load(open(sys.argv[1]))
f = c["files"]
assert c["source"] == "layered", c
assert [x["name"] for x in f] == ["10-base.yaml", "20-run.yml"], f
assert f[0]["directory"] == "/etc/vmapctl/volumes.d" and f[0]["overrides"] == [sys.argv[2] + "/usr/lib/vmapctl/volumes.d/10-base.yaml"], f
assert f[1]["directory"] == "/run/vmapctl/volumes.d" and not f[1]["masked"], f' "$BATS_TEST_TMPDIR/c.json" "$R"
	assert_success
}
