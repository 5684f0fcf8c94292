/* registry.c: the list of first-class target types (see target.h). */
#include "targets/target.h"

#include <string.h>

#include "base/util.h"

extern const struct vmap_target_type vmap_tt_linear, vmap_tt_striped, vmap_tt_zero, vmap_tt_error,
	vmap_tt_crypt, vmap_tt_multipath, vmap_tt_thin_pool, vmap_tt_thin, vmap_tt_snapshot_origin,
	vmap_tt_snapshot, vmap_tt_delay, vmap_tt_flakey, vmap_tt_verity, vmap_tt_integrity,
	vmap_tt_mirror, vmap_tt_raid, vmap_tt_cache;

/* The contract's order (vmapctl-v1.md section 2): schema and docs list
 * the types in this order too. */
const struct vmap_target_type *const vmap_target_types[] = {
	&vmap_tt_linear,
	&vmap_tt_striped,
	&vmap_tt_zero,
	&vmap_tt_error,
	&vmap_tt_crypt,
	&vmap_tt_multipath,
	&vmap_tt_thin_pool,
	&vmap_tt_thin,
	&vmap_tt_snapshot_origin,
	&vmap_tt_snapshot,
	&vmap_tt_delay,
	&vmap_tt_flakey,
	&vmap_tt_verity,
	&vmap_tt_integrity,
	&vmap_tt_mirror,
	&vmap_tt_raid,
	&vmap_tt_cache,
	NULL,
};

char *vmap_target_module(const char *kernel_name)
{
	const struct vmap_target_type *tt = vmap_target_type_find(kernel_name);
	if (tt)
		return tt->module ? xstrdup(tt->module) : NULL;
	/* what the kernel's request_module("dm-TYPE") loads */
	return xasprintf("dm-%s", kernel_name);
}

const struct vmap_target_type *vmap_target_type_find(const char *name)
{
	for (const struct vmap_target_type *const *t = vmap_target_types; name && *t; t++)
		if (!strcmp((*t)->name, name))
			return *t;
	return NULL;
}
