/* obj.c: generic target-argument objects (see spec.h) and freeing the
 * spec model. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/spec.h"
#include "base/util.h"

static size_t field_index(const struct vmap_objtype *t, const char *key)
{
	/* Keys are string literals, which the linker merges: the same
	 * pointer is the common case (this runs a few times per field per
	 * volume); the comparison of text only decides the rest. */
	for (size_t i = 0; i < t->n_fields; i++)
		if (t->fields[i].key == key)
			return i;
	for (size_t i = 0; i < t->n_fields; i++)
		if (!strcmp(t->fields[i].key, key))
			return i;
	/* A key the type does not have is a bug in vmapctl, not bad input. */
	fprintf(stderr, "vmapctl: internal error: type '%s' has no field '%s'\n", t->name, key);
	abort();
}

const struct vmap_value *vmap_obj_get(const struct vmap_obj *o, const char *key)
{
	return &o->v[field_index(o->type, key)];
}

struct vmap_value *vmap_obj_getw(struct vmap_obj *o, const char *key)
{
	return &o->v[field_index(o->type, key)];
}

bool vmap_obj_has(const struct vmap_obj *o, const char *key)
{
	return vmap_obj_get(o, key)->set;
}

uint64_t vmap_obj_u64(const struct vmap_obj *o, const char *key, uint64_t dflt)
{
	const struct vmap_value *v = vmap_obj_get(o, key);
	return v->set ? v->u : dflt;
}

bool vmap_obj_bool(const struct vmap_obj *o, const char *key)
{
	const struct vmap_value *v = vmap_obj_get(o, key);
	return v->set && v->u;
}

const char *vmap_obj_str(const struct vmap_obj *o, const char *key, const char *dflt)
{
	const struct vmap_value *v = vmap_obj_get(o, key);
	return v->set && v->s ? v->s : dflt;
}

void vmap_obj_init(struct vmap_obj *o, const struct vmap_objtype *type)
{
	o->type = type;
	o->v = xcalloc(type->n_fields ? type->n_fields : 1, sizeof(*o->v));
}

void vmap_devref_free(struct vmap_devref *d)
{
	if (!d)
		return;
	free(d->path);
	free(d->volume);
	for (size_t i = 0; i < d->n_props; i++) {
		free(d->props[i].key);
		free(d->props[i].value);
	}
	free(d->props);
	free(d);
}

void vmap_secret_free(struct vmap_secret *s)
{
	if (!s)
		return;
	if (s->value) {
		/* hex keys are key material: do not leave them in freed memory */
		explicit_bzero(s->value, strlen(s->value));
		free(s->value);
	}
	free(s);
}

static void value_free(struct vmap_value *v)
{
	free(v->s);
	vmap_devref_free(v->dev);
	vmap_secret_free(v->secret);
	for (size_t i = 0; i < v->n_items; i++)
		vmap_obj_free(&v->items[i]);
	free(v->items);
	for (size_t i = 0; i < v->n_kv; i++) {
		free(v->kv[i].key);
		free(v->kv[i].value);
	}
	free(v->kv);
}

void vmap_obj_free(struct vmap_obj *o)
{
	if (!o || !o->v)
		return;
	for (size_t i = 0; i < o->type->n_fields; i++)
		value_free(&o->v[i]);
	free(o->v);
	o->v = NULL;
}

void vmap_target_free(struct vmap_target *t)
{
	if (!t)
		return;
	free(t->kernel_name);
	vmap_obj_free(&t->args);
	vmap_opaque_free(t->opaque);
	memset(t, 0, sizeof(*t));
}

void vmap_opaque_free(struct vmap_opaque *o)
{
	if (!o)
		return;
	strv_free(o->words);
	for (size_t i = 0; i < o->n_refs; i++)
		free(o->refs[i].path);
	free(o->refs);
	free(o->ref_word);
	free(o);
}

void vmap_volume_free(struct vmap_volume *v)
{
	if (!v)
		return;
	free(v->name);
	free(v->uuid);
	for (size_t i = 0; i < v->n_targets; i++)
		vmap_target_free(&v->targets[i]);
	free(v->targets);
	free(v->deps);
}

void vmap_specset_free(struct vmap_specset *set)
{
	for (size_t i = 0; i < set->n_vols; i++)
		vmap_volume_free(&set->vols[i]);
	free(set->vols);
	for (size_t i = 0; i < set->n_files; i++)
		free(set->files[i]);
	free(set->files);
	free(set->by_name);
	memset(set, 0, sizeof(*set));
}

const struct vmap_volume *vmap_specset_find(const struct vmap_specset *set, const char *name)
{
	if (!set->by_name) {
		/* a set built by hand (tests), or one with volumes without a
		 * valid name (being refused) */
		for (size_t i = 0; i < set->n_vols; i++)
			if (set->vols[i].name && !strcmp(set->vols[i].name, name))
				return &set->vols[i];
		return NULL;
	}
	size_t lo = 0, hi = set->n_vols;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(set->vols[set->by_name[mid]].name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < set->n_vols && !strcmp(set->vols[set->by_name[lo]].name, name))
		return &set->vols[set->by_name[lo]];
	return NULL;
}

static void foreach_dev_in(const struct vmap_obj *o,
			   void (*fn)(const struct vmap_devref *, void *), void *arg)
{
	for (size_t i = 0; i < o->type->n_fields; i++) {
		const struct vmap_value *v = &o->v[i];
		if (!v->set)
			continue;
		if (o->type->fields[i].kind == VMAP_F_DEVICE && v->dev)
			fn(v->dev, arg);
		else if (o->type->fields[i].kind == VMAP_F_LIST)
			for (size_t k = 0; k < v->n_items; k++)
				foreach_dev_in(&v->items[k], fn, arg);
	}
}

void vmap_obj_foreach_device(const struct vmap_obj *o,
			     void (*fn)(const struct vmap_devref *ref, void *arg), void *arg)
{
	if (o && o->v)
		foreach_dev_in(o, fn, arg);
}
