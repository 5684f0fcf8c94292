/* cache.c: `cache <meta> <cache> <origin> <block size> <#feat> <feat>...
 * <policy> <#policy args> [<key> <value>]...`.
 *
 * The kernel reports everything after the three devices exactly as it was
 * loaded (it keeps a copy of those words), so the canonical form is
 * simply the one vmapctl writes: features in lvm2's order (metadata2, the
 * mode, no_discard_passdown: libdm's _cache_emit_segment_line), so an
 * lvm2 cache table pasted into `table:` or exported comes back word for
 * word; policy arguments in the order given.  A live table in another
 * order is read into the same fields, so it compares equal all the same. */
#include "targets/common.h"

#include <string.h>

static const char *const io_modes[] = {"writeback", "writethrough", "passthrough", NULL};

static const struct vmap_field fields[] = {
	{.key = "metadataDevice", .kind = VMAP_F_DEVICE, .flags = VMAP_FF_REQUIRED,
	 .doc = "the cache's metadata device (zero its first 4 KiB to have the kernel format it)"},
	{.key = "cacheDevice", .kind = VMAP_F_DEVICE, .flags = VMAP_FF_REQUIRED,
	 .doc = "the fast device holding cached blocks"},
	{.key = "originDevice", .kind = VMAP_F_DEVICE, .flags = VMAP_FF_REQUIRED,
	 .doc = "the slow device being cached"},
	{.key = "blockSize", .kind = VMAP_F_SECTORS, .flags = VMAP_FF_REQUIRED, .min = 64, .max = 2097152,
	 .doc = "cache block size: 32KiB..1GiB in multiples of 32KiB (64 sectors)"},
	{.key = "mode", .kind = VMAP_F_ENUM, .choices = io_modes,
	 .doc = "writeback (the kernel's default), writethrough or passthrough"},
	{.key = "metadata2", .kind = VMAP_F_BOOL, .doc = "use metadata format 2 (metadata2)"},
	{.key = "noDiscardPassdown", .kind = VMAP_F_BOOL,
	 .doc = "do not pass discards to the origin (no_discard_passdown)"},
	{.key = "policy", .kind = VMAP_F_STRING,
	 .doc = "replacement policy: smq, mq (an alias of smq), cleaner, default (default)"},
	{.key = "policyArgs", .kind = VMAP_F_MAP,
	 .doc = "policy tunables as key: value, e.g. migration_threshold: \"2048\""},
};

static int parse(char *const *w, size_t n, struct vmap_obj *o, const struct vmap_loc *loc,
		 struct vmap_errlist *errs)
{
	if (n < 6)
		return tparse_fail(errs, loc, "cache",
				   "takes at least 6 arguments (metadata cache origin block_size #features policy), not %zu", n);
	if (tparse_device(o, "metadataDevice", w[0], loc, errs) < 0 ||
	    tparse_device(o, "cacheDevice", w[1], loc, errs) < 0 ||
	    tparse_device(o, "originDevice", w[2], loc, errs) < 0 ||
	    tparse_u64(o, "blockSize", w[3], loc, errs) < 0)
		return -1;
	size_t i = 4, count;
	if (tparse_count(w, n, &i, 3, &count, "features", loc, "cache", errs) < 0)
		return -1;
	for (size_t end = i + count; i < end; i++) {
		size_t k;
		for (k = 0; io_modes[k] && !tword_is(w[i], io_modes[k]); k++)
			;
		if (io_modes[k])
			tparse_str(o, "mode", io_modes[k], loc);
		else if (tword_is(w[i], "metadata2"))
			tparse_flag(o, "metadata2", loc);
		else if (tword_is(w[i], "no_discard_passdown"))
			tparse_flag(o, "noDiscardPassdown", loc);
		else
			return tparse_fail(errs, loc, "cache", "unknown feature '%s'", w[i]);
	}
	if (i >= n)
		return tparse_fail(errs, loc, "cache", "the policy is missing");
	tparse_str(o, "policy", w[i++], loc);
	size_t npol;
	if (tparse_count(w, n, &i, 1024, &npol, "policy arguments", loc, "cache", errs) < 0)
		return -1;
	if (npol % 2)
		return tparse_fail(errs, loc, "cache", "policy arguments come in key value pairs");
	if (i + npol != n)
		return tparse_fail(errs, loc, "cache", "%zu words after the policy arguments", n - i - npol);
	struct vmap_value *pa = vmap_obj_getw(o, "policyArgs");
	for (; i < n; i += 2) {
		pa->kv = xrealloc(pa->kv, (pa->n_kv + 1) * sizeof(*pa->kv));
		struct vmap_kv *kv = &pa->kv[pa->n_kv++];
		memset(kv, 0, sizeof(*kv));
		kv->key = xstrdup(w[i]);
		kv->value = xstrdup(w[i + 1]);
		if (loc)
			kv->loc = *loc;
		pa->set = true;
	}
	return 0;
}

static int emit(const struct vmap_obj *o, struct vmap_emit_ctx *ctx, struct sbuf *out,
		struct vmap_errlist *errs)
{
	static const char *const devs[] = {"metadataDevice", "cacheDevice", "originDevice"};
	for (size_t d = 0; d < NFIELDS(devs); d++) {
		if (d)
			sbuf_addc(out, ' ');
		if (temit_device(o, devs[d], ctx, out, errs) < 0)
			return -1;
	}
	if (!vmap_obj_has(o, "blockSize"))
		return temit_missing(o, "blockSize", "cache", errs);
	const char *mode = vmap_obj_str(o, "mode", NULL);
	const char *feat[3];
	size_t nf = 0;
	if (vmap_obj_bool(o, "metadata2"))
		feat[nf++] = "metadata2";
	if (mode)
		feat[nf++] = mode;
	if (vmap_obj_bool(o, "noDiscardPassdown"))
		feat[nf++] = "no_discard_passdown";
	sbuf_printf(out, " %llu %zu", ULL(vmap_obj_u64(o, "blockSize", 0)), nf);
	for (size_t k = 0; k < nf; k++)
		sbuf_printf(out, " %s", feat[k]);
	const struct vmap_value *pa = vmap_obj_get(o, "policyArgs");
	sbuf_printf(out, " %s %zu", vmap_obj_str(o, "policy", "default"), 2 * pa->n_kv);
	for (size_t k = 0; k < pa->n_kv; k++)
		sbuf_printf(out, " %s %s", pa->kv[k].key, pa->kv[k].value);
	return 0;
}

static int validate(const struct vmap_target *t, const char *volume, struct vmap_errlist *errs)
{
	const struct vmap_obj *o = &t->args;
	int r = 0;
	uint64_t bs = vmap_obj_u64(o, "blockSize", 64);
	if (bs < 64 || bs > 2097152 || bs % 64)
		r = tinvalid(t, "blockSize", volume, errs,
			     "blockSize %llu sectors is not 32KiB..1GiB in multiples of 32KiB (64 sectors)",
			     ULL(bs));
	const char *pol = vmap_obj_str(o, "policy", "default");
	if (!*pol || strchr(pol, ' '))
		r = tinvalid(t, "policy", volume, errs, "policy '%s' is not a policy name", pol);
	const struct vmap_value *pa = vmap_obj_get(o, "policyArgs");
	for (size_t k = 0; k < pa->n_kv; k++)
		if (!*pa->kv[k].key || !*pa->kv[k].value || strpbrk(pa->kv[k].key, " \t") ||
		    strpbrk(pa->kv[k].value, " \t")) {
			vmap_spec_err(errs, &pa->kv[k].loc, volume,
				      "cache target: policy argument '%s' must be one word with a one-word value",
				      pa->kv[k].key);
			r = -1;
		}
	return r;
}

/* A clean cache shows its origin: sector i is origin sector i, and the
 * cache device may change.  Blocks not yet written back live on the
 * cache device: while the live status ("... <#dirty> ...", the 11th word)
 * counts any, the cache and metadata devices are identity too.  The new
 * side can be either: a table over the same three devices keeps them.
 * Mode and policy only tune. */
static void identity(const struct vmap_obj *o, struct vmap_ident_ctx *ctx, uint64_t rel,
		     uint64_t len, struct vmap_pieces *out)
{
	char *origin = tident_device(ctx, o, "originDevice");
	char *cdev = tident_device(ctx, o, "cacheDevice");
	char *meta = tident_device(ctx, o, "metadataDevice");
	struct sbuf tune = {0};
	tident_tune_field(&tune, o, "mode");
	tident_tune_field(&tune, o, "policy");
	tident_tune_field(&tune, o, "noDiscardPassdown");
	/* a clean cache may move: that too only tunes */
	sbuf_printf(&tune, "cache=%s;meta=%s;", cdev ? cdev : "?", meta ? meta : "?");
	size_t nw = 0;
	char **w = ctx->live ? split_words(ctx->status ? ctx->status : "", &nw) : NULL;
	uint64_t dirty = 0;
	bool known = !ctx->live || (nw > 10 && parse_u64(w[10], &dirty));
	struct vmap_place at[2];
	size_t n_at = 0;
	if (origin && known && !(ctx->live && dirty))
		at[n_at++] = (struct vmap_place){origin, rel};
	char *full = origin && cdev && meta ? xasprintf("cache(%s cache %s meta %s block %llu)", origin,
							 cdev, meta, ULL(vmap_obj_u64(o, "blockSize", 0)))
					    : NULL;
	if (full)
		at[n_at++] = (struct vmap_place){full, rel};
	if (n_at) {
		char *label = xasprintf("cache over %s%s", origin,
					 ctx->live && dirty ? " with dirty blocks on its cache device" : "");
		vmap_pieces_add(out, len, VMAP_PIECE_DATA, at, n_at, sbuf_str(&tune), label);
		free(label);
	} else {
		tident_unknown(out, len, "cache whose devices vmapctl cannot identify");
	}
	free(origin);
	free(cdev);
	free(meta);
	free(full);
	sbuf_free(&tune);
	strv_free(w);
}

/* The policy is a module (dm-cache-smq; "default" and "mq" are smq). */
static void extra_modules(const struct vmap_obj *o, void (*add)(const char *mod, void *arg),
			  void *arg)
{
	const char *p = vmap_obj_str(o, "policy", "default");
	if (!strcmp(p, "default") || !strcmp(p, "mq"))
		p = "smq";
	char *m = xasprintf("dm-cache-%s", p);
	add(m, arg);
	free(m);
}

const struct vmap_target_type vmap_tt_cache = {
	.name = "cache",
	.module = "dm-cache",
	.args = {"cache", fields, NFIELDS(fields), "a fast device caching a slow one (dm-cache)"},
	.parse = parse,
	.emit = emit,
	.validate = validate,
	.identity = identity,
	.identity_status = true,
	.extra_modules = extra_modules,
};
