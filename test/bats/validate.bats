#!/usr/bin/env bats
# `vmapctl validate`: the spec front end end to end.  Every malformed spec
# of test/bad-specs/ fails with exit 65 at the file:line:col its first line
# names; the examples validate; the set is made of files and directories as
# documented (docs/spec-format.md); and validate touches nothing.

# runs-on: host

load helpers
bats_require_minimum_version 1.5.0

setup() { host_setup; }
teardown() { host_teardown; }

BAD=$TOP/test/bad-specs

# The suite runs in an emulated VM that other VMs share, where every new
# process is expensive: the helpers below do their work in bash itself.

# Run `vmapctl ARGS...` once: its output (stdout and stderr) in $output,
# its exit status in $status, and the milliseconds of CPU (user + system)
# it used in $cpu.  CPU, not wall-clock time: in the shared emulator a
# process that does nothing can wait a second to be scheduled.
run_timed() {
	local res t
	res=$( ("$VMAPCTL_BIN" "$@" 2>&1; echo "rc=$?"; times) )
	t=${res##*$'\n'}  # the children's "user system" line of `times`
	res=${res%$'\n'*}
	res=${res%$'\n'*} # the shell's own line
	status=${res##*rc=}
	output=${res%rc=*}
	output=${output%$'\n'}
	if [[ $t =~ ^([0-9]+)m([0-9]+)\.([0-9]+)s\ ([0-9]+)m([0-9]+)\.([0-9]+)s$ ]]; then
		local r=("${BASH_REMATCH[@]}")
		cpu=$(((10#${r[1]} * 60 + 10#${r[2]}) * 1000 + 10#${r[3]} +
		       (10#${r[4]} * 60 + 10#${r[5]}) * 1000 + 10#${r[6]}))
	else
		cpu=999999
	fi
}

# The least CPU time of up to five runs a moment apart: the guest's CPU
# clock runs on while the host deschedules the emulator (an emulator has no
# steal time), so a slow run proves nothing; a slow program is slow every
# time.  (test_spec_corpus checks the same corpus in-process on the host,
# where one measurement is reliable.)
run_best() {
	local best=999999 i
	for i in 1 2 3 4 5; do
		run_timed "$@"
		[ "$cpu" -lt "$best" ] && best=$cpu
		[ "$best" -lt 1000 ] && break
		sleep 0.5
	done
	cpu=$best
}

# The "# expect:" line at the top of a corpus file, into $expect.
read_header() {
	local line i
	expect=
	for i in 1 2 3; do
		IFS= read -r line || break
		case $line in
		"# expect: "*) expect=${line#"# expect: "} ;;
		esac
	done <"$1"
}

# Corpus entry $1 (a file, or a directory where one file has "# expect:"):
# that file in $file, its "# expect:" line in $expect.
read_entry() {
	local f
	file=$1
	if [ -d "$1" ]; then
		for f in "$1"/*.yaml; do
			read_header "$f"
			[ -n "$expect" ] && break
		done
		file=$f
	fi
	read_header "$file"
}

# What starting vmapctl on a trivial spec costs in this VM (dynamic
# linking under an emulator is far from free): the time limits below are
# for the work a spec causes on top of that.
startup_cpu() {
	printf 'apiVersion: vmapctl/v1\nvolumes: []\n' >"$BATS_TEST_TMPDIR/min.yaml"
	run_best validate -f "$BATS_TEST_TMPDIR/min.yaml"
	[ "$status" -eq 0 ] || fail "a minimal spec does not validate: $output"
	echo "# starting vmapctl takes $cpu ms of CPU here" >&3
	base=$cpu
}

@test "every bad spec fails with exit 65 at its file:line:col, in under a second of CPU beyond startup" {
	startup_cpu
	cd "$BAD"
	local entry failures="" count=0
	for entry in *.yaml */; do
		entry=${entry%/}
		read_entry "$entry"
		[ -n "$expect" ] || { failures+="$entry: no '# expect:' first line"$'\n'; continue; }
		run_best validate -f "$entry"
		count=$((count + 1))
		[ "$status" -eq 65 ] || failures+="$entry: exit $status, not 65"$'\n'
		[ $((cpu - base)) -lt 1000 ] || failures+="$entry: took ${cpu} ms of CPU (${base} ms to start)"$'\n'
		[[ $output == *"vmapctl: $file:$expect"* ]] ||
			failures+="$entry: no line 'vmapctl: $file:$expect' in:"$'\n'"$output"$'\n'
		# the keys in the secret-* specs all start like this: never shown
		[[ $output != *0011223344* ]] || failures+="$entry: key material in the output"$'\n'
	done
	echo "# $count bad specs checked" >&3
	[ "$count" -ge 40 ] || failures+="only $count bad specs"$'\n'
	[ -z "$failures" ] || fail "$failures"
}

@test "an empty file is an error, not an empty set" {
	: >"$BATS_TEST_TMPDIR/empty.yaml"
	run vmapctl validate -f "$BATS_TEST_TMPDIR/empty.yaml"
	assert_failure 65
	assert_output "vmapctl: $BATS_TEST_TMPDIR/empty.yaml:1:1: the spec file is empty (it needs 'apiVersion: vmapctl/v1' and 'volumes:')"
}

@test "a file over 16 MiB is refused before it is read, in under a second of CPU beyond startup" {
	f=$BATS_TEST_TMPDIR/huge.yaml
	{
		printf 'apiVersion: vmapctl/v1\nvolumes:\n'
		# real content, not a sparse file: the check must not depend on it
		yes '  - {name: x, table: "0 8 zero"}' | head -c $((17 * 1024 * 1024))
	} >"$f"
	startup_cpu
	run_best validate -f "$f"
	assert_failure 65
	assert_output "vmapctl: $f: spec file is larger than 16 MiB (split it into several files)"
	[ $((cpu - base)) -lt 1000 ] || fail "took $cpu ms of CPU ($base ms to start)"
}

@test "a file arriving on a pipe over the cap is refused too" {
	run bash -c "yes '# padding' | head -c \$((17 * 1024 * 1024)) | '$VMAPCTL_BIN' validate -f /dev/stdin"
	assert_failure 65
	assert_output --partial "spec file is larger than 16 MiB"
}

validate_example() {
	local f=$TOP/examples/$1
	run vmapctl validate -f "$f"
	assert_success
	assert_output --regexp "^ok: [0-9]+ volumes? in 1 file$"
}

@test "example 01-one-disk validates" { validate_example 01-one-disk.yaml; }
@test "example 02-striped validates" { validate_example 02-striped.yaml; }
@test "example 03-crypt validates" { validate_example 03-crypt.yaml; }
@test "example 04-multipath validates" { validate_example 04-multipath.yaml; }
@test "example 05-thin validates" { validate_example 05-thin.yaml; }
@test "example 06-snapshot validates" { validate_example 06-snapshot.yaml; }
@test "example 07-stack validates" { validate_example 07-stack.yaml; }
@test "example 08-udev validates" { validate_example 08-udev.yaml; }
@test "example 09-table validates" { validate_example 09-table.yaml; }

@test "every example file is covered by a test above" {
	for f in "$TOP"/examples/*.yaml; do
		grep -qF "validate_example ${f##*/};" "$BATS_TEST_FILENAME" || fail "no test for ${f##*/}"
	done
}

@test "all examples together are one valid set: names are unique across them" {
	run vmapctl validate -f "$TOP/examples"
	assert_success
	n=$(ls "$TOP"/examples/*.yaml | wc -l)
	assert_output --regexp "^ok: [0-9]+ volumes in $n files$"
}

@test "volumes in one file may stack on volumes in another" {
	write_spec 10-disks.yaml <<'EOF'
apiVersion: vmapctl/v1
volumes:
  - name: low
    targets:
      - type: linear
        size: 8
        device: /dev/sdb
EOF
	write_spec 20-top.yml <<'EOF'
apiVersion: vmapctl/v1
volumes:
  - name: high
    targets:
      - type: linear
        size: 8
        device: {volume: low}
EOF
	run vmapctl validate
	assert_success
	assert_output "ok: 2 volumes in 2 files"
}

@test "a directory is its *.yaml and *.yml files in name order, nothing else" {
	d=$BATS_TEST_TMPDIR/set
	mkdir -p "$d/sub.yaml"
	vol() { printf 'apiVersion: vmapctl/v1\nvolumes:\n  - name: %s\n    table: "0 8 zero"\n' "$1"; }
	vol b >"$d/20-b.yaml"
	vol a >"$d/03-a.yml"
	vol c >"$d/1-c.yaml"
	echo 'not yaml at all: [' >"$d/README"
	echo 'not yaml at all: [' >"$d/.#lock.yaml"
	echo 'not yaml at all: [' >"$d/x.yaml~"
	run vmapctl validate --json -f "$d"
	assert_success
	names=$(printf '%s' "$output" | python3 -c 'import json,sys; print(" ".join(json.load(sys.stdin)["volumes"]))')
	[ "$names" = "a c b" ] || fail "order: $names"
}

@test "without -f the set is \$VMAPCTL_SPEC_DIR; an empty directory is a valid empty set" {
	run vmapctl validate
	assert_success
	assert_output "ok: 0 volumes in 0 files"
	write_spec a.yaml <<'EOF'
apiVersion: vmapctl/v1
volumes:
  - name: only
    table: "0 8 zero"
EOF
	run vmapctl validate
	assert_success
	assert_output "ok: 1 volume in 1 file"
	VMAPCTL_SPEC_DIR=$BATS_TEST_TMPDIR/nowhere run vmapctl validate
	assert_failure 1
	assert_output --partial "nowhere: cannot read spec directory \$VMAPCTL_SPEC_DIR: No such file or directory"
}

@test "every error of the set is reported, not just the first" {
	write_spec a.yaml <<'EOF'
apiVersion: vmapctl/v1
volumes:
  - name: one
    sise: 1
    table: "0 8 zero"
  - name: two
    targets:
      - type: zero
        size: 1GB
EOF
	write_spec b.yaml <<'EOF'
apiVersion: vmapctl/v1
volumes:
  - name: three
    readOnly: perhaps
    table: "0 8 zero"
  - name: one
    table: "0 8 zero"
EOF
	run --separate-stderr vmapctl validate
	assert_failure 65
	[ -z "$output" ] || fail "stdout: $output"
	d=$VMAPCTL_SPEC_DIR
	want="vmapctl: $d/a.yaml:4:5: volume 'one': unknown key 'sise' (a volume takes name, uuid, readOnly, suspend, allow, onRemap, targets or table)
vmapctl: $d/a.yaml:9:15: volume 'two': invalid 'size' value '1GB': unknown unit (use s, B, KiB, MiB, GiB, TiB or PiB)
vmapctl: $d/b.yaml:4:15: volume 'three': 'readOnly' must be true or false, not a string
vmapctl: $d/b.yaml:6:11: volume 'one': name is already used by the volume at $d/a.yaml:3:11 (volume names are unique across the spec set)"
	[ "$stderr" = "$want" ] || fail "stderr:
$stderr"
}

@test "a missing -f path fails with exit 1 and names it" {
	run vmapctl validate -f "$BATS_TEST_TMPDIR/typo.yaml"
	assert_failure 1
	assert_output "vmapctl: $BATS_TEST_TMPDIR/typo.yaml: cannot read spec file: No such file or directory"
}

@test "--json reports the files and volumes, or the errors" {
	run --separate-stderr vmapctl validate --json -f "$TOP/examples/07-stack.yaml"
	assert_success
	printf '%s' "$output" | python3 -c '
import json, sys
o = json.load(sys.stdin)
assert o["valid"] is True, o
assert o["files"] == [sys.argv[1]], o
assert o["volumes"] == ["half1", "half2", "pair", "pair-a", "pair-b"], o
' "$TOP/examples/07-stack.yaml"
	run --separate-stderr vmapctl validate --json -f "$BAD/unknown-target-key.yaml"
	assert_failure 65
	printf '%s' "$output" | python3 -c '
import json, sys
o = json.load(sys.stdin)
assert o["valid"] is False, o
e = [x for x in o["errors"] if "sise" in x["message"]][0]
assert (e["line"], e["column"], e["volume"]) == (8, 9, "a"), e
'
}

@test "-q prints nothing on success and still every error on failure" {
	run vmapctl validate -q -f "$TOP/examples/01-one-disk.yaml"
	assert_success
	assert_output ""
	run vmapctl validate -q -f "$BAD/cycle-two.yaml"
	assert_failure 65
	assert_output --partial "reference cycle: a -> b -> a"
}

@test "validate takes no operands and no apply options (usage errors, exit 64)" {
	run vmapctl validate somefile.yaml
	assert_failure 64
	run vmapctl validate --prune
	assert_failure 64
}

@test "validate touches nothing: no device, no device node, no udev, no key file" {
	# on a host without device-mapper both lists are empty; the trace is
	# the proof there
	before=$(dmsetup ls 2>/dev/null | sort)
	keyfile=$BATS_TEST_TMPDIR/vault.key
	head -c 64 /dev/urandom >"$keyfile"
	sed "s|/etc/vmapctl/keys/vault.key|$keyfile|" "$TOP/examples/03-crypt.yaml" >"$VMAPCTL_SPEC_DIR/crypt.yaml"
	cp "$TOP/examples/07-stack.yaml" "$TOP/examples/08-udev.yaml" "$TOP/examples/09-table.yaml" "$VMAPCTL_SPEC_DIR/"
	run strace -f -qq -e trace=open,openat,openat2,stat,newfstatat,statx,ioctl,socket -o "$BATS_TEST_TMPDIR/trace" \
		"$VMAPCTL_BIN" validate
	assert_success
	# only the spec files and the process's own libraries
	! grep -E '"/dev/|"/sys/|"/run/udev|/proc/devices|vault\.key' "$BATS_TEST_TMPDIR/trace" ||
		fail "validate looked at the system: $(grep -E '"/dev/|"/sys/|"/run/udev|vault\.key' "$BATS_TEST_TMPDIR/trace")"
	! grep -E 'ioctl\([0-9]+, DM_|socket\(AF_NETLINK' "$BATS_TEST_TMPDIR/trace" || fail "device-mapper or udev was asked"
	[ "$(dmsetup ls 2>/dev/null | sort)" = "$before" ]
}
