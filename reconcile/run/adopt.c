/* adopt.c: `adopt NAME...` (vmapctl.h): make existing devices managed by
 * giving them the uuid "VMAP-NAME" (contract section 4).  With `export`
 * this turns a hand-made setup into a spec.  Every name is checked
 * (plan/adopt.c) before any uuid is set, so a refused name leaves every
 * device as it was. */
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "dm.h"
#include "plan/adopt.h"
#include "run/common.h"
#include "vmapctl.h"

static bool listed(char *const *v, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i], name))
			return true;
	return false;
}

int vmapctl_adopt(const struct vmapctl_opts *o, struct vmapctl_adopted *res,
		  struct vmap_errlist *errs)
{
	struct vmap_lock lock = {.fd = -1};
	struct vmap_dmdev *devs = NULL;
	size_t n_devs = 0, before = errs->n, n_adopt = 0;
	char **adopt = xcalloc(o->n_names + 1, sizeof(char *));
	memset(res, 0, sizeof(*res));
	res->adopted = xcalloc(o->n_names + 1, sizeof(char *));
	res->unchanged = xcalloc(o->n_names + 1, sizeof(char *));

	if (run_lock(o, &lock, errs) < 0 || vmap_dm_available(errs) < 0 ||
	    vmap_dm_list(&devs, &n_devs, errs) < 0)
		goto out;
	for (size_t i = 0; i < o->n_names; i++) {
		const char *name = o->names[i];
		if (listed(adopt, n_adopt, name) || listed(res->unchanged, res->n_unchanged, name))
			continue;
		switch (vmap_adopt_check(devs, n_devs, name, errs)) {
		case VMAP_ADOPT: adopt[n_adopt++] = xstrdup(name); break;
		case VMAP_ADOPT_ALREADY: res->unchanged[res->n_unchanged++] = xstrdup(name); break;
		case VMAP_ADOPT_REFUSED: break;
		}
	}
	if (errs->n > before)
		goto out; /* nothing is touched while any name is refused */

	struct vmap_udev_batch batch = {0};
	struct sbuf what = {0};
	for (size_t i = 0; i < n_adopt; i++) {
		char *uuid = xasprintf(VMAP_UUID_PREFIX "%s", adopt[i]);
		int r = vmap_dm_set_uuid(adopt[i], uuid, &batch, errs);
		free(uuid);
		if (r < 0)
			break;
		sbuf_printf(&what, "%s'%s'", res->n_adopted ? ", " : "", adopt[i]);
		res->adopted[res->n_adopted++] = adopt[i];
		adopt[i] = NULL;
	}
	/* RENAME sends a change uevent: wait for udev so /dev/mapper and the
	 * udev database show the new uuid when adopt returns */
	vmap_dm_udev_wait(&batch, o->udev_timeout, sbuf_str(&what), errs);
	sbuf_free(&what);
out:
	vmap_lock_release(&lock);
	for (size_t i = 0; i < n_devs; i++)
		vmap_dmdev_free(&devs[i]);
	free(devs);
	for (size_t i = 0; i < n_adopt; i++)
		free(adopt[i]);
	free(adopt);
	return errs->n > before ? -1 : 0;
}

void vmapctl_adopted_free(struct vmapctl_adopted *res)
{
	for (size_t i = 0; i < res->n_adopted; i++)
		free(res->adopted[i]);
	free(res->adopted);
	for (size_t i = 0; i < res->n_unchanged; i++)
		free(res->unchanged[i]);
	free(res->unchanged);
	memset(res, 0, sizeof(*res));
}
