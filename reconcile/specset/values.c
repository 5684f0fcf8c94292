/* values.c: one YAML value -> one field of a target's arguments, by
 * field kind (see spec.h); and the scalar readers the builder uses.
 *
 * Typing rule: plain (unquoted) scalars are the typed ones, quoted ones
 * are strings.  A plain value that some YAML reader takes for a number,
 * boolean or date (8:16, 010, yes, 1e3, 2024-01-01) is never silently a
 * string: where a string is wanted the error says to quote it. */
#include "specset/values.h"

#include <stdlib.h>
#include <string.h>

#include "base/util.h"

static bool type_error(struct spec_build *b, const struct ynode *n, const char *key,
		       const char *want)
{
	const char *hint = "";
	enum yscalar_type t = ynode_scalar_type(n);
	if (n->kind == YNODE_SCALAR && !strcmp(want, "a string") && t != YS_STR && t != YS_NULL)
		hint = " (quote it to make it a string)";
	else if (n->kind == YNODE_SCALAR && !strncmp(want, "an unsigned", 11) && t == YS_STR)
		hint = n->style == YSTYLE_PLAIN ? "" : " (write the number without quotes)";
	else if (n->kind == YNODE_SCALAR && !strcmp(want, "true or false") && t == YS_OTHER)
		hint = " (write true or false)";
	berr(b, &n->loc, "'%s' must be %s, not %s%s", key, want, ynode_describe(n), hint);
	return false;
}

bool bstring(struct spec_build *b, const struct ynode *n, const char *key, const char **out)
{
	if (n->kind != YNODE_SCALAR || ynode_scalar_type(n) != YS_STR)
		return type_error(b, n, key, "a string");
	if (strlen(n->str) != n->len) {
		berr(b, &n->loc, "'%s' has a NUL character", key);
		return false;
	}
	*out = n->str;
	return true;
}

static bool has_control(const char *s)
{
	for (; *s; s++)
		if (((unsigned char)*s < 0x20 && *s != '\t') || *s == 0x7f)
			return true;
	return false;
}

bool bword(struct spec_build *b, const struct ynode *n, const char *key, const char **out)
{
	if (!bstring(b, n, key, out))
		return false;
	if (!**out) {
		berr(b, &n->loc, "'%s' is empty (leave the key out instead)", key);
		return false;
	}
	if (has_control(*out)) {
		/* a newline would start a new line of the table sent to the kernel */
		berr(b, &n->loc, "'%s' has a control character (such as a newline)", key);
		return false;
	}
	return true;
}

bool bbool(struct spec_build *b, const struct ynode *n, const char *key, bool *out)
{
	if (n->kind != YNODE_SCALAR || ynode_scalar_type(n) != YS_BOOL)
		return type_error(b, n, key, "true or false");
	*out = ynode_bool(n);
	return true;
}

bool bu64(struct spec_build *b, const struct ynode *n, const char *key, uint64_t *out)
{
	if (n->kind != YNODE_SCALAR || ynode_scalar_type(n) != YS_INT)
		return type_error(b, n, key, "an unsigned integer");
	if (n->str[0] == '-' && strcmp(n->str, "-0")) {
		berr(b, &n->loc, "'%s' must not be negative", key);
		return false;
	}
	if (!parse_u64(n->str + (n->str[0] == '+' || n->str[0] == '-'), out)) {
		berr(b, &n->loc, "'%s' is too large (at most %llu)", key, (unsigned long long)UINT64_MAX);
		return false;
	}
	return true;
}

bool bsectors(struct spec_build *b, const struct ynode *n, const char *key, uint64_t *out)
{
	if (n->kind == YNODE_SCALAR && ynode_scalar_type(n) == YS_INT)
		return bu64(b, n, key, out);
	if (n->kind != YNODE_SCALAR || ynode_scalar_type(n) != YS_STR)
		return type_error(b, n, key,
				  "a size (an integer of 512-byte sectors, or a string such as \"64MiB\")");
	const char *why;
	if (vmap_parse_size(n->str, out, &why) < 0) {
		berr(b, &n->loc, "invalid '%s' value '%s': %s", key, bq(b, n->str), why);
		return false;
	}
	return true;
}

bool bmapping(struct spec_build *b, const struct ynode *n, const char *key, const char *what)
{
	if (n->kind == YNODE_MAP)
		return true;
	if (what)
		berr(b, &n->loc, "%s must be a mapping, not %s", what, ynode_describe(n));
	else
		berr(b, &n->loc, "'%s' must be a mapping, not %s", key, ynode_describe(n));
	return false;
}

bool blist(struct spec_build *b, const struct ynode *n, const char *key)
{
	if (n->kind == YNODE_SEQ)
		return true;
	return type_error(b, n, key, "a list");
}

/* --- device references ----------------------------------------------------- */

static bool parse_majmin(const char *s, unsigned *maj, unsigned *min)
{
	const char *colon = strchr(s, ':');
	uint64_t a, c;
	if (!colon || colon == s)
		return false;
	char *head = xstrndup(s, (size_t)(colon - s));
	bool ok = parse_u64(head, &a) && parse_u64(colon + 1, &c);
	free(head);
	/* the kernel's dev_t: 12 bits of major, 20 of minor */
	if (!ok || a > 4095 || c > 1048575)
		return false;
	*maj = (unsigned)a;
	*min = (unsigned)c;
	return true;
}

static bool all_digits_colon(const char *s)
{
	size_t d = strspn(s, "0123456789");
	return d && s[d] == ':' && s[d + 1] && strspn(s + d + 1, "0123456789") == strlen(s + d + 1);
}

static int kv_cmp(const void *x, const void *y)
{
	return strcmp(((const struct vmap_kv *)x)->key, ((const struct vmap_kv *)y)->key);
}

static bool udev_props(struct spec_build *b, struct vmap_devref *d, const struct ynode *m)
{
	if (!bmapping(b, m, "udev", NULL))
		return false;
	if (!m->n_pairs) {
		berr(b, &m->loc, "'udev' needs at least one property (e.g. ID_SERIAL: \"...\")");
		return false;
	}
	bool ok = true;
	bdups(b, m);
	d->props = xcalloc(m->n_pairs, sizeof(*d->props));
	for (size_t i = 0; i < m->n_pairs; i++) {
		const struct ypair *p = &m->pairs[i];
		const char *val;
		if (!*p->key->str || strchr(p->key->str, '=') || has_control(p->key->str)) {
			berr(b, &p->key->loc, "'%s' is not a udev property name", bq(b, p->key->str));
			ok = false;
			continue;
		}
		if (!bword(b, p->value, p->key->str, &val)) {
			ok = false;
			continue;
		}
		d->props[d->n_props++] = (struct vmap_kv){xstrdup(p->key->str), xstrdup(val),
							  p->value->loc};
	}
	qsort(d->props, d->n_props, sizeof(*d->props), kv_cmp);
	return ok;
}

#define DEVICE_FORMS "a /dev path, \"MAJ:MIN\", {volume: NAME} or {udev: {PROPERTY: VALUE}}"

static struct vmap_devref *bdevref(struct spec_build *b, const struct ynode *n, const char *key)
{
	struct vmap_devref *d = xcalloc(1, sizeof(*d));
	d->loc = n->loc;
	if (n->kind == YNODE_SCALAR) {
		const char *s;
		if (n->style == YSTYLE_PLAIN && !n->tag_str && all_digits_colon(n->str)) {
			berr(b, &n->loc, "'%s': write a device number in quotes (\"%s\"): YAML 1.1 "
					 "reads plain %s as a number", key, bq(b, n->str), bq(b, n->str));
			goto bad;
		}
		if (ynode_scalar_type(n) != YS_STR) {
			type_error(b, n, key, "a device: " DEVICE_FORMS);
			goto bad;
		}
		if (!bword(b, n, key, &s))
			goto bad;
		if (s[0] == '/') {
			d->kind = VMAP_DEV_PATH;
			d->path = xstrdup(s);
			return d;
		}
		if (parse_majmin(s, &d->major, &d->minor)) {
			d->kind = VMAP_DEV_MAJMIN;
			return d;
		}
		if (all_digits_colon(s))
			berr(b, &n->loc, "'%s': '%s' is not a device number (major 0..4095, minor 0..1048575)",
			     key, bq(b, s));
		else
			berr(b, &n->loc, "'%s': '%s' is not a device (use " DEVICE_FORMS ")", key, bq(b, s));
		goto bad;
	}
	if (n->kind != YNODE_MAP) {
		type_error(b, n, key, "a device: " DEVICE_FORMS);
		goto bad;
	}
	static const char *const keys[] = {"volume", "udev"};
	const struct ypair *kv[2];
	size_t before = b->errs->n;
	bkeys(b, n, keys, 2, kv, "a device reference");
	if (kv[0] && kv[1]) {
		berr(b, &kv[1]->key->loc, "'%s' takes 'volume' or 'udev', not both", key);
	} else if (kv[0]) {
		const char *name, *why;
		d->kind = VMAP_DEV_VOLUME;
		if (!bstring(b, kv[0]->value, "volume", &name))
			goto bad;
		if ((why = vmap_name_problem(name, VMAP_NAME_MAX))) {
			berr(b, &kv[0]->value->loc, "'volume': '%s' is not a volume name (it %s)",
			     bq(b, name), why);
			goto bad;
		}
		d->volume = xstrdup(name);
		d->loc = kv[0]->value->loc;
	} else if (kv[1]) {
		d->kind = VMAP_DEV_UDEV;
		if (!udev_props(b, d, kv[1]->value))
			goto bad;
	} else if (b->errs->n == before) {
		berr(b, &n->loc, "'%s' needs 'volume' or 'udev' (a device is " DEVICE_FORMS ")", key);
	}
	if (b->errs->n == before)
		return d;
bad:
	vmap_devref_free(d);
	return NULL;
}

/* --- secrets --------------------------------------------------------------- */

/* Nothing in this section may put a hex key's text into a message. */

static bool hexdig(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static bool keyring_ok(const char *s)
{
	static const char *const types[] = {"logon:", "user:", "encrypted:", "trusted:"};
	for (size_t i = 0; i < 4; i++) {
		size_t l = strlen(types[i]);
		if (!strncmp(s, types[i], l))
			return s[l] && !strpbrk(s + l, " \t");
	}
	return false;
}

static struct vmap_secret *bsecret(struct spec_build *b, const struct ynode *n, const char *key)
{
	static const char *const keys[] = {"file", "keyring", "hex"};
	const struct ypair *kv[3];
	b->saw_secret = true;
	if (n->kind != YNODE_MAP) {
		/* never echo the value: it may be the key itself */
		berr(b, &n->loc, "'%s' must be a key: {file: PATH}, {keyring: \"logon:DESC\"} or "
				 "{hex: \"...\"}, not %s", key, ynode_describe(n));
		return NULL;
	}
	size_t before = b->errs->n;
	bkeys(b, n, keys, 3, kv, "a key");
	int given = !!kv[0] + !!kv[1] + !!kv[2];
	if (given != 1) {
		if (b->errs->n == before)
			berr(b, &n->loc, "'%s' needs exactly one of 'file', 'keyring' or 'hex'", key);
		return NULL;
	}
	struct vmap_secret *s = xcalloc(1, sizeof(*s));
	const char *v = NULL;
	if (kv[0]) {
		s->kind = VMAP_SECRET_FILE;
		s->loc = kv[0]->value->loc;
		if (bword(b, kv[0]->value, "file", &v) && v[0] != '/')
			berr(b, &s->loc, "'%s': key file '%s' must be an absolute path", key, bq(b, v));
	} else if (kv[1]) {
		s->kind = VMAP_SECRET_KEYRING;
		s->loc = kv[1]->value->loc;
		if (bword(b, kv[1]->value, "keyring", &v) && !keyring_ok(v))
			berr(b, &s->loc, "'%s': keyring must be \"TYPE:DESCRIPTION\" with TYPE logon, "
					 "user, encrypted or trusted (e.g. \"logon:vmap:data\")", key);
	} else {
		s->kind = VMAP_SECRET_HEX;
		s->loc = kv[2]->value->loc;
		if (bstring(b, kv[2]->value, "hex", &v)) {
			size_t len = strlen(v), i = 0;
			while (i < len && hexdig(v[i]))
				i++;
			if (i < len)
				berr(b, &s->loc, "'%s': hex has a character that is not a hex digit", key);
			else if (len == 0 || len % 2)
				berr(b, &s->loc, "'%s': hex needs an even, non-zero number of digits", key);
		}
	}
	if (b->errs->n != before) {
		vmap_secret_free(s);
		return NULL;
	}
	s->value = xstrdup(v);
	return s;
}

/* --- fields ------------------------------------------------------------------ */

static bool bounds(struct spec_build *b, const struct vmap_field *f, const struct ynode *n,
		   uint64_t u)
{
	bool sec = f->kind == VMAP_F_SECTORS;
	if (u < f->min) {
		berr(b, &n->loc, "'%s' must be at least %llu%s", f->key, (unsigned long long)f->min,
		     !sec ? "" : f->min == 1 ? " sector" : " sectors");
		return false;
	}
	if (f->max && u > f->max) {
		berr(b, &n->loc, "'%s' must be at most %llu%s", f->key, (unsigned long long)f->max,
		     !sec ? "" : f->max == 1 ? " sector" : " sectors");
		return false;
	}
	return true;
}

static bool benum(struct spec_build *b, const struct vmap_field *f, const struct ynode *n,
		  const char *s)
{
	size_t nc = 0;
	while (f->choices && f->choices[nc])
		nc++;
	for (size_t i = 0; i < nc; i++)
		if (!strcmp(s, f->choices[i]))
			return true;
	const char *hint = bsuggest(b, s, f->choices, nc);
	berr(b, &n->loc, "'%s' is '%s', not one of %s%s%s%s", f->key, bq(b, s),
	     bjoin(b, f->choices, nc), hint ? " (" : "", hint ? hint : "", hint ? ")" : "");
	return false;
}

static bool bhex(struct spec_build *b, const struct vmap_field *f, const struct ynode *n,
		 const char *s)
{
	size_t len = strlen(s), i = 0;
	while (i < len && hexdig(s[i]))
		i++;
	if (i == len && len % 2 == 0)
		return true;
	berr(b, &n->loc, "'%s' must be hex digits, an even number of them", f->key);
	return false;
}

static bool blistfield(struct spec_build *b, struct vmap_value *v, const struct vmap_field *f,
		       const struct ynode *n)
{
	if (!blist(b, n, f->key))
		return false;
	size_t before = b->errs->n;
	v->items = xcalloc(n->n_items ? n->n_items : 1, sizeof(*v->items));
	char *what = xasprintf("an item of '%s'", f->key);
	for (size_t i = 0; i < n->n_items; i++) {
		const struct ynode *it = n->items[i];
		if (!bmapping(b, it, f->key, what))
			continue;
		bobject(b, &v->items[v->n_items++], f->item, it, NULL, 0, NULL, what);
	}
	free(what);
	if (!n->n_items && (f->flags & VMAP_FF_NONEMPTY))
		berr(b, &n->loc, "'%s' needs at least one item", f->key);
	return b->errs->n == before;
}

static bool bmapfield(struct spec_build *b, struct vmap_value *v, const struct vmap_field *f,
		      const struct ynode *n)
{
	if (!bmapping(b, n, f->key, NULL))
		return false;
	size_t before = b->errs->n;
	bdups(b, n);
	v->kv = xcalloc(n->n_pairs ? n->n_pairs : 1, sizeof(*v->kv));
	for (size_t i = 0; i < n->n_pairs; i++) {
		const struct ypair *p = &n->pairs[i];
		const char *val;
		if (!*p->key->str || has_control(p->key->str)) {
			berr(b, &p->key->loc, "'%s' has an empty key or one with a control character",
			     f->key);
			continue;
		}
		if (bword(b, p->value, p->key->str, &val))
			v->kv[v->n_kv++] = (struct vmap_kv){xstrdup(p->key->str), xstrdup(val),
							    p->value->loc};
	}
	if (!n->n_pairs && (f->flags & VMAP_FF_NONEMPTY))
		berr(b, &n->loc, "'%s' needs at least one entry", f->key);
	return b->errs->n == before;
}

/* A value that is one word of the kernel's table must not hold blanks:
 * they would split it into several arguments. */
static bool bblanks(struct spec_build *b, const struct vmap_field *f, const struct ynode *n,
		    const char *s)
{
	if ((f->flags & VMAP_FF_WORDS) || !strpbrk(s, " \t"))
		return true;
	berr(b, &n->loc, "'%s' is one word of the kernel's table and cannot hold blanks ('%s')",
	     f->key, bq(b, s));
	return false;
}

static void bfield(struct spec_build *b, struct vmap_value *v, const struct vmap_field *f,
		   const struct ynode *n)
{
	const char *s;
	bool ok = false, bv = false;
	v->loc = n->loc;
	switch (f->kind) {
	case VMAP_F_U64: ok = bu64(b, n, f->key, &v->u) && bounds(b, f, n, v->u); break;
	case VMAP_F_SECTORS: ok = bsectors(b, n, f->key, &v->u) && bounds(b, f, n, v->u); break;
	case VMAP_F_BOOL:
		ok = bbool(b, n, f->key, &bv);
		v->u = bv;
		break;
	case VMAP_F_STRING:
		if ((f->flags & VMAP_FF_EMPTY) && bstring(b, n, f->key, &s) && !*s)
			ok = true;
		else
			ok = bword(b, n, f->key, &s) && bblanks(b, f, n, s);
		if (ok)
			v->s = xstrdup(s);
		break;
	case VMAP_F_ENUM:
		if ((ok = bstring(b, n, f->key, &s) && benum(b, f, n, s)))
			v->s = xstrdup(s);
		break;
	case VMAP_F_HEX:
		if ((ok = bword(b, n, f->key, &s) && bhex(b, f, n, s)))
			v->s = xstrdup(s);
		break;
	case VMAP_F_DEVICE: ok = (v->dev = bdevref(b, n, f->key)) != NULL; break;
	case VMAP_F_SECRET: ok = (v->secret = bsecret(b, n, f->key)) != NULL; break;
	case VMAP_F_LIST: ok = blistfield(b, v, f, n) || n->kind == YNODE_SEQ; break;
	case VMAP_F_MAP: ok = bmapfield(b, v, f, n) || n->kind == YNODE_MAP; break;
	}
	/* a list with a bad item still holds the good ones: their references
	 * take part in the checks across the set */
	v->set = ok;
}

void bobject(struct spec_build *b, struct vmap_obj *o, const struct vmap_objtype *t,
	     const struct ynode *m, const char *const *extra, size_t n_extra,
	     const struct ypair **extra_out, const char *what)
{
	size_t nk = n_extra + t->n_fields;
	const char **keys = xmalloc((nk ? nk : 1) * sizeof(*keys));
	const struct ypair **kv = xmalloc((nk ? nk : 1) * sizeof(*kv));
	for (size_t i = 0; i < n_extra; i++)
		keys[i] = extra[i];
	for (size_t i = 0; i < t->n_fields; i++)
		keys[n_extra + i] = t->fields[i].key;
	vmap_obj_init(o, t);
	o->loc = m->loc;
	bkeys(b, m, keys, nk, kv, what);
	for (size_t i = 0; i < n_extra; i++)
		extra_out[i] = kv[i];
	for (size_t i = 0; i < t->n_fields; i++) {
		const struct vmap_field *f = &t->fields[i];
		const struct ypair *p = kv[n_extra + i];
		if (p)
			bfield(b, &o->v[i], f, p->value);
		else if (f->flags & VMAP_FF_REQUIRED)
			berr(b, &m->loc, "missing required key '%s': %s", f->key, f->doc ? f->doc : t->doc);
	}
	free(keys);
	free(kv);
}
