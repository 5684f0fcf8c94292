/* recover.c: finish what an interrupted run left, from its journal (see
 * apply.h). */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "dm.h"
#include "exec/apply.h"
#include "exec/journal.h"
#include "exec/signals.h"

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

/* Recover's own udev cookie goes into the journal too, so a recover that
 * is killed in turn leaves nothing the next one does not release. */
struct rec_journal {
	struct vmap_journal *j;
	const char *run_dir;
};

static void journal_cookie(void *arg, uint32_t cookie)
{
	struct rec_journal *rj = arg;
	struct vmap_journal *j = rj->j;
	j->cookies = xrealloc(j->cookies, (j->n_cookies + 1) * sizeof(*j->cookies));
	j->cookies[j->n_cookies++] = cookie;
	struct vmap_errlist e = {0};
	vmap_journal_write(rj->run_dir, j, &e);
	vmap_errlist_clear(&e);
}

/* The test hook: stop after the first action until a signal arrives. */
static void after_action(bool pause, bool *paused, const char *run_dir)
{
	if (pause && !*paused) {
		*paused = true;
		vmap_test_pause(run_dir);
	}
}

int vmap_recover(const char *run_dir, double udev_timeout, bool pause,
		 struct vmap_recover_result *res, struct vmap_errlist *errs)
{
	struct vmap_journal j;
	bool found, paused = false;
	memset(res, 0, sizeof(*res));
	if (vmap_journal_read(run_dir, &j, &found, errs) < 0)
		return -1;
	if (!found)
		return 0;
	res->had_journal = true;
	res->journal_pid = j.pid;

	/* recover only makes things whole: a signal does not stop it (it is
	 * noted, and the caller stops after it) */
	struct vmap_signals sigs = {0};
	vmap_signals_catch(&sigs);
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
		if ((jd->flags & VMAP_JOURNAL_LOADED) && d.inactive_table) {
			if (vmap_dm_clear(jd->name, errs) < 0)
				r = -1;
			else
				rec_action(res, "cleared the inactive table the run loaded into '%s'",
					   jd->name);
			after_action(pause, &paused, run_dir);
		}
		if (d.suspended && (jd->flags & (VMAP_JOURNAL_SUSPENDS | VMAP_JOURNAL_LOADED))) {
			if (vmap_dm_resume(jd->name, jd->dm_flags, &batch, errs) < 0)
				r = -1;
			else
				rec_action(res, "resumed '%s' on the table it had before the run",
					   jd->name);
			after_action(pause, &paused, run_dir);
		}
		if ((jd->flags & VMAP_JOURNAL_CREATES) && !d.live_table && !d.inactive_table) {
			if (vmap_dm_remove(jd->name, &batch, errs) < 0)
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
	if (r == 0)
		r = vmap_journal_remove(run_dir, errs);
	vmap_journal_free(&j);
	vmap_signals_restore(&sigs);
	return r;
}

void vmap_recover_result_free(struct vmap_recover_result *res)
{
	for (size_t i = 0; i < res->n_actions; i++)
		free(res->actions[i]);
	free(res->actions);
	memset(res, 0, sizeof(*res));
}
