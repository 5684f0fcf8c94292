/* gates.c: what a plan refuses before anything runs (contract sections
 * 5.2-5.4): recreates (without --allow-recreate, or while open), shrinks
 * (without --allow-shrink, and always below what a volume stacked on it
 * maps), and target types the kernel does not have. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "plan/planner.h"
#include "targets/target.h"

/* Who maps how far onto a volume: the shrink gate. */

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

/* Recreate and shrink gates, and the kernel's target list. */
/* Sectors for people: "65536 sectors (32 MiB)". */
static void human_sectors(struct sbuf *b, uint64_t n)
{
	static const char *const units[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
	double v = (double)n / 2;
	size_t u = 0;
	while (v >= 1024 && u + 1 < sizeof(units) / sizeof(units[0])) {
		v /= 1024;
		u++;
	}
	sbuf_printf(b, "%llu sector%s (%.*f %s)", (unsigned long long)n, n == 1 ? "" : "s",
		    v == (double)(uint64_t)v ? 0 : 1, v, units[u]);
}

void vmap_range_text(struct sbuf *b, const struct vmap_range *r)
{
	sbuf_printf(b, "sectors %llu..%llu, ", (unsigned long long)r->start,
		    (unsigned long long)(r->start + r->len - 1));
	human_sectors(b, r->len);
	if (r->why)
		sbuf_printf(b, ": vmapctl cannot tell what they would show (%s)", r->why);
	else if (r->old_what && r->new_what)
		sbuf_printf(b, ": '%s'%s%llu -> '%s'%s%llu", r->old_what,
			    " from its sector ", (unsigned long long)r->old_rel, r->new_what,
			    " from its sector ", (unsigned long long)r->new_rel);
}

/* A change that would make the volume show other data (contract 5.9):
 * refused unless allowed, or the data moves first (5.10). */
static void remap_gate(struct planner *pl, struct vmap_volplan *vp, const struct vmap_volume *vol)
{
	/* moving the data wins over showing other data: it loses nothing */
	if (pl->opts->migrate || vol->on_remap == VMAP_ON_REMAP_MIGRATE) {
		plan_migrate_or_refuse(pl, vp);
		return;
	}
	if (pl->opts->allow_remap || (vol->allow & VMAP_ALLOW_REMAP))
		return;
	struct sbuf m = {0};
	size_t shown = 0, n = 0;
	for (size_t i = 0; i < vp->ranges.n; i++) {
		const struct vmap_range *r = &vp->ranges.v[i];
		if (r->cls != VMAP_RANGE_REMAPPED)
			continue;
		n++;
		if (shown == 4)
			continue;
		sbuf_add(&m, shown++ ? "; " : "");
		vmap_range_text(&m, r);
	}
	if (n > shown)
		sbuf_printf(&m, "; and %zu more range%s", n - shown, n - shown == 1 ? "" : "s");
	plan_refuse(pl, vp, VMAP_E_POLICY,
		    "would show other data: %s (the volume's data would be lost from view: if that "
		    "is meant, use --allow-remap or allow: [remap] on the volume; to move the data, "
		    "use --migrate)", sbuf_str(&m));
	sbuf_free(&m);
}

void plan_check_gates(struct planner *pl)
{
	for (size_t i = 0; i < pl->p->n_vols; i++) {
		struct vmap_volplan *vp = &pl->p->vols[i];
		if (vp->refused || vp->waiting || vp->vol < 0 || vp->migrating)
			continue;
		const struct vmap_desired *d = &vp->desired;

		if (pl->opts->create_only && vp->action != VMAP_ACT_NONE &&
		    vp->action != VMAP_ACT_CREATE) {
			/* activate only brings volumes up: anything else is left
			 * for a full apply */
			plan_add_note(vp, "would %s (left to 'vmapctl apply': activate only creates)",
				 vmap_action_name(vp->action));
			vp->action = VMAP_ACT_NONE;
			continue;
		}
		const struct vmap_volume *vol = &pl->set->vols[vp->vol];
		if (vmap_ranges_have(&vp->ranges, VMAP_RANGE_REMAPPED))
			remap_gate(pl, vp, vol);
		if (vp->action == VMAP_ACT_RECREATE) {
			if (vp->live->open_count > 0)
				plan_refuse(pl, vp, VMAP_E_POLICY,
				       "needs to be recreated (%s) but is open (open count %d): "
				       "it cannot be removed while in use", vp->why[0],
				       vp->live->open_count);
			else if (!pl->opts->allow_recreate && !(vol->allow & VMAP_ALLOW_RECREATE))
				plan_refuse(pl, vp, VMAP_E_POLICY,
				       "needs to be recreated (%s) (use --allow-recreate, or allow: "
				       "[recreate] on the volume; the device disappears for a moment)",
				       vp->why[0]);
		}
		if (vp->shrink && !pl->opts->allow_shrink && !(vol->allow & VMAP_ALLOW_SHRINK))
			plan_refuse(pl, vp, VMAP_E_POLICY,
			       "would shrink from %llu to %llu sectors (use --allow-shrink, or allow: "
			       "[shrink] on the volume, if the data beyond the new end is not needed)",
			       (unsigned long long)plan_table_size(&vp->live->live),
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
					plan_add_note(vp, "target type '%s' is loaded from its kernel module "
						     "when the table is loaded", type);
				else
					plan_refuse(pl, vp, VMAP_E_FAILED,
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
				plan_refuse(pl, vp, VMAP_E_POLICY,
				       "cannot shrink: volume '%s' is stacked on it and vmapctl cannot "
				       "tell how far it maps", pl->set->vols[k].name);
			else if ((uint64_t)e > new_end)
				plan_refuse(pl, vp, VMAP_E_POLICY,
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
				plan_refuse(pl, vp, VMAP_E_POLICY,
				       "cannot shrink: device '%s' (not in the spec set) is stacked on it "
				       "and maps %s", up->name, e < 0 ? "in a way vmapctl cannot measure"
								 : "beyond the new end");
		}
	}
}
