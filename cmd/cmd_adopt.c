/* cmd_adopt.c: `vmapctl adopt NAME...`: make devices without a uuid
 * managed (uuid VMAP-NAME); the library decides which may be adopted. */
#include <stdio.h>

#include "cli.h"
#include "output.h"
#include "plan_print.h"
#include "vmapctl.h"

int cmd_adopt(struct vmap_cli *cli, struct vmap_errlist *errs)
{
	struct vmapctl_opts o;
	struct vmapctl_adopted res;
	cli_opts(cli, &o);
	vmapctl_adopt(&o, &res, errs);
	if (cli->json) {
		json_object *j = json_object_new_object();
		json_object_object_add(j, "adopted", strv_json(res.adopted, res.n_adopted));
		json_object_object_add(j, "unchanged", strv_json(res.unchanged, res.n_unchanged));
		json_object_object_add(j, "errors", errors_to_json(errs));
		vmap_print_json(j);
	} else if (!cli->quiet) {
		for (size_t i = 0; i < res.n_adopted; i++)
			printf("adopted '%s': uuid " VMAP_UUID_PREFIX "%s\n", res.adopted[i],
			       res.adopted[i]);
		for (size_t i = 0; i < res.n_unchanged; i++)
			printf("'%s' is managed already\n", res.unchanged[i]);
	}
	int rc = errs->n ? vmap_report_errors(cli, errs)
			 : (res.n_adopted && cli->detailed_exitcode ? EXIT_CHANGES : EXIT_OK);
	vmapctl_adopted_free(&res);
	return rc;
}
