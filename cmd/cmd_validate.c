/* cmd_validate.c: `vmapctl validate [-f PATH]...`: parse and check the
 * spec set offline.  It never opens /dev/mapper/control, a device or a key
 * file: a spec can be checked on any machine (CI, a laptop). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "output.h"
#include "model/spec.h"
#include "targets/target.h"
#include "base/util.h"

/* Add `s` to the JSON array `a` unless it is there already. */
static void add_unique(json_object *a, const char *s)
{
	for (size_t i = 0; i < json_object_array_length(a); i++)
		if (!strcmp(json_object_get_string(json_object_array_get_idx(a, i)), s))
			return;
	json_object_array_add(a, json_object_new_string(s));
}

/* The kernel target types the set uses and the modules that provide
 * them: what an initramfs hook must copy for the set to come up. */
static void add_types(json_object *o, const struct vmap_specset *set)
{
	json_object *types = json_object_new_array();
	json_object *mods = json_object_new_array();
	for (size_t i = 0; i < set->n_vols; i++)
		for (size_t k = 0; k < set->vols[i].n_targets; k++) {
			const char *name = set->vols[i].targets[k].kernel_name;
			if (!name)
				continue;
			add_unique(types, name);
			const struct vmap_target_type *tt = vmap_target_type_find(name);
			if (tt && tt->module)
				add_unique(mods, tt->module);
			else if (!tt) {
				/* what the kernel's request_module("dm-TYPE") loads */
				char *m = xasprintf("dm-%s", name);
				add_unique(mods, m);
				free(m);
			}
		}
	json_object_object_add(o, "targetTypes", types);
	json_object_object_add(o, "modules", mods);
}

static void print_json(const struct vmap_specset *set, const struct vmap_errlist *errs)
{
	json_object *o = json_object_new_object();
	json_object *files = json_object_new_array();
	json_object *vols = json_object_new_array();
	for (size_t i = 0; i < set->n_files; i++)
		json_object_array_add(files, json_object_new_string(set->files[i]));
	for (size_t i = 0; i < set->n_vols; i++)
		json_object_array_add(vols, json_object_new_string(set->vols[i].name));
	json_object_object_add(o, "valid", json_object_new_boolean(errs->n == 0));
	json_object_object_add(o, "files", files);
	json_object_object_add(o, "volumes", vols);
	add_types(o, set);
	if (errs->n) {
		/* the same records stderr gets, for editors and CI annotations */
		json_object *ea = json_object_new_array();
		for (size_t i = 0; i < errs->n; i++) {
			const struct vmap_error *e = &errs->v[i];
			json_object *je = json_object_new_object();
			json_object_object_add(je, "file", e->file ? json_object_new_string(e->file) : NULL);
			json_object_object_add(je, "line", json_object_new_int((int)e->line));
			json_object_object_add(je, "column", json_object_new_int((int)e->col));
			json_object_object_add(je, "volume",
					       e->volume ? json_object_new_string(e->volume) : NULL);
			json_object_object_add(je, "message", json_object_new_string(e->msg));
			json_object_array_add(ea, je);
		}
		json_object_object_add(o, "errors", ea);
	}
	vmap_print_json(o);
}

int cmd_validate(struct vmap_cli *cli, struct vmap_errlist *errs)
{
	struct vmap_specset set;
	vmap_specset_load(&set, cli->files, cli->n_files, errs);
	if (cli->json)
		print_json(&set, errs);
	else if (!errs->n && !cli->quiet)
		printf("ok: %zu volume%s in %zu file%s\n", set.n_vols, set.n_vols == 1 ? "" : "s",
		       set.n_files, set.n_files == 1 ? "" : "s");
	vmap_specset_free(&set);
	return vmap_report_errors(cli, errs);
}
