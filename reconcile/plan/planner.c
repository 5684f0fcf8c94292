/* planner.c: helpers of the planner's files (see planner.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "plan/planner.h"
#include "targets/target.h"

/* Reasons and notes are few per volume: grow one at a time. */
void plan_strv_push(char ***v, size_t *n, char *s)
{
	*v = xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[(*n)++] = s;
}

void plan_add_why(struct vmap_volplan *vp, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = xvasprintf(fmt, ap);
	va_end(ap);
	plan_strv_push(&vp->why, &vp->n_why, s);
}

void plan_add_note(struct vmap_volplan *vp, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = xvasprintf(fmt, ap);
	va_end(ap);
	plan_strv_push(&vp->notes, &vp->n_notes, s);
}

void plan_refuse(struct planner *pl, struct vmap_volplan *vp, enum vmap_errkind kind,
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

uint64_t plan_table_size(const struct vmap_table *t)
{
	return t->n ? t->lines[t->n - 1].start + t->lines[t->n - 1].len : 0;
}

unsigned plan_type_flags(const char *type)
{
	const struct vmap_target_type *tt = vmap_target_type_find(type);
	return tt ? tt->flags : 0;
}

bool plan_live_has_flag(const struct vmap_table *t, unsigned flag)
{
	for (size_t i = 0; i < t->n; i++)
		if (plan_type_flags(t->lines[i].type) & flag)
			return true;
	return false;
}
