/* refs.h: checks across the whole spec set (refs.c). */
#ifndef VMAP_SPECSET_REFS_H
#define VMAP_SPECSET_REFS_H

#include "specset/diag.h"

/* Duplicate names and uuids, references to volumes that are not in the
 * set, reference cycles; keeps each volume's dependencies and the set's
 * name index.  Then the errors of this load, sorted by file and place. */
void spec_check_set(struct spec_build *b);
void spec_sort_errors(struct spec_build *b);

#endif
