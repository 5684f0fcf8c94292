#!/bin/bash
# dracut module 90vmapctl: vmapctl volumes in the initramfs, so that the
# root file system can live on one (docs/boot.md).  The same as the
# initramfs-tools hook: vmapctl, the three spec directories as they are,
# the key files the specs name, 09-vmapctl-dm.rules (the udev database of
# vmapctl's devices survives the switch to the real root), dm-mod and the
# target modules the set uses (from `vmapctl validate --json`).
#
# At boot (dracut's initqueue, with or without systemd in the initramfs):
# a udev rule queues `vmapctl activate` (once per burst of events, after
# udev settled) for every block device that appears, and a "finished"
# check holds the initqueue while the root device is not there and
# volumes wait for their devices, for at most vmapctl.wait= seconds
# (default 30); it names the volumes and devices waited for, and stops
# the boot with a clear message when root= names a volume still waiting.

# shellcheck disable=SC2154 # moddir, initdir, dracutsysrootdir: dracut's

# called by dracut: include the module when a spec is configured
check() {
	# shellcheck source=../../vmapctl-lib.sh
	. "$moddir/vmapctl-lib.sh"
	vmapctl_find_bin >/dev/null || return 1
	vmapctl_have_specs "$dracutsysrootdir" && return 0
	return 255
}

# dm: dmsetup and the dm udev rules (without them udev never finishes the
# events of the devices vmapctl creates); rootfs-block: root= handling
depends() {
	echo dm rootfs-block
	return 0
}

installkernel() {
	. "$moddir/vmapctl-lib.sh"
	hostonly='' instmods dm_mod
	vmapctl_have_specs "$dracutsysrootdir" || return 0
	vmapctl_build_info "$(vmapctl_find_bin)" "$dracutsysrootdir" || return 1
	# shellcheck disable=SC2086,SC2046 # module names, one word each
	hostonly='' instmods $VMAPCTL_MODULES $(vmapctl_extra_modules $VMAPCTL_MODULES)
}

install() {
	. "$moddir/vmapctl-lib.sh"
	vmapctl_have_specs "$dracutsysrootdir" || return 0
	local bin d f k
	bin=$(vmapctl_find_bin)
	vmapctl_build_info "$bin" "$dracutsysrootdir" || return 1
	inst_binary "$bin" /usr/sbin/vmapctl
	for d in $(vmapctl_spec_dirs); do
		[ -d "$dracutsysrootdir$d" ] || continue
		inst_dir "$d"
		for f in "$dracutsysrootdir$d"/*.yaml "$dracutsysrootdir$d"/*.yml; do
			[ -e "$f" ] || [ -L "$f" ] || continue
			if [ "$(readlink "$f")" = /dev/null ]; then
				ln -sf /dev/null "$initdir$d/${f##*/}"
			else
				cp -L "$f" "$initdir$d/${f##*/}"
			fi
		done
	done
	# one path a line (a path may hold spaces); not by changing IFS,
	# which dracut's own functions rely on
	while IFS= read -r k; do
		[ -n "$k" ] || continue
		if [ -f "$dracutsysrootdir$k" ]; then
			inst_simple "$k"
			chmod 0600 "$initdir$k"
		else
			dwarn "vmapctl: key file $k named by the spec set does not exist"
		fi
	done <<EOF
$VMAPCTL_KEYS
EOF
	inst_rules 09-vmapctl-dm.rules "$moddir/69-vmapctl-initrd.rules"
	inst_simple "$moddir/vmapctl-lib.sh" /lib/vmapctl-lib.sh
	inst_script "$moddir/vmapctl-initrd.sh" /sbin/vmapctl-initrd
	inst_hook cmdline 90 "$moddir/parse-vmapctl.sh"
	inst_multiple awk sed grep blkid modprobe
	# shellcheck disable=SC2086 # one module a word
	printf '%s\n' dm-mod $VMAPCTL_MODULES >"$initdir/etc/vmapctl-modules"
	printf '%s\n' "$VMAPCTL_VOLUMES" >"$initdir/etc/vmapctl-volumes"
}
