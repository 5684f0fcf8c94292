/* recover.c: finish what an interrupted run left, from its journal (see
 * apply.h). */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/util.h"
#include "dm.h"
#include "exec/apply.h"
#include "exec/journal.h"

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
	res->events[res->n_events++] = (struct vmap_apply_event){kind, xstrdup(name), r == 0, true,
								 now_ms() - t0};
	return r;
}

int vmap_recover(const char *run_dir, double udev_timeout, struct vmap_recover_result *res,
		 struct vmap_errlist *errs)
{
	struct vmap_journal j;
	bool found;
	memset(res, 0, sizeof(*res));
	if (vmap_journal_read(run_dir, &j, &found, errs) < 0)
		return -1;
	if (!found)
		return 0;
	res->had_journal = true;
	res->journal_pid = j.pid;

	struct vmap_udev_batch batch = {0};
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
		}
		if (d.suspended && (jd->flags & (VMAP_JOURNAL_SUSPENDS | VMAP_JOURNAL_LOADED))) {
			t0 = now_ms();
			if (rec_event(res, VMAP_STEP_RESUME, jd->name,
				      vmap_dm_resume(jd->name, jd->dm_flags, &batch, errs), t0) < 0)
				r = -1;
			else
				rec_action(res, "resumed '%s' on the table it had before the run",
					   jd->name);
		}
		if ((jd->flags & VMAP_JOURNAL_CREATES) && !d.live_table && !d.inactive_table) {
			t0 = now_ms();
			if (rec_event(res, VMAP_STEP_REMOVE, jd->name,
				      vmap_dm_remove(jd->name, &batch, errs), t0) < 0)
				r = -1;
			else
				rec_action(res, "removed '%s', which the run created but never loaded",
					   jd->name);
		}
		vmap_dmdev_free(&d);
	}
	if (batch.tasks && vmap_dm_udev_wait(&batch, udev_timeout, "recovered devices", errs) < 0)
		r = -1;
	if (r == 0)
		r = vmap_journal_remove(run_dir, errs);
	vmap_journal_free(&j);
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
	memset(res, 0, sizeof(*res));
}
