/* mirror.c: `mirror <log type> <#log args> <log args> <#mirrors> (<dev>
 * <offset>)... [<#feat> <feat>...]` with a core log (`core <#> <region
 * size> [[no]sync]`) or a disk log (`disk <#> <log dev> <region size>
 * [[no]sync]`).
 *
 * The kernel reports the log's argument count recomputed, a space after
 * the log's arguments, and the features in its own order. */
#include "targets/common.h"

#include <stdio.h>
#include <string.h>

static const struct vmap_field leg_fields[] = {
	{.key = "device", .kind = VMAP_F_DEVICE, .flags = VMAP_FF_REQUIRED, .doc = "the leg's device"},
	{.key = "offset", .kind = VMAP_F_SECTORS, .doc = "where on the device the leg starts (default 0)"},
};
static const struct vmap_objtype leg_type = {"mirrorLeg", leg_fields, NFIELDS(leg_fields),
					     "one copy of a mirror"};

static const char *const logs[] = {"core", "disk", NULL};

static const struct vmap_field fields[] = {
	{.key = "log", .kind = VMAP_F_ENUM, .choices = logs,
	 .doc = "where the region log lives: core (memory, default) or disk (logDevice)"},
	{.key = "logDevice", .kind = VMAP_F_DEVICE, .doc = "the device of a disk log"},
	{.key = "regionSize", .kind = VMAP_F_SECTORS, .flags = VMAP_FF_REQUIRED, .min = 2,
	 .doc = "unit of resynchronisation, a power of two"},
	{.key = "sync", .kind = VMAP_F_BOOL, .doc = "force a full resynchronisation (sync)"},
	{.key = "nosync", .kind = VMAP_F_BOOL,
	 .doc = "take the legs as already in sync, skip the initial copy (nosync)"},
	{.key = "mirrors", .kind = VMAP_F_LIST, .flags = VMAP_FF_REQUIRED | VMAP_FF_NONEMPTY,
	 .item = &leg_type, .doc = "the legs; the first is the primary"},
	{.key = "handleErrors", .kind = VMAP_F_BOOL,
	 .doc = "take failed legs out instead of failing I/O (handle_errors)"},
	{.key = "keepLog", .kind = VMAP_F_BOOL,
	 .doc = "keep using a failed disk log (keep_log; needs handleErrors)"},
};

static int parse_log(char *const *w, size_t n, size_t *i, struct vmap_obj *o,
		     const struct vmap_loc *loc, struct vmap_errlist *errs)
{
	const char *type = w[(*i)++];
	bool disk;
	if (tword_is(type, "core"))
		disk = false;
	else if (tword_is(type, "disk"))
		disk = true;
	else
		return tparse_fail(errs, loc, "mirror", "log type '%s' is not core or disk (use raw for others)", type);
	tparse_str(o, "log", disk ? "disk" : "core", loc);
	size_t count;
	if (tparse_count(w, n, i, 3, &count, "log arguments", loc, "mirror", errs) < 0)
		return -1;
	size_t need = disk ? 2 : 1;
	if (count < need || count > need + 1)
		return tparse_fail(errs, loc, "mirror", "a %s log takes %zu or %zu arguments, not %zu",
				   disk ? "disk" : "core", need, need + 1, count);
	char *const *a = w + *i;
	*i += count;
	if (disk && tparse_device(o, "logDevice", *a++, loc, errs) < 0)
		return -1;
	if (tparse_u64(o, "regionSize", *a++, loc, errs) < 0)
		return -1;
	if (count == need + 1) {
		if (tword_is(*a, "sync"))
			tparse_flag(o, "sync", loc);
		else if (tword_is(*a, "nosync"))
			tparse_flag(o, "nosync", loc);
		else
			return tparse_fail(errs, loc, "mirror", "log argument '%s' is not sync or nosync", *a);
	}
	return 0;
}

static int parse(char *const *w, size_t n, struct vmap_obj *o, const struct vmap_loc *loc,
		 struct vmap_errlist *errs)
{
	size_t i = 0;
	if (tparse_need(0, 1, n, errs, loc, "mirror") < 0 || parse_log(w, n, &i, o, loc, errs) < 0)
		return -1;
	uint64_t legs;
	if (i >= n || !parse_u64(w[i], &legs) || legs == 0 || legs > 9)
		return tparse_fail(errs, loc, "mirror", "'%s' is not a mirror count (1..9)", i < n ? w[i] : "");
	i++;
	if (tparse_need(i, 2 * legs, n, errs, loc, "mirror") < 0)
		return -1;
	for (uint64_t l = 0; l < legs; l++, i += 2) {
		struct vmap_obj *leg = tparse_add_item(o, "mirrors", loc);
		if (tparse_device(leg, "device", w[i], loc, errs) < 0 ||
		    tparse_u64(leg, "offset", w[i + 1], loc, errs) < 0)
			return -1;
	}
	size_t count = 0;
	if (i < n && tparse_count(w, n, &i, 2, &count, "features", loc, "mirror", errs) < 0)
		return -1;
	if (i + count != n)
		return tparse_fail(errs, loc, "mirror", "%zu words after the features", n - i - count);
	for (; i < n; i++) {
		if (tword_is(w[i], "handle_errors"))
			tparse_flag(o, "handleErrors", loc);
		else if (tword_is(w[i], "keep_log"))
			tparse_flag(o, "keepLog", loc);
		else
			return tparse_fail(errs, loc, "mirror", "unknown feature '%s'", w[i]);
	}
	return 0;
}

static int emit(const struct vmap_obj *o, struct vmap_emit_ctx *ctx, struct sbuf *out,
		struct vmap_errlist *errs)
{
	bool disk = !strcmp(vmap_obj_str(o, "log", "core"), "disk");
	bool sync = vmap_obj_bool(o, "sync"), nosync = vmap_obj_bool(o, "nosync");
	bool syncarg = sync || nosync;
	if (!vmap_obj_has(o, "regionSize"))
		return temit_missing(o, "regionSize", "mirror", errs);
	if (disk) {
		sbuf_printf(out, "disk %u ", 2u + syncarg);
		if (temit_device(o, "logDevice", ctx, out, errs) < 0)
			return -1;
		sbuf_addc(out, ' ');
	} else {
		sbuf_printf(out, "core %u ", 1u + syncarg);
	}
	sbuf_printf(out, "%llu ", ULL(vmap_obj_u64(o, "regionSize", 0)));
	if (syncarg)
		sbuf_add(out, nosync ? "nosync " : "sync ");
	const struct vmap_value *legs = vmap_obj_get(o, "mirrors");
	sbuf_printf(out, "%zu", legs->n_items);
	for (size_t l = 0; l < legs->n_items; l++) {
		sbuf_addc(out, ' ');
		if (temit_device(&legs->items[l], "device", ctx, out, errs) < 0)
			return -1;
		sbuf_addc(out, ' ');
		sbuf_add_u64(out, vmap_obj_u64(&legs->items[l], "offset", 0));
	}
	bool he = vmap_obj_bool(o, "handleErrors"), kl = vmap_obj_bool(o, "keepLog");
	if (he || kl)
		sbuf_printf(out, " %u%s%s", (unsigned)he + kl, he ? " handle_errors" : "",
			    kl ? " keep_log" : "");
	return 0;
}

static int validate(const struct vmap_target *t, const char *volume, struct vmap_errlist *errs)
{
	const struct vmap_obj *o = &t->args;
	int r = 0;
	bool disk = !strcmp(vmap_obj_str(o, "log", "core"), "disk");
	if (disk && !vmap_obj_has(o, "logDevice"))
		r = tinvalid(t, "log", volume, errs, "a disk log needs 'logDevice'");
	if (!disk && vmap_obj_has(o, "logDevice"))
		r = tinvalid(t, "logDevice", volume, errs, "'logDevice' is only for log: disk");
	uint64_t region = vmap_obj_u64(o, "regionSize", 2);
	if (!tis_pow2(region) || region < 2)
		r = tinvalid(t, "regionSize", volume, errs,
			     "regionSize %llu sectors is not a power of two of at least 2", ULL(region));
	else if (t->size && region > t->size)
		r = tinvalid(t, "regionSize", volume, errs, "regionSize is larger than the target");
	if (vmap_obj_bool(o, "sync") && vmap_obj_bool(o, "nosync"))
		r = tinvalid(t, "nosync", volume, errs, "sync and nosync exclude each other");
	if (vmap_obj_bool(o, "keepLog") && !vmap_obj_bool(o, "handleErrors"))
		r = tinvalid(t, "keepLog", volume, errs, "keepLog needs handleErrors");
	if (vmap_obj_get(o, "mirrors")->n_items > 9)
		r = tinvalid(t, "mirrors", volume, errs, "a mirror has at most 9 legs");
	return r;
}

/* Every leg is a copy: sector i is sector offset + i of each leg that
 * holds the data.  The live side (ctx->status, "N dev... IN/TOTAL K
 * HEALTH ..."): the primary when it is alive ('A'), every alive leg once
 * the regions are all in sync.  The new side: its primary only, the leg a
 * resynchronisation copies from (a new empty leg first would overwrite
 * the others).  Log, region size and features only tune. */
static void identity(const struct vmap_obj *o, struct vmap_ident_ctx *ctx, uint64_t rel,
		     uint64_t len, struct vmap_pieces *out)
{
	const struct vmap_value *legs = vmap_obj_get(o, "mirrors");
	size_t n = legs->n_items, n_at = 0;
	struct vmap_place *at = xcalloc(n + 1, sizeof(*at));
	bool all_in_sync = false;
	const char *health = NULL;
	char **w = NULL;
	size_t nw = 0;
	if (ctx->live) {
		w = split_words(ctx->status ? ctx->status : "", &nw);
		uint64_t nlegs = 0, done = 0, total = 0;
		char tail;
		if (nw > 2 && parse_u64(w[0], &nlegs) && nlegs == n && nw > nlegs + 3 &&
		    sscanf(w[nlegs + 1], "%llu/%llu%c", (unsigned long long *)&done,
			   (unsigned long long *)&total, &tail) == 2 &&
		    strlen(w[nlegs + 3]) == n) {
			all_in_sync = total && done == total;
			health = w[nlegs + 3];
		}
	}
	for (size_t i = 0; i < n; i++) {
		bool holds = ctx->live ? health && health[i] == 'A' && (i == 0 || all_in_sync) : i == 0;
		char *key = holds ? tident_device(ctx, &legs->items[i], "device") : NULL;
		if (key)
			at[n_at++] = (struct vmap_place){key, vmap_obj_u64(&legs->items[i], "offset", 0) + rel};
	}
	if (n_at) {
		char *label = xasprintf("mirror leg %s%s", at[0].key,
					 n_at > 1 ? " (and its in-sync copies)" : "");
		vmap_pieces_add(out, len, VMAP_PIECE_DATA, at, n_at, "", label);
		free(label);
	} else {
		tident_unknown(out, len, ctx->live ? "mirror with no leg known to hold the data"
						   : "mirror whose primary vmapctl cannot identify");
	}
	for (size_t i = 0; i < n_at; i++)
		free(at[i].key);
	free(at);
	strv_free(w);
}

const struct vmap_target_type vmap_tt_mirror = {
	.name = "mirror",
	.module = "dm-mirror",
	.flags = VMAP_TT_NOFLUSH,
	.args = {"mirror", fields, NFIELDS(fields), "copies of the data on several legs (dm-mirror)"},
	.parse = parse,
	.emit = emit,
	.validate = validate,
	.identity = identity,
	.identity_status = true,
};
