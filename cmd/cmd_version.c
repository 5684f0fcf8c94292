/* cmd_version.c: `vmapctl version`. */
#include <stdio.h>

#include "cli.h"
#include "output.h"
#include "vmapctl.h"

int cmd_version(struct vmap_cli *cli, struct vmap_errlist *errs)
{
	/* the tool and library versions are useful even where the kernel has
	 * no device-mapper; the driver line then becomes the error */
	struct vmapctl_version v;
	int rc = vmapctl_version(&v, errs) < 0 ? EXIT_FAILED : EXIT_OK;
	if (cli->json) {
		json_object *o = json_object_new_object();
		json_object_object_add(o, "vmapctl", json_object_new_string(VMAP_VERSION));
		json_object_object_add(o, "libdevmapper", json_object_new_string(v.library));
		json_object_object_add(o, "driver", v.driver ? json_object_new_string(v.driver) : NULL);
		vmap_print_json(o);
	} else {
		printf("vmapctl %s\n", VMAP_VERSION);
		printf("libdevmapper %s\n", v.library);
		if (v.driver)
			printf("kernel driver %s\n", v.driver);
	}
	vmapctl_version_free(&v);
	if (rc != EXIT_OK)
		return vmap_report_errors(cli, errs);
	return rc;
}
