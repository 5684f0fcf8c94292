/* journal.h: what a run is about to do to devices, on disk, so that a run
 * killed half way (even by SIGKILL or a crash) can be finished by
 * `vmapctl recover` (contract section 6).
 *
 * The journal lives in /run/vmapctl/ (VMAPCTL_RUN_DIR overrides it for
 * tests): tmpfs, so it does not outlive a reboot, and neither does a
 * suspended device.  It is written before the run's first change and
 * removed when the run ends, successful or rolled back. */
#ifndef VMAP_JOURNAL_H
#define VMAP_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "base/error.h"

#define VMAP_JOURNAL_LOADED 0x1u    /* this run loads an inactive table into it */
#define VMAP_JOURNAL_SUSPENDS 0x2u  /* this run suspends it */
#define VMAP_JOURNAL_CREATES 0x4u   /* this run creates it */

struct vmap_journal_dev {
	char *name;
	char *uuid;
	unsigned flags;        /* VMAP_JOURNAL_* */
	unsigned dm_flags;     /* the suspend flags to resume it with (VMAP_DM_*) */
};

struct vmap_journal {
	int pid;
	long long started;     /* unix time */
	struct vmap_journal_dev *devs;
	size_t n_devs;
};

const char *vmap_run_dir(void);

int vmap_journal_write(const struct vmap_journal *j, struct vmap_errlist *errs);
/* 0 with *found=false when there is no journal. */
int vmap_journal_read(struct vmap_journal *j, bool *found, struct vmap_errlist *errs);
int vmap_journal_remove(struct vmap_errlist *errs);
void vmap_journal_free(struct vmap_journal *j);

#endif
