/* udev_ready.h: waiting, with a bound, for udev to finish with devices.
 *
 * `vmapctl activate --device DEV` runs because udev saw DEV appear; the
 * volumes it may bring up can name DEV by udev properties (a filesystem
 * UUID, a serial) that udev records only when it has processed DEV's
 * event.  So the activation runner waits for the devices announced to it
 * (exec/handover.h), never for the whole udev queue: waiting for the
 * queue from a program udev started (or for events of devices vmapctl
 * itself creates) is how udev deadlocks, and in a storm the queue holds
 * the other disks' events, which have nothing to do with this round.
 * Waiting for one device's database entry cannot deadlock: udev writes
 * it (and marks it initialized) before it runs the event's RUN programs,
 * so the entry of the device whose event started an activation is
 * already there when the activation starts. */
#ifndef VMAP_UDEV_READY_H
#define VMAP_UDEV_READY_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "base/error.h"

/* The device number of block device `devnode` ("/dev/loop0", "loop0" or
 * "MAJ:MIN").  -1 with
 * VMAP_E_FAILED when it is not a block device.  A stat, no udev. */
int vmap_udev_devnum(const char *devnode, dev_t *out, struct vmap_errlist *errs);

/* Wait, at most `timeout_s` seconds in all, until udev has a database
 * entry for each of the `n` block devices.  A device that is gone (no
 * sysfs entry) is not waited for.  Looks at each first and listens for
 * uevents only when one is not ready, so a batch udev is done with costs
 * a database read per device.  0, or -1 with VMAP_E_TIMEOUT naming the
 * first device still not ready. */
int vmap_udev_wait_devices(const dev_t *devs, size_t n, double timeout_s,
			   struct vmap_errlist *errs);

#endif
