/* apply.c: execute a plan with rollback; recover from a journal (apply.h). */
#include "exec/apply.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dm.h"
#include "exec/journal.h"
#include "exec/lock.h"
#include "exec/signals.h"
#include "plan/resolve.h"
#include "base/util.h"

/* What this run has done to each plan volume. */
#define ST_CREATED 0x01u
#define ST_LOADED 0x02u    /* an inactive table of ours is (or was) in place */
#define ST_SUSPENDED 0x04u
#define ST_RESUMED 0x08u
#define ST_REMOVED 0x10u

struct exec {
	const struct vmap_plan *p;
	const struct vmap_apply_opts *o;
	struct vmap_apply_result *res;
	struct vmap_errlist *errs;
	struct vmap_resolve_env env;
	unsigned *cmaj, *cmin;     /* device numbers of volumes created in this run */
	bool *resolved;
	struct vmap_desired *desired; /* shallow copies of the plan's */
	unsigned *st;              /* ST_* per plan volume */
	double *susp_at;           /* when it was suspended (monotonic ms) */
	size_t *created_order;     /* plan volumes in creation order */
	size_t n_created;
	struct vmap_udev_batch batch;
	struct sbuf batch_what;    /* the devices in the batch, for a timeout message */
	size_t batch_n;            /* how many: the message names the first BATCH_NAMED */
	bool switching;            /* memory locked */
	bool went_live;            /* a device of the switch resumed on its new table */
	unsigned paused;           /* test hook: step kinds paused after already */
	struct vmap_journal j;     /* names and uuids belong to the plan */
	bool journaled;            /* the journal is on disk */
	/* the journal a killed run left, which activate (it does not
	 * recover first: it only creates) keeps, and puts back at its end */
	struct vmap_journal prior;
	bool had_prior;
	bool pause_cookie;         /* the test hook: pause at the next cookie */
	size_t done, total;
};

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void event(struct exec *x, enum vmap_step_kind kind, size_t vp, bool ok, bool rollback,
		  double ms)
{
	struct vmap_apply_result *r = x->res;
	r->events = xrealloc(r->events, (r->n_events + 1) * sizeof(*r->events));
	r->events[r->n_events++] = (struct vmap_apply_event){.kind = kind,
							      .volume = x->p->vols[vp].name,
							      .ok = ok, .rollback = rollback,
							      .ms = ms};
	if (!rollback)
		x->done++;
	if (x->o->progress)
		x->o->progress(x->o->progress_arg, &r->events[r->n_events - 1], x->done, x->total);
}

/* The batch's devices, for a udev timeout message: the first BATCH_NAMED
 * by name, the rest counted, so that a batch of thousands of creates is
 * one readable line and its list costs nothing per device (contract
 * section 9). */
#define BATCH_NAMED 10

static void batch_note(struct exec *x, const char *name)
{
	if (++x->batch_n > BATCH_NAMED)
		return;
	if (x->batch_what.len)
		sbuf_add(&x->batch_what, ", ");
	sbuf_addc(&x->batch_what, '\'');
	sbuf_add(&x->batch_what, name);
	sbuf_addc(&x->batch_what, '\'');
}

/* A cookie is journaled as soon as it exists: a run killed before its
 * wait leaves the semaphore, and recover releases it. */
static void journal_cookie(void *arg, uint32_t cookie)
{
	struct exec *x = arg;
	/* the test hook: killed here, the run leaves a cookie its journal
	 * does not name (recover finds it by the journal's pid) */
	vmap_test_pause_once(&x->pause_cookie, x->o->run_dir);
	if (vmap_journal_add_cookie(x->o->run_dir, &x->j, cookie) == 0)
		x->journaled = true;
}

static void batch_journal(struct exec *x)
{
	x->batch.created = journal_cookie;
	x->batch.created_arg = x;
}

static int batch_wait(struct exec *x)
{
	int r = 0;
	if (x->batch_n > BATCH_NAMED)
		sbuf_printf(&x->batch_what, " and %zu more", x->batch_n - BATCH_NAMED);
	if (x->batch.tasks)
		r = vmap_dm_udev_wait(&x->batch, x->o->udev_timeout,
				      sbuf_str(&x->batch_what), x->errs);
	memset(&x->batch, 0, sizeof(x->batch));
	batch_journal(x);
	sbuf_free(&x->batch_what);
	x->batch_n = 0;
	return r;
}

/* ---- while devices are suspended ---- */

static void switch_begin(struct exec *x)
{
	if (x->switching)
		return;
	x->switching = true;
	/* A page fault could need I/O to a suspended device: lock the memory
	 * (as lvm does; lock.c skips it under AddressSanitizer).  Signals
	 * are caught for the whole run (signals.h), not held here. */
	int e = 0;
	x->res->memory_locked = vmap_memlock_all(&e) == VMAP_MEMLOCK_LOCKED;
}

static void switch_end(struct exec *x)
{
	if (!x->switching)
		return;
	x->switching = false;
	if (x->res->memory_locked)
		vmap_memunlock_all();
}

static void test_hook_after(struct exec *x, enum vmap_step_kind kind)
{
	unsigned bit = 1u << kind;
	if (!(x->o->pause_after & bit) || (x->paused & bit))
		return;
	x->paused |= bit;
	vmap_test_pause(x->o->run_dir);
}

/* SUSPEND, at most o->suspend_timeout seconds: a flush suspend waits for
 * the device's in-flight I/O, which never completes while a device under
 * it is suspended or a path has failed.  The kernel's wait is
 * interruptible (-EINTR, the suspend undone), so the deadline's timer or a
 * caught signal ends it. */
static int suspend_bounded(struct exec *x, const char *name, unsigned flags)
{
	struct vmap_errlist e = {0};
	int sig0 = vmap_signal_caught();
	vmap_deadline_start(x->o->suspend_timeout);
	int r = vmap_dm_suspend(name, flags, &e);
	bool late = vmap_deadline_stop();
	int sig = vmap_signal_caught();
	if (r == 0 || (!late && sig == sig0)) {
		vmap_errlist_move(x->errs, &e);
		return r;
	}
	vmap_errlist_clear(&e);
	if (sig != sig0)
		vmap_fail(x->errs, 0, name, "interrupted by %s while suspending it",
			  vmap_signal_name(sig));
	else
		vmap_err(x->errs, VMAP_E_TIMEOUT, 0, NULL, name,
			 "suspending it did not finish within %g s: I/O sent to it could not complete "
			 "(is a device under it suspended, or a path down?); nothing was switched "
			 "(raise --suspend-timeout, or find what holds the I/O)", x->o->suspend_timeout);
	return -1;
}

/* ---- the steps ---- */

static int table_lines(struct exec *x, size_t v, struct vmap_dm_line **lines, char ***params)
{
	const struct vmap_volplan *vp = &x->p->vols[v];
	const struct vmap_desired *d = &vp->desired;
	*lines = xcalloc(d->n_lines ? d->n_lines : 1, sizeof(**lines));
	*params = xcalloc(d->n_lines ? d->n_lines : 1, sizeof(**params));
	for (size_t i = 0; i < d->n_lines; i++) {
		if (vmap_resolve_kernel_params(&x->env, d->lines[i].target, vp->name, &(*params)[i],
					       x->errs) < 0)
			return -1;
		(*lines)[i] = (struct vmap_dm_line){d->lines[i].start, d->lines[i].len,
						    d->lines[i].type, (*params)[i]};
	}
	return 0;
}

static void table_free(const struct vmap_desired *d, struct vmap_dm_line *lines, char **params)
{
	for (size_t i = 0; i < d->n_lines; i++)
		if (params && params[i]) {
			/* the kernel text may hold a key */
			explicit_bzero(params[i], strlen(params[i]));
			free(params[i]);
		}
	free(params);
	free(lines);
}

static int do_create(struct exec *x, size_t v, unsigned flags)
{
	const struct vmap_volplan *vp = &x->p->vols[v];
	const struct vmap_desired *d = &vp->desired;
	struct vmap_dm_line *lines;
	char **params;
	int r = -1;
	if (table_lines(x, v, &lines, &params) < 0)
		goto out;
	if (d->vol->read_only)
		flags |= VMAP_DM_READONLY;
	double t0 = now_ms();
	/* volumes stacked on it need its device number: CREATE's reply has it */
	unsigned maj = 0, min = 0;
	r = vmap_dm_create_dev(vp->name, d->vol->uuid, lines, d->n_lines, flags, &x->batch, &maj,
			       &min, x->errs);
	event(x, VMAP_STEP_CREATE, v, r == 0, false, now_ms() - t0);
	if (r < 0)
		goto out;
	batch_note(x, vp->name);
	x->st[v] |= ST_CREATED;
	x->st[v] &= ~ST_REMOVED;
	x->created_order[x->n_created++] = v;
	if (!maj && !min) {
		/* a reply without the number (never seen): ask the kernel */
		struct vmap_dmdev info = {0};
		bool found = false;
		if (vmap_dm_get(vp->name, &info, &found, x->errs) < 0 || !found) {
			if (!found)
				vmap_fail(x->errs, 0, vp->name,
					  "device vanished right after it was created");
			r = -1;
		}
		maj = info.major;
		min = info.minor;
		vmap_dmdev_free(&info);
	}
	if (r == 0 && vp->vol >= 0) {
		x->cmaj[vp->vol] = maj;
		x->cmin[vp->vol] = min;
	}
out:
	table_free(d, lines, params);
	return r;
}

static int do_load(struct exec *x, size_t v, unsigned flags)
{
	const struct vmap_volplan *vp = &x->p->vols[v];
	const struct vmap_desired *d = &vp->desired;
	struct vmap_dm_line *lines;
	char **params;
	int r = -1;
	if (table_lines(x, v, &lines, &params) < 0)
		goto out;
	if (d->vol->read_only)
		flags |= VMAP_DM_READONLY;
	double t0 = now_ms();
	r = vmap_dm_load(vp->name, lines, d->n_lines, flags, x->errs);
	event(x, VMAP_STEP_LOAD, v, r == 0, false, now_ms() - t0);
	if (r == 0)
		x->st[v] |= ST_LOADED;
out:
	table_free(d, lines, params);
	return r;
}

/* ---- migrations (exec/migrate.c does the work) ---- */

struct mig_ctx {
	struct exec *x;
	size_t v;
};

static void mig_step(void *arg, enum vmap_step_kind kind, bool ok, double ms)
{
	struct mig_ctx *c = arg;
	struct vmap_apply_result *r = c->x->res;
	r->events = xrealloc(r->events, (r->n_events + 1) * sizeof(*r->events));
	r->events[r->n_events++] = (struct vmap_apply_event){kind, c->x->p->vols[c->v].name, ok,
							      false, ms, 0, 0, 0};
}

static void mig_progress(void *arg, const char *volume, uint64_t copied, uint64_t total,
			 double rate)
{
	struct mig_ctx *c = arg;
	struct vmap_apply_event ev = {VMAP_STEP_MIGRATE, volume, true, false, 0, copied, total,
				      rate};
	if (c->x->o->progress)
		c->x->o->progress(c->x->o->progress_arg, &ev, c->x->done, c->x->total);
}

static int do_migrate(struct exec *x, size_t v, unsigned flags)
{
	const struct vmap_volplan *vp = &x->p->vols[v];
	const struct vmap_desired *d = &vp->desired;
	const struct vmap_table *old = &vp->live->live;
	struct sbuf ot = {0}, nt = {0};
	for (size_t i = 0; i < old->n; i++)
		sbuf_printf(&ot, "%s%llu %llu %s %s", i ? "\n" : "",
			    (unsigned long long)old->lines[i].start,
			    (unsigned long long)old->lines[i].len, old->lines[i].type,
			    old->lines[i].params);
	struct vmap_dm_line *lines;
	char **params;
	int r = -1;
	if (table_lines(x, v, &lines, &params) < 0)
		goto out;
	for (size_t i = 0; i < d->n_lines; i++)
		sbuf_printf(&nt, "%s%llu %llu %s %s", i ? "\n" : "",
			    (unsigned long long)lines[i].start, (unsigned long long)lines[i].len,
			    lines[i].type, lines[i].params);
	struct vmap_migration m = {
		.volume = xstrdup(vp->name), .uuid = xstrdup(vp->live->uuid),
		.major = vp->live->major, .minor = vp->live->minor, .sectors = d->size,
		.old_table = sbuf_take(&ot), .new_table = sbuf_take(&nt), .dm_flags = flags,
		.read_only = d->vol->read_only, .rate_kib = x->o->migrate_rate,
	};
	struct mig_ctx c = {x, v};
	struct vmap_migrate_opts mo = {.udev_timeout = x->o->udev_timeout,
				       .run_dir = x->o->run_dir, .wait = !x->o->migrate_no_wait,
				       .progress = mig_progress, .progress_arg = &c,
				       .step = mig_step, .step_arg = &c,
				       .pause_cookie = &x->pause_cookie};
	struct vmap_migrate_result mr;
	double t0 = now_ms();
	r = vmap_migrate_start(&m, &mo, &mr, x->errs);
	mr.volume = vp->name; /* m's copy is freed below */
	if (mr.suspended_ms > x->res->suspended_ms[v])
		x->res->suspended_ms[v] = mr.suspended_ms;
	struct vmap_apply_result *res = x->res;
	res->migrations = xrealloc(res->migrations, (res->n_migrations + 1) * sizeof(mr));
	res->migrations[res->n_migrations++] = mr;
	event(x, VMAP_STEP_MIGRATE, v, r == 0, false, now_ms() - t0);
	vmap_migration_free(&m);
out:
	table_free(d, lines, params);
	sbuf_free(&ot);
	sbuf_free(&nt);
	return r;
}

static int run_step(struct exec *x, const struct vmap_step *s)
{
	const struct vmap_volplan *vp = &x->p->vols[s->vp];
	double t0;
	int r;
	switch (s->kind) {
	case VMAP_STEP_CREATE:
		r = do_create(x, s->vp, s->flags);
		if (r == 0)
			test_hook_after(x, s->kind);
		return r;
	case VMAP_STEP_LOAD:
		r = do_load(x, s->vp, s->flags);
		if (r == 0)
			test_hook_after(x, s->kind);
		return r;
	case VMAP_STEP_CLEAR:
		t0 = now_ms();
		r = vmap_dm_clear(vp->name, x->errs);
		event(x, s->kind, s->vp, r == 0, false, now_ms() - t0);
		if (r == 0)
			test_hook_after(x, s->kind);
		return r;
	case VMAP_STEP_SUSPEND:
		switch_begin(x);
		t0 = now_ms();
		r = suspend_bounded(x, vp->name, s->flags);
		x->susp_at[s->vp] = now_ms();
		event(x, s->kind, s->vp, r == 0, false, x->susp_at[s->vp] - t0);
		if (r == 0) {
			x->st[s->vp] |= ST_SUSPENDED;
			/* a volume found suspended was resumed in the preload
			 * phase: this suspend is the one to undo */
			x->st[s->vp] &= ~ST_RESUMED;
			test_hook_after(x, s->kind);
		}
		return r;
	case VMAP_STEP_RESUME:
		t0 = now_ms();
		r = vmap_dm_resume(vp->name, s->flags, &x->batch, x->errs);
		event(x, s->kind, s->vp, r == 0, false, now_ms() - t0);
		if (r == 0) {
			batch_note(x, vp->name);
			x->st[s->vp] |= ST_RESUMED;
			x->st[s->vp] &= ~ST_LOADED; /* the new table is live now */
			if (x->susp_at[s->vp] > 0)
				x->res->suspended_ms[s->vp] = now_ms() - x->susp_at[s->vp];
			if (s->phase == VMAP_PHASE_SWITCH)
				x->went_live = true;
			test_hook_after(x, s->kind);
		}
		return r;
	case VMAP_STEP_MIGRATE:
		return do_migrate(x, s->vp, s->flags);
	case VMAP_STEP_REMOVE:
		t0 = now_ms();
		r = vmap_dm_remove(vp->name, &x->batch, x->errs);
		event(x, s->kind, s->vp, r == 0, false, now_ms() - t0);
		if (r == 0) {
			batch_note(x, vp->name);
			x->st[s->vp] |= ST_REMOVED;
			test_hook_after(x, s->kind);
		}
		return r;
	}
	return -1;
}

/* ---- rollback ---- */

static void rb_event(struct exec *x, enum vmap_step_kind kind, size_t v, int r, double t0)
{
	event(x, kind, v, r == 0, true, now_ms() - t0);
}

/* Bring a recreated volume's old device back from its live table, when
 * that table can be loaded again (no key known only by its digest). */
static void restore_recreated(struct exec *x, size_t v)
{
	const struct vmap_volplan *vp = &x->p->vols[v];
	const struct vmap_dmdev *old = vp->live;
	if (!old || !old->live_table)
		return;
	struct vmap_dm_line *lines = xcalloc(old->live.n ? old->live.n : 1, sizeof(*lines));
	for (size_t i = 0; i < old->live.n; i++) {
		if (strstr(old->live.lines[i].params, "<key:")) {
			vmap_fail(x->errs, 0, vp->name, "cannot bring the old device back: its table "
				  "holds a key vmapctl only knows by digest (recreate it by hand)");
			free(lines);
			return;
		}
		lines[i] = (struct vmap_dm_line){old->live.lines[i].start, old->live.lines[i].len,
						 old->live.lines[i].type, old->live.lines[i].params};
	}
	double t0 = now_ms();
	int r = vmap_dm_create(vp->name, old->uuid, lines, old->live.n,
			       old->read_only ? VMAP_DM_READONLY : 0, &x->batch, x->errs);
	rb_event(x, VMAP_STEP_CREATE, v, r, t0);
	free(lines);
}

static void rollback(struct exec *x, size_t failed_step)
{
	const struct vmap_plan *p = x->p;
	x->res->rolled_back = true;
	/* Every device this run suspended and did not resume, lowest first
	 * (the reverse of the suspend order), back on its old table. */
	for (size_t i = failed_step + 1; i-- > 0;) {
		const struct vmap_step *s = &p->steps[i];
		if (s->kind != VMAP_STEP_SUSPEND)
			continue;
		size_t v = s->vp;
		if (!(x->st[v] & ST_SUSPENDED) || (x->st[v] & ST_RESUMED))
			continue;
		double t0 = now_ms();
		if (x->st[v] & ST_LOADED) {
			int r = vmap_dm_clear(p->vols[v].name, x->errs);
			rb_event(x, VMAP_STEP_CLEAR, v, r, t0);
			x->st[v] &= ~ST_LOADED;
			t0 = now_ms();
		}
		int r = vmap_dm_resume(p->vols[v].name, s->flags, &x->batch, x->errs);
		rb_event(x, VMAP_STEP_RESUME, v, r, t0);
		if (r == 0) {
			x->st[v] |= ST_RESUMED;
			/* a rolled-back run suspended devices too: say how long */
			if (x->susp_at[v] > 0)
				x->res->suspended_ms[v] = now_ms() - x->susp_at[v];
		}
	}
	/* Inactive tables loaded into devices that were never switched. */
	for (size_t v = 0; v < p->n_vols; v++) {
		if (!(x->st[v] & ST_LOADED))
			continue;
		double t0 = now_ms();
		int r = vmap_dm_clear(p->vols[v].name, x->errs);
		rb_event(x, VMAP_STEP_CLEAR, v, r, t0);
		x->st[v] &= ~ST_LOADED;
	}
	/* Devices this run created, uppers first (reverse creation order). */
	for (size_t k = x->n_created; k-- > 0;) {
		size_t v = x->created_order[k];
		if (x->st[v] & ST_REMOVED)
			continue;
		double t0 = now_ms();
		int r = vmap_dm_remove(p->vols[v].name, &x->batch, x->errs);
		rb_event(x, VMAP_STEP_REMOVE, v, r, t0);
		if (r == 0)
			x->st[v] |= ST_REMOVED;
	}
	/* Recreated volumes whose old device was removed: bring it back. */
	for (size_t v = 0; v < p->n_vols; v++)
		if (p->vols[v].action == VMAP_ACT_RECREATE && (x->st[v] & ST_REMOVED)) {
			batch_wait(x);
			restore_recreated(x, v);
		}
	batch_wait(x);
	switch_end(x);
}

/* ---- the run ---- */

/* The journal: what the run will load, suspend and create (names and
 * uuids point into the plan).  Written when it names a device; a udev
 * cookie writes it too (journal_cookie). */
static int journal_for(struct exec *x, struct vmap_errlist *errs)
{
	const struct vmap_plan *p = x->p;
	/* a killed run's journal is kept (journal.h: activate does not
	 * recover first) */
	struct vmap_journal j;
	if (vmap_journal_begin(x->o->run_dir, &x->prior, &x->had_prior, p->n_vols, &j, errs) < 0)
		return -1;
	const struct vmap_journal *pr = &x->prior;
	/* each device once, in the order of its first step: a volume plan is
	 * one device (one name), so its entry is found by the plan's index,
	 * not by comparing names (1,000 creates were half a million strcmp) */
	size_t *entry = xcalloc(p->n_vols ? p->n_vols : 1, sizeof(*entry)); /* k + 1, 0: none */
	for (size_t i = 0; i < p->n_steps; i++) {
		const struct vmap_step *s = &p->steps[i];
		const struct vmap_volplan *vp = &p->vols[s->vp];
		unsigned f = s->kind == VMAP_STEP_LOAD      ? VMAP_JOURNAL_LOADED
			     : s->kind == VMAP_STEP_SUSPEND ? VMAP_JOURNAL_SUSPENDS
			     : s->kind == VMAP_STEP_CREATE  ? VMAP_JOURNAL_CREATES
							    : 0;
		if (!f)
			continue;
		size_t k = entry[s->vp] ? entry[s->vp] - 1 : j.n_devs;
		if (k == j.n_devs) {
			entry[s->vp] = k + 1;
			j.devs[k].name = (char *)vp->name;
			j.devs[k].uuid = (char *)(vp->vol >= 0 ? vp->desired.vol->uuid
							       : vp->live ? vp->live->uuid : "");
			j.n_devs++;
		}
		j.devs[k].flags |= f;
		if (s->kind == VMAP_STEP_SUSPEND)
			j.devs[k].dm_flags = s->flags;
	}
	free(entry);
	x->j = j;
	/* a run that only removes names no device, but its udev cookie
	 * needs a journal with its pid on disk before it exists */
	bool removes = false;
	for (size_t i = 0; i < p->n_steps && !removes; i++)
		removes = p->steps[i].kind == VMAP_STEP_REMOVE;
	if (j.n_devs == pr->n_devs && !removes)
		return 0;
	if (vmap_journal_write(x->o->run_dir, &x->j, errs) < 0)
		return -1;
	x->journaled = true;
	return 0;
}

/* Whether a table this run loaded, or a device it suspended, is not
 * resumed yet. */
static bool switch_under_way(const struct exec *x)
{
	for (size_t v = 0; v < x->p->n_vols; v++)
		if ((x->st[v] & (ST_SUSPENDED | ST_LOADED)) && !(x->st[v] & ST_RESUMED))
			return true;
	return false;
}

/* A caught signal before step `i` (the contract's section 6; apply.h):
 * in the migrate phase (last) nothing is rolled back: a migration is
 * journaled on its own and goes on copying in the kernel;
 * 0 to go on, -1 when the run stops here (rolled back, or after a
 * finished switch). */
static int interrupted(struct exec *x, size_t i, enum vmap_phase phase)
{
	int sig = vmap_signal_caught();
	if (!sig)
		return 0;
	const struct vmap_plan *p = x->p;
	if (phase == VMAP_PHASE_SWITCH && x->went_live)
		return 0; /* finish the switch: every table new */
	if (phase == VMAP_PHASE_MIGRATE && switch_under_way(x))
		return 0; /* the refreshes after the migrations: finish them */
	x->res->interrupted = sig;
	if (phase != VMAP_PHASE_POST && phase != VMAP_PHASE_MIGRATE) {
		vmap_fail(x->errs, 0, NULL, "interrupted by %s before any table was switched: "
			  "rolled back", vmap_signal_name(sig));
		rollback(x, i);
		return -1;
	}
	/* creates on switched volumes and removals: nothing is suspended,
	 * and a removal cannot be undone, so the run stops (once udev is
	 * done with what it did) */
	batch_wait(x);
	vmap_fail(x->errs, 0, NULL, "interrupted by %s: %s%zu of %zu steps were not carried out "
		  "(run the command again%s)", vmap_signal_name(sig),
		  x->went_live ? "the switch is finished (every table is new), " : "",
		  p->n_steps - i, p->n_steps,
		  phase == VMAP_PHASE_MIGRATE ? "; a migration left copying goes on in the kernel, "
		  "'vmapctl recover --wait' finishes it" : "");
	return -1;
}

int vmap_apply(const struct vmap_plan *p, const struct vmap_apply_opts *o,
	       struct vmap_apply_result *res, struct vmap_errlist *errs)
{
	size_t nset = p->set ? p->set->n_vols : 0;
	struct exec x = {.p = p, .o = o, .res = res, .errs = errs, .total = p->n_steps,
			 .pause_cookie = o->pause_cookie};
	int r = 0;

	memset(res, 0, sizeof(*res));
	res->n_vols = p->n_vols;
	res->suspended_ms = xcalloc(p->n_vols + 1, sizeof(double));
	x.st = xcalloc(p->n_vols + 1, sizeof(unsigned));
	x.susp_at = xcalloc(p->n_vols + 1, sizeof(double));
	x.created_order = xcalloc(p->n_vols + 1, sizeof(size_t));
	x.cmaj = xcalloc(nset + 1, sizeof(unsigned));
	x.cmin = xcalloc(nset + 1, sizeof(unsigned));
	x.resolved = xcalloc(nset + 1, sizeof(bool));
	x.desired = xcalloc(nset + 1, sizeof(struct vmap_desired));
	for (size_t i = 0; i < p->n_vols; i++)
		if (p->vols[i].vol >= 0) {
			x.desired[p->vols[i].vol] = p->vols[i].desired;
			x.resolved[p->vols[i].vol] = true;
		}
	x.env = (struct vmap_resolve_env){.set = p->set, .live = p->live,
					  .created_major = x.cmaj, .created_minor = x.cmin,
					  .desired = x.desired, .resolved = x.resolved};

	if (!p->n_steps)
		goto out;
	struct vmap_signals sigs = {0};
	vmap_signals_catch(&sigs);
	batch_journal(&x);
	if (vmap_signal_caught()) {
		/* caught before this run touched anything (while it planned) */
		res->interrupted = vmap_signal_caught();
		vmap_fail(errs, 0, NULL, "interrupted by %s: nothing was changed",
			  vmap_signal_name(res->interrupted));
		r = -1;
		goto out_signals;
	}
	if (journal_for(&x, errs) < 0) {
		r = -1;
		goto out_signals;
	}
	enum vmap_phase phase = VMAP_PHASE_PRELOAD;
	for (size_t i = 0; i < p->n_steps; i++) {
		const struct vmap_step *s = &p->steps[i];
		if (s->phase != phase) {
			/* one udev wait per phase; the switch ends here too */
			int w = batch_wait(&x);
			if (phase == VMAP_PHASE_SWITCH)
				switch_end(&x);
			if (w < 0) {
				/* the kernel did its part; stop before doing more */
				vmap_fail(errs, 0, NULL, "stopped after a udev timeout: %zu of %zu steps "
					  "were not carried out (run apply again once udev has caught up)",
					  p->n_steps - i, p->n_steps);
				r = -1;
				goto out_journal;
			}
			phase = s->phase;
		}
		if (interrupted(&x, i, phase) < 0) {
			r = -1;
			goto out_journal;
		}
		/* a recreate reuses the name: let udev finish with the old
		 * device before the new one appears */
		if (s->kind == VMAP_STEP_CREATE && p->vols[s->vp].action == VMAP_ACT_RECREATE &&
		    batch_wait(&x) < 0) {
			r = -1;
			rollback(&x, i);
			goto out_journal;
		}
		if (run_step(&x, s) < 0) {
			r = -1;
			res->interrupted = vmap_signal_caught();
			rollback(&x, i);
			goto out_journal;
		}
	}
	if (batch_wait(&x) < 0) {
		vmap_fail(errs, 0, NULL, "every step was carried out, but udev did not finish "
			  "processing the devices in time (their /dev/mapper links may be missing)");
		r = -1;
	}
	switch_end(&x);
out_journal:
	/* Done or rolled back, nothing is left for recover, unless a device
	 * is still suspended (a rollback step failed): then the journal
	 * stays, so recover can try again. */
	{
		bool stuck = false;
		for (size_t v = 0; v < p->n_vols; v++)
			stuck |= (x.st[v] & ST_SUSPENDED) && !(x.st[v] & ST_RESUMED);
		if (!stuck && x.journaled)
			vmap_journal_end(o->run_dir, &x.prior, x.had_prior, errs);
	}
out_signals:
	switch_end(&x);
	vmap_signals_restore(&sigs);
out:
	switch_end(&x);
	free(x.j.devs);
	free(x.j.cookies);
	free(x.j.workers.v);
	vmap_journal_free(&x.prior);
	free(x.st);
	free(x.susp_at);
	free(x.created_order);
	free(x.cmaj);
	free(x.cmin);
	free(x.resolved);
	free(x.desired);
	sbuf_free(&x.batch_what);
	return r;
}

void vmap_apply_result_free(struct vmap_apply_result *res)
{
	free(res->events);
	free(res->suspended_ms);
	free(res->migrations);
	memset(res, 0, sizeof(*res));
}
