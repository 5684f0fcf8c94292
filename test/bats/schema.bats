#!/usr/bin/env bats
# The JSON Schema (schema/vmapctl-spec.schema.json) for YAML editors: it is
# generated from the C field tables and must never drift from them, and a
# real validator (Debian's python3-jsonschema) must agree with `vmapctl
# validate` on the examples and on every bad spec the schema can express.
# Bad specs it cannot express are listed with the reason, and the schema is
# shown to accept them, so a label can never hide a real disagreement.

# runs-on: host

load helpers
bats_require_minimum_version 1.5.0

setup() { host_setup; }
teardown() { host_teardown; }

# One Python run for every file (starting Python in the emulated VM takes
# seconds): the verdicts go to $BATS_FILE_TMPDIR/verdicts.
setup_file() {
	local files=() f
	for f in "$TOP"/examples/*.yaml $(find "$TOP/test/bad-specs" -name '*.yaml' | sort); do
		grep -q '^# schema: not-run' "$f" || files+=("$f")
	done
	/usr/bin/python3 "$TOP/test/tools/schema-check.py" "$TOP/schema/vmapctl-spec.schema.json" \
		"${files[@]}" >"$BATS_FILE_TMPDIR/verdicts"
}

BAD=$TOP/test/bad-specs
TOOLS=${VMAPCTL_TOOLS:-$TOP/build/rel/tools}
SCHEMA=$TOP/schema/vmapctl-spec.schema.json

# The "# schema:" label of a corpus file, in $label.
read_labels() {
	local line i
	label=
	for i in 1 2 3; do
		IFS= read -r line || break
		case $line in
		"# schema: "*) label=${line#"# schema: "} ;;
		esac
	done <"$1"
}

# The Python validator's verdict ("valid", "invalid") and reason for every
# file, from the one run in setup_file.
declare -gA VERDICT=() WHY=()
load_verdicts() {
	local f v w
	while IFS=$'\t' read -r f v w; do
		VERDICT[$f]=$v
		WHY[$f]=$w
	done <"$BATS_FILE_TMPDIR/verdicts"
}

schema_says() {
	[ ${#VERDICT[@]} -gt 0 ] || load_verdicts
	echo "${VERDICT[$1]:-not-checked}"
}

schema_why() {
	[ ${#VERDICT[@]} -gt 0 ] || load_verdicts
	echo "${WHY[$1]:-}"
}

# Every YAML file of the corpus
corpus_files() {
	find "$BAD" -name '*.yaml' | sort
}

@test "the committed schema is exactly what gen-schema makes from the field tables" {
	run --separate-stderr "$TOOLS/gen-schema"
	assert_success
	diff -u "$SCHEMA" <(printf '%s\n' "$output") >"$BATS_TEST_TMPDIR/diff" ||
		fail "schema/vmapctl-spec.schema.json is stale: run
  build/rel/tools/gen-schema > schema/vmapctl-spec.schema.json
$(head -n 40 "$BATS_TEST_TMPDIR/diff")"
}

@test "the schema is a valid draft-07 schema with a description on every target field" {
	/usr/bin/python3 - "$SCHEMA" <<'EOF'
import json, sys, jsonschema
s = json.load(open(sys.argv[1]))
jsonschema.Draft7Validator.check_schema(s)
assert s["$schema"] == "http://json-schema.org/draft-07/schema#"
for name, d in s["definitions"].items():
    if name.startswith("target-"):
        for key, p in d["properties"].items():
            assert "description" in p or "const" in p, (name, key)
EOF
}

@test "every example passes the schema, as it passes vmapctl validate" {
	local f failures=""
	for f in "$TOP"/examples/*.yaml; do
		[ "$(schema_says "$f")" = valid ] ||
			failures+="${f##*/}: $(schema_why "$f")"$'\n'
		vmapctl validate -q -f "$f" || failures+="${f##*/}: vmapctl validate fails"$'\n'
	done
	[ -z "$failures" ] || fail "$failures"
}

@test "bad specs the schema can express fail it, and fail vmapctl validate" {
	local f failures="" count=0
	for f in $(corpus_files); do
		read_labels "$f"
		[ "$label" = reject ] || continue
		count=$((count + 1))
		[ "$(schema_says "$f")" = invalid ] || failures+="${f#$BAD/}: the schema accepts it"$'\n'
		run vmapctl validate -f "$f"
		[ "$status" -eq 65 ] || failures+="${f#$BAD/}: vmapctl validate exit $status"$'\n'
	done
	echo "# $count bad specs rejected by both" >&3
	[ "$count" -ge 30 ] || failures+="only $count"$'\n'
	[ -z "$failures" ] || fail "$failures"
}

@test "bad specs the schema cannot express: listed with the reason, accepted by it, refused by vmapctl" {
	local f entry failures="" list=""
	for f in $(corpus_files); do
		read_labels "$f"
		[[ $label == accepts:* ]] || continue
		list+="#   ${f#$BAD/}: ${label#accepts: }"$'\n'
		# the label is checked, not trusted: the schema must really accept it
		[ "$(schema_says "$f")" = valid ] ||
			failures+="${f#$BAD/}: labelled 'accepts' but the schema rejects it (relabel it 'reject')"$'\n'
		# and vmapctl must refuse it (a directory entry: refuse the directory)
		entry=$f
		[ "$(dirname "$f")" = "$BAD" ] || entry=$(dirname "$f")
		run vmapctl validate -f "$entry"
		[ "$status" -eq 65 ] || failures+="${f#$BAD/}: vmapctl validate exit $status"$'\n'
	done
	printf '# beyond the schema, checked by vmapctl only:\n%s' "$list" >&3
	[ -z "$failures" ] || fail "$failures"
}

@test "bad specs not run through a schema validator: listed with the reason" {
	local f list=""
	for f in $(corpus_files); do
		read_labels "$f"
		case $label in
		not-run:*) ;;
		*) continue ;;
		esac
		list+="#   ${f#$BAD/}: ${label#not-run: }"$'\n'
		run vmapctl validate -f "$f"
		assert_failure 65
	done
	printf '# not given to the schema validator:\n%s' "$list" >&3
	[ -n "$list" ]
}

@test "every bad spec has a schema label" {
	local f failures=""
	for f in $(corpus_files); do
		read_labels "$f"
		case $label in
		reject | accepts:* | not-run:*) ;;
		*) failures+="${f#$BAD/}: no '# schema: reject|accepts: WHY|not-run: WHY' line"$'\n' ;;
		esac
	done
	[ -z "$failures" ] || fail "$failures"
}
