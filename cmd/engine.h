/* engine.h: the pipeline the spec-driven commands share: load the spec
 * set, capture the live state (or read a snapshot), plan.  Parse ->
 * evaluate -> apply: nothing here changes the kernel. */
#ifndef VMAP_ENGINE_H
#define VMAP_ENGINE_H

#include "cli.h"
#include "base/error.h"
#include "model/live.h"
#include "plan/plan.h"
#include "model/spec.h"

/* The spec set from -f (or the default directory). */
int engine_load_specs(const struct vmap_cli *cli, struct vmap_specset *set,
		      struct vmap_errlist *errs);

/* The live state for `set` (NULL: devices only): from --live-state FILE
 * when given, else captured from this host (device-mapper must be there). */
int engine_live(const struct vmap_cli *cli, const struct vmap_specset *set, bool dm_limits,
		struct vmap_live *live, struct vmap_errlist *errs);

/* Take the run lock (--lock-timeout); -1 with VMAP_E_LOCK on timeout.
 * Returns the lock handle (>= 0) to pass to engine_unlock. */
int engine_lock(const struct vmap_cli *cli, struct vmap_errlist *errs);
void engine_unlock(int handle);

#endif
