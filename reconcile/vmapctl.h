/* vmapctl.h: the library's front door, one function per command.
 *
 * cmd/ parses the command line and the environment into struct
 * vmapctl_opts, calls one of these, and prints the result; nothing else of
 * the library is its business.  Behind each function the work happens in
 * the order the contract asks for (parse -> evaluate -> apply):
 *
 *   spec/   load the spec set (validated offline, every error located)
 *   exec/   take the run lock, finish an interrupted run (recover)
 *   live/   capture the live state (dm.c, sysfs, udev), or read a snapshot
 *   plan/   resolve the desired tables, decide, gate, order the steps
 *   exec/   apply the steps, with a journal and rollback
 *
 * No function prints, exits or reads the environment.  Each returns 0, or
 * -1 with errors in `errs`: the worst error's kind decides the exit code
 * (cmd/exitcode.c).  Results are filled as far as the run got, failures
 * included, so that --json can always show them; free them with the
 * matching _free function. */
#ifndef VMAPCTL_H
#define VMAPCTL_H

#include <stdbool.h>
#include <stddef.h>

#include "base/error.h"
#include "exec/apply.h"
#include "export/export.h"
#include "model/live.h"
#include "model/spec.h"
#include "plan/limits.h"
#include "plan/plan.h"

struct vmapctl_run;

/* What one run is asked to do: the command line and the environment,
 * parsed by cmd/. */
struct vmapctl_opts {
	/* where the spec set comes from (-f, $VMAPCTL_SPEC_DIR, --root) */
	struct vmap_spec_source specs;
	/* operands: volume names for destroy, status, export, adopt */
	const char *const *names;
	size_t n_names;
	double lock_timeout, udev_timeout;         /* seconds */
	double suspend_timeout;                    /* seconds each suspend may take (0: no bound) */
	bool allow_recreate, allow_shrink, allow_remap, prune;
	/* live migration (contract 5.10): --migrate; the copy's rate limit
	 * in KiB/s (--migrate-rate; 0 none); apply --no-wait (start the copy
	 * and return); recover --wait (wait for a copy still running) */
	bool migrate;
	unsigned migrate_rate;
	bool no_wait, wait;
	const char *live_state;     /* read live state from this snapshot, not the host */
	const char *live_state_out; /* status: also write a snapshot here */
	const char *device;         /* activate: the block device that appeared */
	bool detach;                /* activate --device: rounds in the background */
	int runner_fd;              /* activate --device: the runner lock vmapctl-udev-activate
				     * took, held through this descriptor; <= 2 none */
	enum vmap_export_format format;
	const char *run_dir;        /* $VMAPCTL_RUN_DIR (journal); NULL: /run/vmapctl */
	const char *lock_file;      /* $VMAPCTL_LOCK_FILE; NULL: /run/lock/vmapctl.lock */
	/* $VMAPCTL_TEST_HOOK, for the suite (docs/testing.md): skip-predict;
	 * pause-after-STEP (1u << VMAP_STEP_x); pause-in-recover */
	bool hook_skip_predict, hook_pause_recover;
	unsigned hook_pause_after;
	bool hook_pause_cookie; /* pause-after-cookie */
	/* apply: called once the run is planned and before any step is
	 * carried out (to show the plan first); may be NULL */
	void (*planned)(void *arg, const struct vmapctl_run *run);
	void *planned_arg;
	/* called after every step apply carries out; may be NULL */
	void (*progress)(void *arg, const struct vmap_apply_event *ev, size_t done, size_t total);
	void *progress_arg;
};

/* validate: the spec set, parsed and checked offline (touches nothing),
 * and what the kernel needs for it: the target types it uses and the
 * modules that provide them (what an initramfs must hold), each once. */
struct vmapctl_validated {
	struct vmap_specset set;
	char **types;
	size_t n_types;
	char **modules;     /* the types' modules and what they load on demand */
	size_t n_modules;
	char **key_files;   /* the {file: PATH} keys (what an initramfs must hold) */
	size_t n_key_files;
};

int vmapctl_validate(const struct vmapctl_opts *o, struct vmapctl_validated *v,
		     struct vmap_errlist *errs);
void vmapctl_validated_free(struct vmapctl_validated *v);

/* One run of the reconciler: what plan, apply, activate and destroy
 * looked at, decided and did. */
struct vmapctl_run {
	struct vmap_specset set;
	bool spec_loaded;
	struct vmap_recover_result recovered; /* what the run's recover did first */
	struct vmap_live live;
	bool captured;                /* live was read (from the host or a snapshot) */
	struct vmap_plan plan;
	bool planned;
	struct vmap_apply_result result;
	bool applied;                 /* steps were carried out (result is filled) */
	bool ok;                      /* ...and all of them worked */
};

/* plan: load, capture (or --live-state), plan.  Changes nothing. */
int vmapctl_plan(const struct vmapctl_opts *o, struct vmapctl_run *run,
		 struct vmap_errlist *errs);
/* apply: load, lock, recover, capture, plan, apply (rollback on failure). */
int vmapctl_apply(const struct vmapctl_opts *o, struct vmapctl_run *run,
		  struct vmap_errlist *errs);
/* activate [--device DEV]: create the volumes whose devices are all
 * present; never reloads or removes.  Without a device, one run.  With
 * one (udev's entry point), announce it first: when another activation is
 * running, hand it over (that one's next round sees the device) and return
 * 0 at once; else become the runner and make rounds, each a whole
 * create-only run after waiting for udev to be done with the devices it
 * covers, until no device was announced during the last one
 * (exec/handover.h: at most VMAP_HANDOVER_MAX_ROUNDS).  So disks appearing
 * together cost a few runs, not one each.  With o->detach, an activation
 * that is to make rounds goes on in a child process in a session of its
 * own, and this process exits 0 (vmap_handover_detach): udev's RUN
 * program waits for the announcement only. */
struct vmapctl_activation {
	struct vmapctl_run *rounds;   /* each round's run, in order */
	size_t n_rounds;
	bool handed_over;             /* another activation brings the volumes up */
	long runner_pid;              /* ...this one (0: unknown) */
};

int vmapctl_activate(const struct vmapctl_opts *o, struct vmapctl_activation *a,
		     struct vmap_errlist *errs);
void vmapctl_activation_free(struct vmapctl_activation *a);
/* destroy NAME...: remove managed volumes (only managed ones). */
int vmapctl_destroy(const struct vmapctl_opts *o, struct vmapctl_run *run,
		    struct vmap_errlist *errs);
void vmapctl_run_free(struct vmapctl_run *run);

/* recover: finish or roll back what an interrupted run left. */
int vmapctl_recover(const struct vmapctl_opts *o, struct vmap_recover_result *res,
		    struct vmap_errlist *errs);

/* The outcome of the last `apply` on this host, kept by apply in the run
 * directory (last-apply.json, written to a temporary file and renamed) for
 * status and its metrics.  Every apply records one, dry runs and runs that
 * did not get the lock aside. */
struct vmapctl_last_apply {
	bool known;             /* a record was found (and read) */
	double finished;        /* unix time (seconds) the run ended */
	double duration_ms;
	char *result;           /* ok, failed, refused, invalid-spec */
	size_t changes;         /* volumes the plan changed */
	size_t steps;           /* device operations carried out (rollbacks aside) */
	bool rolled_back;
};

/* status [NAME...]: one row per managed device and per spec volume. */
struct vmapctl_volstatus {
	const char *name;
	const struct vmap_dmdev *dev;     /* NULL when the device does not exist */
	const struct vmap_volplan *vp;    /* what a plan would do, when planned */
	bool in_spec;
	const char *state;  /* active, suspended, no-table, missing */
	const char *drift;  /* none, create, reload, ..., refused, unmanaged, unknown */
	uint64_t sectors;   /* size of the live table */
	struct vmap_stale stale; /* queue limits looser than the components' */
	/* a migration of its data under way (contract 5.10), read from its
	 * mirror: "copying", "copied" (switching soon), "failed" (the new
	 * backing: recover switches it back), or NULL when none */
	const char *migration;
	uint64_t mig_copied, mig_total;  /* bytes */
	char mig_health[3];
};

struct vmapctl_status {
	struct vmapctl_run run;          /* the set (when it loads), live state, plan */
	struct vmap_errlist spec_errs;   /* why the set did not load: status goes on */
	struct vmapctl_volstatus *vols;
	size_t n_vols;
	size_t drifted, stale;           /* volumes with drift, with stale limits */
	/* this host's last apply (not read with --live-state: a snapshot
	 * does not carry it) */
	struct vmapctl_last_apply last_apply;
};

int vmapctl_status(const struct vmapctl_opts *o, struct vmapctl_status *st,
		   struct vmap_errlist *errs);
void vmapctl_status_free(struct vmapctl_status *st);

/* export [NAME...]: managed volumes as they are now. */
int vmapctl_export(const struct vmapctl_opts *o, struct vmap_export *ex,
		   struct vmap_errlist *errs);

/* adopt NAME...: give devices without a uuid the uuid VMAP-NAME.  Every
 * name is checked before any uuid is set. */
struct vmapctl_adopted {
	char **adopted;         /* the operands that were adopted now */
	size_t n_adopted;
	char **unchanged;       /* managed already */
	size_t n_unchanged;
};

int vmapctl_adopt(const struct vmapctl_opts *o, struct vmapctl_adopted *res,
		  struct vmap_errlist *errs);
void vmapctl_adopted_free(struct vmapctl_adopted *res);

/* version: libdevmapper's version, and the kernel driver's when there is
 * device-mapper (else -1 with the error, library version still set). */
struct vmapctl_version {
	const char *library;    /* static */
	char *driver;           /* "4.47.0", or NULL */
};

int vmapctl_version(struct vmapctl_version *v, struct vmap_errlist *errs);
void vmapctl_version_free(struct vmapctl_version *v);

/* cat-config: the files of the spec set as the default rules pick them,
 * with where each came from (contract section 7).  With -f or
 * $VMAPCTL_SPEC_DIR, the files those name. */
struct vmapctl_config {
	struct vmap_spec_file *files;
	size_t n_files;
	const char *source;     /* "layered", "-f" or "$VMAPCTL_SPEC_DIR" */
};

int vmapctl_cat_config(const struct vmapctl_opts *o, struct vmapctl_config *cfg,
		       struct vmap_errlist *errs);
void vmapctl_config_free(struct vmapctl_config *cfg);

#endif
