/* cmd_apply.c: `vmapctl apply`: plan, then make the kernel match (with
 * --dry-run: plan only). */
#include "cli.h"
#include "run_print.h"
#include "vmapctl.h"

int cmd_apply(struct vmap_cli *cli, struct vmap_errlist *errs)
{
	enum run_kind kind = cli->dry_run ? RUN_PLAN : RUN_APPLY;
	struct vmapctl_opts o;
	struct vmapctl_run run;
	run_opts(cli, kind, &o);
	if (cli->dry_run)
		vmapctl_plan(&o, &run, errs);
	else
		vmapctl_apply(&o, &run, errs);
	int rc = run_finish(cli, kind, &run, errs);
	run_done(&run);
	return rc;
}
