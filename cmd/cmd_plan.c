/* cmd_plan.c: `vmapctl plan`: read the live state and print the ordered
 * plan; touches nothing. */
#include "cli.h"
#include "run_print.h"
#include "vmapctl.h"

int cmd_plan(struct vmap_cli *cli, struct vmap_errlist *errs)
{
	struct vmapctl_opts o;
	struct vmapctl_run run;
	run_opts(cli, RUN_PLAN, &o);
	vmapctl_plan(&o, &run, errs);
	int rc = run_finish(cli, RUN_PLAN, &run, errs);
	run_done(&run);
	return rc;
}
