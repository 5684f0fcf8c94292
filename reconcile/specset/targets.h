/* targets.h: a volume's targets, from `targets:` or `table:`
 * (targets.c). */
#ifndef VMAP_SPECSET_TARGETS_H
#define VMAP_SPECSET_TARGETS_H

#include "specset/diag.h"

/* Targets of a volume. */
void spec_build_targets(struct spec_build *b, struct vmap_volume *v, const struct ynode *list);
void spec_build_table(struct spec_build *b, struct vmap_volume *v, const struct ynode *text);
/* A kernel target name: what the kernel takes (1..15 of [A-Za-z0-9_-]). */
bool spec_kernel_name_valid(const char *s);

#endif
