/* extent.c: see extent.h. */
#include "plan/extent.h"

#include <string.h>

#include "base/util.h"

struct uses {
	vmap_ref_match match;
	void *arg;
	bool hit;
};

static void note_use(const struct vmap_devref *ref, void *arg)
{
	struct uses *u = arg;
	if (u->match(ref, u->arg))
		u->hit = true;
}

static int64_t max64(int64_t a, int64_t b)
{
	return a > b ? a : b;
}

int64_t vmap_obj_extent(const struct vmap_target_type *tt, const struct vmap_obj *o,
			uint64_t len, vmap_ref_match match, void *arg)
{
	/* Single-device targets map [offset, offset + len) of their device. */
	if (tt->size_device_key) {
		const struct vmap_value *dv = vmap_obj_get(o, tt->size_device_key);
		bool uses_other = false;
		int64_t end = 0;
		if (dv->set && dv->dev && match(dv->dev, arg)) {
			uint64_t off = tt->size_offset_key ? vmap_obj_u64(o, tt->size_offset_key, 0) : 0;
			end = (int64_t)(off + len);
		}
		/* another device field (delay's write device...) pointing at it
		 * makes the layout more than one range: say we cannot tell */
		for (size_t i = 0; i < o->type->n_fields; i++) {
			const struct vmap_field *f = &o->type->fields[i];
			if (f->kind == VMAP_F_DEVICE && strcmp(f->key, tt->size_device_key) &&
			    o->v[i].set && o->v[i].dev && match(o->v[i].dev, arg))
				uses_other = true;
		}
		return uses_other ? -1 : end;
	}
	if (!strcmp(tt->name, "striped")) {
		const struct vmap_value *st = vmap_obj_get(o, "stripes");
		int64_t end = 0;
		if (!st->n_items)
			return 0;
		uint64_t per = len / st->n_items;
		for (size_t i = 0; i < st->n_items; i++) {
			const struct vmap_value *dv = vmap_obj_get(&st->items[i], "device");
			if (dv->set && dv->dev && match(dv->dev, arg))
				end = max64(end, (int64_t)(vmap_obj_u64(&st->items[i], "offset", 0) + per));
		}
		return end;
	}
	/* Any other type: 0 if it does not use the device at all. */
	struct uses u = {match, arg, false};
	vmap_obj_foreach_device(o, note_use, &u);
	return u.hit ? -1 : 0;
}

int64_t vmap_text_extent(const char *type, const char *params, uint64_t len,
			 vmap_ref_match match, void *arg)
{
	const struct vmap_target_type *tt = vmap_target_type_find(type);
	if (!tt)
		return -1;
	size_t n;
	char **w = split_words(params ? params : "", &n);
	struct vmap_obj o = {0};
	struct vmap_errlist ignore = {0};
	vmap_obj_init(&o, &tt->args);
	int64_t end = -1;
	if (tt->parse(w, n, &o, NULL, &ignore) == 0)
		end = vmap_obj_extent(tt, &o, len, match, arg);
	vmap_errlist_clear(&ignore);
	vmap_obj_free(&o);
	strv_free(w);
	return end;
}
