/* common.c: see common.h. */
#include "run/common.h"

#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "dm.h"
#include "exec/journal.h"
#include "live/capture.h"
#include "live/snapshot.h"
#include "specset/ydoc_cache.h"
#include "targets/target.h"

int run_load_specs(const struct vmapctl_opts *o, struct vmap_specset *set, bool cached,
		   struct vmap_errlist *errs)
{
	struct vmap_spec_source src = o->specs;
	char *dir = cached ? ydoc_cache_dir(vmap_run_dir(o->run_dir)) : NULL;
	src.cache_dir = dir;
	int r = vmap_specset_load(set, &src, errs);
	free(dir);
	return r;
}

struct refs {
	const struct vmap_devref **v;
	size_t n, cap;
};

static void add_ref(const struct vmap_devref *ref, void *arg)
{
	struct refs *r = arg;
	/* volume references are the planner's, not the system's */
	if (ref->kind != VMAP_DEV_VOLUME)
		VEC_PUSH(r->v, r->n, r->cap, ref);
}

int run_live(const struct vmapctl_opts *o, const struct vmap_specset *set,
	     enum run_live_need need, struct vmap_live *live, struct vmap_errlist *errs)
{
	memset(live, 0, sizeof(*live));
	if (o->live_state)
		return vmap_live_read_json(live, o->live_state, errs);
	if (vmap_dm_available(errs) < 0)
		return -1;
	/* the request: every device reference and target type of the set;
	 * the references belong to the set's targets, which outlive the
	 * capture */
	struct refs refs = {0};
	const char **types = NULL;
	size_t n_types = 0, types_cap = 0;
	for (size_t i = 0; set && i < set->n_vols; i++)
		for (size_t t = 0; t < set->vols[i].n_targets; t++) {
			vmap_target_foreach_ref(&set->vols[i].targets[t], add_ref, &refs);
			VEC_PUSH(types, n_types, types_cap, set->vols[i].targets[t].kernel_name);
		}
	/* the devices in the way of a volume, or named (destroy, export),
	 * are read whoever manages them */
	const char **names = NULL;
	size_t n_names = 0, names_cap = 0;
	for (size_t i = 0; set && i < set->n_vols; i++)
		VEC_PUSH(names, n_names, names_cap, set->vols[i].name);
	for (size_t i = 0; i < o->n_names; i++)
		VEC_PUSH(names, n_names, names_cap, o->names[i]);
	struct vmap_capture_req req = {.refs = refs.v,
				       .n_refs = refs.n,
				       .types = types,
				       .n_types = n_types,
				       .names = names,
				       .n_names = n_names,
				       .full = need == RUN_LIVE_ALL,
				       .limits = need == RUN_LIVE_STATUS};
	int r = vmap_live_capture(live, &req, errs);
	free(refs.v);
	free(types);
	free(names);
	return r;
}

int run_lock(const struct vmapctl_opts *o, struct vmap_lock *lk, struct vmap_errlist *errs)
{
	return vmap_lock_acquire(lk, o->lock_file, o->lock_timeout, errs);
}
