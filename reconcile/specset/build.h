/* build.h: a YAML document -> volumes of the spec set (build.c). */
#ifndef VMAP_SPECSET_BUILD_H
#define VMAP_SPECSET_BUILD_H

#include "specset/diag.h"

/* Parse and build one file's text (already read). */
void spec_build_text(struct spec_build *b, const char *file, const char *data, size_t len);
/* Cross-file checks; sort our errors by file and position; on any error
 * free the set.  Returns 0 or -1. */
int spec_build_finish(struct spec_build *b);

#endif
