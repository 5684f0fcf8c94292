/* eventlog.h: the log of what runs change.  Every device-mapper operation
 * apply, activate, destroy and recover carry out (create, load, clear,
 * suspend, resume, remove) is one entry: a structured journal entry through
 * sd-journal where journald runs, else one plain line on stderr
 * (vmapctl(8), LOGGING).
 *
 * This is the only place vmapctl logs.  The library never does: it reports
 * each operation as a struct vmap_apply_event, to the progress callback as
 * it happens (apply.h) and in the recover result, and run_print.c and
 * cmd_recover.c hand them here. */
#ifndef VMAP_EVENTLOG_H
#define VMAP_EVENTLOG_H

#include "cli.h"
#include "vmapctl.h"

/* One operation of a run (ev->rollback: part of undoing a failed run). */
void eventlog_step(const struct vmap_cli *cli, const struct vmap_apply_event *ev);

/* The operations recover carried out to finish an interrupted run (also
 * the recover every apply runs first); each result is logged once. */
void eventlog_recovered(const struct vmap_cli *cli, const struct vmap_recover_result *rec);

#endif
