/* run_print.h: what plan, apply, activate and destroy show (human or
 * JSON), and the exit code of such a run. */
#ifndef VMAP_RUN_PRINT_H
#define VMAP_RUN_PRINT_H

#include <json-c/json.h>

#include "cli.h"
#include "vmapctl.h"

enum run_kind { RUN_PLAN, RUN_APPLY, RUN_ACTIVATE };

/* Options for `kind`: progress on a terminal, the plan shown before the
 * steps run. */
void run_opts(const struct vmap_cli *cli, enum run_kind kind, struct vmapctl_opts *o);

/* Progress on a terminal only (recover uses it alone), and its end. */
void run_progress_opts(const struct vmap_cli *cli, struct vmapctl_opts *o);
void run_progress_end(void);

/* Migrations as JSON (apply's result, recover). */
json_object *migrations_to_json(const struct vmap_migrate_result *m, size_t n);

/* Print what the run did and return its exit code. */
/* The end of a run's command: the process exits next, and freeing a run
 * of thousands of volumes piece by piece costs a tenth of a converged
 * no-op apply (contract section 9), so the memory goes back with the
 * process.  Builds with AddressSanitizer free it, so that LeakSanitizer
 * keeps checking who owns what in the library. */
static inline void run_done(struct vmapctl_run *run)
{
#ifdef __SANITIZE_ADDRESS__
	vmapctl_run_free(run);
#else
	(void)run;
#endif
}

int run_finish(const struct vmap_cli *cli, enum run_kind kind, const struct vmapctl_run *run,
	       struct vmap_errlist *errs);

/* activate's: each round's activations, or the handover (human or JSON);
 * its exit code. */
int activate_finish(const struct vmap_cli *cli, const struct vmapctl_activation *a,
		    struct vmap_errlist *errs);

#endif
