/* cmd_version.c: `vmapctl version`. */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "dm.h"
#include "output.h"

int cmd_version(struct vmap_cli *cli, struct vmap_errlist *errs)
{
	/* The tool and library versions are useful even where the kernel has
	 * no device-mapper; the driver line then becomes the error. */
	char *drv = NULL;
	int rc = EXIT_OK;
	if (vmap_dm_available(errs) < 0 || vmap_dm_driver_version(&drv, NULL, errs) < 0)
		rc = EXIT_FAILED;
	if (cli->json) {
		json_object *o = json_object_new_object();
		json_object_object_add(o, "vmapctl", json_object_new_string(VMAP_VERSION));
		json_object_object_add(o, "libdevmapper",
				       json_object_new_string(vmap_dm_library_version()));
		json_object_object_add(o, "driver", drv ? json_object_new_string(drv) : NULL);
		vmap_print_json(o);
	} else {
		printf("vmapctl %s\n", VMAP_VERSION);
		printf("libdevmapper %s\n", vmap_dm_library_version());
		if (drv)
			printf("kernel driver %s\n", drv);
	}
	free(drv);
	if (rc != EXIT_OK)
		return vmap_report_errors(cli, errs);
	return rc;
}
