#!/usr/bin/env bats
# Output for people: on a terminal the plan is coloured and reads like a
# diff, and a long apply shows progress on stderr; piped, or with NO_COLOR,
# there is not one escape code.  `script` (util-linux) gives the command a
# pseudo-terminal, as a user's shell would.

load helpers
bats_require_minimum_version 1.5.0

setup() {
	common_setup
	DISK=$(make_loop 128M)
	ESC=$'\033'
	# a user's terminal, whatever the suite itself runs under
	export TERM=xterm-256color
	unset NO_COLOR
}
teardown() { common_teardown; }

stack() {
	write_spec a.yaml <<EOF
apiVersion: vmapctl/v1
volumes:
  - name: h-low
    targets:
      - {type: linear, size: $1, device: $DISK, offset: 2048}
  - name: h-up
    targets:
      - {type: linear, size: 8MiB, device: {volume: h-low}}
EOF
}

# on_tty CMD...: run CMD (a shell command line) on a pseudo-terminal; its
# output, with the terminal's \r\n made \n, is in $output
on_tty() {
	run script -qec "$*" /dev/null
	output=${output//$'\r'/}
}

no_escapes() {
	if [[ "$1" == *"$ESC"* ]]; then
		fail "escape codes where there must be none: $(printf '%s' "$1" | cat -v | head -n 20)"
	fi
}

@test "plan on a terminal is coloured: created lines green, a reload as a red - / green + diff" {
	stack 64MiB
	on_tty "$VMAPCTL_BIN" plan
	assert_success
	[[ "$output" == *"${ESC}[1mplan:${ESC}[0m 2 volumes, 2 to change"* ]] || fail "$output"
	[[ "$output" == *"${ESC}[32m+ create   h-low"* ]] || fail "$output"
	[[ "$output" == *"${ESC}[32m+ 0 131072 linear $(devnum "$DISK") 2048${ESC}[0m"* ]] || fail "$output"
	vmapctl apply -q
	stack 96MiB
	on_tty "$VMAPCTL_BIN" plan
	assert_success
	[[ "$output" == *"${ESC}[33m~ reload   h-low"* ]] || fail "$output"
	[[ "$output" == *"${ESC}[31m- 0 131072 linear $(devnum "$DISK") 2048${ESC}[0m"* ]] || fail "$output"
	[[ "$output" == *"${ESC}[32m+ 0 196608 linear $(devnum "$DISK") 2048${ESC}[0m"* ]] || fail "$output"
}

@test "piped, nothing has an escape code: plan, apply with its progress, status, errors" {
	stack 64MiB
	run --separate-stderr vmapctl plan
	assert_success
	no_escapes "$output"
	[[ "$output" == *"+ create   h-low"* ]]
	run --separate-stderr vmapctl apply -v
	assert_success
	no_escapes "$output"
	no_escapes "$stderr"
	[[ "$output" == *"applied: 2 volumes changed"* ]]
	stack 96MiB
	run --separate-stderr vmapctl apply
	no_escapes "$output$stderr"
	run --separate-stderr vmapctl status
	no_escapes "$output$stderr"
	run --separate-stderr vmapctl plan --allow-bogus
	assert_failure 64
	no_escapes "$output$stderr"
}

@test "NO_COLOR and --color=never keep a terminal plain; --color=always colours a pipe" {
	stack 64MiB
	on_tty NO_COLOR=1 "$VMAPCTL_BIN" plan
	assert_success
	no_escapes "$output"
	[[ "$output" == *"+ create   h-low"* ]]
	on_tty "$VMAPCTL_BIN" plan --color=never
	no_escapes "$output"
	# an explicit --color=always wins over NO_COLOR, on a pipe too
	run --separate-stderr env NO_COLOR=1 "$VMAPCTL_BIN" plan --color=always
	assert_success
	[[ "$output" == *"${ESC}[32m+ create   h-low"* ]] || fail "$output"
	# an empty NO_COLOR does not count (no-color.org)
	on_tty NO_COLOR= "$VMAPCTL_BIN" plan
	[[ "$output" == *"${ESC}[32m"* ]] || fail "$output"
}

@test "apply shows progress on stderr only when stderr is a terminal" {
	stack 64MiB
	# stdout to a file, stderr the terminal: progress lines, each cleared
	on_tty "$VMAPCTL_BIN" apply ">$BATS_TEST_TMPDIR/out"
	assert_success
	[[ "$output" == *"[1/2] create h-low"* ]] || fail "no progress: $(printf '%s' "$output" | cat -v)"
	[[ "$output" == *"${ESC}[K"* ]]
	no_escapes "$(cat "$BATS_TEST_TMPDIR/out")"
	vmapctl destroy -q h-up h-low
	# stderr to a file, on a terminal otherwise: no progress at all, only
	# the log of the changes (no journald in the VM: vmapctl(8), LOGGING)
	on_tty "$VMAPCTL_BIN" apply "2>$BATS_TEST_TMPDIR/err"
	assert_success
	[ -z "$(grep -v "^vmapctl\[[0-9]*\]: apply: create 'h-[a-z]*' ([0-9.]* ms)\$" "$BATS_TEST_TMPDIR/err")" ] ||
		fail "stderr: $(cat -v "$BATS_TEST_TMPDIR/err")"
	[[ "$output" == *"applied: 2 volumes changed"* ]]
	# --json, or a terminal that cannot redraw a line: no progress either
	vmapctl destroy -q h-up h-low
	on_tty "$VMAPCTL_BIN" apply --json ">/dev/null"
	assert_success
	no_escapes "$output"
	vmapctl destroy -q h-up h-low
	on_tty TERM=dumb "$VMAPCTL_BIN" apply ">/dev/null"
	assert_success
	no_escapes "$output"
}
