/* resolve.c: desired tables on a given live system (see resolve.h). */
#include "plan/resolve.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/secret.h"
#include "base/util.h"

static bool ref_devnum(const struct vmap_resolve_env *env, const struct vmap_devref *ref,
		       unsigned *maj, unsigned *min, const struct vmap_resolution **res_out);
static bool volume_devnum(const struct vmap_resolve_env *env, size_t vi, unsigned *maj,
			  unsigned *min);

/* Flags of a target that depend on its arguments. */
static void target_traits(const struct vmap_target *t, bool *request_based, unsigned *flags)
{
	*flags = t->tt->flags;
	*request_based = !t->opaque && t->tt->request_based && t->tt->request_based(&t->args);
}

/* ---- the emit context backed by live state ---- */

struct rctx {
	struct vmap_emit_ctx ctx; /* first: the callbacks get &ctx */
	const struct vmap_resolve_env *env;
	const char *volume;
	struct vmap_desired *d;   /* collects missing refs; NULL in kernel mode */
};

/* The device number volume `vi` has (or will have when created earlier in
 * this run); false while unknown. */
static bool volume_devnum(const struct vmap_resolve_env *env, size_t vi, unsigned *maj,
			  unsigned *min)
{
	if (env->created_major && (env->created_major[vi] || env->created_minor[vi])) {
		*maj = env->created_major[vi];
		*min = env->created_minor[vi];
		return true;
	}
	if (env->renumbered && env->renumbered[vi])
		return false;
	const struct vmap_dmdev *dev = vmap_live_find_dev(env->live, env->set->vols[vi].name);
	if (!dev)
		return false;
	*maj = dev->major;
	*min = dev->minor;
	return true;
}

static void add_missing(struct vmap_desired *d, const struct vmap_devref *ref, const char *key,
			const char *why)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->n_missing; i++)
		if (!strcmp(d->missing[i].ref, key))
			return;
	d->missing = xrealloc(d->missing, (d->n_missing + 1) * sizeof(*d->missing));
	d->missing[d->n_missing++] = (struct vmap_missing){xstrdup(key), xstrdup(why), ref->loc};
}

/* Where a non-volume reference points on this system. */
bool vmap_resolve_devnum(const struct vmap_resolve_env *env, const struct vmap_devref *ref,
			 unsigned *maj, unsigned *min)
{
	const struct vmap_resolution *res;
	int vi = vmap_devref_volume(env->set, ref);
	if (vi >= 0)
		return volume_devnum(env, (size_t)vi, maj, min);
	return ref_devnum(env, ref, maj, min, &res);
}

static bool ref_devnum(const struct vmap_resolve_env *env, const struct vmap_devref *ref,
		       unsigned *maj, unsigned *min, const struct vmap_resolution **res_out)
{
	*res_out = NULL;
	if (ref->kind == VMAP_DEV_MAJMIN) {
		*maj = ref->major;
		*min = ref->minor;
		return vmap_live_find_blockdev(env->live, *maj, *min) != NULL ||
		       vmap_live_find_devnum(env->live, *maj, *min) != NULL;
	}
	const struct vmap_resolution *res;
	/* a path is its own key: looked up as it is, with no copy (this runs
	 * several times per volume) */
	if (ref->kind == VMAP_DEV_PATH) {
		res = vmap_live_find_res(env->live, ref->path);
	} else {
		char *key = vmap_devref_key(ref);
		res = vmap_live_find_res(env->live, key);
		free(key);
	}
	*res_out = res;
	if (!res || !res->found)
		return false;
	*maj = res->major;
	*min = res->minor;
	return true;
}

static int rdevice(struct vmap_emit_ctx *ctx, const struct vmap_devref *ref, struct sbuf *out,
		   struct vmap_errlist *errs)
{
	(void)errs;
	struct rctx *rc = (struct rctx *)ctx;
	const struct vmap_resolve_env *env = rc->env;
	unsigned maj, min;
	int vi = vmap_devref_volume(env->set, ref);
	if (vi >= 0) {
		if (volume_devnum(env, (size_t)vi, &maj, &min)) {
			sbuf_add_devno(out, maj, min);
		} else {
			sbuf_printf(out, "<volume:%s>", env->set->vols[vi].name);
			ctx->pending = true;
		}
		return 0;
	}
	const struct vmap_resolution *res;
	if (ref_devnum(env, ref, &maj, &min, &res)) {
		sbuf_add_devno(out, maj, min);
		return 0;
	}
	char *key = vmap_devref_key(ref);
	add_missing(rc->d, ref, key,
		    res && res->error ? res->error
				      : (ref->kind == VMAP_DEV_MAJMIN ? "no such block device"
								       : "not found"));
	sbuf_printf(out, "<missing:%s>", key);
	free(key);
	ctx->pending = true;
	return 0;
}

static int rdevice_info(struct vmap_emit_ctx *ctx, const struct vmap_devref *ref,
			uint64_t *sectors, unsigned *lbs)
{
	struct rctx *rc = (struct rctx *)ctx;
	const struct vmap_resolve_env *env = rc->env;
	int vi = vmap_devref_volume(env->set, ref);
	if (vi >= 0) {
		if (!env->resolved || !env->resolved[vi])
			return -1;
		*sectors = env->desired[vi].size;
		*lbs = env->desired[vi].lbs ? env->desired[vi].lbs : 512;
		return 0;
	}
	unsigned maj, min;
	const struct vmap_resolution *res;
	if (!ref_devnum(env, ref, &maj, &min, &res))
		return -1;
	const struct vmap_blockdev *b = vmap_live_find_blockdev(env->live, maj, min);
	if (!b)
		return -1;
	*sectors = b->sectors;
	*lbs = b->limits.logical_block_size ? b->limits.logical_block_size : 512;
	return 0;
}

static int rsecret(struct vmap_emit_ctx *ctx, const struct vmap_secret *s, struct sbuf *out,
		   struct vmap_errlist *errs)
{
	struct rctx *rc = (struct rctx *)ctx;
	return vmap_secret_text(s, ctx->mode, rc->volume, out, errs);
}

static void rctx_init(struct rctx *rc, const struct vmap_resolve_env *env, const char *volume,
		      struct vmap_desired *d, enum vmap_emit_mode mode)
{
	memset(rc, 0, sizeof(*rc));
	rc->ctx.mode = mode;
	rc->ctx.device = rdevice;
	rc->ctx.device_info = rdevice_info;
	rc->ctx.secret = rsecret;
	rc->env = env;
	rc->volume = volume;
	rc->d = d;
}

/* ---- components ---- */

struct comp_walk {
	struct rctx *rc;
	struct vmap_desired *d;
};

static void add_component(const struct vmap_devref *ref, void *arg)
{
	struct comp_walk *cw = arg;
	struct vmap_desired *d = cw->d;
	const struct vmap_resolve_env *env = cw->rc->env;
	struct vmap_component c = {.volume = vmap_devref_volume(env->set, ref)};
	if (c.volume >= 0) {
		size_t vi = (size_t)c.volume;
		volume_devnum(env, vi, &c.major, &c.minor);
		if (env->resolved && env->resolved[vi]) {
			c.sectors = env->desired[vi].size;
			c.lbs = env->desired[vi].lbs;
		}
	} else {
		const struct vmap_resolution *res;
		if (!ref_devnum(env, ref, &c.major, &c.minor, &res)) {
			char *key = vmap_devref_key(ref);
			add_missing(d, ref, key,
				    res && res->error ? res->error
						      : (ref->kind == VMAP_DEV_MAJMIN
								 ? "no such block device"
								 : "not found"));
			free(key);
			return;
		}
		const struct vmap_blockdev *b = vmap_live_find_blockdev(env->live, c.major, c.minor);
		if (b) {
			c.sectors = b->sectors;
			c.lbs = b->limits.logical_block_size;
		}
	}
	for (size_t i = 0; i < d->n_comps; i++)
		if (d->comps[i].volume == c.volume && d->comps[i].major == c.major &&
		    d->comps[i].minor == c.minor && (c.volume >= 0 || c.major || c.minor))
			return;
	c.ref = vmap_devref_key(ref);
	d->comps = xrealloc(d->comps, (d->n_comps + 1) * sizeof(*d->comps));
	d->comps[d->n_comps++] = c;
}

/* ---- sizes and what the kernel would refuse ---- */

/* The component a single-device target maps onto, and its offset. */
static const struct vmap_devref *single_device(const struct vmap_target *t, uint64_t *offset)
{
	const struct vmap_target_type *tt = t->tt;
	if (t->opaque || !tt->size_device_key)
		return NULL;
	const struct vmap_value *v = vmap_obj_get(&t->args, tt->size_device_key);
	*offset = tt->size_offset_key ? vmap_obj_u64(&t->args, tt->size_offset_key, 0) : 0;
	return v->set ? v->dev : NULL;
}

static int check_alignment(const struct vmap_desired *d, struct vmap_errlist *errs)
{
	int r = 0;
	unsigned lbs_sectors = d->lbs / 512;
	for (size_t i = 0; i < d->n_lines && lbs_sectors > 1; i++) {
		const struct vmap_desired_line *l = &d->lines[i];
		if (l->start % lbs_sectors || l->len % lbs_sectors) {
			vmap_err(errs, VMAP_E_FAILED, 0, &l->target->loc, d->vol->name,
				 "target at sector %llu (length %llu) is not aligned to the %u-byte "
				 "logical blocks of its devices (the kernel would refuse it at resume; "
				 "use multiples of %u sectors)",
				 (unsigned long long)l->start, (unsigned long long)l->len, d->lbs,
				 lbs_sectors);
			r = -1;
		}
	}
	return r;
}

/* Offsets into a component must be aligned to that component's logical
 * block size: the kernel checks it only at resume, after a suspend. */
struct offset_walk {
	const struct vmap_resolve_env *env;
	const struct vmap_desired *d;
	const struct vmap_target *t;
	struct vmap_errlist *errs;
	int r;
};

static unsigned ref_lbs(const struct vmap_resolve_env *env, const struct vmap_devref *ref)
{
	int vi = vmap_devref_volume(env->set, ref);
	if (vi >= 0)
		return env->resolved && env->resolved[vi] ? env->desired[vi].lbs : 0;
	unsigned maj, min;
	const struct vmap_resolution *res;
	if (!ref_devnum(env, ref, &maj, &min, &res))
		return 0;
	const struct vmap_blockdev *b = vmap_live_find_blockdev(env->live, maj, min);
	return b ? b->limits.logical_block_size : 0;
}

/* For every DEVICE field "xDevice"/"device" with an "xOffset"/"offset"
 * sibling, the offset must be a multiple of the device's block size. */
static void check_offsets_obj(struct offset_walk *ow, const struct vmap_obj *o)
{
	for (size_t i = 0; i < o->type->n_fields; i++) {
		const struct vmap_field *f = &o->type->fields[i];
		const struct vmap_value *v = &o->v[i];
		if (!v->set)
			continue;
		if (f->kind == VMAP_F_LIST) {
			for (size_t k = 0; k < v->n_items; k++)
				check_offsets_obj(ow, &v->items[k]);
			continue;
		}
		if (f->kind != VMAP_F_DEVICE || !v->dev)
			continue;
		/* the sibling is "offset" for "device", "xOffset" for
		 * "xDevice": matched in place, as this runs for every volume */
		size_t kl = strlen(f->key), pl;
		if (!strcmp(f->key, "device"))
			pl = 0;
		else if (kl > 6 && !strcmp(f->key + kl - 6, "Device"))
			pl = kl - 6;
		else
			continue;
		for (size_t j = 0; j < o->type->n_fields; j++) {
			const char *okey = o->type->fields[j].key;
			if (!o->v[j].set || strncmp(okey, f->key, pl) ||
			    strcmp(okey + pl, pl ? "Offset" : "offset"))
				continue;
			unsigned lbs = ref_lbs(ow->env, v->dev);
			uint64_t off = o->v[j].u;
			if (lbs > 512 && off % (lbs / 512)) {
				char *key = vmap_devref_key(v->dev);
				vmap_err(ow->errs, VMAP_E_FAILED, 0, &o->v[j].loc, ow->d->vol->name,
					 "%s %llu is not aligned to the %u-byte logical blocks of '%s' "
					 "(the kernel would refuse it at resume; use a multiple of %u sectors)",
					 okey, (unsigned long long)off, lbs, key, lbs / 512);
				free(key);
				ow->r = -1;
			}
		}
	}
}

/* A volume reference whose volume exists and is larger now than it will
 * be: *size becomes the current size. */
static bool shrinking_volume(const struct vmap_resolve_env *env, const struct vmap_devref *ref,
			     uint64_t *size)
{
	int vi = vmap_devref_volume(env->set, ref);
	if (vi < 0)
		return false;
	const struct vmap_dmdev *d = vmap_live_find_dev(env->live, env->set->vols[vi].name);
	if (!d || !d->live.n)
		return false;
	uint64_t cur = d->live.lines[d->live.n - 1].start + d->live.lines[d->live.n - 1].len;
	if (cur <= *size)
		return false;
	*size = cur;
	return true;
}

/* The line of live device `dev`'s table at [start, start + len) with
 * kernel type `type`, or NULL (emit_ctx.live). */
static const struct vmap_table_line *live_line_at(const struct vmap_dmdev *dev, uint64_t start,
						  uint64_t len, const char *type)
{
	if (!dev || !dev->live_table)
		return NULL;
	for (size_t i = 0; i < dev->live.n; i++) {
		const struct vmap_table_line *l = &dev->live.lines[i];
		if (l->start == start && l->len == len && !strcmp(l->type, type))
			return l;
	}
	return NULL;
}

/* The same for target `t` of a volume resolved before (kernel mode):
 * its place is in the volume's desired table. */
static const struct vmap_table_line *live_line_of(const struct vmap_resolve_env *env,
						  const char *volume, const struct vmap_target *t)
{
	const struct vmap_volume *vol = vmap_specset_find(env->set, volume);
	if (!vol || !env->desired || !env->resolved)
		return NULL;
	size_t vi = (size_t)(vol - env->set->vols);
	if (!env->resolved[vi])
		return NULL;
	const struct vmap_desired *d = &env->desired[vi];
	for (size_t i = 0; i < d->n_lines; i++)
		if (d->lines[i].target == t)
			return live_line_at(env->live ? vmap_live_find_dev(env->live, volume) : NULL,
					    d->lines[i].start, d->lines[i].len, t->kernel_name);
	return NULL;
}

static void desired_reset(struct vmap_desired *d)
{
	vmap_desired_free(d);
	memset(d, 0, sizeof(*d));
}

int vmap_resolve_volume(const struct vmap_resolve_env *env, size_t idx, struct vmap_desired *d,
			struct vmap_errlist *errs)
{
	const struct vmap_volume *vol = &env->set->vols[idx];
	struct rctx rc;
	int r = 0;

	/* the volume's live device, looked up once for all its lines */
	const struct vmap_dmdev *ldev = env->live ? vmap_live_find_dev(env->live, vol->name) : NULL;

	desired_reset(d);
	d->vol = vol;
	rctx_init(&rc, env, vol->name, d, VMAP_EMIT_CANON);

	struct comp_walk cw = {&rc, d};
	for (size_t i = 0; i < vol->n_targets; i++)
		vmap_target_foreach_ref(&vol->targets[i], add_component, &cw);
	for (size_t i = 0; i < d->n_comps; i++)
		if (d->comps[i].lbs > d->lbs)
			d->lbs = d->comps[i].lbs;

	d->lines = xcalloc(vol->n_targets, sizeof(*d->lines));
	d->n_lines = vol->n_targets;
	uint64_t start = 0;
	for (size_t i = 0; i < vol->n_targets; i++) {
		const struct vmap_target *t = &vol->targets[i];
		struct vmap_desired_line *l = &d->lines[i];
		l->target = t;
		l->type = t->kernel_name;
		l->start = start;
		l->len = t->size;

		uint64_t off = 0, devsize = 0;
		unsigned lbs;
		const struct vmap_devref *dev = single_device(t, &off);
		bool known = dev && rdevice_info(&rc.ctx, dev, &devsize, &lbs) == 0;
		if (t->size_auto) {
			if (!known) {
				/* a missing device: recorded above; size unknown */
				l->len = 0;
			} else if (off >= devsize) {
				vmap_err(errs, VMAP_E_FAILED, 0, &t->loc, vol->name,
					 "offset %llu is at or beyond the end of its device (%llu sectors), "
					 "so no size is left to map (give a size or a smaller offset)",
					 (unsigned long long)off, (unsigned long long)devsize);
				r = -1;
			} else {
				l->len = devsize - off;
			}
		} else if (known && shrinking_volume(env, dev, &devsize)) {
			/* the lower volume shrinks under it: the planner's shrink
			 * gate says so, as a policy refusal */
		} else if (known && (off > devsize || t->size > devsize - off)) {
			vmap_err(errs, VMAP_E_FAILED, 0, &t->size_loc, vol->name,
				 "maps sectors %llu..%llu of a device that has only %llu sectors "
				 "(the kernel would refuse it)",
				 (unsigned long long)off, (unsigned long long)(off + t->size),
				 (unsigned long long)devsize);
			r = -1;
		}
		start += l->len;

		struct sbuf p = {0};
		rc.ctx.pending = false;
		rc.ctx.live = live_line_at(ldev, l->start, l->len, l->type);
		if (vmap_target_emit(t, &rc.ctx, &p, errs) < 0)
			r = -1;
		if (rc.ctx.pending)
			d->pending = true;
		l->params = sbuf_take(&p);

		bool rq;
		unsigned flags;
		target_traits(t, &rq, &flags);
		d->request_based |= rq;
		d->noflush |= (flags & VMAP_TT_NOFLUSH) != 0;
		d->immutable |= (flags & VMAP_TT_IMMUTABLE) != 0;
		d->secure |= (flags & VMAP_TT_SECRET) != 0;
	}
	d->size = start;

	if (!d->n_missing && !env->skip_predict) {
		if (check_alignment(d, errs) < 0)
			r = -1;
		struct offset_walk ow = {env, d, NULL, errs, 0};
		for (size_t i = 0; i < vol->n_targets; i++) {
			ow.t = &vol->targets[i];
			/* typed, raw and table: targets alike (opaque ones have
			 * no fields to check) */
			if (!ow.t->opaque)
				check_offsets_obj(&ow, &ow.t->args);
		}
		if (ow.r < 0)
			r = -1;
	}
	return r;
}

int vmap_resolve_kernel_params(const struct vmap_resolve_env *env, const struct vmap_target *t,
			       const char *volume, char **out, struct vmap_errlist *errs)
{
	struct rctx rc;
	rctx_init(&rc, env, volume, NULL, VMAP_EMIT_KERNEL);
	rc.ctx.live = live_line_of(env, volume, t);
	struct sbuf p = {0};
	int r = vmap_target_emit(t, &rc.ctx, &p, errs);
	if (r == 0 && rc.ctx.pending) {
		vmap_err(errs, VMAP_E_FAILED, 0, &t->loc, volume,
			 "a device of this table is not available (its volume was not created)");
		r = -1;
	}
	if (r < 0) {
		if (p.s)
			explicit_bzero(p.s, p.len);
		sbuf_free(&p);
		return -1;
	}
	*out = sbuf_take(&p);
	return 0;
}

void vmap_desired_free(struct vmap_desired *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->n_lines; i++)
		free(d->lines[i].params);
	free(d->lines);
	for (size_t i = 0; i < d->n_comps; i++)
		free(d->comps[i].ref);
	free(d->comps);
	for (size_t i = 0; i < d->n_missing; i++) {
		free(d->missing[i].ref);
		free(d->missing[i].why);
	}
	free(d->missing);
	memset(d, 0, sizeof(*d));
}
