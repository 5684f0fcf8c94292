#!/usr/bin/env bats
# Activation storms (contract sections 7 and 9): many disks appearing at
# once, each starting `vmapctl activate --device` through the shipped udev
# rule, coalesce into a few runs of one runner (reconcile/exec/handover.h)
# instead of one run per disk queued on the lock.

load helpers
bats_require_minimum_version 1.5.0

setup() {
	common_setup
	# the events of the last test's teardown (its loop devices detached)
	# are processed before the rule is in: else one still in a udev worker
	# when this test writes its spec runs an activation of its own
	udevadm settle --timeout=30 || true
	# The rule and its helper as `make install` puts them, and on the
	# helper's PATH a vmapctl that records each activation's exit code
	# before passing it on.
	install_activation_rules
	RCS=$BATS_TEST_TMPDIR/activate.rc
	: >"$RCS"
	ARGS=$BATS_TEST_TMPDIR/activate.args
	: >"$ARGS"
	# (a link left there by activate.bats would take the script to the
	# binary it points at)
	rm -f /usr/local/sbin/vmapctl
	cat >/usr/local/sbin/vmapctl <<EOF2
#!/bin/sh
"$VMAPCTL_BIN" "\$@"
rc=\$?
echo "\$rc" >>"$RCS"
echo "\$rc \$*" >>"$ARGS"
exit \$rc
EOF2
	chmod +x /usr/local/sbin/vmapctl
	udevadm control --reload
}

activations_running() {
	pgrep -x vmapctl >/dev/null || pgrep -f 'vmapctl activate' >/dev/null ||
		pgrep -x vmapctl-udev-ac >/dev/null || pgrep -x setsid >/dev/null
}

teardown() {
	rm -f /etc/udev/rules.d/69-vmapctl.rules /etc/udev/rules.d/09-vmapctl-dm.rules
	udevadm control --reload 2>/dev/null || true
	for _ in $(seq 100); do activations_running || break; sleep 0.2; done
	udevadm settle --timeout=30 || true
	common_teardown
	rm -f /usr/local/sbin/vmapctl
	# (the loop devices' detach events, processed without the rule)
	udevadm settle --timeout=30 || true
	rm -rf "$SPECS" /run/vmapctl
}

uuid() { printf '5b1e2c3d-0000-4000-8000-%012d' "$1"; }

# images M: M small images with a swap signature, which gives each a
# filesystem UUID (ID_FS_UUID) without M mkfs runs; one volume each in the
# default spec set
images() {
	python3 "$TOP/test/tools/swap-images.py" "$BATS_TEST_TMPDIR/img" "$1"
	{
		echo "apiVersion: vmapctl/v1"
		echo "volumes:"
		for ((i = 0; i < $1; i++)); do
			echo "  - {name: s$i, targets: [{type: linear, size: 1MiB, offset: 1MiB, device: {udev: {ID_FS_UUID: $(uuid "$i")}}}]}"
		done
	} >"$SPECS/storm.yaml"
}

attach() {
	local dev
	dev=$(losetup -f --show "$BATS_TEST_TMPDIR/img/$1.img")
	echo "$dev" >>"$_LOOPS_FILE"
	echo "$dev"
}

# state FIELD: the runner's record (activate.state: generation, rounds)
state() {
	local g r
	read -r g r _ </run/vmapctl/activate.state
	case $1 in generation) echo "$g" ;; rounds) echo "$r" ;; esac
}

# one_disk_by_hand: no rule (the test starts activations itself), one
# disk of one volume, s0; its path in d0, MAJ:MIN in mm
one_disk_by_hand() {
	rm -f /etc/udev/rules.d/69-vmapctl.rules
	udevadm control --reload
	udevadm settle --timeout=30
	images 1
	d0=$(attach 0)
	udevadm settle --timeout=30
	mm=$(lsblk -dno MAJ:MIN "$d0" | tr -d ' ')
}

# helper_brings_s0_up: the udev helper, run for the disk of
# one_disk_by_hand with nobody running, starts one whole activation, which
# brings the disk's volume up
helper_brings_s0_up() {
	run /usr/lib/udev/vmapctl-udev-activate "$mm"
	assert_success
	for _ in $(seq 150); do [ -b /dev/mapper/s0 ] && break; sleep 0.2; done
	for _ in $(seq 150); do activations_running || break; sleep 0.2; done
	[ "$(cat "$RCS")" = 0 ] || fail "activations: $(cat "$ARGS"); log: $(cat /run/vmapctl/activate.log)"
	[ "$(dmsetup table s0)" = "0 2048 linear $mm 2048" ]
}

@test "20 disks attached at once: every volume comes up, no activation fails, and they cost far fewer runs than disks" {
	m=20
	images $m
	for ((i = 0; i < m; i++)); do attach "$i" >/dev/null & done
	wait
	for _ in $(seq 450); do
		up=$(find /dev/mapper -name 's[0-9]*' | wc -l)
		[ "$up" -ge $m ] && break
		sleep 0.2
	done
	for _ in $(seq 300); do activations_running || break; sleep 0.2; done
	log=$(cat /run/vmapctl/activate.log 2>/dev/null || true)
	[ "$up" -eq $m ] || fail "$up of $m volumes came up; log:
$log"
	# each volume is on its own disk
	for i in 0 $((m - 1)); do
		dev=$(blkid -U "$(uuid "$i")" | grep loop)
		[ "$(dmsetup table "s$i")" = "0 2048 linear $(lsblk -dno MAJ:MIN "$dev" | tr -d ' ') 2048" ]
	done
	# every disk was announced (its add and change events: by the udev
	# helper, and again by the whole activation it became where it found
	# no runner); every whole activation ended with 0, and there were far
	# fewer of them than disks
	g=$(state generation)
	[ "$g" -ge $m ]
	n=$(wc -l <"$RCS")
	[ "$(grep -cx 0 "$RCS")" -eq "$n" ] || fail "exit codes: $(sort "$RCS" | uniq -c)"
	[ "$n" -ge 1 ]
	[ "$n" -lt $((m / 2)) ] || fail "$n whole activations for $m disks: $(cat "$ARGS")"
	# the runners' rounds: a whole run each, far fewer than the disks
	rounds=$(state rounds)
	echo "# $m disks: $g announcements, $n whole activations, $rounds rounds" >&3
	[ "$rounds" -lt $((m / 2)) ] || fail "$rounds rounds for $m disks"
	# the other announcements handed over, and nothing was an error
	[ "$(grep -c '^handed over to the activation running' /run/vmapctl/activate.log)" -ge $((g - 2 * n)) ]
	run grep 'vmapctl:' /run/vmapctl/activate.log
	assert_failure
	assert_no_udev_cookies
}

@test "an activation while another runs hands its device over (exit 0, the runner's pid in --json); one while an apply holds the lock waits and creates" {
	rm -f /etc/udev/rules.d/69-vmapctl.rules
	udevadm control --reload
	images 2
	d0=$(attach 0)
	d1=$(attach 1)
	udevadm settle --timeout=30
	# another activation is the runner: pid 4242 holds the runner lock
	mkdir -p /run/vmapctl
	exec {runner}>/run/vmapctl/activate.lock
	flock -n "$runner"
	echo 4242 >&"$runner"
	run vmapctl activate --device "$d0" --json
	assert_success
	echo "$output" >"$BATS_TEST_TMPDIR/handed.json"
	run python3 -c 'import json, sys; o = json.load(open(sys.argv[1])); sys.exit(not (o["handedOver"] is True and o["runnerPid"] == 4242 and o["plan"] is None and o["laterRounds"] == [] and o["errors"] == []))' "$BATS_TEST_TMPDIR/handed.json"
	assert_success
	run vmapctl activate --device "$d0"
	assert_success
	assert_output "handed over to the activation running as pid 4242"
	run dmsetup info s0
	assert_failure
	exec {runner}>&-
	: >/run/vmapctl/activate.lock

	# an apply holds the run lock: the activation becomes the runner and
	# waits for it, a second one hands over to it, and both volumes come
	# up when the apply ends
	exec {run_lock}>/run/lock/vmapctl.lock
	flock -n "$run_lock"
	# the binary itself, not the helper function: $! is then its pid; and
	# without our descriptor of the run lock (a flock is the open file's)
	"$VMAPCTL_BIN" activate --device "$d0" --json >"$BATS_TEST_TMPDIR/runner.json" 2>"$BATS_TEST_TMPDIR/runner.err" {run_lock}>&- &
	runner_pid=$!
	for _ in $(seq 100); do [ -s /run/vmapctl/activate.lock ] && break; sleep 0.1; done
	run vmapctl activate --device "$d1"
	assert_success
	assert_output "handed over to the activation running as pid $runner_pid"
	sleep 1
	kill -0 "$runner_pid"   # still waiting for the "apply"
	exec {run_lock}>&-
	wait "$runner_pid"
	[ -b /dev/mapper/s0 ] && [ -b /dev/mapper/s1 ]
	run /usr/bin/python3 "$TOP/test/tools/json-check.py" \
		"$TOP/schema/apply.schema.json=$BATS_TEST_TMPDIR/handed.json" \
		"$TOP/schema/apply.schema.json=$BATS_TEST_TMPDIR/runner.json"
	assert_success
	run python3 -c 'import json, sys; o = json.load(open(sys.argv[1])); r = [o] + o["laterRounds"]; sys.exit(not (o["handedOver"] is False and sorted(e["volume"] for x in r for e in x.get("result", {}).get("executed", []) if e["action"] == "create") == ["s0", "s1"]))' "$BATS_TEST_TMPDIR/runner.json"
	assert_success
}

@test "a handed-over activation waits for nothing; the runner waits for udev's entry of each announced device, bounded by --udev-timeout" {
	one_disk_by_hand
	# udev's entry gone: the device is not initialized, its ID_FS_UUID
	# unknown, until udev processes an event of it again
	rm -f "/run/udev/data/b$mm"
	mkdir -p /run/vmapctl
	exec {runner}>/run/vmapctl/activate.lock
	flock -n "$runner"
	echo 4242 >&"$runner"
	SECONDS=0
	run vmapctl activate --device "$d0" --udev-timeout 20
	assert_success
	assert_output "handed over to the activation running as pid 4242"
	[ "$SECONDS" -lt 5 ] || fail "the handed-over activation took $SECONDS s"
	exec {runner}>&-
	: >/run/vmapctl/activate.lock
	# the runner: its device's entry never comes within the bound
	run vmapctl activate --device "$d0" --udev-timeout 2
	assert_failure 1
	assert_output --partial "udev did not finish processing '$mm'"
	run dmsetup info s0
	assert_failure
	# the runner waits for the entry and then brings the volume up
	"$VMAPCTL_BIN" activate --device "$d0" --udev-timeout 60 >"$BATS_TEST_TMPDIR/runner.out" 2>&1 &
	pid=$!
	sleep 2
	kill -0 "$pid" || fail "the runner did not wait: $(cat "$BATS_TEST_TMPDIR/runner.out")"
	run dmsetup info s0
	assert_failure
	udevadm trigger --action=change "$d0"
	wait "$pid" || fail "the runner failed: $(cat "$BATS_TEST_TMPDIR/runner.out")"
	[ "$(dmsetup table s0)" = "0 2048 linear $mm 2048" ]
}

@test "the udev helper hands a disk to a running activation without starting vmapctl, and starts one when nobody runs" {
	one_disk_by_hand
	mkdir -p /run/vmapctl
	# a runner holds the lock (this shell, pid 4242 inside, as a runner
	# records its own)
	exec {runner}>/run/vmapctl/activate.lock
	flock -n "$runner"
	echo 4242 >&"$runner"
	run /usr/lib/udev/vmapctl-udev-activate "$mm"
	assert_success
	[ ! -s "$RCS" ] || fail "vmapctl ran: $(cat "$ARGS")"
	[ "$(cat /run/vmapctl/activate.log)" = "handed over to the activation running as pid 4242" ]
	[ "$(cat /run/vmapctl/activate.devices)" = "$mm" ]
	[ "$(state generation)" -eq 1 ]
	# nobody runs (the runner let go and its round took the line): the
	# disk's next event starts the whole activation, which brings the
	# volume up
	: >/run/vmapctl/activate.devices
	exec {runner}>&-
	: >/run/vmapctl/activate.lock
	helper_brings_s0_up
	# the helper's two announcements and the activation's
	[ "$(state generation)" -eq 3 ]
	run grep 'vmapctl:' /run/vmapctl/activate.log
	assert_failure
}

@test "the udev helper starts no activation for a disk whose announcement still waits for a living runner, and one when that runner is gone" {
	one_disk_by_hand
	# the disk's first announcement waits in activate.devices for the
	# round of the runner named in activate.lock, which lives
	mkdir -p /run/vmapctl
	sleep 300 &
	live=$!
	echo "$live" >/run/vmapctl/activate.lock
	printf '8:99\n%s\n' "$mm" >/run/vmapctl/activate.devices
	run /usr/lib/udev/vmapctl-udev-activate "$mm"
	assert_success
	[ ! -s "$RCS" ] || fail "an activation ran (exit code and arguments): $(cat "$ARGS")"
	# the runner is gone (killed): the disk's next event runs one, which
	# takes the line over and brings the volume up
	kill "$live"
	wait "$live" || true
	helper_brings_s0_up
	[ ! -s /run/vmapctl/activate.devices ]
	run grep 'vmapctl:' /run/vmapctl/activate.log
	assert_failure
}
