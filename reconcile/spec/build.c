/* build.c: a YAML tree -> volumes of the spec set; key checking and
 * message helpers for the other spec_*.c files (see spec_build.h). */
#include "spec/build.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"

#define API_VERSION "vmapctl/v1"

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
		while (k < n && strcmp(keys[k], p->key->str))
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

/* --- volumes ---------------------------------------------------------------- */

static void volume_name(struct spec_build *b, struct vmap_volume *v, struct spec_vinfo *vi,
			const struct ypair *p)
{
	const char *name;
	if (!p) {
		berr(b, &v->loc, "missing required key 'name'");
		return;
	}
	v->name_loc = p->value->loc;
	if (!bstring(b, p->value, "name", &name))
		return;
	v->name = xstrdup(name);
	const char *why = vmap_name_problem(name, VMAP_NAME_MAX);
	if (why) {
		berr(b, &p->value->loc,
		     "volume name '%s' %s (a name is 1..%d characters of A-Z a-z 0-9 # + - . : = @ _)",
		     bq(b, name), why, VMAP_NAME_MAX);
		return;
	}
	vi->name_ok = true;
	b->volume = v->name;
}

static void volume_uuid(struct spec_build *b, struct vmap_volume *v, struct spec_vinfo *vi,
			const struct ypair *p)
{
	const size_t max = VMAP_UUID_MAX - strlen(VMAP_UUID_PREFIX);
	const char *id = v->name;
	vi->uuid_loc = v->name_loc;
	if (p) {
		vi->uuid_given = true;
		vi->uuid_loc = p->value->loc;
		if (!bstring(b, p->value, "uuid", &id))
			return;
		const char *why = vmap_name_problem(id, max);
		if (why) {
			berr(b, &p->value->loc,
			     "uuid '%s' %s (1..%zu characters of A-Z a-z 0-9 # + - . : = @ _; "
			     "the device's uuid is \"" VMAP_UUID_PREFIX "\" + this, at most %d)",
			     bq(b, id), why, max, VMAP_UUID_MAX);
			return;
		}
	} else if (!vi->name_ok) {
		return;
	}
	v->uuid = xasprintf(VMAP_UUID_PREFIX "%s", id);
}

static void volume_suspend(struct spec_build *b, struct vmap_volume *v, const struct ypair *p)
{
	static const char *const policies[] = {"auto", "noflush", "flush"};
	const char *s;
	if (!p || !bstring(b, p->value, "suspend", &s))
		return;
	for (size_t i = 0; i < 3; i++)
		if (!strcmp(s, policies[i])) {
			v->suspend = (enum vmap_suspend_policy)i;
			return;
		}
	const char *hint = bsuggest(b, s, policies, 3);
	berr(b, &p->value->loc, "'suspend' is '%s', not one of auto, noflush, flush%s%s%s",
	     bq(b, s), hint ? " (" : "", hint ? hint : "", hint ? ")" : "");
}

static void build_volume(struct spec_build *b, const struct ynode *n)
{
	static const char *const keys[] = {"name", "uuid", "readOnly", "suspend", "targets", "table"};
	enum { K_NAME, K_UUID, K_RO, K_SUSPEND, K_TARGETS, K_TABLE, K__N };
	const struct ypair *kv[K__N];
	b->volume = NULL;
	if (!bmapping(b, n, "volumes", "a volume"))
		return;
	struct vmap_volume v = {.loc = n->loc, .name_loc = n->loc};
	struct spec_vinfo vi = {0};
	/* the name first: every other error about this volume carries it */
	const struct ypair *np = NULL;
	for (size_t i = 0; i < n->n_pairs && !np; i++)
		if (!strcmp(n->pairs[i].key->str, "name"))
			np = &n->pairs[i];
	volume_name(b, &v, &vi, np);
	bkeys(b, n, keys, K__N, kv, "a volume");
	volume_uuid(b, &v, &vi, kv[K_UUID]);
	if (kv[K_RO])
		bbool(b, kv[K_RO]->value, "readOnly", &v.read_only);
	volume_suspend(b, &v, kv[K_SUSPEND]);
	if (kv[K_TARGETS] && kv[K_TABLE])
		berr(b, &kv[K_TABLE]->key->loc,
		     "a volume has 'targets' or 'table', not both (keep one of them)");
	else if (kv[K_TARGETS])
		spec_build_targets(b, &v, kv[K_TARGETS]->value);
	else if (kv[K_TABLE])
		spec_build_table(b, &v, kv[K_TABLE]->value);
	else
		berr(b, &v.loc, "a volume needs 'targets' (a list of typed targets) or 'table' "
				"(dmsetup table text)");
	VEC_PUSH(b->set->vols, b->set->n_vols, b->cap_vols, v);
	VEC_PUSH(b->vinfo, b->n_vinfo, b->cap_vinfo, vi);
	b->volume = NULL;
}

static void build_doc(struct spec_build *b, const struct ynode *root)
{
	static const char *const keys[] = {"apiVersion", "volumes"};
	const struct ypair *kv[2];
	if (!root || (root->kind == YNODE_SCALAR && ynode_scalar_type(root) == YS_NULL)) {
		struct vmap_loc loc = {b->file, 1, 1};
		berr(b, &loc, "the spec file is empty (it needs 'apiVersion: " API_VERSION
			      "' and 'volumes:')");
		return;
	}
	if (root->kind != YNODE_MAP) {
		berr(b, &root->loc, "the top level must be a mapping with 'apiVersion' and 'volumes', "
				    "not %s", ynode_describe(root));
		return;
	}
	bkeys(b, root, keys, 2, kv, "the top level");
	if (!kv[0]) {
		berr(b, &root->loc, "missing required key 'apiVersion' (write 'apiVersion: " API_VERSION "')");
	} else {
		const char *api;
		if (!bstring(b, kv[0]->value, "apiVersion", &api))
			return;
		if (strcmp(api, API_VERSION)) {
			/* another version may mean anything: checking the rest
			 * against v1 would only produce noise */
			berr(b, &kv[0]->value->loc,
			     "unsupported apiVersion '%s' (this vmapctl reads " API_VERSION ")", bq(b, api));
			return;
		}
	}
	if (!kv[1]) {
		berr(b, &root->loc, "missing required key 'volumes' (a list; it may be empty: 'volumes: []')");
		return;
	}
	if (!blist(b, kv[1]->value, "volumes"))
		return;
	for (size_t i = 0; i < kv[1]->value->n_items; i++)
		build_volume(b, kv[1]->value->items[i]);
}

void spec_build_text(struct spec_build *b, const char *file, const char *data, size_t len)
{
	struct ydoc doc;
	b->file = file;
	b->volume = NULL;
	if (ydoc_parse(&doc, file, data, len, b->errs) < 0) {
		b->incomplete = true;
		return;
	}
	b->doc = &doc;
	build_doc(b, doc.root);
	b->doc = NULL;
	ydoc_free(&doc);
}

int spec_build_finish(struct spec_build *b)
{
	/* Look across the set even after errors: a duplicate name in another
	 * file is worth knowing together with a typo here. */
	spec_check_set(b);
	spec_sort_errors(b);
	for (size_t i = 0; i < b->n_tmp; i++)
		free(b->tmp[i]);
	free(b->tmp);
	free(b->vinfo);
	b->tmp = NULL;
	b->vinfo = NULL;
	if (b->errs->n > b->err0) {
		vmap_specset_free(b->set);
		return -1;
	}
	return 0;
}
