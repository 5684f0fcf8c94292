/* cmd_export.c: `vmapctl export [NAME...] [--format yaml|concise|dm-init]`:
 * managed volumes as they are now, as a spec or as dmsetup / kernel
 * command line text (reconcile/export/export.h).  It reads live state (or a
 * snapshot with --live-state) and changes nothing. */
#include <stdio.h>

#include "cli.h"
#include "output.h"
#include "plan_print.h"
#include "vmapctl.h"

static void print_json(enum vmap_export_format f, const struct vmap_export *ex,
		       const struct vmap_errlist *errs)
{
	json_object *o = json_object_new_object();
	json_object *vols = json_object_new_array(), *warns = json_object_new_array();
	for (size_t i = 0; i < ex->n_volumes; i++)
		json_object_array_add(vols, json_object_new_string(ex->volumes[i]));
	for (size_t i = 0; i < ex->n_warnings; i++)
		json_object_array_add(warns, json_object_new_string(ex->warnings[i]));
	json_object_object_add(o, "format", json_object_new_string(vmap_export_format_name(f)));
	json_object_object_add(o, "volumes", vols);
	json_object_object_add(o, "text", ex->text ? json_object_new_string(ex->text) : NULL);
	json_object_object_add(o, "warnings", warns);
	json_object_object_add(o, "errors", errors_to_json(errs));
	vmap_print_json(o);
}

int cmd_export(struct vmap_cli *cli, struct vmap_errlist *errs)
{
	enum vmap_export_format f = VMAP_EXPORT_YAML;
	struct vmap_export ex = {0};
	struct vmapctl_opts o;

	if (cli->format && vmap_export_format_parse(cli->format, &f) < 0) {
		vmap_err(errs, VMAP_E_USAGE, 0, NULL, NULL,
			 "--format takes yaml, concise or dm-init, not '%s'", cli->format);
		return vmap_report_errors(cli, errs);
	}
	cli_opts(cli, &o);
	o.format = f;
	vmapctl_export(&o, &ex, errs);
	if (cli->json)
		print_json(f, &ex, errs);
	else if (ex.text)
		fputs(ex.text, stdout);
	fflush(stdout);
	/* on stderr, so that `vmapctl export > spec.yaml` still tells */
	for (size_t i = 0; !cli->quiet && i < ex.n_warnings; i++)
		fprintf(stderr, "vmapctl: warning: %s\n", ex.warnings[i]);
	int rc = vmap_report_errors(cli, errs);
	vmap_export_free(&ex);
	return rc;
}
