/* linear.c: `linear <dev> <offset>`. */
#include "targets/common.h"

static const struct vmap_field fields[] = {
	{.key = "device", .kind = VMAP_F_DEVICE, .flags = VMAP_FF_REQUIRED,
	 .doc = "the device to map"},
	{.key = "offset", .kind = VMAP_F_SECTORS,
	 .doc = "where on the device the mapping starts (default 0)"},
};

static int parse(char *const *w, size_t n, struct vmap_obj *o, const struct vmap_loc *loc,
		 struct vmap_errlist *errs)
{
	if (n != 2)
		return tparse_fail(errs, loc, "linear", "takes 2 arguments (device offset), not %zu", n);
	if (tparse_device(o, "device", w[0], loc, errs) < 0 ||
	    tparse_u64(o, "offset", w[1], loc, errs) < 0)
		return -1;
	return 0;
}

static int emit(const struct vmap_obj *o, struct vmap_emit_ctx *ctx, struct sbuf *out,
		struct vmap_errlist *errs)
{
	if (temit_device(o, "device", ctx, out, errs) < 0)
		return -1;
	sbuf_addc(out, ' ');
	sbuf_add_u64(out, vmap_obj_u64(o, "offset", 0));
	return 0;
}

/* Sector i shows sector offset + i of the device. */
static void identity(const struct vmap_obj *o, struct vmap_ident_ctx *ctx, uint64_t rel,
		     uint64_t len, struct vmap_pieces *out)
{
	tident_at(out, len, "linear", tident_device(ctx, o, "device"),
		  vmap_obj_u64(o, "offset", 0) + rel, "");
}

const struct vmap_target_type vmap_tt_linear = {
	.name = "linear",
	.flags = VMAP_TT_DM_INIT,
	.args = {"linear", fields, NFIELDS(fields), "map a range of one device"},
	.size_device_key = "device",
	.size_offset_key = "offset",
	.parse = parse,
	.emit = emit,
	.identity = identity,
};
