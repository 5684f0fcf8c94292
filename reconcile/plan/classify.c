/* classify.c: see classify.h. */
#include "plan/classify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"

const char *vmap_range_class_name(enum vmap_range_class c)
{
	switch (c) {
	case VMAP_RANGE_KEPT: return "kept";
	case VMAP_RANGE_TUNED: return "tuned";
	case VMAP_RANGE_REMAPPED: return "remapped";
	case VMAP_RANGE_GROWN: return "grown";
	case VMAP_RANGE_SHRUNK: return "shrunk";
	}
	return "?";
}

/* A table line for people: "linear 7:1 2048". */
static char *line_what(const struct vmap_cline *l)
{
	return xasprintf("%s%s%s", l->t->kernel_name, l->params && *l->params ? " " : "",
			 l->params ? l->params : "");
}

/* Add a range of `cls` for sectors [start, start + len) of old line `ol`
 * and new line `nl` (NULL beyond the other table's end). */
static void add_range(struct vmap_ranges *out, uint64_t start, uint64_t len,
		      enum vmap_range_class cls, const char *undecided, const struct vmap_cline *ol,
		      const struct vmap_cline *nl)
{
	if (!len)
		return;
	bool labelled = cls == VMAP_RANGE_REMAPPED || cls == VMAP_RANGE_TUNED;
	if (out->n) {
		struct vmap_range *last = &out->v[out->n - 1];
		bool merge = last->cls == cls && !last->why == !undecided &&
			     last->start + last->len == start;
		/* a labelled run stays within one pair of lines, so that what it
		 * says it shows is true of all of it */
		if (merge && labelled)
			merge = ol && nl && last->old_rel + last->len == start - ol->start &&
				last->new_rel + last->len == start - nl->start &&
				last->start >= ol->start && last->start >= nl->start;
		if (merge) {
			last->len += len;
			return;
		}
	}
	struct vmap_range r = {.start = start, .len = len, .cls = cls,
			       .why = undecided ? xstrdup(undecided) : NULL};
	if (labelled && ol && nl) {
		r.old_what = line_what(ol);
		r.new_what = line_what(nl);
		r.old_rel = start - ol->start;
		r.new_rel = start - nl->start;
	}
	VEC_PUSH(out->v, out->n, out->cap, r);
}

/* Do two pieces show the same data at offsets ooff and noff of them? */
static bool same_data(const struct vmap_piece *op, uint64_t ooff, const struct vmap_piece *np,
		      uint64_t noff)
{
	for (size_t i = 0; i < op->n_at; i++)
		for (size_t k = 0; k < np->n_at; k++)
			if (!strcmp(op->at[i].key, np->at[k].key) &&
			    op->at[i].pos + ooff == np->at[k].pos + noff)
				return true;
	return false;
}

/* Compare the pieces of one segment (both lists cover `len` sectors from
 * `start`) of lines `ol` and `nl`. */
static void compare_pieces(const struct vmap_pieces *o, const struct vmap_pieces *n,
			   uint64_t start, uint64_t len, const struct vmap_cline *ol,
			   const struct vmap_cline *nl, struct vmap_ranges *out)
{
	size_t i = 0, k = 0;
	uint64_t oi_off = 0, nk_off = 0; /* offsets inside the current pieces */
	for (uint64_t s = 0; s < len && i < o->n && k < n->n;) {
		const struct vmap_piece *op = &o->v[i], *np = &n->v[k];
		uint64_t step = op->len - oi_off < np->len - nk_off ? op->len - oi_off : np->len - nk_off;
		if (step > len - s)
			step = len - s;
		enum vmap_range_class cls;
		const char *undecided = NULL;
		if (op->kind == VMAP_PIECE_NONE) {
			/* nothing was shown there: nothing can be lost */
			cls = np->kind == VMAP_PIECE_NONE ? VMAP_RANGE_KEPT : VMAP_RANGE_TUNED;
		} else if (op->kind == VMAP_PIECE_UNKNOWN || np->kind == VMAP_PIECE_UNKNOWN) {
			cls = VMAP_RANGE_REMAPPED;
			undecided = op->kind == VMAP_PIECE_UNKNOWN ? op->label : np->label;
		} else if (np->kind == VMAP_PIECE_NONE) {
			cls = VMAP_RANGE_REMAPPED;
		} else if (same_data(op, oi_off, np, nk_off)) {
			cls = !strcmp(op->tune, np->tune) ? VMAP_RANGE_KEPT : VMAP_RANGE_TUNED;
		} else {
			cls = VMAP_RANGE_REMAPPED;
		}
		add_range(out, start + s, step, cls, undecided, ol, nl);
		s += step;
		oi_off += step;
		nk_off += step;
		if (oi_off == op->len) {
			i++;
			oi_off = 0;
		}
		if (nk_off == np->len) {
			k++;
			nk_off = 0;
		}
	}
}

static uint64_t table_end(const struct vmap_cline *l, size_t n)
{
	return n ? l[n - 1].start + l[n - 1].len : 0;
}

void vmap_classify(const struct vmap_cline *old, size_t n_old, struct vmap_ident_ctx *octx,
		   const struct vmap_cline *nw, size_t n_new, struct vmap_ident_ctx *nctx,
		   struct vmap_ranges *out)
{
	uint64_t old_end = table_end(old, n_old), new_end = table_end(nw, n_new);
	uint64_t end = old_end < new_end ? old_end : new_end;
	size_t oi = 0, ni = 0;
	octx->live = true;
	nctx->live = false;
	nctx->status = NULL;
	for (uint64_t s = 0; s < end;) {
		while (oi < n_old && old[oi].start + old[oi].len <= s)
			oi++;
		while (ni < n_new && nw[ni].start + nw[ni].len <= s)
			ni++;
		if (oi == n_old || ni == n_new)
			break;
		const struct vmap_cline *ol = &old[oi], *nl = &nw[ni];
		uint64_t seg_end = ol->start + ol->len;
		if (nl->start + nl->len < seg_end)
			seg_end = nl->start + nl->len;
		if (end < seg_end)
			seg_end = end;
		uint64_t ro = s - ol->start, rn = s - nl->start, len = seg_end - s;
		/* the same text at the same offset is the same data, whatever the
		 * type (also one vmapctl cannot look into) */
		if (ro == rn && !strcmp(ol->t->kernel_name, nl->t->kernel_name) && ol->params &&
		    nl->params && !strcmp(ol->params, nl->params)) {
			add_range(out, s, len, VMAP_RANGE_KEPT, NULL, ol, nl);
		} else {
			struct vmap_pieces po = {.limit = VMAP_CLASSIFY_PIECES};
			struct vmap_pieces pn = {.limit = VMAP_CLASSIFY_PIECES};
			octx->status = ol->status;
			vmap_target_identity(ol->t, octx, ro, len, &po);
			vmap_target_identity(nl->t, nctx, rn, len, &pn);
			compare_pieces(&po, &pn, s, len, ol, nl, out);
			vmap_pieces_free(&po);
			vmap_pieces_free(&pn);
		}
		s = seg_end;
	}
	if (new_end > old_end)
		add_range(out, old_end, new_end - old_end, VMAP_RANGE_GROWN, NULL, NULL, NULL);
	else if (old_end > new_end)
		add_range(out, new_end, old_end - new_end, VMAP_RANGE_SHRUNK, NULL, NULL, NULL);
}

bool vmap_ranges_have(const struct vmap_ranges *r, enum vmap_range_class c)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->v[i].cls == c)
			return true;
	return false;
}

void vmap_ranges_free(struct vmap_ranges *r)
{
	for (size_t i = 0; i < r->n; i++) {
		free(r->v[i].old_what);
		free(r->v[i].new_what);
		free(r->v[i].why);
	}
	free(r->v);
	memset(r, 0, sizeof(*r));
}
