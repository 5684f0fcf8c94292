/* common.h: helpers shared by the target type files. */
#ifndef VMAP_TARGETS_COMMON_H
#define VMAP_TARGETS_COMMON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "targets/target.h"

#define NFIELDS(a) (sizeof(a) / sizeof((a)[0]))
#define ULL(x) ((unsigned long long)(x))

/* ---- parsing kernel text ---- */

/* Word `w` as a device (MAJ:MIN or a path) into the DEVICE field `key` of `o`. */
int tparse_device(struct vmap_obj *o, const char *key, const char *w, const struct vmap_loc *loc,
		  struct vmap_errlist *errs);
/* Word `w` as an unsigned integer into the U64/SECTORS/BOOL field `key`. */
int tparse_u64(struct vmap_obj *o, const char *key, const char *w, const struct vmap_loc *loc,
	       struct vmap_errlist *errs);
/* Word `w` verbatim into the STRING/ENUM/HEX field `key`. */
void tparse_str(struct vmap_obj *o, const char *key, const char *w, const struct vmap_loc *loc);
/* The BOOL field `key` set to true (a feature word was present). */
void tparse_flag(struct vmap_obj *o, const char *key, const struct vmap_loc *loc);
/* Word `w` as a key written in hex (or a digest placeholder from CANON
 * text) into the SECRET field `key`. */
void tparse_hex_secret(struct vmap_obj *o, const char *key, const char *w,
		       const struct vmap_loc *loc);
/* A new item appended to the LIST field `key`. */
struct vmap_obj *tparse_add_item(struct vmap_obj *o, const char *key, const struct vmap_loc *loc);
/* An error about kernel-text arguments of target `type`. */
int tparse_fail(struct vmap_errlist *errs, const struct vmap_loc *loc, const char *type,
		const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Need at least `need` words from index `i` of `n`. */
int tparse_need(size_t i, size_t need, size_t n, struct vmap_errlist *errs,
		const struct vmap_loc *loc, const char *type);
/* A group count at w[*i] (at most `max`) that that many words follow;
 * *i moves past the count word.  `what` names the group in errors. */
int tparse_count(char *const *w, size_t n, size_t *i, uint64_t max, size_t *count,
		 const char *what, const struct vmap_loc *loc, const char *type,
		 struct vmap_errlist *errs);
/* Word `w` is `name`, ignoring case (the kernel compares feature words
 * with strcasecmp). */
bool tword_is(const char *w, const char *name);
/* Word `w` starts with `prefix` (ignoring case); returns what follows or NULL. */
const char *tword_after(const char *w, const char *prefix);

/* ---- emitting ---- */

/* The device in DEVICE field `key` as MAJ:MIN (through ctx). */
int temit_device(const struct vmap_obj *o, const char *key, struct vmap_emit_ctx *ctx,
		 struct sbuf *out, struct vmap_errlist *errs);
/* The key in SECRET field `key`, hex or digest by ctx->mode (through ctx). */
int temit_secret(const struct vmap_obj *o, const char *key, struct vmap_emit_ctx *ctx,
		 struct sbuf *out, struct vmap_errlist *errs);
/* `hex` in lowercase, as the kernel prints digests and salts. */
void temit_hex_lower(const char *hex, struct sbuf *out);
/* A required field that is missing when emitting (an object built in code
 * or a spec the validator did not see). */
int temit_missing(const struct vmap_obj *o, const char *key, const char *type,
		  struct vmap_errlist *errs);

/* ---- validating ---- */

/* Where field `key` was written, or the object's own location. */
const struct vmap_loc *tloc(const struct vmap_obj *o, const char *key);
/* A VMAP_E_SPEC error at field `key` of the target's arguments. */
int tinvalid(const struct vmap_target *t, const char *key, const char *volume,
	     struct vmap_errlist *errs, const char *fmt, ...) __attribute__((format(printf, 5, 6)));
bool tis_pow2(uint64_t v);
/* floor(log2(v)) for v > 0 (the kernel's __fls). */
unsigned tlog2(uint64_t v);

/* ---- data identity (ident.c) ---- */

/* The place key of the DEVICE field `key` (ctx->device), or NULL. */
char *tident_device(struct vmap_ident_ctx *ctx, const struct vmap_obj *o, const char *key);
/* A piece the type cannot tell about, one with no data (zero, error). */
void tident_unknown(struct vmap_pieces *out, uint64_t len, const char *why);
void tident_none(struct vmap_pieces *out, uint64_t len, const char *type);
/* A piece of data at position `pos` of place `key` (taken and freed; NULL:
 * UNKNOWN), with `tune`; labelled "TYPE KEY". */
void tident_at(struct vmap_pieces *out, uint64_t len, const char *type, char *key, uint64_t pos,
	       const char *tune);
/* Append "key=value;" of field `key` to `tune` (nothing when unset). */
void tident_tune_field(struct sbuf *tune, const struct vmap_obj *o, const char *key);

#endif
