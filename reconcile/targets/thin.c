/* thin.c: `thin-pool <meta> <data> <block size> <low water mark> [<#feat>
 * <feat>...]` and `thin <pool> <device id> [<external origin>]`.
 *
 * thin-pool reports its features recounted, in its own order, each word
 * followed by a space (so the text ends with one, also with no feature). */
#include "targets/common.h"

static const struct vmap_field pool_fields[] = {
	{.key = "metadataDevice", .kind = VMAP_F_DEVICE, .flags = VMAP_FF_REQUIRED,
	 .doc = "the pool's metadata device (zero its first 4 KiB to have the kernel format it)"},
	{.key = "dataDevice", .kind = VMAP_F_DEVICE, .flags = VMAP_FF_REQUIRED,
	 .doc = "the pool's data device"},
	{.key = "blockSize", .kind = VMAP_F_SECTORS, .flags = VMAP_FF_REQUIRED, .min = 128, .max = 2097152,
	 .doc = "allocation unit: 64KiB..1GiB in multiples of 64KiB (fixed when the pool is formatted)"},
	{.key = "lowWaterMark", .kind = VMAP_F_U64,
	 .doc = "free data blocks below which the kernel sends an event (default 0)"},
	{.key = "skipBlockZeroing", .kind = VMAP_F_BOOL,
	 .doc = "do not zero newly provisioned blocks (skip_block_zeroing)"},
	{.key = "ignoreDiscard", .kind = VMAP_F_BOOL, .doc = "ignore discards (ignore_discard)"},
	{.key = "noDiscardPassdown", .kind = VMAP_F_BOOL,
	 .doc = "process discards in the pool but do not pass them to the data device (no_discard_passdown)"},
	{.key = "readOnly", .kind = VMAP_F_BOOL,
	 .doc = "refuse metadata changes (read_only; the metadata must already be formatted)"},
	{.key = "errorIfNoSpace", .kind = VMAP_F_BOOL,
	 .doc = "fail I/O when out of data space instead of queueing it (error_if_no_space)"},
};

/* Features in the order the kernel reports them. */
static const struct {
	const char *word, *key;
} pool_features[] = {
	{"skip_block_zeroing", "skipBlockZeroing"},
	{"ignore_discard", "ignoreDiscard"},
	{"no_discard_passdown", "noDiscardPassdown"},
	{"read_only", "readOnly"},
	{"error_if_no_space", "errorIfNoSpace"},
};

static int pool_parse(char *const *w, size_t n, struct vmap_obj *o, const struct vmap_loc *loc,
		      struct vmap_errlist *errs)
{
	if (n < 4)
		return tparse_fail(errs, loc, "thin-pool",
				   "takes at least 4 arguments (metadata data block_size low_water_mark), not %zu", n);
	if (tparse_device(o, "metadataDevice", w[0], loc, errs) < 0 ||
	    tparse_device(o, "dataDevice", w[1], loc, errs) < 0 ||
	    tparse_u64(o, "blockSize", w[2], loc, errs) < 0 ||
	    tparse_u64(o, "lowWaterMark", w[3], loc, errs) < 0)
		return -1;
	size_t i = 4, count = 0;
	if (i < n && tparse_count(w, n, &i, 4, &count, "features", loc, "thin-pool", errs) < 0)
		return -1;
	if (i + count != n)
		return tparse_fail(errs, loc, "thin-pool", "%zu words after the features", n - i - count);
	for (size_t k = 0; k < count; k++) {
		size_t f;
		for (f = 0; f < NFIELDS(pool_features); f++)
			if (tword_is(w[i + k], pool_features[f].word))
				break;
		if (f == NFIELDS(pool_features))
			return tparse_fail(errs, loc, "thin-pool", "unknown feature '%s'", w[i + k]);
		tparse_flag(o, pool_features[f].key, loc);
	}
	return 0;
}

static int pool_emit(const struct vmap_obj *o, struct vmap_emit_ctx *ctx, struct sbuf *out,
		     struct vmap_errlist *errs)
{
	if (temit_device(o, "metadataDevice", ctx, out, errs) < 0)
		return -1;
	sbuf_addc(out, ' ');
	if (temit_device(o, "dataDevice", ctx, out, errs) < 0)
		return -1;
	if (!vmap_obj_has(o, "blockSize"))
		return temit_missing(o, "blockSize", "thin-pool", errs);
	sbuf_printf(out, " %llu %llu ", ULL(vmap_obj_u64(o, "blockSize", 0)),
		    ULL(vmap_obj_u64(o, "lowWaterMark", 0)));
	unsigned count = 0;
	for (size_t f = 0; f < NFIELDS(pool_features); f++)
		count += vmap_obj_bool(o, pool_features[f].key);
	sbuf_printf(out, "%u ", count);
	for (size_t f = 0; f < NFIELDS(pool_features); f++)
		if (vmap_obj_bool(o, pool_features[f].key))
			sbuf_printf(out, "%s ", pool_features[f].word);
	return 0;
}

static int pool_validate(const struct vmap_target *t, const char *volume, struct vmap_errlist *errs)
{
	const struct vmap_obj *o = &t->args;
	int r = 0;
	uint64_t bs = vmap_obj_u64(o, "blockSize", 128);
	if (bs < 128 || bs > 2097152 || bs % 128)
		r = tinvalid(t, "blockSize", volume, errs,
			     "blockSize %llu sectors is not 64KiB..1GiB in multiples of 64KiB (128 sectors)",
			     ULL(bs));
	unsigned count = 0;
	for (size_t f = 0; f < NFIELDS(pool_features); f++)
		count += vmap_obj_bool(o, pool_features[f].key);
	/* the kernel takes at most 4 feature words */
	if (count == NFIELDS(pool_features))
		r = tinvalid(t, "noDiscardPassdown", volume, errs,
			     "ignoreDiscard and noDiscardPassdown together are more features than the kernel takes (drop noDiscardPassdown)");
	return r;
}

/* A pool's sectors are its data device's, laid out by its metadata: both
 * and the block size are identity; the water mark and features tune. */
static void pool_identity(const struct vmap_obj *o, struct vmap_ident_ctx *ctx, uint64_t rel,
			  uint64_t len, struct vmap_pieces *out)
{
	char *meta = tident_device(ctx, o, "metadataDevice");
	char *data = tident_device(ctx, o, "dataDevice");
	struct sbuf tune = {0};
	static const char *const tunes[] = {"lowWaterMark", "skipBlockZeroing", "ignoreDiscard",
					    "noDiscardPassdown", "readOnly", "errorIfNoSpace"};
	for (size_t i = 0; i < NFIELDS(tunes); i++)
		tident_tune_field(&tune, o, tunes[i]);
	char *key = meta && data ? xasprintf("thin-pool(meta %s data %s block %llu)", meta, data,
					      ULL(vmap_obj_u64(o, "blockSize", 0)))
				 : NULL;
	tident_at(out, len, "thin-pool", key, rel, sbuf_str(&tune));
	free(meta);
	free(data);
	sbuf_free(&tune);
}

const struct vmap_target_type vmap_tt_thin_pool = {
	.name = "thin-pool",
	.module = "dm-thin-pool",
	.flags = VMAP_TT_IMMUTABLE | VMAP_TT_SINGLETON | VMAP_TT_NOFLUSH,
	.args = {"thin-pool", pool_fields, NFIELDS(pool_fields),
		 "a pool of blocks shared by thin volumes (dm-thin)"},
	.parse = pool_parse,
	.emit = pool_emit,
	.validate = pool_validate,
	.identity = pool_identity,
};

static const struct vmap_field thin_fields[] = {
	{.key = "pool", .kind = VMAP_F_DEVICE, .flags = VMAP_FF_REQUIRED,
	 .doc = "the thin-pool device (usually {volume: NAME})"},
	{.key = "deviceId", .kind = VMAP_F_U64, .flags = VMAP_FF_REQUIRED, .max = 16777215,
	 .doc = "the thin device's id in the pool (made with the pool message create_thin)"},
	{.key = "externalOrigin", .kind = VMAP_F_DEVICE,
	 .doc = "a read-only device that unprovisioned blocks are read from"},
};

static int thin_parse(char *const *w, size_t n, struct vmap_obj *o, const struct vmap_loc *loc,
		      struct vmap_errlist *errs)
{
	if (n != 2 && n != 3)
		return tparse_fail(errs, loc, "thin",
				   "takes 2 or 3 arguments (pool device_id [external_origin]), not %zu", n);
	if (tparse_device(o, "pool", w[0], loc, errs) < 0 ||
	    tparse_u64(o, "deviceId", w[1], loc, errs) < 0)
		return -1;
	if (n == 3 && tparse_device(o, "externalOrigin", w[2], loc, errs) < 0)
		return -1;
	return 0;
}

static int thin_emit(const struct vmap_obj *o, struct vmap_emit_ctx *ctx, struct sbuf *out,
		     struct vmap_errlist *errs)
{
	if (temit_device(o, "pool", ctx, out, errs) < 0)
		return -1;
	if (!vmap_obj_has(o, "deviceId"))
		return temit_missing(o, "deviceId", "thin", errs);
	sbuf_addc(out, ' ');
	sbuf_add_u64(out, vmap_obj_u64(o, "deviceId", 0));
	if (vmap_obj_has(o, "externalOrigin")) {
		sbuf_addc(out, ' ');
		if (temit_device(o, "externalOrigin", ctx, out, errs) < 0)
			return -1;
	}
	return 0;
}

static int thin_validate(const struct vmap_target *t, const char *volume, struct vmap_errlist *errs)
{
	if (vmap_obj_u64(&t->args, "deviceId", 0) > 16777215)
		return tinvalid(t, "deviceId", volume, errs, "deviceId must be below 2^24");
	return 0;
}

/* Sector i of a thin device is its virtual sector i in the pool, with an
 * external origin under what it never wrote. */
static void thin_identity(const struct vmap_obj *o, struct vmap_ident_ctx *ctx, uint64_t rel,
			  uint64_t len, struct vmap_pieces *out)
{
	char *pool = tident_device(ctx, o, "pool");
	char *ext = tident_device(ctx, o, "externalOrigin");
	char *key = pool ? xasprintf("thin(%s id %llu%s%s)", pool, ULL(vmap_obj_u64(o, "deviceId", 0)),
				      ext ? " origin " : "", ext ? ext : "")
			 : NULL;
	if (vmap_obj_has(o, "externalOrigin") && !ext) {
		free(key);
		key = NULL;
	}
	tident_at(out, len, "thin", key, rel, "");
	free(pool);
	free(ext);
}

const struct vmap_target_type vmap_tt_thin = {
	.name = "thin",
	.module = "dm-thin-pool",
	.flags = VMAP_TT_NOFLUSH,
	.args = {"thin", thin_fields, NFIELDS(thin_fields), "a thin volume in a thin-pool (dm-thin)"},
	.parse = thin_parse,
	.emit = thin_emit,
	.validate = thin_validate,
	.identity = thin_identity,
};
