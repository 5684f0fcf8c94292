/* cmd_recover.c: `vmapctl recover`: finish or roll back what an
 * interrupted run left (contract section 6). */
#include <stdio.h>

#include "cli.h"
#include "eventlog.h"
#include "output.h"
#include "plan_print.h"
#include "run_print.h"
#include "vmapctl.h"

int cmd_recover(struct vmap_cli *cli, struct vmap_errlist *errs)
{
	struct vmapctl_opts o;
	struct vmap_recover_result rec;
	cli_opts(cli, &o);
	run_progress_opts(cli, &o);
	int r = vmapctl_recover(&o, &rec, errs);
	run_progress_end();
	eventlog_recovered(cli, &rec);
	if (cli->json) {
		json_object *j = json_object_new_object();
		json_object_object_add(j, "journal", json_object_new_boolean(rec.had_journal));
		json_object *a = json_object_new_array();
		for (size_t i = 0; i < rec.n_actions; i++)
			json_object_array_add(a, json_object_new_string(rec.actions[i]));
		json_object_object_add(j, "actions", a);
		json_object_object_add(j, "migrations", migrations_to_json(rec.migrations, rec.n_migrations));
		json_object_object_add(j, "errors", errors_to_json(errs));
		vmap_print_json(j);
	} else if (!cli->quiet && r == 0) {
		if (!rec.had_journal)
			printf("nothing to recover: no interrupted run\n");
		else
			printf("recovered the run of pid %d:\n", rec.journal_pid);
		for (size_t i = 0; i < rec.n_actions; i++)
			printf("  %s\n", rec.actions[i]);
	}
	int rc = r < 0 ? vmap_report_errors(cli, errs)
		       : (rec.n_actions && cli->detailed_exitcode ? EXIT_CHANGES : EXIT_OK);
	vmap_recover_result_free(&rec);
	return rc;
}
