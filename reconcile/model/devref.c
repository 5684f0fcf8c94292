/* devref.c: naming device references, and the volume a reference names
 * (see spec.h). */
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "model/spec.h"

static int cmp_kv(const void *a, const void *b)
{
	const struct vmap_kv *const *x = a, *const *y = b;
	return strcmp((*x)->key, (*y)->key);
}

char *vmap_devref_key(const struct vmap_devref *ref)
{
	switch (ref->kind) {
	case VMAP_DEV_PATH: return xstrdup(ref->path);
	case VMAP_DEV_MAJMIN: return xasprintf("%u:%u", ref->major, ref->minor);
	case VMAP_DEV_VOLUME: return xasprintf("volume:%s", ref->volume);
	case VMAP_DEV_UDEV: {
		/* sorted here, so equal sets give equal keys however the spec
		 * reader happened to order them */
		const struct vmap_kv **kv = xcalloc(ref->n_props ? ref->n_props : 1, sizeof(*kv));
		for (size_t i = 0; i < ref->n_props; i++)
			kv[i] = &ref->props[i];
		qsort(kv, ref->n_props, sizeof(*kv), cmp_kv);
		struct sbuf b = {0};
		sbuf_add(&b, "udev:");
		for (size_t i = 0; i < ref->n_props; i++)
			sbuf_printf(&b, "%s%s=%s", i ? "," : "", kv[i]->key, kv[i]->value);
		free(kv);
		return sbuf_take(&b);
	}
	}
	return xstrdup("?");
}

int vmap_devref_volume(const struct vmap_specset *set, const struct vmap_devref *ref)
{
	const char *name = NULL;
	if (ref->kind == VMAP_DEV_VOLUME)
		name = ref->volume;
	else if (ref->kind == VMAP_DEV_PATH && !strncmp(ref->path, "/dev/mapper/", 12))
		name = ref->path + 12;
	const struct vmap_volume *v = name ? vmap_specset_find(set, name) : NULL;
	return v ? (int)(v - set->vols) : -1;
}
