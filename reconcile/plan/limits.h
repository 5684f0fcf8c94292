/* limits.h: queue limits that went stale (contract section 5.7).
 *
 * The kernel computes a dm device's queue limits from its table's devices
 * when the table is loaded, and never again when a device under it
 * changes: a stacked volume can end up with limits looser than what its
 * components take.  Pure: reads only captured live state. */
#ifndef VMAP_PLAN_LIMITS_H
#define VMAP_PLAN_LIMITS_H

#include <stddef.h>

#include "model/live.h"

/* Why a device's limits are stale, one sentence each. */
struct vmap_stale {
	char **why;
	size_t n;
};

/* Compare `d`'s limits with the strictest of its components' (those of
 * its live table's dependencies found in `live`); fills `s` (zeroed). */
void vmap_stale_limits(const struct vmap_live *live, const struct vmap_dmdev *d,
		       struct vmap_stale *s);
void vmap_stale_free(struct vmap_stale *s);

#endif
