#!/bin/sh
# dracut cmdline hook (90vmapctl): load the modules, note when the wait
# for vmapctl's devices began, queue the first activation and hold the
# initqueue until the volumes are up (see module-setup.sh).
# shellcheck disable=SC2154 # hookdir: dracut's
if [ -x /usr/sbin/vmapctl ]; then
	/sbin/vmapctl-initrd start
	echo '/sbin/vmapctl-initrd finished' >"$hookdir/initqueue/finished/vmapctl.sh"
	/sbin/initqueue --settled --onetime --unique --name vmapctl-activate /sbin/vmapctl-initrd activate
fi
