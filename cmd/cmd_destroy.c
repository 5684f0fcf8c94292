/* cmd_destroy.c: `vmapctl destroy NAME...`: remove managed volumes (and
 * only managed ones): an apply whose plan only removes. */
#include "cli.h"
#include "run_print.h"
#include "vmapctl.h"

int cmd_destroy(struct vmap_cli *cli, struct vmap_errlist *errs)
{
	struct vmapctl_opts o;
	struct vmapctl_run run;
	run_opts(cli, RUN_APPLY, &o);
	vmapctl_destroy(&o, &run, errs);
	int rc = run_finish(cli, RUN_APPLY, &run, errs);
	run_done(&run);
	return rc;
}
