/* flakey.c: `flakey <dev> <offset> <up> <down> [<#feat> <feat>...]`: the
 * device works for `up` seconds, then misbehaves for `down` seconds.
 *
 * The kernel (6.1) always reports the feature count, and every word after
 * the intervals is followed by a space, so the text ends with one. */
#include "targets/common.h"

#include <string.h>

static const char *const directions[] = {"read", "write", NULL};

static const struct vmap_field fields[] = {
	{.key = "device", .kind = VMAP_F_DEVICE, .flags = VMAP_FF_REQUIRED, .doc = "the device to map"},
	{.key = "offset", .kind = VMAP_F_SECTORS, .doc = "where on the device the mapping starts (default 0)"},
	{.key = "upInterval", .kind = VMAP_F_U64, .flags = VMAP_FF_REQUIRED,
	 .doc = "seconds the device works normally"},
	{.key = "downInterval", .kind = VMAP_F_U64, .flags = VMAP_FF_REQUIRED,
	 .doc = "seconds it then misbehaves (fails all I/O unless a feature says otherwise)"},
	{.key = "dropWrites", .kind = VMAP_F_BOOL,
	 .doc = "while down, drop writes silently and let reads through (drop_writes)"},
	{.key = "errorWrites", .kind = VMAP_F_BOOL,
	 .doc = "while down, fail writes and let reads through (error_writes)"},
	{.key = "corruptBioByte", .kind = VMAP_F_U64, .min = 1,
	 .doc = "while down, corrupt byte N (from 1) of each matching bio (corrupt_bio_byte)"},
	{.key = "corruptBioDirection", .kind = VMAP_F_ENUM, .choices = directions,
	 .doc = "which bios corruptBioByte corrupts: read or write"},
	{.key = "corruptBioValue", .kind = VMAP_F_U64, .max = 255,
	 .doc = "the value written into the corrupted byte, 0..255 (default 0)"},
	{.key = "corruptBioFlags", .kind = VMAP_F_U64,
	 .doc = "only corrupt bios with all these REQ_* flags (default 0: all)"},
};

static int parse(char *const *w, size_t n, struct vmap_obj *o, const struct vmap_loc *loc,
		 struct vmap_errlist *errs)
{
	if (n < 4)
		return tparse_fail(errs, loc, "flakey",
				   "takes at least 4 arguments (device offset up_interval down_interval), not %zu", n);
	if (tparse_device(o, "device", w[0], loc, errs) < 0 ||
	    tparse_u64(o, "offset", w[1], loc, errs) < 0 ||
	    tparse_u64(o, "upInterval", w[2], loc, errs) < 0 ||
	    tparse_u64(o, "downInterval", w[3], loc, errs) < 0)
		return -1;
	size_t i = 4, count = 0;
	if (i < n && tparse_count(w, n, &i, 6, &count, "features", loc, "flakey", errs) < 0)
		return -1;
	if (i + count != n)
		return tparse_fail(errs, loc, "flakey", "%zu words after the features", n - i - count);
	size_t end = n;
	while (i < end) {
		const char *f = w[i++];
		if (tword_is(f, "drop_writes")) {
			tparse_flag(o, "dropWrites", loc);
		} else if (tword_is(f, "error_writes")) {
			tparse_flag(o, "errorWrites", loc);
		} else if (tword_is(f, "corrupt_bio_byte")) {
			if (i + 4 > end)
				return tparse_fail(errs, loc, "flakey", "corrupt_bio_byte needs 4 values");
			const char *dir = w[i + 1];
			if (tword_is(dir, "r"))
				tparse_str(o, "corruptBioDirection", "read", loc);
			else if (tword_is(dir, "w"))
				tparse_str(o, "corruptBioDirection", "write", loc);
			else
				return tparse_fail(errs, loc, "flakey", "'%s' is not r or w", dir);
			if (tparse_u64(o, "corruptBioByte", w[i], loc, errs) < 0 ||
			    tparse_u64(o, "corruptBioValue", w[i + 2], loc, errs) < 0 ||
			    tparse_u64(o, "corruptBioFlags", w[i + 3], loc, errs) < 0)
				return -1;
			i += 4;
		} else {
			return tparse_fail(errs, loc, "flakey", "unknown feature '%s'", f);
		}
	}
	return 0;
}

static int emit(const struct vmap_obj *o, struct vmap_emit_ctx *ctx, struct sbuf *out,
		struct vmap_errlist *errs)
{
	if (temit_device(o, "device", ctx, out, errs) < 0)
		return -1;
	bool drop = vmap_obj_bool(o, "dropWrites"), err = vmap_obj_bool(o, "errorWrites");
	bool corrupt = vmap_obj_u64(o, "corruptBioByte", 0) > 0;
	sbuf_printf(out, " %llu %llu %llu %u ", ULL(vmap_obj_u64(o, "offset", 0)),
		    ULL(vmap_obj_u64(o, "upInterval", 0)), ULL(vmap_obj_u64(o, "downInterval", 0)),
		    (unsigned)drop + err + 5u * corrupt);
	/* the kernel refuses both together; it would report only the first */
	if (drop)
		sbuf_add(out, "drop_writes ");
	else if (err)
		sbuf_add(out, "error_writes ");
	if (corrupt) {
		const char *dir = vmap_obj_str(o, "corruptBioDirection", "write");
		sbuf_printf(out, "corrupt_bio_byte %llu %c %llu %llu ",
			    ULL(vmap_obj_u64(o, "corruptBioByte", 0)), strcmp(dir, "read") ? 'w' : 'r',
			    ULL(vmap_obj_u64(o, "corruptBioValue", 0)),
			    ULL(vmap_obj_u64(o, "corruptBioFlags", 0)));
	}
	return 0;
}

static int validate(const struct vmap_target *t, const char *volume, struct vmap_errlist *errs)
{
	const struct vmap_obj *o = &t->args;
	int r = 0;
	uint64_t up = vmap_obj_u64(o, "upInterval", 0), down = vmap_obj_u64(o, "downInterval", 0);
	if (up > UINT32_MAX || down > UINT32_MAX || up + down > UINT32_MAX)
		r = tinvalid(t, "upInterval", volume, errs, "upInterval + downInterval is too large");
	else if (up + down == 0)
		r = tinvalid(t, "upInterval", volume, errs, "upInterval and downInterval are both 0");
	if (vmap_obj_bool(o, "dropWrites") && vmap_obj_bool(o, "errorWrites"))
		r = tinvalid(t, "errorWrites", volume, errs, "dropWrites and errorWrites exclude each other");
	bool corrupt = vmap_obj_has(o, "corruptBioByte");
	const char *dir = vmap_obj_str(o, "corruptBioDirection", NULL);
	if (corrupt && !dir)
		r = tinvalid(t, "corruptBioByte", volume, errs,
			     "corruptBioByte needs corruptBioDirection (read or write)");
	if (!corrupt && (dir || vmap_obj_has(o, "corruptBioValue") || vmap_obj_has(o, "corruptBioFlags")))
		r = tinvalid(t, dir ? "corruptBioDirection" : "corruptBioValue", volume, errs,
			     "corruptBioDirection, corruptBioValue and corruptBioFlags need corruptBioByte");
	if (corrupt && vmap_obj_u64(o, "corruptBioByte", 0) == 0)
		r = tinvalid(t, "corruptBioByte", volume, errs, "corruptBioByte counts from 1");
	if (corrupt && dir && !strcmp(dir, "write") &&
	    (vmap_obj_bool(o, "dropWrites") || vmap_obj_bool(o, "errorWrites")))
		r = tinvalid(t, "corruptBioDirection", volume, errs,
			     "writes cannot be corrupted while dropWrites or errorWrites is set");
	if (vmap_obj_u64(o, "corruptBioValue", 0) > 255)
		r = tinvalid(t, "corruptBioValue", volume, errs, "corruptBioValue must be 0..255");
	return r;
}

/* Data like linear: sector i is sector offset + i of the device (what
 * the intervals and features do to I/O only tunes). */
static void identity(const struct vmap_obj *o, struct vmap_ident_ctx *ctx, uint64_t rel,
		     uint64_t len, struct vmap_pieces *out)
{
	struct sbuf tune = {0};
	static const char *const tunes[] = {"upInterval", "downInterval", "dropWrites", "errorWrites",
					    "corruptBioByte", "corruptBioDirection",
					    "corruptBioValue", "corruptBioFlags"};
	for (size_t i = 0; i < NFIELDS(tunes); i++)
		tident_tune_field(&tune, o, tunes[i]);
	tident_at(out, len, "flakey", tident_device(ctx, o, "device"),
		  vmap_obj_u64(o, "offset", 0) + rel, sbuf_str(&tune));
	sbuf_free(&tune);
}

const struct vmap_target_type vmap_tt_flakey = {
	.name = "flakey",
	.module = "dm-flakey",
	.args = {"flakey", fields, NFIELDS(fields), "a device that fails periodically (testing)"},
	.size_device_key = "device",
	.size_offset_key = "offset",
	.parse = parse,
	.emit = emit,
	.validate = validate,
	.identity = identity,
};
