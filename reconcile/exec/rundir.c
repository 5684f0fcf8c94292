/* rundir.c: see rundir.h. */
#include "exec/rundir.h"

const char *vmap_run_dir(const char *dir)
{
	return dir && *dir ? dir : VMAP_RUN_DIR;
}
