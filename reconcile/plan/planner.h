/* planner.h: the state of one planning run, shared by the planner's files
 * (planner.c holds its helpers):
 *
 *   plan.c     vmap_plan_make: the run, from spec set and live state to a plan
 *   decide.c   what happens to each volume, lowest first; refreshes; removals
 *   identity.c what a new table does to the data a volume shows
 *   gates.c    what is refused: remap, recreate, shrink, unknown types
 *   migrate.c  which remaps can move their data instead (contract 5.10)
 *   order.c    the stack order, and the steps in their phases
 *
 * Not an interface for the rest of vmapctl: use plan.h. */
#ifndef VMAP_PLAN_PLANNER_H
#define VMAP_PLAN_PLANNER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "plan/plan.h"

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

/* Reasons and notes for the user (one sentence each). */
void plan_add_why(struct vmap_volplan *vp, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void plan_add_note(struct vmap_volplan *vp, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void plan_strv_push(char ***v, size_t *n, char *s);
/* Refuse volume `vp` with an error of `kind` at its spec location. */
void plan_refuse(struct planner *pl, struct vmap_volplan *vp, enum vmap_errkind kind,
		 const char *fmt, ...) __attribute__((format(printf, 4, 5)));

uint64_t plan_table_size(const struct vmap_table *t);
/* VMAP_TT_* flags of the kernel target type `type` (0 when vmapctl does
 * not know it). */
unsigned plan_type_flags(const char *type);
bool plan_live_has_flag(const struct vmap_table *t, unsigned flag);

/* decide.c */
void plan_decide_volume(struct planner *pl, size_t vi);
void plan_propagate_refresh(struct planner *pl);
void plan_removals(struct planner *pl);
void plan_decide_suspend(struct vmap_volplan *vp);
/* identity.c: what the new table does to the data of an existing
 * volume (vp->ranges), and the risk of a volume's pending change */
void plan_classify_volume(struct planner *pl, size_t vi, const struct vmap_resolve_env *env);
void plan_decide_risk(struct vmap_volplan *vp);
/* The pieces of set volume vi's live table (desired: its new table),
 * back to back from sector 0, with the same place keys the classifier
 * uses on each side. */
void plan_table_pieces(struct planner *pl, size_t vi, bool desired, struct vmap_pieces *out);
/* migrate.c: a remapped volume whose data can move (contract 5.10)
 * becomes `migrate`, else it is refused saying why; a volume whose
 * migration is under way is recognised by its live table. */
void plan_migrate_or_refuse(struct planner *pl, struct vmap_volplan *vp);
bool plan_migration_under_way(struct planner *pl, struct vmap_volplan *vp);
/* gates.c */
void plan_check_gates(struct planner *pl);
/* order.c: lower volumes before the volumes stacked on them (-1 on a
 * cycle); the steps of a plan that has no refused volume. */
int plan_stack_order(const struct vmap_specset *set, size_t *order);
void plan_order_steps(struct planner *pl);

#endif
