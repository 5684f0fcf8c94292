/* migrate.c: which remaps move their data instead of being refused
 * (contract 5.10).
 *
 * With --migrate or `onRemap: migrate`, a volume whose new table would
 * show other data is planned as `migrate` when the kernel's mirror can
 * copy it: the whole volume is mirrored from a device with its old table
 * to a device with its new table (exec/migrate.c), so both tables must be
 * made of targets that hold data at fixed places (linear, striped), be
 * the same size, and no sector of the new table may be a sector the old
 * table still needs to be read from at another position (a move onto an
 * overlapping range of the same device: the copy would overwrite data it
 * has not copied yet).  Anything else stays refused, saying why. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "plan/planner.h"
#include "targets/target.h"

/* A piece of a table: where it starts in the volume. */
struct mpiece {
	const struct vmap_piece *p;
	uint64_t vstart;
};

static int cmp_mpiece(const void *a, const void *b)
{
	const struct mpiece *x = a, *y = b;
	int c = strcmp(x->p->at[0].key, y->p->at[0].key);
	if (c)
		return c;
	return x->p->at[0].pos < y->p->at[0].pos ? -1 : x->p->at[0].pos > y->p->at[0].pos;
}

/* Pieces with exactly one place (linear and striped give one), and the
 * first one that has not, or NULL. */
static const struct vmap_piece *collect(const struct vmap_pieces *ps, struct mpiece **out,
					size_t *n)
{
	*out = xcalloc(ps->n + 1, sizeof(**out));
	*n = 0;
	uint64_t v = 0;
	for (size_t i = 0; i < ps->n; i++) {
		const struct vmap_piece *p = &ps->v[i];
		if (p->kind != VMAP_PIECE_DATA || p->n_at != 1)
			return p;
		(*out)[(*n)++] = (struct mpiece){p, v};
		v += p->len;
	}
	return NULL;
}

static bool known_type(const char *type)
{
	return !strcmp(type, "linear") || !strcmp(type, "striped");
}

/* Refuse a copy that would write over data it still has to read: a new
 * piece on the same device as an old one, overlapping it, at another
 * position in the volume.  Returns true when it refused. */
static bool refuse_overlap(struct planner *pl, struct vmap_volplan *vp, struct mpiece *o,
			   size_t no, struct mpiece *n, size_t nn)
{
	qsort(n, nn, sizeof(*n), cmp_mpiece);
	for (size_t i = 0; i < no; i++) {
		const char *key = o[i].p->at[0].key;
		uint64_t op = o[i].p->at[0].pos, oend = op + o[i].p->len;
		/* the first new piece of this device that ends after op (new
		 * pieces of one device do not overlap each other in a table
		 * that makes sense, so their ends are sorted too) */
		size_t lo = 0, hi = nn;
		while (lo < hi) {
			size_t mid = (lo + hi) / 2;
			int c = strcmp(n[mid].p->at[0].key, key);
			if (c < 0 || (c == 0 && n[mid].p->at[0].pos + n[mid].p->len <= op))
				lo = mid + 1;
			else
				hi = mid;
		}
		for (size_t k = lo; k < nn && !strcmp(n[k].p->at[0].key, key) &&
				    n[k].p->at[0].pos < oend; k++) {
			uint64_t np = n[k].p->at[0].pos;
			/* the same position of the volume on the same sectors is
			 * a copy onto itself: harmless */
			if (np + o[i].vstart == op + n[k].vstart)
				continue;
			uint64_t s = op > np ? op : np;
			uint64_t e = oend < np + n[k].p->len ? oend : np + n[k].p->len;
			plan_refuse(pl, vp, VMAP_E_POLICY,
				    "cannot be migrated: its new table puts sectors %llu..%llu on "
				    "'%s' sectors %llu..%llu, which its old table uses for sectors "
				    "%llu..%llu ('%s'): the copy would overwrite data it has not "
				    "copied yet (move onto sectors the old table does not use, or "
				    "in two steps)",
				    (unsigned long long)(n[k].vstart + (s - np)),
				    (unsigned long long)(n[k].vstart + (e - np) - 1), n[k].p->label,
				    (unsigned long long)s, (unsigned long long)(e - 1),
				    (unsigned long long)(o[i].vstart + (s - op)),
				    (unsigned long long)(o[i].vstart + (e - op) - 1), o[i].p->label);
			return true;
		}
	}
	return false;
}

void plan_migrate_or_refuse(struct planner *pl, struct vmap_volplan *vp)
{
	const struct vmap_desired *d = &vp->desired;
	const struct vmap_table *old = &vp->live->live;
	if (vp->action != VMAP_ACT_RELOAD) {
		plan_refuse(pl, vp, VMAP_E_POLICY,
			    "cannot be migrated: it must be %sd (%s), and a migration keeps the "
			    "device", vmap_action_name(vp->action), vp->n_why ? vp->why[0] : "");
		return;
	}
	if (vp->grow || vp->shrink) {
		plan_refuse(pl, vp, VMAP_E_POLICY,
			    "cannot be migrated and resized in one run: it would %s from %llu to "
			    "%llu sectors (migrate at the current size first, then resize)",
			    vp->grow ? "grow" : "shrink",
			    (unsigned long long)plan_table_size(old), (unsigned long long)d->size);
		return;
	}
	if (strlen(vp->name) > VMAP_MIGRATE_NAME_MAX) {
		plan_refuse(pl, vp, VMAP_E_POLICY,
			    "cannot be migrated: its name is longer than %d characters, too long "
			    "for the temporary devices of a migration ('" VMAP_MIGRATE_PREFIX
			    "NAME-meta')", VMAP_MIGRATE_NAME_MAX);
		return;
	}
	for (size_t i = 0; i < old->n; i++)
		if (!known_type(old->lines[i].type)) {
			plan_refuse(pl, vp, VMAP_E_POLICY,
				    "cannot be migrated: only linear and striped tables can be, and "
				    "line %zu of its current table is '%s' (use --allow-remap if the "
				    "data is not needed, or move it by other means)", i + 1,
				    old->lines[i].type);
			return;
		}
	for (size_t i = 0; i < d->n_lines; i++)
		if (!known_type(d->lines[i].type)) {
			plan_refuse(pl, vp, VMAP_E_POLICY,
				    "cannot be migrated: only linear and striped tables can be, and "
				    "line %zu of its new table is '%s' (use --allow-remap if the data "
				    "is not needed, or move it by other means)", i + 1,
				    d->lines[i].type);
			return;
		}

	struct vmap_pieces po = {.limit = VMAP_CLASSIFY_PIECES}, pn = {.limit = VMAP_CLASSIFY_PIECES};
	plan_table_pieces(pl, (size_t)vp->vol, false, &po);
	plan_table_pieces(pl, (size_t)vp->vol, true, &pn);
	struct mpiece *mo, *mn;
	size_t no, nn;
	const struct vmap_piece *bad_o = collect(&po, &mo, &no);
	const struct vmap_piece *bad_n = collect(&pn, &mn, &nn);
	if (bad_o || bad_n) {
		const struct vmap_piece *b = bad_o ? bad_o : bad_n;
		plan_refuse(pl, vp, VMAP_E_POLICY,
			    "cannot be migrated: vmapctl cannot tell where its %s table keeps "
			    "its data (%s)", bad_o ? "current" : "new",
			    b->label && *b->label ? b->label : "too many pieces");
	} else if (!refuse_overlap(pl, vp, mo, no, mn, nn)) {
		vp->action = VMAP_ACT_MIGRATE;
		vp->migrate_bytes = d->size * 512;
		for (size_t i = 0; i < vp->ranges.n; i++)
			if (vp->ranges.v[i].cls == VMAP_RANGE_REMAPPED)
				vp->remapped_bytes += vp->ranges.v[i].len * 512;
		plan_add_why(vp, "its data moves to the new backing while it stays online "
				 "(%s)", pl->opts->migrate ? "--migrate" : "onRemap: migrate");
	}
	free(mo);
	free(mn);
	vmap_pieces_free(&po);
	vmap_pieces_free(&pn);
}

/* A volume whose live table is one linear line onto its own migration
 * mirror is being migrated now (a run with --no-wait, or one that was
 * killed): that is not drift to plan again. */
bool plan_migration_under_way(struct planner *pl, struct vmap_volplan *vp)
{
	const struct vmap_dmdev *v = vp->live;
	if (!v || !v->live_table || v->live.n != 1 || strcmp(v->live.lines[0].type, "linear"))
		return false;
	/* first what costs nothing (this runs for every volume): a migrating
	 * volume's one line maps its replica from sector 0 */
	const char *sp = strchr(v->live.lines[0].params, ' ');
	if (!sp || strcmp(sp + 1, "0"))
		return false;
	char *rname = vmap_migrate_temp_name(vp->name, "r");
	const struct vmap_dmdev *r = vmap_live_find_dev(pl->live, rname);
	free(rname);
	if (!r || !r->uuid || strncmp(r->uuid, VMAP_MIGRATE_UUID_PREFIX,
				      strlen(VMAP_MIGRATE_UUID_PREFIX)))
		return false;
	unsigned maj, min;
	unsigned long long off;
	if (sscanf(v->live.lines[0].params, "%u:%u %llu", &maj, &min, &off) != 3 ||
	    maj != r->major || min != r->minor || off != 0)
		return false;
	vp->action = VMAP_ACT_MIGRATE;
	vp->migrating = true;
	plan_add_why(vp, "a migration of its data is under way ('vmapctl apply' or 'vmapctl "
			 "recover --wait' finishes it)");
	return true;
}
