/* devrefs.c: how the spec set's device references resolve on this
 * system (see capture.h): paths by stat, MAJ:MIN through sysfs, udev
 * properties through libudev (every block device enumerated once). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <libudev.h>

#include "base/util.h"
#include "live/capture.h"
#include "live/sysfs.h"

/* The devices that have one property: each one's value (libudev keeps
 * it) and place in udev_cache.devs, sorted by value, equal values in the
 * cache's order. */
struct prop_ix {
	const char *key;
	struct vmap_str_ix *v;
	size_t n;
};

/* Every block device udev knows, read once per capture, and an index of
 * the devices by each property a reference starts with.  A spec set of
 * thousands of volumes on thousands of LUNs (a multipath host) names
 * each LUN by its own ID_WWN or ID_SERIAL: matching every reference
 * against every device would cost references x devices lookups. */
struct udev_cache {
	struct udev *udev;
	struct udev_device **devs;
	size_t n, cap;
	bool loaded;
	struct prop_ix *ix;
	size_t n_ix, cap_ix;
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

/* The index of property `key`, built on first use. */
static const struct prop_ix *prop_index(struct udev_cache *c, const char *key)
{
	for (size_t i = 0; i < c->n_ix; i++)
		if (!strcmp(c->ix[i].key, key))
			return &c->ix[i];
	struct prop_ix x = {.key = key, .v = xcalloc(c->n ? c->n : 1, sizeof(*x.v))};
	for (size_t i = 0; i < c->n; i++) {
		const char *v = udev_device_get_property_value(c->devs[i], key);
		if (v)
			x.v[x.n++] = (struct vmap_str_ix){v, i};
	}
	qsort(x.v, x.n, sizeof(*x.v), vmap_str_ix_cmp);
	VEC_PUSH(c->ix, c->n_ix, c->cap_ix, x);
	return &c->ix[c->n_ix - 1];
}

static void udev_cache_free(struct udev_cache *c)
{
	for (size_t i = 0; i < c->n_ix; i++)
		free(c->ix[i].v);
	free(c->ix);
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
	if (ref->n_props) {
		/* the devices with the first property's value, in the cache's
		 * order, as a scan of all would find them; then the rest */
		const struct prop_ix *x = prop_index(c, ref->props[0].key);
		const char *want = ref->props[0].value;
		for (size_t i = vmap_str_ix_lower(x->v, x->n, want);
		     i < x->n && !strcmp(x->v[i].s, want); i++)
			if (udev_matches(c->devs[x->v[i].i], ref))
				VEC_PUSH(m, n, cap, c->devs[x->v[i].i]);
	} else {
		for (size_t i = 0; i < c->n; i++)
			if (udev_matches(c->devs[i], ref))
				VEC_PUSH(m, n, cap, c->devs[i]);
	}
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

/* PATH's device number; with `node`, also the node it leads to (the
 * realpath a snapshot records: every component of the path read again,
 * which no plan decision needs). */
static void resolve_path(struct vmap_resolution *r, const char *path, bool node)
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
	if (node) {
		char *real = realpath(path, NULL);
		r->devnode = real ? real : xstrdup(path);
	}
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

/* The request's reference keys, each once, in the request's order (the
 * first of equal ones): sorted to find the repeats, since a spec set of
 * thousands of volumes names thousands of devices, most of them once
 * (a multipath host) or one many times. */
static char **unique_keys(const struct vmap_capture_req *req, size_t *n_out)
{
	size_t nr = req ? req->n_refs : 0, n = 0;
	char **keys = xcalloc(nr ? nr : 1, sizeof(*keys));
	struct vmap_str_ix *v = xcalloc(nr ? nr : 1, sizeof(*v));
	for (size_t i = 0; i < nr; i++) {
		const struct vmap_devref *ref = req->refs[i];
		/* volume references are the planner's, not udev's */
		keys[i] = ref && ref->kind != VMAP_DEV_VOLUME ? vmap_devref_key(ref) : NULL;
		if (keys[i])
			v[n++] = (struct vmap_str_ix){keys[i], i};
	}
	qsort(v, n, sizeof(*v), vmap_str_ix_cmp);
	/* the first of each run of equal keys stays (and is what the others
	 * are compared with); the others go */
	for (size_t j = 1, first = 0; j < n; j++) {
		if (strcmp(v[j].s, v[first].s)) {
			first = j;
		} else {
			free(keys[v[j].i]);
			keys[v[j].i] = NULL;
		}
	}
	free(v);
	*n_out = nr;
	return keys;
}

void vmap_capture_resolutions(struct vmap_live *l, const struct vmap_capture_req *req)
{
	struct udev_cache uc = {0};
	size_t cap = l->n_res, had = l->n_res, n_keys;
	char **keys = unique_keys(req, &n_keys);
	for (size_t i = 0; i < n_keys; i++) {
		const struct vmap_devref *ref = req->refs[i];
		char *key = keys[i];
		if (!key)
			continue;
		if (had && vmap_live_find_res(l, key)) { /* resolved before this call */
			free(key);
			continue;
		}
		struct vmap_resolution r = {.ref = key};
		if (ref->kind == VMAP_DEV_PATH)
			resolve_path(&r, ref->path, !req || req->full);
		else if (ref->kind == VMAP_DEV_MAJMIN)
			resolve_majmin(&r, ref->major, ref->minor);
		else
			resolve_udev(&r, ref, &uc);
		VEC_PUSH(l->res, l->n_res, cap, r);
	}
	free(keys);
	udev_cache_free(&uc);
}

void vmap_capture_luns(struct vmap_live *l)
{
	struct udev *udev = udev_new();
	if (!udev)
		return;
	for (size_t i = 0; i < l->n_blockdevs; i++) {
		struct vmap_blockdev *b = &l->blockdevs[i];
		if (vmap_live_find_devnum(l, b->major, b->minor))
			continue; /* a dm device: its data is its table's */
		struct udev_device *d = udev_device_new_from_devnum(udev, 'b', makedev(b->major, b->minor));
		if (!d)
			continue;
		const char *id = udev_device_get_property_value(d, "ID_WWN");
		if (!id || !*id)
			id = udev_device_get_property_value(d, "ID_SERIAL");
		if (id && *id)
			b->lun = xstrdup(id);
		udev_device_unref(d);
	}
	udev_unref(udev);
}
