# test/bats/corpus_helpers.bash: the body of the corpus tests
# (corpus-lvm.bats, corpus-crypt.bats, corpus-docs.bats; issue 14,
# contract sections 1, 2 and 5).
#
# setup_file has test/corpus/make-tables have the real tools make their
# devices on loop devices, write data through them, capture their tables
# and deactivate them again.  Each test then brings one set back with
# vmapctl, pasted as `table:`, and proves: the live tables are the tool's
# own (device numbers of dm devices aside), the data reads back the same,
# `plan` has nothing to do, and the YAML `export` (typed targets where
# vmapctl has the type), after `destroy`, applies to the same tables and
# data again.

# shellcheck source=test/corpus/corpus.bash
source "$TOP/test/corpus/corpus.bash"

# corpus_setup_file GROUP...: make the sets of these make-tables groups
corpus_setup_file() { untraced _corpus_setup_file "$@"; }
_corpus_setup_file() {
	require_vm || return 1
	export CORPUS=$BATS_FILE_TMPDIR/corpus
	"$TOP/test/corpus/make-tables" "$CORPUS" "$@" >"$BATS_FILE_TMPDIR/make-tables.log" 2>&1 || {
		sed 's/^/# /' "$BATS_FILE_TMPDIR/make-tables.log" >&3
		return 1
	}
	# versions, what a tool could not make, and the time it took: TAP comments
	sed 's/^/# /' "$CORPUS/versions" "$CORPUS/timings" >&3
	sed 's/^/# make-tables: /' "$CORPUS/failed" "$CORPUS/absent" >&3
}

corpus_teardown_file() {
	[ "${VMAPCTL_IN_VM:-}" = 1 ] || return 0
	[ -e "${CORPUS:-}/loops" ] || return 0
	local l
	while read -r l; do losetup -d "$l" 2>/dev/null || true; done <"$CORPUS/loops"
}

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

# table_key VOLUME FIELD: the key the tool's table (captured with
# --showkeys) holds for vmapctl's field FIELD, in hex
table_key() {
	awk -v v="$1:" -v f="$2" '
		$1 != v { next }
		f == "key" && $4 == "crypt" { print $6; exit }
		{
			p = f == "internalHashKey" ? "internal_hash:" : f == "journalCryptKey" ? "journal_crypt:" : f == "journalMacKey" ? "journal_mac:" : ""
			for (i = 5; p != "" && i <= NF; i++)
				if (index($i, p) == 1) { n = split($i, a, ":"); if (n == 3) { print a[3]; exit } }
		}' "$d/tables"
}

# put_keys EXPORT_STDERR: export never writes keys; it says where each one
# must go ("put the key for 'FIELD' (raw bytes) in 'PATH'").  Put the
# tool's key there, as a user taking the device over does.
put_keys() {
	local line re key
	re="volume '([^']+)': export does not write keys: put the key for '([^']+)' \\(raw bytes\\) in '([^']+)'"
	while IFS= read -r line; do
		[[ $line =~ $re ]] || continue
		key=$(table_key "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}")
		[ -n "$key" ] || fail "no ${BASH_REMATCH[2]} for ${BASH_REMATCH[1]} in the tool's table"
		mkdir -p "$(dirname "${BASH_REMATCH[3]}")"
		xxd -r -p <<<"$key" >"${BASH_REMATCH[3]}"
		keyfiles+=("${BASH_REMATCH[3]}")
	done <"$1"
}

# check_set NAME: the whole round trip for one captured set
check_set() { untraced _check_set "$@"; }
_check_set() {
	d=$CORPUS/sets/$1
	if [ ! -d "$d" ]; then
		local why
		why=$(grep "^$1: " "$CORPUS/absent" || true)
		[ -z "$why" ] || skip "$why"
		fail "the tool could not make set $1 here: $(grep -A4 "^$1: " "$CORPUS/failed" || echo '(no message)')"
	fi
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
	keyfiles=()
	put_keys "$ex.err"
	step "plan of the export (must be no change)" vmapctl plan -f "$ex" --detailed-exitcode
	step "destroy" vmapctl destroy "${devs[@]}"
	for n in "${devs[@]}"; do
		[ ! -e "/dev/mapper/$n" ] || fail "destroy left $n"
	done
	step "apply of the export" vmapctl apply -f "$ex"
	same_tables "after export, destroy, apply of the export"
	same_data "after export, destroy, apply of the export"
}

# every_set_tested: each set make-tables made has its test in this file
every_set_tested() {
	local s
	for s in "$CORPUS"/sets/*/; do
		[ -d "$s" ] || continue
		s=${s%/}
		grep -qE "check_set ${s##*/}( *;|\$)" "$BATS_TEST_FILENAME" || fail "set ${s##*/} has no test"
	done
}
