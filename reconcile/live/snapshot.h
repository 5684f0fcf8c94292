/* snapshot.h: struct vmap_live as a JSON snapshot, and back.
 *
 * `vmapctl status --live-state-out FILE` writes one; `vmapctl plan
 * --live-state FILE` plans against it, so a change can be planned away
 * from the machine (and the planner tested without a kernel).  The format
 * ("format": "vmapctl-live/1") is documented in docs/live-state.md.
 * Everything in struct vmap_live round-trips exactly, and writing is
 * deterministic: write, read, write gives the same bytes.  Table params
 * are CANON text, so a snapshot holds no key material. */
#ifndef VMAP_LIVE_JSON_H
#define VMAP_LIVE_JSON_H

#include <stddef.h>
#include <stdio.h>

#include "base/error.h"
#include "model/live.h"

#define VMAP_LIVE_FORMAT "vmapctl-live/1"

/* The snapshot as text (pretty-printed, ending in a newline). */
char *vmap_live_to_json(const struct vmap_live *l);

/* Write the snapshot to `f`; -1 with an error when the write fails. */
int vmap_live_write_json(const struct vmap_live *l, FILE *f, struct vmap_errlist *errs);

/* Parse a snapshot from `text` (`len` bytes) into `l` (zero-initialised
 * by the caller; free with vmap_live_free).  `name` is the file name the
 * errors start with.  Types and ranges are checked and unknown keys are
 * refused; on any problem: -1, one error (kind VMAP_E_SPEC, "NAME:LINE:COL:
 * invalid JSON: ..." or "NAME: devices[2].live[0].len: ..."), `l` empty. */
int vmap_live_from_json(struct vmap_live *l, const char *text, size_t len, const char *name,
			struct vmap_errlist *errs);

/* vmap_live_from_json on the contents of `path` ("-" for stdin). */
int vmap_live_read_json(struct vmap_live *l, const char *path, struct vmap_errlist *errs);

#endif
