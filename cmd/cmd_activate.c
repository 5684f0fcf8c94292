/* cmd_activate.c: `vmapctl activate --device DEV`: the boot and udev entry
 * point; creates the volumes whose devices are all present. */
#include "cli.h"
#include "run_print.h"
#include "vmapctl.h"

int cmd_activate(struct vmap_cli *cli, struct vmap_errlist *errs)
{
	struct vmapctl_opts o;
	struct vmapctl_run run;
	run_opts(cli, RUN_ACTIVATE, &o);
	vmapctl_activate(&o, &run, errs);
	int rc = run_finish(cli, RUN_ACTIVATE, &run, errs);
	vmapctl_run_free(&run);
	return rc;
}
