/* extent.h: how far a table maps onto one of its devices (the shrink gate:
 * a volume may not shrink below what a volume stacked on it still uses). */
#ifndef VMAP_EXTENT_H
#define VMAP_EXTENT_H

#include <stdbool.h>
#include <stdint.h>

#include "model/spec.h"
#include "targets/target.h"

/* Does `ref` name the device in question? */
typedef bool (*vmap_ref_match)(const struct vmap_devref *ref, void *arg);

/* The end (exclusive, in sectors of the device) of what a target of type
 * `tt` with arguments `o` and length `len` maps on the matching device:
 * 0 if it does not use it; -1 if vmapctl cannot tell (types whose layout
 * on their devices is not a plain range: pools, caches, raid...). */
int64_t vmap_obj_extent(const struct vmap_target_type *tt, const struct vmap_obj *o,
			uint64_t len, vmap_ref_match match, void *arg);

/* The same for a table line given as type + argument text. */
int64_t vmap_text_extent(const char *type, const char *params, uint64_t len,
			 vmap_ref_match match, void *arg);

#endif
