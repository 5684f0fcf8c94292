/* plan.c: the planner (see plan.h and contract section 5).
 *
 * Volumes are decided lowest first (stack order), because an upper
 * volume's table depends on what happens to the volumes under it: a lower
 * volume that is created or recreated in this run gets a new device
 * number, so the upper's table cannot be compared and must be loaded anew.
 * Then come the gates (shrink, recreate, ownership), the refreshes that
 * make stacked limits follow a changed lower volume, and the step order. */
#include "plan/plan.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"

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
	}
	return "?";
}

/* Reasons and notes are few per volume: grow one at a time. */
static void strv_push(char ***v, size_t *n, char *s)
{
	*v = xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[(*n)++] = s;
}

__attribute__((format(printf, 2, 3)))
static void add_why(struct vmap_volplan *vp, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = xvasprintf(fmt, ap);
	va_end(ap);
	strv_push(&vp->why, &vp->n_why, s);
}

__attribute__((format(printf, 2, 3)))
static void add_note(struct vmap_volplan *vp, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = xvasprintf(fmt, ap);
	va_end(ap);
	strv_push(&vp->notes, &vp->n_notes, s);
}


static void add_step(struct vmap_plan *p, size_t *cap, enum vmap_step_kind kind,
		     enum vmap_phase phase, size_t vp, unsigned flags)
{
	struct vmap_step s = {kind, phase, vp, flags};
	VEC_PUSH(p->steps, p->n_steps, *cap, s);
}

/* ---- the stack order ---- */

/* Lower volumes before the volumes stacked on them.  Returns -1 on a
 * cycle (validation rejects those; this is the planner's own guard). */
static int stack_order(const struct vmap_specset *set, size_t *order)
{
	size_t n = set->n_vols, done = 0;
	unsigned char *state = xcalloc(n ? n : 1, 1); /* 0 new, 1 placed */
	/* repeated passes: fine for the sizes vmapctl sees, and stable (ties
	 * keep spec order, so plans are deterministic) */
	bool progress = true;
	while (done < n && progress) {
		progress = false;
		for (size_t i = 0; i < n; i++) {
			if (state[i])
				continue;
			bool ready = true;
			for (size_t k = 0; k < set->vols[i].n_deps && ready; k++)
				ready = state[set->vols[i].deps[k]] != 0;
			if (!ready)
				continue;
			state[i] = 1;
			order[done++] = i;
			progress = true;
		}
	}
	free(state);
	return done == n ? 0 : -1;
}

/* ---- comparing with the live device ---- */

static bool tables_equal(const struct vmap_desired *d, const struct vmap_table *t)
{
	if (d->n_lines != t->n)
		return false;
	for (size_t i = 0; i < t->n; i++) {
		const struct vmap_desired_line *a = &d->lines[i];
		const struct vmap_table_line *b = &t->lines[i];
		if (a->start != b->start || a->len != b->len || strcmp(a->type, b->type) ||
		    strcmp(a->params, b->params))
			return false;
	}
	return true;
}

static uint64_t table_size(const struct vmap_table *t)
{
	return t->n ? t->lines[t->n - 1].start + t->lines[t->n - 1].len : 0;
}

static unsigned type_flags(const char *type)
{
	const struct vmap_target_type *tt = vmap_target_type_find(type);
	return tt ? tt->flags : 0;
}

static bool live_has_flag(const struct vmap_table *t, unsigned flag)
{
	for (size_t i = 0; i < t->n; i++)
		if (type_flags(t->lines[i].type) & flag)
			return true;
	return false;
}

/* Why the kernel cannot take the new table in place, or NULL. */
static char *needs_recreate(const struct vmap_desired *d, const struct vmap_dmdev *live)
{
	if (strcmp(live->uuid, d->vol->uuid))
		return xasprintf("its uuid changes from '%s' to '%s' (a uuid is set only at creation)",
				 live->uuid, d->vol->uuid);
	if (!live->live_table)
		return NULL;
	if (live->request_based != d->request_based)
		return xasprintf("its device type changes from %s to %s (fixed by the first table)",
				 live->request_based ? "request-based" : "bio-based",
				 d->request_based ? "request-based" : "bio-based");
	/* An immutable target (multipath, thin-pool, verity) can only be
	 * replaced by the same type, or by error (the kernel's wildcard). */
	for (size_t i = 0; i < live->live.n; i++) {
		const char *old = live->live.lines[i].type;
		if (!(type_flags(old) & VMAP_TT_IMMUTABLE))
			continue;
		bool all_error = d->n_lines > 0, same = true;
		for (size_t k = 0; k < d->n_lines; k++) {
			all_error &= !strcmp(d->lines[k].type, "error");
			same &= !strcmp(d->lines[k].type, old);
		}
		if (!same && !all_error)
			return xasprintf("its %s target cannot be replaced by another target type "
					 "(the kernel refuses to swap an immutable target)", old);
	}
	return NULL;
}

/* Did the set of component devices change (so stacked limits must follow)? */
static bool components_changed(const struct vmap_desired *d, const struct vmap_dmdev *live)
{
	if (!live->live_table)
		return true;
	size_t known = 0;
	for (size_t i = 0; i < d->n_comps; i++) {
		const struct vmap_component *c = &d->comps[i];
		if (!c->major && !c->minor)
			return true; /* a volume created in this run */
		bool found = false;
		for (size_t k = 0; k < live->n_deps && !found; k++)
			found = live->dep_major[k] == c->major && live->dep_minor[k] == c->minor;
		if (!found)
			return true;
		known++;
	}
	return known != live->n_deps;
}

/* ---- the shrink gate: who maps how far onto a volume ---- */

struct devmatch {
	const struct vmap_specset *set;
	size_t vol;              /* the volume shrinking */
	unsigned major, minor;   /* its device, when it exists */
};

static bool match_volume(const struct vmap_devref *ref, void *arg)
{
	const struct devmatch *m = arg;
	int vi = vmap_devref_volume(m->set, ref);
	if (vi >= 0)
		return (size_t)vi == m->vol;
	return ref->kind == VMAP_DEV_MAJMIN && (m->major || m->minor) && ref->major == m->major &&
	       ref->minor == m->minor;
}

/* How far the desired table of set volume `up` maps onto volume m->vol:
 * 0 not at all, -1 cannot tell. */
static int64_t desired_extent(const struct vmap_desired *up, struct devmatch *m)
{
	int64_t end = 0;
	for (size_t i = 0; i < up->n_lines; i++) {
		const struct vmap_desired_line *l = &up->lines[i];
		int64_t e = vmap_target_extent(l->target, l->len, match_volume, m);
		if (e < 0)
			return -1;
		if (e > end)
			end = e;
	}
	return end;
}

static int64_t live_extent(const struct vmap_dmdev *up, struct devmatch *m)
{
	int64_t end = 0;
	for (size_t i = 0; i < up->live.n; i++) {
		const struct vmap_table_line *l = &up->live.lines[i];
		int64_t e = vmap_target_extent(&l->target, l->len, match_volume, m);
		if (e < 0)
			return -1;
		if (e > end)
			end = e;
	}
	return end;
}

/* ---- the plan ---- */

struct planner {
	const struct vmap_specset *set;
	const struct vmap_live *live;
	const struct vmap_plan_opts *opts;
	struct vmap_plan *p;
	struct vmap_errlist *errs;
	size_t *order;            /* set volumes, lower first */
	bool *renumbered;         /* device number changes in this run */
	bool *resolved;
	struct vmap_desired *desired; /* indexed like set->vols (moved into vols later) */
	size_t *vp_of;            /* set volume -> index in p->vols */
	int r;
};

__attribute__((format(printf, 4, 5)))
static void refuse(struct planner *pl, struct vmap_volplan *vp, enum vmap_errkind kind,
		   const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *m = xvasprintf(fmt, ap);
	va_end(ap);
	vmap_err(pl->errs, kind, 0, vp->loc.file ? &vp->loc : NULL, vp->name, "%s", m);
	free(m);
	vp->refused = true;
	pl->r = -1;
}

static const struct vmap_dmdev *uuid_owner(const struct vmap_live *live, const char *uuid)
{
	for (size_t i = 0; i < live->n_devs; i++)
		if (live->devs[i].uuid && !strcmp(live->devs[i].uuid, uuid))
			return &live->devs[i];
	return NULL;
}

static void decide_suspend(struct vmap_volplan *vp)
{
	const struct vmap_volume *vol = vp->vol >= 0 ? vp->desired.vol : NULL;
	enum vmap_suspend_policy pol = vol ? vol->suspend : VMAP_SUSPEND_AUTO;
	bool why_live = vp->live && live_has_flag(&vp->live->live, VMAP_TT_NOFLUSH);
	bool why_new = vp->desired.noflush;
	bool noflush = pol == VMAP_SUSPEND_NOFLUSH ||
		       (pol == VMAP_SUSPEND_AUTO && (why_live || why_new));
	/* noflush keeps queued I/O (multipath queue_if_no_path, thin) across
	 * the suspend; lockfs would freeze a filesystem that noflush is
	 * meant to leave alone, so it goes with it (as lvm does). */
	vp->suspend_flags = noflush ? VMAP_DM_NOFLUSH | VMAP_DM_SKIP_LOCKFS : 0;
	vp->suspend_policy = noflush ? "noflush" : "flush";
}

/* Decide one set volume (its lower volumes are decided already). */
static void decide_volume(struct planner *pl, size_t vi)
{
	const struct vmap_volume *vol = &pl->set->vols[vi];
	struct vmap_volplan *vp = &pl->p->vols[pl->vp_of[vi]];
	struct vmap_desired *d = &pl->desired[vi];
	const struct vmap_dmdev *live = vmap_live_find_dev(pl->live, vol->name);
	struct vmap_resolve_env env = {
		.set = pl->set, .live = pl->live, .renumbered = pl->renumbered,
		.desired = pl->desired, .resolved = pl->resolved,
		.skip_predict = pl->opts->skip_predict,
	};

	vp->live = live;
	if (vmap_resolve_volume(&env, vi, d, pl->errs) < 0) {
		vp->refused = true;
		pl->r = -1;
	}
	pl->resolved[vi] = true;

	if (live && !vmap_dmdev_managed(live)) {
		refuse(pl, vp, VMAP_E_POLICY,
		       "the name is taken by a device vmapctl does not manage (uuid '%s'); "
		       "vmapctl never changes it (rename the volume, or adopt the device)",
		       live->uuid && *live->uuid ? live->uuid : "");
		return;
	}
	if (!live) {
		const struct vmap_dmdev *o = uuid_owner(pl->live, vol->uuid);
		if (o) {
			refuse(pl, vp, VMAP_E_POLICY,
			       "uuid '%s' is already used by device '%s' (give this volume another "
			       "uuid, or rename that device)", vol->uuid, o->name);
			return;
		}
	}

	if (d->n_missing) {
		for (size_t i = 0; i < d->n_missing; i++) {
			if (pl->opts->create_only) {
				add_why(vp, "waiting for device '%s' (%s)", d->missing[i].ref,
					d->missing[i].why);
			} else {
				vmap_err(pl->errs, VMAP_E_FAILED, 0, &d->missing[i].loc, vol->name,
					 "device '%s' is not available: %s", d->missing[i].ref,
					 d->missing[i].why);
				pl->r = -1;
			}
		}
		if (pl->opts->create_only)
			vp->waiting = true;
		else
			vp->refused = true;
		/* uppers cannot use it either */
		pl->renumbered[vi] = !live;
		return;
	}
	/* A volume waiting for a lower volume in activate mode waits too. */
	for (size_t k = 0; k < vol->n_deps; k++) {
		const struct vmap_volplan *lp = &pl->p->vols[pl->vp_of[vol->deps[k]]];
		if (lp->waiting || (lp->refused && pl->opts->create_only)) {
			vp->waiting = true;
			add_why(vp, "waiting for volume '%s'", lp->name);
			pl->renumbered[vi] = !live;
			return;
		}
	}

	if (!live) {
		vp->action = VMAP_ACT_CREATE;
		pl->renumbered[vi] = true;
		add_why(vp, "does not exist");
		return;
	}

	vp->was_suspended = live->suspended;
	if (live->inactive_table)
		vp->clear_inactive = true;

	char *rec = needs_recreate(d, live);
	if (rec) {
		vp->action = VMAP_ACT_RECREATE;
		add_why(vp, "%s", rec);
		free(rec);
		pl->renumbered[vi] = true;
		return;
	}

	uint64_t old_size = table_size(&live->live);
	if (!live->live_table) {
		vp->action = VMAP_ACT_RELOAD;
		add_why(vp, "the device exists but has no live table");
	} else if (d->pending) {
		vp->action = VMAP_ACT_RELOAD;
		add_why(vp, "a volume it stacks on gets a new device in this run");
	} else if (!tables_equal(d, &live->live)) {
		vp->action = VMAP_ACT_RELOAD;
		add_why(vp, "its table differs from the spec");
	}
	if (live->read_only != vol->read_only) {
		vp->action = VMAP_ACT_RELOAD;
		add_why(vp, "read-only changes to %s", vol->read_only ? "yes" : "no");
	}
	if (vp->action == VMAP_ACT_RELOAD && live->live_table) {
		if (d->size > old_size) {
			vp->grow = true;
			add_why(vp, "grows from %llu to %llu sectors", (unsigned long long)old_size,
				(unsigned long long)d->size);
		} else if (d->size < old_size) {
			vp->shrink = true;
			add_why(vp, "shrinks from %llu to %llu sectors", (unsigned long long)old_size,
				(unsigned long long)d->size);
		}
		if (!d->n_comps)
			add_note(vp, "the new table has no data devices: the kernel keeps the "
				     "device's current queue limits");
	}
	if (vp->action == VMAP_ACT_NONE && live->suspended) {
		vp->action = VMAP_ACT_RESUME;
		add_why(vp, "it is suspended");
	}
}

/* Recreate and shrink gates, and the kernel's target list. */
static void check_gates(struct planner *pl)
{
	for (size_t i = 0; i < pl->p->n_vols; i++) {
		struct vmap_volplan *vp = &pl->p->vols[i];
		if (vp->refused || vp->waiting || vp->vol < 0)
			continue;
		const struct vmap_desired *d = &vp->desired;

		if (pl->opts->create_only && vp->action != VMAP_ACT_NONE &&
		    vp->action != VMAP_ACT_CREATE) {
			/* activate only brings volumes up: anything else is left
			 * for a full apply */
			add_note(vp, "would %s (left to 'vmapctl apply': activate only creates)",
				 vmap_action_name(vp->action));
			vp->action = VMAP_ACT_NONE;
			continue;
		}
		if (vp->action == VMAP_ACT_RECREATE) {
			if (vp->live->open_count > 0)
				refuse(pl, vp, VMAP_E_POLICY,
				       "needs to be recreated (%s) but is open (open count %d): "
				       "it cannot be removed while in use", vp->why[0],
				       vp->live->open_count);
			else if (!pl->opts->allow_recreate)
				refuse(pl, vp, VMAP_E_POLICY,
				       "needs to be recreated (%s) (use --allow-recreate; the device "
				       "disappears for a moment)", vp->why[0]);
		}
		if (vp->shrink && !pl->opts->allow_shrink)
			refuse(pl, vp, VMAP_E_POLICY,
			       "would shrink from %llu to %llu sectors (use --allow-shrink if the "
			       "data beyond the new end is not needed)",
			       (unsigned long long)table_size(&vp->live->live),
			       (unsigned long long)d->size);
		if (vp->action == VMAP_ACT_CREATE || vp->action == VMAP_ACT_RELOAD ||
		    vp->action == VMAP_ACT_RECREATE) {
			for (size_t k = 0; k < d->n_lines; k++) {
				const char *type = d->lines[k].type;
				bool seen = false;
				for (size_t j = 0; j < k; j++)
					seen |= !strcmp(d->lines[j].type, type);
				if (seen || vmap_live_has_target(pl->live, type))
					continue;
				bool loadable = false;
				for (size_t j = 0; j < pl->live->n_loadable; j++)
					loadable |= !strcmp(pl->live->loadable_targets[j], type);
				if (loadable)
					add_note(vp, "target type '%s' is loaded from its kernel module "
						     "when the table is loaded", type);
				else
					refuse(pl, vp, VMAP_E_FAILED,
					       "target type '%s' is not available in this kernel and no "
					       "module provides it", type);
			}
		}
	}

	/* A volume may never shrink below what a volume stacked on it uses,
	 * --allow-shrink or not. */
	for (size_t i = 0; i < pl->p->n_vols; i++) {
		struct vmap_volplan *vp = &pl->p->vols[i];
		if (!vp->shrink || vp->vol < 0)
			continue;
		struct devmatch m = {pl->set, (size_t)vp->vol, vp->live->major, vp->live->minor};
		uint64_t new_end = vp->desired.size;
		for (size_t k = 0; k < pl->set->n_vols; k++) {
			if (!pl->resolved[k] || k == (size_t)vp->vol)
				continue;
			int64_t e = desired_extent(&pl->desired[k], &m);
			if (e == 0)
				continue;
			if (e < 0)
				refuse(pl, vp, VMAP_E_POLICY,
				       "cannot shrink: volume '%s' is stacked on it and vmapctl cannot "
				       "tell how far it maps", pl->set->vols[k].name);
			else if ((uint64_t)e > new_end)
				refuse(pl, vp, VMAP_E_POLICY,
				       "cannot shrink to %llu sectors: volume '%s' stacked on it maps up "
				       "to sector %lld (shrink that volume first, in the same spec)",
				       (unsigned long long)new_end, pl->set->vols[k].name, (long long)e);
		}
		/* devices outside the set stacked on it (live tables) */
		for (size_t k = 0; k < pl->live->n_devs; k++) {
			const struct vmap_dmdev *up = &pl->live->devs[k];
			if (vmap_specset_find(pl->set, up->name))
				continue;
			bool holds = false;
			for (size_t j = 0; j < up->n_deps; j++)
				holds |= up->dep_major[j] == m.major && up->dep_minor[j] == m.minor;
			if (!holds)
				continue;
			int64_t e = live_extent(up, &m);
			if (e < 0 || (uint64_t)e > new_end)
				refuse(pl, vp, VMAP_E_POLICY,
				       "cannot shrink: device '%s' (not in the spec set) is stacked on it "
				       "and maps %s", up->name, e < 0 ? "in a way vmapctl cannot measure"
								 : "beyond the new end");
		}
	}
}

/* When a volume's component devices change, the volumes stacked on it
 * (all the way up) get their table reloaded as it is, so the kernel
 * recomputes their queue limits (it never does so by itself). */
static void propagate_refresh(struct planner *pl)
{
	for (size_t oi = 0; oi < pl->set->n_vols; oi++) {
		size_t vi = pl->order[oi];
		struct vmap_volplan *vp = &pl->p->vols[pl->vp_of[vi]];
		if (vp->action != VMAP_ACT_NONE && vp->action != VMAP_ACT_RESUME)
			continue;
		if (vp->refused || vp->waiting || !vp->live)
			continue;
		const struct vmap_volume *vol = &pl->set->vols[vi];
		for (size_t k = 0; k < vol->n_deps; k++) {
			const struct vmap_volplan *lp = &pl->p->vols[pl->vp_of[vol->deps[k]]];
			bool changed = (lp->action == VMAP_ACT_RELOAD && lp->live &&
					components_changed(&lp->desired, lp->live)) ||
				       lp->action == VMAP_ACT_REFRESH;
			if (!changed)
				continue;
			vp->action = VMAP_ACT_REFRESH;
			add_why(vp, "volume '%s' under it %s, so its queue limits must be recomputed",
				lp->name, lp->action == VMAP_ACT_REFRESH ? "is refreshed"
									 : "changes devices");
			break;
		}
	}
}

static void plan_removals(struct planner *pl)
{
	const struct vmap_live *live = pl->live;
	for (size_t i = 0; i < live->n_devs; i++) {
		const struct vmap_dmdev *dev = &live->devs[i];
		bool wanted;
		if (pl->opts->destroy) {
			wanted = false;
			for (size_t k = 0; k < pl->opts->n_destroy; k++)
				wanted |= !strcmp(pl->opts->destroy[k], dev->name);
		} else {
			if (!vmap_dmdev_managed(dev) || vmap_specset_find(pl->set, dev->name))
				continue;
			wanted = pl->opts->prune && !pl->opts->create_only;
			if (!wanted) {
				char *n = xasprintf("managed volume '%s' is not in the spec set "
						    "(--prune removes it)", dev->name);
				strv_push(&pl->p->notes, &pl->p->n_notes, n);
			}
		}
		if (!wanted)
			continue;
		struct vmap_volplan vp = {.name = dev->name, .vol = -1, .live = dev,
					  .action = VMAP_ACT_REMOVE};
		pl->p->vols = xrealloc(pl->p->vols, (pl->p->n_vols + 1) * sizeof(vp));
		pl->p->vols[pl->p->n_vols++] = vp;
		struct vmap_volplan *v = &pl->p->vols[pl->p->n_vols - 1];
		if (!vmap_dmdev_managed(dev)) {
			refuse(pl, v, VMAP_E_POLICY,
			       "is not managed by vmapctl (uuid '%s'): it is never removed",
			       dev->uuid ? dev->uuid : "");
			continue;
		}
		add_why(v, pl->opts->destroy ? "destroy was asked for" : "not in the spec set (--prune)");
		v->was_suspended = dev->suspended;
	}
	if (pl->opts->destroy) {
		for (size_t k = 0; k < pl->opts->n_destroy; k++)
			if (!vmap_live_find_dev(live, pl->opts->destroy[k])) {
				vmap_err(pl->errs, VMAP_E_FAILED, 0, NULL, pl->opts->destroy[k],
					 "no such device");
				pl->r = -1;
			}
	}
	/* Removal needs the device closed, except by holders removed too. */
	for (size_t i = 0; i < pl->p->n_vols; i++) {
		struct vmap_volplan *vp = &pl->p->vols[i];
		if (vp->action != VMAP_ACT_REMOVE || vp->refused)
			continue;
		int removed_holders = 0;
		for (size_t k = 0; k < live->n_devs; k++) {
			const struct vmap_dmdev *up = &live->devs[k];
			bool holds = false;
			for (size_t j = 0; j < up->n_deps; j++)
				holds |= up->dep_major[j] == vp->live->major &&
					 up->dep_minor[j] == vp->live->minor;
			if (!holds)
				continue;
			bool going = false;
			for (size_t j = 0; j < pl->p->n_vols; j++)
				going |= pl->p->vols[j].action == VMAP_ACT_REMOVE &&
					 pl->p->vols[j].live == up;
			if (going)
				removed_holders++;
			else
				refuse(pl, vp, VMAP_E_POLICY, "device '%s' is stacked on it (remove that first)",
				       up->name);
		}
		if (!vp->refused && vp->live->open_count > removed_holders)
			refuse(pl, vp, VMAP_E_FAILED, "is open (open count %d): it cannot be removed "
				  "while in use", vp->live->open_count);
	}
}

/* Is volplan `a` stacked (directly or not) on volplan `b`, going by the
 * live dependencies (removals) ? */
static bool live_holds(const struct vmap_live *live, const struct vmap_dmdev *up,
		       const struct vmap_dmdev *low, int depth)
{
	if (depth > 64)
		return false;
	for (size_t j = 0; j < up->n_deps; j++) {
		if (up->dep_major[j] == low->major && up->dep_minor[j] == low->minor)
			return true;
		const struct vmap_dmdev *mid = vmap_live_find_devnum(live, up->dep_major[j],
								      up->dep_minor[j]);
		if (mid && live_holds(live, mid, low, depth + 1))
			return true;
	}
	return false;
}

/* Is set volume a stacked (directly or not) on set volume b? */
static bool stacked_on(const struct planner *pl, size_t a, size_t b, int depth)
{
	if (depth > 256)
		return false;
	const struct vmap_volume *va = &pl->set->vols[a];
	for (size_t k = 0; k < va->n_deps; k++)
		if (va->deps[k] == b || stacked_on(pl, va->deps[k], b, depth + 1))
			return true;
	return false;
}

static bool switching(const struct vmap_volplan *vp)
{
	return !vp->refused && (vp->action == VMAP_ACT_RELOAD || vp->action == VMAP_ACT_REFRESH ||
				vp->action == VMAP_ACT_RESUME);
}

/* A create must wait for the switch when a volume it stacks on changes. */
static bool create_waits_for_switch(const struct planner *pl, size_t vi)
{
	const struct vmap_volume *vol = &pl->set->vols[vi];
	for (size_t k = 0; k < vol->n_deps; k++) {
		size_t di = vol->deps[k];
		const struct vmap_volplan *lp = &pl->p->vols[pl->vp_of[di]];
		if (switching(lp) || lp->action == VMAP_ACT_RECREATE ||
		    create_waits_for_switch(pl, di))
			return true;
	}
	return false;
}

static void order_steps(struct planner *pl)
{
	struct vmap_plan *p = pl->p;
	size_t cap = 0, n = pl->set->n_vols;

	/* PRELOAD, lower volumes first: creates that stand on unchanging
	 * volumes, then every new table into its inactive slot, then the
	 * recreates (last: a failed load must not have to undo them).  No
	 * device is suspended in this phase. */
	for (size_t oi = 0; oi < n; oi++) {
		size_t vi = pl->order[oi], v = pl->vp_of[vi];
		const struct vmap_volplan *vp = &p->vols[v];
		if (vp->refused || vp->waiting)
			continue;
		if (vp->action == VMAP_ACT_CREATE && !create_waits_for_switch(pl, vi))
			add_step(p, &cap, VMAP_STEP_CREATE, VMAP_PHASE_PRELOAD, v,
				 vp->desired.secure ? VMAP_DM_SECURE : 0);
	}
	for (size_t oi = 0; oi < n; oi++) {
		size_t v = pl->vp_of[pl->order[oi]];
		const struct vmap_volplan *vp = &p->vols[v];
		if (vp->refused || vp->waiting)
			continue;
		if (vp->action == VMAP_ACT_RELOAD || vp->action == VMAP_ACT_REFRESH)
			add_step(p, &cap, VMAP_STEP_LOAD, VMAP_PHASE_PRELOAD, v,
				 vp->desired.secure ? VMAP_DM_SECURE : 0);
		else if (vp->action == VMAP_ACT_RESUME && vp->clear_inactive)
			/* resuming would swap in a table we know nothing of */
			add_step(p, &cap, VMAP_STEP_CLEAR, VMAP_PHASE_PRELOAD, v, 0);
	}
	for (size_t oi = 0; oi < n; oi++) {
		size_t v = pl->vp_of[pl->order[oi]];
		const struct vmap_volplan *vp = &p->vols[v];
		if (vp->refused || vp->waiting || vp->action != VMAP_ACT_RECREATE)
			continue;
		add_step(p, &cap, VMAP_STEP_REMOVE, VMAP_PHASE_PRELOAD, v, 0);
		add_step(p, &cap, VMAP_STEP_CREATE, VMAP_PHASE_PRELOAD, v,
			 vp->desired.secure ? VMAP_DM_SECURE : 0);
	}

	/* SWITCH: suspend upper volumes first... */
	for (size_t oi = n; oi-- > 0;) {
		size_t v = pl->vp_of[pl->order[oi]];
		const struct vmap_volplan *vp = &p->vols[v];
		if (switching(vp) && vp->action != VMAP_ACT_RESUME && !vp->was_suspended)
			add_step(p, &cap, VMAP_STEP_SUSPEND, VMAP_PHASE_SWITCH, v, vp->suspend_flags);
	}
	/* ...resume lower volumes first, except that a shrinking volume is
	 * resumed after the changed volumes stacked on it: grow the lower
	 * device before the upper, shrink the upper before the lower. */
	size_t *sw = xcalloc(n ? n : 1, sizeof(*sw));
	size_t nsw = 0;
	for (size_t oi = 0; oi < n; oi++)
		if (switching(&p->vols[pl->vp_of[pl->order[oi]]]))
			sw[nsw++] = pl->order[oi];
	bool *placed = xcalloc(nsw ? nsw : 1, sizeof(*placed));
	for (size_t done = 0; done < nsw;) {
		size_t before = done;
		for (size_t i = 0; i < nsw; i++) {
			if (placed[i])
				continue;
			bool ready = true;
			for (size_t j = 0; j < nsw && ready; j++) {
				if (placed[j] || j == i)
					continue;
				const struct vmap_volplan *a = &p->vols[pl->vp_of[sw[i]]];
				const struct vmap_volplan *b = &p->vols[pl->vp_of[sw[j]]];
				/* must b come before a? */
				if (stacked_on(pl, sw[i], sw[j], 0)) /* b lower */
					ready = !(b->shrink == false || a->action != VMAP_ACT_RELOAD);
				else if (stacked_on(pl, sw[j], sw[i], 0)) /* b upper */
					ready = !(a->shrink && b->action == VMAP_ACT_RELOAD);
			}
			if (!ready)
				continue;
			placed[i] = true;
			done++;
			size_t v = pl->vp_of[sw[i]];
			add_step(p, &cap, VMAP_STEP_RESUME, VMAP_PHASE_SWITCH, v,
				 p->vols[v].suspend_flags);
		}
		if (done == before) /* cannot happen: the stack order is acyclic */
			break;
	}
	free(placed);
	free(sw);

	/* POST: creates that stand on switched volumes, then removals, upper
	 * devices first. */
	for (size_t oi = 0; oi < n; oi++) {
		size_t vi = pl->order[oi], v = pl->vp_of[vi];
		const struct vmap_volplan *vp = &p->vols[v];
		if (!vp->refused && !vp->waiting && vp->action == VMAP_ACT_CREATE &&
		    create_waits_for_switch(pl, vi))
			add_step(p, &cap, VMAP_STEP_CREATE, VMAP_PHASE_POST, v,
				 vp->desired.secure ? VMAP_DM_SECURE : 0);
	}
	size_t nrem = 0;
	for (size_t i = 0; i < p->n_vols; i++)
		nrem += p->vols[i].action == VMAP_ACT_REMOVE && !p->vols[i].refused;
	bool *gone = xcalloc(p->n_vols ? p->n_vols : 1, sizeof(*gone));
	for (size_t done = 0; done < nrem;) {
		size_t before = done;
		for (size_t i = 0; i < p->n_vols; i++) {
			const struct vmap_volplan *vp = &p->vols[i];
			if (gone[i] || vp->action != VMAP_ACT_REMOVE || vp->refused)
				continue;
			bool ready = true;
			for (size_t j = 0; j < p->n_vols && ready; j++)
				if (j != i && !gone[j] && p->vols[j].action == VMAP_ACT_REMOVE &&
				    !p->vols[j].refused && live_holds(pl->live, p->vols[j].live, vp->live, 0))
					ready = false;
			if (!ready)
				continue;
			gone[i] = true;
			done++;
			if (vp->was_suspended)
				/* a suspended device cannot be removed cleanly */
				add_step(p, &cap, VMAP_STEP_RESUME, VMAP_PHASE_POST, i, 0);
			add_step(p, &cap, VMAP_STEP_REMOVE, VMAP_PHASE_POST, i, 0);
		}
		if (done == before)
			break;
	}
	free(gone);
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

	if (stack_order(pl.set, pl.order) < 0) {
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
		decide_volume(&pl, pl.order[oi]);
	/* the desired states move into the plan (decisions above read them
	 * through pl.desired while uppers were resolved) */
	for (size_t i = 0; i < n; i++) {
		p->vols[i].desired = pl.desired[i];
		memset(&pl.desired[i], 0, sizeof(pl.desired[i]));
	}
	/* from here on pl.desired must point at the plan's copies */
	for (size_t i = 0; i < n; i++)
		pl.desired[i] = p->vols[i].desired;
	propagate_refresh(&pl);
	check_gates(&pl);
	plan_removals(&pl);
	for (size_t i = 0; i < p->n_vols; i++) {
		struct vmap_volplan *vp = &p->vols[i];
		decide_suspend(vp);
		if (vp->action != VMAP_ACT_NONE && !vp->refused && !vp->waiting)
			p->n_changes++;
	}
	/* A refused plan is still ordered so that it can be shown, but it
	 * has no steps: nothing of it may run. */
	if (pl.r == 0)
		order_steps(&pl);
out:
	free(pl.order);
	free(pl.renumbered);
	free(pl.resolved);
	free(pl.desired); /* shallow: the contents belong to p->vols */
	free(pl.vp_of);
	return pl.r;
}

void vmap_plan_free(struct vmap_plan *p)
{
	for (size_t i = 0; i < p->n_vols; i++) {
		struct vmap_volplan *vp = &p->vols[i];
		vmap_desired_free(&vp->desired);
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

void vmap_specset_foreach_ref(const struct vmap_specset *set,
			      void (*fn)(const struct vmap_devref *ref, void *arg), void *arg)
{
	for (size_t i = 0; i < set->n_vols; i++)
		for (size_t t = 0; t < set->vols[i].n_targets; t++)
			vmap_target_foreach_ref(&set->vols[i].targets[t], fn, arg);
}
