/* adopt.h: may a device be adopted (given the uuid VMAP-NAME)?
 *
 * Only a device without a uuid: a uuid can be set once (dm-ioctl RENAME
 * with a new uuid works only while it is empty), and a uuid means another
 * tool owns the device.  A device whose uuid starts with VMAP- is managed
 * already (contract section 4).  Pure: reads only the live device list. */
#ifndef VMAP_PLAN_ADOPT_H
#define VMAP_PLAN_ADOPT_H

#include "base/error.h"
#include "model/live.h"

enum vmap_adopt_verdict {
	VMAP_ADOPT,          /* no uuid, a valid name: adopt it */
	VMAP_ADOPT_ALREADY,  /* managed already: nothing to do */
	VMAP_ADOPT_REFUSED,  /* an error says why */
};

enum vmap_adopt_verdict vmap_adopt_check(const struct vmap_dmdev *devs, size_t n,
					 const char *name, struct vmap_errlist *errs);

#endif
