/* exitcode.c: the one place where errors become exit codes and text. */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"

int vmap_exit_code(enum vmap_errkind kind)
{
	switch (kind) {
	case VMAP_E_USAGE: return EXIT_USAGE;
	case VMAP_E_SPEC: return EXIT_SPEC;
	case VMAP_E_POLICY: return EXIT_REFUSED;
	case VMAP_E_LOCK: return EXIT_LOCK;
	case VMAP_E_FAILED:
	case VMAP_E_TIMEOUT: return EXIT_FAILED;
	}
	return EXIT_FAILED;
}

int vmap_report_errors(const struct vmap_cli *cli, struct vmap_errlist *errs)
{
	(void)cli;
	if (!errs->n)
		return EXIT_OK;
	for (size_t i = 0; i < errs->n; i++) {
		char *line = vmap_error_format(&errs->v[i]);
		fprintf(stderr, "vmapctl: %s\n", line);
		free(line);
	}
	return vmap_exit_code(vmap_errlist_worst(errs));
}
