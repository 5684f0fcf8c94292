/* zero_error.c: `zero` (reads return zeroes, writes are dropped) and
 * `error` (every I/O fails); neither takes arguments. */
#include "targets/common.h"

static int parse_none(char *const *w, size_t n, struct vmap_obj *o, const struct vmap_loc *loc,
		      struct vmap_errlist *errs)
{
	(void)w;
	(void)o;
	if (n)
		return tparse_fail(errs, loc, o->type->name, "takes no arguments");
	return 0;
}

static int emit_none(const struct vmap_obj *o, struct vmap_emit_ctx *ctx, struct sbuf *out,
		     struct vmap_errlist *errs)
{
	(void)o;
	(void)ctx;
	(void)out;
	(void)errs;
	return 0;
}

/* zero and error show no data: nothing a change could lose. */
static void identity(const struct vmap_obj *o, struct vmap_ident_ctx *ctx, uint64_t rel,
		     uint64_t len, struct vmap_pieces *out)
{
	(void)ctx;
	(void)rel;
	tident_none(out, len, o->type->name);
}

const struct vmap_target_type vmap_tt_zero = {
	.name = "zero",
	.module = "dm-zero",
	.args = {"zero", NULL, 0, "reads return zeroes, writes are discarded"},
	.parse = parse_none,
	.emit = emit_none,
	.identity = identity,
};

const struct vmap_target_type vmap_tt_error = {
	.name = "error",
	.flags = VMAP_TT_ANY_QUEUE,
	.args = {"error", NULL, 0, "every I/O fails"},
	.parse = parse_none,
	.emit = emit_none,
	.identity = identity,
};
