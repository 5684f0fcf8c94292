/* canon.c: live table lines made canonical, keys hidden (see canon.h). */
#include "live/canon.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "model/secret.h"
#include "targets/target.h"

/* Text read from the kernel names devices by number already. */
static int live_device(struct vmap_emit_ctx *ctx, const struct vmap_devref *ref,
		       struct sbuf *out, struct vmap_errlist *errs)
{
	(void)ctx;
	(void)errs;
	if (ref->kind == VMAP_DEV_MAJMIN)
		sbuf_add_devno(out, ref->major, ref->minor);
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

/* Call fn for each blank-separated word of `s` (no copy is made: the
 * words of raw kernel text may be keys). */
static bool each_word(const char *s, bool (*fn)(size_t i, const char *w, size_t len, void *arg),
		      void *arg)
{
	for (size_t i = 0;; i++) {
		while (*s && isspace((unsigned char)*s))
			s++;
		if (!*s)
			return false;
		const char *w = s;
		while (*s && !isspace((unsigned char)*s))
			s++;
		if (fn(i, w, (size_t)(s - w), arg))
			return true;
	}
}

struct redact {
	const struct vmap_target_type *tt;
	struct sbuf out;
};

static bool redact_word(size_t i, const char *w, size_t len, void *arg)
{
	struct redact *r = arg;
	long keep = r->tt && r->tt->key_prefix ? r->tt->key_prefix(i, w, len) : -1;
	if (i)
		sbuf_addc(&r->out, ' ');
	if (keep < 0) {
		sbuf_addn(&r->out, w, len);
	} else {
		sbuf_addn(&r->out, w, (size_t)keep);
		vmap_key_text_digest(w + keep, len - (size_t)keep, &r->out);
	}
	return false;
}

/* Blanks collapsed, key words replaced by their digest.  Works on the raw
 * text in place word by word, so no copy of a key is made. */
static char *redacted(const struct vmap_target_type *tt, const char *raw)
{
	struct redact r = {tt, {0}};
	each_word(raw, redact_word, &r);
	/* sbuf_take may hand over a buffer that grew by realloc; the old
	 * copies never held a key (keys are appended as digests only) */
	return sbuf_take(&r.out);
}

struct leak {
	const struct vmap_target_type *tt;
	const char *canon;
};

static bool leaks_word(size_t i, const char *w, size_t len, void *arg)
{
	struct leak *lk = arg;
	long keep = lk->tt->key_prefix(i, w, len);
	if (keep < 0)
		return false;
	const char *key = w + keep;
	size_t klen = len - (size_t)keep;
	for (const char *p = lk->canon; klen && (p = strchr(p, key[0])); p++)
		if (!strncmp(p, key, klen))
			return true;
	return false;
}

/* True when any key word of `raw` appears verbatim in `canon`: a guard
 * against a type's emitter letting a key through. */
static bool leaks_key(const struct vmap_target_type *tt, const char *raw, const char *canon)
{
	struct leak lk = {tt, canon};
	return tt && tt->key_prefix && each_word(raw, leaks_word, &lk);
}

/* Parse `text` into l->target and emit it canonically into *canon.
 * Returns -1 when the type's parser does not take it. */
static int parse_and_emit(struct vmap_table_line *l, const char *text, char **canon)
{
	struct vmap_emit_ctx ctx = {.mode = VMAP_EMIT_CANON, .device = live_device,
				    .secret = live_secret};
	struct vmap_errlist e = {0};
	struct sbuf out = {0};
	int r = vmap_target_read_text(&l->target, l->type, text, VMAP_FORM_LIVE, NULL, &e);
	if (r == 0) {
		vmap_target_hide_keys(&l->target);
		r = vmap_target_emit(&l->target, &ctx, &out, &e);
	}
	vmap_errlist_clear(&e);
	if (r < 0) {
		if (out.s)
			explicit_bzero(out.s, out.cap);
		sbuf_free(&out);
		vmap_target_free(&l->target);
		return -1;
	}
	*canon = sbuf_take(&out);
	return 0;
}

/* Text the type's parser does not take (a kernel newer than vmapctl):
 * kept as opaque words, keys hidden.  It will not compare equal to a
 * desired table, which is right: vmapctl cannot tell what it means. */
static void keep_opaque(struct vmap_table_line *l, char *text)
{
	vmap_target_read_opaque(&l->target, l->type, text, VMAP_FORM_LIVE, NULL);
	l->params = text;
}

static void set_geometry(struct vmap_table_line *l)
{
	l->target.start = l->start;
	l->target.size = l->len;
}

void vmap_live_line_canon(struct vmap_table_line *l)
{
	char *raw = l->params ? l->params : xstrdup("");
	const struct vmap_target_type *tt = vmap_target_type_find(l->type);
	char *canon = NULL;
	l->params = NULL;
	if (parse_and_emit(l, raw, &canon) == 0 && !leaks_key(tt, raw, canon)) {
		l->params = canon;
	} else {
		if (canon) {
			explicit_bzero(canon, strlen(canon));
			free(canon);
			vmap_target_free(&l->target);
		}
		keep_opaque(l, redacted(tt, raw));
	}
	explicit_bzero(raw, strlen(raw));
	free(raw);
	set_geometry(l);
}

void vmap_live_line_read(struct vmap_table_line *l)
{
	struct vmap_errlist e = {0};
	if (!l->params)
		l->params = xstrdup("");
	/* canonical text is what the kernel reports, keys as digests */
	if (vmap_target_read_text(&l->target, l->type, l->params, VMAP_FORM_LIVE, NULL, &e) < 0) {
		vmap_target_free(&l->target);
		vmap_target_read_opaque(&l->target, l->type, l->params, VMAP_FORM_LIVE, NULL);
	}
	vmap_errlist_clear(&e);
	set_geometry(l);
}
