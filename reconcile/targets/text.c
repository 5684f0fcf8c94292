/* text.c: table text from targets, and canonical live text (see
 * target.h).  The per-type knowledge lives in targets/; this file routes
 * raw and table: targets and provides the context used for live text. */
#include <stdio.h>
#include <string.h>

#include "model/secret.h"
#include "targets/target.h"
#include "targets/common.h"
#include "base/util.h"

const struct vmap_target_type *vmap_target_type_find(const char *name)
{
	for (const struct vmap_target_type *const *t = vmap_target_types; *t; t++)
		if (!strcmp((*t)->name, name))
			return *t;
	return NULL;
}

/* Arguments of a target type vmapctl does not know: blanks collapsed,
 * device paths resolved (a word starting with /dev/). */
static int emit_opaque(const char *args, struct vmap_emit_ctx *ctx, const struct vmap_loc *loc,
		       struct sbuf *out, struct vmap_errlist *errs)
{
	size_t n;
	char **w = split_words(args ? args : "", &n);
	int r = 0;
	for (size_t i = 0; i < n && r == 0; i++) {
		if (i)
			sbuf_addc(out, ' ');
		if (!strncmp(w[i], "/dev/", 5) && ctx && ctx->device) {
			struct vmap_devref ref = {.kind = VMAP_DEV_PATH, .path = w[i]};
			if (loc)
				ref.loc = *loc;
			r = ctx->device(ctx, &ref, out, errs);
		} else {
			sbuf_add(out, w[i]);
		}
	}
	strv_free(w);
	return r;
}

/* Where the kernel reports a value in other units than it was loaded
 * with, live text is put back into load units before it is parsed (the
 * type's emit then writes the reported form in CANON mode). */
static const struct {
	const char *type;
	void (*to_load)(char **w, size_t n);
} live_hooks[] = {
	{"raid", vmap_raid_live_to_load},
};

/* Parse `args` as a known type's kernel text and emit it canonically.
 * `live`: the text is what the kernel reported, not what a user wrote. */
static int reemit(const struct vmap_target_type *tt, const char *args, bool live,
		  struct vmap_emit_ctx *ctx, const struct vmap_loc *loc, struct sbuf *out,
		  struct vmap_errlist *errs)
{
	size_t n;
	char **w = split_words(args ? args : "", &n);
	for (size_t i = 0; live && i < sizeof(live_hooks) / sizeof(live_hooks[0]); i++)
		if (!strcmp(live_hooks[i].type, tt->name))
			live_hooks[i].to_load(w, n);
	struct vmap_obj o = {0};
	vmap_obj_init(&o, &tt->args);
	if (loc)
		o.loc = *loc;
	int r = tt->parse(w, n, &o, loc, errs);
	if (r == 0)
		r = tt->emit(&o, ctx, out, errs);
	vmap_obj_free(&o);
	/* the words of a type with keys may hold one */
	for (size_t i = 0; (tt->flags & VMAP_TT_SECRET) && i < n; i++)
		explicit_bzero(w[i], strlen(w[i]));
	strv_free(w);
	return r;
}

int vmap_target_emit(const struct vmap_target *t, struct vmap_emit_ctx *ctx, struct sbuf *out,
		     struct vmap_errlist *errs)
{
	if (t->tt && t->tt != &vmap_tt_raw)
		return t->tt->emit(&t->args, ctx, out, errs);
	const struct vmap_target_type *known = vmap_target_type_find(t->kernel_name);
	if (known)
		return reemit(known, t->raw_args, false, ctx, &t->loc, out, errs);
	return emit_opaque(t->raw_args, ctx, &t->loc, out, errs);
}

/* The context for text read from the kernel: devices are already MAJ:MIN,
 * keys become digests. */
static int live_device(struct vmap_emit_ctx *ctx, const struct vmap_devref *ref,
		       struct sbuf *out, struct vmap_errlist *errs)
{
	(void)ctx;
	(void)errs;
	if (ref->kind == VMAP_DEV_MAJMIN)
		sbuf_printf(out, "%u:%u", ref->major, ref->minor);
	else if (ref->kind == VMAP_DEV_PATH)
		sbuf_add(out, ref->path);
	else
		sbuf_printf(out, "<volume:%s>", ref->volume ? ref->volume : "?");
	return 0;
}

static int live_secret(struct vmap_emit_ctx *ctx, const struct vmap_secret *s, struct sbuf *out,
		       struct vmap_errlist *errs)
{
	return vmap_secret_text(s, ctx->mode, NULL, out, errs);
}

int vmap_canon_live_params(const char *type, const char *params, struct vmap_emit_ctx *ctx,
			   struct sbuf *out, struct vmap_errlist *errs)
{
	struct vmap_emit_ctx dflt = {.mode = VMAP_EMIT_CANON, .device = live_device,
				     .secret = live_secret};
	if (!ctx)
		ctx = &dflt;
	const struct vmap_target_type *tt = vmap_target_type_find(type);
	if (tt)
		return reemit(tt, params, true, ctx, NULL, out, errs);
	return emit_opaque(params, ctx, NULL, out, errs);
}
