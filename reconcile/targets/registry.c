/* registry.c: the list of first-class target types (see target.h). */
#include "target.h"

extern const struct vmap_target_type vmap_tt_linear, vmap_tt_striped, vmap_tt_zero, vmap_tt_error;

const struct vmap_target_type *const vmap_target_types[] = {
	&vmap_tt_linear,
	&vmap_tt_striped,
	&vmap_tt_zero,
	&vmap_tt_error,
	NULL,
};
