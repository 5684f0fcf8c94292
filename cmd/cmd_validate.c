/* cmd_validate.c: `vmapctl validate [-f PATH]...`: parse and check the
 * spec set offline.  It never opens /dev/mapper/control, a device or a key
 * file: a spec can be checked on any machine (CI, a laptop). */
#include <stdio.h>

#include "cli.h"
#include "output.h"
#include "vmapctl.h"

static void print_json(const struct vmapctl_validated *v, const struct vmap_errlist *errs)
{
	const struct vmap_specset *set = &v->set;
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
	json_object_object_add(o, "targetTypes", strv_json(v->types, v->n_types));
	json_object_object_add(o, "modules", strv_json(v->modules, v->n_modules));
	json_object_object_add(o, "keyFiles", strv_json(v->key_files, v->n_key_files));
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
	struct vmapctl_validated v;
	struct vmapctl_opts o;
	cli_opts(cli, &o);
	vmapctl_validate(&o, &v, errs);
	const struct vmap_specset *set = &v.set;
	if (cli->json)
		print_json(&v, errs);
	else if (!errs->n && !cli->quiet)
		printf("ok: %zu volume%s in %zu file%s\n", set->n_vols, set->n_vols == 1 ? "" : "s",
		       set->n_files, set->n_files == 1 ? "" : "s");
	vmapctl_validated_free(&v);
	return vmap_report_errors(cli, errs);
}
