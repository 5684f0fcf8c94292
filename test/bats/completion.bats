#!/usr/bin/env bats
# The shell completions driven for real: bash's (completions/vmapctl.bash)
# through its completion function with COMP_WORDS/COMP_CWORD set as
# readline sets them, fish's with `complete -C`, zsh's on a pseudo-terminal
# (test/tools/zsh-complete).  What they offer is compared with what the
# binary says it takes (`vmapctl CMD --help`), so the files cannot fall
# behind the command table.  (test/unit/test_completions.c checks the
# files' text on the host, without running a shell.)

# runs-on: host

load helpers
load completion_helpers
bats_require_minimum_version 1.5.0

setup() {
	host_setup
	cd "$BATS_TEST_TMPDIR"
	source "$TOP/completions/vmapctl.bash"
}
teardown() { host_teardown; }

# What the binary says: its commands, and the options of one command.
commands_of_help() {
	vmapctl --help | sed -n '/^commands:/,/^$/p' | awk 'NR > 1 && NF { print $1 }' | sort
}
options_of_help() {
	vmapctl "$1" --help | sed -n '/^options:/,$p' | tail -n +2 |
		awk '{ for (i = 1; i <= NF; i++) { w = $i; sub(/,$/, "", w); if (w ~ /^-/) print w; else break } }' | sort
}


@test "bash offers every command, and completes a prefix to the one it starts" {
	[ "$(offers "$VMAPCTL_BIN" '')" = "$(commands_of_help)" ]
	[ "$(offers "$VMAPCTL_BIN" pl)" = plan ]
	[ "$(offers "$VMAPCTL_BIN" ad)" = adopt ]
	# options before the command do not count as the command
	[ "$(offers "$VMAPCTL_BIN" -v --color always ex)" = export ]
	[ "$(offers "$VMAPCTL_BIN" --color=always ex)" = export ]
}

@test "bash offers exactly the options each command takes" {
	local cmd failures=""
	for cmd in $(commands_of_help); do
		want=$(options_of_help "$cmd")
		got=$(offers "$VMAPCTL_BIN" "$cmd" -)
		[ "$got" = "$want" ] || failures+="$cmd: $(diff <(echo "$want") <(echo "$got") | grep '^[<>]' | tr '\n' ' ')"$'\n'
	done
	[ -z "$failures" ] || fail "bash completion out of step (< missing, > extra):
$failures"
	# and after a command and an operand too
	[ "$(offers "$VMAPCTL_BIN" status cmp-alpha --live-state-o)" = --live-state-out ]
}

@test "bash completes option values: --color, --format, also written with =" {
	[ "$(offers "$VMAPCTL_BIN" plan --color '' | tr '\n' ' ')" = "always auto never " ]
	[ "$(offers "$VMAPCTL_BIN" export --format '' | tr '\n' ' ')" = "concise dm-init yaml " ]
	[ "$(offers "$VMAPCTL_BIN" export --format d)" = dm-init ]
	# each command its own formats
	[ "$(offers "$VMAPCTL_BIN" status --format '' | tr '\n' ' ')" = "prometheus table " ]
	[ "$(offers "$VMAPCTL_BIN" status --format=p)" = --format=prometheus ]
	# readline splits "--color=al" at '=' (COMP_WORDBREAKS)
	[ "$(offers "$VMAPCTL_BIN" plan --color = al | tr '\n' ' ')" = "always " ]
	[ "$(offers "$VMAPCTL_BIN" plan --color = | tr '\n' ' ')" = "always auto never " ]
	# a value is not taken for the command name
	[ "$(offers "$VMAPCTL_BIN" --color always plan --al | tr '\n' ' ')" = "--allow-recreate --allow-remap --allow-shrink " ]
	# no guesses for a number of seconds
	[ -z "$(offers "$VMAPCTL_BIN" apply --lock-timeout '')" ]
}

@test "bash completes files after -f, --file, --live-state and --live-state-out" {
	mkdir -p specs
	touch specs/one.yaml specs/two.yml snap.json
	[ "$(offers "$VMAPCTL_BIN" validate -f spe)" = specs ]
	[ "$(offers "$VMAPCTL_BIN" validate --file specs/o)" = specs/one.yaml ]
	[ "$(offers "$VMAPCTL_BIN" plan --live-state sn)" = snap.json ]
	[ "$(offers "$VMAPCTL_BIN" status --live-state-out sn)" = snap.json ]
}

@test "fish offers the same commands and options as the binary" {
	command -v fish >/dev/null || skip "fish is not installed"
	local cmd failures=""
	fc() { fish --no-config -c "source $TOP/completions/vmapctl.fish; complete -C '$1'" | cut -f1 | sort -u; }
	[ "$(fc "$VMAPCTL_BIN " | grep -v '^-')" = "$(commands_of_help)" ]
	for cmd in $(commands_of_help); do
		want=$(options_of_help "$cmd")
		got=$(fc "$VMAPCTL_BIN $cmd -" | grep '^-')
		[ "$got" = "$want" ] || failures+="$cmd: $(diff <(echo "$want") <(echo "$got") | grep '^[<>]' | tr '\n' ' ')"$'\n'
	done
	[ -z "$failures" ] || fail "fish completion out of step (< missing, > extra):
$failures"
	[ "$(fc "$VMAPCTL_BIN export --format " | tr '\n' ' ')" = "concise dm-init yaml " ]
	[ "$(fc "$VMAPCTL_BIN status --format " | tr '\n' ' ')" = "prometheus table " ]
	spec_two
	[ "$(fc "$VMAPCTL_BIN status cmp-" | tr '\n' ' ')" = "cmp-alpha cmp-beta " ]
}

@test "zsh offers the same commands and options as the binary" {
	command -v zsh >/dev/null || skip "zsh is not installed"
	local cmd failures=""
	# zsh's completion system copied to tmpfs once: over the VM's 9p root
	# compinit alone takes minutes
	export ZC_CACHE=$BATS_TEST_TMPDIR/zsh
	zc() { "$TOP/test/tools/zsh-complete" "$TOP/completions" "$1" | sort -u; }
	[ "$(zc "$VMAPCTL_BIN ")" = "$(commands_of_help)" ]
	for cmd in $(commands_of_help); do
		want=$(options_of_help "$cmd")
		got=$(zc "$VMAPCTL_BIN $cmd -")
		[ "$got" = "$want" ] || failures+="$cmd: $(diff <(echo "$want") <(echo "$got") | grep '^[<>]' | tr '\n' ' ')"$'\n'
	done
	[ -z "$failures" ] || fail "zsh completion out of step (< missing, > extra):
$failures"
	[ "$(zc "$VMAPCTL_BIN export --format=" | tr '\n' ' ')" = "concise dm-init yaml " ]
	[ "$(zc "$VMAPCTL_BIN status --format=" | tr '\n' ' ')" = "prometheus table " ]
	spec_two
	[ "$(zc "$VMAPCTL_BIN status cmp-" | tr '\n' ' ')" = "cmp-alpha cmp-beta " ]
}
