/* common.h: helpers shared by the target type files. */
#ifndef VMAP_TARGETS_COMMON_H
#define VMAP_TARGETS_COMMON_H

#include "target.h"

#define NFIELDS(a) (sizeof(a) / sizeof((a)[0]))

/* Parsing kernel text: word `w` as a device (MAJ:MIN or a path) into the
 * DEVICE field `key` of `o`. */
int tparse_device(struct vmap_obj *o, const char *key, const char *w, const struct vmap_loc *loc,
		  struct vmap_errlist *errs);
/* Word `w` as an unsigned integer into the U64/SECTORS/BOOL field `key`. */
int tparse_u64(struct vmap_obj *o, const char *key, const char *w, const struct vmap_loc *loc,
	       struct vmap_errlist *errs);
/* Word `w` verbatim into the STRING/ENUM/HEX field `key`. */
void tparse_str(struct vmap_obj *o, const char *key, const char *w, const struct vmap_loc *loc);
/* The same for an item object being built (LIST fields). */
struct vmap_obj *tparse_add_item(struct vmap_obj *o, const char *key, const struct vmap_loc *loc);
/* An error about kernel-text arguments of target `type`. */
int tparse_fail(struct vmap_errlist *errs, const struct vmap_loc *loc, const char *type,
		const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Need at least `need` words from index `i` of `n`. */
int tparse_need(size_t i, size_t need, size_t n, struct vmap_errlist *errs,
		const struct vmap_loc *loc, const char *type);

/* Emitting: the device in DEVICE field `key` as MAJ:MIN (through ctx). */
int temit_device(const struct vmap_obj *o, const char *key, struct vmap_emit_ctx *ctx,
		 struct sbuf *out, struct vmap_errlist *errs);

#endif
