#!/usr/bin/env bats
# Fleet integration (contract section 8), the parts in vmapctl itself:
# `status --format prometheus` (checked with promtool, Debian's prometheus
# package, and value by value against a real drifted, suspended, shrunk,
# missing and oddly named volume), the last apply's record after runs that
# succeed, roll back, are refused or meet an invalid spec, the metrics
# service's command run for real, and one structured journal entry per
# change through a systemd-journald started by hand (the VM has no systemd
# as PID 1), or one stderr line per change without it.

load helpers
bats_require_minimum_version 1.5.0

setup() {
	common_setup
	DISK=$(make_loop 32M)
	OUT=$BATS_TEST_TMPDIR/out
	mkdir -p "$OUT"
}

teardown() {
	stop_journald
	common_teardown
}

# spec SIZE-A SIZE-D [EXTRA]: volumes f-a (at 0), f-b (at 8 MiB, 4 MiB),
# f-d (at 16 MiB), and whatever EXTRA adds
spec() {
	write_spec f.yaml <<EOF
apiVersion: vmapctl/v1
volumes:
  - name: f-a
    targets:
      - {type: linear, size: $1, device: $DISK, offset: 0}
  - name: f-b
    targets:
      - {type: linear, size: 4MiB, device: $DISK, offset: 16384}
  - name: f-d
    targets:
      - {type: linear, size: $2, device: $DISK, offset: 32768}
${3:-}
EOF
}

# metric 'NAME{LABELS}' FILE: the sample's value, or nothing
metric() { untraced _metric "$@"; }
_metric() {
	# through the environment: awk -v would take the label's \ escapes
	k=$1 awk '$1 == ENVIRON["k"] { print $2 }' "$2"
}

# has FILE: every line on stdin is a line of FILE (one grep for all: a
# fork costs in the emulated VM)
has() {
	local missing
	missing=$(grep -Fxv -f "$1" -) || true
	[ -z "$missing" ] || fail "not in $1:
$missing"
}

promtool_ok() {
	run promtool check metrics <"$1"
	[ "$status" -eq 0 ] || fail "promtool check metrics: $output"
}

# journald by hand: it needs a cgroup file system, and must not inherit
# bats' descriptors (or bats waits for it after the last test)
start_journald() {
	mountpoint -q /sys/fs/cgroup || mount -t cgroup2 none /sys/fs/cgroup
	(
		for fd in /proc/self/fd/*; do
			fd=${fd##*/}
			[ "$fd" -gt 2 ] && eval "exec $fd>&-"
		done
		exec /lib/systemd/systemd-journald
	) </dev/null >/dev/null 2>&1 &
	JOURNALD=$!
	local i
	for i in $(seq 100); do
		[ -S /run/systemd/journal/socket ] && return 0
		sleep 0.1
	done
	fail "systemd-journald did not start"
}

# Kill it and forget its journal, so other tests (in this VM too) see no
# journald and log to stderr.
stop_journald() {
	[ -n "${JOURNALD:-}" ] || return 0
	kill "$JOURNALD" 2>/dev/null || true
	wait "$JOURNALD" 2>/dev/null || true
	JOURNALD=
	rm -rf /run/systemd/journal /run/log/journal
}

# journal_entries N: the journal's vmapctl entries as JSON lines in
# $OUT/journal.json, waiting (up to 10 s) until there are at least N
journal_entries() { untraced _journal_entries "$@"; }
_journal_entries() {
	local i
	for i in $(seq 100); do
		journalctl -o json --no-pager SYSLOG_IDENTIFIER=vmapctl >"$OUT/journal.json" 2>/dev/null || true
		[ "$(wc -l <"$OUT/journal.json")" -ge "$1" ] && return 0
		sleep 0.1
	done
	fail "fewer than $1 vmapctl entries in the journal: $(cat "$OUT/journal.json")"
}

@test "status --format prometheus passes promtool and shows drifted, suspended, refused, missing and oddly named volumes as they are" {
	spec 4MiB 4MiB
	vmapctl apply -q
	# drift: f-a grows (a reload, safe), f-d shrinks (refused without
	# --allow-shrink: destructive), f-c is new (missing: a create)
	spec 6MiB 2MiB '  - name: f-c
    targets:
      - {type: zero, size: 1MiB}'
	# f-b suspended behind vmapctl's back, and a managed device whose name
	# needs escaping in a label (libdevmapper keeps " and \ in a name,
	# mangled to \xNN in the kernel, as the name it shows)
	dmsetup suspend f-b
	dmsetup create 'f-q"x\y' --uuid VMAP-f-q --table "0 8 zero"
	exec {held}</dev/mapper/f-a
	run --separate-stderr vmapctl status --format prometheus
	exec {held}<&-
	dmsetup resume f-b
	assert_success
	printf '%s\n' "$output" >"$OUT/m.prom"
	promtool_ok "$OUT/m.prom"
	local m=$OUT/m.prom
	[ "$(tail -n 1 "$m")" = "vmapctl_status_success 1" ]
	# f-a: the live size, not the spec's; open once
	has "$m" <<'EOF'
vmapctl_spec_loaded 1
vmapctl_volume_state{volume="f-b",state="suspended"} 1
vmapctl_volume_state{volume="f-b",state="active"} 0
vmapctl_volume_suspended{volume="f-b"} 1
vmapctl_volume_suspended{volume="f-a"} 0
vmapctl_volume_state{volume="f-a",state="active"} 1
vmapctl_volume_drift{volume="f-a",drift="reload"} 1
vmapctl_volume_pending_change_risk{volume="f-a",risk="safe"} 1
vmapctl_volume_pending_change_risk{volume="f-a",risk="destructive"} 0
vmapctl_volume_drift{volume="f-d",drift="refused"} 1
vmapctl_volume_pending_change_risk{volume="f-d",risk="destructive"} 1
vmapctl_volume_state{volume="f-c",state="missing"} 1
vmapctl_volume_drift{volume="f-c",drift="create"} 1
vmapctl_volume_size_bytes{volume="f-c"} 0
vmapctl_volume_in_spec{volume="f-c"} 1
vmapctl_volume_size_bytes{volume="f-a"} 4194304
vmapctl_volume_openers{volume="f-a"} 1
vmapctl_volume_openers{volume="f-b"} 0
vmapctl_volume_limits_stale{volume="f-a"} 0
vmapctl_volume_drift{volume="f-q\"x\\y",drift="unmanaged"} 0
vmapctl_volume_in_spec{volume="f-q\"x\\y"} 0
EOF

	# the same status as JSON (with f-b suspended again; json-output.bats
	# checks it against its schema), sample by sample against the metrics
	dmsetup suspend f-b
	vmapctl status --json >"$OUT/s.json"
	vmapctl status --format prometheus >"$m"
	dmsetup resume f-b
	run /usr/bin/python3 - "$OUT/s.json" "$m" <<'EOF'
import json, re, sys
st = json.load(open(sys.argv[1]))
samples = {}
for line in open(sys.argv[2]):
    if line.startswith('#'):
        continue
    m = re.fullmatch(r'(\w+)(?:\{(.*)\})? (\S+)\n', line)
    assert m, line
    labels = tuple(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', m.group(2) or ''))
    samples[(m.group(1), labels)] = float(m.group(3))
def esc(s):
    return s.replace('\\', '\\\\').replace('"', '\\"').replace('\n', '\\n')
def one_of(name, vol, key, values, want):
    got = {v: samples[(name, (('volume', esc(vol)), (key, v)))] for v in values}
    assert got == {v: float(v == want) for v in values}, (name, vol, got, want)
for v in st['volumes']:
    n = v['name']
    one_of('vmapctl_volume_state', n, 'state', ['active', 'suspended', 'no-table', 'missing'], v['state'])
    one_of('vmapctl_volume_pending_change_risk', n, 'risk', ['none', 'safe', 'destructive'], v['risk'])
    vol = (('volume', esc(n)),)
    drift = samples[('vmapctl_volume_drift', vol + (('drift', v['drift']),))]
    assert drift == float(v['inSpec'] and v['drift'] not in ('none', 'unmanaged', 'unknown')), (n, drift)
    assert samples[('vmapctl_volume_suspended', vol)] == float(v['state'] == 'suspended'), n
    assert samples[('vmapctl_volume_openers', vol)] == v['openCount'], n
    assert samples[('vmapctl_volume_size_bytes', vol)] == v['sectors'] * 512, n
    assert samples[('vmapctl_volume_limits_stale', vol)] == float(v['limitsStale']), n
    assert samples[('vmapctl_volume_in_spec', vol)] == float(v['inSpec']), n
names = {l[1] for (_, labels) in samples for l in labels if l[0] == 'volume'}
assert names == {esc(v['name']) for v in st['volumes']}, names
assert any(v['state'] == 'suspended' for v in st['volumes'])
EOF
	[ "$status" -eq 0 ] || fail "the metrics disagree with status --json: $output"
}

@test "apply records when it ended and how: the last-apply metrics after a successful, a rolled-back, a refused and an invalid run" {
	spec 4MiB 4MiB
	local t0 t1 m=$OUT/m.prom
	# no apply ran since boot (common_setup cleared the run directory)
	vmapctl status --format prometheus >"$m"
	run grep -c '^vmapctl_last_apply' "$m"
	[ "$output" = 0 ]
	t0=$(date +%s)
	vmapctl apply -q
	t1=$(date +%s)
	vmapctl status --format prometheus >"$m"
	has "$m" <<'EOF'
vmapctl_last_apply_success 1
vmapctl_last_apply_result{result="ok"} 1
vmapctl_last_apply_result{result="failed"} 0
vmapctl_last_apply_changed_volumes 3
EOF
	ts=$(metric vmapctl_last_apply_timestamp_seconds "$m")
	awk -v t="$ts" -v a="$t0" -v b="$t1" 'BEGIN { exit !(t >= a && t <= b + 1) }' ||
		fail "timestamp $ts not within $t0..$t1"
	awk -v d="$(metric vmapctl_last_apply_duration_seconds "$m")" 'BEGIN { exit !(d > 0 && d < 60) }'
	# renamed into place: nothing else in the run directory but the
	# parsed spec files (specset/ydoc_cache.h), and no temporary file there
	[ "$(ls -A /run/vmapctl | grep -vx parsed)" = last-apply.json ]
	[ -z "$(ls -A /run/vmapctl/parsed | grep '\.')" ]
	# a dry run records nothing
	vmapctl apply --dry-run -q
	vmapctl status --format prometheus >"$OUT/dry.prom"
	[ "$(metric vmapctl_last_apply_timestamp_seconds "$OUT/dry.prom")" = "$ts" ]

	# the kernel refuses a table at resume (4096-byte sectors, an offset
	# of one sector; the prediction turned off): the run rolls back
	disk4k=$(make_loop 16M 4096)
	write_spec g.yaml <<EOF
apiVersion: vmapctl/v1
volumes:
  - name: f-g
    targets:
      - {type: linear, size: 8192, device: $disk4k, offset: 8}
EOF
	vmapctl apply -q
	sed -i 's/offset: 8}/offset: 1}/' "$VMAPCTL_SPEC_DIR/g.yaml"
	run env VMAPCTL_TEST_HOOK=skip-predict "$VMAPCTL_BIN" apply -q --allow-remap
	assert_failure 1
	vmapctl status --format prometheus >"$m"
	promtool_ok "$m"
	has "$m" <<'EOF'
vmapctl_last_apply_success 0
vmapctl_last_apply_result{result="failed"} 1
vmapctl_last_apply_result{result="ok"} 0
vmapctl_last_apply_changed_volumes 1
EOF
	grep -q '"result":"failed".*"rolledBack":true' /run/vmapctl/last-apply.json
	rm "$VMAPCTL_SPEC_DIR/g.yaml"

	# refused by policy: f-a shrinks without --allow-shrink
	spec 2MiB 4MiB
	run vmapctl apply -q
	assert_failure 3
	vmapctl status --format prometheus >"$m"
	has "$m" <<'EOF'
vmapctl_last_apply_result{result="refused"} 1
vmapctl_last_apply_changed_volumes 0
EOF

	printf 'apiVersion: vmapctl/v1\nvolumes: 3\n' >"$VMAPCTL_SPEC_DIR/z.yaml"
	run vmapctl apply -q
	assert_failure 65
	run --separate-stderr vmapctl status --format prometheus
	assert_failure 65
	printf '%s\n' "$output" >"$m"
	promtool_ok "$m"
	has "$m" <<'EOF'
vmapctl_last_apply_result{result="invalid-spec"} 1
vmapctl_spec_loaded 0
vmapctl_volume_drift{volume="f-a",drift="unknown"} 0
EOF
	[ "$(tail -n 1 "$m")" = "vmapctl_status_success 0" ]
}

@test "the metrics service publishes whole texts only, by rename, readable by node_exporter" {
	local unit=$TOP/systemd/vmapctl-metrics.service
	# the unit's own command, unescaped as systemd does ($$ is $)
	cmd=$(sed -n "s|^ExecStart=/bin/sh -c '\(.*\)'\$|\1|p" "$unit" | sed 's/\$\$/$/g')
	[ -n "$cmd" ]
	grep -qx 'Environment=TEXTFILE_DIR=/var/lib/prometheus/node-exporter' "$unit"
	bin=$BATS_TEST_TMPDIR/bin
	mkdir -p "$bin"
	ln -s "$VMAPCTL_BIN" "$bin/vmapctl"
	dir=$BATS_TEST_TMPDIR/textfile
	mkdir -p "$dir"
	spec 4MiB 4MiB
	vmapctl apply -q
	service() { run env "PATH=$bin:/usr/sbin:/usr/bin:/sbin:/bin" "TEXTFILE_DIR=$dir" sh -c "$cmd"; }

	service
	assert_success
	[ "$(ls -A "$dir")" = vmapctl.prom ]
	[ "$(stat -c %a "$dir/vmapctl.prom")" = 644 ]
	promtool_ok "$dir/vmapctl.prom"
	has "$dir/vmapctl.prom" <<'EOF'
vmapctl_volume_state{volume="f-a",state="active"} 1
EOF
	cp "$dir/vmapctl.prom" "$OUT/before"

	# a text cut short (a status killed half way) is never published
	rm "$bin/vmapctl"
	printf '#!/bin/sh\n"%s" "$@" | head -n 3\n' "$VMAPCTL_BIN" >"$bin/vmapctl"
	chmod +x "$bin/vmapctl"
	service
	assert_failure
	cmp "$OUT/before" "$dir/vmapctl.prom"
	[ "$(ls -A "$dir")" = vmapctl.prom ]

	# an invalid spec set is published (so monitoring sees it), and the
	# unit fails with status' exit code
	ln -sf "$VMAPCTL_BIN" "$bin/vmapctl"
	printf 'apiVersion: vmapctl/v1\nvolumes: 3\n' >"$VMAPCTL_SPEC_DIR/z.yaml"
	service
	assert_failure 65
	has "$dir/vmapctl.prom" <<'EOF'
vmapctl_spec_loaded 0
vmapctl_status_success 0
EOF
	[ "$(ls -A "$dir")" = vmapctl.prom ]

	# no textfile directory: the unit fails, nothing is written anywhere
	dir=$BATS_TEST_TMPDIR/none
	service
	assert_failure
	[ ! -e "$dir" ]
}

@test "each change apply and recover make is one journal entry with its message id and fields; without journald one stderr line" {
	start_journald
	spec 4MiB 4MiB
	run --separate-stderr vmapctl apply --json
	assert_success
	printf '%s' "$output" >"$OUT/create.json"
	[ -z "$stderr" ] || fail "with journald, nothing on stderr: $stderr"
	# a reload of f-a (load, suspend, resume)
	spec 6MiB 4MiB
	run --separate-stderr vmapctl apply --json
	assert_success
	printf '%s' "$output" >"$OUT/reload.json"
	# a run killed right after its suspend: its load and suspend were
	# logged as they happened; recover logs the resume that finishes it
	spec 8MiB 4MiB
	VMAPCTL_TEST_HOOK=pause-after-suspend "$VMAPCTL_BIN" apply >/dev/null 2>&1 &
	pid=$!
	for i in $(seq 100); do [ -e /run/vmapctl/paused ] && break; sleep 0.1; done
	[ -e /run/vmapctl/paused ]
	kill -9 "$pid"
	wait "$pid" || true
	run vmapctl recover -q
	assert_success
	[ "$(dm_state f-a)" = ACTIVE ]

	# 3 creates, 3 steps of the reload, 2 of the killed run, 2 of recover
	# (the inactive table cleared, the device resumed on its old one)
	journal_entries 10
	run /usr/bin/python3 - "$OUT" <<'EOF'
import json, sys
out = sys.argv[1]
ids = {'done': 'b8501646f1e7416e8b65a87e75da325b', 'recover': '613a6e9a6f3245a29b24b96a68ec3bb8'}
entries = [json.loads(l) for l in open(out + '/journal.json')]
want = []
for run in ('create', 'reload'):
    for e in json.load(open('%s/%s.json' % (out, run)))['result']['executed']:
        want.append(('apply', e['action'], e['volume'], 'ok', ids['done'], e['ms']))
want += [('apply', 'load', 'f-a', 'ok', ids['done'], None), ('apply', 'suspend', 'f-a', 'ok', ids['done'], None),
         ('recover', 'clear', 'f-a', 'ok', ids['recover'], None),
         ('recover', 'resume', 'f-a', 'ok', ids['recover'], None)]
assert len(entries) == len(want), (len(entries), len(want), [e['MESSAGE'] for e in entries])
for e, w in zip(entries, want):
    got = (e['VMAPCTL_COMMAND'], e['VMAPCTL_ACTION'], e['VMAPCTL_VOLUME'], e['VMAPCTL_RESULT'], e['MESSAGE_ID'])
    assert got == w[:5], (got, w)
    ms = float(e['VMAPCTL_DURATION_MS'])
    assert ms >= 0 and (w[5] is None or abs(ms - w[5]) < 0.001), (ms, w)
    assert e['MESSAGE'].startswith('%s: %s \'%s\'' % (w[0], w[1], w[2])), e['MESSAGE']
    assert e['PRIORITY'] == ('5' if w[4] == ids['done'] else '4'), e
    assert e['_TRANSPORT'] == 'journal', e
EOF
	[ "$status" -eq 0 ] || fail "journal entries: $output"

	# without journald (its socket takes nothing): one line per change
	# on stderr, none with -q
	stop_journald
	spec 4MiB 4MiB
	run --separate-stderr vmapctl apply --json --allow-shrink
	assert_success
	n=$(printf '%s' "$output" | python3 -c 'import json, sys; print(len(json.load(sys.stdin)["result"]["executed"]))')
	[ "$n" -ge 3 ]
	[ "$(grep -c "^vmapctl\[[0-9]*\]: apply: [a-z]* 'f-a' ([0-9.]* ms)\$" <<<"$stderr")" -eq "$n" ] ||
		fail "not one stderr line per change ($n): $stderr"
	spec 6MiB 4MiB
	run --separate-stderr vmapctl apply -q
	assert_success
	[ -z "$stderr" ]
}
