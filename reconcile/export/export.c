/* export.c: select and order the devices of an export (see export.h and
 * exporter.h). */
#include "export/exporter.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int vmap_export_format_parse(const char *s, enum vmap_export_format *out)
{
	static const struct {
		const char *name;
		enum vmap_export_format f;
	} formats[] = {
		{"yaml", VMAP_EXPORT_YAML},
		{"concise", VMAP_EXPORT_CONCISE},
		{"dm-init", VMAP_EXPORT_DM_INIT},
	};
	for (size_t i = 0; s && i < sizeof(formats) / sizeof(formats[0]); i++)
		if (!strcmp(s, formats[i].name)) {
			*out = formats[i].f;
			return 0;
		}
	return -1;
}

const char *vmap_export_format_name(enum vmap_export_format f)
{
	switch (f) {
	case VMAP_EXPORT_YAML: return "yaml";
	case VMAP_EXPORT_CONCISE: return "concise";
	case VMAP_EXPORT_DM_INIT: return "dm-init";
	}
	return "?";
}

static int by_name(const void *a, const void *b)
{
	const struct vmap_dmdev *const *x = a, *const *y = b;
	return strcmp((*x)->name, (*y)->name);
}

static void refuse_unmanaged(struct ex *x, const struct vmap_dmdev *d)
{
	if (!d->uuid || !*d->uuid)
		vmap_err(x->errs, VMAP_E_POLICY, 0, NULL, d->name,
			 "device is not managed by vmapctl: it has no uuid (make it managed with "
			 "'vmapctl adopt %s')", d->name);
	else
		vmap_err(x->errs, VMAP_E_POLICY, 0, NULL, d->name,
			 "device is not managed by vmapctl: its uuid '%s' belongs to another tool",
			 d->uuid);
}

static int select_devs(struct ex *x)
{
	const struct vmap_export_opts *o = x->opts;
	size_t before = x->errs->n;
	if (!o->n_names) {
		for (size_t i = 0; i < x->live->n_devs; i++)
			if (vmap_dmdev_managed(&x->live->devs[i]))
				VEC_PUSH(x->devs, x->n, x->cap, &x->live->devs[i]);
	}
	for (size_t k = 0; k < o->n_names; k++) {
		const struct vmap_dmdev *d = vmap_live_find_dev(x->live, o->names[k]);
		bool dup = false;
		for (size_t i = 0; d && i < x->n; i++)
			dup |= x->devs[i] == d;
		if (dup)
			continue;
		if (!d)
			vmap_err(x->errs, VMAP_E_FAILED, ENODEV, NULL, o->names[k], "no such device");
		else if (!vmap_dmdev_managed(d))
			refuse_unmanaged(x, d);
		else
			VEC_PUSH(x->devs, x->n, x->cap, d);
	}
	for (size_t i = 0; i < x->n; i++)
		if (!x->devs[i]->live_table || !x->devs[i]->live.n)
			vmap_err(x->errs, VMAP_E_FAILED, 0, NULL, x->devs[i]->name,
				 "device has no live table, so there is nothing to export");
	if (x->n)
		qsort(x->devs, x->n, sizeof(*x->devs), by_name);
	return x->errs->n == before ? 0 : -1;
}

/* Lower volumes first: a depth-first walk over the deps of the live
 * tables, restricted to the selection, in name order where free. */
static void visit(struct ex *x, size_t i, unsigned char *state, const struct vmap_dmdev **order,
		  size_t *n)
{
	if (state[i])
		return; /* done, or on the path: dm tables cannot form a cycle */
	state[i] = 1;
	const struct vmap_dmdev *d = x->devs[i];
	for (size_t k = 0; k < d->n_deps; k++)
		for (size_t j = 0; j < x->n; j++)
			if (x->devs[j]->major == d->dep_major[k] && x->devs[j]->minor == d->dep_minor[k])
				visit(x, j, state, order, n);
	state[i] = 2;
	order[(*n)++] = d;
}

static void order_devs(struct ex *x)
{
	if (!x->n)
		return;
	unsigned char *state = xcalloc(x->n, 1);
	const struct vmap_dmdev **order = xcalloc(x->n, sizeof(*order));
	size_t n = 0;
	for (size_t i = 0; i < x->n; i++)
		visit(x, i, state, order, &n);
	memcpy(x->devs, order, x->n * sizeof(*order));
	free(order);
	free(state);
}

int vmap_export(const struct vmap_live *live, const struct vmap_export_opts *opts,
		struct vmap_export *out, struct vmap_errlist *errs)
{
	struct ex x = {.live = live, .opts = opts, .out = out, .errs = errs};
	struct sbuf text = {0};
	int r;
	memset(out, 0, sizeof(*out));
	r = select_devs(&x);
	if (r == 0) {
		order_devs(&x);
		r = opts->format == VMAP_EXPORT_YAML ? export_yaml(&x, &text) : export_text(&x, &text);
	}
	if (r < 0) {
		sbuf_free(&text);
		free(x.devs);
		vmap_export_free(out);
		return -1;
	}
	out->text = sbuf_take(&text);
	out->volumes = xcalloc(x.n ? x.n : 1, sizeof(char *));
	for (size_t i = 0; i < x.n; i++)
		out->volumes[out->n_volumes++] = xstrdup(x.devs[i]->name);
	free(x.devs);
	return 0;
}

void vmap_export_free(struct vmap_export *e)
{
	if (!e)
		return;
	free(e->text);
	for (size_t i = 0; i < e->n_warnings; i++)
		free(e->warnings[i]);
	free(e->warnings);
	for (size_t i = 0; i < e->n_volumes; i++)
		free(e->volumes[i]);
	free(e->volumes);
	memset(e, 0, sizeof(*e));
}
