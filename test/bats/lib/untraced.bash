# test/bats/lib/untraced.bash: run a helper without bats' per-command trace.
#
# bats records a stack trace before every command a test runs (a DEBUG
# trap), so that a failure can name its line.  In the emulated test VM that
# costs about 4 ms a command: a helper looping over a few hundred lines
# (a teardown listing the dm devices, a normaliser check) pays seconds a
# test.  `untraced FN ARGS...` runs FN with the trap off and puts it back
# after.  A failure inside FN is reported at the line of the test that
# called the helper (with the helper's own `fail` message): this file's
# directory is excluded from the trace, so the last line recorded is the
# caller's.  FN runs in the caller's shell and errexit context, unchanged:
# a command failing in it fails the test as before.

_UNTRACED_DIR=${BASH_SOURCE[0]%/*}

untraced() {
	# bats resets its exclusions for every test: add this directory again
	[[ " ${BATS_DEBUG_EXCLUDE_PATHS[*]-} " == *" $_UNTRACED_DIR "* ]] ||
		bats_add_debug_exclude_path "$_UNTRACED_DIR" 2>/dev/null || true
	# whether the trace is on: bats turns it off once a test failed, and
	# it must stay off then.  Read through a file: a $(...) costs a fork.
	local _trap= _state=${BATS_TEST_TMPDIR:-${TMPDIR:-/tmp}}/.untraced.$BASHPID
	{ trap -p DEBUG >"$_state" && IFS= read -r _trap <"$_state"; } 2>/dev/null || true
	[ -n "$_trap" ] || {
		"$@"
		return
	}
	trap - DEBUG
	"$@"
	local rc=$?
	eval "$_trap"
	return "$rc"
}

# untrace_functions NAME...: make each function (defined already) run
# untraced: its body moves to _untraced_NAME and NAME calls it through
# `untraced`.  For bats' `run` (whose loop over the output lines was traced
# line by line) and the bats-assert checks.  No fork: `declare -f` into a
# file, read back with mapfile.  A failing check is still reported at the
# test's line: the new NAME is defined here, in an excluded directory.
untrace_functions() {
	local n text defs=${BATS_RUN_TMPDIR:-${TMPDIR:-/tmp}}/.untrace-defs.$BASHPID
	local -a lines
	for n in "$@"; do
		declare -F "$n" >/dev/null || continue
		declare -f "$n" >"$defs"
		mapfile -t lines <"$defs"
		lines[0]="_untraced_$n () "
		printf -v text '%s\n' "${lines[@]}"
		eval "$text"
		eval "$n() { untraced _untraced_$n \"\$@\"; }"
	done
}
