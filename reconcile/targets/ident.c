/* ident.c: data identity (see target.h): pieces, the dispatcher, and the
 * helpers the type files describe their data with (common.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "targets/common.h"
#include "targets/target.h"

static void piece_free(struct vmap_piece *p)
{
	for (size_t i = 0; i < p->n_at; i++)
		free(p->at[i].key);
	free(p->at);
	free(p->tune);
	free(p->label);
}

void vmap_pieces_add(struct vmap_pieces *p, uint64_t len, enum vmap_piece_kind kind,
		     const struct vmap_place *at, size_t n_at, const char *tune, const char *label)
{
	if (!len)
		return;
	/* past the limit everything else is one UNKNOWN piece: a striped
	 * volume of a terabyte is millions of chunks */
	if (p->limit && p->n >= p->limit) {
		struct vmap_piece *last = &p->v[p->n - 1];
		if (last->kind != VMAP_PIECE_UNKNOWN) {
			piece_free(last);
			*last = (struct vmap_piece){.len = last->len, .kind = VMAP_PIECE_UNKNOWN,
						    .tune = xstrdup(""),
						    .label = xstrdup("more pieces than vmapctl compares")};
		}
		last->len += len;
		return;
	}
	/* the same place continuing: one piece */
	if (p->n && kind == p->v[p->n - 1].kind && n_at == p->v[p->n - 1].n_at && n_at <= 1) {
		struct vmap_piece *last = &p->v[p->n - 1];
		bool same = !strcmp(last->tune, tune ? tune : "");
		if (same && n_at == 1)
			same = !strcmp(last->at[0].key, at[0].key) &&
			       last->at[0].pos + last->len == at[0].pos;
		if (same && kind != VMAP_PIECE_UNKNOWN) {
			last->len += len;
			return;
		}
	}
	struct vmap_piece pc = {.len = len, .kind = kind, .n_at = n_at,
				.tune = xstrdup(tune ? tune : ""), .label = xstrdup(label ? label : "")};
	pc.at = xcalloc(n_at ? n_at : 1, sizeof(*pc.at));
	for (size_t i = 0; i < n_at; i++)
		pc.at[i] = (struct vmap_place){xstrdup(at[i].key), at[i].pos};
	VEC_PUSH(p->v, p->n, p->cap, pc);
}

void vmap_pieces_free(struct vmap_pieces *p)
{
	for (size_t i = 0; i < p->n; i++)
		piece_free(&p->v[i]);
	free(p->v);
	p->v = NULL;
	p->n = p->cap = 0;
}

void vmap_target_identity(const struct vmap_target *t, struct vmap_ident_ctx *ctx, uint64_t rel,
			  uint64_t len, struct vmap_pieces *out)
{
	if (t->opaque || !t->tt->identity) {
		char *label = xasprintf("%s (vmapctl cannot tell what it maps)", t->kernel_name);
		vmap_pieces_add(out, len, VMAP_PIECE_UNKNOWN, NULL, 0, "", label);
		free(label);
		return;
	}
	t->tt->identity(&t->args, ctx, rel, len, out);
}

/* ---- helpers for the type files ---- */

char *tident_device(struct vmap_ident_ctx *ctx, const struct vmap_obj *o, const char *key)
{
	const struct vmap_value *v = vmap_obj_get(o, key);
	return v->set && v->dev ? ctx->device(ctx, v->dev) : NULL;
}

void tident_unknown(struct vmap_pieces *out, uint64_t len, const char *why)
{
	vmap_pieces_add(out, len, VMAP_PIECE_UNKNOWN, NULL, 0, "", why);
}

void tident_none(struct vmap_pieces *out, uint64_t len, const char *type)
{
	vmap_pieces_add(out, len, VMAP_PIECE_NONE, NULL, 0, "", type);
}

/* "dev:7:0" -> "7:0" for people */
static const char *short_key(const char *key)
{
	const char *c = strchr(key, ':');
	return !strncmp(key, "dev:", 4) && c ? c + 1 : key;
}

void tident_at(struct vmap_pieces *out, uint64_t len, const char *type, char *key, uint64_t pos,
	       const char *tune)
{
	if (!key) {
		char *why = xasprintf("%s on a device vmapctl cannot identify", type);
		tident_unknown(out, len, why);
		free(why);
		return;
	}
	struct vmap_place at = {key, pos};
	char *label = xasprintf("%s %s", type, short_key(key));
	vmap_pieces_add(out, len, VMAP_PIECE_DATA, &at, 1, tune, label);
	free(label);
	free(key);
}

void tident_tune_field(struct sbuf *tune, const struct vmap_obj *o, const char *key)
{
	const struct vmap_value *v = vmap_obj_get(o, key);
	if (!v->set)
		return;
	for (size_t i = 0; i < o->type->n_fields; i++) {
		const struct vmap_field *f = &o->type->fields[i];
		if (strcmp(f->key, key))
			continue;
		switch (f->kind) {
		case VMAP_F_U64:
		case VMAP_F_SECTORS:
		case VMAP_F_BOOL: sbuf_printf(tune, "%s=%llu;", key, (unsigned long long)v->u); break;
		case VMAP_F_STRING:
		case VMAP_F_ENUM:
		case VMAP_F_HEX: sbuf_printf(tune, "%s=%s;", key, v->s ? v->s : ""); break;
		default: sbuf_printf(tune, "%s=?;", key); break;
		}
	}
}
