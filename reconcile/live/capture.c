/* capture.c: capturing the live state (see capture.h). */
#include "live/capture.h"

#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "base/util.h"
#include "dm.h"
#include "live/canon.h"
#include "live/sysfs.h"
#include "targets/target.h"

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

/* The status of the lines whose type's data identity needs it (raid,
 * mirror, cache: which legs are in sync, whether blocks are dirty): one
 * STATUS more, for those devices only. */
static void capture_status(struct vmap_dmdev *d)
{
	bool need = false;
	for (size_t k = 0; k < d->live.n && !need; k++)
		need = d->live.lines[k].target.tt && d->live.lines[k].target.tt->identity_status &&
		       !d->live.lines[k].target.opaque;
	if (!need)
		return;
	char **st = NULL;
	size_t n = 0;
	struct vmap_errlist ignore = {0};
	/* without a status the identity is "cannot tell": safe */
	if (vmap_dm_status(d->name, &st, &n, &ignore) == 0 && n == d->live.n)
		for (size_t k = 0; k < n; k++) {
			d->live.lines[k].status = st[k];
			st[k] = NULL;
		}
	for (size_t k = 0; k < n; k++)
		free(st[k]);
	free(st);
	vmap_errlist_clear(&ignore);
}

/* Is multipath involved (a live table or the spec set uses it)? Then the
 * LUN behind each block device is part of the data's identity. */
static bool multipath_involved(const struct vmap_live *l, const struct vmap_capture_req *req)
{
	for (size_t i = 0; req && i < req->n_types; i++)
		if (req->types[i] && !strcmp(req->types[i], "multipath"))
			return true;
	for (size_t i = 0; i < l->n_devs; i++)
		for (size_t k = 0; k < l->devs[i].live.n; k++)
			if (!strcmp(l->devs[i].live.lines[k].type, "multipath"))
				return true;
	return false;
}

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
		for (size_t k = 0; k < d->live.n; k++)
			vmap_live_line_canon(&d->live.lines[k]);
		for (size_t k = 0; k < d->inactive.n; k++)
			vmap_live_line_canon(&d->inactive.lines[k]);
		/* the device type is decided by the first table it gets */
		d->request_based = vmap_sysfs_request_based(d->major, d->minor);
		if (req && req->dm_limits)
			vmap_sysfs_limits(d->major, d->minor, &d->limits);
		capture_status(d);
	}
	if (out->n_devs)
		qsort(out->devs, out->n_devs, sizeof(*out->devs), cmp_dev_name);
	vmap_capture_loadable(out, req);
	vmap_capture_resolutions(out, req);
	capture_blockdevs(out);
	if (multipath_involved(out, req))
		vmap_capture_luns(out);
	return 0;
}
