/* validate.c: `validate` and `cat-config` (vmapctl.h): the spec set
 * offline.  Neither opens /dev/mapper/control, a device or a key file: a
 * spec can be checked on any machine (CI, a laptop). */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/util.h"
#include "run/common.h"
#include "targets/target.h"
#include "vmapctl.h"

static void add_unique(char ***v, size_t *n, const char *s)
{
	for (size_t i = 0; i < *n; i++)
		if (!strcmp((*v)[i], s))
			return;
	*v = xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[(*n)++] = xstrdup(s);
}

static void add_module(const char *mod, void *arg)
{
	struct vmapctl_validated *v = arg;
	add_unique(&v->modules, &v->n_modules, mod);
}

/* The {file: PATH} keys of an object, depth first. */
static void add_key_files(struct vmapctl_validated *v, const struct vmap_obj *o)
{
	for (size_t i = 0; o->v && i < o->type->n_fields; i++) {
		const struct vmap_value *val = &o->v[i];
		if (!val->set)
			continue;
		if (o->type->fields[i].kind == VMAP_F_SECRET && val->secret &&
		    val->secret->kind == VMAP_SECRET_FILE)
			add_unique(&v->key_files, &v->n_key_files, val->secret->value);
		else if (o->type->fields[i].kind == VMAP_F_LIST)
			for (size_t k = 0; k < val->n_items; k++)
				add_key_files(v, &val->items[k]);
	}
}

int vmapctl_validate(const struct vmapctl_opts *o, struct vmapctl_validated *v,
		     struct vmap_errlist *errs)
{
	memset(v, 0, sizeof(*v));
	int r = run_load_specs(o, &v->set, false, errs);
	for (size_t i = 0; i < v->set.n_vols; i++)
		for (size_t k = 0; k < v->set.vols[i].n_targets; k++) {
			const struct vmap_target *t = &v->set.vols[i].targets[k];
			if (!t->kernel_name)
				continue;
			add_unique(&v->types, &v->n_types, t->kernel_name);
			char *m = vmap_target_module(t->kernel_name);
			if (m)
				add_unique(&v->modules, &v->n_modules, m);
			free(m);
			if (!t->opaque && t->tt->extra_modules)
				t->tt->extra_modules(&t->args, add_module, v);
			if (!t->opaque)
				add_key_files(v, &t->args);
		}
	return r;
}

void vmapctl_validated_free(struct vmapctl_validated *v)
{
	vmap_specset_free(&v->set);
	for (size_t i = 0; i < v->n_types; i++)
		free(v->types[i]);
	free(v->types);
	for (size_t i = 0; i < v->n_modules; i++)
		free(v->modules[i]);
	free(v->modules);
	for (size_t i = 0; i < v->n_key_files; i++)
		free(v->key_files[i]);
	free(v->key_files);
	memset(v, 0, sizeof(*v));
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(((const struct vmap_spec_file *)a)->name,
		      ((const struct vmap_spec_file *)b)->name);
}

/* A path given with -f or $VMAPCTL_SPEC_DIR: a file, or a directory's
 * *.yaml and *.yml files in name order (what the loader reads). */
static void list_path(const char *path, struct vmap_spec_file **v, size_t *n, size_t *cap)
{
	struct stat st;
	DIR *d = stat(path, &st) == 0 && S_ISDIR(st.st_mode) ? opendir(path) : NULL;
	if (!d) {
		struct vmap_spec_file f = {.name = xstrdup(path), .path = xstrdup(path), .dir = ""};
		VEC_PUSH(*v, *n, *cap, f);
		return;
	}
	size_t first = *n;
	struct dirent *de;
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);
		if (de->d_name[0] == '.' ||
		    !((l > 5 && !strcmp(de->d_name + l - 5, ".yaml")) ||
		      (l > 4 && !strcmp(de->d_name + l - 4, ".yml"))))
			continue;
		struct vmap_spec_file f = {.name = xstrdup(de->d_name),
					   .path = xasprintf("%s/%s", path, de->d_name),
					   .dir = path};
		VEC_PUSH(*v, *n, *cap, f);
	}
	closedir(d);
	qsort(*v + first, *n - first, sizeof(**v), name_cmp);
}

int vmapctl_cat_config(const struct vmapctl_opts *o, struct vmapctl_config *cfg,
		       struct vmap_errlist *errs)
{
	(void)errs;
	const struct vmap_spec_source *src = &o->specs;
	size_t cap = 0;
	memset(cfg, 0, sizeof(*cfg));
	if (src->n_paths) {
		cfg->source = "-f";
		for (size_t i = 0; i < src->n_paths; i++)
			list_path(src->paths[i], &cfg->files, &cfg->n_files, &cap);
	} else if (src->spec_dir && *src->spec_dir) {
		cfg->source = "$VMAPCTL_SPEC_DIR";
		list_path(src->spec_dir, &cfg->files, &cfg->n_files, &cap);
	} else {
		cfg->source = "layered";
		vmap_spec_layers(src->root, &cfg->files, &cfg->n_files);
	}
	return 0;
}

void vmapctl_config_free(struct vmapctl_config *cfg)
{
	vmap_spec_files_free(cfg->files, cfg->n_files);
	memset(cfg, 0, sizeof(*cfg));
}
