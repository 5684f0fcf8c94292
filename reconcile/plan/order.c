/* order.c: the order of a plan (contract sections 5.1 and 5.5): volumes
 * found suspended resumed first, lowest first; every table loaded before
 * anything is suspended; suspend top-down, resume bottom-up; grow the
 * lower device before the upper, shrink the upper before the lower;
 * creates on unchanging volumes first, creates on switched volumes and
 * removals last. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "plan/planner.h"
#include "targets/target.h"

static void add_step(struct vmap_plan *p, size_t *cap, enum vmap_step_kind kind,
		     enum vmap_phase phase, size_t vp, unsigned flags)
{
	struct vmap_step s = {kind, phase, vp, flags};
	VEC_PUSH(p->steps, p->n_steps, *cap, s);
}

/* Lower volumes before the volumes stacked on them.  Returns -1 on a
 * cycle (validation rejects those; this is the planner's own guard). */
int plan_stack_order(const struct vmap_specset *set, size_t *order)
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

/* Who waits for whom among the removals: removal i waits for every
 * other removal whose live device reaches i's through the dependencies
 * (the kernel refuses to remove a device something holds).  One walk
 * from each removal, so thousands of removals cost a walk each, not a
 * walk for every pair (contract section 9).  reach[start[j]..start[j+1])
 * are the removals j reaches, each once; held[i] counts those reaching
 * i. */
struct removal_waits {
	size_t *start, *reach, *held;
};

static bool removal(const struct vmap_volplan *vp)
{
	return vp->action == VMAP_ACT_REMOVE && !vp->refused;
}

static void removal_waits(const struct vmap_plan *p, const struct vmap_live *live,
			  struct removal_waits *w)
{
	size_t nd = live->n_devs ? live->n_devs : 1, n_reach = 0, cap = 0;
	size_t *rem_of = xcalloc(nd, sizeof(*rem_of));   /* live device -> removal + 1 */
	size_t *seen = xcalloc(nd, sizeof(*seen));       /* walk j + 1 that saw it */
	size_t *stack = xcalloc(nd, sizeof(*stack));
	w->start = xcalloc(p->n_vols + 1, sizeof(*w->start));
	w->held = xcalloc(p->n_vols + 1, sizeof(*w->held));
	w->reach = NULL;
	for (size_t i = 0; i < p->n_vols; i++) {
		size_t d = vmap_live_dev_index(live, p->vols[i].live);
		if (removal(&p->vols[i]) && d != SIZE_MAX)
			rem_of[d] = i + 1;
	}
	for (size_t j = 0; j < p->n_vols; j++) {
		w->start[j] = n_reach;
		size_t self = vmap_live_dev_index(live, p->vols[j].live), top = 0;
		if (!removal(&p->vols[j]) || self == SIZE_MAX)
			continue;
		seen[self] = j + 1;
		stack[top++] = self;
		while (top) {
			const struct vmap_dmdev *up = &live->devs[stack[--top]];
			for (size_t k = 0; k < up->n_deps; k++) {
				size_t d = vmap_live_devnum_index(live, up->dep_major[k], up->dep_minor[k]);
				if (d == SIZE_MAX)
					continue; /* not a dm device: the walk ends there */
				if (seen[d] == j + 1)
					continue;
				seen[d] = j + 1;
				stack[top++] = d;
				if (rem_of[d]) {
					VEC_PUSH(w->reach, n_reach, cap, rem_of[d] - 1);
					w->held[rem_of[d] - 1]++;
				}
			}
		}
	}
	w->start[p->n_vols] = n_reach;
	free(rem_of);
	free(seen);
	free(stack);
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

/* Suspended and resumed in the switch phase. */
static bool switching(const struct vmap_volplan *vp)
{
	return !vp->refused && !vp->after_migration &&
	       (vp->action == VMAP_ACT_RELOAD || vp->action == VMAP_ACT_REFRESH);
}

/* A refresh made for a volume under it that migrates waits for that
 * migration: the queue limits to follow are those of the new backing. */
static bool refresh_after_migration(const struct planner *pl, size_t vi, int depth)
{
	if (depth > 256)
		return false;
	const struct vmap_volume *vol = &pl->set->vols[vi];
	for (size_t k = 0; k < vol->n_deps; k++) {
		const struct vmap_volplan *lp = &pl->p->vols[pl->vp_of[vol->deps[k]]];
		if ((lp->action == VMAP_ACT_MIGRATE && !lp->migrating) ||
		    (lp->action == VMAP_ACT_REFRESH &&
		     refresh_after_migration(pl, vol->deps[k], depth + 1)))
			return true;
	}
	return false;
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

void plan_order_steps(struct planner *pl)
{
	struct vmap_plan *p = pl->p;
	size_t cap = 0, n = pl->set->n_vols;

	for (size_t oi = 0; oi < n; oi++) {
		size_t vi = pl->order[oi];
		struct vmap_volplan *vp = &p->vols[pl->vp_of[vi]];
		vp->after_migration = vp->action == VMAP_ACT_REFRESH && !vp->refused &&
				      refresh_after_migration(pl, vi, 0);
	}

	/* PRELOAD, lower volumes first: every volume found suspended is
	 * resumed (drift: the desired state is active), on the table it has
	 * (an inactive table someone else loaded is cleared first, or the
	 * resume would swap it in).  First, because a flush suspend above a
	 * suspended device waits for I/O that cannot complete, and a device
	 * this run reloads must be running before the run suspends it.  Then
	 * creates that stand on unchanging volumes, every new table into its
	 * inactive slot, and the recreates (last: a failed load must not have
	 * to undo them).  No device is suspended in this phase. */
	for (size_t oi = 0; oi < n; oi++) {
		size_t v = pl->vp_of[pl->order[oi]];
		const struct vmap_volplan *vp = &p->vols[v];
		if (vp->refused || vp->waiting || !vp->was_suspended)
			continue;
		if (vp->clear_inactive)
			add_step(p, &cap, VMAP_STEP_CLEAR, VMAP_PHASE_PRELOAD, v, 0);
		add_step(p, &cap, VMAP_STEP_RESUME, VMAP_PHASE_PRELOAD, v, vp->suspend_flags);
	}
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
		if (vp->action == VMAP_ACT_RELOAD ||
		    (vp->action == VMAP_ACT_REFRESH && !vp->after_migration))
			add_step(p, &cap, VMAP_STEP_LOAD, VMAP_PHASE_PRELOAD, v,
				 vp->desired.secure ? VMAP_DM_SECURE : 0);
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
		if (switching(vp))
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
		nrem += removal(&p->vols[i]);
	/* in passes over the plan's order, so ties keep it (deterministic
	 * plans); a removal is ready once no removal left reaches it */
	struct removal_waits w;
	removal_waits(p, pl->live, &w);
	bool *gone = xcalloc(p->n_vols ? p->n_vols : 1, sizeof(*gone));
	for (size_t done = 0; done < nrem;) {
		size_t before = done;
		for (size_t i = 0; i < p->n_vols; i++) {
			const struct vmap_volplan *vp = &p->vols[i];
			if (gone[i] || !removal(vp) || w.held[i])
				continue;
			gone[i] = true;
			done++;
			for (size_t k = w.start[i]; k < w.start[i + 1]; k++)
				w.held[w.reach[k]]--;
			if (vp->was_suspended)
				/* a suspended device cannot be removed cleanly */
				add_step(p, &cap, VMAP_STEP_RESUME, VMAP_PHASE_POST, i, 0);
			add_step(p, &cap, VMAP_STEP_REMOVE, VMAP_PHASE_POST, i, 0);
		}
		if (done == before)
			break;
	}
	free(gone);
	free(w.start);
	free(w.reach);
	free(w.held);

	/* MIGRATE: each migration copies, then switches its volume by itself
	 * (exec/migrate.c), lower volumes first; then the refreshes of the
	 * volumes stacked on them, as a switch of their own. */
	for (size_t oi = 0; oi < n; oi++) {
		size_t v = pl->vp_of[pl->order[oi]];
		const struct vmap_volplan *vp = &p->vols[v];
		if (!vp->refused && vp->action == VMAP_ACT_MIGRATE && !vp->migrating)
			add_step(p, &cap, VMAP_STEP_MIGRATE, VMAP_PHASE_MIGRATE, v, vp->suspend_flags);
	}
	for (size_t oi = 0; oi < n; oi++) {
		size_t v = pl->vp_of[pl->order[oi]];
		if (p->vols[v].after_migration)
			add_step(p, &cap, VMAP_STEP_LOAD, VMAP_PHASE_MIGRATE, v, 0);
	}
	for (size_t oi = n; oi-- > 0;) {
		size_t v = pl->vp_of[pl->order[oi]];
		/* one found suspended was resumed in PRELOAD */
		if (p->vols[v].after_migration)
			add_step(p, &cap, VMAP_STEP_SUSPEND, VMAP_PHASE_MIGRATE, v,
				 p->vols[v].suspend_flags);
	}
	for (size_t oi = 0; oi < n; oi++) {
		size_t v = pl->vp_of[pl->order[oi]];
		if (p->vols[v].after_migration)
			add_step(p, &cap, VMAP_STEP_RESUME, VMAP_PHASE_MIGRATE, v,
				 p->vols[v].suspend_flags);
	}
}
