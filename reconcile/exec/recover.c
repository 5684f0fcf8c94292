/* recover.c: finish what an interrupted run left, from its journal (see
 * apply.h). */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/util.h"
#include "dm.h"
#include "exec/apply.h"
#include "exec/journal.h"
#include "exec/migrate.h"
#include "exec/signals.h"

/* How long a half-made udev cookie must stay so before it counts as left
 * for good (vmap_dm_udev_drop_unset): far beyond the microseconds libdm
 * takes between its two steps, even on a loaded emulated machine. */
#define HALF_MADE_SETTLE_S 1.0

__attribute__((format(printf, 2, 3)))
static void rec_action(struct vmap_recover_result *res, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = xvasprintf(fmt, ap);
	va_end(ap);
	res->actions = xrealloc(res->actions, (res->n_actions + 1) * sizeof(char *));
	res->actions[res->n_actions++] = s;
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* One device operation, done (r == 0) or not, started at t0. */
static int rec_event(struct vmap_recover_result *res, enum vmap_step_kind kind, const char *name,
		     int r, double t0)
{
	res->events = xrealloc(res->events, (res->n_events + 1) * sizeof(*res->events));
	res->events[res->n_events++] = (struct vmap_apply_event){
		.kind = kind, .volume = xstrdup(name), .ok = r == 0, .rollback = true,
		.ms = now_ms() - t0};
	return r;
}

static void rec_progress(void *arg, const char *volume, uint64_t copied, uint64_t total,
			 double rate)
{
	const struct vmap_recover_opts *o = arg;
	struct vmap_apply_event ev = {VMAP_STEP_MIGRATE, volume, true, false, 0, copied, total,
				      rate};
	if (o->progress)
		o->progress(o->progress_arg, &ev, 0, 0);
}

/* Whether process `pid` has ended (a zombie has: a killed run its parent
 * did not reap yet still holds its pid). */
static bool pid_gone(int pid)
{
	if (kill((pid_t)pid, 0) < 0)
		return errno == ESRCH;
	char *path = xasprintf("/proc/%d/stat", pid);
	FILE *f = fopen(path, "re");
	free(path);
	if (!f)
		return true;
	char buf[512];
	size_t len = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[len] = 0;
	/* "pid (comm) S ...": the state follows the last ')' */
	const char *p = strrchr(buf, ')');
	return p && (p[1] == ' ') && (p[2] == 'Z' || p[2] == 'X');
}

/* The cookies a process working under a journal made and was killed
 * before it could journal (journal.h): of the journal's own pid and of
 * each later worker.  Only pids that are gone: recover holds the lock, so
 * a live process with that pid is some other program now, whose cookie
 * is not ours.  (A gone pid reused since by a program that made a cookie
 * and died before using it would pass too; that cookie is left for good
 * anyway.)  When one of them is gone, also a cookie it may have been
 * killed half way through making, which no pid names
 * (vmap_dm_udev_drop_unset). */
static void release_unjournaled(int first, const struct vmap_journal_pids *w, double udev_timeout,
				const char *whose, struct vmap_recover_result *res,
				struct vmap_errlist *errs)
{
	bool any_gone = false;
	uint32_t *c;
	size_t n;
	for (size_t i = 0; i <= w->n; i++) {
		int pid = i ? w->v[i - 1] : first;
		if (pid <= 0 || pid == (int)getpid() || !pid_gone(pid))
			continue;
		any_gone = true;
		vmap_dm_udev_cookies_of(pid, &c, &n);
		for (size_t k = 0; k < n; k++) {
			bool released = false;
			/* never joined: nothing to wait for, so no error either */
			if (vmap_dm_udev_reclaim(c[k], udev_timeout, &released, errs) == 0 && released)
				rec_action(res, "released udev cookie 0x%x, which %s (pid %d) made and "
					   "was stopped before it could journal", (unsigned)c[k], whose,
					   pid);
		}
		free(c);
	}
	if (!any_gone)
		return;
	vmap_dm_udev_drop_unset(HALF_MADE_SETTLE_S, &c, &n);
	for (size_t k = 0; k < n; k++)
		rec_action(res, "released udev cookie 0x%x, which was left half made (libdm makes a "
			   "cookie in two steps; a process, likely %s, was killed between them)",
			   (unsigned)c[k], whose);
	free(c);
}

/* Each migration the journal says is under way: to its end, or left
 * copying (contract 5.10). */
static int recover_migrations(const struct vmap_recover_opts *o, struct vmap_recover_result *res,
			      struct vmap_errlist *errs)
{
	struct vmap_migration *m;
	size_t n;
	int r = vmap_migrations_read(o->run_dir, &m, &n, errs);
	if (!n)
		return r;
	res->had_journal = true;
	if (!res->journal_pid)
		res->journal_pid = m[0].pid;
	res->migrations = xcalloc(n, sizeof(*res->migrations));
	res->mig_names = xcalloc(n, sizeof(char *));
	for (size_t i = 0; i < n; i++) {
		struct vmap_migrate_opts mo = {.udev_timeout = o->udev_timeout, .run_dir = o->run_dir,
					       .wait = o->wait, .progress = rec_progress,
					       .progress_arg = (void *)o};
		/* cookies a killed run made and did not wait for; the ones it
		 * waited for are gone already */
		for (size_t k = 0; k < m[i].n_cookies; k++) {
			bool released = false;
			if (vmap_dm_udev_reclaim(m[i].cookies[k], o->udev_timeout, &released,
						 errs) < 0)
				r = -1;
			else if (released)
				rec_action(res, "released udev cookie 0x%x, which the migration of "
					   "'%s' did not wait for", (unsigned)m[i].cookies[k],
					   m[i].volume);
		}
		m[i].n_cookies = 0;
		char *whose = xasprintf("the migration of '%s'", m[i].volume);
		release_unjournaled(m[i].pid, &m[i].workers, o->udev_timeout, whose, res, errs);
		free(whose);
		struct vmap_migrate_result *mr = &res->migrations[res->n_migrations];
		res->mig_names[res->n_migrations++] = xstrdup(m[i].volume);
		if (vmap_migrate_finish(&m[i], &mo, mr, errs) < 0)
			r = -1;
		mr->volume = res->mig_names[res->n_migrations - 1];
		unsigned pct = mr->bytes ? (unsigned)(mr->copied * 100 / mr->bytes) : 0;
		switch (mr->state) {
		case VMAP_MIG_DONE:
			rec_action(res, "finished the migration of '%s': it is on its new table, "
				   "the temporary devices are removed", mr->volume);
			break;
		case VMAP_MIG_ROLLED_BACK:
			rec_action(res, "ended the migration of '%s' on its old table (%s), the "
				   "temporary devices are removed", mr->volume,
				   r < 0 ? "the new backing failed" : "it had not been switched yet");
			break;
		case VMAP_MIG_COPYING:
			rec_action(res, "the migration of '%s' is still copying (%u%%): left running "
				   "('vmapctl recover --wait' or 'vmapctl apply' finishes it)",
				   mr->volume, pct);
			break;
		case VMAP_MIG_FAILED:
			break;
		}
		vmap_migration_free(&m[i]);
	}
	free(m);
	return r;
}

/* Recover's own udev cookie goes into the journal too, so a recover that
 * is killed in turn leaves nothing the next one does not release. */
struct rec_journal {
	struct vmap_journal *j;
	const char *run_dir;
};

static void journal_cookie(void *arg, uint32_t cookie)
{
	struct rec_journal *rj = arg;
	vmap_journal_add_cookie(rj->run_dir, rj->j, cookie);
}

/* The test hook: stop after the first action until a signal arrives. */
static void after_action(bool pause, bool *paused, const char *run_dir)
{
	if (pause && !*paused) {
		*paused = true;
		vmap_test_pause(run_dir);
	}
}

int vmap_recover(const struct vmap_recover_opts *o, struct vmap_recover_result *res,
		 struct vmap_errlist *errs)
{
	const char *run_dir = o->run_dir;
	double udev_timeout = o->udev_timeout;
	bool pause = o->pause;
	struct vmap_journal j;
	bool found, paused = false;
	memset(res, 0, sizeof(*res));
	if (vmap_journal_read(run_dir, &j, &found, errs) < 0)
		return -1;
	/* recover only makes things whole: a signal does not stop it (it is
	 * noted, and the caller stops after it); a migration it waits for is
	 * left copying (the kernel goes on, the next recover finishes it) */
	struct vmap_signals sigs = {0};
	vmap_signals_catch(&sigs);
	if (!found) {
		int r = recover_migrations(o, res, errs);
		vmap_signals_restore(&sigs);
		return r;
	}
	res->had_journal = true;
	res->journal_pid = j.pid;
	/* on the journal before recover makes a cookie of its own, which it
	 * would otherwise be killed before journaling, as the run may have */
	if (vmap_journal_pids_add(&j.workers, j.pid, (int)getpid())) {
		struct vmap_errlist e = {0};
		vmap_journal_write(run_dir, &j, &e); /* not fatal, as for a cookie */
		vmap_errlist_clear(&e);
	}
	size_t n_cookies = j.n_cookies; /* the run's; recover's own follow */
	struct rec_journal rj = {&j, run_dir};
	struct vmap_udev_batch batch = {.created = journal_cookie, .created_arg = &rj};
	int r = 0;
	/* The journal lists devices in plan order: suspends were top-down,
	 * so walk it backwards to resume the lowest first. */
	for (size_t k = j.n_devs; k-- > 0;) {
		struct vmap_journal_dev *jd = &j.devs[k];
		struct vmap_dmdev d = {0};
		bool exists = false;
		if (vmap_dm_get(jd->name, &d, &exists, errs) < 0) {
			r = -1;
			continue;
		}
		if (!exists)
			continue;
		/* Only the device the run meant: same uuid, managed. */
		if (strncmp(d.uuid ? d.uuid : "", "VMAP-", 5) ||
		    (jd->uuid && *jd->uuid && strcmp(d.uuid, jd->uuid))) {
			vmap_dmdev_free(&d);
			continue;
		}
		double t0 = now_ms();
		if ((jd->flags & VMAP_JOURNAL_LOADED) && d.inactive_table) {
			if (rec_event(res, VMAP_STEP_CLEAR, jd->name, vmap_dm_clear(jd->name, errs),
				      t0) < 0)
				r = -1;
			else
				rec_action(res, "cleared the inactive table the run loaded into '%s'",
					   jd->name);
			after_action(pause, &paused, run_dir);
		}
		if (d.suspended && (jd->flags & (VMAP_JOURNAL_SUSPENDS | VMAP_JOURNAL_LOADED))) {
			t0 = now_ms();
			if (rec_event(res, VMAP_STEP_RESUME, jd->name,
				      vmap_dm_resume(jd->name, jd->dm_flags, &batch, errs), t0) < 0)
				r = -1;
			else
				rec_action(res, "resumed '%s' on the table it had before the run",
					   jd->name);
			after_action(pause, &paused, run_dir);
		}
		if ((jd->flags & VMAP_JOURNAL_CREATES) && !d.live_table && !d.inactive_table) {
			t0 = now_ms();
			if (rec_event(res, VMAP_STEP_REMOVE, jd->name,
				      vmap_dm_remove(jd->name, &batch, errs), t0) < 0)
				r = -1;
			else
				rec_action(res, "removed '%s', which the run created but never loaded",
					   jd->name);
			after_action(pause, &paused, run_dir);
		}
		vmap_dmdev_free(&d);
	}
	if (batch.tasks && vmap_dm_udev_wait(&batch, udev_timeout, "recovered devices", errs) < 0)
		r = -1;
	/* cookies the run did not wait for (after the resumes: a udev rule
	 * may be reading a device stacked on one that was suspended): wait
	 * as the run would have, then release them */
	for (size_t k = 0; k < n_cookies; k++) {
		bool released = false;
		if (vmap_dm_udev_reclaim(j.cookies[k], udev_timeout, &released, errs) < 0) {
			r = -1;
		} else if (released) {
			rec_action(res, "released udev cookie 0x%x, which the run did not wait for",
				   (unsigned)j.cookies[k]);
			after_action(pause, &paused, run_dir);
		}
	}
	release_unjournaled(j.pid, &j.workers, udev_timeout, "the run", res, errs);
	if (r == 0)
		r = vmap_journal_remove(run_dir, errs);
	vmap_journal_free(&j);
	/* after the devices: a migrating volume the run left suspended is
	 * resumed above, on the table it had */
	if (recover_migrations(o, res, errs) < 0)
		r = -1;
	vmap_signals_restore(&sigs);
	return r;
}

void vmap_recover_result_free(struct vmap_recover_result *res)
{
	for (size_t i = 0; i < res->n_actions; i++)
		free(res->actions[i]);
	free(res->actions);
	for (size_t i = 0; i < res->n_events; i++)
		free((char *)res->events[i].volume);
	free(res->events);
	for (size_t i = 0; i < res->n_migrations; i++)
		free(res->mig_names[i]);
	free(res->mig_names);
	free(res->migrations);
	memset(res, 0, sizeof(*res));
}
