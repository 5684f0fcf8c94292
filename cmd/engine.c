/* engine.c: see engine.h. */
#include "engine.h"

#include <stdlib.h>
#include <string.h>

#include "dm.h"
#include "live/snapshot.h"
#include "live/capture.h"
#include "exec/lock.h"
#include "base/util.h"

int engine_load_specs(const struct vmap_cli *cli, struct vmap_specset *set,
		      struct vmap_errlist *errs)
{
	return vmap_specset_load(set, cli->files, cli->n_files, errs);
}

struct refs {
	const struct vmap_devref **v;
	size_t n, cap;
};

static void add_ref(const struct vmap_devref *ref, void *arg)
{
	struct refs *r = arg;
	if (ref->kind == VMAP_DEV_VOLUME)
		return;
	VEC_PUSH(r->v, r->n, r->cap, ref);
}

int engine_live(const struct vmap_cli *cli, const struct vmap_specset *set, bool dm_limits,
		struct vmap_live *live, struct vmap_errlist *errs)
{
	memset(live, 0, sizeof(*live));
	if (cli->live_state)
		return vmap_live_read_json(live, cli->live_state, errs);
	if (vmap_dm_available(errs) < 0)
		return -1;

	/* raw/table: targets hold devices in their text, which the planner
	 * parses; the request carries every reference and type of the set */
	struct refs refs = {0};
	const char **types = NULL;
	size_t n_types = 0, types_cap = 0;
	if (set) {
		vmap_specset_foreach_ref(set, add_ref, &refs);
		for (size_t i = 0; i < set->n_vols; i++)
			for (size_t t = 0; t < set->vols[i].n_targets; t++)
				VEC_PUSH(types, n_types, types_cap, set->vols[i].targets[t].kernel_name);
	}
	struct vmap_capture_req req = {refs.v, refs.n, types, n_types, dm_limits};
	int r = vmap_live_capture(live, &req, errs);
	free(refs.v);
	free(types);
	return r;
}

/* One lock per process is all vmapctl ever needs. */
static struct vmap_lock the_lock = {.fd = -1};

int engine_lock(const struct vmap_cli *cli, struct vmap_errlist *errs)
{
	if (vmap_lock_acquire(&the_lock, cli->lock_timeout, errs) < 0)
		return -1;
	return 0;
}

void engine_unlock(int handle)
{
	(void)handle;
	vmap_lock_release(&the_lock);
}
