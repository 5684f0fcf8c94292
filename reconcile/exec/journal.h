/* journal.h: what a run is about to do to devices, on disk, so that a run
 * killed half way (even by SIGKILL or a crash) can be finished by
 * `vmapctl recover` (contract section 6).
 *
 * The journal lives in /run/vmapctl/ (the caller may name another run
 * directory: $VMAPCTL_RUN_DIR, for tests): tmpfs, so it does not outlive a reboot, and neither does a
 * suspended device.  It is written before the run's first change and
 * removed when the run ends, successful or rolled back. */
#ifndef VMAP_JOURNAL_H
#define VMAP_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "exec/rundir.h"

#define VMAP_JOURNAL_LOADED 0x1u    /* this run loads an inactive table into it */
#define VMAP_JOURNAL_SUSPENDS 0x2u  /* this run suspends it */
#define VMAP_JOURNAL_CREATES 0x4u   /* this run creates it */

struct vmap_journal_dev {
	char *name;
	char *uuid;
	unsigned flags;        /* VMAP_JOURNAL_* */
	unsigned dm_flags;     /* the suspend flags to resume it with (VMAP_DM_*) */
};

/* The processes that worked under a journal after the one that wrote it
 * first (a recover, a run finishing a migration), each added and written
 * before it makes a udev cookie.  A cookie exists before the journal can
 * name it; a process killed in between leaves a semaphore only its pid
 * tells apart (vmap_dm_udev_cookies_of), so recover looks for the
 * cookies of every pid here and of the journal's own. */
struct vmap_journal_pids {
	int *v;
	size_t n;
};

/* Add `pid` unless it is `first` or already there: true when added (the
 * journal must then be written before the caller's first cookie). */
bool vmap_journal_pids_add(struct vmap_journal_pids *p, int first, int pid);

struct vmap_journal {
	int pid;
	long long started;     /* unix time */
	struct vmap_journal_dev *devs;
	size_t n_devs;
	/* udev cookies the run made (appended as each is made): a run
	 * killed before waiting for one leaves its semaphore behind */
	uint32_t *cookies;
	size_t n_cookies;
	struct vmap_journal_pids workers;
};

/* A migration under way (contract 5.10): one file per volume,
 * RUN_DIR/migration-NAME.json, written before the migration's first
 * change and rewritten at each phase, removed once it ended (the volume
 * on its new table, or back on its old one, and no temporary device
 * left).  Tables are linear/striped kernel text (no keys), one line
 * "START LEN TYPE PARAMS" each, joined by '\n'. */
struct vmap_migration {
	char *volume;
	char *uuid;            /* the volume's dm uuid: recover only touches that device */
	unsigned major, minor; /* the volume's device (it keeps it) */
	uint64_t sectors;
	char *old_table, *new_table;
	unsigned dm_flags;     /* the volume's suspend flags (VMAP_DM_*) */
	bool read_only;
	unsigned rate_kib;     /* copy rate limit, KiB/s */
	/* prepare (temporary devices being made), mirror (the volume being
	 * switched onto the mirror), copying, switch-new, switch-old, cleanup */
	char *phase;
	int pid;
	long long started;     /* unix time */
	/* udev cookies its steps made, each written here as it is made: a
	 * run killed before its wait leaves the semaphore for recover to
	 * release (vmap_dm_udev_reclaim) */
	uint32_t *cookies;
	size_t n_cookies;
	struct vmap_journal_pids workers;
};

int vmap_migration_write(const char *run_dir, const struct vmap_migration *m,
			 struct vmap_errlist *errs);
/* vmap_journal_add_cookie for a migration's record. */
int vmap_migration_add_cookie(const char *run_dir, struct vmap_migration *m, uint32_t cookie);
/* Every migration file of the run directory (none: 0, *n = 0). */
int vmap_migrations_read(const char *run_dir, struct vmap_migration **out, size_t *n,
			 struct vmap_errlist *errs);
int vmap_migration_remove(const char *run_dir, const char *volume, struct vmap_errlist *errs);
void vmap_migration_free(struct vmap_migration *m);

/* A run's journal in memory, to be written before its first change:
 * empty with this process's pid, or, when a journal is there already, a
 * copy of it with room for `n_devs` more devices.  That journal is a
 * killed run's that nobody recovered (apply recovers before it plans;
 * activate and adopt do not), and overwriting it would lose what that run
 * left: so the killed run's pid stays the journal's, this process is one
 * of its workers, and *prior keeps the journal as found (*had_prior) for
 * vmap_journal_end.  j->devs copies prior's pointers (free j->devs,
 * j->cookies and j->workers.v only). */
int vmap_journal_begin(const char *run_dir, struct vmap_journal *prior, bool *had_prior,
		       size_t n_devs, struct vmap_journal *j, struct vmap_errlist *errs);
/* The run is done: the journal found by vmap_journal_begin goes back as
 * it was, or the run's journal is removed. */
int vmap_journal_end(const char *run_dir, const struct vmap_journal *prior, bool had_prior,
		     struct vmap_errlist *errs);

/* A udev cookie that now exists: appended to the journal, which is
 * written again.  A write that fails is not the run's failure (the cookie
 * is waited for all the same; only a kill would then leave it): 0 when it
 * is on disk, -1 when not. */
int vmap_journal_add_cookie(const char *run_dir, struct vmap_journal *j, uint32_t cookie);

/* Each takes the run directory (NULL: VMAP_RUN_DIR). */
int vmap_journal_write(const char *run_dir, const struct vmap_journal *j,
		       struct vmap_errlist *errs);
/* 0 with *found=false when there is no journal. */
int vmap_journal_read(const char *run_dir, struct vmap_journal *j, bool *found,
		      struct vmap_errlist *errs);
int vmap_journal_remove(const char *run_dir, struct vmap_errlist *errs);
void vmap_journal_free(struct vmap_journal *j);

#endif
