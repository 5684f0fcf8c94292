#!/usr/bin/env bats
# Tables that real tools make, taken over by vmapctl (issue 14, contract
# sections 1, 2 and 5).  test/corpus/make-tables has lvm2, cryptsetup,
# veritysetup, integritysetup and dmsetup (the kernel documentation's
# examples) make their devices on loop devices, writes data through them,
# captures their tables and has the tools deactivate them again.  Each test
# then brings one set back with vmapctl, pasted as `table:`, and proves:
# the live tables are the tool's own (device numbers of dm devices aside),
# the data reads back the same, `plan` has nothing to do, and the YAML
# `export` (typed targets where vmapctl has the type), after `destroy`,
# applies to the same tables and data again.

load helpers
bats_require_minimum_version 1.5.0
# shellcheck source=test/corpus/corpus.bash
source "$TOP/test/corpus/corpus.bash"

setup_file() {
	require_vm || return 1
	export CORPUS=$BATS_FILE_TMPDIR/corpus
	"$TOP/test/corpus/make-tables" "$CORPUS" >"$BATS_FILE_TMPDIR/make-tables.log" 2>&1 || {
		cat "$BATS_FILE_TMPDIR/make-tables.log" >&3
		return 1
	}
	# what a tool could not make here shows in the TAP output
	sed 's/^/# make-tables: /' "$CORPUS/failed" >&3
	sed 's/^/# /' "$CORPUS/versions" >&3
}

teardown_file() {
	[ "${VMAPCTL_IN_VM:-}" = 1 ] || return 0
	local l
	while read -r l; do losetup -d "$l" 2>/dev/null || true; done <"$CORPUS/loops"
}

setup() { common_setup; }
teardown() { common_teardown; }

# step WHAT CMD...: run CMD; on failure, fail naming WHAT, the command,
# its exit code (139: vmapctl crashed) and what it said.
step() {
	local what=$1
	shift
	run "$@"
	[ "$status" -eq 0 ] || fail "$what: '$*' exited $status: $output"
}

# same_tables WHEN: the set's live tables are the ones the tool made
same_tables() {
	local now
	now=$(corpus_tables "${devs[@]}") || fail "$1: a device of the set is missing"
	[ "$now" = "$(cat "$d/tables")" ] ||
		fail "$1: the live tables differ from the tool's:$(diff <(cat "$d/tables") <(echo "$now") | sed 's/^/ /')"
}

# same_data WHEN: every top volume reads back what it held under the tool
same_data() {
	local n s want
	while read -r n want; do
		s=$(corpus_sums "$n") || fail "$1: reading $n failed"
		[ "${s#* }" = "$want" ] || fail "$1: $n reads other data than under the tool"
	done <"$d/sums"
}

check_set() {
	d=$CORPUS/sets/$1
	[ -d "$d" ] || fail "the tool could not make set $1 here: $(grep -A3 "^$1" "$CORPUS/failed" || echo '(no message)')"
	mapfile -t devs <"$d/devices"
	local n
	for n in "${devs[@]}"; do
		[ ! -e "/dev/mapper/$n" ] || fail "the tool left $n active"
	done
	if [ -f "$d/prepare" ]; then bash "$d/prepare"; fi

	step "apply of the tool's tables as table:" vmapctl apply -f "$d/spec.yaml"
	same_tables "after apply of table:"
	same_data "after apply of table:"
	step "plan after apply (must be no change)" vmapctl plan -f "$d/spec.yaml" --detailed-exitcode

	local ex=$BATS_TEST_TMPDIR/export.yaml
	"$VMAPCTL_BIN" export "${devs[@]}" >"$ex" 2>"$ex.err" ||
		fail "export exited $?: $(cat "$ex.err")"
	step "plan of the export (must be no change)" vmapctl plan -f "$ex" --detailed-exitcode
	step "destroy" vmapctl destroy "${devs[@]}"
	for n in "${devs[@]}"; do
		[ ! -e "/dev/mapper/$n" ] || fail "destroy left $n"
	done
	step "apply of the export" vmapctl apply -f "$ex"
	same_tables "after export, destroy, apply of the export"
	same_data "after export, destroy, apply of the export"
}

@test "lvm2: a linear LV over two PVs (two segments) is taken over as table: and as its export" { check_set lvm-linear-2pv; }
@test "lvm2: a striped LV is taken over as table: and as its export" { check_set lvm-striped; }
@test "lvm2: a thin pool and a thin LV are taken over as table: and as their export" { check_set lvm-thin; }
@test "lvm2: a classic snapshot stack (origin, real, cow, snapshot) is taken over as table: and as its export" { check_set lvm-snapshot; }
@test "lvm2: a raid1 LV with its metadata and image sub-LVs is taken over as table: and as its export" { check_set lvm-raid1; }
@test "lvm2: a --type mirror LV with a disk log is taken over as table: and as its export" { check_set lvm-mirror; }
@test "lvm2: a cached LV (cache pool, metadata2 writethrough) is taken over as table: and as its export" { check_set lvm-cache; }
@test "lvm2: a writecache LV is taken over as table: and as its export" { check_set lvm-writecache; }
@test "cryptsetup: LUKS2 with its key in the kernel keyring and 4096-byte sectors is taken over as table: and as its export" { check_set crypt-luks2; }
@test "cryptsetup: a plain mapping is taken over as table: and as its export" { check_set crypt-plain; }
@test "cryptsetup: LUKS2 with hmac-sha256 integrity (crypt over integrity) is taken over as table: and as its export" { check_set crypt-luks2-integrity; }
@test "veritysetup: a verity device is taken over as table: and as its export" { check_set verity; }
@test "integritysetup: an hmac-sha256 integrity device (fix_padding fix_hmac) is taken over as table: and as its export" { check_set integrity; }
@test "kernel docs: a two-line linear table is taken over as table: and as its export" { check_set doc-linear; }
@test "kernel docs: a striped table is taken over as table: and as its export" { check_set doc-striped; }
@test "kernel docs: unstriped over striped is taken over as table: and as its export" { check_set doc-unstriped; }
@test "kernel docs: a zero table is taken over as table: and as its export" { check_set doc-zero; }
@test "kernel docs: an error table is taken over as table: and as its export" { check_set doc-error; }
@test "kernel docs: a crypt table with a hex key is taken over as table: and as its export" { check_set doc-crypt; }
@test "kernel docs: a delay table with read, write and flush devices is taken over as table: and as its export" { check_set doc-delay; }
@test "kernel docs: a flakey table is taken over as table: and as its export" { check_set doc-flakey; }
@test "kernel docs: a dust table is taken over as table: and as its export" { check_set doc-dust; }
@test "kernel docs: an ebs table is taken over as table: and as its export" { check_set doc-ebs; }
@test "kernel docs: a switch table is taken over as table: and as its export" { check_set doc-switch; }
@test "kernel docs: a log-writes table is taken over as table: and as its export" { check_set doc-log-writes; }
@test "kernel docs: an era table is taken over as table: and as its export" { check_set doc-era; }
@test "kernel docs: a multipath table (queue-length, two paths to one LUN) is taken over as table: and as its export" { check_set doc-multipath; }
@test "kernel docs: a mirror table with a core log is taken over as table: and as its export" { check_set doc-mirror; }
@test "kernel docs: a raid1 table without metadata devices is taken over as table: and as its export" { check_set doc-raid; }
@test "kernel docs: a thin pool and a thin volume are taken over as table: and as their export" { check_set doc-thin; }
@test "kernel docs: snapshot-origin and snapshot are taken over as table: and as their export" { check_set doc-snapshot; }
@test "kernel docs: a cache table is taken over as table: and as its export" { check_set doc-cache; }
@test "kernel docs: a writecache table is taken over as table: and as its export" { check_set doc-writecache; }
@test "kernel docs: a clone table is taken over as table: and as its export" { check_set doc-clone; }
@test "kernel docs: a standalone integrity table is taken over as table: and as its export" { check_set doc-integrity; }

@test "every set the corpus generator knows is tested here" {
	local s
	for s in "$CORPUS"/sets/*/; do
		s=${s%/}
		grep -q "check_set ${s##*/};" "$BATS_TEST_FILENAME" || fail "set ${s##*/} has no test"
	done
}
