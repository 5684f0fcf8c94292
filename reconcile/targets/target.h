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
#include "model/live.h"
#include "model/secret.h"
#include "model/spec.h"
#include "base/util.h"



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
	/* The line of the device's live table at the same place (same start,
	 * length and kernel type), or NULL: for what the device itself
	 * decides whatever the table says (an integrity superblock's layout)
	 * and for words the kernel echoes in the order they were loaded
	 * (cache features), so a spec that matches the device plans no
	 * change. */
	const struct vmap_table_line *live;
	void *opaque;
	bool pending;
};

/* ---- data identity (contract 5.9) ----
 *
 * What each sector of a target shows, as pieces laid back to back.  A
 * piece of DATA shows, at its sector i, the data at position pos + i of
 * any of its `at` places (several: the in-sync legs of a mirror); two
 * sectors show the same data when they share a place key at the same
 * position.  NONE shows no data (zero, error); UNKNOWN: the type cannot
 * tell, and the range counts as remapped.  `tune` is what only tunes
 * (features, selectors, delays): the same data with another tune is
 * "tuned", not "kept". */
enum vmap_piece_kind { VMAP_PIECE_DATA, VMAP_PIECE_NONE, VMAP_PIECE_UNKNOWN };

struct vmap_place {
	char *key;       /* "dev:7:0", "lun:<wwn>", "volume:NAME", "crypt(...)"... */
	uint64_t pos;    /* position of the piece's first sector in it */
};

struct vmap_piece {
	uint64_t len;
	enum vmap_piece_kind kind;
	struct vmap_place *at;
	size_t n_at;
	char *tune;      /* "" when nothing tunes it */
	char *label;     /* for people: "linear 7:0" (its first place; the planner
			  * adds the position) */
};

struct vmap_pieces {
	struct vmap_piece *v;
	size_t n, cap;
	size_t limit;    /* at most this many pieces: the rest is one UNKNOWN */
};

/* What identity needs from the outside world (plan/classify.c provides
 * one for live and one for desired targets). */
struct vmap_ident_ctx {
	/* The place key of the device `ref` names: "volume:NAME" for a volume
	 * of the set or a managed device, "lun:ID" for a path of a LUN whose
	 * udev ID_WWN or ID_SERIAL is known, else "dev:MAJ:MIN"; allocated,
	 * NULL when it cannot be known. */
	char *(*device)(struct vmap_ident_ctx *ctx, const struct vmap_devref *ref);
	/* The target's status line (live targets of the types that need it:
	 * raid, mirror, cache), or NULL. */
	const char *status;
	bool live;       /* the old side (what the kernel has now) */
	void *opaque;
};

/* Append a piece (the strings are copied; `at` keys too). */
void vmap_pieces_add(struct vmap_pieces *p, uint64_t len, enum vmap_piece_kind kind,
		     const struct vmap_place *at, size_t n_at, const char *tune, const char *label);
void vmap_pieces_free(struct vmap_pieces *p);

/* The pieces of [rel, rel + len) of target `t`: its type's identity hook,
 * UNKNOWN for opaque targets and types without one. */
void vmap_target_identity(const struct vmap_target *t, struct vmap_ident_ctx *ctx, uint64_t rel,
			  uint64_t len, struct vmap_pieces *out);

#define VMAP_TT_IMMUTABLE 0x1u /* the kernel refuses another type in its place */
#define VMAP_TT_SINGLETON 0x2u /* must be the only target of its table */
#define VMAP_TT_NOFLUSH 0x4u   /* suspend policy auto means noflush */
#define VMAP_TT_SECRET 0x8u    /* carries key material: load with secure data */
#define VMAP_TT_DM_INIT 0x10u  /* the kernel creates it from dm-mod.create= at boot */
#define VMAP_TT_READONLY 0x20u /* the kernel takes it only in a read-only device */
/* the kernel takes it in a bio-based and a request-based device alike (its
 * wildcard, error): a table of it alone cannot tell the device's kind */
#define VMAP_TT_ANY_QUEUE 0x40u

/* Does `ref` name the device in question?  (extents, below) */
typedef bool (*vmap_ref_match)(const struct vmap_devref *ref, void *arg);

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
	/* Where the kernel reports a value in other units than it was loaded
	 * with (raid: max_write_behind at half), put the reported words back
	 * into load units before `parse`.  NULL: reported as loaded. */
	void (*live_to_load)(char **w, size_t n);
	/* Key material in kernel text, for text the parser cannot read (a
	 * newer kernel): how many leading bytes of word `i` to keep, the rest
	 * being a key to hide; -1 when word `i` holds none.  NULL: no keys. */
	long (*key_prefix)(size_t i, const char *w, size_t len);
	/* How far a target of this type, `len` sectors long, maps onto the
	 * device `match` accepts: the end (exclusive, in that device's
	 * sectors), 0 when it does not use it, -1 when vmapctl cannot tell.
	 * NULL: single-device types map [offset, offset + len) of their
	 * size_device_key device; any other use cannot be told. */
	int64_t (*extent)(const struct vmap_obj *o, uint64_t len, vmap_ref_match match, void *arg);
	/* With VMAP_TT_DM_INIT: why these arguments cannot be created from
	 * dm-mod.create= (a key in the keyring, which is empty that early),
	 * or NULL.  NULL hook: no such limits. */
	const char *(*dm_init_problem)(const struct vmap_obj *o);
	/* Data identity (above): the pieces of [rel, rel + len) of a target
	 * of this type with arguments `o`.  NULL: UNKNOWN. */
	void (*identity)(const struct vmap_obj *o, struct vmap_ident_ctx *ctx, uint64_t rel,
			 uint64_t len, struct vmap_pieces *out);
	/* Whether the live status line of this type is needed for identity
	 * (capture reads it only for such types). */
	bool identity_status;
	/* Kernel modules these arguments load on demand besides the type's
	 * own (path selectors, cache policies, RAID personalities): `add`
	 * each by the name modprobe takes.  NULL: none. */
	void (*extra_modules)(const struct vmap_obj *o, void (*add)(const char *mod, void *arg),
			      void *arg);
};

/* Every first-class type, NULL-terminated, in the contract's order. */
extern const struct vmap_target_type *const vmap_target_types[];
/* `raw`: any kernel target, arguments verbatim (paths resolved). */
extern const struct vmap_target_type vmap_tt_raw;

/* The kernel module that provides target type `kernel_name` (allocated),
 * or NULL when it is built into dm-mod (linear, striped, error). */
char *vmap_target_module(const char *kernel_name);

/* The first-class type with kernel name `name`, or NULL. */
const struct vmap_target_type *vmap_target_type_find(const char *name);

/* Read the argument text of a target of kernel type `kernel_name` into
 * `t` (zeroed): a type vmapctl knows is parsed into t->args with its own
 * parser (t->tt is that type), any other keeps its words in t->opaque,
 * with the /dev paths and MAJ:MIN among them as device references
 * (t->tt is the raw type).  This is the one place table text becomes
 * targets: `table:` lines, `raw` targets and live table lines.  `live`:
 * the text is what the kernel reported (see live_to_load).  Sets
 * t->kernel_name, t->form and the locations; start and size are the
 * caller's.  On text the type's parser refuses: -1 with a VMAP_E_SPEC
 * error at `loc` (which may be NULL), t left freeable. */
int vmap_target_read_text(struct vmap_target *t, const char *kernel_name, const char *text,
			  enum vmap_target_form form, const struct vmap_loc *loc,
			  struct vmap_errlist *errs);

/* Read text as an opaque target whatever its type: for live text of a
 * known type that its parser does not take (a newer kernel). */
void vmap_target_read_opaque(struct vmap_target *t, const char *kernel_name, const char *text,
			     enum vmap_target_form form, const struct vmap_loc *loc);

/* The exact argument text the kernel will report for target `t`: the
 * type's emitter, or an opaque target's words with its device references
 * resolved through ctx. */
int vmap_target_emit(const struct vmap_target *t, struct vmap_emit_ctx *ctx, struct sbuf *out,
		     struct vmap_errlist *errs);

/* Call `fn` for every device reference of `t`: its typed device fields,
 * or the references found in an opaque target's text.  The references
 * belong to `t` and live as long as it does. */
void vmap_target_foreach_ref(const struct vmap_target *t,
			     void (*fn)(const struct vmap_devref *ref, void *arg), void *arg);

/* What a live table line tells of its device's kind: 1 request-based
 * (the type's request_based hook says so), 0 bio-based, -1 it cannot
 * tell (an opaque target, or a VMAP_TT_ANY_QUEUE type).  A device is
 * request-based when one of its lines says 1, bio-based when one says 0
 * (the kernel takes no mix). */
int vmap_target_request_based(const struct vmap_target *t);

/* Replace every key in `t`'s arguments by its digest placeholder, wiping
 * the key: what a live table keeps once it is read (no key material
 * outlives the capture). */
void vmap_target_hide_keys(struct vmap_target *t);

/* How far `t` (of length `len`) maps onto the device `match` accepts:
 * the end, 0 when it does not use it, -1 when vmapctl cannot tell. */
int64_t vmap_target_extent(const struct vmap_target *t, uint64_t len, vmap_ref_match match,
			   void *arg);


#endif
