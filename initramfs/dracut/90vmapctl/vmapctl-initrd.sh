#!/bin/sh
# /sbin/vmapctl-initrd start|activate|finished: vmapctl in dracut's
# initqueue (module 90vmapctl, see module-setup.sh).
#   start     load the modules, note the start of the wait
#   activate  one `vmapctl activate` (queued by 69-vmapctl-initrd.rules
#             for every burst of block devices appearing)
#   finished  exit 0 once the initqueue need not wait for vmapctl: no
#             volume waiting, or the root device there, or the wait over
type getarg >/dev/null 2>&1 || . /lib/dracut-lib.sh
. /lib/vmapctl-lib.sh

state=/run/vmapctl/initrd
mkdir -p "$state"
ROOT=$(getarg root=)
ROOT=${ROOT#block:}
export ROOT
export VMAPCTL_VOLUMES_FILE=/etc/vmapctl-volumes

case ${1:-} in
start)
	while read -r m; do
		[ -n "$m" ] && modprobe -q "$m"
	done </etc/vmapctl-modules
	vmapctl_boot_uptime >"$state/start"
	# getarg also reads the command line dracut embeds (kernel_cmdline=
	# in dracut.conf.d: /etc/cmdline.d)
	w=$(getarg vmapctl.wait=)
	case $w in '' | *[!0-9]*) w=30 ;; esac
	echo "$w" >"$state/wait"
	;;
activate)
	# not in $(...): VMAPCTL_WAITING must be set in this shell
	vmapctl_boot_activate >"$state/out" 2>&1
	# what came up as information, anything else (errors) as warnings.
	# Through the kernel log, which reaches the console: with systemd in
	# the initramfs dracut's info() writes to the journal only.
	while IFS= read -r l; do
		case $l in
		"vmapctl: activated "*) echo "<30>$l" >/dev/kmsg 2>/dev/null || info "$l" ;;
		*) warn "$l" ;;
		esac
	done <"$state/out"
	echo "$VMAPCTL_RC" >"$state/rc"
	printf '%s\n' "$VMAPCTL_WAITING" | sed '/^$/d' >"$state/waiting.new"
	mv "$state/waiting.new" "$state/waiting"
	;;
finished)
	[ -e "$state/waiting" ] || exit 1
	vmapctl_boot_root_present && exit 0
	VMAPCTL_WAITING=$(cat "$state/waiting")
	VMAPCTL_RC=$(cat "$state/rc")
	if vmapctl_boot_root_failed; then
		warn "vmapctl: the root file system ${ROOT} is vmapctl volume '$(vmapctl_boot_root_volume)', which vmapctl failed to bring up (see the errors above)."
		die "vmapctl: the root volume could not be brought up"
	fi
	[ -n "$VMAPCTL_WAITING" ] || exit 0
	start=$(cat "$state/start") wait_s=$(cat "$state/wait")
	waited=$(($(vmapctl_boot_uptime) - start))
	if [ "$waited" -ge "$wait_s" ]; then
		[ -e "$state/gave-up" ] && exit 0
		: >"$state/gave-up"
		warn "vmapctl: gave up after ${waited} s (vmapctl.wait=${wait_s}):"
		vmapctl_boot_say_waiting "vmapctl:   still waiting:" | while IFS= read -r l; do warn "$l"; done
		if vmapctl_boot_root_waiting; then
			warn "vmapctl: the root file system ${ROOT} is vmapctl volume '$(vmapctl_boot_root_volume)', which could not be brought up."
			warn "vmapctl: check that the device is attached (ls /dev/disk/by-id; udevadm info DEVICE); 'vmapctl activate' in the shell tries again."
			die "vmapctl: the root volume is missing its devices"
		fi
		exit 0
	fi
	next=$(cat "$state/next-say" 2>/dev/null || echo 0)
	if [ "$waited" -ge "$next" ]; then
		warn "vmapctl: waiting for devices (${waited} s so far, at most ${wait_s} s: vmapctl.wait=${wait_s}):"
		vmapctl_boot_say_waiting "vmapctl:  " | while IFS= read -r l; do warn "$l"; done
		echo $((waited + 10)) >"$state/next-say"
	fi
	exit 1
	;;
*)
	echo "usage: vmapctl-initrd start|activate|finished" >&2
	exit 64
	;;
esac
