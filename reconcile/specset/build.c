/* build.c: a YAML tree -> volumes of the spec set (see build.h). */
#include "specset/build.h"
#include "specset/refs.h"
#include "specset/targets.h"
#include "specset/values.h"
#include "specset/ydoc_cache.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"

#define API_VERSION "vmapctl/v1"

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
		const char *why = vmap_uuid_problem(id, max);
		if (why) {
			berr(b, &p->value->loc,
			     "uuid '%s' %s (1..%zu characters of A-Z a-z 0-9 # + - . : = @ _; "
			     "the device's uuid is \"" VMAP_UUID_PREFIX "\" + this, at most %d)",
			     bq(b, id), why, max, VMAP_UUID_MAX);
			return;
		}
	} else if (!vi->name_ok) {
		return;
	} else if (strlen(id) > max) {
		/* the kernel takes 128 bytes of uuid: found now, not half way
		 * through an apply */
		berr(b, &v->name_loc,
		     "volume name is %zu characters, so its uuid \"" VMAP_UUID_PREFIX "\" + name would "
		     "be longer than the kernel's %d bytes (give the volume a 'uuid' of at most %zu "
		     "characters)", strlen(id), VMAP_UUID_MAX, max);
		return;
	}
	v->uuid = xconcat(VMAP_UUID_PREFIX, id, "");
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

/* allow: [remap, shrink, recreate]: each at most once. */
static void volume_allow(struct spec_build *b, struct vmap_volume *v, const struct ypair *p)
{
	static const char *const names[] = {"remap", "shrink", "recreate"};
	static const unsigned bits[] = {VMAP_ALLOW_REMAP, VMAP_ALLOW_SHRINK, VMAP_ALLOW_RECREATE};
	if (!p || !blist(b, p->value, "allow"))
		return;
	v->allow_loc = p->key->loc;
	for (size_t i = 0; i < p->value->n_items; i++) {
		const struct ynode *item = p->value->items[i];
		const char *s;
		if (!bstring(b, item, "allow", &s))
			continue;
		size_t k = 0;
		while (k < 3 && strcmp(s, names[k]))
			k++;
		if (k == 3) {
			const char *hint = bsuggest(b, s, names, 3);
			berr(b, &item->loc, "'allow' takes remap, shrink and recreate, not '%s'%s%s%s",
			     bq(b, s), hint ? " (" : "", hint ? hint : "", hint ? ")" : "");
		} else if (v->allow & bits[k]) {
			berr(b, &item->loc, "'allow' lists '%s' twice", names[k]);
		}
		v->allow |= k < 3 ? bits[k] : 0;
	}
}

static void volume_on_remap(struct spec_build *b, struct vmap_volume *v, const struct ypair *p)
{
	static const char *const names[] = {"refuse", "migrate"};
	const char *s;
	if (!p || !bstring(b, p->value, "onRemap", &s))
		return;
	v->on_remap_loc = p->value->loc;
	for (size_t i = 0; i < 2; i++)
		if (!strcmp(s, names[i])) {
			v->on_remap = (enum vmap_on_remap)i;
			return;
		}
	const char *hint = bsuggest(b, s, names, 2);
	berr(b, &p->value->loc, "'onRemap' is '%s', not refuse or migrate%s%s%s", bq(b, s),
	     hint ? " (" : "", hint ? hint : "", hint ? ")" : "");
}

static void build_volume(struct spec_build *b, const struct ynode *n)
{
	static const char *const keys[] = {"name",    "uuid",  "readOnly", "suspend",
					   "allow",   "onRemap", "targets", "table"};
	enum { K_NAME, K_UUID, K_RO, K_SUSPEND, K_ALLOW, K_ON_REMAP, K_TARGETS, K_TABLE, K__N };
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
	volume_allow(b, &v, kv[K_ALLOW]);
	volume_on_remap(b, &v, kv[K_ON_REMAP]);
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
	/* what the kernel would refuse at create: said here, with its place */
	for (size_t i = 0; !v.read_only && i < v.n_targets; i++)
		if (v.targets[i].tt && !v.targets[i].opaque &&
		    (v.targets[i].tt->flags & VMAP_TT_READONLY))
			berr(b, &v.targets[i].loc,
			     "a %s target needs a read-only volume (add 'readOnly: true'; the kernel "
			     "refuses it in a writable device)", v.targets[i].kernel_name);
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
	uint8_t key[YDOC_CACHE_KEY];
	b->file = file;
	b->volume = NULL;
	bool cached = b->cache_dir && ydoc_cache_load(&doc, b->cache_dir, file, data, len, key);
	if (!cached && ydoc_parse(&doc, file, data, len, b->errs) < 0) {
		b->incomplete = true;
		return;
	}
	size_t errs_before = b->errs->n;
	b->saw_secret = false;
	b->doc = &doc;
	build_doc(b, doc.root);
	b->doc = NULL;
	/* only a file that builds cleanly: one with errors is about to be
	 * edited, and its errors come from the builder either way */
	if (b->cache_dir && !cached && b->errs->n == errs_before && !b->saw_secret)
		ydoc_cache_store(&doc, b->cache_dir, file, key);
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
