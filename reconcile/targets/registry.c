/* registry.c: the list of first-class target types (see target.h). */
#include "target.h"

const struct vmap_target_type *const vmap_target_types[] = {
	NULL,
};
