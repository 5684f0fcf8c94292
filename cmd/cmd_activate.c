/* cmd_activate.c: `vmapctl activate --device DEV`: the boot and udev entry
 * point; creates the volumes whose devices are all present, or hands the
 * device to the activation already running. */
#include <stdio.h>

#include "cli.h"
#include "run_print.h"
#include "vmapctl.h"

int cmd_activate(struct vmap_cli *cli, struct vmap_errlist *errs)
{
	struct vmapctl_opts o;
	struct vmapctl_activation a;
	/* the background is for the rounds of a runner, which only an
	 * activation of a device makes */
	if (cli->detach && !cli->device) {
		fprintf(stderr, "vmapctl: 'activate --detach' needs --device (see 'vmapctl --help')\n");
		return EXIT_USAGE;
	}
	run_opts(cli, RUN_ACTIVATE, &o);
	vmapctl_activate(&o, &a, errs);
	int rc = activate_finish(cli, &a, errs);
	vmapctl_activation_free(&a);
	return rc;
}
