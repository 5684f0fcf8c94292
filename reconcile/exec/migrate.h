/* migrate.h: move a volume's data to its new backing while it stays
 * online, then switch it to its new table (contract 5.10).
 *
 * The kernel copies; vmapctl arranges the devices and watches:
 *
 *   vmapctl-mig-V-old   the volume's old table (linear/striped)
 *   vmapctl-mig-V-new   its new table
 *   vmapctl-mig-V-meta  a zero target: the mirror's metadata slots
 *   vmapctl-mig-V-r     dm-raid raid1 over -old and -new, leg 1 rebuilt
 *                       from leg 0 at --migrate-rate
 *
 * V is reloaded to `linear -r 0` (same device number, its own suspend
 * policy), so every write reaches both legs while the kernel copies leg 0
 * to leg 1; once the mirror reports both legs in sync (health AA, N/N,
 * idle) V is reloaded to its new table and the temporary devices are
 * removed.  Why dm-raid and why metadata on a zero target:
 * docs/migration.md.  Each phase is written to the migration's journal
 * file first (journal.h), so `recover` can finish what a killed run left:
 * vmap_migrate_finish looks at what the kernel has and ends at the new
 * table (copy complete), the old one (not switched yet, or the new
 * backing failed), or leaves the copy running (asked not to wait). */
#ifndef VMAP_MIGRATE_H
#define VMAP_MIGRATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "exec/journal.h"
#include "plan/plan.h"

/* KiB/s: fast enough to finish, slow enough to leave most of a disk's
 * bandwidth to the volume's users (docs/migration.md). */
#define VMAP_MIGRATE_RATE_DEFAULT 65536u

enum vmap_migrate_state {
	VMAP_MIG_DONE,        /* on the new table, temporaries removed */
	VMAP_MIG_COPYING,     /* left copying (not asked to wait) */
	VMAP_MIG_ROLLED_BACK, /* back on the old table, temporaries removed */
	VMAP_MIG_FAILED,      /* could not be brought to an end: journal kept */
};

const char *vmap_migrate_state_name(enum vmap_migrate_state s);

struct vmap_migrate_result {
	const char *volume;   /* points into the plan or the journal record */
	enum vmap_migrate_state state;
	uint64_t bytes;       /* the volume's size: what the mirror copies */
	uint64_t copied;      /* bytes in sync when last looked at */
	double seconds;       /* from the start of the copy (this run) */
	double suspended_ms;  /* the volume's longest suspend in this run */
};

struct vmap_migrate_opts {
	double udev_timeout;
	const char *run_dir;
	bool wait;            /* wait for the copy and switch; else leave it copying */
	/* while waiting: bytes in sync of `total`, and the copy's rate in
	 * bytes/s measured since this run began watching (0 until known)
	 * (may be NULL) */
	void (*progress)(void *arg, const char *volume, uint64_t copied, uint64_t total,
			 double rate);
	void *progress_arg;
	/* each step done to the volume itself (load, suspend, resume) */
	void (*step)(void *arg, enum vmap_step_kind kind, bool ok, double ms);
	void *step_arg;
	/* test hook pause-after-cookie (may be NULL): while true, the next
	 * cookie stops the run, and clears it */
	bool *pause_cookie;
};

/* Start migrating: make the temporary devices, switch the volume onto
 * the mirror, then as vmap_migrate_finish.  `m` is filled by the caller
 * (volume, uuid, device number, size, tables, flags, rate); phase and
 * pid are set here.  Returns 0 (done, or copying when not waiting), or -1
 * with errors: the volume is then back on its old table unless
 * res->state is VMAP_MIG_FAILED. */
int vmap_migrate_start(struct vmap_migration *m, const struct vmap_migrate_opts *o,
		       struct vmap_migrate_result *res, struct vmap_errlist *errs);

/* Bring a migration (from the journal) to its end, from whatever the
 * kernel has now; see above.  -1 with errors when the new backing failed
 * (rolled back: data intact) or it cannot be ended (journal kept). */
int vmap_migrate_finish(struct vmap_migration *m, const struct vmap_migrate_opts *o,
			struct vmap_migrate_result *res, struct vmap_errlist *errs);

/* A mirror's status line ("raid1 2 Aa 1024/131072 recover 0 0 -") read:
 * health of legs 0 and 1, sectors in sync, total, idle.  False when it is
 * not one. */
struct vmap_mirror_status {
	char health[3];
	uint64_t in_sync, total;
	bool idle;
};
bool vmap_mirror_status_read(const char *status, struct vmap_mirror_status *st);

#endif
