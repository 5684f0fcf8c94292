#!/bin/sh
# dracut cmdline hook (90vmapctl): load the modules, note when the wait
# for vmapctl's devices began, queue the first activation and hold the
# initqueue until the volumes are up (see module-setup.sh).
# shellcheck disable=SC2154 # hookdir: dracut's
if [ -x /usr/sbin/vmapctl ]; then
	/sbin/vmapctl-initrd start
	# first in name order: check_finished stops at the first hook not
	# finished, and rootfs-block's devexists-... for root= is not while
	# root's volumes wait, so a later name would never be asked (and
	# never say what it waits for, nor give up)
	echo '/sbin/vmapctl-initrd finished' >"$hookdir/initqueue/finished/00-vmapctl.sh"
	/sbin/initqueue --settled --onetime --unique --name vmapctl-activate /sbin/vmapctl-initrd activate
fi
