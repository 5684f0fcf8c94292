/* limits.c: see limits.h. */
#include "plan/limits.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"

__attribute__((format(printf, 2, 3)))
static void stale_add(struct vmap_stale *s, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *m = xvasprintf(fmt, ap);
	va_end(ap);
	s->why = xrealloc(s->why, (s->n + 1) * sizeof(char *));
	s->why[s->n++] = m;
}

void vmap_stale_limits(const struct vmap_live *live, const struct vmap_dmdev *d,
		       struct vmap_stale *s)
{
	memset(s, 0, sizeof(*s));
	if (!d->live_table || !d->n_deps)
		return;
	unsigned max_lbs = 0, max_pbs = 0, min_sectors_kb = 0, min_hw_kb = 0, min_segs = 0;
	for (size_t i = 0; i < d->n_deps; i++) {
		const struct vmap_blockdev *b = vmap_live_find_blockdev(live, d->dep_major[i],
									 d->dep_minor[i]);
		if (!b)
			continue;
		const struct vmap_limits *l = &b->limits;
		if (l->logical_block_size > max_lbs)
			max_lbs = l->logical_block_size;
		if (l->physical_block_size > max_pbs)
			max_pbs = l->physical_block_size;
		if (l->max_sectors_kb && (!min_sectors_kb || l->max_sectors_kb < min_sectors_kb))
			min_sectors_kb = l->max_sectors_kb;
		if (l->max_hw_sectors_kb && (!min_hw_kb || l->max_hw_sectors_kb < min_hw_kb))
			min_hw_kb = l->max_hw_sectors_kb;
		if (l->max_segments && (!min_segs || l->max_segments < min_segs))
			min_segs = l->max_segments;
	}
	const struct vmap_limits *m = &d->limits;
	if (m->logical_block_size && m->logical_block_size < max_lbs)
		stale_add(s, "logical block size %u is smaller than its devices' %u",
			  m->logical_block_size, max_lbs);
	if (m->physical_block_size && m->physical_block_size < max_pbs)
		stale_add(s, "physical block size %u is smaller than its devices' %u",
			  m->physical_block_size, max_pbs);
	if (min_hw_kb && m->max_hw_sectors_kb > min_hw_kb)
		stale_add(s, "max_hw_sectors_kb %u is larger than its devices' %u",
			  m->max_hw_sectors_kb, min_hw_kb);
	if (min_sectors_kb && m->max_sectors_kb > min_sectors_kb)
		stale_add(s, "max_sectors_kb %u is larger than its devices' %u", m->max_sectors_kb,
			  min_sectors_kb);
	if (min_segs && m->max_segments > min_segs)
		stale_add(s, "max_segments %u is larger than its devices' %u", m->max_segments,
			  min_segs);
}

void vmap_stale_free(struct vmap_stale *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->why[i]);
	free(s->why);
	memset(s, 0, sizeof(*s));
}
