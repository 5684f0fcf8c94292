/* text.c: table text to targets and back (see target.h).
 *
 * The per-type knowledge lives in the type files; this file routes: text
 * of a type vmapctl knows goes through that type's parser once, when it
 * is read (a spec's `table:` or `raw`, a live table line), and every later
 * use works on the typed arguments.  Text of a type vmapctl does not know
 * is kept as words, with the device references among them found once. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "model/secret.h"
#include "targets/common.h"
#include "targets/target.h"

/* The words of an opaque target, and which of them name devices. */
static struct vmap_opaque *opaque_read(char **words, size_t n, const struct vmap_loc *loc)
{
	struct vmap_opaque *o = xcalloc(1, sizeof(*o));
	size_t cap = 0, wcap = 0;
	o->words = words;
	o->n_words = n;
	for (size_t i = 0; i < n; i++) {
		struct vmap_devref ref = {0};
		if (loc)
			ref.loc = *loc;
		if (!strncmp(words[i], "/dev/", 5)) {
			ref.kind = VMAP_DEV_PATH;
			ref.path = xstrdup(words[i]);
		} else if (parse_devno(words[i], &ref.major, &ref.minor)) {
			ref.kind = VMAP_DEV_MAJMIN;
		} else {
			continue;
		}
		o->ref_word = xgrow(o->ref_word, &wcap, o->n_refs + 1, sizeof(*o->ref_word));
		o->ref_word[o->n_refs] = i;
		VEC_PUSH(o->refs, o->n_refs, cap, ref);
	}
	return o;
}

void vmap_target_read_opaque(struct vmap_target *t, const char *kernel_name, const char *text,
			     enum vmap_target_form form, const struct vmap_loc *loc)
{
	size_t n;
	char **w = split_words(text ? text : "", &n);
	t->form = form;
	t->kernel_name = xstrdup(kernel_name);
	if (loc) {
		t->loc = *loc;
		t->args_loc = *loc;
	}
	t->tt = &vmap_tt_raw;
	t->opaque = opaque_read(w, n, loc);
}

int vmap_target_read_text(struct vmap_target *t, const char *kernel_name, const char *text,
			  enum vmap_target_form form, const struct vmap_loc *loc,
			  struct vmap_errlist *errs)
{
	size_t n;
	char **w = split_words(text ? text : "", &n);
	const struct vmap_target_type *tt = vmap_target_type_find(kernel_name);
	if (!tt) {
		strv_free(w);
		vmap_target_read_opaque(t, kernel_name, text, form, loc);
		return 0;
	}
	t->form = form;
	t->kernel_name = xstrdup(kernel_name);
	if (loc) {
		t->loc = *loc;
		t->args_loc = *loc;
	}
	t->tt = tt;
	if (form == VMAP_FORM_LIVE && tt->live_to_load)
		tt->live_to_load(w, n);
	vmap_obj_init(&t->args, &tt->args);
	if (loc)
		t->args.loc = *loc;
	int r = tt->parse(w, n, &t->args, loc, errs);
	if (r < 0 && errs && (!errs->n || errs->v[errs->n - 1].kind != VMAP_E_SPEC))
		vmap_spec_err(errs, loc, NULL, "the arguments of a %s target do not parse", tt->name);
	/* the words of a type with keys may hold one */
	for (size_t i = 0; (tt->flags & VMAP_TT_SECRET) && i < n; i++)
		explicit_bzero(w[i], strlen(w[i]));
	strv_free(w);
	return r;
}

/* An opaque target's words, blanks collapsed, device references resolved
 * through ctx. */
static int emit_opaque(const struct vmap_opaque *o, struct vmap_emit_ctx *ctx, struct sbuf *out,
		       struct vmap_errlist *errs)
{
	size_t k = 0;
	int r = 0;
	for (size_t i = 0; i < o->n_words && r == 0; i++) {
		if (i)
			sbuf_addc(out, ' ');
		if (k < o->n_refs && o->ref_word[k] == i) {
			const struct vmap_devref *ref = &o->refs[k++];
			/* MAJ:MIN stays as written; paths become numbers */
			if (ref->kind == VMAP_DEV_PATH && ctx && ctx->device) {
				r = ctx->device(ctx, ref, out, errs);
				continue;
			}
		}
		sbuf_add(out, o->words[i]);
	}
	return r;
}

int vmap_target_emit(const struct vmap_target *t, struct vmap_emit_ctx *ctx, struct sbuf *out,
		     struct vmap_errlist *errs)
{
	if (t->opaque)
		return emit_opaque(t->opaque, ctx, out, errs);
	return t->tt->emit(&t->args, ctx, out, errs);
}

void vmap_target_foreach_ref(const struct vmap_target *t,
			     void (*fn)(const struct vmap_devref *ref, void *arg), void *arg)
{
	if (!t->opaque) {
		vmap_obj_foreach_device(&t->args, fn, arg);
		return;
	}
	for (size_t i = 0; i < t->opaque->n_refs; i++)
		fn(&t->opaque->refs[i], arg);
}

int vmap_target_request_based(const struct vmap_target *t)
{
	if (t->opaque || !t->tt || (t->tt->flags & VMAP_TT_ANY_QUEUE))
		return -1;
	return t->tt->request_based && t->tt->request_based(&t->args);
}

static void hide_obj(struct vmap_obj *o)
{
	for (size_t i = 0; o->v && i < o->type->n_fields; i++) {
		struct vmap_value *v = &o->v[i];
		if (!v->set)
			continue;
		if (o->type->fields[i].kind == VMAP_F_SECRET)
			vmap_secret_hide(v->secret);
		else if (o->type->fields[i].kind == VMAP_F_LIST)
			for (size_t k = 0; k < v->n_items; k++)
				hide_obj(&v->items[k]);
	}
}

void vmap_target_hide_keys(struct vmap_target *t)
{
	if (!t->opaque)
		hide_obj(&t->args);
}

struct uses {
	vmap_ref_match match;
	void *arg;
	bool hit;
};

static void note_use(const struct vmap_devref *ref, void *arg)
{
	struct uses *u = arg;
	if (u->match(ref, u->arg))
		u->hit = true;
}

int64_t vmap_target_extent(const struct vmap_target *t, uint64_t len, vmap_ref_match match,
			   void *arg)
{
	struct uses u = {match, arg, false};
	vmap_target_foreach_ref(t, note_use, &u);
	if (!u.hit)
		return 0;
	const struct vmap_target_type *tt = t->tt;
	if (t->opaque)
		return -1;
	if (tt->extent)
		return tt->extent(&t->args, len, match, arg);
	if (!tt->size_device_key)
		return -1;
	/* A single-device type maps [offset, offset + len) of its device;
	 * another device field of it (delay's write device...) pointing at
	 * the same device makes more than one range: cannot tell. */
	const struct vmap_obj *o = &t->args;
	int64_t end = 0;
	for (size_t i = 0; i < o->type->n_fields; i++) {
		const struct vmap_field *f = &o->type->fields[i];
		if (f->kind != VMAP_F_DEVICE || !o->v[i].set || !o->v[i].dev ||
		    !match(o->v[i].dev, arg))
			continue;
		if (strcmp(f->key, tt->size_device_key))
			return -1;
		uint64_t off = tt->size_offset_key ? vmap_obj_u64(o, tt->size_offset_key, 0) : 0;
		end = (int64_t)(off + len);
	}
	return end;
}
