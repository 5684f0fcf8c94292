/* live.c: lookups in captured live state, and freeing it (see live.h).
 * Capture is live/capture.c; the JSON snapshot is live/snapshot.c. */
#include "model/live.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"

static uint64_t devnum(unsigned major, unsigned minor)
{
	return (uint64_t)major << 32 | minor;
}

/* by number, equal numbers by index: a lookup finds the first of equal
 * entries, as a scan does */
static int cmp_devnum(const void *a, const void *b)
{
	const struct vmap_devnum_ix *x = a, *y = b;
	if (x->devnum != y->devnum)
		return x->devnum < y->devnum ? -1 : 1;
	return (x->dev > y->dev) - (x->dev < y->dev);
}

/* The index (in devs or blockdevs) of the first of sorted v[0..n) with
 * number `want`, or SIZE_MAX. */
static size_t devnum_find(const struct vmap_devnum_ix *v, size_t n, uint64_t want)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (v[mid].devnum < want)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && v[lo].devnum == want ? v[lo].dev : SIZE_MAX;
}

static void index_refs(struct vmap_live *l)
{
	free(l->blockdev_by_devnum);
	l->blockdev_by_devnum = xcalloc(l->n_blockdevs ? l->n_blockdevs : 1,
					sizeof(*l->blockdev_by_devnum));
	for (size_t i = 0; i < l->n_blockdevs; i++)
		l->blockdev_by_devnum[i] = (struct vmap_devnum_ix){
			devnum(l->blockdevs[i].major, l->blockdevs[i].minor), i};
	qsort(l->blockdev_by_devnum, l->n_blockdevs, sizeof(*l->blockdev_by_devnum), cmp_devnum);
	l->n_blockdev_by_devnum = l->n_blockdevs;

	free(l->res_by_ref);
	l->res_by_ref = xcalloc(l->n_res ? l->n_res : 1, sizeof(*l->res_by_ref));
	for (size_t i = 0; i < l->n_res; i++)
		l->res_by_ref[i] = (struct vmap_str_ix){l->res[i].ref ? l->res[i].ref : "", i};
	qsort(l->res_by_ref, l->n_res, sizeof(*l->res_by_ref), vmap_str_ix_cmp);
	l->n_res_by_ref = l->n_res;
}

void vmap_live_index(struct vmap_live *l)
{
	l->devs_by_name = true;
	for (size_t i = 0; i < l->n_devs && l->devs_by_name; i++)
		l->devs_by_name = l->devs[i].name &&
				  (!i || strcmp(l->devs[i - 1].name, l->devs[i].name) < 0);
	free(l->by_devnum);
	l->by_devnum = xcalloc(l->n_devs ? l->n_devs : 1, sizeof(*l->by_devnum));
	for (size_t i = 0; i < l->n_devs; i++)
		l->by_devnum[i] = (struct vmap_devnum_ix){devnum(l->devs[i].major, l->devs[i].minor), i};
	qsort(l->by_devnum, l->n_devs, sizeof(*l->by_devnum), cmp_devnum);
	l->n_by_devnum = l->n_devs;
	index_refs(l);
}

const struct vmap_dmdev *vmap_live_find_dev(const struct vmap_live *l, const char *name)
{
	if (l->devs_by_name) {
		size_t lo = 0, hi = l->n_devs;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			int c = strcmp(l->devs[mid].name, name);
			if (!c)
				return &l->devs[mid];
			if (c < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		return NULL;
	}
	for (size_t i = 0; i < l->n_devs; i++)
		if (l->devs[i].name && !strcmp(l->devs[i].name, name))
			return &l->devs[i];
	return NULL;
}

const struct vmap_dmdev *vmap_live_find_devnum(const struct vmap_live *l, unsigned major,
					       unsigned minor)
{
	if (l->by_devnum && l->n_by_devnum == l->n_devs) {
		size_t i = devnum_find(l->by_devnum, l->n_devs, devnum(major, minor));
		return i == SIZE_MAX ? NULL : &l->devs[i];
	}
	for (size_t i = 0; i < l->n_devs; i++)
		if (l->devs[i].major == major && l->devs[i].minor == minor)
			return &l->devs[i];
	return NULL;
}

size_t vmap_live_dev_index(const struct vmap_live *l, const struct vmap_dmdev *d)
{
	return d && d >= l->devs && d < l->devs + l->n_devs ? (size_t)(d - l->devs) : SIZE_MAX;
}

size_t vmap_live_devnum_index(const struct vmap_live *l, unsigned major, unsigned minor)
{
	return vmap_live_dev_index(l, vmap_live_find_devnum(l, major, minor));
}

const struct vmap_blockdev *vmap_live_find_blockdev(const struct vmap_live *l, unsigned major,
						    unsigned minor)
{
	if (l->blockdev_by_devnum && l->n_blockdev_by_devnum == l->n_blockdevs) {
		size_t i = devnum_find(l->blockdev_by_devnum, l->n_blockdevs, devnum(major, minor));
		return i == SIZE_MAX ? NULL : &l->blockdevs[i];
	}
	for (size_t i = 0; i < l->n_blockdevs; i++)
		if (l->blockdevs[i].major == major && l->blockdevs[i].minor == minor)
			return &l->blockdevs[i];
	return NULL;
}

const struct vmap_resolution *vmap_live_find_res(const struct vmap_live *l, const char *ref)
{
	if (l->res_by_ref && l->n_res_by_ref == l->n_res) {
		/* a resolution without a ref is indexed as "" and found by none */
		const struct vmap_str_ix *e = vmap_str_ix_find(l->res_by_ref, l->n_res, ref);
		return e && l->res[e->i].ref ? &l->res[e->i] : NULL;
	}
	for (size_t i = 0; i < l->n_res; i++)
		if (l->res[i].ref && !strcmp(l->res[i].ref, ref))
			return &l->res[i];
	return NULL;
}

bool vmap_live_has_target(const struct vmap_live *l, const char *name)
{
	for (size_t i = 0; i < l->n_targets; i++)
		if (l->targets[i].name && !strcmp(l->targets[i].name, name))
			return true;
	return false;
}

bool vmap_dmdev_managed(const struct vmap_dmdev *d)
{
	return d->uuid && !strncmp(d->uuid, "VMAP-", 5);
}

void vmap_resolution_free(struct vmap_resolution *r)
{
	if (!r)
		return;
	free(r->ref);
	free(r->devnode);
	for (size_t i = 0; i < r->n_candidates; i++)
		free(r->candidates[i]);
	free(r->candidates);
	free(r->error);
	memset(r, 0, sizeof(*r));
}

void vmap_table_free(struct vmap_table *t)
{
	for (size_t i = 0; i < t->n; i++) {
		free(t->lines[i].type);
		if (t->lines[i].params) {
			/* params read from the kernel may hold key material until
			 * they are made canonical */
			explicit_bzero(t->lines[i].params, strlen(t->lines[i].params));
			free(t->lines[i].params);
		}
		vmap_target_free(&t->lines[i].target);
		free(t->lines[i].status);
	}
	free(t->lines);
	t->lines = NULL;
	t->n = 0;
}

void vmap_dmdev_free(struct vmap_dmdev *d)
{
	if (!d)
		return;
	free(d->name);
	free(d->uuid);
	vmap_table_free(&d->live);
	vmap_table_free(&d->inactive);
	free(d->dep_major);
	free(d->dep_minor);
	memset(d, 0, sizeof(*d));
}

void vmap_live_free(struct vmap_live *l)
{
	if (!l)
		return;
	free(l->kernel_release);
	for (size_t i = 0; i < l->n_targets; i++)
		free(l->targets[i].name);
	free(l->targets);
	for (size_t i = 0; i < l->n_loadable; i++)
		free(l->loadable_targets[i]);
	free(l->loadable_targets);
	for (size_t i = 0; i < l->n_devs; i++)
		vmap_dmdev_free(&l->devs[i]);
	free(l->devs);
	free(l->by_devnum);
	free(l->blockdev_by_devnum);
	free(l->res_by_ref);
	for (size_t i = 0; i < l->n_blockdevs; i++) {
		free(l->blockdevs[i].kname);
		free(l->blockdevs[i].lun);
	}
	free(l->blockdevs);
	for (size_t i = 0; i < l->n_res; i++)
		vmap_resolution_free(&l->res[i]);
	free(l->res);
	memset(l, 0, sizeof(*l));
}
