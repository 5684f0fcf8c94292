/* decide.c: what happens to each volume (contract section 5).
 *
 * Volumes are decided lowest first (stack order), because an upper
 * volume's table depends on what happens to the volumes under it: a lower
 * volume that is created or recreated in this run gets a new device
 * number, so the upper's table cannot be compared and must be loaded anew.
 * Then the refreshes that make stacked limits follow a changed lower
 * volume, the removals (--prune, destroy), and each volume's suspend
 * policy. */
#include <stdarg.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "plan/planner.h"
#include "targets/target.h"

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
		if (!(plan_type_flags(old) & VMAP_TT_IMMUTABLE))
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

static const struct vmap_dmdev *uuid_owner(const struct vmap_live *live, const char *uuid)
{
	for (size_t i = 0; i < live->n_devs; i++)
		if (live->devs[i].uuid && !strcmp(live->devs[i].uuid, uuid))
			return &live->devs[i];
	return NULL;
}

void plan_decide_suspend(struct vmap_volplan *vp)
{
	const struct vmap_volume *vol = vp->vol >= 0 ? vp->desired.vol : NULL;
	enum vmap_suspend_policy pol = vol ? vol->suspend : VMAP_SUSPEND_AUTO;
	bool why_live = vp->live && plan_live_has_flag(&vp->live->live, VMAP_TT_NOFLUSH);
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
void plan_decide_volume(struct planner *pl, size_t vi)
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
		plan_refuse(pl, vp, VMAP_E_POLICY,
		       "the name is taken by a device vmapctl does not manage (uuid '%s'); "
		       "vmapctl never changes it (rename the volume, or adopt the device)",
		       live->uuid && *live->uuid ? live->uuid : "");
		return;
	}
	if (!live) {
		const struct vmap_dmdev *o = uuid_owner(pl->live, vol->uuid);
		if (o) {
			plan_refuse(pl, vp, VMAP_E_POLICY,
			       "uuid '%s' is already used by device '%s' (give this volume another "
			       "uuid, or rename that device)", vol->uuid, o->name);
			return;
		}
	}

	if (d->n_missing) {
		for (size_t i = 0; i < d->n_missing; i++) {
			if (pl->opts->create_only) {
				plan_add_why(vp, "waiting for device '%s' (%s)", d->missing[i].ref,
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
			plan_add_why(vp, "waiting for volume '%s'", lp->name);
			pl->renumbered[vi] = !live;
			return;
		}
	}

	if (!live) {
		vp->action = VMAP_ACT_CREATE;
		pl->renumbered[vi] = true;
		plan_add_why(vp, "does not exist");
		return;
	}

	vp->was_suspended = live->suspended;
	if (live->inactive_table)
		vp->clear_inactive = true;
	if (plan_migration_under_way(pl, vp))
		return;

	char *rec = needs_recreate(d, live);
	if (rec) {
		vp->action = VMAP_ACT_RECREATE;
		plan_add_why(vp, "%s", rec);
		free(rec);
		pl->renumbered[vi] = true;
		if (live->live_table)
			plan_classify_volume(pl, vi, &env);
		return;
	}

	uint64_t old_size = plan_table_size(&live->live);
	if (!live->live_table) {
		vp->action = VMAP_ACT_RELOAD;
		plan_add_why(vp, "the device exists but has no live table");
	} else if (d->pending) {
		vp->action = VMAP_ACT_RELOAD;
		plan_add_why(vp, "a volume it stacks on gets a new device in this run");
	} else if (!tables_equal(d, &live->live)) {
		vp->action = VMAP_ACT_RELOAD;
		plan_add_why(vp, "its table differs from the spec");
	}
	if (live->read_only != vol->read_only) {
		vp->action = VMAP_ACT_RELOAD;
		plan_add_why(vp, "read-only changes to %s", vol->read_only ? "yes" : "no");
	}
	if (vp->action == VMAP_ACT_RELOAD && live->live_table) {
		if (d->size > old_size) {
			vp->grow = true;
			plan_add_why(vp, "grows from %llu to %llu sectors", (unsigned long long)old_size,
				(unsigned long long)d->size);
		} else if (d->size < old_size) {
			vp->shrink = true;
			plan_add_why(vp, "shrinks from %llu to %llu sectors", (unsigned long long)old_size,
				(unsigned long long)d->size);
		}
		if (!d->n_comps)
			plan_add_note(vp, "the new table has no data devices: the kernel keeps the "
				     "device's current queue limits");
		plan_classify_volume(pl, vi, &env);
	}
	if (vp->action == VMAP_ACT_NONE && live->suspended) {
		vp->action = VMAP_ACT_RESUME;
		plan_add_why(vp, "it is suspended");
	}
}

/* When a volume's component devices change, the volumes stacked on it
 * (all the way up) get their table reloaded as it is, so the kernel
 * recomputes their queue limits (it never does so by itself). */
void plan_propagate_refresh(struct planner *pl)
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
			plan_add_why(vp, "volume '%s' under it %s, so its queue limits must be recomputed",
				lp->name, lp->action == VMAP_ACT_REFRESH ? "is refreshed"
									 : "changes devices");
			break;
		}
	}
}

/* The live devices holding each live device (their tables name it):
 * holders[start[i]..start[i+1]) hold devs[i], in live order, each once.
 * Built once from the dependencies, so checking a removal costs its own
 * holders, not a scan of every device (contract section 9). */
struct hold {
	size_t up, low;
};

static void live_holders(const struct vmap_live *live, size_t **start_out, size_t **holders_out)
{
	size_t nd = live->n_devs, n = 0, cap = 0;
	struct hold *h = NULL;
	for (size_t k = 0; k < nd; k++) {
		const struct vmap_dmdev *up = &live->devs[k];
		size_t first = n;
		for (size_t j = 0; j < up->n_deps; j++) {
			size_t i = vmap_live_devnum_index(live, up->dep_major[j], up->dep_minor[j]);
			if (i == SIZE_MAX)
				continue; /* not a dm device */
			bool again = false; /* a holder counts once, however often it names it */
			for (size_t m = first; m < n && !again; m++)
				again = h[m].low == i;
			if (!again)
				VEC_PUSH(h, n, cap, ((struct hold){k, i}));
		}
	}
	/* a counting sort by the low device keeps each one's holders in live order */
	size_t *start = xcalloc(nd + 1, sizeof(*start)), *next = xcalloc(nd + 1, sizeof(*next));
	size_t *holders = xcalloc(n ? n : 1, sizeof(*holders));
	for (size_t m = 0; m < n; m++)
		start[h[m].low + 1]++;
	for (size_t i = 0; i < nd; i++)
		start[i + 1] += start[i];
	memcpy(next, start, (nd + 1) * sizeof(*next));
	for (size_t m = 0; m < n; m++)
		holders[next[h[m].low]++] = h[m].up;
	free(next);
	free(h);
	*start_out = start;
	*holders_out = holders;
}

void plan_removals(struct planner *pl)
{
	const struct vmap_live *live = pl->live;
	/* the devices destroy names, each looked up once */
	bool *named = xcalloc(live->n_devs + 1, sizeof(*named));
	for (size_t k = 0; pl->opts->destroy && k < pl->opts->n_destroy; k++) {
		size_t i = vmap_live_dev_index(live, vmap_live_find_dev(live, pl->opts->destroy[k]));
		if (i != SIZE_MAX)
			named[i] = true;
	}
	for (size_t i = 0; i < live->n_devs; i++) {
		const struct vmap_dmdev *dev = &live->devs[i];
		bool wanted;
		if (pl->opts->destroy) {
			wanted = named[i];
		} else {
			if (!vmap_dmdev_managed(dev) || vmap_specset_find(pl->set, dev->name))
				continue;
			wanted = pl->opts->prune && !pl->opts->create_only;
			if (!wanted) {
				char *n = xasprintf("managed volume '%s' is not in the spec set "
						    "(--prune removes it)", dev->name);
				plan_strv_push(&pl->p->notes, &pl->p->n_notes, n);
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
			plan_refuse(pl, v, VMAP_E_POLICY,
			       "is not managed by vmapctl (uuid '%s'): it is never removed",
			       dev->uuid ? dev->uuid : "");
			continue;
		}
		plan_add_why(v, pl->opts->destroy ? "destroy was asked for" : "not in the spec set (--prune)");
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
	free(named);
	/* Removal needs the device closed, except by holders removed too. */
	bool *going = xcalloc(live->n_devs + 1, sizeof(*going)); /* a removal of this run */
	bool any = false;
	for (size_t j = 0; j < pl->p->n_vols; j++) {
		size_t i = vmap_live_dev_index(live, pl->p->vols[j].live);
		if (pl->p->vols[j].action == VMAP_ACT_REMOVE && i != SIZE_MAX)
			going[i] = any = true;
	}
	size_t *start = NULL, *holders = NULL;
	if (any)
		live_holders(live, &start, &holders);
	for (size_t v = 0; any && v < pl->p->n_vols; v++) {
		struct vmap_volplan *vp = &pl->p->vols[v];
		size_t i = vmap_live_dev_index(live, vp->live);
		if (vp->action != VMAP_ACT_REMOVE || vp->refused || i == SIZE_MAX)
			continue;
		int removed_holders = 0;
		for (size_t m = start[i]; m < start[i + 1]; m++) {
			if (going[holders[m]])
				removed_holders++;
			else
				plan_refuse(pl, vp, VMAP_E_POLICY, "device '%s' is stacked on it (remove that first)",
				       live->devs[holders[m]].name);
		}
		if (!vp->refused && vp->live->open_count > removed_holders)
			plan_refuse(pl, vp, VMAP_E_FAILED,
				  "is open (open count %d): it cannot be removed while in use",
				  vp->live->open_count);
	}
	free(going);
	free(start);
	free(holders);
}
