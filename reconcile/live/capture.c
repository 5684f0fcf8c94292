/* capture.c: capturing the live state (see livestate.h). */
#include "live/capture.h"
#include "plan/resolve.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>

#include <libudev.h>

#include "dm.h"
#include "model/secret.h"
#include "live/sysfs.h"
#include "targets/target.h"
#include "base/util.h"

/* ---- canonical params, keys hidden ---- */

static void sbuf_wipe(struct sbuf *b)
{
	if (b->s)
		explicit_bzero(b->s, b->cap);
	sbuf_free(b);
}

/* Append the digest of a key written as hex (or, if it is not hex, of
 * its text): the same digest secret.c gives a {hex: ...} key, so a live
 * table still compares equal to the desired one. */
static void add_key_digest(const char *hex, size_t len, struct sbuf *out)
{
	bool is_hex = len > 0 && len % 2 == 0;
	for (size_t i = 0; is_hex && i < len; i++)
		is_hex = isxdigit((unsigned char)hex[i]) != 0;
	if (!is_hex) {
		vmap_key_digest((const unsigned char *)hex, len, out);
		return;
	}
	unsigned char *key = xmalloc(len / 2);
	for (size_t i = 0; i < len / 2; i++) {
		char pair[3] = {hex[2 * i], hex[2 * i + 1], 0};
		key[i] = (unsigned char)strtoul(pair, NULL, 16);
		explicit_bzero(pair, sizeof(pair));
	}
	vmap_key_digest(key, len / 2, out);
	vmap_key_free(key, len / 2);
}

/* Does word `i` of a `type` line hold a key?  Returns how many leading
 * bytes of the word to keep (the rest is the key), or -1 for no key.
 *   crypt:     <cipher> <key> ...       key is hex; ":len:type:desc" is a
 *                                       keyring reference and "-" no key
 *   integrity: internal_hash:ALG:KEY, journal_crypt:ALG:KEY,
 *              journal_mac:ALG:KEY (the key is optional) */
static long key_prefix(const char *type, size_t i, const char *w, size_t len)
{
	if (!strcmp(type, "crypt") && i == 1) {
		if (len == 0 || w[0] == ':' || (len == 1 && w[0] == '-'))
			return -1;
		return 0;
	}
	if (!strcmp(type, "integrity")) {
		static const char *const opts[] = {"internal_hash:", "journal_crypt:", "journal_mac:"};
		for (size_t k = 0; k < 3; k++) {
			size_t ol = strlen(opts[k]);
			if (len <= ol || strncmp(w, opts[k], ol) != 0)
				continue;
			const char *colon = memchr(w + ol, ':', len - ol);
			if (!colon || (size_t)(colon + 1 - w) >= len)
				return -1;
			return colon + 1 - w;
		}
	}
	return -1;
}

static bool type_has_keys(const char *type)
{
	const struct vmap_target_type *tt = vmap_target_type_find(type);
	return !strcmp(type, "crypt") || !strcmp(type, "integrity") ||
	       (tt && (tt->flags & VMAP_TT_SECRET));
}

/* Blanks collapsed, key words replaced by their digest.  Works on the raw
 * text in place word by word, so no copy of a key is made. */
static char *opaque_redacted(const char *type, const char *raw)
{
	struct sbuf out = {0};
	const char *s = raw;
	for (size_t i = 0;; i++) {
		while (*s && isspace((unsigned char)*s))
			s++;
		if (!*s)
			break;
		const char *w = s;
		while (*s && !isspace((unsigned char)*s))
			s++;
		size_t len = (size_t)(s - w);
		if (i)
			sbuf_addc(&out, ' ');
		long keep = key_prefix(type, i, w, len);
		if (keep < 0) {
			sbuf_addn(&out, w, len);
		} else {
			sbuf_addn(&out, w, (size_t)keep);
			add_key_digest(w + keep, len - (size_t)keep, &out);
		}
	}
	/* sbuf_take may hand over a buffer that grew by realloc; the old
	 * copies never held a key (keys are appended as digests only) */
	return sbuf_take(&out);
}

/* True when any key word of `raw` appears verbatim in `canon`. */
static bool leaks_key(const char *type, const char *raw, const char *canon)
{
	const char *s = raw;
	for (size_t i = 0;; i++) {
		while (*s && isspace((unsigned char)*s))
			s++;
		if (!*s)
			return false;
		const char *w = s;
		while (*s && !isspace((unsigned char)*s))
			s++;
		size_t len = (size_t)(s - w);
		long keep = key_prefix(type, i, w, len);
		if (keep < 0)
			continue;
		const char *key = w + keep;
		size_t klen = len - (size_t)keep;
		for (const char *p = canon; klen && (p = strchr(p, key[0])); p++)
			if (!strncmp(p, key, klen))
				return true;
	}
}

char *vmap_live_canon_params(const char *type, const char *raw)
{
	const char *params = raw ? raw : "";
	bool keys = type_has_keys(type);
	/* a type with keys that vmapctl does not know would go through the
	 * generic normaliser, which copies every word: never hand it keys */
	if (keys && !vmap_target_type_find(type))
		return opaque_redacted(type, params);
	struct sbuf out = {0};
	struct vmap_errlist e = {0};
	int r = vmap_canon_live_params(type, params, NULL, &out, &e);
	vmap_errlist_clear(&e);
	if (r == 0 && !(keys && leaks_key(type, params, sbuf_str(&out))))
		return sbuf_take(&out);
	/* Text the type's parser does not take (a kernel newer than vmapctl):
	 * keep it, blanks collapsed.  It will not compare equal to a desired
	 * table, which is right: vmapctl cannot tell what it means. */
	sbuf_wipe(&out);
	return opaque_redacted(type, params);
}

static void canon_table(struct vmap_table *t)
{
	for (size_t i = 0; i < t->n; i++) {
		char *raw = t->lines[i].params;
		t->lines[i].params = vmap_live_canon_params(t->lines[i].type, raw);
		if (raw) {
			explicit_bzero(raw, strlen(raw));
			free(raw);
		}
	}
}

/* ---- modules that provide target types ---- */

/* Module and alias names, '-' and '_' made equal as modprobe does. */
struct modidx {
	char **names;
	size_t n, cap;
};

static void modname_norm(char *s)
{
	for (; *s; s++)
		if (*s == '-')
			*s = '_';
}

static bool modidx_has(const struct modidx *m, const char *name)
{
	char *n = xstrdup(name);
	modname_norm(n);
	bool r = false;
	for (size_t i = 0; i < m->n && !r; i++)
		r = !strcmp(m->names[i], n);
	free(n);
	return r;
}

/* Only names starting with "dm" matter, which keeps the index tiny. */
static void modidx_add(struct modidx *m, const char *name, size_t len)
{
	if (len < 3 || strncmp(name, "dm", 2) != 0 || (name[2] != '-' && name[2] != '_'))
		return;
	char *n = xstrndup(name, len);
	modname_norm(n);
	VEC_PUSH(m->names, m->n, m->cap, n);
}

static void modidx_load(struct modidx *m, const char *moddir)
{
	char *path = xasprintf("%s/modules.alias", moddir);
	FILE *f = fopen(path, "re");
	char *line = NULL;
	size_t cap = 0;
	free(path);
	if (f) {
		/* "alias dm-raid1 dm_raid" */
		while (getline(&line, &cap, f) > 0) {
			if (strncmp(line, "alias dm", 8) != 0)
				continue;
			const char *a = line + 6;
			modidx_add(m, a, strcspn(a, " \t\n"));
		}
		fclose(f);
	}
	path = xasprintf("%s/modules.dep", moddir);
	f = fopen(path, "re");
	free(path);
	if (f) {
		/* "kernel/drivers/md/dm-zero.ko.xz: deps..." */
		while (getline(&line, &cap, f) > 0) {
			line[strcspn(line, ":\n")] = '\0';
			const char *base = strrchr(line, '/');
			base = base ? base + 1 : line;
			const char *ko = strstr(base, ".ko");
			if (ko)
				modidx_add(m, base, (size_t)(ko - base));
		}
		fclose(f);
	}
	free(line);
}

static void modidx_free(struct modidx *m)
{
	for (size_t i = 0; i < m->n; i++)
		free(m->names[i]);
	free(m->names);
	memset(m, 0, sizeof(*m));
}

static bool modidx_provides(const struct modidx *m, const char *type)
{
	char *want = xasprintf("dm-%s", type);
	bool r = modidx_has(m, want);
	free(want);
	const struct vmap_target_type *tt = vmap_target_type_find(type);
	if (!r && tt && tt->module)
		r = modidx_has(m, tt->module);
	return r;
}

bool vmap_module_provides(const char *moddir, const char *type)
{
	struct modidx m = {0};
	modidx_load(&m, moddir);
	bool r = modidx_provides(&m, type);
	modidx_free(&m);
	return r;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void add_candidate(char ***v, size_t *n, size_t *cap, const char *name)
{
	for (size_t i = 0; i < *n; i++)
		if (!strcmp((*v)[i], name))
			return;
	char *s = xstrdup(name);
	VEC_PUSH(*v, *n, *cap, s);
}

/* Target types that are not registered but that a module provides: of
 * those the spec set uses and those vmapctl has first-class support for.
 * Only files are read; nothing is loaded. */
static void capture_loadable(struct vmap_live *l, const struct vmap_capture_req *req)
{
	char **want = NULL;
	size_t n = 0, cap = 0, lcap = 0;
	for (size_t i = 0; req && i < req->n_types; i++)
		if (req->types[i] && *req->types[i])
			add_candidate(&want, &n, &cap, req->types[i]);
	for (const struct vmap_target_type *const *t = vmap_target_types; *t; t++)
		add_candidate(&want, &n, &cap, (*t)->name);
	struct modidx m = {0};
	char *moddir = xasprintf("/lib/modules/%s", l->kernel_release ? l->kernel_release : "");
	modidx_load(&m, moddir);
	free(moddir);
	for (size_t i = 0; i < n; i++) {
		if (!vmap_live_has_target(l, want[i]) && modidx_provides(&m, want[i]))
			add_candidate(&l->loadable_targets, &l->n_loadable, &lcap, want[i]);
		free(want[i]);
	}
	free(want);
	modidx_free(&m);
	if (l->n_loadable)
		qsort(l->loadable_targets, l->n_loadable, sizeof(char *), cmp_str);
}

/* ---- resolving references ---- */

char *vmap_live_ref_key(const struct vmap_devref *ref)
{
	/* one naming for both sides: the planner looks references up by
	 * vmap_devref_key; volume references are not resolved through udev */
	return ref->kind == VMAP_DEV_VOLUME ? NULL : vmap_devref_key(ref);
}

/* Every block device udev knows, read once per capture. */
struct udev_cache {
	struct udev *udev;
	struct udev_device **devs;
	size_t n, cap;
	bool loaded;
};

static void udev_cache_load(struct udev_cache *c)
{
	if (c->loaded)
		return;
	c->loaded = true;
	c->udev = udev_new();
	if (!c->udev)
		return;
	struct udev_enumerate *en = udev_enumerate_new(c->udev);
	if (!en)
		return;
	udev_enumerate_add_match_subsystem(en, "block");
	udev_enumerate_scan_devices(en);
	struct udev_list_entry *e;
	udev_list_entry_foreach(e, udev_enumerate_get_list_entry(en))
	{
		struct udev_device *d =
			udev_device_new_from_syspath(c->udev, udev_list_entry_get_name(e));
		if (d && udev_device_get_devnode(d))
			VEC_PUSH(c->devs, c->n, c->cap, d);
		else if (d)
			udev_device_unref(d);
	}
	udev_enumerate_unref(en);
}

static void udev_cache_free(struct udev_cache *c)
{
	for (size_t i = 0; i < c->n; i++)
		udev_device_unref(c->devs[i]);
	free(c->devs);
	if (c->udev)
		udev_unref(c->udev);
	memset(c, 0, sizeof(*c));
}

static bool udev_matches(struct udev_device *d, const struct vmap_devref *ref)
{
	for (size_t i = 0; i < ref->n_props; i++) {
		const char *v = udev_device_get_property_value(d, ref->props[i].key);
		if (!v || strcmp(v, ref->props[i].value) != 0)
			return false;
	}
	return true;
}

static bool ref_has_key(const struct vmap_devref *ref, const char *key)
{
	for (size_t i = 0; i < ref->n_props; i++)
		if (!strcmp(ref->props[i].key, key))
			return true;
	return false;
}

/* A property that tells the candidates apart (DEVPATH always does). */
static const char *distinguishing_prop(struct udev_device **m, size_t n,
				       const struct vmap_devref *ref)
{
	static const char *const prefs[] = {"ID_SERIAL", "ID_WWN", "ID_PATH", "ID_PART_ENTRY_UUID",
					    "ID_FS_UUID", "ID_FS_LABEL", "DM_NAME", "DM_UUID"};
	for (size_t p = 0; p < sizeof(prefs) / sizeof(prefs[0]); p++) {
		if (ref_has_key(ref, prefs[p]))
			continue;
		bool ok = true;
		for (size_t i = 0; i < n && ok; i++) {
			const char *a = udev_device_get_property_value(m[i], prefs[p]);
			ok = a != NULL;
			for (size_t j = 0; j < i && ok; j++)
				ok = strcmp(a, udev_device_get_property_value(m[j], prefs[p])) != 0;
		}
		if (ok)
			return prefs[p];
	}
	return "DEVPATH";
}

static char *props_text(const struct vmap_devref *ref)
{
	struct sbuf b = {0};
	for (size_t i = 0; i < ref->n_props; i++)
		sbuf_printf(&b, "%s%s=%s", i ? ", " : "", ref->props[i].key, ref->props[i].value);
	return sbuf_take(&b);
}

static void resolve_udev(struct vmap_resolution *r, const struct vmap_devref *ref,
			 struct udev_cache *c)
{
	udev_cache_load(c);
	struct udev_device **m = NULL;
	size_t n = 0, cap = 0;
	for (size_t i = 0; i < c->n; i++)
		if (udev_matches(c->devs[i], ref))
			VEC_PUSH(m, n, cap, c->devs[i]);
	char *props = props_text(ref);
	if (!c->udev) {
		r->error = xasprintf("cannot resolve udev properties %s: libudev is not usable here",
				     props);
	} else if (n == 0) {
		r->error = xasprintf("no block device has udev properties %s (is it attached, and "
				     "has udev processed it? 'udevadm info' shows a device's properties)",
				     props);
	} else if (n == 1) {
		dev_t d = udev_device_get_devnum(m[0]);
		r->found = true;
		r->major = major(d);
		r->minor = minor(d);
		r->devnode = xstrdup(udev_device_get_devnode(m[0]));
	} else {
		const char *key = distinguishing_prop(m, n, ref);
		struct sbuf list = {0};
		r->candidates = xcalloc(n, sizeof(char *));
		for (size_t i = 0; i < n; i++) {
			const char *v = udev_device_get_property_value(m[i], key);
			r->candidates[i] = xasprintf("%s (%s=%s)", udev_device_get_devnode(m[i]), key,
						     v ? v : "");
			sbuf_printf(&list, "%s%s", i ? ", " : "", r->candidates[i]);
		}
		r->n_candidates = n;
		r->error = xasprintf("%zu block devices have udev properties %s: %s (add a property "
				     "that tells them apart)",
				     n, props, sbuf_str(&list));
		sbuf_free(&list);
	}
	free(props);
	free(m);
}

static void resolve_path(struct vmap_resolution *r, const char *path)
{
	struct stat st;
	if (stat(path, &st) < 0) {
		r->error = errno == ENOENT ? xasprintf("no such device '%s'", path)
					   : xasprintf("cannot reach '%s': %s", path, strerror(errno));
		return;
	}
	if (!S_ISBLK(st.st_mode)) {
		r->error = xasprintf("'%s' is not a block device", path);
		return;
	}
	r->found = true;
	r->major = major(st.st_rdev);
	r->minor = minor(st.st_rdev);
	char *real = realpath(path, NULL);
	r->devnode = real ? real : xstrdup(path);
}

static void resolve_majmin(struct vmap_resolution *r, unsigned maj, unsigned min)
{
	if (!vmap_sysfs_exists(maj, min)) {
		r->error = xasprintf("no block device %u:%u", maj, min);
		return;
	}
	r->found = true;
	r->major = maj;
	r->minor = min;
	r->devnode = vmap_sysfs_devnode(maj, min);
	if (!r->devnode)
		r->devnode = xasprintf("%u:%u", maj, min);
}

static void capture_resolutions(struct vmap_live *l, const struct vmap_capture_req *req)
{
	struct udev_cache uc = {0};
	size_t cap = 0;
	for (size_t i = 0; req && i < req->n_refs; i++) {
		const struct vmap_devref *ref = req->refs[i];
		char *key = ref ? vmap_live_ref_key(ref) : NULL;
		if (!key)
			continue;
		if (vmap_live_find_res(l, key)) {
			free(key);
			continue;
		}
		struct vmap_resolution r = {.ref = key};
		if (ref->kind == VMAP_DEV_PATH)
			resolve_path(&r, ref->path);
		else if (ref->kind == VMAP_DEV_MAJMIN)
			resolve_majmin(&r, ref->major, ref->minor);
		else
			resolve_udev(&r, ref, &uc);
		VEC_PUSH(l->res, l->n_res, cap, r);
	}
	udev_cache_free(&uc);
}

/* ---- block devices ---- */

struct devnum {
	unsigned major, minor;
};

static int cmp_devnum(const void *a, const void *b)
{
	const struct devnum *x = a, *y = b;
	if (x->major != y->major)
		return x->major < y->major ? -1 : 1;
	return x->minor < y->minor ? -1 : x->minor > y->minor;
}

/* Every device the request resolved to and every component of every dm
 * device, each once, ordered by number. */
static void capture_blockdevs(struct vmap_live *l)
{
	struct devnum *v = NULL;
	size_t n = 0, cap = 0;
	for (size_t i = 0; i < l->n_devs; i++)
		for (size_t j = 0; j < l->devs[i].n_deps; j++) {
			struct devnum d = {l->devs[i].dep_major[j], l->devs[i].dep_minor[j]};
			VEC_PUSH(v, n, cap, d);
		}
	for (size_t i = 0; i < l->n_res; i++)
		if (l->res[i].found) {
			struct devnum d = {l->res[i].major, l->res[i].minor};
			VEC_PUSH(v, n, cap, d);
		}
	if (n)
		qsort(v, n, sizeof(*v), cmp_devnum);
	size_t bcap = 0;
	for (size_t i = 0; i < n; i++) {
		if (i && !cmp_devnum(&v[i], &v[i - 1]))
			continue;
		struct vmap_blockdev b;
		struct vmap_errlist ignore = {0};
		/* a device that went away meanwhile is simply not there */
		if (vmap_sysfs_blockdev(v[i].major, v[i].minor, &b, &ignore) == 0)
			VEC_PUSH(l->blockdevs, l->n_blockdevs, bcap, b);
		vmap_errlist_clear(&ignore);
	}
	free(v);
}

/* ---- the whole capture ---- */

static int cmp_dev_name(const void *a, const void *b)
{
	return strcmp(((const struct vmap_dmdev *)a)->name, ((const struct vmap_dmdev *)b)->name);
}

int vmap_live_capture(struct vmap_live *out, const struct vmap_capture_req *req,
		      struct vmap_errlist *errs)
{
	memset(out, 0, sizeof(*out));
	struct utsname u;
	out->kernel_release = xstrdup(uname(&u) == 0 ? u.release : "");
	char *drv = NULL;
	if (vmap_dm_available(errs) < 0 ||
	    vmap_dm_driver_version(&drv, out->driver_version, errs) < 0 ||
	    vmap_dm_targets(&out->targets, &out->n_targets, errs) < 0 ||
	    vmap_dm_list(&out->devs, &out->n_devs, errs) < 0) {
		free(drv);
		vmap_live_free(out);
		return -1;
	}
	free(drv);
	for (size_t i = 0; i < out->n_devs; i++) {
		struct vmap_dmdev *d = &out->devs[i];
		canon_table(&d->live);
		canon_table(&d->inactive);
		/* the device type is decided by the first table it gets */
		d->request_based = vmap_sysfs_request_based(d->major, d->minor);
		if (req && req->dm_limits)
			vmap_sysfs_limits(d->major, d->minor, &d->limits);
	}
	if (out->n_devs)
		qsort(out->devs, out->n_devs, sizeof(*out->devs), cmp_dev_name);
	capture_loadable(out, req);
	capture_resolutions(out, req);
	capture_blockdevs(out);
	return 0;
}
