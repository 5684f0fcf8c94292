/* lastapply.h: the record of the last apply on this host (vmapctl.h:
 * struct vmapctl_last_apply), kept in the run directory for status. */
#ifndef VMAP_RUN_LASTAPPLY_H
#define VMAP_RUN_LASTAPPLY_H

#include "base/error.h"
#include "vmapctl.h"

/* A clock for durations, in milliseconds. */
double run_monotonic_ms(void);

/* Record the apply `r` that started at `started_ms` (run_monotonic_ms) and
 * returned `rc` with `errs`.  A run that did not get the lock records
 * nothing: the run holding it records its own.  A record that cannot be
 * written is an error only for a run that otherwise succeeded (a failed
 * run's own error says more). */
void run_last_apply_record(const struct vmapctl_opts *o, const struct vmapctl_run *r, int rc,
			   double started_ms, struct vmap_errlist *errs);

/* The record, or la->known = false when there is none (or it cannot be
 * read: it is written whole or not at all, so that means an older or
 * foreign file). */
void run_last_apply_read(const char *run_dir, struct vmapctl_last_apply *la);
void run_last_apply_free(struct vmapctl_last_apply *la);

#endif
