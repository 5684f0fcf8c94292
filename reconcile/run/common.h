/* common.h: the steps every command of the front door shares (see
 * vmapctl.h): load the spec set, take the lock, read the live state. */
#ifndef VMAP_RUN_COMMON_H
#define VMAP_RUN_COMMON_H

#include <stdbool.h>

#include "base/error.h"
#include "exec/lock.h"
#include "model/live.h"
#include "model/spec.h"
#include "vmapctl.h"

/* `cached`: keep parsed files in the run directory and read them back
 * while unchanged (specset/ydoc_cache.h): for the commands that run on
 * the host's own state (apply, plan, status, activate); validate, which
 * checks text anywhere, always parses. */
int run_load_specs(const struct vmapctl_opts *o, struct vmap_specset *set, bool cached,
		   struct vmap_errlist *errs);

/* How much of the host a command reads (vmap_capture_req): what plans
 * need; that and the queue limits of what it read (status); everything
 * about every device (a snapshot: status --live-state-out). */
enum run_live_need { RUN_LIVE_PLAN, RUN_LIVE_STATUS, RUN_LIVE_ALL };

/* The live state for `set` (NULL: devices only): from the snapshot
 * o->live_state when given, else captured from this host. */
int run_live(const struct vmapctl_opts *o, const struct vmap_specset *set,
	     enum run_live_need need, struct vmap_live *live, struct vmap_errlist *errs);

/* The run lock (o->lock_file, o->lock_timeout). */
int run_lock(const struct vmapctl_opts *o, struct vmap_lock *lk, struct vmap_errlist *errs);

#endif
