/* identity.c: what a reload or recreate does to a volume's data (contract
 * 5.9), on this system: the places devices are for the classifier
 * (classify.c), on the live side and the desired side alike. */
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "plan/planner.h"

/* A device by number: a dm device by its name (a managed one is the
 * volume of that name, whatever its number will be), a path of a LUN by
 * the LUN (multipath paths to one LUN are the same data), anything else
 * by its number. */
static char *devnum_key(const struct vmap_live *live, unsigned maj, unsigned min)
{
	const struct vmap_dmdev *dm = vmap_live_find_devnum(live, maj, min);
	if (dm)
		return xasprintf("%s:%s", vmap_dmdev_managed(dm) ? "volume" : "dm", dm->name);
	const struct vmap_blockdev *b = vmap_live_find_blockdev(live, maj, min);
	if (b && b->lun)
		return xasprintf("lun:%s", b->lun);
	return xasprintf("dev:%u:%u", maj, min);
}

struct keyctx {
	struct vmap_ident_ctx ctx; /* first: the callbacks get &ctx */
	const struct vmap_resolve_env *env;
};

static char *live_key(struct vmap_ident_ctx *ctx, const struct vmap_devref *ref)
{
	const struct keyctx *k = (const struct keyctx *)ctx;
	/* live text names devices by number */
	if (ref->kind != VMAP_DEV_MAJMIN)
		return NULL;
	return devnum_key(k->env->live, ref->major, ref->minor);
}

static char *desired_key(struct vmap_ident_ctx *ctx, const struct vmap_devref *ref)
{
	const struct keyctx *k = (const struct keyctx *)ctx;
	int vi = vmap_devref_volume(k->env->set, ref);
	if (vi >= 0)
		return xasprintf("volume:%s", k->env->set->vols[vi].name);
	unsigned maj, min;
	if (!vmap_resolve_devnum(k->env, ref, &maj, &min))
		return NULL;
	return devnum_key(k->env->live, maj, min);
}

void plan_classify_volume(struct planner *pl, size_t vi, const struct vmap_resolve_env *env)
{
	struct vmap_volplan *vp = &pl->p->vols[pl->vp_of[vi]];
	const struct vmap_desired *d = &pl->desired[vi];
	const struct vmap_table *old = &vp->live->live;
	struct vmap_cline *ol = xcalloc(old->n + 1, sizeof(*ol));
	struct vmap_cline *nl = xcalloc(d->n_lines + 1, sizeof(*nl));
	for (size_t i = 0; i < old->n; i++)
		ol[i] = (struct vmap_cline){old->lines[i].start, old->lines[i].len,
					    &old->lines[i].target, old->lines[i].params,
					    old->lines[i].status};
	for (size_t i = 0; i < d->n_lines; i++)
		nl[i] = (struct vmap_cline){d->lines[i].start, d->lines[i].len, d->lines[i].target,
					    d->lines[i].params, NULL};
	struct keyctx ok = {.ctx = {.device = live_key}, .env = env};
	struct keyctx nk = {.ctx = {.device = desired_key}, .env = env};
	vmap_classify(ol, old->n, &ok.ctx, nl, d->n_lines, &nk.ctx, &vp->ranges);
	free(ol);
	free(nl);
}

void plan_table_pieces(struct planner *pl, size_t vi, bool desired, struct vmap_pieces *out)
{
	const struct vmap_volplan *vp = &pl->p->vols[pl->vp_of[vi]];
	struct vmap_resolve_env env = {.set = pl->set, .live = pl->live,
				       .renumbered = pl->renumbered, .desired = pl->desired,
				       .resolved = pl->resolved};
	struct keyctx k = {.ctx = {.device = desired ? desired_key : live_key, .live = !desired},
			   .env = &env};
	if (desired) {
		const struct vmap_desired *d = &pl->desired[vi];
		for (size_t i = 0; i < d->n_lines; i++)
			vmap_target_identity(d->lines[i].target, &k.ctx, 0, d->lines[i].len, out);
	} else {
		const struct vmap_table *t = &vp->live->live;
		for (size_t i = 0; i < t->n; i++) {
			k.ctx.status = t->lines[i].status;
			vmap_target_identity(&t->lines[i].target, &k.ctx, 0, t->lines[i].len, out);
		}
	}
}

void plan_decide_risk(struct vmap_volplan *vp)
{
	if (vp->action == VMAP_ACT_NONE || vp->waiting)
		vp->risk = VMAP_RISK_NONE;
	else if (vp->action == VMAP_ACT_MIGRATE)
		/* every sector's data is copied before the switch (5.10) */
		vp->risk = VMAP_RISK_SAFE;
	else if (vp->action == VMAP_ACT_REMOVE || vp->shrink ||
		 vmap_ranges_have(&vp->ranges, VMAP_RANGE_REMAPPED) ||
		 vmap_ranges_have(&vp->ranges, VMAP_RANGE_SHRUNK))
		vp->risk = VMAP_RISK_DESTRUCTIVE;
	else
		vp->risk = VMAP_RISK_SAFE;
}
