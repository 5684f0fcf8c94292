/* raid.c: `raid <level> <#params> <chunk size> [<param>...] <#devices>
 * (<meta dev>|- <data dev>|-)...` (dm-raid: MD RAID under device-mapper).
 *
 * The kernel reports the parameters recounted and in its own order, the
 * chunk size of raid1 as 0 (it ignores it), and max_write_behind halved:
 * it keeps the value in other units and reports those.  That makes the
 * reported text differ from the loadable one, so this type writes the
 * loadable value in KERNEL mode and the reported one in CANON mode, and
 * live text is put back into load units before parsing (see
 * live_to_load).  raid4/5/6 report their stripe cache as it is
 * now, which follows demand: only a size the cache does not grow past
 * (512 and more, normally) comes back as given. */
#include "targets/common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct vmap_field dev_fields[] = {
	{.key = "metadata", .kind = VMAP_F_DEVICE,
	 .doc = "the leg's metadata device (superblock and bitmap); omit for none"},
	{.key = "data", .kind = VMAP_F_DEVICE, .doc = "the leg's data device; omit for a missing leg"},
	{.key = "rebuild", .kind = VMAP_F_BOOL, .doc = "rebuild this leg (rebuild)"},
	{.key = "writeMostly", .kind = VMAP_F_BOOL,
	 .doc = "avoid reading from this leg (raid1 write_mostly)"},
};
static const struct vmap_objtype dev_type = {"raidDevice", dev_fields, NFIELDS(dev_fields),
					     "one leg of a RAID set"};

static const char *const levels[] = {
	"raid0", "raid1", "raid10", "raid4", "raid5_n", "raid5_ls", "raid5_rs", "raid5_la", "raid5_ra",
	"raid6_zr", "raid6_nr", "raid6_nc", "raid6_n_6", "raid6_ls_6", "raid6_rs_6", "raid6_la_6",
	"raid6_ra_6", NULL,
};
static const char *const raid10_formats[] = {"near", "far", "offset", NULL};
static const char *const journal_modes[] = {"writethrough", "writeback", NULL};

static const struct vmap_field fields[] = {
	{.key = "level", .kind = VMAP_F_ENUM, .flags = VMAP_FF_REQUIRED, .choices = levels,
	 .doc = "RAID level and layout: raid0, raid1, raid10, raid4, raid5_ls (and _la, _ra, _rs, _n), raid6_zr (and _nr, _nc, _n_6, ...)"},
	{.key = "chunkSize", .kind = VMAP_F_SECTORS,
	 .doc = "stripe chunk, a power of two of at least 8 sectors (ignored by raid1: reported as 0)"},
	{.key = "sync", .kind = VMAP_F_BOOL, .doc = "force a full resynchronisation (sync)"},
	{.key = "nosync", .kind = VMAP_F_BOOL, .doc = "take the array as in sync (nosync)"},
	{.key = "daemonSleep", .kind = VMAP_F_U64, .doc = "milliseconds between bitmap flushes (daemon_sleep)"},
	{.key = "minRecoveryRate", .kind = VMAP_F_U64, .doc = "KiB/s per device (min_recovery_rate)"},
	{.key = "maxRecoveryRate", .kind = VMAP_F_U64, .doc = "KiB/s per device (max_recovery_rate)"},
	{.key = "maxWriteBehind", .kind = VMAP_F_U64,
	 .doc = "outstanding writes to write-mostly legs (raid1 max_write_behind; the kernel reports half)"},
	{.key = "stripeCache", .kind = VMAP_F_U64,
	 .doc = "stripe cache entries (raid4/5/6 stripe_cache; the kernel reports its current size)"},
	{.key = "regionSize", .kind = VMAP_F_SECTORS,
	 .doc = "bitmap region size, a power of two (default: chosen by the kernel)"},
	{.key = "raid10Copies", .kind = VMAP_F_U64, .min = 2, .doc = "copies of each block (raid10, default 2)"},
	{.key = "raid10Format", .kind = VMAP_F_ENUM, .choices = raid10_formats,
	 .doc = "raid10 layout: near (default), far or offset"},
	{.key = "deltaDisks", .kind = VMAP_F_STRING,
	 .doc = "signed number of legs to add or remove by reshaping (delta_disks)"},
	{.key = "dataOffset", .kind = VMAP_F_SECTORS,
	 .doc = "where the data starts on the data devices (data_offset, for reshaping)"},
	{.key = "journalDev", .kind = VMAP_F_DEVICE,
	 .doc = "raid4/5/6 write journal device (journal_dev)"},
	{.key = "journalMode", .kind = VMAP_F_ENUM, .choices = journal_modes,
	 .doc = "journal mode: writethrough (default) or writeback (journal_mode)"},
	{.key = "devices", .kind = VMAP_F_LIST, .flags = VMAP_FF_REQUIRED | VMAP_FF_NONEMPTY,
	 .item = &dev_type, .doc = "the legs, in order"},
};

/* Parameters with a value, in the order the kernel reports them (rebuild
 * and write_mostly are per device and placed by hand). */
enum pkind { P_U64, P_STR, P_DEV };
static const struct {
	const char *word, *key;
	enum pkind kind;
} params[] = {
	{"daemon_sleep", "daemonSleep", P_U64},
	{"min_recovery_rate", "minRecoveryRate", P_U64},
	{"max_recovery_rate", "maxRecoveryRate", P_U64},
	{"max_write_behind", "maxWriteBehind", P_U64},
	{"stripe_cache", "stripeCache", P_U64},
	{"region_size", "regionSize", P_U64},
	{"raid10_copies", "raid10Copies", P_U64},
	{"raid10_format", "raid10Format", P_STR},
	{"delta_disks", "deltaDisks", P_STR},
	{"data_offset", "dataOffset", P_U64},
	{"journal_dev", "journalDev", P_DEV},
	{"journal_mode", "journalMode", P_STR},
};
#define FIRST_AFTER_WRITE_MOSTLY 3 /* params[3] comes after write_mostly */

static int parse_enum(struct vmap_obj *o, const char *key, const char *const *choices,
		      const char *w, const struct vmap_loc *loc, struct vmap_errlist *errs)
{
	for (size_t k = 0; choices[k]; k++)
		if (tword_is(w, choices[k])) {
			tparse_str(o, key, choices[k], loc);
			return 0;
		}
	return tparse_fail(errs, loc, "raid", "'%s' is not a valid %s", w, key);
}

/* Indexes given with rebuild / write_mostly, applied once the devices are known. */
struct marks {
	uint64_t *idx;
	const char **key;
	size_t n, cap;
};

static int parse_param(char *const *w, size_t end, size_t *i, struct vmap_obj *o, struct marks *m,
		       const struct vmap_loc *loc, struct vmap_errlist *errs)
{
	const char *a = w[(*i)++];
	if (tword_is(a, "sync") || tword_is(a, "nosync")) {
		tparse_flag(o, tword_is(a, "sync") ? "sync" : "nosync", loc);
		return 0;
	}
	if (*i >= end)
		return tparse_fail(errs, loc, "raid", "unknown parameter '%s' (or it needs a value)", a);
	const char *val = w[(*i)++];
	if (tword_is(a, "rebuild") || tword_is(a, "write_mostly")) {
		uint64_t idx;
		if (!parse_u64(val, &idx))
			return tparse_fail(errs, loc, "raid", "'%s %s' needs a device index", a, val);
		m->idx = xgrow(m->idx, &m->cap, m->n + 1, sizeof(*m->idx));
		m->key = xrealloc(m->key, m->cap * sizeof(*m->key));
		m->key[m->n] = tword_is(a, "rebuild") ? "rebuild" : "writeMostly";
		m->idx[m->n++] = idx;
		return 0;
	}
	for (size_t k = 0; k < NFIELDS(params); k++) {
		if (!tword_is(a, params[k].word))
			continue;
		switch (params[k].kind) {
		case P_U64: return tparse_u64(o, params[k].key, val, loc, errs);
		case P_DEV: return tparse_device(o, params[k].key, val, loc, errs);
		case P_STR: break;
		}
		if (!strcmp(params[k].key, "raid10Format"))
			return parse_enum(o, "raid10Format", raid10_formats, val, loc, errs);
		if (!strcmp(params[k].key, "journalMode"))
			return parse_enum(o, "journalMode", journal_modes, val, loc, errs);
		tparse_str(o, params[k].key, val, loc);
		return 0;
	}
	return tparse_fail(errs, loc, "raid", "unknown parameter '%s'", a);
}

static int parse_devices(char *const *w, size_t n, size_t i, struct vmap_obj *o, struct marks *m,
			 const struct vmap_loc *loc, struct vmap_errlist *errs)
{
	uint64_t ndev;
	if (i >= n || !parse_u64(w[i], &ndev) || ndev == 0 || ndev > 253)
		return tparse_fail(errs, loc, "raid", "'%s' is not a device count", i < n ? w[i] : "");
	i++;
	if (n - i != 2 * ndev)
		return tparse_fail(errs, loc, "raid", "%llu devices need %llu words, not %zu", ULL(ndev),
				   ULL(2 * ndev), n - i);
	for (uint64_t d = 0; d < ndev; d++, i += 2) {
		struct vmap_obj *dev = tparse_add_item(o, "devices", loc);
		if ((strcmp(w[i], "-") && tparse_device(dev, "metadata", w[i], loc, errs) < 0) ||
		    (strcmp(w[i + 1], "-") && tparse_device(dev, "data", w[i + 1], loc, errs) < 0))
			return -1;
	}
	struct vmap_value *devs = vmap_obj_getw(o, "devices");
	for (size_t k = 0; k < m->n; k++) {
		if (m->idx[k] >= devs->n_items)
			return tparse_fail(errs, loc, "raid", "device index %llu is out of range", ULL(m->idx[k]));
		tparse_flag(&devs->items[m->idx[k]], m->key[k], loc);
	}
	return 0;
}

static int parse(char *const *w, size_t n, struct vmap_obj *o, const struct vmap_loc *loc,
		 struct vmap_errlist *errs)
{
	if (n < 3)
		return tparse_fail(errs, loc, "raid", "takes at least 3 arguments (level #params chunk_size), not %zu", n);
	if (parse_enum(o, "level", levels, w[0], loc, errs) < 0)
		return -1;
	uint64_t np;
	if (!parse_u64(w[1], &np) || np == 0 || np > n - 2)
		return tparse_fail(errs, loc, "raid", "'%s' is not a valid parameter count", w[1]);
	if (tparse_u64(o, "chunkSize", w[2], loc, errs) < 0)
		return -1;
	size_t i = 3, end = 2 + (size_t)np;
	struct marks m = {0};
	int r = 0;
	while (r == 0 && i < end)
		r = parse_param(w, end, &i, o, &m, loc, errs);
	if (r == 0)
		r = parse_devices(w, n, end, o, &m, loc, errs);
	free(m.idx);
	free(m.key);
	return r;
}

static bool is_level(const struct vmap_obj *o, const char *prefix)
{
	return !strncmp(vmap_obj_str(o, "level", ""), prefix, strlen(prefix));
}

static void emit_marks(const struct vmap_value *devs, const char *key, const char *word,
		       struct sbuf *out)
{
	for (size_t d = 0; d < devs->n_items; d++)
		if (vmap_obj_bool(&devs->items[d], key))
			sbuf_printf(out, " %s %zu", word, d);
}

static int emit_param(const struct vmap_obj *o, size_t k, struct vmap_emit_ctx *ctx,
		      struct sbuf *out, struct vmap_errlist *errs)
{
	if (!vmap_obj_has(o, params[k].key))
		return 0;
	sbuf_printf(out, " %s ", params[k].word);
	switch (params[k].kind) {
	case P_DEV: return temit_device(o, params[k].key, ctx, out, errs);
	case P_STR: sbuf_add(out, vmap_obj_str(o, params[k].key, "")); return 0;
	case P_U64: break;
	}
	uint64_t v = vmap_obj_u64(o, params[k].key, 0);
	/* dm-raid keeps max_write_behind halved and reports it so */
	if (ctx->mode == VMAP_EMIT_CANON && !strcmp(params[k].key, "maxWriteBehind"))
		v /= 2;
	sbuf_printf(out, "%llu", ULL(v));
	return 0;
}

static int emit(const struct vmap_obj *o, struct vmap_emit_ctx *ctx, struct sbuf *out,
		struct vmap_errlist *errs)
{
	const char *level = vmap_obj_str(o, "level", NULL);
	if (!level)
		return temit_missing(o, "level", "raid", errs);
	const struct vmap_value *devs = vmap_obj_get(o, "devices");
	unsigned count = 1 + vmap_obj_bool(o, "sync") + vmap_obj_bool(o, "nosync");
	for (size_t d = 0; d < devs->n_items; d++)
		count += 2u * vmap_obj_bool(&devs->items[d], "rebuild") +
			 2u * vmap_obj_bool(&devs->items[d], "writeMostly");
	for (size_t k = 0; k < NFIELDS(params); k++)
		count += 2u * vmap_obj_has(o, params[k].key);
	uint64_t chunk = strcmp(level, "raid1") ? vmap_obj_u64(o, "chunkSize", 0) : 0;
	sbuf_printf(out, "%s %u %llu", level, count, ULL(chunk));
	if (vmap_obj_bool(o, "sync"))
		sbuf_add(out, " sync");
	if (vmap_obj_bool(o, "nosync"))
		sbuf_add(out, " nosync");
	emit_marks(devs, "rebuild", "rebuild", out);
	for (size_t k = 0; k < NFIELDS(params); k++) {
		if (k == FIRST_AFTER_WRITE_MOSTLY)
			emit_marks(devs, "writeMostly", "write_mostly", out);
		if (emit_param(o, k, ctx, out, errs) < 0)
			return -1;
	}
	sbuf_printf(out, " %zu", devs->n_items);
	for (size_t d = 0; d < devs->n_items; d++) {
		static const char *const parts[] = {"metadata", "data"};
		for (size_t p = 0; p < 2; p++) {
			sbuf_addc(out, ' ');
			if (!vmap_obj_has(&devs->items[d], parts[p]))
				sbuf_addc(out, '-');
			else if (temit_device(&devs->items[d], parts[p], ctx, out, errs) < 0)
				return -1;
		}
	}
	return 0;
}

static int validate(const struct vmap_target *t, const char *volume, struct vmap_errlist *errs)
{
	const struct vmap_obj *o = &t->args;
	const struct vmap_value *devs = vmap_obj_get(o, "devices");
	int r = 0;
	bool raid1 = is_level(o, "raid1") && !is_level(o, "raid10");
	bool raid10 = is_level(o, "raid10");
	bool raid456 = is_level(o, "raid4") || is_level(o, "raid5") || is_level(o, "raid6");
	uint64_t chunk = vmap_obj_u64(o, "chunkSize", 0);
	if (!raid1 && (!tis_pow2(chunk) || chunk < 8))
		r = tinvalid(t, "chunkSize", volume, errs,
			     "chunkSize %llu sectors is not a power of two of at least 8", ULL(chunk));
	if (vmap_obj_has(o, "regionSize") && !tis_pow2(vmap_obj_u64(o, "regionSize", 0)))
		r = tinvalid(t, "regionSize", volume, errs, "regionSize is not a power of two");
	if (vmap_obj_bool(o, "sync") && vmap_obj_bool(o, "nosync"))
		r = tinvalid(t, "nosync", volume, errs, "sync and nosync exclude each other");
	size_t rebuild = 0, wm = 0;
	for (size_t d = 0; d < devs->n_items; d++) {
		rebuild += vmap_obj_bool(&devs->items[d], "rebuild");
		wm += vmap_obj_bool(&devs->items[d], "writeMostly");
		if (!vmap_obj_has(&devs->items[d], "data") && vmap_obj_has(&devs->items[d], "metadata")) {
			vmap_spec_err(errs, tloc(&devs->items[d], "metadata"), volume,
				      "raid target: a leg with metadata needs its data device");
			r = -1;
		}
	}
	if (rebuild && (vmap_obj_bool(o, "sync") || vmap_obj_bool(o, "nosync")))
		r = tinvalid(t, "devices", volume, errs, "rebuild excludes sync and nosync");
	if (wm && !raid1)
		r = tinvalid(t, "devices", volume, errs, "writeMostly is for raid1 only");
	if (wm && wm == devs->n_items)
		r = tinvalid(t, "devices", volume, errs, "not every raid1 leg can be writeMostly");
	if (vmap_obj_has(o, "maxWriteBehind") && !raid1)
		r = tinvalid(t, "maxWriteBehind", volume, errs, "maxWriteBehind is for raid1 only");
	if ((vmap_obj_has(o, "raid10Copies") || vmap_obj_has(o, "raid10Format")) && !raid10)
		r = tinvalid(t, vmap_obj_has(o, "raid10Copies") ? "raid10Copies" : "raid10Format", volume,
			     errs, "raid10Copies and raid10Format are for raid10 only");
	if (raid10 && vmap_obj_u64(o, "raid10Copies", 2) > devs->n_items)
		r = tinvalid(t, "raid10Copies", volume, errs, "more raid10 copies than devices");
	if (!raid456) {
		static const char *const only456[] = {"stripeCache", "journalDev", "journalMode"};
		for (size_t k = 0; k < NFIELDS(only456); k++)
			if (vmap_obj_has(o, only456[k]))
				r = tinvalid(t, only456[k], volume, errs, "%s is for raid4/5/6 only",
					     only456[k]);
	}
	if (vmap_obj_has(o, "journalMode") && !vmap_obj_has(o, "journalDev"))
		r = tinvalid(t, "journalMode", volume, errs, "journalMode needs journalDev");
	const char *dd = vmap_obj_str(o, "deltaDisks", NULL);
	if (dd) {
		char *end;
		long v = strtol(dd, &end, 10);
		if (!*dd || *end || v < -252 || v > 252)
			r = tinvalid(t, "deltaDisks", volume, errs, "deltaDisks '%s' is not a signed number of legs", dd);
	}
	return r;
}

/* dm-raid reports max_write_behind at half the value it was loaded with:
 * put live text words back into load units before parsing them. */
static void live_to_load(char **w, size_t n)
{
	for (size_t i = 0; i + 1 < n; i++) {
		uint64_t v;
		if (tword_is(w[i], "max_write_behind") && parse_u64(w[i + 1], &v) && v <= UINT64_MAX / 2) {
			free(w[i + 1]);
			w[i + 1] = xasprintf("%llu", ULL(v * 2));
		}
	}
}

/* raid1 legs are copies: sector i is sector i of each leg's data device
 * that holds the data (live: health 'A' in the status "raid1 N HEALTH
 * ..."; new: the first leg with a data device, where a rebuild copies
 * from).  Other levels spread data and parity over the legs: vmapctl
 * cannot tell, UNKNOWN (an unchanged table is still "kept": the planner
 * compares equal tables before it asks). */
static void identity(const struct vmap_obj *o, struct vmap_ident_ctx *ctx, uint64_t rel,
		     uint64_t len, struct vmap_pieces *out)
{
	const char *level = vmap_obj_str(o, "level", "");
	const struct vmap_value *devs = vmap_obj_get(o, "devices");
	if (strcmp(level, "raid1") || !devs->n_items) {
		tident_unknown(out, len, "raid levels other than raid1 spread data vmapctl cannot follow");
		return;
	}
	size_t n = devs->n_items, n_at = 0, nw = 0;
	struct vmap_place *at = xcalloc(n + 1, sizeof(*at));
	char **w = ctx->live ? split_words(ctx->status ? ctx->status : "", &nw) : NULL;
	const char *health = nw > 2 && strlen(w[2]) == n ? w[2] : NULL;
	for (size_t i = 0; i < n && (ctx->live || !n_at); i++) {
		if (ctx->live && !(health && health[i] == 'A'))
			continue;
		char *key = tident_device(ctx, &devs->items[i], "data");
		if (key)
			at[n_at++] = (struct vmap_place){key, vmap_obj_u64(o, "dataOffset", 0) + rel};
	}
	if (n_at) {
		char *label = xasprintf("raid1 leg %s%s", at[0].key,
					 n_at > 1 ? " (and its in-sync copies)" : "");
		vmap_pieces_add(out, len, VMAP_PIECE_DATA, at, n_at, "", label);
		free(label);
	} else {
		tident_unknown(out, len, "raid1 with no leg known to hold the data");
	}
	for (size_t i = 0; i < n_at; i++)
		free(at[i].key);
	free(at);
	strv_free(w);
}

/* dm-raid runs MD's personality of the level, loaded on demand. */
static void extra_modules(const struct vmap_obj *o, void (*add)(const char *mod, void *arg),
			  void *arg)
{
	const char *level = vmap_obj_str(o, "level", "");
	if (!strncmp(level, "raid4", 5) || !strncmp(level, "raid5", 5) || !strncmp(level, "raid6", 5))
		add("raid456", arg);
	else if (!strcmp(level, "raid0") || !strcmp(level, "raid1") || !strcmp(level, "raid10"))
		add(level, arg);
}

const struct vmap_target_type vmap_tt_raid = {
	.name = "raid",
	.module = "dm-raid",
	.args = {"raid", fields, NFIELDS(fields), "MD RAID levels 0, 1, 10, 4, 5, 6 (dm-raid)"},
	.parse = parse,
	.emit = emit,
	.validate = validate,
	.live_to_load = live_to_load,
	.identity = identity,
	.identity_status = true,
	.extra_modules = extra_modules,
};
