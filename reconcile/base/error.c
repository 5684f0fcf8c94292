/* error.c: see error.h. */
#include "base/error.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"

void vmap_err(struct vmap_errlist *el, enum vmap_errkind kind, int errnum,
	      const struct vmap_loc *loc, const char *volume, const char *fmt, ...)
{
	struct vmap_error e = {.kind = kind, .errnum = errnum};
	if (loc && loc->file) {
		e.file = xstrdup(loc->file);
		e.line = loc->line;
		e.col = loc->col;
	}
	e.volume = xstrdup(volume);
	va_list ap;
	va_start(ap, fmt);
	e.msg = xvasprintf(fmt, ap);
	va_end(ap);
	VEC_PUSH(el->v, el->n, el->cap, e);
}

/* Which kind wins when several are present: the one that tells the
 * caller most precisely what to do differently. */
static int severity(enum vmap_errkind k)
{
	switch (k) {
	case VMAP_E_USAGE: return 6;
	case VMAP_E_SPEC: return 5;
	case VMAP_E_LOCK: return 4;
	case VMAP_E_FAILED: return 3;
	case VMAP_E_TIMEOUT: return 2;
	case VMAP_E_POLICY: return 1;
	}
	return 0;
}

enum vmap_errkind vmap_errlist_worst(const struct vmap_errlist *el)
{
	enum vmap_errkind w = VMAP_E_FAILED;
	int best = -1;
	for (size_t i = 0; i < el->n; i++)
		if (severity(el->v[i].kind) > best) {
			best = severity(el->v[i].kind);
			w = el->v[i].kind;
		}
	return w;
}

void vmap_errlist_move(struct vmap_errlist *to, struct vmap_errlist *from)
{
	for (size_t i = 0; i < from->n; i++)
		VEC_PUSH(to->v, to->n, to->cap, from->v[i]);
	free(from->v);
	from->v = NULL;
	from->n = from->cap = 0;
}

char *vmap_error_format(const struct vmap_error *e)
{
	struct sbuf b = {0};
	if (e->file) {
		sbuf_add(&b, e->file);
		if (e->line)
			sbuf_printf(&b, ":%u:%u", e->line, e->col);
		sbuf_add(&b, ": ");
	}
	if (e->volume)
		sbuf_printf(&b, "volume '%s': ", e->volume);
	sbuf_add(&b, e->msg);
	if (e->errnum)
		sbuf_printf(&b, ": %s", strerror(e->errnum));
	if (e->kmsg && *e->kmsg)
		sbuf_printf(&b, " (kernel: %s)", e->kmsg);
	return sbuf_take(&b);
}

void vmap_errlist_clear(struct vmap_errlist *el)
{
	for (size_t i = 0; i < el->n; i++) {
		free(el->v[i].file);
		free(el->v[i].volume);
		free(el->v[i].msg);
		free(el->v[i].kmsg);
	}
	free(el->v);
	el->v = NULL;
	el->n = el->cap = 0;
}
