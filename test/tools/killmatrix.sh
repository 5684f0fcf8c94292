#!/usr/bin/env bash
# test/tools/killmatrix.sh: kill `vmapctl apply` with SIGKILL at many points
# while a writer runs on top of a stack, and check what `vmapctl recover`
# leaves (issue 14; contract sections 5 and 6).  Runs in the test VM, as
# root (test/bats/killmatrix.bats drives it; it also runs on its own:
# test/vm/run -- test/tools/killmatrix.sh --kills 25).
#
#   killmatrix.sh [--kills N] [--pause-kills N] [--keep-going]
#
# The volumes (loop devices of its own, removed on exit):
#   km-low <- km-mid <- km-top   a three-level linear stack; blockwriter
#                                writes numbered, checksummed 4 KiB blocks
#                                to km-top with O_DIRECT the whole time
#   km-ind                       an independent linear volume
#   km-mp                        multipath over a loop device: suspended
#                                noflush (contract 5.6)
# Two spec states: A, and B where every linear level is 1 MiB larger and
# the multipath volume has another path selector.  Each round applies the
# state the volumes are not in and kills the run: the first --pause-kills rounds exactly between suspend and
# resume (VMAPCTL_TEST_HOOK=pause-after-suspend), the rest after a delay
# stepped from 0 to 80% of the time a whole apply takes; until N kills hit
# a running apply (a run that ended first does not count, and shortens
# the steps).  After each kill,
# `vmapctl recover`, then:
#   - no device suspended (dmsetup info), no inactive table, no udev cookie
#     made since it started (dmsetup udevcookies), no journal left;
#   - every volume's table is its old or its new one, whole;
#   - the writer is still running (it was not left blocked);
# and at the end a plain apply converges and `blockwriter verify` finds
# every acknowledged block intact.
#
# Prints one line per round ("# round 7: kill after 0.42s: ok") and a
# summary; exits 1 when any round broke.  Without --keep-going it stops at
# the first broken round (after putting the devices right, so the cleanup
# works).
set -euo pipefail

kills=25 pause_kills=3 keep_going=
while [ $# -gt 0 ]; do
	case $1 in
	--kills) kills=$2; shift 2 ;;
	--pause-kills) pause_kills=$2; shift 2 ;;
	--keep-going) keep_going=1; shift ;;
	*) echo "usage: killmatrix.sh [--kills N] [--pause-kills N] [--keep-going]" >&2; exit 64 ;;
	esac
done
[ "${VMAPCTL_IN_VM:-}" = 1 ] || { echo "killmatrix: runs in the test VM only (test/vm/run)" >&2; exit 1; }

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
VMAPCTL_BIN=${VMAPCTL_BIN:-$top/vmapctl}
BW=${VMAPCTL_TOOLS:-$top/build/rel/tools}/blockwriter
[ -x "$BW" ] || { echo "killmatrix: no $BW (make)" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/killmatrix.XXXXXX")
export VMAPCTL_SPEC_DIR=$work/spec
mkdir -p "$VMAPCTL_SPEC_DIR"
loops=() wpid=
vols=(km-low km-mid km-top km-ind km-mp)

cleanup() {
	set +e
	[ -n "$wpid" ] && kill "$wpid" 2>/dev/null && wait "$wpid" 2>/dev/null
	local n round
	for round in 1 2 3 4 5 6; do
		for n in km-top km-mid km-low km-ind km-mp; do
			[ -e "/dev/mapper/$n" ] || continue
			dmsetup resume "$n" 2>/dev/null
			dmsetup message "$n" 0 fail_if_no_path >/dev/null 2>&1
			dmsetup remove "$n" 2>/dev/null
		done
	done
	for n in "${loops[@]}"; do losetup -d "$n"; done
	rm -rf "$work"
}
trap cleanup EXIT

loop() {
	local f
	f=$(mktemp "$work/disk.XXXXXX")
	truncate -s "$1" "$f"
	losetup -f --show "$f"
}
d1=$(loop 48M) && loops+=("$d1")
d2=$(loop 16M) && loops+=("$d2")
d3=$(loop 16M) && loops+=("$d3")

MiB=2048
# spec STATE: the spec of state A (0) or B (1)
spec() {
	local g=$(($1 * MiB)) sel=round-robin
	[ "$1" = 0 ] || sel=queue-length
	cat >"$VMAPCTL_SPEC_DIR/km.yaml" <<EOF
apiVersion: vmapctl/v1
volumes:
  - name: km-low
    targets:
      - {type: linear, size: $((32 * MiB + g)), device: $d1, offset: 2048}
  - name: km-mid
    targets:
      - {type: linear, size: $((24 * MiB + g)), device: {volume: km-low}, offset: $((4 * MiB))}
  - name: km-top
    targets:
      - {type: linear, size: $((16 * MiB + g)), device: {volume: km-mid}, offset: $((4 * MiB))}
  - name: km-ind
    targets:
      - {type: linear, size: $((8 * MiB + g)), device: $d2}
  - name: km-mp
    targets:
      - type: multipath
        size: $((8 * MiB))
        pathGroups:
          - selector: $sel
            paths:
              - device: $d3
EOF
}

vm() { "$VMAPCTL_BIN" "$@"; }
tables() {
	local n
	for n in "${vols[@]}"; do printf '%s|' "$(dmsetup table "$n" 2>/dev/null)"; done
}
declare -A tab_a tab_b live
# live_tables: every dm device's live table into live[NAME], as `dmsetup
# table NAME` prints it, from one dmsetup for all (in the emulated VM each
# process costs tens of ms, and every round looks at all the volumes);
# a device without a live table has an empty entry, one gone none
live_tables() {
	local line n
	live=()
	while IFS= read -r line; do
		[[ $line == *:* ]] || continue
		n=${line%%:*}
		line=${line#"$n":}
		line=${line# }
		live[$n]+="${live[$n]+$'\n'}$line"
	done < <(dmsetup table 2>/dev/null)
}
record() { # record A|B: the clean tables of a state
	local n
	for n in "${vols[@]}"; do
		if [ "$1" = A ]; then tab_a[$n]=$(dmsetup table "$n"); else tab_b[$n]=$(dmsetup table "$n"); fi
	done
}

# Udev cookies already there: left by programs that ran before this one
# in the same machine (a cryptsetup of the corpus tests, a run another test
# killed on purpose), none of them a run this matrix kills; the checks
# count only cookies made from here on.
cookies_now() { dmsetup udevcookies 2>/dev/null | awk 'NR > 1 && $1 ~ /^0x/ { print $1 }'; }
declare -A cookie_before=()
while read -r c; do cookie_before[$c]=1; done < <(cookies_now)
[ ${#cookie_before[@]} -eq 0 ] ||
	echo "# killmatrix: udev cookies left before it started (not counted): ${!cookie_before[*]}"
# new_cookies: the cookies made since it started
new_cookies() {
	local c
	while read -r c; do [ -n "${cookie_before[$c]+set}" ] || printf '%s ' "$c"; done < <(cookies_now)
}

# The clean states first: their tables are what "all old" and "all new" mean.
spec 1 && vm apply -q
record B
spec 0 && vm apply -q --allow-shrink
record A
# the writer stays inside state A's km-top, so a shrink back to A never
# cuts off blocks it wrote; a write every 2 ms keeps I/O in flight at every
# suspend without taking the one emulated CPU from the runs it tests
"$BW" write /dev/mapper/km-top "$work/bw.log" --seed 14 --span $((16 * MiB / 8)) --interval 2000 \
	>"$work/bw.out" 2>&1 </dev/null &
wpid=$!
sleep 0.3

# how long one whole apply of a change takes here, under the writer: the
# shorter of two (the first after a state change can be slower), so the
# stepped delays fall inside a running apply
apply_ms() {
	local t0 t1
	t0=$(date +%s%N)
	spec "$1" && vm apply -q --allow-shrink
	t1=$(date +%s%N)
	echo $(((t1 - t0) / 1000000))
}
m1=$(apply_ms 1)
m2=$(apply_ms 0)
full_ms=$((m1 < m2 ? m1 : m2))
state=0
echo "# killmatrix: one apply of the change takes ${full_ms} ms here (${m1} and ${m2} ms)"

broken=0 landed=0
# check ROUND WHAT: what recover must leave; prints the problems found
check() {
	local problems=() n t attr
	# attr: L(ive table), I(nactive table), s(uspended), r/w
	while read -r n attr; do
		[[ " ${vols[*]} " == *" $n "* ]] || continue
		[[ $attr == ??s* ]] && problems+=("$n is suspended")
		[[ $attr == ?I* ]] && problems+=("$n has an inactive table")
	done < <(dmsetup info -c --noheadings --separator ' ' -o name,attr 2>/dev/null)
	live_tables
	for n in "${vols[@]}"; do
		[ -n "${live[$n]+set}" ] || { problems+=("$n is gone"); continue; }
		t=${live[$n]}
		[ "$t" = "${tab_a[$n]}" ] || [ "$t" = "${tab_b[$n]}" ] ||
			problems+=("$n has neither its old nor its new table: $t")
	done
	local made
	made=$(new_cookies)
	[ -z "$made" ] || problems+=("udev cookies left: $made($(dmsetup udevcookies | tr '\n' ' '))")
	[ ! -e /run/vmapctl/journal.json ] || problems+=("the journal is still there")
	kill -0 "$wpid" 2>/dev/null || problems+=("the writer died: $(tail -n 2 "$work/bw.out")")
	[ ${#problems[@]} -eq 0 ] || printf '%s; ' "${problems[@]}"
}

# Put things right after a broken round, so the next rounds and the
# cleanup can run: resume bottom-up what is suspended.
repair() {
	local n
	for n in km-low km-mid km-top km-ind km-mp; do
		[[ $(dmsetup info -c --noheadings -o attr "$n" 2>/dev/null) == ??s* ]] && dmsetup resume "$n" 2>/dev/null
		dmsetup clear "$n" >/dev/null 2>&1 || true
	done
	rm -f /run/vmapctl/journal.json
	dmsetup udevcomplete_all -y >/dev/null 2>&1 || true
}

# live_state: 0 or 1 when every volume has state A's or B's table, else
# (a kill between two volumes' switches) -1
live_state() {
	local n a=0 b=0
	live_tables
	for n in "${vols[@]}"; do
		t=${live[$n]-}
		[ "$t" = "${tab_a[$n]}" ] && a=$((a + 1))
		[ "$t" = "${tab_b[$n]}" ] && b=$((b + 1))
	done
	if [ "$a" -eq ${#vols[@]} ]; then echo 0; elif [ "$b" -eq ${#vols[@]} ]; then echo 1; else echo -1; fi
}

# Rounds go on until --kills kills have hit a running apply (at most twice
# as many rounds): a run that ended before its kill does not count, and
# makes the delays that follow shorter (runs vary in the emulator).
stepped=$((kills - pause_kills)) k=0
for ((round = 1; landed < kills && round <= 2 * kills; round++)); do
	# the other state than the live one, so every round has work to do
	# (a killed run usually leaves the old state: alternating blindly
	# would ask for what is there already)
	case $(live_state) in
	0) state=1 ;;
	1) state=0 ;;
	*) state=$((1 - state)) ;;
	esac
	spec "$state"
	rm -f /run/vmapctl/paused
	if [ "$round" -le "$pause_kills" ]; then
		how="between suspend and resume"
		VMAPCTL_TEST_HOOK=pause-after-suspend "$VMAPCTL_BIN" apply -q --allow-shrink >"$work/apply.out" 2>&1 &
		apid=$!
		for _ in $(seq 300); do [ -e /run/vmapctl/paused ] && break; kill -0 "$apid" 2>/dev/null || break; sleep 0.05; done
		[ -e /run/vmapctl/paused ] || how="$how (the run never paused)"
	else
		# stepped delays, 0 to 80% of a whole apply's time
		delay_ms=$(( full_ms * 8 * k / (10 * (stepped > 1 ? stepped - 1 : 1)) ))
		how="kill after ${delay_ms} ms"
		"$VMAPCTL_BIN" apply -q --allow-shrink >"$work/apply.out" 2>&1 &
		apid=$!
		sleep "$(printf '%d.%03d' $((delay_ms / 1000)) $((delay_ms % 1000)))"
	fi
	if kill -9 "$apid" 2>/dev/null; then
		landed=$((landed + 1))
		[ "$round" -le "$pause_kills" ] || k=$((k + 1))
	else
		how="$how (the run had ended)"
		# a whole apply is shorter than measured: scale the steps down
		[ "$round" -le "$pause_kills" ] || full_ms=$((delay_ms * 9 / 10))
	fi
	wait "$apid" 2>/dev/null || true
	rout=$(timeout -k 5 60 "$VMAPCTL_BIN" recover 2>&1) || rout="recover exited $?: $rout"
	p=$(check)
	if [ -z "$p" ]; then
		echo "# round $round: $how: ok"
	else
		echo "# round $round: $how: BROKEN: $p"
		echo "#   recover said: $(echo "$rout" | tr '\n' ' ')"
		broken=$((broken + 1))
		repair
		[ -n "$keep_going" ] || break
	fi
done

# The last apply converges, and every acknowledged write is there.
final=ok
if ! out=$(timeout -k 5 120 "$VMAPCTL_BIN" apply -q --allow-shrink 2>&1); then
	final="the converging apply failed: $out"
	repair
fi
for n in "${vols[@]}"; do
	if [ "$state" = 0 ]; then want=${tab_a[$n]}; else want=${tab_b[$n]}; fi
	[ "$(dmsetup table "$n")" = "$want" ] || final="$n did not converge: $(dmsetup table "$n")"
done
kill "$wpid" 2>/dev/null || true
wait "$wpid" 2>/dev/null || true
wpid=
if ! v=$("$BW" verify /dev/mapper/km-top "$work/bw.log"); then
	final="blockwriter verify failed: $v"
fi
echo "# blockwriter: $(tail -n 1 <<<"$v")"
echo "# killmatrix: $((round - 1)) rounds ($landed kills of a running apply), $broken broken; final: $final"
[ "$broken" -eq 0 ] && [ "$final" = ok ]
