/* striped.c: `striped <n> <chunk> (<dev> <offset>){n}`. */
#include "targets/common.h"

static const struct vmap_field stripe_fields[] = {
	{.key = "device", .kind = VMAP_F_DEVICE, .flags = VMAP_FF_REQUIRED, .doc = "a stripe's device"},
	{.key = "offset", .kind = VMAP_F_SECTORS, .doc = "where on the device the stripe starts (default 0)"},
};
static const struct vmap_objtype stripe_type = {"stripe", stripe_fields, NFIELDS(stripe_fields),
						"one leg of a striped target"};

static const struct vmap_field fields[] = {
	{.key = "chunkSize", .kind = VMAP_F_SECTORS, .flags = VMAP_FF_REQUIRED, .min = 1,
	 .doc = "how much goes to one stripe before the next"},
	{.key = "stripes", .kind = VMAP_F_LIST, .flags = VMAP_FF_REQUIRED | VMAP_FF_NONEMPTY,
	 .item = &stripe_type, .doc = "the devices data is striped over, in order"},
};

static int parse(char *const *w, size_t n, struct vmap_obj *o, const struct vmap_loc *loc,
		 struct vmap_errlist *errs)
{
	uint64_t count;
	if (tparse_need(0, 2, n, errs, loc, "striped") < 0)
		return -1;
	if (!parse_u64(w[0], &count) || count == 0 || count > 4096)
		return tparse_fail(errs, loc, "striped", "'%s' is not a stripe count", w[0]);
	if (n != 2 + 2 * count)
		return tparse_fail(errs, loc, "striped", "%llu stripes need %llu arguments, not %zu",
				   (unsigned long long)count, (unsigned long long)(2 + 2 * count), n);
	if (tparse_u64(o, "chunkSize", w[1], loc, errs) < 0)
		return -1;
	for (size_t i = 0; i < count; i++) {
		struct vmap_obj *s = tparse_add_item(o, "stripes", loc);
		if (tparse_device(s, "device", w[2 + 2 * i], loc, errs) < 0 ||
		    tparse_u64(s, "offset", w[3 + 2 * i], loc, errs) < 0)
			return -1;
	}
	return 0;
}

static int emit(const struct vmap_obj *o, struct vmap_emit_ctx *ctx, struct sbuf *out,
		struct vmap_errlist *errs)
{
	const struct vmap_value *st = vmap_obj_get(o, "stripes");
	sbuf_printf(out, "%zu %llu", st->n_items,
		    (unsigned long long)vmap_obj_u64(o, "chunkSize", 0));
	for (size_t i = 0; i < st->n_items; i++) {
		sbuf_addc(out, ' ');
		if (temit_device(&st->items[i], "device", ctx, out, errs) < 0)
			return -1;
		sbuf_addc(out, ' ');
		sbuf_add_u64(out, vmap_obj_u64(&st->items[i], "offset", 0));
	}
	return 0;
}

/* The kernel's rule (dm-stripe.c): the length divides into the stripes,
 * and each stripe's share into chunks. */
static int validate(const struct vmap_target *t, const char *volume, struct vmap_errlist *errs)
{
	const struct vmap_value *st = vmap_obj_get(&t->args, "stripes");
	uint64_t chunk = vmap_obj_u64(&t->args, "chunkSize", 0);
	if (!t->size || !st->n_items || !chunk)
		return 0;
	if (t->size % st->n_items || (t->size / st->n_items) % chunk)
		return tinvalid(t, NULL, volume, errs,
				"size %llu sectors is not a multiple of %zu stripes x chunkSize %llu",
				ULL(t->size), st->n_items, ULL(chunk));
	return 0;
}

/* Each stripe device holds len / stripes sectors from its offset. */
static int64_t extent(const struct vmap_obj *o, uint64_t len, vmap_ref_match match, void *arg)
{
	const struct vmap_value *st = vmap_obj_get(o, "stripes");
	int64_t end = 0;
	if (!st->n_items)
		return 0;
	uint64_t per = len / st->n_items;
	for (size_t i = 0; i < st->n_items; i++) {
		const struct vmap_value *dv = vmap_obj_get(&st->items[i], "device");
		if (!dv->set || !dv->dev || !match(dv->dev, arg))
			continue;
		int64_t e = (int64_t)(vmap_obj_u64(&st->items[i], "offset", 0) + per);
		if (e > end)
			end = e;
	}
	return end;
}

/* Sector s is in chunk s / chunk; chunks go round the stripes, so chunk
 * k is chunk k / n of stripe k % n (dm-stripe's stripe_map_sector). */
static void identity(const struct vmap_obj *o, struct vmap_ident_ctx *ctx, uint64_t rel,
		     uint64_t len, struct vmap_pieces *out)
{
	const struct vmap_value *st = vmap_obj_get(o, "stripes");
	uint64_t chunk = vmap_obj_u64(o, "chunkSize", 0), n = st->n_items;
	if (!chunk || !n) {
		tident_unknown(out, len, "striped without stripes");
		return;
	}
	char **keys = xcalloc(n, sizeof(*keys));
	for (size_t i = 0; i < n; i++)
		keys[i] = tident_device(ctx, &st->items[i], "device");
	for (uint64_t s = rel, end = rel + len; s < end;) {
		uint64_t k = s / chunk, within = s % chunk;
		uint64_t piece = chunk - within < end - s ? chunk - within : end - s;
		const struct vmap_obj *stripe = &st->items[k % n];
		uint64_t pos = vmap_obj_u64(stripe, "offset", 0) + (k / n) * chunk + within;
		tident_at(out, piece, "striped", keys[k % n] ? xstrdup(keys[k % n]) : NULL, pos, "");
		s += piece;
		/* past the limit the rest is one UNKNOWN piece: stop walking */
		if (out->limit && out->n >= out->limit && out->v[out->n - 1].kind == VMAP_PIECE_UNKNOWN) {
			tident_unknown(out, end - s, "");
			break;
		}
	}
	for (size_t i = 0; i < n; i++)
		free(keys[i]);
	free(keys);
}

const struct vmap_target_type vmap_tt_striped = {
	.name = "striped",
	.flags = VMAP_TT_DM_INIT,
	.args = {"striped", fields, NFIELDS(fields), "stripe data over several devices"},
	.parse = parse,
	.emit = emit,
	.validate = validate,
	.extent = extent,
	.identity = identity,
};
