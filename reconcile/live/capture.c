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

/* Every device the request resolved to (their sizes and block sizes are
 * the planner's), and with `components` every component of every dm
 * device read (queue limits for status, LUNs where multipath is
 * involved), each once, ordered by number.  `what` (enum vmap_sysfs_read)
 * says what else: the queue limits status compares with the dm
 * devices' (no plan decision reads them), what only a snapshot records. */
static void capture_blockdevs(struct vmap_live *l, bool components, unsigned what)
{
	struct devnum *v = NULL;
	size_t n = 0, cap = 0;
	for (size_t i = 0; components && i < l->n_devs; i++)
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
		if (vmap_sysfs_blockdev(v[i].major, v[i].minor, what, &b, &ignore) == 0)
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

/* ---- dependencies from the table text ----
 *
 * The kernel lists a table's devices (DEPS) newest first: each device is
 * put at the head of the table's list the first time a target's
 * constructor opens it, and the constructors open them in the order
 * their text names them.  Every line's type already read its devices
 * (canon.c), so the list is the text's device references, each once,
 * last first; DEPS is asked only of a device with a line whose type
 * cannot tell (an opaque target: a type vmapctl does not know, or text
 * its parser does not take). */

struct depwalk {
	struct vmap_dmdev *d;
	size_t cap;
	bool unknown;
};

static void dep_note(const struct vmap_devref *ref, void *arg)
{
	struct depwalk *w = arg;
	if (ref->kind != VMAP_DEV_MAJMIN) {
		w->unknown = true; /* the kernel reports numbers: not its text */
		return;
	}
	struct vmap_dmdev *d = w->d;
	for (size_t i = 0; i < d->n_deps; i++)
		if (d->dep_major[i] == ref->major && d->dep_minor[i] == ref->minor)
			return;
	if (d->n_deps == w->cap) {
		w->cap = w->cap ? 2 * w->cap : 4;
		d->dep_major = xrealloc(d->dep_major, w->cap * sizeof(unsigned));
		d->dep_minor = xrealloc(d->dep_minor, w->cap * sizeof(unsigned));
	}
	d->dep_major[d->n_deps] = ref->major;
	d->dep_minor[d->n_deps++] = ref->minor;
}

static void clear_deps(struct vmap_dmdev *d)
{
	free(d->dep_major);
	free(d->dep_minor);
	d->dep_major = d->dep_minor = NULL;
	d->n_deps = 0;
}

/* The dependencies of `d`'s live table from its text; false when a line
 * cannot tell them (d's deps are left empty). */
static bool deps_from_text(struct vmap_dmdev *d)
{
	struct depwalk w = {d, 0, false};
	for (size_t k = 0; k < d->live.n && !w.unknown; k++) {
		const struct vmap_target *t = &d->live.lines[k].target;
		if (t->opaque || !t->tt)
			w.unknown = true;
		else
			vmap_target_foreach_ref(t, dep_note, &w);
	}
	if (w.unknown) {
		clear_deps(d);
		return false;
	}
	for (size_t i = 0, j = d->n_deps; i + 1 < j; i++, j--) {
		unsigned a = d->dep_major[i], b = d->dep_minor[i];
		d->dep_major[i] = d->dep_major[j - 1];
		d->dep_minor[i] = d->dep_minor[j - 1];
		d->dep_major[j - 1] = a;
		d->dep_minor[j - 1] = b;
	}
	return true;
}

/* Request-based or not, from the live table when a line tells (one does
 * for every table but those of error lines or unknown types alone);
 * else from sysfs, as the kernel keeps the kind the first table set. */
static bool request_based(const struct vmap_dmdev *d)
{
	int kind = -1;
	for (size_t k = 0; k < d->live.n && kind != 1; k++) {
		int r = vmap_target_request_based(&d->live.lines[k].target);
		if (r >= 0)
			kind = r;
	}
	return kind >= 0 ? kind == 1 : vmap_sysfs_request_based(d->major, d->minor);
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

static void canon_tables(struct vmap_dmdev *d)
{
	for (size_t k = 0; k < d->live.n; k++)
		vmap_live_line_canon(&d->live.lines[k]);
	for (size_t k = 0; k < d->inactive.n; k++)
		vmap_live_line_canon(&d->inactive.lines[k]);
}

static int cmp_dev_name(const void *a, const void *b)
{
	return strcmp(((const struct vmap_dmdev *)a)->name, ((const struct vmap_dmdev *)b)->name);
}

/* Read the tables of one device the run looks into, as the full capture
 * does but without DEPS where the text tells the dependencies.  0 with
 * *found false when it went away meanwhile. */
static int read_dev(const char *name, struct vmap_dmdev *d, bool *found,
		    struct vmap_errlist *errs)
{
	if (vmap_dm_read(name, d, found, errs) < 0)
		return -1;
	if (!*found)
		return 0;
	canon_tables(d);
	if (d->live_table && !deps_from_text(d)) {
		bool gone = false;
		if (vmap_dm_deps(d, &gone, errs) < 0 || gone) {
			vmap_dmdev_free(d);
			*found = false;
			return gone ? 0 : -1;
		}
	}
	if (d->live_table)
		d->request_based = request_based(d);
	capture_status(d);
	return 0;
}

/* Where a device of the list stands while the capture reads it: not in
 * the capture (gone meanwhile), in it (read, or kept as listed), or
 * decided once the managed devices are read. */
enum slot_state { SLOT_ABSENT, SLOT_READ, SLOT_LATER };

/* The devices the devices read are stacked on, one key (major << 32 |
 * minor) per holder and device, sorted: how many of the devices read
 * hold a device open is then two binary searches, where a scan of every
 * device for every open one was quadratic (a stack of 1,500 volumes on
 * 1,500 others: 2 million table scans in each no-op). */
struct holders {
	uint64_t *key;
	size_t n;
};

static uint64_t dev_key(unsigned major, unsigned minor)
{
	return (uint64_t)major << 32 | minor;
}

static int cmp_key(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static void holders_build(struct holders *h, const struct vmap_dmdev *devs,
			  const enum slot_state *state, size_t n)
{
	size_t total = 0;
	for (size_t i = 0; i < n; i++)
		if (state[i] == SLOT_READ)
			total += devs[i].n_deps;
	h->key = xcalloc(total + 1, sizeof(*h->key));
	h->n = 0;
	for (size_t i = 0; i < n; i++) {
		if (state[i] != SLOT_READ)
			continue;
		/* a table that names a device twice holds it open once */
		size_t first = h->n;
		for (size_t k = 0; k < devs[i].n_deps; k++)
			h->key[h->n++] = dev_key(devs[i].dep_major[k], devs[i].dep_minor[k]);
		qsort(h->key + first, h->n - first, sizeof(*h->key), cmp_key);
		size_t w = first;
		for (size_t k = first; k < h->n; k++)
			if (k == first || h->key[k] != h->key[w - 1])
				h->key[w++] = h->key[k];
		h->n = w;
	}
	qsort(h->key, h->n, sizeof(*h->key), cmp_key);
}

/* The first place in the sorted keys not below `key`. */
static size_t holders_lower(const struct holders *h, uint64_t key)
{
	size_t lo = 0, hi = h->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (h->key[mid] < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Something besides the devices read holds managed device `m` open: a
 * device outside the ones read may be stacked on it (every table that
 * uses a device holds it open once, live and inactive slot together). */
static bool held_by_others(const struct holders *h, const struct vmap_dmdev *m)
{
	if (m->open_count <= 0)
		return false;
	uint64_t key = dev_key(m->major, m->minor);
	size_t known = holders_lower(h, key + 1) - holders_lower(h, key);
	return (size_t)m->open_count > known;
}

/* The devices of a plan, apply, export: every device by name, uuid and
 * number from one LIST, and the tables of the managed ones only (one
 * TABLE each).  What is decided about a device vmapctl does not manage
 * needs no more (its name and uuid: a name taken, a uuid in use), except
 * whether it is stacked on a managed volume (removal and shrink gates,
 * the order of removals): it is then among what holds that volume open,
 * so when a managed device is open beyond the managed devices stacked on
 * it, the other devices' tables are read too. */
static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int capture_lean(struct vmap_live *out, const struct vmap_capture_req *req,
			struct vmap_errlist *errs)
{
	struct vmap_dm_name *names = NULL;
	size_t n = 0;
	bool have_uuids;
	if (vmap_dm_names(&names, &n, &have_uuids, errs) < 0)
		return -1;
	/* the names asked for, sorted to be looked up */
	size_t nw = req ? req->n_names : 0;
	const char **want = xcalloc(nw + 1, sizeof(char *));
	for (size_t i = 0; i < nw; i++)
		want[i] = req->names[i];
	if (nw)
		qsort(want, nw, sizeof(*want), cmp_str);
	/* Each device keeps its place in the list: the kernel lists names in
	 * strcmp order (it keeps them in an rbtree), the order the planner
	 * looks devices up in, so the capture need not sort them again. */
	struct vmap_dmdev *slot = xcalloc(n + 1, sizeof(*slot)); /* becomes out->devs */
	enum slot_state *state = xcalloc(n + 1, sizeof(*state));
	int r = 0;
	for (size_t i = 0; i < n && r == 0; i++) {
		bool found = true;
		const char *nm = names[i].name;
		/* without uuids in the list, each device's TABLE tells them */
		if (have_uuids &&
		    strncmp(names[i].uuid, VMAP_UUID_PREFIX, strlen(VMAP_UUID_PREFIX)) &&
		    !(nw && bsearch(&nm, want, nw, sizeof(*want), cmp_str))) {
			state[i] = SLOT_LATER;
			continue;
		}
		r = read_dev(names[i].name, &slot[i], &found, errs);
		if (r == 0 && found)
			state[i] = SLOT_READ;
	}
	bool others = false;
	struct holders h = {0};
	for (size_t i = 0; i < n && r == 0 && !others; i++) {
		if (state[i] != SLOT_READ || !vmap_dmdev_managed(&slot[i]) || slot[i].open_count <= 0)
			continue;
		if (!h.key)
			holders_build(&h, slot, state, n);
		others = held_by_others(&h, &slot[i]);
	}
	free(h.key);
	for (size_t i = 0; i < n && r == 0; i++) {
		if (state[i] != SLOT_LATER)
			continue;
		bool found = true;
		state[i] = SLOT_ABSENT;
		if (others) {
			r = read_dev(names[i].name, &slot[i], &found, errs);
		} else {
			struct vmap_dmdev *d = &slot[i];
			d->name = names[i].name;
			d->uuid = names[i].uuid;
			d->major = names[i].major;
			d->minor = names[i].minor;
			d->listed_only = true;
			names[i].name = names[i].uuid = NULL;
		}
		if (r == 0 && found)
			state[i] = SLOT_READ;
	}
	/* the devices read, moved down over the places of those not, in
	 * the list's order */
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (state[i] != SLOT_READ)
			continue;
		if (r == 0)
			slot[k++] = slot[i];
		else
			vmap_dmdev_free(&slot[i]);
	}
	out->devs = slot;
	out->n_devs = k;
	free(state);
	free(want);
	vmap_dm_names_free(names, n);
	return r;
}

/* Target types the set uses that the kernel has not registered (a module
 * may provide them: the modules index is read only then). */
static bool types_missing(const struct vmap_live *l, const struct vmap_capture_req *req)
{
	for (size_t i = 0; req && i < req->n_types; i++) {
		const char *t = req->types[i];
		/* a set of thousands of volumes names a few types, each volume
		 * mostly the type of the one before: asked once a run of them */
		if (i && req->types[i - 1] && t && !strcmp(req->types[i - 1], t))
			continue;
		if (t && *t && !vmap_live_has_target(l, t))
			return true;
	}
	return false;
}

int vmap_live_capture(struct vmap_live *out, const struct vmap_capture_req *req,
		      struct vmap_errlist *errs)
{
	memset(out, 0, sizeof(*out));
	struct utsname u;
	out->kernel_release = xstrdup(uname(&u) == 0 ? u.release : "");
	bool full = !req || req->full;
	if (vmap_dm_available(errs) < 0 ||
	    vmap_dm_targets_driver(&out->targets, &out->n_targets, out->driver_version, errs) < 0 ||
	    (full ? vmap_dm_list(&out->devs, &out->n_devs, errs) : capture_lean(out, req, errs)) < 0) {
		vmap_live_free(out);
		return -1;
	}
	bool limits = full || (req && req->limits);
	for (size_t i = 0; full && i < out->n_devs; i++) {
		struct vmap_dmdev *d = &out->devs[i];
		canon_tables(d);
		/* the device type is decided by the first table it gets */
		d->request_based = vmap_sysfs_request_based(d->major, d->minor);
		capture_status(d);
	}
	unsigned what = (limits ? VMAP_SYSFS_LIMITS : 0) | (full ? VMAP_SYSFS_RECORD : 0);
	for (size_t i = 0; limits && i < out->n_devs; i++)
		if (!out->devs[i].listed_only)
			vmap_sysfs_limits(out->devs[i].major, out->devs[i].minor, what,
					  &out->devs[i].limits);
	/* the lean capture keeps the kernel's order, which is by name
	 * already: sorted only when it is not (an older kernel) */
	vmap_live_index(out);
	if (!out->devs_by_name && out->n_devs) {
		qsort(out->devs, out->n_devs, sizeof(*out->devs), cmp_dev_name);
		vmap_live_index(out);
	}
	if (full || types_missing(out, req))
		vmap_capture_loadable(out, req);
	vmap_capture_resolutions(out, req);
	bool mp = multipath_involved(out, req);
	capture_blockdevs(out, limits || mp, what);
	if (mp)
		vmap_capture_luns(out);
	vmap_live_index(out); /* again: blockdevs and res are in */
	return 0;
}
