/* apply.h: carry out a plan, and finish what an interrupted run left.
 *
 * The order is the plan's (plan.h).  Around it: a journal before the first
 * change (journal.h), with each udev cookie the run makes; memory locked
 * while any device is suspended (a page fault must not wait for a
 * suspended device); one udev cookie per phase with a bounded wait; a
 * bounded wait on every suspend (signals.h); and on any failure a
 * rollback: clear the inactive tables this run loaded, resume everything
 * it suspended (on the old table where the new one could not be taken),
 * remove what it created (contract section 6).
 *
 * SIGINT, SIGTERM, SIGHUP and SIGQUIT are caught for the whole run and
 * act at the next step (or at once in a suspend, which they interrupt):
 * before the switch has resumed a device on its new table (creates,
 * loads, suspends) the run rolls back; once it has, the switch is
 * finished (every table switched: all new) and the run stops there,
 * before the creates and removals that follow, or succeeds when nothing
 * follows; a run of creates and removals only (destroy, activate...) rolls
 * back its creates, or stops before its next removal.  A run that stops
 * fails naming the signal, and no device is ever left suspended. */
#ifndef VMAP_APPLY_H
#define VMAP_APPLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "exec/migrate.h"
#include "plan/plan.h"

/* One thing done to a device (for progress and the report). */
struct vmap_apply_event {
	enum vmap_step_kind kind;
	const char *volume;
	bool ok;
	bool rollback;       /* part of undoing a failed run */
	double ms;           /* how long the ioctl took */
	/* migrate, while copying (progress only): bytes in sync of the
	 * total, and the copy's rate in bytes/s (0 until known) */
	uint64_t copied, copy_total;
	double copy_rate;
};

struct vmap_apply_opts {
	double udev_timeout; /* seconds, for each udev wait */
	/* seconds a suspend may wait for in-flight I/O before the run gives
	 * up and rolls back (0: no bound) */
	double suspend_timeout;
	const char *run_dir; /* for the journal (NULL: /run/vmapctl) */
	/* test hook (docs/testing.md): 1u << VMAP_STEP_x stops the run right
	 * after its first step of that kind until a signal arrives, so a
	 * test can signal or kill it exactly there */
	unsigned pause_after;
	/* test hook: stop the same way once the run's first udev cookie
	 * exists, before its journal names it */
	bool pause_cookie;
	/* migrations (contract 5.10): the copy rate limit in KiB/s (0: none),
	 * and whether to wait for the copy (else it is left running for a
	 * later apply or recover to finish) */
	unsigned migrate_rate;
	bool migrate_no_wait;
	/* called after every step, e.g. for progress on a terminal; may be NULL */
	void (*progress)(void *arg, const struct vmap_apply_event *ev, size_t done, size_t total);
	void *progress_arg;
};

struct vmap_apply_result {
	struct vmap_apply_event *events;
	size_t n_events;
	double *suspended_ms;  /* per plan volume: time between its suspend and resume */
	size_t n_vols;
	bool rolled_back;
	bool memory_locked;    /* whether mlockall succeeded while suspended */
	struct vmap_migrate_result *migrations; /* one per migrate step carried out */
	size_t n_migrations;
	int interrupted;       /* the signal that stopped the run, or 0 */
};

/* Execute `plan` (which must have no refused volumes).  Returns 0, or -1
 * with errors after having rolled back. */
int vmap_apply(const struct vmap_plan *plan, const struct vmap_apply_opts *opts,
	       struct vmap_apply_result *res, struct vmap_errlist *errs);
void vmap_apply_result_free(struct vmap_apply_result *res);

struct vmap_recover_result {
	bool had_journal;
	int journal_pid;
	char **actions;        /* what was done, one line each, for the user */
	size_t n_actions;
	/* each device operation tried, done or failed (for the log); the
	 * volume names belong to the result */
	struct vmap_apply_event *events;
	size_t n_events;
	struct vmap_migrate_result *migrations; /* migrations found under way */
	size_t n_migrations;
	char **mig_names;      /* their volumes (the results point here) */
};

struct vmap_recover_opts {
	const char *run_dir;
	double udev_timeout;
	/* a migration still copying: wait for it and finish it, or leave it
	 * running (the kernel goes on copying) */
	bool wait;
	/* while waiting (may be NULL) */
	void (*progress)(void *arg, const struct vmap_apply_event *ev, size_t done, size_t total);
	void *progress_arg;
	/* test hook: stop after the first action until a signal arrives */
	bool pause;
};

/* Finish an interrupted run from its journal: resume what it left
 * suspended (clearing the inactive tables it loaded, so each device comes
 * back on the table it had), clear inactive tables it loaded elsewhere,
 * remove devices it created that never got a table, release the udev
 * cookies it did not wait for; then remove the journal.  Then each
 * migration's journal (migrate.h): finished, rolled back, or left copying
 * when not asked to wait.  Signals (above) do not stop it: it finishes.
 * The caller holds the lock.  0 when there was nothing to do. */
int vmap_recover(const struct vmap_recover_opts *o, struct vmap_recover_result *res,
		 struct vmap_errlist *errs);
void vmap_recover_result_free(struct vmap_recover_result *res);

#endif
