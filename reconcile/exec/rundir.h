/* rundir.h: where vmapctl keeps what must outlive one process (the lock,
 * the journal, migration records, the activation hand-over, the parsed-spec
 * cache): /run/vmapctl, or the directory a caller names
 * ($VMAPCTL_RUN_DIR).  Its own file, with no dependency, so the small
 * udev helper (cmd/udev) links without the journal's JSON. */
#ifndef VMAP_RUNDIR_H
#define VMAP_RUNDIR_H

#define VMAP_RUN_DIR "/run/vmapctl"

/* `dir`, or VMAP_RUN_DIR when it is NULL or empty. */
const char *vmap_run_dir(const char *dir);

#endif
