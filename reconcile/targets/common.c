/* common.c: see common.h. */
#include "targets/common.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "model/secret.h"

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

int tparse_count(char *const *w, size_t n, size_t *i, uint64_t max, size_t *count,
		 const char *what, const struct vmap_loc *loc, const char *type,
		 struct vmap_errlist *errs)
{
	uint64_t c;
	if (*i >= n)
		return tparse_fail(errs, loc, type, "the count of %s is missing", what);
	if (!parse_u64(w[*i], &c) || c > max)
		return tparse_fail(errs, loc, type, "'%s' is not a valid count of %s", w[*i], what);
	if (c > n - *i - 1)
		return tparse_fail(errs, loc, type, "%llu %s announced but only %zu words follow",
				   ULL(c), what, n - *i - 1);
	*count = (size_t)c;
	(*i)++;
	return 0;
}

bool tword_is(const char *w, const char *name)
{
	return !strcasecmp(w, name);
}

const char *tword_after(const char *w, const char *prefix)
{
	size_t n = strlen(prefix);
	return strncasecmp(w, prefix, n) ? NULL : w + n;
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
	if (parse_devno(w, &maj, &min)) {
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

void tparse_flag(struct vmap_obj *o, const char *key, const struct vmap_loc *loc)
{
	struct vmap_value *v = vmap_obj_getw(o, key);
	v->u = 1;
	set_loc(v, loc);
}

void tparse_hex_secret(struct vmap_obj *o, const char *key, const char *w,
		       const struct vmap_loc *loc)
{
	struct vmap_value *v = vmap_obj_getw(o, key);
	struct vmap_secret *s = xcalloc(1, sizeof(*s));
	s->kind = VMAP_SECRET_HEX;
	s->value = xstrdup(w);
	if (loc)
		s->loc = *loc;
	vmap_secret_free(v->secret);
	v->secret = s;
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

int temit_missing(const struct vmap_obj *o, const char *key, const char *type,
		  struct vmap_errlist *errs)
{
	vmap_spec_err(errs, &o->loc, NULL, "%s target: '%s' is required", type, key);
	return -1;
}

int temit_device(const struct vmap_obj *o, const char *key, struct vmap_emit_ctx *ctx,
		 struct sbuf *out, struct vmap_errlist *errs)
{
	const struct vmap_value *v = vmap_obj_get(o, key);
	if (!v->set || !v->dev)
		return temit_missing(o, key, o->type->name, errs);
	return ctx->device(ctx, v->dev, out, errs);
}

int temit_secret(const struct vmap_obj *o, const char *key, struct vmap_emit_ctx *ctx,
		 struct sbuf *out, struct vmap_errlist *errs)
{
	const struct vmap_value *v = vmap_obj_get(o, key);
	if (!v->set || !v->secret)
		return temit_missing(o, key, o->type->name, errs);
	if (ctx->secret)
		return ctx->secret(ctx, v->secret, out, errs);
	/* no way to read key material here: never fall back to copying it */
	return vmap_secret_text(v->secret, VMAP_EMIT_CANON, NULL, out, errs);
}

void temit_hex_lower(const char *hex, struct sbuf *out)
{
	for (const char *p = hex; *p; p++)
		sbuf_addc(out, (char)tolower((unsigned char)*p));
}

const struct vmap_loc *tloc(const struct vmap_obj *o, const char *key)
{
	const struct vmap_value *v = vmap_obj_get(o, key);
	return v->set && v->loc.file ? &v->loc : &o->loc;
}

int tinvalid(const struct vmap_target *t, const char *key, const char *volume,
	     struct vmap_errlist *errs, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *m = xvasprintf(fmt, ap);
	va_end(ap);
	const struct vmap_loc *loc = key ? tloc(&t->args, key) : &t->loc;
	if (!loc->file)
		loc = &t->loc;
	vmap_spec_err(errs, loc, volume, "%s target: %s", t->tt ? t->tt->name : "?", m);
	free(m);
	return -1;
}

bool tis_pow2(uint64_t v)
{
	return v && !(v & (v - 1));
}

unsigned tlog2(uint64_t v)
{
	unsigned r = 0;
	while (v >>= 1)
		r++;
	return r;
}
