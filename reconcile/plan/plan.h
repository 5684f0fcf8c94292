/* plan.h: what to do, in what order (contract section 5).
 *
 * vmap_plan_make is a pure function of (spec set, live state, options): it
 * reads no files (key files aside, to compare keys by digest) and talks to
 * no kernel, so it is unit-tested with hand-made live states and used
 * with `plan --live-state FILE`.  The plan is data: per-volume actions with
 * their reasons, and the ordered steps apply.c executes. */
#ifndef VMAP_PLAN_H
#define VMAP_PLAN_H

#include <stdbool.h>
#include <stddef.h>

#include "base/error.h"
#include "base/util.h"
#include "model/dmflags.h"
#include "model/live.h"
#include "plan/resolve.h"
#include "model/spec.h"
#include "plan/classify.h"

enum vmap_action {
	VMAP_ACT_NONE,
	VMAP_ACT_CREATE,
	VMAP_ACT_RELOAD,   /* new table, same device */
	VMAP_ACT_RECREATE, /* remove + create: the kernel cannot take it in place */
	VMAP_ACT_REMOVE,
	VMAP_ACT_REFRESH,  /* same table again: the kernel recomputes queue limits */
	VMAP_ACT_RESUME,   /* found suspended: resume it */
	VMAP_ACT_MIGRATE,  /* copy the data to the new backing online, then reload (5.10) */
};

const char *vmap_action_name(enum vmap_action a);

/* What a pending change risks (contract 5.9): nothing to do; a change that
 * keeps every sector's data; one that shows other data, drops sectors or
 * removes the volume. */
enum vmap_risk { VMAP_RISK_NONE, VMAP_RISK_SAFE, VMAP_RISK_DESTRUCTIVE };

const char *vmap_risk_name(enum vmap_risk r);

/* A classified range for people: "sectors 0..65535, 65536 sectors
 * (32 MiB): 'linear 7:1 2048' from its sector 0 -> 'linear 7:2 2048' from
 * its sector 0". */
void vmap_range_text(struct sbuf *b, const struct vmap_range *r);

/* One volume's decision. */
struct vmap_volplan {
	const char *name;
	int vol;                        /* index in the spec set, -1 if not in it */
	const struct vmap_dmdev *live;  /* NULL when the device does not exist */
	enum vmap_action action;
	struct vmap_desired desired;    /* for set volumes */
	char **why;                     /* reasons for the action, for the user */
	size_t n_why;
	char **notes;                   /* things worth knowing (limits kept, ...) */
	size_t n_notes;
	bool refused;                   /* a gate or a predicted kernel refusal */
	bool waiting;                   /* create_only: a device is not there yet */
	bool grow, shrink;
	bool was_suspended;             /* found suspended */
	bool clear_inactive;            /* an inactive table we did not load is there */
	/* reload and recreate of a device that has a table: what the new
	 * table does to the data it shows (contract 5.9) */
	struct vmap_ranges ranges;
	enum vmap_risk risk;
	/* migrate: what the copy moves (the whole volume: the mirror copies
	 * every sector, the remapped ones are what it is for) */
	uint64_t migrate_bytes, remapped_bytes;
	/* migrate: a migration of this volume is already under way (its live
	 * table is the temporary mirror): recover or apply finishes it */
	bool migrating;
	/* a refresh that waits for the migration of a volume under it */
	bool after_migration;
	unsigned suspend_flags;         /* VMAP_DM_NOFLUSH | VMAP_DM_SKIP_LOCKFS */
	const char *suspend_policy;     /* "noflush" / "flush", and why below */
	struct vmap_loc loc;
};

enum vmap_step_kind {
	VMAP_STEP_CREATE,  /* create with its table (libdm loads and resumes it) */
	VMAP_STEP_LOAD,    /* load the new table into the inactive slot */
	VMAP_STEP_CLEAR,   /* clear an inactive table */
	VMAP_STEP_SUSPEND,
	VMAP_STEP_RESUME,
	VMAP_STEP_REMOVE,
	VMAP_STEP_MIGRATE, /* copy online, then switch to the new table (exec/migrate.c) */
};

enum vmap_phase {
	VMAP_PHASE_PRELOAD, /* nothing suspended yet: creates and loads */
	VMAP_PHASE_SWITCH,  /* suspend top-down, resume bottom-up */
	VMAP_PHASE_POST,    /* creates on switched volumes, removes */
	VMAP_PHASE_MIGRATE, /* migrations, one volume at a time, after everything else */
};

struct vmap_step {
	enum vmap_step_kind kind;
	enum vmap_phase phase;
	size_t vp;        /* index into plan->vols */
	unsigned flags;   /* VMAP_DM_* for suspend/resume/load/create */
};

struct vmap_plan {
	struct vmap_volplan *vols;
	size_t n_vols;
	struct vmap_step *steps;
	size_t n_steps;
	size_t n_changes;     /* volumes whose action is not none */
	char **notes;         /* about the whole set (managed volumes left alone, ...) */
	size_t n_notes;
	const struct vmap_specset *set;
	const struct vmap_live *live;
};

struct vmap_plan_opts {
	bool allow_recreate, allow_shrink, allow_remap, prune;
	/* move the data of remapped volumes (contract 5.10) */
	bool migrate;
	/* activate: create volumes whose devices are all present, never
	 * reload, shrink or remove; volumes still waiting are not errors */
	bool create_only;
	/* test hook (docs/testing.md): do not predict what the kernel
	 * refuses only at resume (misalignment), so the suite can prove the
	 * rollback when the kernel refuses for real */
	bool skip_predict;
	/* destroy: remove these managed volumes (the spec set is ignored) */
	const char *const *destroy;
	size_t n_destroy;
};

/* Make the plan.  Returns 0, or -1 with errors: policy refusals
 * (VMAP_E_POLICY, exit 3), what the kernel would refuse or missing
 * devices (VMAP_E_FAILED), each with the volume's spec location.  The plan
 * is filled either way, with refused volumes marked, so it can be shown. */
int vmap_plan_make(const struct vmap_specset *set, const struct vmap_live *live,
		   const struct vmap_plan_opts *opts, struct vmap_plan *plan,
		   struct vmap_errlist *errs);

void vmap_plan_free(struct vmap_plan *plan);

/* The temporary devices of a migration of volume `volume` (contract
 * 5.10): "vmapctl-mig-VOLUME-" + role, role one of "old", "new", "meta",
 * "r" (allocated).  Their uuids are "VMAPMIG-" + the volume's device
 * number + "-" + role: not "VMAP-", so no spec, --prune or status takes
 * them for volumes. */
char *vmap_migrate_temp_name(const char *volume, const char *role);
#define VMAP_MIGRATE_PREFIX "vmapctl-mig-"
#define VMAP_MIGRATE_UUID_PREFIX "VMAPMIG-"
/* The longest volume name that can be migrated: its temporary names must
 * fit the kernel's 127 characters. */
#define VMAP_MIGRATE_NAME_MAX (127 - 12 - 5)

const char *vmap_step_name(enum vmap_step_kind k);

#endif
