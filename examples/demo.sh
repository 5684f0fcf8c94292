#!/usr/bin/env bash
# examples/demo.sh: what `make demo` runs inside the test VM.  It gives the
# example specs the disks they name (sparse files on loop devices, linked
# at the /dev/disk/by-id paths the examples use), then shows vmapctl's
# main job: validate, plan, apply, status, and a re-apply that changes
# nothing.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
vmapctl=${VMAPCTL_BIN:-$top/vmapctl}
specs=(-f "$top/examples/01-one-disk.yaml" -f "$top/examples/07-stack.yaml")
[ "${VMAPCTL_IN_VM:-}" = 1 ] || { echo "demo: run me in the VM: make demo" >&2; exit 1; }

bold=$(printf '\033[1m') plain=$(printf '\033[0m')
step() { printf '\n%s$ %s%s\n' "$bold" "$*" "$plain"; }
run() { step "vmapctl $*"; "$vmapctl" "$@"; }

# fake disks: one sparse 256 GiB file per by-id path the examples name
work=$(mktemp -d)
for path in $(grep -ho '/dev/disk/by-id/[A-Za-z0-9_.:-]*' "$top/examples/01-one-disk.yaml" \
	"$top/examples/07-stack.yaml" | sort -u); do
	f=$work/$(basename "$path")
	truncate -s 256G "$f"
	mkdir -p "$(dirname "$path")"
	ln -sf "$(losetup -f --show "$f")" "$path"
done

run version
run validate "${specs[@]}"
run plan "${specs[@]}"
run apply "${specs[@]}"
step "dmsetup ls --tree"
dmsetup ls --tree
run status "${specs[@]}"
step "vmapctl apply --detailed-exitcode  (again: nothing to change)"
rc=0
"$vmapctl" apply --detailed-exitcode "${specs[@]}" || rc=$?
echo "exit code $rc (0: nothing changed; 2 would mean changes were made)"
[ "$rc" = 0 ]
