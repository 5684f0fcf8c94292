/* plan.c: the planner (see plan.h and contract section 5): the run
 * from spec set and live state to a plan; planner.h names the files that
 * decide, gate and order. */
#include "plan/plan.h"

#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "plan/planner.h"

const char *vmap_action_name(enum vmap_action a)
{
	switch (a) {
	case VMAP_ACT_NONE: return "none";
	case VMAP_ACT_CREATE: return "create";
	case VMAP_ACT_RELOAD: return "reload";
	case VMAP_ACT_RECREATE: return "recreate";
	case VMAP_ACT_REMOVE: return "remove";
	case VMAP_ACT_REFRESH: return "refresh";
	case VMAP_ACT_RESUME: return "resume";
	case VMAP_ACT_MIGRATE: return "migrate";
	}
	return "?";
}

const char *vmap_risk_name(enum vmap_risk r)
{
	switch (r) {
	case VMAP_RISK_NONE: return "none";
	case VMAP_RISK_SAFE: return "safe";
	case VMAP_RISK_DESTRUCTIVE: return "destructive";
	}
	return "?";
}

const char *vmap_step_name(enum vmap_step_kind k)
{
	switch (k) {
	case VMAP_STEP_CREATE: return "create";
	case VMAP_STEP_LOAD: return "load";
	case VMAP_STEP_CLEAR: return "clear";
	case VMAP_STEP_SUSPEND: return "suspend";
	case VMAP_STEP_RESUME: return "resume";
	case VMAP_STEP_REMOVE: return "remove";
	case VMAP_STEP_MIGRATE: return "migrate";
	}
	return "?";
}

int vmap_plan_make(const struct vmap_specset *set, const struct vmap_live *live,
		   const struct vmap_plan_opts *opts, struct vmap_plan *p,
		   struct vmap_errlist *errs)
{
	static const struct vmap_specset empty;
	size_t n = opts->destroy ? 0 : set->n_vols;
	struct planner pl = {.set = opts->destroy ? &empty : set, .live = live, .opts = opts,
			     .p = p, .errs = errs};

	memset(p, 0, sizeof(*p));
	p->set = pl.set;
	p->live = live;
	pl.order = xcalloc(n + 1, sizeof(size_t));
	pl.renumbered = xcalloc(n + 1, sizeof(bool));
	pl.resolved = xcalloc(n + 1, sizeof(bool));
	pl.desired = xcalloc(n + 1, sizeof(struct vmap_desired));
	pl.vp_of = xcalloc(n + 1, sizeof(size_t));

	if (plan_stack_order(pl.set, pl.order) < 0) {
		vmap_err(errs, VMAP_E_SPEC, 0, NULL, NULL, "the volumes' references form a cycle");
		pl.r = -1;
		goto out;
	}
	p->vols = xcalloc(n + 1, sizeof(*p->vols));
	p->n_vols = n;
	for (size_t i = 0; i < n; i++) {
		pl.vp_of[i] = i;
		p->vols[i] = (struct vmap_volplan){.name = set->vols[i].name, .vol = (int)i,
						   .loc = set->vols[i].loc};
	}
	for (size_t oi = 0; oi < n; oi++)
		plan_decide_volume(&pl, pl.order[oi]);
	/* the desired states move into the plan (decisions above read them
	 * through pl.desired while uppers were resolved) */
	for (size_t i = 0; i < n; i++) {
		p->vols[i].desired = pl.desired[i];
		memset(&pl.desired[i], 0, sizeof(pl.desired[i]));
	}
	/* from here on pl.desired must point at the plan's copies */
	for (size_t i = 0; i < n; i++)
		pl.desired[i] = p->vols[i].desired;
	plan_propagate_refresh(&pl);
	plan_check_gates(&pl);
	plan_removals(&pl);
	for (size_t i = 0; i < p->n_vols; i++) {
		struct vmap_volplan *vp = &p->vols[i];
		plan_decide_suspend(vp);
		plan_decide_risk(vp);
		if (vp->action != VMAP_ACT_NONE && !vp->refused && !vp->waiting)
			p->n_changes++;
	}
	/* A refused plan is still ordered so that it can be shown, but it
	 * has no steps: nothing of it may run. */
	if (pl.r == 0)
		plan_order_steps(&pl);
out:
	free(pl.order);
	free(pl.renumbered);
	free(pl.resolved);
	free(pl.desired); /* shallow: the contents belong to p->vols */
	free(pl.vp_of);
	return pl.r;
}

char *vmap_migrate_temp_name(const char *volume, const char *role)
{
	return xasprintf(VMAP_MIGRATE_PREFIX "%s-%s", volume, role);
}

void vmap_plan_free(struct vmap_plan *p)
{
	for (size_t i = 0; i < p->n_vols; i++) {
		struct vmap_volplan *vp = &p->vols[i];
		vmap_desired_free(&vp->desired);
		vmap_ranges_free(&vp->ranges);
		for (size_t k = 0; k < vp->n_why; k++)
			free(vp->why[k]);
		free(vp->why);
		for (size_t k = 0; k < vp->n_notes; k++)
			free(vp->notes[k]);
		free(vp->notes);
	}
	free(p->vols);
	free(p->steps);
	for (size_t k = 0; k < p->n_notes; k++)
		free(p->notes[k]);
	free(p->notes);
	memset(p, 0, sizeof(*p));
}
