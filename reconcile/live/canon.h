/* canon.h: table lines read from the kernel (or a snapshot) into their
 * canonical form.
 *
 * A live table line is read into a target once (targets/text.c): typed
 * arguments for the types vmapctl knows, so the planner, export and the
 * shrink gate work on fields, not text.  Its params become the canonical
 * text the type's emitter writes, which is what desired tables are
 * compared with.  Key material never survives: keys become digests in
 * both, and the raw text is wiped. */
#ifndef VMAP_LIVE_CANON_H
#define VMAP_LIVE_CANON_H

#include "model/live.h"

/* l->params as the kernel reported them (may hold keys): read into
 * l->target, replaced by the canonical text.  Text the type's parser does
 * not take (a kernel newer than vmapctl) stays as words, blanks collapsed,
 * with the words that hold keys (the type's key_prefix) as digests. */
void vmap_live_line_canon(struct vmap_table_line *l);

/* l->params canonical already (a snapshot): read into l->target. */
void vmap_live_line_read(struct vmap_table_line *l);

#endif
