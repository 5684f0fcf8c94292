/* delay.c: `delay <dev> <offset> <ms> [<wdev> <woffset> <wms> [<fdev>
 * <foffset> <fms>]]`: reads (and, unless given apart, writes and flushes)
 * go to the first device after a delay.
 *
 * The kernel reports the form it was given (3, 6 or 9 arguments). */
#include "targets/common.h"

static const struct vmap_field fields[] = {
	{.key = "device", .kind = VMAP_F_DEVICE, .flags = VMAP_FF_REQUIRED,
	 .doc = "the device reads go to (and writes and flushes unless given apart)"},
	{.key = "offset", .kind = VMAP_F_SECTORS, .doc = "where on the device the mapping starts (default 0)"},
	{.key = "delay", .kind = VMAP_F_U64, .doc = "read delay in milliseconds (default 0)"},
	{.key = "writeDevice", .kind = VMAP_F_DEVICE,
	 .doc = "the device writes go to (default: device)"},
	{.key = "writeOffset", .kind = VMAP_F_SECTORS,
	 .doc = "where writes start on writeDevice (default: offset)"},
	{.key = "writeDelay", .kind = VMAP_F_U64, .doc = "write delay in milliseconds (default: delay)"},
	{.key = "flushDevice", .kind = VMAP_F_DEVICE,
	 .doc = "the device flushes go to (default: the write device)"},
	{.key = "flushOffset", .kind = VMAP_F_SECTORS,
	 .doc = "where flushes start on flushDevice (default: the write offset)"},
	{.key = "flushDelay", .kind = VMAP_F_U64, .doc = "flush delay in milliseconds (default: the write delay)"},
};

static const char *const classes[3][3] = {
	{"device", "offset", "delay"},
	{"writeDevice", "writeOffset", "writeDelay"},
	{"flushDevice", "flushOffset", "flushDelay"},
};

static int parse(char *const *w, size_t n, struct vmap_obj *o, const struct vmap_loc *loc,
		 struct vmap_errlist *errs)
{
	if (n != 3 && n != 6 && n != 9)
		return tparse_fail(errs, loc, "delay", "takes 3, 6 or 9 arguments, not %zu", n);
	for (size_t c = 0; c < n / 3; c++)
		if (tparse_device(o, classes[c][0], w[3 * c], loc, errs) < 0 ||
		    tparse_u64(o, classes[c][1], w[3 * c + 1], loc, errs) < 0 ||
		    tparse_u64(o, classes[c][2], w[3 * c + 2], loc, errs) < 0)
			return -1;
	return 0;
}

static bool class_given(const struct vmap_obj *o, size_t c)
{
	return vmap_obj_has(o, classes[c][0]) || vmap_obj_has(o, classes[c][1]) ||
	       vmap_obj_has(o, classes[c][2]);
}

static int emit(const struct vmap_obj *o, struct vmap_emit_ctx *ctx, struct sbuf *out,
		struct vmap_errlist *errs)
{
	/* the flush class needs the write class written out before it */
	size_t n = class_given(o, 2) ? 3 : class_given(o, 1) ? 2 : 1;
	size_t from[3] = {0, 0, 0}; /* where each part comes from when omitted */
	for (size_t c = 0; c < n; c++) {
		if (c)
			sbuf_addc(out, ' ');
		for (size_t part = 0; part < 3; part++) {
			/* an omitted part falls back to the class before it */
			size_t src = c;
			while (src > 0 && !vmap_obj_has(o, classes[src][part]))
				src--;
			from[part] = src;
		}
		if (temit_device(o, classes[from[0]][0], ctx, out, errs) < 0)
			return -1;
		sbuf_printf(out, " %llu %llu", ULL(vmap_obj_u64(o, classes[from[1]][1], 0)),
			    ULL(vmap_obj_u64(o, classes[from[2]][2], 0)));
	}
	return 0;
}

/* Reads show sector offset + i of the device.  Writes going to another
 * place than reads come from make a layout of their own: that is part of
 * the identity.  The delays only tune. */
static void identity(const struct vmap_obj *o, struct vmap_ident_ctx *ctx, uint64_t rel,
		     uint64_t len, struct vmap_pieces *out)
{
	struct sbuf tune = {0};
	tident_tune_field(&tune, o, "delay");
	tident_tune_field(&tune, o, "writeDelay");
	tident_tune_field(&tune, o, "flushDelay");
	char *dev = tident_device(ctx, o, "device");
	uint64_t off = vmap_obj_u64(o, "offset", 0);
	char *wdev = tident_device(ctx, o, "writeDevice");
	char *key = NULL;
	if (dev && (!wdev || (!strcmp(wdev, dev) && vmap_obj_u64(o, "writeOffset", 0) == off)))
		key = xstrdup(dev);
	else if (dev && wdev)
		key = xasprintf("delay(read %s, write %s %+lld)", dev, wdev,
				 (long long)(vmap_obj_u64(o, "writeOffset", 0) - off));
	tident_at(out, len, "delay", key, off + rel, sbuf_str(&tune));
	free(dev);
	free(wdev);
	sbuf_free(&tune);
}

const struct vmap_target_type vmap_tt_delay = {
	.name = "delay",
	.module = "dm-delay",
	.flags = VMAP_TT_DM_INIT,
	.args = {"delay", fields, NFIELDS(fields), "delay reads, writes and flushes (testing)"},
	.size_device_key = "device",
	.size_offset_key = "offset",
	.parse = parse,
	.emit = emit,
	.identity = identity,
};
