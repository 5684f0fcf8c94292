/* snapshot.c: `snapshot-origin <dev>` and `snapshot <origin> <cow> <P|PO|N>
 * <chunk size> [<#feat> <feat>...]`.
 *
 * The kernel reports the store type in capitals and the features in its
 * own order.  A persistent store that was written before keeps the chunk
 * size on disk: the kernel then reports that one, whatever was asked. */
#include "targets/common.h"

#include <string.h>

static const struct vmap_field origin_fields[] = {
	{.key = "device", .kind = VMAP_F_DEVICE, .flags = VMAP_FF_REQUIRED,
	 .doc = "the device that is snapshotted (writes to it are copied to every snapshot first)"},
};

static int origin_parse(char *const *w, size_t n, struct vmap_obj *o, const struct vmap_loc *loc,
			struct vmap_errlist *errs)
{
	if (n != 1)
		return tparse_fail(errs, loc, "snapshot-origin", "takes 1 argument (device), not %zu", n);
	return tparse_device(o, "device", w[0], loc, errs);
}

static int origin_emit(const struct vmap_obj *o, struct vmap_emit_ctx *ctx, struct sbuf *out,
		       struct vmap_errlist *errs)
{
	return temit_device(o, "device", ctx, out, errs);
}

/* The origin's sectors, unchanged (copies go to its snapshots). */
static void origin_identity(const struct vmap_obj *o, struct vmap_ident_ctx *ctx, uint64_t rel,
			    uint64_t len, struct vmap_pieces *out)
{
	tident_at(out, len, "snapshot-origin", tident_device(ctx, o, "device"), rel, "");
}

const struct vmap_target_type vmap_tt_snapshot_origin = {
	.name = "snapshot-origin",
	.module = "dm-snapshot",
	.flags = VMAP_TT_DM_INIT,
	.args = {"snapshot-origin", origin_fields, NFIELDS(origin_fields),
		 "the origin of snapshots: the device itself, with copy-on-write to its snapshots"},
	.size_device_key = "device",
	.parse = origin_parse,
	.emit = origin_emit,
	.identity = origin_identity,
};

static const char *const stores[] = {"P", "PO", "N", NULL};

static const struct vmap_field snap_fields[] = {
	{.key = "origin", .kind = VMAP_F_DEVICE, .flags = VMAP_FF_REQUIRED,
	 .doc = "the snapshotted device (the one under the snapshot-origin)"},
	{.key = "cow", .kind = VMAP_F_DEVICE, .flags = VMAP_FF_REQUIRED,
	 .doc = "the exception store: where changed chunks go"},
	{.key = "persistent", .kind = VMAP_F_ENUM, .flags = VMAP_FF_REQUIRED, .choices = stores,
	 .doc = "P: persistent, PO: persistent with overflow, N: transient (lost at deactivation)"},
	{.key = "chunkSize", .kind = VMAP_F_SECTORS, .flags = VMAP_FF_REQUIRED, .min = 1,
	 .doc = "copy-on-write unit, a power of two (a persistent store keeps the size it was made with)"},
	{.key = "discardZeroesCow", .kind = VMAP_F_BOOL,
	 .doc = "a discard of a whole chunk drops its exception (discard_zeroes_cow)"},
	{.key = "discardPassdownOrigin", .kind = VMAP_F_BOOL,
	 .doc = "pass discards on to the origin too (discard_passdown_origin; needs discardZeroesCow)"},
};

static int snap_parse(char *const *w, size_t n, struct vmap_obj *o, const struct vmap_loc *loc,
		      struct vmap_errlist *errs)
{
	if (n < 4)
		return tparse_fail(errs, loc, "snapshot",
				   "takes at least 4 arguments (origin cow P|PO|N chunk_size), not %zu", n);
	if (tparse_device(o, "origin", w[0], loc, errs) < 0 ||
	    tparse_device(o, "cow", w[1], loc, errs) < 0)
		return -1;
	size_t k;
	for (k = 0; stores[k] && !tword_is(w[2], stores[k]); k++)
		;
	if (!stores[k])
		return tparse_fail(errs, loc, "snapshot", "'%s' is not a store type (P, PO or N)", w[2]);
	tparse_str(o, "persistent", stores[k], loc);
	if (tparse_u64(o, "chunkSize", w[3], loc, errs) < 0)
		return -1;
	size_t i = 4, count = 0;
	if (i < n && tparse_count(w, n, &i, 2, &count, "features", loc, "snapshot", errs) < 0)
		return -1;
	if (i + count != n)
		return tparse_fail(errs, loc, "snapshot", "%zu words after the features", n - i - count);
	for (size_t f = 0; f < count; f++) {
		if (tword_is(w[i + f], "discard_zeroes_cow"))
			tparse_flag(o, "discardZeroesCow", loc);
		else if (tword_is(w[i + f], "discard_passdown_origin"))
			tparse_flag(o, "discardPassdownOrigin", loc);
		else
			return tparse_fail(errs, loc, "snapshot", "unknown feature '%s'", w[i + f]);
	}
	return 0;
}

static int snap_emit(const struct vmap_obj *o, struct vmap_emit_ctx *ctx, struct sbuf *out,
		     struct vmap_errlist *errs)
{
	if (temit_device(o, "origin", ctx, out, errs) < 0)
		return -1;
	sbuf_addc(out, ' ');
	if (temit_device(o, "cow", ctx, out, errs) < 0)
		return -1;
	const char *p = vmap_obj_str(o, "persistent", NULL);
	if (!p)
		return temit_missing(o, "persistent", "snapshot", errs);
	if (!vmap_obj_has(o, "chunkSize"))
		return temit_missing(o, "chunkSize", "snapshot", errs);
	sbuf_printf(out, " %s %llu", p, ULL(vmap_obj_u64(o, "chunkSize", 0)));
	bool zc = vmap_obj_bool(o, "discardZeroesCow"), po = vmap_obj_bool(o, "discardPassdownOrigin");
	if (zc || po)
		sbuf_printf(out, " %u%s%s", (unsigned)zc + po, zc ? " discard_zeroes_cow" : "",
			    po ? " discard_passdown_origin" : "");
	return 0;
}

static int snap_validate(const struct vmap_target *t, const char *volume, struct vmap_errlist *errs)
{
	const struct vmap_obj *o = &t->args;
	int r = 0;
	uint64_t chunk = vmap_obj_u64(o, "chunkSize", 8);
	if (!tis_pow2(chunk))
		r = tinvalid(t, "chunkSize", volume, errs, "chunkSize %llu sectors is not a power of two",
			     ULL(chunk));
	if (vmap_obj_bool(o, "discardPassdownOrigin") && !vmap_obj_bool(o, "discardZeroesCow"))
		r = tinvalid(t, "discardPassdownOrigin", volume, errs,
			     "discardPassdownOrigin needs discardZeroesCow");
	return r;
}

/* The origin as it was, from its exception store: origin, store and its
 * kind are identity (a persistent store reads its chunk size from disk);
 * discard features tune. */
static void snap_identity(const struct vmap_obj *o, struct vmap_ident_ctx *ctx, uint64_t rel,
			  uint64_t len, struct vmap_pieces *out)
{
	char *origin = tident_device(ctx, o, "origin");
	char *cow = tident_device(ctx, o, "cow");
	struct sbuf tune = {0};
	tident_tune_field(&tune, o, "discardZeroesCow");
	tident_tune_field(&tune, o, "discardPassdownOrigin");
	const char *store = vmap_obj_str(o, "persistent", "P");
	char *key = origin && cow ? xasprintf("snapshot(%s cow %s store %s chunk %llu)", origin, cow,
					       store, ULL(vmap_obj_u64(o, "chunkSize", 0)))
				  : NULL;
	tident_at(out, len, "snapshot", key, rel, sbuf_str(&tune));
	free(origin);
	free(cow);
	sbuf_free(&tune);
}

const struct vmap_target_type vmap_tt_snapshot = {
	.name = "snapshot",
	.module = "dm-snapshot",
	.args = {"snapshot", snap_fields, NFIELDS(snap_fields),
		 "a copy-on-write snapshot of a snapshot-origin"},
	.parse = snap_parse,
	.emit = snap_emit,
	.validate = snap_validate,
	.identity = snap_identity,
};
