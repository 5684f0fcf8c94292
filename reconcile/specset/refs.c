/* refs.c: checks across the whole spec set (duplicate names and
 * uuids, references to volumes that are not there, reference cycles), the
 * dependency relation they are checked on (kept in each volume's deps for
 * the planner), and the order errors are reported in. */
#include "specset/refs.h"
#include "targets/target.h"

#include <stdlib.h>
#include <string.h>

#include "base/util.h"

/* --- an index of volumes by name ------------------------------------------ */

struct index {
	struct vmap_str_ix *v;
	size_t n;
};

static void index_build(struct index *ix, const struct spec_build *b, bool by_uuid)
{
	const struct vmap_specset *set = b->set;
	ix->v = xcalloc(set->n_vols ? set->n_vols : 1, sizeof(*ix->v));
	ix->n = 0;
	for (size_t i = 0; i < set->n_vols; i++) {
		const char *key = by_uuid ? set->vols[i].uuid : set->vols[i].name;
		if (key && (by_uuid || b->vinfo[i].name_ok))
			ix->v[ix->n++] = (struct vmap_str_ix){key, i};
	}
	qsort(ix->v, ix->n, sizeof(*ix->v), vmap_str_ix_cmp);
}

/* The first volume (in set order) called `name`. */
static const struct vmap_volume *lookup_index(const struct vmap_specset *set, const char *name,
					      void *ctx)
{
	const struct index *ix = ctx;
	const struct vmap_str_ix *e = vmap_str_ix_find(ix->v, ix->n, name);
	return e ? &set->vols[e->i] : NULL;
}

/* --- duplicates ----------------------------------------------------------- */

static void check_duplicates(struct spec_build *b, const struct index *names)
{
	const struct vmap_volume *vols = b->set->vols;
	for (size_t k = 1, first = 0; k < names->n; k++) {
		if (strcmp(names->v[k].s, names->v[first].s)) {
			first = k;
			continue;
		}
		const struct vmap_volume *v = &vols[names->v[k].i], *o = &vols[names->v[first].i];
		b->volume = v->name;
		berr(b, &v->name_loc, "name is already used by the volume at %s:%u:%u "
				      "(volume names are unique across the spec set)",
		     o->name_loc.file, o->name_loc.line, o->name_loc.col);
	}
	struct index uu;
	index_build(&uu, b, true);
	for (size_t k = 1, first = 0; k < uu.n; k++) {
		if (strcmp(uu.v[k].s, uu.v[first].s)) {
			first = k;
			continue;
		}
		const struct vmap_volume *v = &vols[uu.v[k].i], *o = &vols[uu.v[first].i];
		if (v->name && o->name && !strcmp(v->name, o->name))
			continue; /* the same name, reported above */
		const struct vmap_loc *ul = &b->vinfo[uu.v[first].i].uuid_loc;
		b->volume = b->vinfo[uu.v[k].i].name_ok ? v->name : NULL;
		berr(b, &b->vinfo[uu.v[k].i].uuid_loc,
		     "uuid '%s' is already used by volume '%s' at %s:%u:%u (give one of them "
		     "another 'uuid')", bq(b, v->uuid), bq(b, o->name ? o->name : "?"), ul->file,
		     ul->line, ul->col);
	}
	free(uu.v);
}

/* --- references to volumes that are not in the set -------------------------- */

struct dangling {
	struct spec_build *b;
	const struct index *names;
};

static void check_ref(const struct vmap_devref *r, void *arg)
{
	struct dangling *d = arg;
	if (r->kind != VMAP_DEV_VOLUME || !r->volume)
		return;
	if (lookup_index(d->b->set, r->volume, (void *)d->names))
		return;
	const char **cands = xmalloc((d->names->n ? d->names->n : 1) * sizeof(*cands));
	for (size_t i = 0; i < d->names->n; i++)
		cands[i] = d->names->v[i].s;
	const char *hint = bsuggest(d->b, r->volume, cands, d->names->n);
	free(cands);
	berr(d->b, &r->loc, "reference to volume '%s', which is not in the spec set%s%s%s",
	     bq(d->b, r->volume), hint ? " (" : "", hint ? hint : "", hint ? ")" : "");
}

static void check_dangling(struct spec_build *b, const struct index *names)
{
	struct dangling d = {b, names};
	for (size_t i = 0; i < b->set->n_vols; i++) {
		const struct vmap_volume *v = &b->set->vols[i];
		b->volume = b->vinfo[i].name_ok ? v->name : NULL;
		for (size_t k = 0; k < v->n_targets; k++)
			vmap_obj_foreach_device(&v->targets[k].args, check_ref, &d);
	}
}

/* --- cycles ----------------------------------------------------------------- */

struct edge {
	size_t to;
	struct vmap_loc loc;
};

struct adj {
	struct edge *e;
	size_t n, cap;
};

struct graph {
	const struct vmap_specset *set;
	struct adj *adj;
	size_t from;
};

/* The dependency relation: an edge for every device reference of a
 * volume's targets that names a volume of the set (vmap_devref_volume:
 * {volume: X}, or the path /dev/mapper/X), in typed fields and in table
 * text alike. */
static void add_edge(const struct vmap_devref *ref, void *arg)
{
	struct graph *g = arg;
	int vi = vmap_devref_volume(g->set, ref);
	if (vi < 0)
		return;
	struct edge e = {(size_t)vi, ref->loc};
	VEC_PUSH(g->adj[g->from].e, g->adj[g->from].n, g->adj[g->from].cap, e);
}

#define CYCLE_SHOW 12 /* volumes named in a cycle message before eliding */

/* One cycle through `s` inside its strongly connected component `comp`:
 * breadth first, so it is a shortest one.  prev[] is all SIZE_MAX on entry
 * and on return; queue[] is scratch; both hold n_vols entries. */
static void report_cycle(struct spec_build *b, const struct adj *adj, const size_t *comp, size_t s,
			 size_t *prev, size_t *prev_edge, size_t *queue)
{
	const struct vmap_volume *vols = b->set->vols;
	size_t head = 0, tail = 0, last = SIZE_MAX, last_edge = 0;
	queue[tail++] = s;
	while (head < tail && last == SIZE_MAX) {
		size_t u = queue[head++];
		for (size_t k = 0; k < adj[u].n; k++) {
			size_t w = adj[u].e[k].to;
			if (comp[w] != comp[s])
				continue;
			if (w == s) {
				last = u;
				last_edge = k;
				break;
			}
			if (prev[w] == SIZE_MAX) {
				prev[w] = u;
				prev_edge[w] = k;
				queue[tail++] = w;
			}
		}
	}
	/* the path s -> ... -> last, collected backwards from last */
	size_t len = 0, *path = xmalloc(tail * sizeof(*path));
	for (size_t u = last; last != SIZE_MAX && u != s; u = prev[u])
		path[len++] = u;
	path[len++] = s;
	for (size_t i = 0; i < tail; i++)
		prev[queue[i]] = SIZE_MAX;
	if (last == SIZE_MAX) { /* cannot happen in a component with a cycle */
		free(path);
		return;
	}
	/* the reference out of s that starts the cycle */
	const struct vmap_loc *loc = len > 1 ? &adj[s].e[prev_edge[path[len - 2]]].loc
					     : &adj[s].e[last_edge].loc;
	struct sbuf m = {0};
	for (size_t pos = 0; pos < len; pos++) {
		if (len > CYCLE_SHOW && pos == CYCLE_SHOW / 2)
			sbuf_printf(&m, "... (%zu more) -> ", len - CYCLE_SHOW);
		if (len > CYCLE_SHOW && pos >= CYCLE_SHOW / 2 && pos < len - CYCLE_SHOW / 2)
			continue;
		sbuf_printf(&m, "%s -> ", vols[path[len - 1 - pos]].name);
	}
	sbuf_add(&m, vols[s].name);
	b->volume = vols[s].name;
	berr(b, loc, "reference cycle: %s (a volume cannot stack on itself, directly or through "
		     "others)", sbuf_str(&m));
	sbuf_free(&m);
	free(path);
}

static void check_cycles(struct spec_build *b)
{
	size_t nv = b->set->n_vols;
	if (!nv)
		return;
	struct graph g = {b->set, xcalloc(nv, sizeof(*g.adj)), 0};
	for (g.from = 0; g.from < nv; g.from++) {
		const struct vmap_volume *v = &b->set->vols[g.from];
		if (!b->vinfo[g.from].name_ok)
			continue;
		for (size_t i = 0; i < v->n_targets; i++)
			vmap_target_foreach_ref(&v->targets[i], add_edge, &g);
	}

	/* Tarjan's strongly connected components, iteratively: a valid
	 * stack can be thousands of volumes deep. */
	const size_t UNSEEN = SIZE_MAX;
	size_t *index = xmalloc(nv * sizeof(*index)), *low = xmalloc(nv * sizeof(*low));
	size_t *comp = xmalloc(nv * sizeof(*comp)), *stack = xmalloc(nv * sizeof(*stack));
	size_t *fv = xmalloc(nv * sizeof(*fv)), *fi = xmalloc(nv * sizeof(*fi));
	bool *on = xcalloc(nv, sizeof(*on));
	/* scratch for report_cycle */
	size_t *prev = xmalloc(nv * sizeof(*prev)), *prev_edge = xmalloc(nv * sizeof(*prev_edge));
	size_t *queue = xmalloc(nv * sizeof(*queue));
	size_t counter = 0, sp = 0, ncomp = 0;
	for (size_t i = 0; i < nv; i++)
		index[i] = comp[i] = prev[i] = UNSEEN;
	for (size_t root = 0; root < nv; root++) {
		if (index[root] != UNSEEN)
			continue;
		size_t depth = 0;
		fv[depth] = root;
		fi[depth++] = 0;
		index[root] = low[root] = counter++;
		stack[sp++] = root;
		on[root] = true;
		while (depth) {
			size_t v = fv[depth - 1];
			if (fi[depth - 1] < g.adj[v].n) {
				size_t w = g.adj[v].e[fi[depth - 1]++].to;
				if (index[w] == UNSEEN) {
					index[w] = low[w] = counter++;
					stack[sp++] = w;
					on[w] = true;
					fv[depth] = w;
					fi[depth++] = 0;
				} else if (on[w] && index[w] < low[v]) {
					low[v] = index[w];
				}
				continue;
			}
			depth--;
			if (depth && low[v] < low[fv[depth - 1]])
				low[fv[depth - 1]] = low[v];
			if (low[v] != index[v])
				continue;
			size_t size = 0, first = v, w;
			do {
				w = stack[--sp];
				on[w] = false;
				comp[w] = ncomp;
				if (w < first)
					first = w;
				size++;
			} while (w != v);
			ncomp++;
			bool self = false;
			for (size_t k = 0; k < g.adj[v].n && !self; k++)
				self = g.adj[v].e[k].to == v;
			if (size > 1 || self)
				report_cycle(b, g.adj, comp, first, prev, prev_edge, queue);
		}
	}
	/* the relation, kept in the volumes: each dependency once */
	for (size_t i = 0; i < nv; i++) {
		struct vmap_volume *v = &b->set->vols[i];
		v->deps = xcalloc(g.adj[i].n + 1, sizeof(*v->deps));
		for (size_t k = 0; k < g.adj[i].n; k++) {
			bool seen = false;
			for (size_t j = 0; j < v->n_deps && !seen; j++)
				seen = v->deps[j] == g.adj[i].e[k].to;
			if (!seen)
				v->deps[v->n_deps++] = g.adj[i].e[k].to;
		}
		free(g.adj[i].e);
	}
	free(g.adj);
	free(index);
	free(low);
	free(comp);
	free(stack);
	free(fv);
	free(fi);
	free(on);
	free(prev);
	free(prev_edge);
	free(queue);
}

void spec_check_set(struct spec_build *b)
{
	struct index names;
	index_build(&names, b, false);
	/* the set keeps the index for vmap_specset_find (when every volume
	 * has a valid name: else the set is refused anyway, and a search
	 * without it works too) */
	if (names.n == b->set->n_vols) {
		b->set->by_name = xcalloc(names.n + 1, sizeof(size_t));
		for (size_t i = 0; i < names.n; i++)
			b->set->by_name[i] = names.v[i].i;
	}
	check_duplicates(b, &names);
	/* with a file missing, a "dangling" reference may well point into it */
	if (!b->incomplete)
		check_dangling(b, &names);
	check_cycles(b);
	b->volume = NULL;
	free(names.v);
}

/* --- the order of the report ------------------------------------------------ */

struct errpos {
	struct vmap_error e;
	size_t rank, seq;
};

static int errpos_cmp(const void *x, const void *y)
{
	const struct errpos *a = x, *c = y;
	if (a->rank != c->rank)
		return a->rank < c->rank ? -1 : 1;
	if (a->e.line != c->e.line)
		return a->e.line < c->e.line ? -1 : 1;
	if (a->e.col != c->e.col)
		return a->e.col < c->e.col ? -1 : 1;
	return (a->seq > c->seq) - (a->seq < c->seq);
}

static bool same_error(const struct vmap_error *a, const struct vmap_error *c)
{
	return a->kind == c->kind && a->line == c->line && a->col == c->col &&
	       !strcmp(a->msg, c->msg) && !strcmp(a->file ? a->file : "", c->file ? c->file : "") &&
	       !strcmp(a->volume ? a->volume : "", c->volume ? c->volume : "");
}

static void free_error(struct vmap_error *e)
{
	free(e->file);
	free(e->volume);
	free(e->msg);
	free(e->kmsg);
}

/* File order, then position; the same error twice (a value reached
 * through two YAML aliases) once. */
void spec_sort_errors(struct spec_build *b)
{
	struct vmap_errlist *el = b->errs;
	size_t n = el->n - b->err0;
	if (n < 2)
		return;
	struct index files = {xcalloc(b->set->n_files + 1, sizeof(*files.v)), 0};
	for (size_t i = 0; i < b->set->n_files; i++)
		files.v[files.n++] = (struct vmap_str_ix){b->set->files[i], i};
	qsort(files.v, files.n, sizeof(*files.v), vmap_str_ix_cmp);
	struct errpos *p = xmalloc(n * sizeof(*p));
	for (size_t k = 0; k < n; k++) {
		struct vmap_error *e = &el->v[b->err0 + k];
		p[k] = (struct errpos){*e, 0, k};
		if (e->file) {
			const struct vmap_str_ix *f = vmap_str_ix_find(files.v, files.n, e->file);
			p[k].rank = f ? f->i + 1 : b->set->n_files + 1;
		}
	}
	qsort(p, n, sizeof(*p), errpos_cmp);
	size_t out = b->err0;
	for (size_t k = 0; k < n; k++) {
		bool dup = false;
		for (size_t j = out; j-- > b->err0 && !dup;) {
			if (el->v[j].line != p[k].e.line || el->v[j].col != p[k].e.col)
				break;
			dup = same_error(&el->v[j], &p[k].e);
		}
		if (dup)
			free_error(&p[k].e);
		else
			el->v[out++] = p[k].e;
	}
	el->n = out;
	free(p);
	free(files.v);
}
