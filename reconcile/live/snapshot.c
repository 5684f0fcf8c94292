/* snapshot.c: the live-state snapshot (see live_json.h and
 * docs/live-state.md). */
#include "live/snapshot.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "base/util.h"
#include "live/canon.h"

/* ---- writing ----
 * Keys are added in a fixed order and json-c keeps insertion order, so
 * the same struct always gives the same bytes. */

static json_object *jstr(const char *s)
{
	return s ? json_object_new_string(s) : NULL; /* NULL adds a JSON null */
}

static json_object *jversion(const unsigned v[3])
{
	json_object *a = json_object_new_array();
	for (int i = 0; i < 3; i++)
		json_object_array_add(a, json_object_new_uint64(v[i]));
	return a;
}

static json_object *jlimits(const struct vmap_limits *l)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "logical_block_size", json_object_new_uint64(l->logical_block_size));
	json_object_object_add(o, "physical_block_size",
			       json_object_new_uint64(l->physical_block_size));
	json_object_object_add(o, "max_sectors_kb", json_object_new_uint64(l->max_sectors_kb));
	json_object_object_add(o, "max_hw_sectors_kb", json_object_new_uint64(l->max_hw_sectors_kb));
	json_object_object_add(o, "max_segments", json_object_new_uint64(l->max_segments));
	json_object_object_add(o, "max_segment_size", json_object_new_uint64(l->max_segment_size));
	json_object_object_add(o, "discard_max_bytes", json_object_new_uint64(l->discard_max_bytes));
	return o;
}

static json_object *jtable(const struct vmap_table *t)
{
	json_object *a = json_object_new_array();
	for (size_t i = 0; i < t->n; i++) {
		const struct vmap_table_line *l = &t->lines[i];
		json_object *o = json_object_new_object();
		json_object_object_add(o, "start", json_object_new_uint64(l->start));
		json_object_object_add(o, "len", json_object_new_uint64(l->len));
		json_object_object_add(o, "type", jstr(l->type));
		json_object_object_add(o, "params", jstr(l->params));
		/* only where capture read it (data identity of raid, mirror, cache) */
		if (l->status)
			json_object_object_add(o, "status", jstr(l->status));
		json_object_array_add(a, o);
	}
	return a;
}

static json_object *jdev(const struct vmap_dmdev *d)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "name", jstr(d->name));
	json_object_object_add(o, "uuid", jstr(d->uuid));
	json_object_object_add(o, "major", json_object_new_uint64(d->major));
	json_object_object_add(o, "minor", json_object_new_uint64(d->minor));
	json_object_object_add(o, "suspended", json_object_new_boolean(d->suspended));
	json_object_object_add(o, "live_table", json_object_new_boolean(d->live_table));
	json_object_object_add(o, "inactive_table", json_object_new_boolean(d->inactive_table));
	json_object_object_add(o, "read_only", json_object_new_boolean(d->read_only));
	json_object_object_add(o, "open_count", json_object_new_int(d->open_count));
	json_object_object_add(o, "event_nr", json_object_new_uint64(d->event_nr));
	json_object_object_add(o, "request_based", json_object_new_boolean(d->request_based));
	json_object_object_add(o, "live", jtable(&d->live));
	json_object_object_add(o, "inactive", jtable(&d->inactive));
	json_object *deps = json_object_new_array();
	for (size_t i = 0; i < d->n_deps; i++) {
		char *s = xasprintf("%u:%u", d->dep_major[i], d->dep_minor[i]);
		json_object_array_add(deps, json_object_new_string(s));
		free(s);
	}
	json_object_object_add(o, "deps", deps);
	json_object_object_add(o, "limits", jlimits(&d->limits));
	return o;
}

static json_object *jblockdev(const struct vmap_blockdev *b)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "major", json_object_new_uint64(b->major));
	json_object_object_add(o, "minor", json_object_new_uint64(b->minor));
	json_object_object_add(o, "kname", jstr(b->kname));
	/* only where capture read it (multipath involved) */
	if (b->lun)
		json_object_object_add(o, "lun", jstr(b->lun));
	json_object_object_add(o, "sectors", json_object_new_uint64(b->sectors));
	json_object_object_add(o, "read_only", json_object_new_boolean(b->read_only));
	json_object_object_add(o, "limits", jlimits(&b->limits));
	return o;
}

static json_object *jres(const struct vmap_resolution *r)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "ref", jstr(r->ref));
	json_object_object_add(o, "found", json_object_new_boolean(r->found));
	json_object_object_add(o, "major", json_object_new_uint64(r->major));
	json_object_object_add(o, "minor", json_object_new_uint64(r->minor));
	json_object_object_add(o, "devnode", jstr(r->devnode));
	json_object *c = json_object_new_array();
	for (size_t i = 0; i < r->n_candidates; i++)
		json_object_array_add(c, jstr(r->candidates[i]));
	json_object_object_add(o, "candidates", c);
	json_object_object_add(o, "error", jstr(r->error));
	return o;
}

char *vmap_live_to_json(const struct vmap_live *l)
{
	json_object *root = json_object_new_object();
	json_object_object_add(root, "format", json_object_new_string(VMAP_LIVE_FORMAT));
	json_object_object_add(root, "kernel_release", jstr(l->kernel_release));
	json_object_object_add(root, "driver_version", jversion(l->driver_version));
	json_object *a = json_object_new_array();
	for (size_t i = 0; i < l->n_targets; i++) {
		json_object *t = json_object_new_object();
		json_object_object_add(t, "name", jstr(l->targets[i].name));
		json_object_object_add(t, "version", jversion(l->targets[i].version));
		json_object_array_add(a, t);
	}
	json_object_object_add(root, "targets", a);
	a = json_object_new_array();
	for (size_t i = 0; i < l->n_loadable; i++)
		json_object_array_add(a, jstr(l->loadable_targets[i]));
	json_object_object_add(root, "loadable_targets", a);
	a = json_object_new_array();
	for (size_t i = 0; i < l->n_devs; i++)
		json_object_array_add(a, jdev(&l->devs[i]));
	json_object_object_add(root, "devices", a);
	a = json_object_new_array();
	for (size_t i = 0; i < l->n_blockdevs; i++)
		json_object_array_add(a, jblockdev(&l->blockdevs[i]));
	json_object_object_add(root, "blockdevs", a);
	a = json_object_new_array();
	for (size_t i = 0; i < l->n_res; i++)
		json_object_array_add(a, jres(&l->res[i]));
	json_object_object_add(root, "resolutions", a);
	const char *s = json_object_to_json_string_ext(
		root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE);
	char *text = xasprintf("%s\n", s);
	json_object_put(root);
	return text;
}

int vmap_live_write_json(const struct vmap_live *l, FILE *f, struct vmap_errlist *errs)
{
	char *s = vmap_live_to_json(l);
	size_t n = strlen(s);
	int r = 0;
	if (fwrite(s, 1, n, f) != n || fflush(f) != 0) {
		vmap_fail(errs, errno, NULL, "cannot write the live-state snapshot");
		r = -1;
	}
	free(s);
	return r;
}

/* ---- reading ----
 * Every getter checks the type and range and, on the first problem,
 * records one error naming the place ("devices[2].live[0].len") and makes
 * every later call a no-op, so the walk just runs to its end. */

struct rd {
	const char *file;
	struct vmap_errlist *errs;
	bool failed;
};

static bool bad(struct rd *r, const char *where, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static bool bad(struct rd *r, const char *where, const char *fmt, ...)
{
	if (r->failed)
		return false;
	r->failed = true;
	va_list ap;
	va_start(ap, fmt);
	char *m = xvasprintf(fmt, ap);
	va_end(ap);
	struct vmap_loc loc = {r->file, 0, 0};
	vmap_err(r->errs, VMAP_E_SPEC, 0, &loc, NULL, "%s%s%s", where, *where ? ": " : "", m);
	free(m);
	return false;
}

static const char *tname(json_object *o)
{
	return o ? json_type_to_name(json_object_get_type(o)) : "null";
}

static char *at(const char *where, const char *key)
{
	return *where ? xasprintf("%s.%s", where, key) : xstrdup(key);
}

static char *idx(const char *where, size_t i)
{
	return xasprintf("%s[%zu]", where, i);
}

/* `o` must be an object whose keys are all in `keys` (NULL-terminated). */
static bool want_object(struct rd *r, json_object *o, const char *where, const char *const *keys)
{
	if (r->failed)
		return false;
	if (!json_object_is_type(o, json_type_object))
		return bad(r, where, "expected an object, found %s", tname(o));
	json_object_object_foreach(o, k, v)
	{
		(void)v;
		bool known = false;
		for (const char *const *p = keys; *p && !known; p++)
			known = !strcmp(*p, k);
		if (!known) {
			char *w = at(where, k);
			bad(r, w, "unknown key (this reader knows format " VMAP_LIVE_FORMAT ")");
			free(w);
			return false;
		}
	}
	return true;
}

/* The value at `key`: false when absent (an error when `required`);
 * true with *v NULL for a JSON null. */
static bool member(struct rd *r, json_object *o, const char *where, const char *key,
		   bool required, json_object **v)
{
	*v = NULL;
	if (r->failed)
		return false;
	if (json_object_object_get_ex(o, key, v))
		return true;
	if (required) {
		char *w = at(where, key);
		bad(r, w, "missing");
		free(w);
	}
	return false;
}

static bool conv_u64(struct rd *r, json_object *v, const char *w, uint64_t max, uint64_t *out)
{
	if (!json_object_is_type(v, json_type_int))
		return bad(r, w, "expected an unsigned integer, found %s", tname(v));
	/* json-c keeps integers as int64 or uint64: a negative int64 is the
	 * only way to be below 0 */
	if (json_object_get_int64(v) < 0)
		return bad(r, w, "expected an unsigned integer, found %lld",
			   (long long)json_object_get_int64(v));
	uint64_t x = json_object_get_uint64(v);
	if (x > max)
		return bad(r, w, "%llu is out of range (at most %llu)", (unsigned long long)x,
			   (unsigned long long)max);
	*out = x;
	return true;
}

static void get_u64(struct rd *r, json_object *o, const char *where, const char *key, bool req,
		    uint64_t *out)
{
	json_object *v;
	if (!member(r, o, where, key, req, &v))
		return;
	char *w = at(where, key);
	conv_u64(r, v, w, UINT64_MAX, out);
	free(w);
}

static void get_uint(struct rd *r, json_object *o, const char *where, const char *key, bool req,
		     unsigned *out)
{
	json_object *v;
	if (!member(r, o, where, key, req, &v))
		return;
	char *w = at(where, key);
	uint64_t x;
	if (conv_u64(r, v, w, UINT_MAX, &x))
		*out = (unsigned)x;
	free(w);
}

static void get_int(struct rd *r, json_object *o, const char *where, const char *key, int *out)
{
	json_object *v;
	if (!member(r, o, where, key, false, &v))
		return;
	char *w = at(where, key);
	if (!json_object_is_type(v, json_type_int)) {
		bad(r, w, "expected an integer, found %s", tname(v));
	} else {
		int64_t x = json_object_get_int64(v);
		if (x < INT_MIN || x > INT_MAX || (x == INT64_MAX && json_object_get_uint64(v) > INT64_MAX))
			bad(r, w, "out of range for an int");
		else
			*out = (int)x;
	}
	free(w);
}

static void get_bool(struct rd *r, json_object *o, const char *where, const char *key, bool *out)
{
	json_object *v;
	if (!member(r, o, where, key, false, &v))
		return;
	if (!json_object_is_type(v, json_type_boolean)) {
		char *w = at(where, key);
		bad(r, w, "expected true or false, found %s", tname(v));
		free(w);
		return;
	}
	*out = json_object_get_boolean(v);
}

static char *conv_str(struct rd *r, json_object *v, const char *w)
{
	if (!v) /* JSON null: the field is NULL in the struct */
		return NULL;
	if (!json_object_is_type(v, json_type_string)) {
		bad(r, w, "expected a string or null, found %s", tname(v));
		return NULL;
	}
	const char *s = json_object_get_string(v);
	if (strlen(s) != (size_t)json_object_get_string_len(v)) {
		bad(r, w, "the string holds a NUL character");
		return NULL;
	}
	return xstrdup(s);
}

/* A string or null.  A `req` key must be present and not null. */
static void get_str(struct rd *r, json_object *o, const char *where, const char *key, bool req,
		    char **out)
{
	json_object *v;
	bool present = member(r, o, where, key, req, &v);
	char *w = at(where, key);
	if (present && !v && req)
		bad(r, w, "must not be null");
	*out = conv_str(r, v, w);
	free(w);
}

/* The array at `key` (absent or null: none); sets *n. */
static json_object *get_array(struct rd *r, json_object *o, const char *where, const char *key,
			      size_t *n)
{
	*n = 0;
	json_object *v;
	if (!member(r, o, where, key, false, &v) || !v)
		return NULL;
	if (!json_object_is_type(v, json_type_array)) {
		char *w = at(where, key);
		bad(r, w, "expected an array, found %s", tname(v));
		free(w);
		return NULL;
	}
	*n = json_object_array_length(v);
	return v;
}

static void get_version(struct rd *r, json_object *o, const char *where, const char *key,
			unsigned v[3])
{
	size_t n;
	json_object *a = get_array(r, o, where, key, &n);
	if (!a)
		return;
	char *w = at(where, key);
	if (n != 3) {
		bad(r, w, "expected 3 numbers, found %zu", n);
	} else {
		for (size_t i = 0; i < 3; i++) {
			char *wi = idx(w, i);
			uint64_t x;
			if (conv_u64(r, json_object_array_get_idx(a, i), wi, UINT_MAX, &x))
				v[i] = (unsigned)x;
			free(wi);
		}
	}
	free(w);
}

static void get_limits(struct rd *r, json_object *o, const char *where, struct vmap_limits *l)
{
	static const char *const keys[] = {"logical_block_size", "physical_block_size",
					   "max_sectors_kb",     "max_hw_sectors_kb",
					   "max_segments",       "max_segment_size",
					   "discard_max_bytes",  NULL};
	json_object *v;
	if (!member(r, o, where, "limits", false, &v))
		return;
	char *w = at(where, "limits");
	if (want_object(r, v, w, keys)) {
		get_uint(r, v, w, "logical_block_size", false, &l->logical_block_size);
		get_uint(r, v, w, "physical_block_size", false, &l->physical_block_size);
		get_uint(r, v, w, "max_sectors_kb", false, &l->max_sectors_kb);
		get_uint(r, v, w, "max_hw_sectors_kb", false, &l->max_hw_sectors_kb);
		get_uint(r, v, w, "max_segments", false, &l->max_segments);
		get_uint(r, v, w, "max_segment_size", false, &l->max_segment_size);
		get_u64(r, v, w, "discard_max_bytes", false, &l->discard_max_bytes);
	}
	free(w);
}

static void get_table(struct rd *r, json_object *o, const char *where, const char *key,
		      struct vmap_table *t)
{
	static const char *const keys[] = {"start", "len", "type", "params", "status", NULL};
	size_t n;
	json_object *a = get_array(r, o, where, key, &n);
	if (!a || r->failed)
		return;
	char *w = at(where, key);
	t->lines = xcalloc(n, sizeof(*t->lines));
	for (size_t i = 0; i < n && !r->failed; i++) {
		json_object *e = json_object_array_get_idx(a, i);
		char *wi = idx(w, i);
		struct vmap_table_line *l = &t->lines[t->n++];
		if (want_object(r, e, wi, keys)) {
			get_u64(r, e, wi, "start", false, &l->start);
			get_u64(r, e, wi, "len", false, &l->len);
			get_str(r, e, wi, "type", true, &l->type);
			get_str(r, e, wi, "params", false, &l->params);
			get_str(r, e, wi, "status", false, &l->status);
			/* read once into fields, as a captured line is */
			if (l->type)
				vmap_live_line_read(l);
		}
		free(wi);
	}
	free(w);
}

static bool parse_devnum(const char *s, unsigned *maj, unsigned *min)
{
	char tail;
	return s && sscanf(s, "%u:%u%c", maj, min, &tail) == 2 && s[0] >= '0' && s[0] <= '9' &&
	       !strchr(s, '-') && !strchr(s, ' ') && !strchr(s, '+');
}

static void get_dev(struct rd *r, json_object *o, const char *w, struct vmap_dmdev *d)
{
	static const char *const keys[] = {"name",      "uuid",          "major",    "minor",
					   "suspended", "live_table",    "inactive_table",
					   "read_only", "open_count",    "event_nr", "request_based",
					   "live",      "inactive",      "deps",     "limits",
					   NULL};
	if (!want_object(r, o, w, keys))
		return;
	get_str(r, o, w, "name", true, &d->name);
	get_str(r, o, w, "uuid", false, &d->uuid);
	get_uint(r, o, w, "major", false, &d->major);
	get_uint(r, o, w, "minor", false, &d->minor);
	get_bool(r, o, w, "suspended", &d->suspended);
	get_bool(r, o, w, "live_table", &d->live_table);
	get_bool(r, o, w, "inactive_table", &d->inactive_table);
	get_bool(r, o, w, "read_only", &d->read_only);
	get_int(r, o, w, "open_count", &d->open_count);
	uint64_t ev = 0;
	get_u64(r, o, w, "event_nr", false, &ev);
	if (ev > UINT32_MAX) {
		char *we = at(w, "event_nr");
		bad(r, we, "out of range for a 32-bit event number");
		free(we);
	}
	d->event_nr = (uint32_t)ev;
	get_bool(r, o, w, "request_based", &d->request_based);
	get_table(r, o, w, "live", &d->live);
	get_table(r, o, w, "inactive", &d->inactive);
	size_t n;
	json_object *a = get_array(r, o, w, "deps", &n);
	if (a && !r->failed) {
		d->dep_major = xcalloc(n, sizeof(unsigned));
		d->dep_minor = xcalloc(n, sizeof(unsigned));
		for (size_t i = 0; i < n && !r->failed; i++) {
			json_object *e = json_object_array_get_idx(a, i);
			char *wd = at(w, "deps");
			char *wi = idx(wd, i);
			if (!json_object_is_type(e, json_type_string) ||
			    !parse_devnum(json_object_get_string(e), &d->dep_major[i],
					  &d->dep_minor[i]))
				bad(r, wi, "expected \"MAJ:MIN\", found %s", tname(e));
			else
				d->n_deps++;
			free(wi);
			free(wd);
		}
	}
	get_limits(r, o, w, &d->limits);
}

static void get_blockdev(struct rd *r, json_object *o, const char *w, struct vmap_blockdev *b)
{
	static const char *const keys[] = {"major",     "minor",  "kname", "lun", "sectors",
					   "read_only", "limits", NULL};
	if (!want_object(r, o, w, keys))
		return;
	get_uint(r, o, w, "major", true, &b->major);
	get_uint(r, o, w, "minor", true, &b->minor);
	get_str(r, o, w, "kname", false, &b->kname);
	get_str(r, o, w, "lun", false, &b->lun);
	get_u64(r, o, w, "sectors", false, &b->sectors);
	get_bool(r, o, w, "read_only", &b->read_only);
	get_limits(r, o, w, &b->limits);
}

static void get_res(struct rd *r, json_object *o, const char *w, struct vmap_resolution *res)
{
	static const char *const keys[] = {"ref",     "found",      "major", "minor",
					   "devnode", "candidates", "error", NULL};
	if (!want_object(r, o, w, keys))
		return;
	get_str(r, o, w, "ref", true, &res->ref);
	get_bool(r, o, w, "found", &res->found);
	get_uint(r, o, w, "major", false, &res->major);
	get_uint(r, o, w, "minor", false, &res->minor);
	get_str(r, o, w, "devnode", false, &res->devnode);
	size_t n;
	json_object *a = get_array(r, o, w, "candidates", &n);
	if (a && !r->failed) {
		res->candidates = xcalloc(n, sizeof(char *));
		char *wc = at(w, "candidates");
		for (size_t i = 0; i < n && !r->failed; i++) {
			char *wi = idx(wc, i);
			res->candidates[res->n_candidates++] =
				conv_str(r, json_object_array_get_idx(a, i), wi);
			free(wi);
		}
		free(wc);
	}
	get_str(r, o, w, "error", false, &res->error);
}

/* Array `key` of the root, each element read by `fn` into a fresh slot of
 * `*v` (element size `size`); *n counts the slots handed out, so a failed
 * read still frees whatever was filled. */
static void get_list(struct rd *r, json_object *root, const char *key, void **v, size_t *n,
		     size_t size, void (*fn)(struct rd *, json_object *, const char *, void *))
{
	size_t len;
	json_object *a = get_array(r, root, "", key, &len);
	if (!a || r->failed)
		return;
	*v = xcalloc(len, size);
	for (size_t i = 0; i < len && !r->failed; i++) {
		char *w = idx(key, i);
		fn(r, json_object_array_get_idx(a, i), w, (char *)*v + (*n)++ * size);
		free(w);
	}
}

static void fn_dev(struct rd *r, json_object *o, const char *w, void *p)
{
	get_dev(r, o, w, p);
}

static void fn_blockdev(struct rd *r, json_object *o, const char *w, void *p)
{
	get_blockdev(r, o, w, p);
}

static void fn_res(struct rd *r, json_object *o, const char *w, void *p)
{
	get_res(r, o, w, p);
}

static void fn_target(struct rd *r, json_object *o, const char *w, void *p)
{
	static const char *const keys[] = {"name", "version", NULL};
	struct vmap_target_version *t = p;
	if (!want_object(r, o, w, keys))
		return;
	get_str(r, o, w, "name", true, &t->name);
	get_version(r, o, w, "version", t->version);
}

static void fn_loadable(struct rd *r, json_object *o, const char *w, void *p)
{
	char **s = p;
	*s = conv_str(r, o, w);
	if (!*s && !r->failed)
		bad(r, w, "expected a string, found null");
}

static void read_root(struct rd *r, json_object *root, struct vmap_live *l)
{
	static const char *const keys[] = {"format",  "kernel_release", "driver_version",
					   "targets", "loadable_targets", "devices",
					   "blockdevs", "resolutions", NULL};
	if (!want_object(r, root, "", keys))
		return;
	char *fmt = NULL;
	get_str(r, root, "", "format", true, &fmt);
	if (fmt && strcmp(fmt, VMAP_LIVE_FORMAT) != 0)
		bad(r, "format", "'%s' is not a format this reader knows (it reads " VMAP_LIVE_FORMAT
			") ", fmt);
	free(fmt);
	get_str(r, root, "", "kernel_release", false, &l->kernel_release);
	get_version(r, root, "", "driver_version", l->driver_version);
	get_list(r, root, "targets", (void **)&l->targets, &l->n_targets, sizeof(*l->targets),
		 fn_target);
	get_list(r, root, "loadable_targets", (void **)&l->loadable_targets, &l->n_loadable,
		 sizeof(*l->loadable_targets), fn_loadable);
	get_list(r, root, "devices", (void **)&l->devs, &l->n_devs, sizeof(*l->devs), fn_dev);
	get_list(r, root, "blockdevs", (void **)&l->blockdevs, &l->n_blockdevs,
		 sizeof(*l->blockdevs), fn_blockdev);
	get_list(r, root, "resolutions", (void **)&l->res, &l->n_res, sizeof(*l->res), fn_res);
	vmap_live_index(l);
}

/* Line and column (1-based) of byte `off` in `text`. */
static void line_col(const char *text, size_t off, unsigned *line, unsigned *col)
{
	*line = 1;
	*col = 1;
	for (size_t i = 0; i < off; i++) {
		if (text[i] == '\n') {
			(*line)++;
			*col = 1;
		} else {
			(*col)++;
		}
	}
}

int vmap_live_from_json(struct vmap_live *l, const char *text, size_t len, const char *name,
			struct vmap_errlist *errs)
{
	memset(l, 0, sizeof(*l));
	struct rd r = {name, errs, false};
	if (len > INT_MAX) {
		bad(&r, "", "the file is too large for a live-state snapshot");
		return -1;
	}
	json_tokener *tok = json_tokener_new();
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	json_object *root = json_tokener_parse_ex(tok, text, (int)len);
	enum json_tokener_error jerr = json_tokener_get_error(tok);
	size_t end = json_tokener_get_parse_end(tok);
	const char *why = NULL;
	if (jerr == json_tokener_continue || (!root && jerr == json_tokener_success)) {
		why = "unexpected end of the file";
		end = len;
	} else if (jerr != json_tokener_success) {
		why = json_tokener_error_desc(jerr);
	} else {
		/* one document and nothing but blanks after it */
		for (size_t i = end; i < len && !why; i++)
			if (!strchr(" \t\r\n", text[i]) || !text[i]) {
				why = "unexpected text after the JSON document";
				end = i;
			}
	}
	json_tokener_free(tok);
	if (why) {
		struct vmap_loc loc = {name, 0, 0};
		line_col(text, end > len ? len : end, &loc.line, &loc.col);
		vmap_err(errs, VMAP_E_SPEC, 0, &loc, NULL, "invalid JSON: %s", why);
		json_object_put(root);
		return -1;
	}
	read_root(&r, root, l);
	json_object_put(root);
	if (r.failed) {
		vmap_live_free(l);
		return -1;
	}
	return 0;
}

int vmap_live_read_json(struct vmap_live *l, const char *path, struct vmap_errlist *errs)
{
	memset(l, 0, sizeof(*l));
	bool std = !strcmp(path, "-");
	FILE *f = std ? stdin : fopen(path, "re");
	if (!f) {
		vmap_fail(errs, errno, NULL, "cannot open live-state snapshot '%s'", path);
		return -1;
	}
	struct sbuf b = {0};
	char chunk[65536];
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		sbuf_addn(&b, chunk, n);
	int err = ferror(f) ? errno : 0;
	if (!std)
		fclose(f);
	int r = -1;
	if (err)
		vmap_fail(errs, err, NULL, "cannot read live-state snapshot '%s'", path);
	else
		r = vmap_live_from_json(l, sbuf_str(&b), b.len, std ? "<stdin>" : path, errs);
	sbuf_free(&b);
	return r;
}
