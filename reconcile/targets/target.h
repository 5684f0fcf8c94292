/* target.h: target types, their field tables, and the normaliser.
 *
 * Each device-mapper target type vmapctl knows is one struct
 * vmap_target_type (one file per type under reconcile/targets/).  It says:
 *   - which named (camelCase) fields a spec may give, with their kinds;
 *   - how to parse the kernel's table text for that type into those fields
 *     (this reads live tables and `table:`/`raw` specs alike);
 *   - how to write the fields as the exact text the kernel reports back
 *     for that table (the normaliser).  Desired and live tables are
 *     compared on that text, which is what makes "no change" detectable.
 */
#ifndef VMAP_TARGET_H
#define VMAP_TARGET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "model/spec.h"
#include "base/util.h"

#define VMAP_FF_REQUIRED 0x1u /* the key must be present */
#define VMAP_FF_NONEMPTY 0x2u /* LIST/MAP: at least one entry */

struct vmap_field {
	const char *key;                 /* camelCase YAML key */
	enum vmap_field_kind kind;
	unsigned flags;                  /* VMAP_FF_* */
	const char *const *choices;      /* ENUM: NULL-terminated */
	const struct vmap_objtype *item; /* LIST: the items' type */
	uint64_t min, max;               /* U64/SECTORS bounds; max 0 = no bound */
	const char *doc;                 /* one line, for the schema and man page */
};

struct vmap_objtype {
	const char *name;
	const struct vmap_field *fields;
	size_t n_fields;
	const char *doc;
};

/* How table text is written. */
enum vmap_emit_mode {
	/* For loading into the kernel: real key material.  Never shown. */
	VMAP_EMIT_KERNEL,
	/* For comparison and display: key material replaced by a digest
	 * ("<key:sha256:0123abcd...>") so no secret is ever printed and a
	 * live table still compares equal to the desired one. */
	VMAP_EMIT_CANON,
};

/* What the normaliser needs from the outside world.  The resolver
 * (resolve.h) provides one backed by live state; tests provide their own. */
struct vmap_emit_ctx {
	enum vmap_emit_mode mode;
	/* Append "MAJ:MIN" for `ref`.  When it cannot be known yet (a volume
	 * that is still to be created), append a placeholder "<volume:NAME>"
	 * and set ctx->pending.  Return -1 (with an error) when it can never
	 * resolve (no such device). */
	int (*device)(struct vmap_emit_ctx *ctx, const struct vmap_devref *ref, struct sbuf *out,
		      struct vmap_errlist *errs);
	/* Size in sectors and logical block size in bytes of `ref`; -1 when
	 * unknown.  Used where the kernel fills a value in from the device. */
	int (*device_info)(struct vmap_emit_ctx *ctx, const struct vmap_devref *ref,
			   uint64_t *sectors, unsigned *lbs);
	/* Append the key as the kernel wants it in the table: lowercase hex
	 * (KERNEL mode) or its digest placeholder (CANON mode).  Only for
	 * HEX and FILE secrets; keyring references are not secret. */
	int (*secret)(struct vmap_emit_ctx *ctx, const struct vmap_secret *s, struct sbuf *out,
		      struct vmap_errlist *errs);
	void *opaque;
	bool pending;
};

#define VMAP_TT_IMMUTABLE 0x1u /* the kernel refuses another type in its place */
#define VMAP_TT_SINGLETON 0x2u /* must be the only target of its table */
#define VMAP_TT_NOFLUSH 0x4u   /* suspend policy auto means noflush */
#define VMAP_TT_SECRET 0x8u    /* carries key material: load with secure data */

struct vmap_target_type {
	const char *name;        /* the kernel's target name */
	const char *module;      /* the module that provides it, or NULL if built in */
	unsigned flags;          /* VMAP_TT_* */
	struct vmap_objtype args;
	/* The single data device for an omitted size (the rest of that
	 * device after `size_offset_key`), or NULL when size is required. */
	const char *size_device_key;
	const char *size_offset_key;
	/* Parse the argument words the kernel reports for a table line (or a
	 * user wrote in `table:`) into `out` (already vmap_obj_init'ed).
	 * Devices become MAJMIN or PATH refs, keys HEX secrets.  On bad text
	 * return -1 with a VMAP_E_SPEC error at `loc`. */
	int (*parse)(char *const *words, size_t n, struct vmap_obj *out, const struct vmap_loc *loc,
		     struct vmap_errlist *errs);
	/* Append the exact argument text the kernel reports for `o` (no type
	 * name, no start/length).  Return -1 with an error when `o` cannot be
	 * expressed (a cross-field rule the field table cannot say). */
	int (*emit)(const struct vmap_obj *o, struct vmap_emit_ctx *ctx, struct sbuf *out,
		    struct vmap_errlist *errs);
	/* Checks across fields (and against the target's size) after the YAML
	 * reader filled t->args; append VMAP_E_SPEC errors at the offending
	 * value's location and return -1.  May be NULL.  t->size is 0 while
	 * t->size_auto is unresolved. */
	int (*validate)(const struct vmap_target *t, const char *volume, struct vmap_errlist *errs);
	/* True when a table with this target makes the device request-based
	 * (multipath unless queueMode is bio); NULL means never. */
	bool (*request_based)(const struct vmap_obj *o);
};

/* Every first-class type, NULL-terminated, in the contract's order. */
extern const struct vmap_target_type *const vmap_target_types[];
/* `raw`: any kernel target, arguments verbatim (paths resolved). */
extern const struct vmap_target_type vmap_tt_raw;

/* The first-class type with kernel name `name`, or NULL. */
const struct vmap_target_type *vmap_target_type_find(const char *name);

/* The exact argument text the kernel will report for target `t`.
 * raw/table: targets of a known type are parsed and normalised like typed
 * ones; unknown types get their paths resolved and blanks collapsed. */
int vmap_target_emit(const struct vmap_target *t, struct vmap_emit_ctx *ctx, struct sbuf *out,
		     struct vmap_errlist *errs);

/* Canonical form of a table line read from the kernel (`type` and its
 * `params`): parse and re-emit for known types, collapse blanks
 * otherwise.  Emitting in CANON mode hides keys. */
int vmap_canon_live_params(const char *type, const char *params, struct vmap_emit_ctx *ctx,
			   struct sbuf *out, struct vmap_errlist *errs);

/* Call `fn` for every device reference in `o`, depth first, in field order. */
void vmap_obj_foreach_device(const struct vmap_obj *o,
			     void (*fn)(const struct vmap_devref *ref, void *arg), void *arg);

#endif
