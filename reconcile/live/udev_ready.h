/* udev_ready.h: waiting, with a bound, for udev to finish with one device.
 *
 * `vmapctl activate --device DEV` runs because udev saw DEV appear; the
 * volumes it may bring up can name DEV by udev properties (a filesystem
 * UUID, a serial) that udev records only when it has processed DEV's
 * event.  So activate first waits for that one device, never for the
 * whole udev queue: waiting for the queue from a program udev started
 * (or for events of devices vmapctl itself creates) is how udev
 * deadlocks. */
#ifndef VMAP_UDEV_READY_H
#define VMAP_UDEV_READY_H

#include <stdbool.h>

#include "base/error.h"

/* Wait until udev has a database entry for block device `devnode`
 * ("/dev/loop0", "loop0" or "MAJ:MIN"), at most `timeout_s` seconds,
 * listening for its uevent (no polling).  Returns 0 when it is ready (or
 * udev is not running at all, so there is nothing to wait for), -1 with
 * VMAP_E_FAILED when the device does not exist, VMAP_E_TIMEOUT when udev
 * did not finish with it in time. */
int vmap_udev_wait_ready(const char *devnode, double timeout_s, struct vmap_errlist *errs);

#endif
