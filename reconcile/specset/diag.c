/* diag.c: the builder's state and its messages: errors at a place,
 * quoting, "did you mean", and the keys of a mapping (see diag.h). */
#include "specset/diag.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"

void spec_build_init(struct spec_build *b, struct vmap_specset *set, struct vmap_errlist *errs)
{
	memset(b, 0, sizeof(*b));
	memset(set, 0, sizeof(*set));
	b->set = set;
	b->errs = errs;
	b->err0 = errs->n;
}

const char *spec_build_add_file(struct spec_build *b, const char *name)
{
	char *copy = xstrdup(name);
	VEC_PUSH(b->set->files, b->set->n_files, b->cap_files, copy);
	return copy;
}

/* --- messages ------------------------------------------------------------ */

void berr(struct spec_build *b, const struct vmap_loc *loc, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *m = xvasprintf(fmt, ap);
	va_end(ap);
	vmap_spec_err(b->errs, loc, b->volume, "%s", m);
	free(m);
}

static const char *keep(struct spec_build *b, char *s)
{
	VEC_PUSH(b->tmp, b->n_tmp, b->cap_tmp, s);
	return s;
}

#define QUOTE_MAX 64

const char *bq(struct spec_build *b, const char *s)
{
	struct sbuf o = {0};
	size_t i = 0;
	for (; s[i] && o.len < QUOTE_MAX; i++) {
		unsigned char c = (unsigned char)s[i];
		/* C0 and C1 controls could drive the user's terminal */
		if (c < 0x20 || c == 0x7f)
			sbuf_printf(&o, "\\x%02x", c);
		else if (c == 0xc2 && (unsigned char)s[i + 1] >= 0x80 && (unsigned char)s[i + 1] < 0xa0)
			sbuf_printf(&o, "\\u%04x", (unsigned char)s[++i]);
		else
			sbuf_addc(&o, (char)c);
	}
	if (s[i]) {
		/* do not cut a UTF-8 sequence in half */
		while (o.len && ((unsigned char)o.s[o.len - 1] & 0xC0) == 0x80)
			o.len--;
		if (o.len && (unsigned char)o.s[o.len - 1] >= 0xC0)
			o.len--;
		o.s[o.len] = '\0';
		sbuf_add(&o, "...");
	}
	return keep(b, sbuf_take(&o));
}

const char *bjoin(struct spec_build *b, const char *const *cands, size_t n)
{
	struct sbuf o = {0};
	for (size_t i = 0; i < n; i++) {
		if (i)
			sbuf_add(&o, i + 1 == n ? " or " : ", ");
		sbuf_add(&o, cands[i]);
	}
	return keep(b, sbuf_take(&o));
}

static int lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* Edit distance with transpositions (optimal string alignment), case
 * folded; `limit` + 1 when it is larger than `limit`.  Three rolling rows:
 * the strings are user input of any length. */
static size_t distance(const char *a, const char *b, size_t limit)
{
	size_t la = strlen(a), lb = strlen(b);
	if ((la > lb ? la - lb : lb - la) > limit)
		return limit + 1;
	size_t *row = xmalloc(3 * (lb + 1) * sizeof(*row));
	size_t *pp = row, *p = row + lb + 1, *c = row + 2 * (lb + 1);
	for (size_t j = 0; j <= lb; j++)
		p[j] = j;
	for (size_t i = 1; i <= la; i++) {
		c[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t v = p[j - 1] + (lower(a[i - 1]) != lower(b[j - 1]));
			if (p[j] + 1 < v)
				v = p[j] + 1;
			if (c[j - 1] + 1 < v)
				v = c[j - 1] + 1;
			if (i > 1 && j > 1 && lower(a[i - 1]) == lower(b[j - 2]) &&
			    lower(a[i - 2]) == lower(b[j - 1]) && pp[j - 2] + 1 < v)
				v = pp[j - 2] + 1;
			c[j] = v;
		}
		size_t *t = pp;
		pp = p;
		p = c;
		c = t;
	}
	size_t d = p[lb];
	free(row);
	return d;
}

const char *bsuggest(struct spec_build *b, const char *s, const char *const *cands, size_t n)
{
	const char *best = NULL;
	size_t bestd = SIZE_MAX;
	for (size_t i = 0; i < n; i++) {
		/* one edit for short words, two for longer ones: beyond that a
		 * "did you mean" is more often wrong than helpful */
		size_t limit = strlen(cands[i]) >= 6 ? 2 : 1;
		size_t dd = distance(s, cands[i], limit);
		if (dd <= limit && dd < bestd) {
			best = cands[i];
			bestd = dd;
		}
	}
	return best ? keep(b, xasprintf("did you mean '%s'?", best)) : NULL;
}

/* --- keys of a mapping ---------------------------------------------------- */

struct keyref {
	const char *key;
	size_t i;
};

static int keyref_cmp(const void *x, const void *y)
{
	const struct keyref *a = x, *c = y;
	int r = strcmp(a->key, c->key);
	return r ? r : (a->i > c->i) - (a->i < c->i);
}

void bdups(struct spec_build *b, const struct ynode *m)
{
	size_t n = m->n_pairs;
	if (n < 2)
		return;
	/* A mapping of a spec has a handful of keys, each once: a few
	 * compares tell that, with no allocation or sort; only a mapping
	 * with a duplicate, or many keys, is sorted (which also orders the
	 * messages by key). */
	if (n <= 8) {
		bool dup = false;
		/* (the first letters first: keys mostly differ there, and
		 * this runs for every mapping of the set) */
		for (size_t i = 1; i < n && !dup; i++)
			for (size_t j = 0; j < i && !dup; j++)
				dup = m->pairs[i].key->str[0] == m->pairs[j].key->str[0] &&
				      !strcmp(m->pairs[i].key->str, m->pairs[j].key->str);
		if (!dup)
			return;
	}
	/* sorted, so that a mapping with many keys is not quadratic */
	struct keyref *k = xmalloc(n * sizeof(*k));
	for (size_t i = 0; i < n; i++)
		k[i] = (struct keyref){m->pairs[i].key->str, i};
	qsort(k, n, sizeof(*k), keyref_cmp);
	for (size_t i = 1, first = 0; i < n; i++) {
		if (strcmp(k[i].key, k[first].key)) {
			first = i;
			continue;
		}
		const struct ynode *dup = m->pairs[k[i].i].key, *orig = m->pairs[k[first].i].key;
		berr(b, &dup->loc, "duplicate key '%s' (first given at %u:%u)", bq(b, dup->str),
		     orig->loc.line, orig->loc.col);
	}
	free(k);
}

void bkeys(struct spec_build *b, const struct ynode *m, const char *const *keys, size_t n,
	   const struct ypair **out, const char *what)
{
	for (size_t k = 0; k < n; k++)
		out[k] = NULL;
	bdups(b, m);
	for (size_t i = 0; i < m->n_pairs; i++) {
		const struct ypair *p = &m->pairs[i];
		size_t k = 0;
		while (k < n && (keys[k][0] != p->key->str[0] || strcmp(keys[k], p->key->str)))
			k++;
		if (k < n) {
			if (!out[k])
				out[k] = p;
			continue;
		}
		if (!strcmp(p->key->str, "<<")) {
			berr(b, &p->key->loc, "YAML merge keys ('<<') are not supported (write the keys out)");
			continue;
		}
		const char *hint = bsuggest(b, p->key->str, keys, n);
		if (hint)
			berr(b, &p->key->loc, "unknown key '%s' (%s)", bq(b, p->key->str), hint);
		else if (n)
			berr(b, &p->key->loc, "unknown key '%s' (%s takes %s)", bq(b, p->key->str), what,
			     bjoin(b, keys, n));
		else
			berr(b, &p->key->loc, "unknown key '%s' (%s takes no keys)", bq(b, p->key->str), what);
	}
}
