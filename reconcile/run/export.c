/* export.c: `export` and `version` (vmapctl.h): what is there now. */
#include <stdlib.h>
#include <string.h>

#include "dm.h"
#include "run/common.h"
#include "vmapctl.h"

int vmapctl_export(const struct vmapctl_opts *o, struct vmap_export *ex,
		   struct vmap_errlist *errs)
{
	struct vmap_live live = {0};
	struct vmap_export_opts eo = {.format = o->format, .names = o->names,
				      .n_names = o->n_names};
	memset(ex, 0, sizeof(*ex));
	int r = run_live(o, NULL, RUN_LIVE_PLAN, &live, errs);
	if (r == 0)
		r = vmap_export(&live, &eo, ex, errs);
	vmap_live_free(&live);
	return r;
}

int vmapctl_version(struct vmapctl_version *v, struct vmap_errlist *errs)
{
	/* the library's version is useful even where the kernel has no
	 * device-mapper; the driver's is then the error */
	memset(v, 0, sizeof(*v));
	v->library = vmap_dm_library_version();
	if (vmap_dm_available(errs) < 0 || vmap_dm_driver_version(&v->driver, NULL, errs) < 0)
		return -1;
	return 0;
}

void vmapctl_version_free(struct vmapctl_version *v)
{
	free(v->driver);
	memset(v, 0, sizeof(*v));
}
