#!/usr/bin/env bats
# The man pages: the committed roff (man/vmapctl.8, man/vmapctl.yaml.5,
# what `make install` installs) is exactly what man/mkman makes from
# man/*.md and the field tables; man renders both without a warning; and
# they document every command, option, exit code, environment variable and
# target type the program has.

# runs-on: host

load helpers
bats_require_minimum_version 1.5.0

setup() { host_setup; }
teardown() { host_teardown; }

TOOLS=${VMAPCTL_TOOLS:-$TOP/build/rel/tools}

# the page as a reader sees it, 80 columns, plain text
rendered() {
	MANWIDTH=80 man -E UTF-8 -l "$1" 2>/dev/null | col -bx
}

@test "the committed man pages are what man/mkman makes from man/*.md and the field tables" {
	command -v pandoc >/dev/null || fail "pandoc is missing (scripts/deps docs)"
	VMAPCTL_TOOLS=$TOOLS run "$TOP/man/mkman" "$BATS_TEST_TMPDIR/man"
	assert_success
	for page in vmapctl.8 vmapctl.yaml.5; do
		diff -u "$TOP/man/$page" "$BATS_TEST_TMPDIR/man/$page" >"$BATS_TEST_TMPDIR/diff" ||
			fail "man/$page is stale: run 'make man' and commit it
$(head -n 40 "$BATS_TEST_TMPDIR/diff")"
	done
}

@test "man renders both pages without a warning" {
	for page in vmapctl.8 vmapctl.yaml.5; do
		warnings=$(MANWIDTH=80 man --warnings -E UTF-8 -l "$TOP/man/$page" 2>&1 >/dev/null)
		[ -z "$warnings" ] || fail "$page: $warnings"
	done
}

@test "vmapctl(8) documents every command, every option and every exit code" {
	page=$(rendered "$TOP/man/vmapctl.8")
	local missing=""
	for cmd in $(vmapctl --help | sed -n '/^commands:/,/^$/p' | awk 'NR > 1 && NF { print $1 }'); do
		printf '%s\n' "$page" | grep -Eq "^       vmapctl +$cmd( |\$)" || missing+=" synopsis:$cmd"
		printf '%s\n' "$page" | grep -Eq "^       $cmd( |\$)" || missing+=" command:$cmd"
		# the option column of each line after "options:"
		for opt in $(vmapctl "$cmd" --help | sed -n '/^options:/,$p' | tail -n +2 |
			awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^--/) { print $i; break } }'); do
			printf '%s\n' "$page" | grep -Eq -- "^       (-[a-z], )?$opt( |\$)" || missing+=" option:$opt"
		done
	done
	for code in 0 1 2 3 64 65 75; do
		printf '%s\n' "$page" | sed -n '/^EXIT STATUS/,/^ENVIRONMENT/p' | grep -Eq "^       $code( |\$)" ||
			missing+=" exit:$code"
	done
	[ -z "$missing" ] || fail "not documented:$missing"
}

@test "vmapctl(8) documents every environment variable the code reads" {
	page=$(rendered "$TOP/man/vmapctl.8" | sed -n '/^ENVIRONMENT/,/^FILES/p')
	vars=$(grep -rhoE 'getenv\("[A-Z_]+"\)' "$TOP/cmd" "$TOP/reconcile" | sed 's/getenv("\(.*\)")/\1/' | sort -u)
	[ -n "$vars" ]
	local missing=""
	for v in $vars; do
		printf '%s\n' "$page" | grep -qE "^       $v( |\$)" || missing+=" $v"
	done
	[ -z "$missing" ] || fail "not in ENVIRONMENT:$missing"
}

@test "vmapctl.yaml(5) has every target type and field of the field tables" {
	page=$(rendered "$TOP/man/vmapctl.yaml.5")
	local missing=""
	for t in $("$TOOLS/gen-schema" --types) raw; do
		printf '%s\n' "$page" | grep -q "^   $t\$" || missing+=" $t"
	done
	[ -z "$missing" ] || fail "target types not in vmapctl.yaml(5):$missing"
	# every key of every target definition in the (generated) JSON Schema
	keys=$(/usr/bin/python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))
for name, d in s["definitions"].items():
    if name.startswith("target-"):
        for k in d.get("properties", {}):
            if k not in ("type", "size"): print(k)' "$TOP/schema/vmapctl-spec.schema.json" | sort -u)
	for k in $keys; do
		printf '%s\n' "$page" | grep -Eq "^ +$k +\(" || missing+=" $k"
	done
	[ -z "$missing" ] || fail "fields not in vmapctl.yaml(5):$missing"
}
