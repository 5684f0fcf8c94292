/* common.c: see common.h. */
#include "common.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int tparse_fail(struct vmap_errlist *errs, const struct vmap_loc *loc, const char *type,
		const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *m = xvasprintf(fmt, ap);
	va_end(ap);
	vmap_spec_err(errs, loc, NULL, "%s target: %s", type, m);
	free(m);
	return -1;
}

int tparse_need(size_t i, size_t need, size_t n, struct vmap_errlist *errs,
		const struct vmap_loc *loc, const char *type)
{
	if (i + need <= n)
		return 0;
	return tparse_fail(errs, loc, type, "too few arguments");
}

static void set_loc(struct vmap_value *v, const struct vmap_loc *loc)
{
	v->set = true;
	if (loc)
		v->loc = *loc;
}

int tparse_device(struct vmap_obj *o, const char *key, const char *w, const struct vmap_loc *loc,
		  struct vmap_errlist *errs)
{
	struct vmap_value *v = vmap_obj_getw(o, key);
	struct vmap_devref *d = xcalloc(1, sizeof(*d));
	unsigned maj, min;
	char tail;
	if (sscanf(w, "%u:%u%c", &maj, &min, &tail) == 2) {
		d->kind = VMAP_DEV_MAJMIN;
		d->major = maj;
		d->minor = min;
	} else if (w[0] == '/') {
		d->kind = VMAP_DEV_PATH;
		d->path = xstrdup(w);
	} else {
		free(d);
		vmap_spec_err(errs, loc, NULL, "'%s' is not a device (MAJ:MIN or a /dev path)", w);
		return -1;
	}
	if (loc)
		d->loc = *loc;
	vmap_devref_free(v->dev);
	v->dev = d;
	set_loc(v, loc);
	return 0;
}

int tparse_u64(struct vmap_obj *o, const char *key, const char *w, const struct vmap_loc *loc,
	       struct vmap_errlist *errs)
{
	struct vmap_value *v = vmap_obj_getw(o, key);
	if (!parse_u64(w, &v->u)) {
		vmap_spec_err(errs, loc, NULL, "'%s' is not an unsigned integer (for %s)", w, key);
		return -1;
	}
	set_loc(v, loc);
	return 0;
}

void tparse_str(struct vmap_obj *o, const char *key, const char *w, const struct vmap_loc *loc)
{
	struct vmap_value *v = vmap_obj_getw(o, key);
	free(v->s);
	v->s = xstrdup(w);
	set_loc(v, loc);
}

struct vmap_obj *tparse_add_item(struct vmap_obj *o, const char *key, const struct vmap_loc *loc)
{
	size_t i;
	for (i = 0; i < o->type->n_fields; i++)
		if (!strcmp(o->type->fields[i].key, key))
			break;
	struct vmap_value *v = vmap_obj_getw(o, key);
	v->items = xrealloc(v->items, (v->n_items + 1) * sizeof(*v->items));
	struct vmap_obj *item = &v->items[v->n_items++];
	memset(item, 0, sizeof(*item));
	vmap_obj_init(item, o->type->fields[i].item);
	if (loc)
		item->loc = *loc;
	set_loc(v, loc);
	return item;
}

int temit_device(const struct vmap_obj *o, const char *key, struct vmap_emit_ctx *ctx,
		 struct sbuf *out, struct vmap_errlist *errs)
{
	const struct vmap_value *v = vmap_obj_get(o, key);
	if (!v->set || !v->dev) {
		vmap_spec_err(errs, &o->loc, NULL, "'%s' is required", key);
		return -1;
	}
	return ctx->device(ctx, v->dev, out, errs);
}
